"""Re-importing the nightly files leaves exactly what it left before the importers got faster.

A fixed zip of courses, sections, users and enrollments (new rows, re-sent rows, duplicates,
deletions, every kind of row warning) is imported through the real server, then again
identically, then changed with stickiness options, and back. After each import every table of
the database and the import's JSON are rendered as text (timestamps named after the import they
fall into, random file names and password salts masked) and compared with the snapshot
``snapshots/reimport.txt``, which the importers wrote before the unchanged-row shortcuts
existed.

When behaviour changes on purpose (a new message, a new column), regenerate the snapshot with
``UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/sis/test_reimport_equivalence.py`` and
read its diff: every changed line is a change of what an import writes or says.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

from service.clock import utc_now
from tests.helpers import AUTH, import_and_wait, make_zip

SNAPSHOT = Path(__file__).parent / "snapshots" / "reimport.txt"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
# Random per run: file verifiers (also in download URLs) and the test server's port.
RANDOM_PARTS = (
    (re.compile(r'"uuid": "[^"]*"'), '"uuid": "<uuid>"'),
    (re.compile(r"verifier=[^\"&]*"), "verifier=<uuid>"),
    (re.compile(r"http://127\.0\.0\.1:\d+"), "<server>"),
)

COURSES = """course_id,short_name,long_name,account_id,term_id,status
c1,C1,Course One,,,active
c2,C2,Course Two,,,active
c3,C3,Course Three,,,active
"""
SECTIONS = """section_id,course_id,name,status
s1,c1,Section One,active
s2,c1,Section Two,active
s3,c2,Section Three,active
"""
USERS_A = """user_id,login_id,first_name,last_name,full_name,sortable_name,short_name,email,status,integration_id,password,declared_user_type
u1,login1,Ada,Lovelace,,,,ada@example.com,active,,,
u2,Login2,Alan,Turing,,,,alan@example.com,active,int2,,
u3,login3,,,Grace Hopper,"Hopper, Grace",Grace,,active,,secret3,
u4,login4,Edsger,Dijkstra,,,,ed@example.com,suspended,,,student
u5,login5,Barbara,Liskov,,,,barbara@example.com,deleted,,,
u6,login6,Bad,Email,,,,not-an-email,active,,,
u7,login7,Donald,Knuth,,,,don@example.com,active,,,
u7,login7,Donald,Knuth,,,,don@example.com,active,,,
u8,LOGIN1,Other,Claimer,,,,,active,,,
u9,login9,Ken,Thompson,,,,ken@example.com,active,,,
u10,login10,Dennis,Ritchie,,,,,active,,,
,loginx,No,Id,,,,,active,,,
u11,login11,Frances,Allen,,,,,Active,int11,,
u12,login12,Niklaus,Wirth,,,,,,,,
u13,login13,Ivan,Sutherland,,,,ivan@example.com,active,int2,,
"""
USERS_B = """user_id,login_id,first_name,last_name,full_name,sortable_name,short_name,email,status,integration_id,password,declared_user_type
u1,login1,Augusta,Lovelace,,,,ada@example.com,active,,,
u2,Login2,Alan,Turing,,,,alan.turing@example.com,active,int2,,
u3,login3,,,Grace Hopper,"Hopper, Grace",Amazing Grace,,active,,secret3b,
u4,login4,Edsger,Dijkstra,,,,ed@example.com,active,,,teacher
u5,login5,Barbara,Liskov,,,,barbara@example.com,active,,,
u7,login7b,Donald,Knuth,,,,don@example.com,active,,,
u9,login9,Ken,Thompson,,,,ken@example.com,active,,,
u10,login10,Dennis,Ritchie,,,,,deleted,,,
u11,login11,Frances,Allen,,,,,active,int11,,
"""
ENROLLMENTS_A = """course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date,limit_section_privileges
,u1,student,s1,active,,,,
,u2,student,s1,active,,2026-01-10,2026-06-01,
,u3,teacher,s1,active,,,,true
,u4,ta,s2,inactive,,,,
c1,u7,observer,s1,active,u1,,,
c3,u1,student,,active,,,,
c3,u2,student,,completed,,,,
,u9,student,s3,active,,,,
,u9,student,s3,active,,,,
,u10,student,s2,deleted,,,,
,u11,student,s3,deleted_last_completed,,,,
,u5,student,s1,active,,,,
,u99,student,s1,active,,,,
,u1,student,s9,active,,,,
c2,u1,student,s1,active,,,,
,u1,student,s2,bogus,,,,
,u7,designer,s3,active,,not a date,,
,u1,student,s2,active,,,,
"""
ENROLLMENTS_B = """course_id,user_id,role,section_id,status,associated_user_id,start_date,end_date,limit_section_privileges
,u1,student,s1,inactive,,,,
,u2,student,s1,active,,2026-02-10,2026-07-01,
,u3,teacher,s1,active,,,,false
,u4,ta,s2,active,,,,
c1,u7,observer,s1,active,u1,,,
c3,u1,student,,active,,,,
,u9,student,s3,active,,,,
,u10,student,s2,active,,,,
,u11,student,s3,completed,,,,
,u1,student,s2,deleted,,,,
"""

ZIP_A = make_zip({"courses.csv": COURSES, "sections.csv": SECTIONS, "users.csv": USERS_A,
                  "enrollments.csv": ENROLLMENTS_A})
ZIP_B = make_zip({"courses.csv": COURSES, "sections.csv": SECTIONS, "users.csv": USERS_B,
                  "enrollments.csv": ENROLLMENTS_B})
# (upload, options): first import, identical re-import, changes that stick, the stuck fields
# holding against the old file, un-sticking, and plain re-imports after each.
STEPS: list[tuple[bytes, dict[str, str]]] = [
    (ZIP_A, {}),
    (ZIP_A, {}),
    (ZIP_B, {"add_sis_stickiness": "true", "override_sis_stickiness": "true"}),
    (ZIP_B, {}),
    (ZIP_A, {}),
    (ZIP_A, {"override_sis_stickiness": "true"}),
    (ZIP_A, {"clear_sis_stickiness": "true"}),
    (ZIP_A, {}),
    (ZIP_B, {"skip_deletes": "true"}),
]


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _render(conn: sqlite3.Connection, imports: list[dict[str, Any]], starts: list[str],
            previous: dict[str, list[str]]) -> str:
    """Every table and every import's JSON as text, with its variable parts named or masked.

    A table whose text is the same as after the previous import (``previous``, updated here)
    is named but not repeated.
    """
    lines: list[str] = []
    for table in _tables(conn):
        table_lines: list[str] = []
        width = len(conn.execute(f"SELECT * FROM {table} LIMIT 0").description)
        # Every column in turn: some tables have no rowid to order by.
        order = ", ".join(str(index) for index in range(1, width + 1))
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
        columns_read = [d[0] for d in cursor.description]
        # A row's digest (sis_row_digest) is what the importers know of re-sent rows, not what
        # an import writes: the snapshot must not change when they learn more.
        columns = [column for column in columns_read if column != "sis_row_digest"]
        for row in cursor:
            values = {k: v for k, v in zip(columns_read, row) if k != "sis_row_digest"}
            if "uuid" in values:
                values["uuid"] = "<uuid>"
            if table == "files":
                values["path"] = "<path>"
            if values.get("crypted_password"):
                values["crypted_password"] = "<digest>"
            table_lines.append("  " + json.dumps(list(values.values()), ensure_ascii=False))
        if previous.get(table) == table_lines:
            lines.append(f"table {table} unchanged")
        else:
            lines.append(f"table {table} ({', '.join(columns)})")
            lines.extend(table_lines)
            previous[table] = table_lines
    for body in imports:
        lines.append(f"import {body['id']}")
        lines.append("  " + json.dumps(body, sort_keys=True, ensure_ascii=False))
    text = "\n".join(lines) + "\n"
    for pattern, replacement in RANDOM_PARTS:
        text = pattern.sub(replacement, text)

    def label(match: re.Match[str]) -> str:
        # Each import starts in a new second, so a timestamp names the import it fell into.
        moment = match.group(0)
        return f"<during import {sum(1 for start in starts if start <= moment)}>"

    return TIMESTAMP.sub(label, text)


async def _next_second(after: str) -> None:
    """Wait until the clock has left the second ``after`` (timestamps have second resolution)."""
    while utc_now() <= after:
        await asyncio.sleep(0.02)


async def test_every_import_leaves_the_snapshot_state(client, database: sqlite3.Connection) -> None:
    rendered: list[str] = []
    previous_tables: dict[str, list[str]] = {}
    starts: list[str] = []
    last = utc_now()
    for number, (upload, options) in enumerate(STEPS, start=1):
        await _next_second(last)
        starts.append(utc_now())
        final = await import_and_wait(client, upload, "nightly.zip", **options)
        last = final["ended_at"]
        response = await client.get(f"/api/v1/accounts/1/sis_imports/{final['id']}", headers=AUTH)
        rendered.append(f"### after import {number} {json.dumps(options, sort_keys=True)}\n"
                        + _render(database, [await response.json()], starts, previous_tables))
    text = "".join(rendered)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), text.splitlines(keepends=True),
            "snapshot", "this run", n=1))
        raise AssertionError(
            "the imports wrote or said something else than the snapshot (regenerate it with"
            " UPDATE_SNAPSHOTS=1 only if the change is intended):\n" + diff[:20000])
