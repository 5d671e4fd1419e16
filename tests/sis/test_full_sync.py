"""Full syncs as an integration runs them, with canvasapi 3.6.0 against the real server.

The story: a nightly zip imported, then re-sent in batch mode without a few rows; exactly those
objects are deleted (with their cascades), everything else is untouched, and restore_states puts
them back. Then a threshold abort, and observers linked in user_observers.csv following their
students through batch mode (Canvas's observer cases of spec/models/sis_batch_spec.rb).
"""

from __future__ import annotations

import asyncio
import io
import sqlite3
import time
from typing import Any

from canvasapi import Canvas
from canvasapi.progress import Progress

from tests.helpers import (WAIT_TIMEOUT_S, SIS_TERMINAL, import_and_wait, make_zip,
                           wait_for_canvasapi_import)

TERMS = "term_id,name,status\nfall,Fall,active\nspring,Spring,active\n"
COURSES = ("course_id,short_name,long_name,term_id,status\n"
           "math,M,Math,fall,active\nart,A,Art,fall,active\nchem,C,Chemistry,spring,active\n")
SECTIONS = ("section_id,course_id,name,status\n"
            "math-1,math,Math 1,active\nmath-2,math,Math 2,active\nart-1,art,Art 1,active\n"
            "chem-1,chem,Chem 1,active\n")
USERS = "user_id,login_id,status\n" + "".join(f"s{n},s{n},active\n" for n in range(1, 7)) + "t1,t1,active\n"
ENROLLMENTS = ("section_id,user_id,role,status\n"
               "math-1,s1,student,active\nmath-1,s2,student,active\nmath-2,s3,student,active\n"
               "art-1,s4,student,active\nart-1,s5,student,active\nchem-1,s6,student,active\n"
               "math-1,t1,teacher,active\n")
GROUPS = "group_id,course_id,name,status\nteam,math,Team,available\n"
MEMBERSHIPS = "group_id,user_id,status\nteam,s1,accepted\nteam,s3,accepted\n"


def nightly(sections: str = SECTIONS, enrollments: str = ENROLLMENTS) -> bytes:
    return make_zip({"terms.csv": TERMS, "courses.csv": COURSES, "sections.csv": sections,
                     "users.csv": USERS, "enrollments.csv": enrollments})



def _send(canvas: Canvas, body: bytes, **params: Any) -> Any:
    account = canvas.get_account(1)
    return wait_for_canvasapi_import(account, account.create_sis_import(io.BytesIO(body), extension="zip", **params))


def _restore(canvas: Canvas, import_id: int) -> tuple[Progress, Any]:
    account = canvas.get_account(1)
    progress = account.get_sis_import(import_id).restore_states()
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while progress.workflow_state not in ("completed", "failed"):
        assert time.monotonic() < deadline, progress
        time.sleep(0.02)
        progress = progress.query()
    return progress, account.get_sis_import(import_id)


def objects(database: sqlite3.Connection) -> dict[str, str]:
    """Every course, section, enrollment and membership by a readable key, with its state."""
    found: dict[str, str] = {}
    for key, value in database.execute(
        "SELECT 'course ' || sis_source_id, workflow_state FROM courses"
        " UNION ALL SELECT 'section ' || sis_source_id, workflow_state FROM course_sections"
        "  WHERE sis_source_id IS NOT NULL"
        " UNION ALL SELECT 'enrollment ' || s.sis_source_id || ' ' || p.sis_user_id, e.workflow_state"
        "  FROM enrollments e JOIN course_sections s ON s.id = e.course_section_id"
        "  JOIN pseudonyms p ON p.user_id = e.user_id"
        " UNION ALL SELECT 'membership ' || p.sis_user_id, m.workflow_state FROM group_memberships m"
        "  JOIN pseudonyms p ON p.user_id = m.user_id"):
        found[key] = value
    return found


async def test_full_sync_deletes_exactly_what_the_file_left_out_and_restore_brings_it_back(
        canvas: Canvas, client, database: sqlite3.Connection) -> None:
    first = await asyncio.to_thread(_send, canvas, nightly())
    assert first.workflow_state == "imported"
    await import_and_wait(client, make_zip({"groups.csv": GROUPS, "groups_membership.csv": MEMBERSHIPS}), "g.zip")
    before = objects(database)
    assert set(before.values()) <= {"claimed", "active", "accepted"}

    # Tonight's file: section math-2 is gone, and so is s3's enrollment in it (and so s3's group
    # membership in math); s2 dropped math, s5 dropped art. s6's spring row is missing too, but
    # the sync is for the fall term only.
    tonight = nightly(
        sections=SECTIONS.replace("math-2,math,Math 2,active\n", ""),
        enrollments=ENROLLMENTS.replace("math-1,s2,student,active\n", "")
                               .replace("math-2,s3,student,active\n", "")
                               .replace("art-1,s5,student,active\n", "")
                               .replace("chem-1,s6,student,active\n", ""),
    )
    fall = database.execute("SELECT id FROM enrollment_terms WHERE sis_source_id = 'fall'").fetchone()[0]
    synced = await asyncio.to_thread(_send, canvas, tonight, batch_mode=True, batch_mode_term_id=fall)
    assert synced.workflow_state == "imported"
    counts = synced.data["counts"]
    assert (counts["batch_enrollments_deleted"], counts["batch_sections_deleted"],
            counts["batch_courses_deleted"]) == (3, 1, 0)
    after = objects(database)
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert changed == {
        "enrollment math-1 s2": ("active", "deleted"),
        "enrollment math-2 s3": ("active", "deleted"),
        "enrollment art-1 s5": ("active", "deleted"),
        "section math-2": ("active", "deleted"),
        "membership s3": ("accepted", "deleted"),  # s3 left math: its group membership goes
    }
    assert after["enrollment chem-1 s6"] == "active"  # spring is another term
    statistics = synced.data["statistics"]
    assert statistics["Enrollment"]["deleted"] == 3 and statistics["CourseSection"]["deleted"] == 1
    assert statistics["GroupMembership"]["deleted"] == 1

    progress, restored = await asyncio.to_thread(_restore, canvas, synced.id)
    assert (progress.workflow_state, progress.completion, restored.workflow_state) == (
        "completed", 100.0, "restored")
    assert objects(database) == before


def _threshold_abort(canvas: Canvas, body: bytes, fall: int) -> tuple[Any, list[int]]:
    account = canvas.get_account(1)
    created = account.create_sis_import(io.BytesIO(body), extension="zip", batch_mode=True,
                                        batch_mode_term_id=fall, change_threshold=10)
    seen: list[int] = []
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    sis_import = created
    while sis_import.workflow_state not in SIS_TERMINAL:
        assert time.monotonic() < deadline, sis_import
        seen.append(sis_import.progress)
        time.sleep(0.01)
        sis_import = account.get_sis_import(created.id)
    return sis_import, seen


async def test_a_full_sync_above_the_change_threshold_deletes_nothing_and_is_aborted(
        canvas: Canvas, database: sqlite3.Connection) -> None:
    await asyncio.to_thread(_send, canvas, nightly())
    before = objects(database)
    fall = database.execute("SELECT id FROM enrollment_terms WHERE sis_source_id = 'fall'").fetchone()[0]
    # Whoops, the enrollments extract came out half empty: 3 of 6 fall enrollments missing.
    broken = nightly(enrollments="section_id,user_id,role,status\nmath-1,s1,student,active\n"
                                 "art-1,s4,student,active\nmath-1,t1,teacher,active\n")
    aborted, seen = await asyncio.to_thread(_threshold_abort, canvas, broken, fall)
    assert aborted.workflow_state == "aborted" and aborted.progress == 100
    assert aborted.ended_at is not None
    assert aborted.processing_warnings == [
        [None, "3 enrollments would be deleted and exceeds the set threshold of 10%"]]
    assert seen == sorted(seen)  # progress never went down while it ran
    assert objects(database) == before


def observer_setup_zip(extra_users: str = "") -> bytes:
    return make_zip({
        "courses.csv": "course_id,short_name,long_name,status\nc1,one,one,published\n",
        "users.csv": "user_id,login_id,status\nu1,u1,active\nu2,u2,active\n" + extra_users,
        "user_observers.csv": "observer_id,student_id,status\nu2,u1,active\n",
    })


def observer_states(database: sqlite3.Connection) -> tuple[str, str]:
    rows = dict(database.execute(
        "SELECT e.type, e.workflow_state FROM enrollments e JOIN courses c ON c.id = e.course_id"
        " WHERE c.sis_source_id = 'c1' AND e.type IN ('StudentEnrollment', 'ObserverEnrollment')"))
    return rows.get("StudentEnrollment"), rows.get("ObserverEnrollment")


async def batch(client, database: sqlite3.Connection, csv: str) -> dict[str, Any]:
    term = database.execute("SELECT id FROM enrollment_terms WHERE is_default = 1").fetchone()[0]
    done = await import_and_wait(client, csv, "enrollments.csv", batch_mode="true", batch_mode_term_id=str(term))
    assert done["workflow_state"] in ("imported", "imported_with_messages"), done
    return done


async def test_restores_linked_observers_included_in_previous_batch_imports(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: "restores linked observers included in previous batch imports"."""
    await import_and_wait(client, observer_setup_zip(), "setup.zip")
    await batch(client, database, "section_id,user_id,role,status,course_id\n,u1,student,active,c1\n")
    assert observer_states(database) == ("active", "active")
    await batch(client, database, "section_id,user_id,role,status,course_id,associated_user_id\n,u1,student,deleted,c1,u1\n")
    assert observer_states(database) == ("deleted", "deleted")
    await batch(client, database, "section_id,user_id,role,status,course_id,associated_user_id\n"
                                  ",u2,observer,active,c1,u1\n,u1,student,active,c1\n")
    assert observer_states(database) == ("active", "active")
    await batch(client, database, "section_id,user_id,role,status,course_id\n,u1,student,deleted,c1\n")
    assert observer_states(database) == ("deleted", "deleted")
    await batch(client, database, "section_id,user_id,role,status,course_id\n,u1,student,active,c1\n")
    assert observer_states(database) == ("active", "active")


async def test_restores_linked_observers_removed_in_previous_batch_imports(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: "restores linked observers removed in previous batch imports"."""
    await import_and_wait(client, observer_setup_zip(), "setup.zip")
    await batch(client, database, "section_id,user_id,role,status,course_id\n,u1,student,active,c1\n")
    assert observer_states(database) == ("active", "active")
    await batch(client, database, "section_id,user_id,role,status,course_id,associated_user_id\n,u2,observer,active,c1,u1\n")
    assert observer_states(database) == ("deleted", "deleted")
    await batch(client, database, "section_id,user_id,role,status,course_id\n,u1,student,active,c1\n")
    assert observer_states(database) == ("active", "active")


async def test_preserves_observer_enrollments_linked_to_unchanged_student_enrollments(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: "preserves observer enrollments linked to unchanged student enrollments"."""
    await import_and_wait(client, make_zip({
        "terms.csv": "term_id,name,status\nother,Other,active\n",
        "courses.csv": "course_id,short_name,long_name,term_id,status\nc1,c1,c1,,published\n"
                       "other_course,o,o,other,active\n",
        "sections.csv": "section_id,course_id,name,status\ns1,c1,s1,active\n",
        "users.csv": "user_id,login_id,status\nstu,stu,active\nobs,obs,active\n"
                     "other_student,os,active\nother_observer,oo,active\n",
        "user_observers.csv": "observer_id,student_id,status\nobs,stu,active\n",
    }), "setup.zip")
    other = await import_and_wait(client, "course_id,user_id,role,associated_user_id,status\n"
                                          "other_course,other_student,student,,active\n"
                                          "other_course,other_observer,observer,other_student,active\n",
                                  "enrollments.csv")
    implicit = "course_id,section_id,user_id,role,status\nc1,s1,stu,student,active\n"
    explicit = ("course_id,section_id,user_id,role,associated_user_id,status\n"
                "c1,s1,stu,student,,active\nc1,s1,obs,observer,stu,active\n")

    def observer_batch_id() -> int | None:
        return database.execute("SELECT e.sis_batch_id FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id"
                                " WHERE p.sis_user_id = 'obs'").fetchone()[0]

    await batch(client, database, implicit)
    assert observer_states(database) == ("active", "active") and observer_batch_id() is None
    await batch(client, database, explicit)
    assert observer_states(database) == ("active", "active") and observer_batch_id() is not None
    await batch(client, database, implicit)
    assert observer_states(database) == ("active", "active")
    assert {row[0] for row in database.execute(
        "SELECT e.sis_batch_id FROM enrollments e JOIN courses c ON c.id = e.course_id"
        " WHERE c.sis_source_id = 'other_course'")} == {other["id"]}
