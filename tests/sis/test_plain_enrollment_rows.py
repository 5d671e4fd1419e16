"""Plain enrollments.csv rows (a live user, a live section, a state that deletes nothing, no
other column) take a short path; every other row the general one. Mixed in one batch, the two
must leave exactly what the general path alone left.

The imports below mix plain rows with rows of every other kind: rows that warn (unknown,
deleted or unrelated references, bad statuses and roles), cross-listed sections named with
their current or their original course, course-only rows (a default section is made), deleting
rows, rows two of which name one enrollment, rows using the other columns (observers, dates,
section privileges) while the file's other rows leave them empty, students whose observers
follow them, re-sent and changed rows, over batch and Canvas block boundaries. After each
import the enrollments, sections and roll-back records, the messages with their rows, the
counts and the statistics are rendered as text and compared with ``snapshots/plain_enrollments.txt``,
written by the importer before plain rows had a path of their own.

Regenerate it (``UPDATE_SNAPSHOTS=1``) only when behaviour changes on purpose, and read its diff.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

from tests.sis.helpers import Result, Sis

SNAPSHOT = Path(__file__).parent / "snapshots" / "plain_enrollments.txt"

USERS = "user_id,login_id,first_name,last_name,status\n" + "".join(
    f"u{n},login{n},First{n},Last{n},{'deleted' if n == 9 else 'active'}\n" for n in range(1, 41))
COURSES = """course_id,short_name,long_name,status
c1,C1,Course One,active
c2,C2,Course Two,active
c3,C3,Course Three,active
c4,C4,Course Four,deleted
"""
SECTIONS = """section_id,course_id,name,status
s1,c1,Section One,active
s2,c1,Section Two,active
s3,c2,Section Three,active
s4,c3,Section Four,active
s5,c4,Section Five,active
s6,c1,Section Six,deleted
"""
XLISTS = "xlist_course_id,section_id,status\nc3,s3,active\n"  # s3 now in c3, from c2
OBSERVERS = "observer_id,student_id,status\nu8,u1,active\nu8,u12,active\n"

# Plain columns only: most rows are plain, the rest warn, delete, repeat or name a course only.
FIRST = "course_id,user_id,role,section_id,status\n" + """,u1,student,s1,active
,u2,teacher,s1,inactive
c1,u3,ta,s2,completed
c2,u1,student,s3,active
c3,u2,student,s3,active
c1,u3,student,s3,active
,u4,student,s5,active
,u4,student,s6,active
,u9,student,s1,active
,u10,student,s1,active
,ghost,student,s1,active
,u1,student,nope,active
,u1,student,s2,paused
,u1,principal,s2,active
c2,u5,student,,active
c2,u6,student,,active
,u5,student,s1,deleted
,u6,student,s1,deleted_last_completed
,u7,student,s1,active
,u7,student,s1,completed
,u7,teacher,s1,active
,u1,Student,s4,Active
,,student,s1,active
c9,u1,student,,active
c4,u2,student,s5,deleted
""" + "".join(
    # Past Canvas's block of 100 rows, with a warning in the next block.
    f",u{n},{'student' if n % 3 else 'observer'},{section},active\n" + (",ghost2,student,s1,active\n" if n == 35 else "")
    for n in range(11, 41) for section in ("s1", "s2", "s4"))

# The other columns too, empty in most rows: re-sent, changed and new rows, observers, dates.
SECOND = """course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date,limit_section_privileges
,u1,student,s1,active,,,,
,u2,teacher,s1,active,,,,
c1,u3,ta,s2,completed,,,,
,u1,student,s2,active,,2026-01-10,2026-06-01,
,u3,student,s1,inactive,,,,true
c1,u8,observer,s1,active,u1,,,
,u8,observer,s2,active,u2,,,
,u11,student,s1,deleted,,,,
,u12,student,s2,active,,,,
,u13,student,s2,active,,,,
,u13,student,s2,inactive,,,,
,u14,teacher,s4,active,,,,false
,u15,student,s4,active,,not a date,,
,u16,student,s6,deleted,,,,
c2,u17,student,,inactive,,,,
,u1,student,s3,completed,,,,
,u9,student,s2,active,,,,
,u20,student,s1,active,,,,
,u21,student,s1,active,,,,
"""


def _render(sis: Sis, result: Result, import_id: int) -> str:
    lines = [f"import {import_id}: counted {result.count}"]
    for table, order in (("enrollments", "id"), ("course_sections", "id"),
                         ("sis_state_changes", "sis_import_id, object_type, object_id")):
        lines.append(f"table {table}")
        lines.extend("  " + json.dumps(list(row)) for row in sis.rows_as_written(f"SELECT * FROM {table} ORDER BY {order}"))
    lines.append("messages")
    lines.extend(f"  {row}: {message}" for row, message in result.rows)
    lines.append("statistics " + json.dumps(sis.statistics(import_id), sort_keys=True))
    return "\n".join(lines) + "\n"


def test_plain_rows_mixed_with_every_other_kind_leave_what_the_general_path_left(sis: Sis) -> None:
    for kind, text in (("user", USERS), ("course", COURSES), ("section", SECTIONS), ("xlist", XLISTS)):
        assert not sis.load(kind, text, import_id=100).warnings
    # A deleted user whose login is live (a user is deleted outside any CSV).
    sis.conn.execute("UPDATE users SET workflow_state = 'deleted' WHERE id ="
                     " (SELECT user_id FROM pseudonyms WHERE sis_user_id = 'u10')")
    assert not sis.load("user_observer", OBSERVERS, import_id=100).warnings
    rendered = []
    # (file, import, rows per batch): batches cut through the repeated rows and Canvas's blocks.
    for number, (text, batch_rows) in enumerate(((FIRST, 7), (SECOND, 2000), (FIRST, 50), (SECOND, 4)), start=1):
        result = sis.load("enrollment", text, import_id=number, batch_rows=batch_rows)
        rendered.append(_render(sis, result, number))
    text = "".join(rendered)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    assert text == expected, "".join(difflib.unified_diff(
        expected.splitlines(keepends=True), text.splitlines(keepends=True), "snapshot", "this run", n=1))[:20000]
