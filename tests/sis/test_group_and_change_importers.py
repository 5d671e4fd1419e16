"""group categories, groups, group memberships and change_sis_id (sections 9.10-9.12, 9.16)."""

from __future__ import annotations

from tests.sis.helpers import Sis


def test_group_categories(people: Sis) -> None:
    people.load("account", "account_id,parent_account_id,name,status\nA,,Arts,active\n")
    result = people.load("group_category", """
group_category_id,category_name,status,account_id,course_id
gc1,Projects,active,,
gc2,Labs,active,A,
gc3,Teams,active,,c1
,Nameless,active,,
gc4,,active,,
gc5,Five,,,
gc6,Six,paused,,
gc7,Seven,active,A,c1
gc8,Eight,active,nope,
""", import_id=2)
    assert result.count == 3
    assert result.warnings == [
        "No sis_id given for a group category",
        "No name given for group category gc4",
        "No status given for group category gc5",
        'Improper status "paused" for group category gc6, skipping',
        "Only one context is allowed and both course_id and account_id where provided for group category gc7.",
        'Account with id "nope" didn\'t exist for group category gc8',
    ]
    contexts = {r["sis_source_id"]: (r["context_type"], r["context_id"]) for r in people.all("SELECT * FROM group_categories")}
    arts = people.value("SELECT id FROM accounts WHERE sis_source_id = 'A'")
    c1 = people.value("SELECT id FROM courses WHERE sis_source_id = 'c1'")
    assert contexts == {"gc1": ("Account", 1), "gc2": ("Account", arts), "gc3": ("Course", c1)}
    assert people.changed(2) == {"GroupCategory": {"created": 3}}


def test_groups(people: Sis) -> None:
    people.load("group_category", "group_category_id,category_name,status\ngc1,Projects,active\n")
    result = people.load("group", """
group_id,name,status,account_id,course_id,group_category_id
g1,One,available,,,gc1
g2,Two,closed,,c1,
,Nameless,available,,,
g3,,available,,,
g4,Four,open,,,
g5,Five,available,A,c1,
g6,Six,available,nope,,
g7,Seven,available,,nope,
g8,Eight,available,,,nope
""", import_id=2)
    assert result.count == 2
    assert result.warnings == [
        "No group_id given for a group.",
        "No name given for group g3.",
        'Improper status "open" for group g4.',
        "Only one context is allowed and both course_id and account_id where provided for group g5.",
        "Account with sis id nope didn't exist for group g6.",
        "Course with sis id nope didn't exist for group g7.",
        "Group Category nope didn't exist for group g8.",
    ]
    groups = {r["sis_source_id"]: r for r in people.all("SELECT * FROM groups")}
    assert groups["g1"]["group_category_id"] == people.value("SELECT id FROM group_categories")
    assert (groups["g2"]["context_type"], groups["g2"]["workflow_state"]) == ("Course", "available")
    # An existing group needs no name; deleting it is a state change.
    result = people.load("group", "group_id,name,status\ng1,,deleted\n", import_id=3)
    assert (result.count, result.warnings) == (1, [])
    assert people.changed(3) == {"Group": {"deleted": 1}}


def test_group_memberships(people: Sis) -> None:
    people.load("enrollment", "course_id,user_id,role,status\nc1,u1,student,active\n")
    people.load("group", "group_id,name,status,course_id\ng1,Course group,available,c1\ng2,Account group,available,\n")
    result = people.load("group_membership", """
group_id,user_id,status
g1,u1,accepted
g2,u2,Accepted
,u1,accepted
g1,,accepted
g1,u1,joined
g1,ghost,accepted
nope,u1,accepted
g1,u2,accepted
""", import_id=2)
    assert result.count == 2
    assert result.warnings == [
        "No group_id given for a group user",
        "No user_id given for a group user",
        'Improper status "joined" for a group user',
        "User ghost didn't exist for group user",
        "Group nope didn't exist for group user",
        "User u2 doesn't have an enrollment in the course of group g1.",
    ]
    assert people.changed(2) == {"GroupMembership": {"created": 2}}
    people.load("group_membership", "group_id,user_id,status\ng2,u2,deleted\n", import_id=3)
    assert people.changed(3) == {"GroupMembership": {"deleted": 1}}


def test_change_sis_id_renames_and_later_files_use_the_new_ids(people: Sis) -> None:
    people.conn.execute("UPDATE courses SET integration_id = 'ci1' WHERE sis_source_id = 'c1'")
    result = people.load("change_sis_id", """
old_id,new_id,old_integration_id,new_integration_id,type
c1,c1-new,,,course
u1,u1-new,,,user
,,ci1,<delete>,course
s1,s1-new,,ci-s1,section
,c1,,,course
c1,,,,course
c1,x,,,
c1,x,,,planet
ghost,x,,,term
c2,c1-new,,,course
,,zz,yy,group_category
""", import_id=2)
    assert result.rows == [
        (6, "No old_id or old_integration_id given for change_sis_id"),
        (7, "No new_id or new_integration_id given for change_sis_id"),
        (8, "No type given for change_sis_id"),
        (9, "Invalid type 'planet' for change_sis_id"),
        (10, "An old_id, 'ghost', referenced a non-existent term and was not changed."),
        (11, "A new_id, 'c1-new', referenced an existing course and the course with sis_source_id 'c2' was not updated"),
        (12, "Group categories should not have integration IDs."),
    ]
    assert result.count == 4
    course = people.one("SELECT * FROM courses WHERE sis_source_id = 'c1-new'")
    assert course["integration_id"] is None
    assert people.value("SELECT integration_id FROM course_sections WHERE sis_source_id = 's1-new'") == "ci-s1"
    enrolled = people.load("enrollment", "course_id,user_id,role,status\nc1-new,u1-new,student,active\n", import_id=3)
    assert (enrolled.count, enrolled.warnings) == (1, [])
