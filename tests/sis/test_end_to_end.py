"""SIS CSVs through the real server: upload, queue, orchestrator, importers, SisImport JSON, database."""

from __future__ import annotations

import sqlite3

from tests.helpers import AUTH, import_and_wait, make_zip

USERS = "user_id,login_id,full_name,email,status\nu1,alice,Alice,alice@example.com,active\nu2,bob,Bob,,active\n"
ACCOUNTS = "account_id,parent_account_id,name,status\nA,,Arts,active\nB,A,Music,active\n"
TERMS = "term_id,name,status,start_date\nT,Fall,active,2024-09-01\n"
COURSES = "course_id,short_name,long_name,status,account_id,term_id\nc1,C1,Course One,active,B,T\n"
SECTIONS = "section_id,course_id,name,status\ns1,c1,Section One,active\n"
ENROLLMENTS = "course_id,section_id,user_id,role,status\nc1,s1,u1,student,active\nc1,,u2,teacher,active\n"


async def test_zip_in_the_wrong_order_is_imported_in_processing_order(client, database: sqlite3.Connection) -> None:
    upload = make_zip({
        "1-enrollments.csv": ENROLLMENTS,
        "2-sections.csv": SECTIONS,
        "3-courses.csv": COURSES,
        "4-users.csv": USERS,
        "5-terms.csv": TERMS,
        "6-accounts.csv": ACCOUNTS,
    })
    body = await import_and_wait(client, upload, "everything.zip")
    assert body["workflow_state"] == "imported", body.get("processing_warnings")
    data = body["data"]
    assert data["supplied_batches"] == ["account", "term", "course", "section", "user", "enrollment"]
    counts = {key: value for key, value in data["counts"].items() if value}
    assert counts == {"accounts": 2, "terms": 1, "courses": 1, "sections": 1, "users": 2, "enrollments": 2}
    statistics = data["statistics"]
    assert statistics["total_state_changes"] == 2 + 1 + 1 + 1 + 2 + 1 + 2
    assert statistics["Account"] == {"created": 2, "restored": 0, "deleted": 0}
    assert statistics["Pseudonym"]["created"] == 2 and statistics["CommunicationChannel"]["created"] == 1
    assert statistics["Enrollment"] == {"created": 2, "concluded": 0, "deactivated": 0, "restored": 0, "deleted": 0}
    music = database.execute("SELECT id FROM accounts WHERE sis_source_id = 'B'").fetchone()[0]
    course = database.execute("SELECT * FROM courses WHERE sis_source_id = 'c1'").fetchone()
    assert (course["account_id"], course["sis_batch_id"]) == (music, body["id"])
    enrolled = database.execute(
        "SELECT p.sis_user_id, e.type, s.sis_source_id FROM enrollments e"
        " JOIN pseudonyms p ON p.user_id = e.user_id JOIN course_sections s ON s.id = e.course_section_id"
        " ORDER BY e.id"
    ).fetchall()
    assert [tuple(r) for r in enrolled] == [("u1", "StudentEnrollment", "s1"), ("u2", "TeacherEnrollment", None)]

    response = await client.get("/api/v1/courses/sis_course_id:c1", headers=AUTH)
    shown = await response.json()
    assert response.status == 200
    assert (shown["id"], shown["sis_course_id"], shown["workflow_state"], shown["account_id"]) == (
        course["id"], "c1", "unpublished", music
    )
    response = await client.get(f"/api/v1/accounts/{music}", headers=AUTH)
    assert (await response.json())["sis_account_id"] == "B"


async def test_references_across_imports_and_row_warnings(client, database: sqlite3.Connection) -> None:
    first = await import_and_wait(client, make_zip({"users.csv": USERS, "courses.csv": COURSES.replace("B,T", ",")}), "a.zip")
    assert first["workflow_state"] == "imported"
    second = await import_and_wait(client, """course_id,user_id,role,status
c1,u1,student,active
c1,u2,principal,active
c1,ghost,student,active
c1,u2,teacher,completed
""", "enrollments.csv")
    assert second["workflow_state"] == "imported_with_messages"
    assert second["processing_warnings"] == [
        ["enrollments.csv", 'Improper role "principal" for an enrollment'],
        ["enrollments.csv", "User not found for enrollment (User ID: ghost, Course ID: c1, Section ID: )"],
    ]
    assert second["data"]["counts"]["enrollments"] == 2
    assert second["data"]["counts"]["warning_count"] == 2
    assert second["data"]["statistics"]["Enrollment"]["created"] == 2
    assert second["data"]["statistics"]["Enrollment"]["concluded"] == 1
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{second['id']}/errors", headers=AUTH)
    rows = {(e["row"], e["message"]) for e in (await response.json())["sis_import_errors"]}
    assert rows == {
        (3, 'Improper role "principal" for an enrollment'),
        (4, "User not found for enrollment (User ID: ghost, Course ID: c1, Section ID: )"),
    }
    # Deleting the user's only login in a third import removes the enrollment.
    third = await import_and_wait(client, "user_id,login_id,status\nu1,alice,deleted\n", "users.csv")
    assert third["data"]["statistics"]["Pseudonym"]["deleted"] == 1
    assert third["data"]["statistics"]["Enrollment"]["deleted"] == 1
    states = database.execute("SELECT workflow_state FROM enrollments ORDER BY id").fetchall()
    assert [s[0] for s in states] == ["deleted", "completed"]


async def test_skip_deletes_and_stickiness_options_reach_the_importers(client, database: sqlite3.Connection) -> None:
    await import_and_wait(client, COURSES.replace("B,T", ","), "courses.csv")
    skipped = await import_and_wait(
        client, "course_id,short_name,long_name,status\nc1,C1,Course One,deleted\n", "courses.csv", skip_deletes="true"
    )
    assert skipped["workflow_state"] == "imported" and skipped["data"]["counts"]["courses"] == 0
    await import_and_wait(
        client, "course_id,short_name,long_name,status\nc1,C1,Pinned,active\n", "courses.csv",
        override_sis_stickiness="1", add_sis_stickiness="1",
    )
    await import_and_wait(client, "course_id,short_name,long_name,status\nc1,C1,Overwritten,active\n", "courses.csv")
    course = database.execute("SELECT name, workflow_state, stuck_sis_fields FROM courses").fetchone()
    assert tuple(course) == ("Pinned", "claimed", "name")


async def test_batch_mode_term_is_found_among_active_imported_terms(client, database: sqlite3.Connection) -> None:
    await import_and_wait(client, TERMS + "OLD,Old,deleted,\n", "terms.csv")
    term_id = database.execute("SELECT id FROM enrollment_terms WHERE sis_source_id = 'T'").fetchone()[0]
    for reference, status in (("sis_term_id:T", 200), (str(term_id), 200), ("sis_term_id:OLD", 404), ("sis_term_id:X", 404)):
        response = await client.post(
            f"/api/v1/accounts/1/sis_imports?batch_mode=1&batch_mode_term_id={reference}&extension=csv",
            data=COURSES.replace("B,T", ","), headers=AUTH,
        )
        body = await response.json()
        assert response.status == status, (reference, body)
        if status == 200:
            assert body["batch_mode_term_id"] == term_id


async def test_differentiation_tags_through_the_server(client, database: sqlite3.Connection) -> None:
    archive = make_zip({
        "tag_memberships.csv": "tag_id,user_id,status\nt1,u1,accepted\n",
        "tags.csv": "tag_id,tag_set_id,name,status\nt1,ts1,Extra time,available\n",
        "tag_sets.csv": "tag_set_id,course_id,set_name,status\nts1,c1,Accommodations,active\n",
        "enrollments.csv": ENROLLMENTS, "sections.csv": SECTIONS, "users.csv": USERS,
        "courses.csv": "course_id,short_name,long_name,status\nc1,C1,Course One,active\n",
    })
    body = await import_and_wait(client, archive, filename="tags.zip")
    assert body["workflow_state"] == "imported", body.get("processing_warnings")
    assert body["data"]["supplied_batches"] == [
        "course", "section", "user", "enrollment", "differentiation_tag_set", "differentiation_tag",
        "differentiation_tag_membership"]
    counts = body["data"]["counts"]
    assert (counts["differentiation_tag_sets"], counts["differentiation_tags"],
            counts["differentiation_tag_memberships"]) == (1, 1, 1)
    membership = database.execute(
        "SELECT g.name, g.non_collaborative FROM group_memberships m JOIN groups g ON g.id = m.group_id"
        " WHERE m.workflow_state = 'accepted'").fetchone()
    assert tuple(membership) == ("Extra time", 1)
