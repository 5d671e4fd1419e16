"""canvasapi 3.6.0 reads back what a realistic SIS zip imported: accounts, terms, courses,
sections, enrollments, users, logins, observees and admins, every list across pages of two."""

from __future__ import annotations

import re

import pytest
import requests
from canvasapi import Canvas
from canvasapi.exceptions import ResourceDoesNotExist

from service.sis.objects_json import TOKEN_USER_ID
from tests.helpers import AUTH


def _attrs(obj, *injected: str) -> dict:
    """A canvasapi object's JSON as the server sent it: its attributes without the requester,
    the ``*_date`` copies canvasapi derives from timestamps, and keys canvasapi ``injected``."""
    attributes = {k: v for k, v in vars(obj).items() if k != "_requester" and k not in injected}
    return {k: v for k, v in attributes.items() if not (k.endswith("_date") and k[:-5] in attributes)}


def test_accounts_and_the_whole_sub_account_tree(canvas: Canvas):
    assert [a.id for a in canvas.get_accounts(per_page=2)] == [1]
    root = canvas.get_account(1)
    assert _attrs(root) == {
        "id": 1, "name": "Default Account", "workflow_state": "active", "parent_account_id": None,
        "root_account_id": None, "uuid": root.uuid, "default_storage_quota_mb": 500,
        "default_user_storage_quota_mb": 50, "default_group_storage_quota_mb": 50,
        "default_time_zone": "Etc/UTC",
    }
    assert re.fullmatch(r"[A-Za-z0-9]{40}", root.uuid)
    tree = list(root.get_subaccounts(recursive=True, per_page=2))
    # The deleted department is hidden; Music sits under Arts.
    assert [(a.sis_account_id, a.parent_account_id) for a in tree] == [("ART", 1), ("MUS", 2), ("SCI", 1)]
    assert [a.sis_account_id for a in root.get_subaccounts(per_page=2)] == ["ART", "SCI"]
    music = canvas.get_account("MUS", use_sis_id=True)
    assert _attrs(music) == {
        "id": 3, "name": "Music", "workflow_state": "active", "parent_account_id": 2, "root_account_id": 1,
        "uuid": music.uuid, "default_storage_quota_mb": 500, "default_user_storage_quota_mb": 50,
        "default_group_storage_quota_mb": 50, "default_time_zone": "Etc/UTC", "sis_account_id": "MUS",
        "sis_import_id": 1, "integration_id": None,
    }


def test_terms_active_by_default_deleted_when_asked(canvas: Canvas):
    root = canvas.get_account(1)
    terms = list(root.get_enrollment_terms(per_page=1))
    assert [t.sis_term_id for t in terms] == ["T2", "T1"]  # latest start first
    assert _attrs(terms[1], "account_id") == {
        "id": 1, "name": "Fall 2026", "start_at": "2026-09-01T00:00:00Z", "end_at": "2026-12-20T00:00:00Z",
        "created_at": terms[1].created_at, "workflow_state": "active", "grading_period_group_id": None,
        "sis_term_id": "T1", "sis_import_id": 1,
    }
    every = list(root.get_enrollment_terms(workflow_state=["all"], per_page=2))
    assert sorted(t.sis_term_id for t in every) == ["T0", "T1", "T2"]
    assert [t.workflow_state for t in root.get_enrollment_terms(workflow_state=["deleted"])] == ["deleted"]
    assert root.get_enrollment_term(1).name == "Fall 2026"


def test_courses_with_filters_and_include_term(canvas: Canvas):
    root = canvas.get_account(1)
    listed = list(root.get_courses(per_page=2))
    assert [c.sis_course_id for c in listed] == ["C1", "C2", "C3", "C5"]  # not the deleted C4
    assert [c.sis_course_id for c in root.get_courses(state=["deleted"], per_page=2)] == ["C4"]
    assert [c.sis_course_id for c in root.get_courses(state=["all"], per_page=2)] == ["C1", "C2", "C3", "C4", "C5"]
    assert [c.sis_course_id for c in root.get_courses(state=["completed", "unpublished"])] == ["C2", "C5"]
    assert [c.sis_course_id for c in root.get_courses(enrollment_term_id="sis_term_id:T2")] == ["C3", "C5"]
    assert [c.sis_course_id for c in root.get_courses(search_term="draw")] == ["C1"]
    # C2's only enrollment moved to C1 with its cross-listed section.
    assert [c.sis_course_id for c in root.get_courses(with_enrollments=True, per_page=2)] == ["C1", "C3"]
    assert [c.sis_course_id for c in root.get_courses(with_enrollments=False)] == ["C2", "C5"]
    assert [c.sis_course_id for c in root.get_courses(published=True, per_page=2)] == ["C1", "C3", "C5"]
    assert [c.sis_course_id for c in canvas.get_account("ART", use_sis_id=True).get_courses()] == ["C1", "C2", "C5"]
    with_term = root.get_courses(include=["term"], search_term="harmony")[0]
    assert with_term.term["sis_term_id"] == "T1" and with_term.term["name"] == "Fall 2026"
    # A listed course is the whole course GET /courses/:id shows.
    for course in listed:
        assert _attrs(course) == _attrs(canvas.get_course(course.id)), course.sis_course_id


def test_course_by_sis_id_is_a_whole_canvas_course(canvas: Canvas, server):
    course = canvas.get_course("C1", use_sis_id=True, include=["term"])
    body = _attrs(course)
    assert body == {
        "id": 1, "name": "Drawing", "account_id": 2, "uuid": body["uuid"], "start_at": None,
        "grading_standard_id": None, "is_public": False, "created_at": body["created_at"],
        "course_code": "ART101", "default_view": "modules", "root_account_id": 1, "enrollment_term_id": 1,
        "license": "private", "grade_passback_setting": None, "end_at": None, "public_syllabus": False,
        "public_syllabus_to_auth": False, "storage_quota_mb": 500, "is_public_to_auth_users": False,
        "homeroom_course": False, "course_color": None, "friendly_name": None,
        "apply_assignment_group_weights": False,
        "calendar": {"ics": f"{server.url}/feeds/calendars/course_{body['uuid']}.ics"},
        "time_zone": "Etc/UTC", "blueprint": False, "template": False, "sis_course_id": "C1",
        "sis_import_id": 1, "integration_id": None, "enrollments": [], "hide_final_grades": False,
        "workflow_state": "available", "restrict_enrollments_to_course_dates": False,
        "term": {"id": 1, "name": "Fall 2026", "start_at": "2026-09-01T00:00:00Z",
                 "end_at": "2026-12-20T00:00:00Z", "created_at": body["term"]["created_at"],
                 "workflow_state": "active", "grading_period_group_id": None, "sis_term_id": "T1",
                 "sis_import_id": 1},
    }
    assert len(body["uuid"]) == 40
    assert canvas.get_course("C2", use_sis_id=True).workflow_state == "unpublished"
    with pytest.raises(ResourceDoesNotExist):
        canvas.get_course("C4", use_sis_id=True)


def test_sections_with_cross_listing(canvas: Canvas):
    course = canvas.get_course("C1", use_sis_id=True)
    sections = list(course.get_sections(per_page=2))
    # S2 was cross-listed into C1 from C2: it belongs to C1 now and remembers its home course.
    assert [(s.sis_section_id, s.nonxlist_course_id) for s in sections] == [("S1A", None), ("S1B", None), ("S2", 2)]
    dated = canvas.get_section("S1B", use_sis_id=True)
    assert _attrs(dated) == {
        "id": 2, "course_id": 1, "name": "Drawing B", "start_at": "2026-09-01T00:00:00Z",
        "end_at": "2026-12-01T00:00:00Z", "created_at": dated.created_at,
        "restrict_enrollments_to_section_dates": True, "nonxlist_course_id": None, "sis_section_id": "S1B",
        "sis_course_id": "C1", "integration_id": None, "sis_import_id": 1,
    }
    assert canvas.get_section(sections[2].id).sis_course_id == "C1"
    assert [s.sis_section_id for s in canvas.get_course("C3", use_sis_id=True).get_sections()] == ["S3"]
    with pytest.raises(ResourceDoesNotExist):
        canvas.get_section("S3X", use_sis_id=True)


def _roster(enrollments) -> list[tuple[str, str, str]]:
    return [(e.type, e.user["sis_user_id"], e.enrollment_state) for e in enrollments]


def test_course_enrollments_default_states_filters_and_pages(canvas: Canvas):
    course = canvas.get_course("C1", use_sis_id=True)
    # An admin's default roster: everything but completed, rejected and deleted; type order.
    # U2's second student enrollment came with the section cross-listed from C2. U7 observes U1
    # (an enrollments.csv row) and, linked to U1 and U2 in user_observers.csv, is enrolled beside
    # each of U2's student enrollments too, as Canvas's UserObservationLink does.
    assert _roster(course.get_enrollments(per_page=2)) == [
        ("ObserverEnrollment", "U7", "active"), ("ObserverEnrollment", "U7", "active"),
        ("ObserverEnrollment", "U7", "active"),
        ("StudentEnrollment", "U1", "active"), ("StudentEnrollment", "U2", "active"),
        ("StudentEnrollment", "U3", "inactive"), ("StudentEnrollment", "U2", "active"),
        ("TaEnrollment", "U6", "active"), ("TeacherEnrollment", "U6", "active"),
    ]
    assert _roster(course.get_enrollments(state=["deleted"], per_page=2)) == [("StudentEnrollment", "U5", "deleted")]
    assert _roster(course.get_enrollments(state=["completed", "deleted"])) == [
        ("StudentEnrollment", "U4", "completed"), ("StudentEnrollment", "U5", "deleted")]
    assert _roster(course.get_enrollments(type=["TeacherEnrollment", "TaEnrollment"], per_page=1)) == [
        ("TaEnrollment", "U6", "active"), ("TeacherEnrollment", "U6", "active")]
    assert _roster(course.get_enrollments(role=["ObserverEnrollment"])) == [("ObserverEnrollment", "U7", "active")] * 3
    assert _roster(course.get_enrollments(sis_user_id=["U2", "U3"])) == [
        ("StudentEnrollment", "U2", "active"), ("StudentEnrollment", "U3", "inactive"),
        ("StudentEnrollment", "U2", "active")]
    assert _roster(course.get_enrollments(sis_section_id=["S1B"])) == [
        ("StudentEnrollment", "U3", "inactive"), ("TaEnrollment", "U6", "active")]
    # user_id narrows to one user and shows active and invited ones only.
    assert _roster(course.get_enrollments(user_id="sis_user_id:U6")) == [
        ("TaEnrollment", "U6", "active"), ("TeacherEnrollment", "U6", "active")]
    assert list(course.get_enrollments(user_id="sis_user_id:U4")) == []


def test_an_enrollment_is_a_whole_canvas_enrollment(canvas: Canvas, server):
    course = canvas.get_course("C1", use_sis_id=True)
    student = next(e for e in course.get_enrollments(type=["StudentEnrollment"]) if e.user["sis_user_id"] == "U2")
    body = _attrs(student)
    assert body == {
        "id": 2, "user_id": 2, "course_id": 1, "type": "StudentEnrollment", "created_at": body["created_at"],
        "updated_at": body["updated_at"], "associated_user_id": None, "start_at": None, "end_at": None,
        "course_section_id": 1, "root_account_id": 1, "limit_privileges_to_course_section": False,
        "enrollment_state": "active", "role": "StudentEnrollment", "role_id": 3, "last_activity_at": None,
        "last_attended_at": None, "total_activity_time": 0, "sis_import_id": 1,
        "grades": {"html_url": f"{server.url}/courses/1/grades/2", "current_grade": None, "current_score": None,
                   "final_grade": None, "final_score": None, "unposted_current_score": None,
                   "unposted_current_grade": None, "unposted_final_score": None, "unposted_final_grade": None},
        "sis_account_id": "ART", "sis_course_id": "C1", "course_integration_id": None, "sis_section_id": "S1A",
        "section_integration_id": None, "sis_user_id": "U2", "html_url": f"{server.url}/courses/1/users/2",
        "user": {"id": 2, "name": "Alan Turing", "created_at": body["user"]["created_at"],
                 "sortable_name": "Turing, Alan", "short_name": "Alan Turing", "sis_user_id": "U2",
                 "integration_id": None, "sis_import_id": 1, "login_id": "alan"},
    }
    observer = course.get_enrollments(type=["ObserverEnrollment"])[0]
    assert observer.associated_user_id == 1 and "grades" not in vars(observer)


def test_section_and_user_enrollments(canvas: Canvas):
    section = canvas.get_section("S1A", use_sis_id=True)
    assert _roster(section.get_enrollments(per_page=2)) == [
        ("ObserverEnrollment", "U7", "active"), ("ObserverEnrollment", "U7", "active"),
        ("StudentEnrollment", "U1", "active"),
        ("StudentEnrollment", "U2", "active"), ("TeacherEnrollment", "U6", "active")]
    assert _roster(section.get_enrollments(state=["deleted"])) == [("StudentEnrollment", "U5", "deleted")]
    cross_listed = canvas.get_section("S2", use_sis_id=True)
    # U2's, and U7's beside it (linked observer)
    assert [(e.course_id, e.sis_course_id) for e in cross_listed.get_enrollments()] == [(1, "C1"), (1, "C1")]
    alan = canvas.get_user("U2", "sis_user_id")
    assert [(e.sis_course_id, e.type) for e in alan.get_enrollments(per_page=1)] == [
        ("C1", "StudentEnrollment"), ("C1", "StudentEnrollment"), ("C3", "TeacherEnrollment")]
    assert [e.sis_course_id for e in alan.get_enrollments(type=["TeacherEnrollment"])] == ["C3"]
    assert [(e.sis_course_id, e.type) for e in alan.get_enrollments(sis_course_id=["C3"])] == [
        ("C3", "TeacherEnrollment")]
    assert [e.sis_section_id for e in alan.get_enrollments(sis_section_id=["S2"])] == ["S2"]
    assert [e.type for e in alan.get_enrollments(role=["TeacherEnrollment"])] == ["TeacherEnrollment"]
    assert [e.sis_course_id for e in alan.get_enrollments(enrollment_term_id="sis_term_id:T2")] == ["C3"]
    barbara = canvas.get_user("U5", "sis_user_id")
    assert list(barbara.get_enrollments()) == []
    assert [e.enrollment_state for e in barbara.get_enrollments(state=["deleted"])] == ["deleted"]


def test_users_by_sis_id_logins_and_observees(canvas: Canvas):
    ada = canvas.get_user("U1", "sis_user_id")
    assert _attrs(ada) == {
        "id": 1, "name": "Ada Lovelace", "created_at": ada.created_at, "sortable_name": "Lovelace, Ada",
        "short_name": "Ada Lovelace", "sis_user_id": "U1", "integration_id": None, "sis_import_id": 1,
        "login_id": "ada", "email": "ada@example.edu", "locale": None,
        "permissions": {"can_update_name": True, "can_update_avatar": False, "limit_parent_app_web_access": False},
    }
    assert canvas.get_user("ada.alt", "sis_login_id").id == 1
    logins = list(ada.get_user_logins(per_page=1))
    assert [(lg.unique_id, lg.sis_user_id) for lg in logins] == [("ada", "U1"), ("ada.alt", "U1B")]
    assert _attrs(logins[0]) == {
        "id": logins[0].id, "user_id": 1, "account_id": 1, "unique_id": "ada", "sis_user_id": "U1",
        "integration_id": None, "authentication_provider_id": None, "created_at": logins[0].created_at,
        "workflow_state": "active", "declared_user_type": None,
    }
    parent = canvas.get_user("U7", "sis_user_id")
    assert [u.sis_user_id for u in parent.get_observees(per_page=1)] == ["U1", "U2"]
    assert [lg.unique_id for lg in canvas.get_account(1).get_user_logins(per_page=3)] == [
        "ada", "alan", "grace", "edsger", "barbara", "donald", "parent", "ada.alt"]
    with pytest.raises(ResourceDoesNotExist):
        canvas.get_user("nobody", "sis_user_id")


def test_account_and_course_users_by_sortable_name(canvas: Canvas):
    root = canvas.get_account(1)
    assert [u.sis_user_id for u in root.get_users(per_page=2)] == ["U4", "U3", "U6", "U5", "U1", "U7", "U2"]
    assert [u.sis_user_id for u in root.get_users(search_term="ada")] == ["U1"]
    # U7 observes U1 in C3 (a linked observer enrollment)
    assert [u.sis_user_id for u in canvas.get_account("SCI", use_sis_id=True).get_users()] == ["U1", "U7", "U2"]
    course = canvas.get_course("C1", use_sis_id=True)
    assert [u.sis_user_id for u in course.get_users(per_page=2)] == ["U6", "U1", "U7", "U2"]
    assert [u.sis_user_id for u in course.get_users(enrollment_type=["student"], enrollment_state=["inactive"])] == ["U3"]


def test_course_users_user_ids_keep_only_those_users(canvas: Canvas):
    course = canvas.get_course("C1", use_sis_id=True)
    by_id = {u.sis_user_id: u.id for u in course.get_users()}
    assert [u.sis_user_id for u in course.get_users(user_ids=[by_id["U2"], by_id["U6"]], per_page=1)] == ["U6", "U2"]
    # One comma-separated value, as Canvas splits it; a user outside the roster adds nothing.
    outside = canvas.get_user("U4", "sis_user_id").id
    assert [u.sis_user_id for u in course.get_users(user_ids=f"{by_id['U1']},{outside}")] == ["U1"]
    assert list(course.get_users(user_ids=["nobody"])) == []


def test_course_users_include_inactive_adds_inactive_enrollments(canvas: Canvas):
    course = canvas.get_course("C1", use_sis_id=True)
    assert [u.sis_user_id for u in course.get_users(include_inactive=True, per_page=2)] == [
        "U3", "U6", "U1", "U7", "U2"]
    with_enrollments = course.get_users(include_inactive=True, include=["enrollments"])
    assert [(u.sis_user_id, [e["enrollment_state"] for e in u.enrollments]) for u in with_enrollments][0] == (
        "U3", ["inactive"])
    # An asked enrollment_state[] wins over include_inactive, as in UserSearch.
    assert [u.sis_user_id for u in course.get_users(include_inactive=True, enrollment_state=["active"])] == [
        "U6", "U1", "U7", "U2"]
    assert [u.sis_user_id for u in course.get_users(include_inactive=False)] == ["U6", "U1", "U7", "U2"]


def test_course_users_user_id_shows_the_page_that_holds_the_user(canvas: Canvas, server):
    course = canvas.get_course("C1", use_sis_id=True)
    u2 = canvas.get_user("U2", "sis_user_id").id
    url = f"{server.url}/api/v1/courses/{course.id}/users"
    answer = requests.get(url, params={"user_id": u2, "per_page": 2, "page": 1}, headers=AUTH, timeout=10)
    assert [u["sis_user_id"] for u in answer.json()] == ["U7", "U2"]  # page 2 of U6, U1 | U7, U2
    links = answer.headers["Link"]
    assert "user_id" not in links and 'page=2&per_page=2>; rel="current"' in links
    # A user who is not in the course leaves the asked page as it was.
    outside = canvas.get_user("U4", "sis_user_id").id
    answer = requests.get(url, params={"user_id": outside, "per_page": 2}, headers=AUTH, timeout=10)
    assert [u["sis_user_id"] for u in answer.json()] == ["U6", "U1"]
    # canvasapi follows the links from that page on.
    assert [u.sis_user_id for u in course.get_users(user_id=u2, per_page=1)] == ["U2"]


def test_course_users_with_their_enrollments_and_canvas_s_always_included_email(canvas: Canvas, server):
    course = canvas.get_course("C1", use_sis_id=True)
    plain = {u.sis_user_id: _attrs(u) for u in course.get_users(per_page=2)}
    assert plain["U2"] == {
        "id": 2, "name": "Alan Turing", "created_at": plain["U2"]["created_at"], "sortable_name": "Turing, Alan",
        "short_name": "Alan Turing", "sis_user_id": "U2", "integration_id": None, "sis_import_id": 1,
        "login_id": "alan", "email": "alan@example.edu"}
    team = requests.get(f"{server.url}/api/v1/groups/sis_group_id:G5", headers=AUTH, timeout=10).json()
    users = list(course.get_users(include=["enrollments", "locked", "group_ids", "time_zone", "last_login"],
                                  per_page=1))
    assert [(u.sis_user_id, [e["type"] for e in u.enrollments]) for u in users] == [
        ("U6", ["TeacherEnrollment", "TaEnrollment"]), ("U1", ["StudentEnrollment"]),
        # U7 observes U1 and U2 too; U2's C2 section is cross-listed into C1.
        ("U7", ["ObserverEnrollment"] * 3), ("U2", ["StudentEnrollment"] * 2)]
    ada = _attrs(users[1])
    enrollment = ada["enrollments"][0]
    assert ada == {
        "id": 1, "name": "Ada Lovelace", "created_at": ada["created_at"], "sortable_name": "Lovelace, Ada",
        "short_name": "Ada Lovelace", "sis_user_id": "U1", "integration_id": None, "sis_import_id": 1,
        "login_id": "ada", "email": "ada@example.edu", "group_ids": [team["id"]], "time_zone": "Etc/UTC",
        "last_login": None,
        # The enrollment as the Enrollments API shows it, without its user, with include[]=locked's flag.
        "enrollments": [{
            "id": 1, "user_id": 1, "course_id": 1, "type": "StudentEnrollment",
            "created_at": enrollment["created_at"], "updated_at": enrollment["updated_at"],
            "associated_user_id": None, "start_at": None, "end_at": None, "course_section_id": 1,
            "root_account_id": 1, "limit_privileges_to_course_section": False, "enrollment_state": "active",
            "role": "StudentEnrollment", "role_id": 3, "last_activity_at": None, "last_attended_at": None,
            "total_activity_time": 0, "sis_import_id": 1,
            "grades": {"html_url": f"{server.url}/courses/1/grades/1", "current_grade": None,
                       "current_score": None, "final_grade": None, "final_score": None,
                       "unposted_current_score": None, "unposted_current_grade": None,
                       "unposted_final_score": None, "unposted_final_grade": None},
            "sis_account_id": "ART", "sis_course_id": "C1", "course_integration_id": None,
            "sis_section_id": "S1A", "section_integration_id": None, "sis_user_id": "U1",
            "html_url": f"{server.url}/courses/1/users/1", "locked": False}],
    }
    # U3's only C1 enrollment is inactive: active_or_pending leaves it out unless asked for.
    inactive = course.get_users(enrollment_state=["inactive"], include=["enrollments"])
    assert [(u.sis_user_id, [e["enrollment_state"] for e in u.enrollments]) for u in inactive] == [
        ("U3", ["inactive"])]
    # Course#enrollments never holds deleted ones: U5 is listed with none, so Canvas counts it
    # unconfirmed and hides its login and e-mail.
    deleted = _attrs(course.get_users(enrollment_state=["deleted"], include=["enrollments"])[0])
    assert deleted == {
        "id": 5, "name": "Barbara Liskov", "created_at": deleted["created_at"], "sortable_name": "Liskov, Barbara",
        "short_name": "Barbara Liskov", "sis_user_id": "U5", "integration_id": None, "enrollments": []}


def test_admins(canvas: Canvas):
    arts = canvas.get_account("ART", use_sis_id=True)
    admins = list(arts.get_admins())
    assert [(a.role, a.role_id, a.user["sis_user_id"], a.workflow_state) for a in admins] == [
        ("AccountAdmin", 1, "U6", "active")]
    assert [a.user["sis_user_id"] for a in canvas.get_account(1).get_admins(per_page=1)] == ["U5"]


def test_self_is_the_token_user(canvas: Canvas):
    me = canvas.get_current_user()
    assert _attrs(me) == {
        "id": TOKEN_USER_ID, "name": "Canvas Imports Admin", "created_at": "1970-01-01T00:00:00Z",
        "sortable_name": "Admin, Canvas Imports", "short_name": "Canvas Imports Admin", "sis_user_id": None,
        "integration_id": None, "sis_import_id": None, "email": None, "locale": None, "effective_locale": "en",
        "permissions": {"can_update_name": True, "can_update_avatar": False, "limit_parent_app_web_access": False},
    }
    assert canvas.get_user(TOKEN_USER_ID).id == TOKEN_USER_ID
    assert list(me.get_enrollments()) == [] and list(me.get_user_logins()) == []


def test_bookmark_links_deep_numeric_pages_and_string_ids(server):
    url = f"{server.url}/api/v1/courses/sis_course_id:C1/enrollments"
    first = requests.get(url, params={"per_page": 2, "type[]": "StudentEnrollment"}, headers=AUTH, timeout=10)
    links = requests.utils.parse_header_links(first.headers["Link"])
    assert [link["rel"] for link in links] == ["current", "next", "first"]
    assert "page=bookmark%3A" in links[1]["url"] and "type%5B%5D=StudentEnrollment" in links[1]["url"]
    # A page number the client computed itself still works.
    second = requests.get(url, params={"per_page": 2, "page": 2}, headers=AUTH, timeout=10).json()
    assert [(e["type"], e["user"]["sis_user_id"]) for e in second] == [
        ("ObserverEnrollment", "U7"), ("StudentEnrollment", "U1")]
    # A bookmark that is not ours means the first page, as in Canvas.
    junk = requests.get(url, params={"per_page": 2, "page": "bookmark:!!"}, headers=AUTH, timeout=10).json()
    assert [e["type"] for e in junk] == ["ObserverEnrollment", "ObserverEnrollment"]
    strings = requests.get(url, params={"per_page": 1}, timeout=10,
                           headers={**AUTH, "Accept": "application/json+canvas-string-ids"}).json()
    assert strings[0]["id"] == "8" and strings[0]["user"]["id"] == "7"
    bad_role = requests.get(url, params={"role[]": "Wizard"}, headers=AUTH, timeout=10)
    assert bad_role.status_code == 400


def test_every_id_form_canvas_reads(server):
    """Api.sis_parse_id's forms, with the lookups Api::SIS_MAPPINGS gives each object."""
    def found(path: str) -> dict | None:
        response = requests.get(f"{server.url}/api/v1/{path}", headers=AUTH, timeout=10)
        assert response.status_code in (200, 404), (path, response.status_code)
        return response.json() if response.status_code == 200 else None

    c3 = found("courses/sis_course_id:C3")
    assert c3["integration_id"] == "int-c3"
    for form in ("sis_integration_id:int-c3", f"uuid:{c3['uuid']}", f"hex:sis_course_id:{b'C3'.hex()}",
                 f"hex:sis_integration_id:{b'int-c3'.hex()}", f" {c3['id']} "):
        assert found(f"courses/{form}")["id"] == c3["id"], form
    sci = found("accounts/sis_account_id:SCI")
    assert (sci["integration_id"], found("accounts/sis_integration_id:int-sci")["id"]) == ("int-sci", sci["id"])
    assert found(f"accounts/uuid:{sci['uuid']}")["id"] == sci["id"] != found("accounts/self")["id"]
    term = found("accounts/1/terms/sis_integration_id:int-t2")
    assert (term["sis_term_id"], found(f"accounts/1/terms/hex:sis_term_id:{b'T2'.hex()}")["id"]) == ("T2", term["id"])
    section = found("sections/sis_integration_id:int-s3")
    assert (section["sis_section_id"], section["integration_id"]) == ("S3", "int-s3")
    grace = found("users/sis_integration_id:int-u3")
    assert (grace["sis_user_id"], grace["integration_id"]) == ("U3", "int-u3")
    assert found("users/sis_login_id:GRACE")["id"] == grace["id"]  # login ids in any case
    assert found(f"users/hex:sis_user_id:{b'U3'.hex()}")["id"] == grace["id"]
    assert found("group_categories/sis_group_category_id:GC1")["name"] == "Studios"
    assert found("groups/sis_group_id:G1")["name"] == "Studio North"
    # Lookups an object does not have, and forms Canvas does not read, name nothing.
    for path in ("courses/sis_section_id:S3", "courses/lti_context_id:x", "courses/hex:sis_course_id:zz",
                 "courses/uuid:short", "groups/sis_integration_id:x", "group_categories/sis_group_id:G1",
                 "sections/sis_course_id:C3", "accounts/1/terms/sis_account_id:SCI", "users/sis_course_id:C3",
                 "courses/sis_integration_id:", "courses/c3"):
        assert found(path) is None, path


def test_course_users_include_sections_custom_links_and_leave_out_what_canvas_has_off(canvas: Canvas, server):
    course = canvas.get_course("C1", use_sis_id=True)
    asked = ["sections", "custom_links", "avatar_url", "bio", "uuid", "time_zone", "enrollments"]
    users = {u.sis_user_id: _attrs(u) for u in course.get_users(include=asked, per_page=2)}
    ada = users["U1"]
    assert ada == {
        "id": 1, "name": "Ada Lovelace", "created_at": ada["created_at"], "sortable_name": "Lovelace, Ada",
        "short_name": "Ada Lovelace", "sis_user_id": "U1", "integration_id": None, "sis_import_id": 1,
        "login_id": "ada", "enrollments": ada["enrollments"], "email": "ada@example.edu",
        # User#enrollments: every course's (C3's Physics Main too), each section once.
        "sections": "Drawing A, Physics Main", "custom_links": [], "time_zone": "Etc/UTC",
    }
    # Donald teaches in Drawing A and assists in Drawing B; Alan's C2 section is cross-listed
    # into C1 and keeps its name; Pat observes in C1's Drawing A and in C3.
    assert {sis_id: user["sections"] for sis_id, user in users.items()} == {
        "U1": "Drawing A, Physics Main", "U2": "Drawing A, Harmony Main, Physics Main",
        "U6": "Drawing A, Drawing B", "U7": "Drawing A, Physics Main, Harmony Main"}
    # Keys in user_json's order: enrollments before the e-mail, the includes after it.
    raw = requests.get(f"{server.url}/api/v1/courses/sis_course_id:C1/users", headers=AUTH, timeout=10,
                       params={"include[]": [*asked, "group_ids", "last_login"], "per_page": 1}).json()
    assert list(raw[0]) == ["id", "name", "created_at", "sortable_name", "short_name", "sis_user_id",
                            "integration_id", "sis_import_id", "login_id", "enrollments", "email", "sections",
                            "last_login", "custom_links", "time_zone", "group_ids"]
