"""accounts, terms, abstract courses, courses, sections and cross-listings (sections 9.4-9.9, 9.17)."""

from __future__ import annotations

import pytest

from tests.sis.helpers import Sis


def test_accounts_build_a_tree_and_parents_may_come_from_earlier_rows(sis: Sis) -> None:
    result = sis.load("account", """
account_id,parent_account_id,name,status,integration_id
A1,,Arts,active,int-a1
A2,A1,Music,Active,
A3,A2,Jazz,activeXYZ,
""")
    assert (result.count, result.warnings) == (3, [])
    tree = {r["sis_source_id"]: r for r in sis.all("SELECT * FROM accounts WHERE sis_source_id IS NOT NULL")}
    assert tree["A1"]["parent_account_id"] == 1 and tree["A1"]["root_account_id"] == 1
    assert tree["A2"]["parent_account_id"] == tree["A1"]["id"]
    assert tree["A3"]["parent_account_id"] == tree["A2"]["id"]
    assert tree["A1"]["integration_id"] == "int-a1"
    assert all(r["workflow_state"] == "active" and r["sis_batch_id"] == 1 for r in tree.values())
    assert sis.changed() == {"Account": {"created": 3}}


def test_account_warnings(sis: Sis) -> None:
    sis.load("account", "account_id,parent_account_id,name,status\nP,,Parent,active\nC,P,Child,active\n")
    result = sis.load("account", """
account_id,parent_account_id,name,status
,,Nameless,active
X,nope,Orphan,active
N,,,active
S,,Bad status,paused
P,,Parent,deleted
""", import_id=2)
    assert result.count == 0
    assert result.rows == [
        (2, "No account_id given for an account"),
        (3, "Parent account didn't exist for X"),
        (4, "No name given for account N, skipping"),
        (5, 'Improper status "paused" for account S, skipping'),
        (6, "Cannot delete the sub_account with ID: P because it has active sub accounts."),
    ]


def test_existing_account_needs_neither_name_nor_valid_status(sis: Sis) -> None:
    sis.load("account", "account_id,parent_account_id,name,status\nA,,Arts,active\n")
    result = sis.load("account", "account_id,parent_account_id,name,status\nA,,,whatever\n", import_id=2)
    assert (result.count, result.warnings) == (1, [])
    assert sis.value("SELECT name FROM accounts WHERE sis_source_id = 'A'") == "Arts"
    assert sis.value("SELECT sis_batch_id FROM accounts WHERE sis_source_id = 'A'") == 2


def test_account_with_courses_cannot_be_deleted_and_deleted_parent_blocks_restore(sis: Sis) -> None:
    sis.load("account", "account_id,parent_account_id,name,status\nP,,Parent,active\nC,P,Child,active\n")
    sis.load("course", "course_id,short_name,long_name,status,account_id\nc1,C1,One,active,C\n")
    result = sis.load("account", "account_id,parent_account_id,name,status\nC,P,Child,deleted\n", import_id=2)
    assert result.warnings == ["Cannot delete the sub_account with ID: C because it has active courses."]
    sis.load("course", "course_id,short_name,long_name,status,account_id\nc1,C1,One,deleted,C\n", import_id=3)
    result = sis.load("account", """
account_id,parent_account_id,name,status
C,P,Child,deleted
P,,Parent,deleted
C,P,Child,active
""", import_id=4)
    assert result.count == 2
    assert result.warnings == [
        "Cannot restore sub_account with ID: C because parent_account with ID: P has been deleted."
    ]
    assert sis.changed(4) == {"Account": {"deleted": 2}}


def test_terms_with_dates_overrides_and_warnings(sis: Sis) -> None:
    result = sis.load("term", """
term_id,name,status,start_date,end_date,date_override_enrollment_type
T1,Fall,active,2024-09-01,2024-12-20 17:00:00,
T1,Fall,active,2024-09-02,,StudentEnrollment
T2,Spring,active,not a date,2025-05-01T00:00:00Z,
,Nameless,active,,,
T3,Bad,paused,,,
T4,,active,,,
T5,Ghost,active,,,TeacherEnrollment
T1,Fall,active,,,Principal
""")
    assert result.count == 3
    assert result.rows == [
        (4, "Bad date format for term T2"),
        (5, "No term_id given for a term"),
        (6, 'Improper status "paused" for term T3'),
        (7, "No name given for term T4"),
        (8, "Cannot set date override on non-existent term"),
        (9, "Invalid date_override_enrollment_type"),
    ]
    t1 = sis.one("SELECT * FROM enrollment_terms WHERE sis_source_id = 'T1'")
    assert (t1["start_at"], t1["end_at"]) == ("2024-09-01T00:00:00Z", "2024-12-20T17:00:00Z")
    t2 = sis.one("SELECT * FROM enrollment_terms WHERE sis_source_id = 'T2'")
    assert (t2["start_at"], t2["end_at"]) == (None, "2025-05-01T00:00:00Z")
    override = sis.one("SELECT * FROM enrollment_dates_overrides")
    assert (override["enrollment_type"], override["start_at"], override["end_at"]) == (
        "StudentEnrollment", "2024-09-02T00:00:00Z", None
    )
    assert sis.changed() == {"EnrollmentTerm": {"created": 2}}


def test_course_statuses_and_their_workflow_states(sis: Sis) -> None:
    sis.load("course", """
course_id,short_name,long_name,status
new,N,New,active
pub,P,Published,published
unpub,U,Unpublished,unpublished
done,D,Done,completed
gone,G,Gone,deleted
""")
    states = dict(sis.all("SELECT sis_source_id, workflow_state FROM courses"))
    assert states == {"new": "claimed", "pub": "available", "unpub": "claimed", "done": "completed", "gone": "deleted"}
    sis.load("course", """
course_id,short_name,long_name,status
pub,P,Published,active
done,D,Done,active
gone,G,Gone,active
new,N,New,completed
""", import_id=2)
    states = dict(sis.all("SELECT sis_source_id, workflow_state FROM courses"))
    assert states == {"new": "completed", "pub": "available", "unpub": "claimed", "done": "available", "gone": "claimed"}
    assert sis.changed(2) == {"Course": {"concluded": 1, "restored": 1}}
    assert sis.statistics(2)["total_state_changes"] == 3


def test_course_references_names_dates_and_warnings(sis: Sis) -> None:
    sis.load("account", "account_id,parent_account_id,name,status\nA,,Arts,active\nF,,Fallback,active\n")
    sis.load("term", "term_id,name,status\nT,Fall,active\n")
    sis.load("abstract_course", "abstract_course_id,short_name,long_name,status,account_id,term_id\nAB,ABS,Abstract,active,A,T\n")
    result = sis.load("course", """
course_id,short_name,long_name,status,account_id,term_id,start_date,end_date,abstract_course_id,course_format,fallback_account_id,integration_id
c1,C1,One,active,A,T,2024-01-10,2024-05-10,,online,,i1
c2,,,active,,,,,AB,,,
c3,C3,Three,active,,,,,,,F,
,X,Nameless,active,,,,,,,,
c4,,Four,active,,,,,,,,
c5,C5,,active,,,,,,,,
c6,C6,Six,paused,,,,,,,,
c7,C7,Seven,active,,,,,,weekly,,
c8,C8,Eight,active,nope,,,,,,,
c9,C9,Nine,active,,,garbage,,unknown,,,
c10,C10,Ten,active,,,,,,,,i1
""")
    assert result.rows == [
        (5, "No course_id given for a course"),
        (6, "No short_name given for course c4"),
        (7, "No long_name given for course c5"),
        (8, 'Improper status "paused" for course c6'),
        (9, 'Invalid course_format "weekly" for course c7'),
        (10, 'Account not found "nope" for course c8'),
        (11, "Bad date format for course c9"),
        (11, "unknown abstract course id unknown, ignoring abstract course reference"),
        (12, "A course did not pass validation (course: c10 / C10, error: Integration has already been taken)"),
    ]
    assert result.count == 4
    courses = {r["sis_source_id"]: r for r in sis.all("SELECT * FROM courses")}
    arts = sis.value("SELECT id FROM accounts WHERE sis_source_id = 'A'")
    term = sis.value("SELECT id FROM enrollment_terms WHERE sis_source_id = 'T'")
    assert (courses["c1"]["account_id"], courses["c1"]["enrollment_term_id"]) == (arts, term)
    assert (courses["c1"]["start_at"], courses["c1"]["conclude_at"]) == ("2024-01-10T00:00:00Z", "2024-05-10T00:00:00Z")
    assert courses["c1"]["restrict_enrollments_to_course_dates"] == 1
    assert courses["c1"]["course_format"] == "online"
    # An abstract course supplies names, account and term the row leaves blank.
    assert (courses["c2"]["name"], courses["c2"]["course_code"]) == ("Abstract", "ABS")
    assert (courses["c2"]["account_id"], courses["c2"]["enrollment_term_id"]) == (arts, term)
    assert courses["c3"]["account_id"] == sis.value("SELECT id FROM accounts WHERE sis_source_id = 'F'")
    # Without a term a course lands in the account's Default Term.
    default_term = sis.one("SELECT * FROM enrollment_terms WHERE is_default = 1")
    assert default_term["name"] == "Default Term"
    assert courses["c9"]["enrollment_term_id"] == default_term["id"]
    assert courses["c9"]["start_at"] is None


def test_course_dates_blank_and_delete_clear_a_missing_column_keeps(sis: Sis) -> None:
    # Canvas's SIS::CourseImporter: a present date column sets the date, blank and <delete>
    # clearing it; a missing column leaves the date alone.
    sis.load("course", "course_id,short_name,long_name,status,start_date,end_date\nc,C,Course,active,2024-01-01,2024-06-01\n")
    sis.load("course", "course_id,short_name,long_name,status,end_date\nc,C,Course,active,<delete>\n", import_id=2)
    course = sis.one("SELECT * FROM courses")
    assert (course["start_at"], course["conclude_at"]) == ("2024-01-01T00:00:00Z", None)
    assert course["restrict_enrollments_to_course_dates"] == 1
    sis.load("course", "course_id,short_name,long_name,status,start_date,end_date\nc,C,Course,active,,\n", import_id=3)
    course = sis.one("SELECT * FROM courses")
    assert (course["start_at"], course["conclude_at"], course["restrict_enrollments_to_course_dates"]) == (None, None, 0)


def test_deleting_or_concluding_a_course_carries_its_enrollments(people: Sis) -> None:
    people.load("enrollment", "course_id,user_id,role,status\nc1,u1,student,active\nc1,u2,teacher,active\nc2,u3,student,active\n")
    people.load("course", "course_id,short_name,long_name,status\nc1,C1,Course One,completed\nc2,C2,Course Two,deleted\n", import_id=7)
    states = people.all(
        "SELECT c.sis_source_id, e.workflow_state FROM enrollments e JOIN courses c ON c.id = e.course_id ORDER BY e.id"
    )
    assert [tuple(s) for s in states] == [("c1", "completed"), ("c1", "completed"), ("c2", "deleted")]
    assert people.changed(7) == {
        "Course": {"concluded": 1, "deleted": 1},
        "Enrollment": {"concluded": 2, "deleted": 1},
    }


def test_abstract_course_warnings(sis: Sis) -> None:
    result = sis.load("abstract_course", """
abstract_course_id,short_name,long_name,status
,S,L,active
a1,,L,active
a2,S,,active
a3,S,L,paused
a4,S,L,active
""")
    assert result.count == 1
    assert result.warnings == [
        "No abstract_course_id given for an abstract course",
        "No short_name given for abstract course a1",
        "No long_name given for abstract course a2",
        'Improper status "paused" for abstract course a3',
    ]
    assert sis.changed() == {"AbstractCourse": {"created": 1}}


def test_sections_warnings_and_moving_between_courses(people: Sis) -> None:
    people.load("enrollment", "section_id,user_id,role,status\ns1,u1,student,active\n")
    result = people.load("section", """
section_id,course_id,name,status,start_date
,c1,Nameless,active,
s9,,No course,active,
s9,c1,,active,
s9,c1,Bad,paused,
s9,nope,Lost,active,
s1,c2,Moved,active,someday
""", import_id=2)
    assert result.rows == [
        (2, "No section_id given for a section in course c1"),
        (3, "No course_id given for a section s9"),
        (4, "No name given for section s9 in course c1"),
        (5, 'Improper status "paused" for section s9 in course c1'),
        (6, "Section s9 references course nope which doesn't exist"),
        (7, "Bad date format for section s1"),
    ]
    assert result.count == 1
    c2 = people.value("SELECT id FROM courses WHERE sis_source_id = 'c2'")
    assert people.value("SELECT course_id FROM course_sections WHERE sis_source_id = 's1'") == c2
    assert people.value("SELECT name FROM course_sections WHERE sis_source_id = 's1'") == "Moved"
    # The section's enrollments follow it into its new course.
    assert people.value("SELECT course_id FROM enrollments") == c2


def test_cross_listing_creates_the_course_and_moves_enrollments_and_back(people: Sis) -> None:
    people.load("enrollment", "section_id,user_id,role,status\ns1,u1,student,active\n")
    result = people.load("xlist", """
xlist_course_id,section_id,status
X1,s1,active
,s1,active
X1,,active
X1,s1,Active2
X1,nope,active
""", import_id=2)
    assert result.count == 1
    assert result.warnings == [
        "No xlist_course_id given for a cross-listing",
        "No section_id given for a cross-listing",
        'Improper status "Active2" for a cross-listing',
        "A cross-listing referenced a non-existent section nope",
    ]
    x1 = people.one("SELECT * FROM courses WHERE sis_source_id = 'X1'")
    c1 = people.one("SELECT * FROM courses WHERE sis_source_id = 'c1'")
    assert (x1["name"], x1["account_id"], x1["enrollment_term_id"]) == (c1["name"], c1["account_id"], c1["enrollment_term_id"])
    section = people.one("SELECT * FROM course_sections WHERE sis_source_id = 's1'")
    assert (section["course_id"], section["nonxlist_course_id"]) == (x1["id"], c1["id"])
    assert people.value("SELECT course_id FROM enrollments") == x1["id"]
    # An enrollment naming the home course and the cross-listed section still lands in X1.
    enrolled = people.load("enrollment", "course_id,section_id,user_id,role,status\nc1,s1,u2,student,active\n", import_id=3)
    assert (enrolled.count, enrolled.warnings) == (1, [])
    people.load("xlist", "xlist_course_id,section_id,status\nX1,s1,DELETED\n", import_id=4)
    section = people.one("SELECT * FROM course_sections WHERE sis_source_id = 's1'")
    assert (section["course_id"], section["nonxlist_course_id"]) == (c1["id"], None)
    assert {r[0] for r in people.all("SELECT course_id FROM enrollments")} == {c1["id"]}


@pytest.mark.parametrize("kind,header,row", [
    ("account", "account_id,parent_account_id,name,status", "A,,Arts,deleted"),
    ("term", "term_id,name,status", "T,Fall,deleted"),
    ("course", "course_id,short_name,long_name,status", "c,C,Course,deleted"),
    ("abstract_course", "abstract_course_id,short_name,long_name,status", "a,A,Abstract,deleted"),
])
def test_skip_deletes_skips_deleting_rows_silently(sis: Sis, kind: str, header: str, row: str) -> None:
    result = sis.load(kind, f"{header}\n{row}\n", skip_deletes=True)
    assert (result.count, result.warnings) == (0, [])
    assert sis.statistics()["total_state_changes"] == 0
    assert sis.load(kind, f"{header}\n{row}\n", import_id=2).count == 1


def test_a_parent_that_would_make_a_loop_is_refused(sis: Sis) -> None:
    sis.load("account", "account_id,parent_account_id,name,status\nA001,,One,active\nA002,A001,Two,active\n")
    result = sis.load("account", "account_id,parent_account_id,name,status\nA001,A002,One,active\n", import_id=2)
    assert (result.count, result.warnings) == (0, ["Setting account A001's parent to A002 would create a loop"])
    parents = {r["sis_source_id"]: r["parent_account_id"] for r in sis.all("SELECT * FROM accounts WHERE sis_source_id IS NOT NULL")}
    assert parents == {"A001": 1, "A002": sis.value("SELECT id FROM accounts WHERE sis_source_id = 'A001'")}
