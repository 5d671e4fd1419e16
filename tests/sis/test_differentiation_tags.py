"""Differentiation tag sets, tags and tag memberships (section 9.13): non-collaborative groups."""

from __future__ import annotations

from tests.sis.helpers import Sis


def test_tag_sets(people: Sis) -> None:
    result = people.load("differentiation_tag_set", """
tag_set_id,course_id,set_name,status
ts1,c1,Reading levels,active
ts2,c2,Languages,Active
,c1,Nameless,active
ts3,c1,,active
ts4,c1,Four,
ts5,c1,Five,paused
ts6,,Six,active
ts7,nope,Seven,active
""", import_id=2)
    assert result.count == 2
    assert result.warnings == [
        "No sis_id given for a differentiation tag set",
        "No name given for differentiation tag set ts3",
        "No status given for differentiation tag set ts4",
        'Improper status "paused" for differentiation tag set ts5, skipping',
        "No course_id given for differentiation tag set ts6",
        'Course with id "nope" didn\'t exist for differentiation tag set ts7',
    ]
    rows = people.all("SELECT sis_source_id, context_type, non_collaborative FROM group_categories"
                      " ORDER BY sis_source_id")
    assert [tuple(r) for r in rows] == [("ts1", "Course", 1), ("ts2", "Course", 1)]
    assert people.changed(2) == {"GroupCategory": {"created": 2}}


def test_tags_and_their_sets(people: Sis) -> None:
    people.load("differentiation_tag_set", "tag_set_id,course_id,set_name,status\nts1,c1,Levels,active\n")
    result = people.load("differentiation_tag", """
tag_id,tag_set_id,course_id,name,status
t1,ts1,,Advanced,available
t2,,c2,Single,available
,ts1,,No id,available
t3,ts1,,,available
t4,ts1,,Four,gone
t5,ghost,,Five,available
t6,ts1,c2,Six,available
t7,,nope,Seven,available
t8,,,Eight,available
""", import_id=2)
    assert result.count == 2
    assert result.warnings == [
        "No tag_id given for a differentiation tag.",
        "No name given for differentiation tag t3.",
        'Improper status "gone" for differentiation tag t4.',
        "Differentiation Tag Set ghost didn't exist for differentiation tag t5.",
        "Differentiation Tag Set ts1 didn't exist in course c2 for differentiation tag t6.",
        "Course with sis id nope didn't exist for differentiation tag t7.",
        "No tag_set_id or course_id given for differentiation tag t8. At least one is required for new tags.",
    ]
    tags = {r["sis_source_id"]: r for r in people.all("SELECT * FROM groups")}
    ts1 = people.value("SELECT id FROM group_categories WHERE sis_source_id = 'ts1'")
    assert tags["t1"]["group_category_id"] == ts1 and tags["t1"]["non_collaborative"] == 1
    # A tag given without a set gets one of its own, named after it; a re-import adds none.
    own_set = people.one("SELECT * FROM group_categories WHERE id = ?", tags["t2"]["group_category_id"])
    assert own_set["name"] == "Single" and own_set["sis_source_id"] is None
    people.load("differentiation_tag", "tag_id,course_id,name,status\nt2,c2,Single,available\n", import_id=3)
    assert people.value("SELECT COUNT(*) FROM group_categories") == 2


def test_tag_memberships_and_deleting_a_tag(people: Sis) -> None:
    people.load("enrollment", "course_id,user_id,role,status\nc1,u1,student,active\nc1,u2,student,active\n")
    people.load("differentiation_tag", "tag_id,course_id,name,status\nt1,c1,Extra time,available\n")
    people.load("group", "group_id,name,status,course_id\ng1,A group,available,c1\n")
    result = people.load("differentiation_tag_membership", """
tag_id,user_id,status
t1,u1,accepted
t1,u2,accepted
,u1,accepted
t1,,accepted
t1,u1,maybe
t1,ghost,accepted
g1,u1,accepted
t1,u3,accepted
""", import_id=2)
    assert result.count == 2
    assert result.warnings == [
        "No tag_id given for a differentiation tag user",
        "No user_id given for a differentiation tag user",
        'Improper status "maybe" for a differentiation tag user',
        "User ghost didn't exist for differentiation tag user",
        "Differentiation tag g1 didn't exist for differentiation tag user",
        "User u3 doesn't have an enrollment in the course of differentiation tag t1.",
    ]
    assert people.changed(2) == {"GroupMembership": {"created": 2}}
    people.load("differentiation_tag", "tag_id,course_id,name,status\nt1,c1,Extra time,deleted\n", import_id=3)
    assert people.changed(3) == {"Group": {"deleted": 1}, "GroupCategory": {"deleted": 1},
                                 "GroupMembership": {"deleted": 2}}


def test_groups_and_tags_share_one_sis_id_namespace(people: Sis) -> None:
    people.load("group", "group_id,name,status\nshared,A group,available\n")
    result = people.load("differentiation_tag", "tag_id,course_id,name,status\nshared,c1,A tag,available\n",
                         import_id=2)
    assert result.count == 0
    assert result.warnings == [
        "A differentiation tag did not pass validation"
        " (differentiation_tag: shared, error: Sis source is already in use)"]
    people.load("differentiation_tag_set", "tag_set_id,course_id,set_name,status\nset,c1,Set,active\n")
    result = people.load("group_category", "group_category_id,category_name,status\nset,Category,active\n",
                         import_id=3)
    assert result.warnings == [
        "A group category did not pass validation (group category: set, error: Sis source is already in use)"]
    result = people.load("group_membership", "group_id,user_id,status\nt_missing,u1,accepted\n", import_id=4)
    assert result.warnings == ["Group t_missing didn't exist for group user"]


def test_a_tag_leaving_its_tag_set_gets_a_set_of_its_own(people: Sis) -> None:
    people.load("differentiation_tag_set", "tag_set_id,course_id,set_name,status\nts1,c1,Levels,active\n")
    people.load("differentiation_tag", "tag_id,tag_set_id,name,status\nt1,ts1,One,available\nt2,ts1,Two,available\n")
    # A row without tag_set_id: Canvas gives the tag a new set named after it; deleting the tag
    # deletes that set, not ts1 with its other tag.
    result = people.load("differentiation_tag", "tag_id,course_id,name,status\nt1,c1,One,deleted\n", import_id=2)
    assert (result.count, result.warnings) == (1, [])
    sets = {r["name"]: (r["sis_source_id"], r["workflow_state"])
            for r in people.all("SELECT * FROM group_categories")}
    assert sets == {"Levels": ("ts1", "active"), "One": (None, "deleted")}
    t2 = people.one("SELECT * FROM groups WHERE sis_source_id = 't2'")
    assert t2["workflow_state"] == "available"

