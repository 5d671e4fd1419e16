"""Diffing (section 7.6) through the real server, and Canvas's diff generator on files.

Canvas's diffing cases of spec/models/sis_batch_spec.rb ("with csv diffing"), of
spec/lib/sis/csv/diff_generator_spec.rb and of spec/apis/v1/sis_imports_api_spec.rb, one test per
``it``, plus our own chain of three imports.
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from service.sis.context import Message
from service.sis.diffing import (
    DiffedCsv, diff_csv, file_diff_percent, generate_csvs, IDENTIFYING_FIELDS,
)
from service.sis.kinds import KINDS
from service.sis.reader import CsvSource, InspectedCsv
from tests.helpers import create_sis_import, wait_for_import

KIND = {kind.name: kind for kind in KINDS}
SETUP = [
    "user_id,login_id,status\nuser_1,user_1,active\n",
    "course_id,short_name,long_name,term_id,status\ncourse_1,course_1,course_1,term_1,active\n",
    "section_id,course_id,name,status\nsection_1,course_1,section_1,active\n",
    "section_id,user_id,role,status\nsection_1,user_1,student,active\n",
]


def canvas_upload(data: list[str], add_empty_file: bool = False) -> tuple[bytes, str]:
    """sis_batch_spec's create_csv_data: one CSV as csv_0.csv, several as csv_N.csv in a zip."""
    if len(data) == 1 and not add_empty_file:
        return data[0].encode(), "csv_0.csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, text in enumerate(data):
            archive.writestr(f"csv_{index}.csv", text + "\n")
        if add_empty_file:
            archive.writestr(f"csv_{len(data)}.csv", "")
    return buffer.getvalue(), "sisfile.zip"


async def process(client: TestClient, data: list[str], add_empty_file: bool = False,
                  **params: str) -> dict[str, Any]:
    """sis_batch_spec's process_csv_data: import and wait for the end."""
    content, name = canvas_upload(data, add_empty_file)
    created = await create_sis_import(client, content, name, **params)
    return await wait_for_import(client, created["id"])


async def download(client: TestClient, attachment: dict[str, Any]) -> str:
    url = attachment["url"]
    response = await client.get(url[url.index("/files/"):])
    assert response.status == 200
    return await response.text()


async def diffed_texts(client: TestClient, sis_import: dict[str, Any]) -> list[str]:
    return [await download(client, a) for a in sis_import.get("diffed_csv_attachments", [])]


def sis_batch_id(database: sqlite3.Connection, table: str, sis_id: str) -> int:
    return database.execute(f"SELECT sis_batch_id FROM {table} WHERE sis_source_id = ?",
                            (sis_id,)).fetchone()[0]


# --- spec/models/sis_batch_spec.rb, context "with csv diffing" ---------------------------------

async def test_does_not_fail_for_empty_diff_file(client) -> None:
    """sis_batch_spec: "does not fail for empty diff file"."""
    params = {"diffing_data_set_identifier": "default", "diffing_drop_status": "completed"}
    await process(client, ["user_id,login_id,status"], add_empty_file=True, **params)
    batch1 = await process(client, ["user_id,login_id,status"], add_empty_file=True, **params)
    assert await diffed_texts(client, batch1) == ["user_id,login_id,status\n"]
    assert batch1["workflow_state"] == "imported"


async def test_does_not_fail_for_completely_empty_files(client) -> None:
    """sis_batch_spec: "does not fail for completely empty files"."""
    params = {"diffing_data_set_identifier": "default", "diffing_drop_status": "completed"}
    await process(client, [], add_empty_file=True, **params)
    batch1 = await process(client, [], add_empty_file=True, **params)
    assert batch1["workflow_state"] == "imported"


async def test_uses_diffing_drop_status(client) -> None:
    """sis_batch_spec, describe "diffing_drop_status": "uses diffing_drop_status"."""
    await process(client, SETUP, diffing_data_set_identifier="default")
    batch = await process(client, ["section_id,user_id,role,status"],
                          diffing_data_set_identifier="default", diffing_drop_status="completed")
    assert await diffed_texts(client, batch) == [
        "section_id,user_id,role,status\nsection_1,user_1,student,completed\n"]


async def test_does_not_use_diffing_drop_status_for_non_enrollments(client) -> None:
    """sis_batch_spec, describe "diffing_drop_status": "does not use diffing_drop_status for
    non-enrollments"."""
    await process(client, SETUP, diffing_data_set_identifier="default")
    batch = await process(client, ["user_id,login_id,status"],
                          diffing_data_set_identifier="default", diffing_drop_status="completed")
    assert await diffed_texts(client, batch) == ["user_id,login_id,status\nuser_1,user_1,deleted\n"]


USERS_WITH_TRAILING_COMMAS = "user_id,login_id,status\nuser_1,user_1,active,\nuser_2,user_2,active\n"


async def test_deletes_removed_users_by_default(client) -> None:
    """sis_batch_spec, describe "diffing_user_remove_status": "deletes removed users by default"."""
    await process(client, [USERS_WITH_TRAILING_COMMAS], diffing_data_set_identifier="allotrope")
    batch = await process(client, ["user_id,login_id,status,\nuser_2,user_2,active\n"],
                          diffing_data_set_identifier="allotrope")
    assert await diffed_texts(client, batch) == ["user_id,login_id,status\nuser_1,user_1,deleted\n"]


async def test_suspends_removed_users_by_request(client, database: sqlite3.Connection) -> None:
    """sis_batch_spec, describe "diffing_user_remove_status": "suspends removed users by
    request" (and the import applies it: the login is suspended)."""
    await process(client, [USERS_WITH_TRAILING_COMMAS], diffing_data_set_identifier="allotrope")
    batch = await process(client, ["user_id,login_id,status,\nuser_2,user_2,active\n"],
                          diffing_data_set_identifier="allotrope",
                          diffing_user_remove_status="suspended")
    assert await diffed_texts(client, batch) == ["user_id,login_id,status\nuser_1,user_1,suspended\n"]
    state = database.execute("SELECT workflow_state FROM pseudonyms WHERE sis_user_id = 'user_1'")
    assert state.fetchone()[0] == "suspended"


COURSE_HEADER = "course_id,short_name,long_name,account_id,term_id,status"


async def test_skips_diffing_if_previous_diff_not_available(client) -> None:
    """sis_batch_spec: "skips diffing if previous diff not available" — but still starts the chain."""
    batch = await process(client, [f"{COURSE_HEADER}\ntest_1,TC 101,Test Course 101,,term1,active\n"],
                          diffing_data_set_identifier="default")
    assert batch["diffing_data_set_identifier"] == "default"
    assert "diffed_against_sis_batch_id" not in batch["data"]
    assert "diffed_csv_attachments" not in batch


async def test_joins_the_chain_but_doesnt_apply_the_diff_when_baseline_is_set(client) -> None:
    """sis_batch_spec: "joins the chain but doesn't apply the diff when baseline is set"."""
    await process(client, [f"{COURSE_HEADER}\ntest_1,TC 101,Test Course 101,,term1,active\n"],
                  diffing_data_set_identifier="default")
    batch = await process(client, [f"{COURSE_HEADER}\ntest_1,TC 101,Test Course 101,,term1,active\n"
                                   "test_4,TC 104,Test Course 104,,term1,active\n"],
                          diffing_data_set_identifier="default", diffing_remaster_data_set="true")
    assert batch["diffing_data_set_identifier"] == "default"
    assert "diffed_against_sis_batch_id" not in batch["data"]
    assert "diffed_csv_attachments" not in batch
    assert batch["data"]["counts"]["courses"] == 2


async def test_diffs_against_the_most_previous_successful_batch_in_the_same_chain(client, database: sqlite3.Connection) -> None:
    """sis_batch_spec: "diffs against the most previous successful batch in the same chain"."""
    b1 = await process(client, [f"{COURSE_HEADER}\ntest_1,TC 101,Test Course 101,,term1,active\n"],
                       diffing_data_set_identifier="default")
    await process(client, [f"{COURSE_HEADER}\ntest_2,TC 102,Test Course 102,,term1,active\n"],
                  diffing_data_set_identifier="other")
    # doesn't diff against failed imports on the chain
    b3 = await process(client, ["short_name,long_name,account_id,term_id,status\n"
                                "TC 103,Test Course 103,,term1,active\n"],
                       diffing_data_set_identifier="default")
    assert b3["workflow_state"] == "failed_with_messages"
    batch = await process(client, [f"{COURSE_HEADER}\ntest_1,TC 101,Test Course 101,,term1,active\n"
                                   "test_4,TC 104,Test Course 104,,term1,active\n"],
                          diffing_data_set_identifier="default")
    assert batch["data"]["diffed_against_sis_batch_id"] == b1["id"]
    assert batch["data"]["counts"]["courses"] == 1
    # test_1 was diffed out: the last import never touched it
    assert sis_batch_id(database, "courses", "test_1") == b1["id"]
    assert sis_batch_id(database, "courses", "test_4") == batch["id"]
    assert await diffed_texts(client, batch) == [
        f"{COURSE_HEADER}\ntest_4,TC 104,Test Course 104,,term1,active\n"]


TWO_COURSES = f"{COURSE_HEADER}\ntest_1,TC 101,Test Course 101,,term1,active\ntest_4,TC 104,Test Course 104,,term1,active\n"


async def test_does_not_diff_outside_of_diff_threshold(client) -> None:
    """sis_batch_spec: "does not diff outside of diff threshold" (change_threshold on the size)."""
    b1 = await process(client, [TWO_COURSES], diffing_data_set_identifier="default",
                       change_threshold="1")
    # small change, less than 1% difference
    b2 = await process(client, [TWO_COURSES.replace("Course 104,", "Course 104b,")],
                       diffing_data_set_identifier="default", change_threshold="1")
    assert b2["diffing_threshold_exceeded"] is False
    # whoops left out the whole file, don't delete everything.
    b3 = await process(client, [f"{COURSE_HEADER}\n"], diffing_data_set_identifier="default",
                       change_threshold="1")
    assert b3["workflow_state"] == "imported_with_messages"
    assert "Diffing not performed" in b3["processing_warnings"][0][-1]
    assert b3["diffing_threshold_exceeded"] is True
    # no change threshold, _should_ delete everything maybe?
    b4 = await process(client, [f"{COURSE_HEADER}\n"], diffing_data_set_identifier="default")
    assert b2["data"]["diffed_against_sis_batch_id"] == b1["id"]
    assert "diffed_csv_attachments" in b2
    assert "diffed_against_sis_batch_id" not in b3["data"]
    assert "diffed_csv_attachments" not in b3
    assert b4["data"]["diffed_against_sis_batch_id"] == b2["id"]
    assert "diffed_csv_attachments" in b4


async def test_does_not_diff_outside_of_diff_row_count_threshold(client) -> None:
    """sis_batch_spec: "does not diff outside of diff row count threshold"."""
    b1 = await process(client, [TWO_COURSES], diffing_data_set_identifier="default")
    # only one row change
    b2 = await process(client, [TWO_COURSES.replace("Course 104,", "Course 104b,")],
                       diffing_data_set_identifier="default", diff_row_count_threshold="1")
    # whoops two row changes
    b2b = await process(client, [TWO_COURSES.replace("Course 101,", "Course 101b,")
                                 .replace("Course 104,", "Course 104c,")],
                        diffing_data_set_identifier="default", diff_row_count_threshold="1")
    assert b2b["workflow_state"] == "imported_with_messages"
    assert "Diffing not performed" in b2b["processing_warnings"][0][-1]
    # whoops left out the whole file, don't delete everything.
    b3 = await process(client, [f"{COURSE_HEADER}\n"], diffing_data_set_identifier="default",
                       diff_row_count_threshold="1")
    assert b3["workflow_state"] == "imported_with_messages"
    assert "Diffing not performed" in b3["processing_warnings"][0][-1]
    # no change threshold, _should_ delete everything maybe?
    b4 = await process(client, [f"{COURSE_HEADER}\n"], diffing_data_set_identifier="default")
    assert b2["data"]["diffed_against_sis_batch_id"] == b1["id"]
    assert "diffed_csv_attachments" in b2
    assert "diffed_against_sis_batch_id" not in b3["data"]
    assert "diffed_csv_attachments" not in b3
    assert b4["data"]["diffed_against_sis_batch_id"] == b2["id"]
    assert "diffed_csv_attachments" in b4


async def test_marks_files_separately_when_created_for_diffing(client) -> None:
    """sis_batch_spec: "marks files separately when created for diffing" — the upload's CSVs
    are csv_attachments, the generated ones diffed_csv_attachments."""
    f1 = f"{COURSE_HEADER}\ntest_1,TC 101,Test Course 101,,term1,active\n"
    await process(client, [f1], diffing_data_set_identifier="default")
    f2 = f"{COURSE_HEADER}\ntest_1,TC 101,Test Course 101,,term1,active\ntest_4,TC 104,Test Course 104,,term1,active\n"
    b2 = await process(client, [f2], diffing_data_set_identifier="default")
    assert len(b2["csv_attachments"]) == 1
    assert await download(client, b2["csv_attachments"][0]) == f2
    assert len(b2["diffed_csv_attachments"]) == 1
    assert await diffed_texts(client, b2) == [
        f"{COURSE_HEADER}\ntest_4,TC 104,Test Course 104,,term1,active\n"]


def test_compares_files_for_diffing_correctly() -> None:
    """sis_batch_spec: "compares files for diffing correctly"."""
    assert file_diff_percent(25, 100) == 75
    assert file_diff_percent(175, 100) == 75


def test_treats_role_id_as_an_identifying_field_for_diffs(tmp_path: Path) -> None:
    """sis_batch_spec: "treats role_id as an identifying field for diffs" — two rows differing
    only in role_id are two enrollments, both in the diff. (This server defines no custom
    roles, so the case is checked on the diff the import would apply.)"""
    previous = inspected(tmp_path, "enrollment", "a/enrollments.csv", "course_id,user_id,role_id,status\n")
    current = inspected(tmp_path, "enrollment", "b/enrollments.csv",
                        "course_id,user_id,role_id,status\nc1,u1,101,active\nc1,u1,102,active\n")
    diffed = diff_csv(IDENTIFYING_FIELDS["enrollment"], previous, current, "deleted", tmp_path / "out.csv")
    assert diffed.row_count == 2
    assert (tmp_path / "out.csv").read_text() == (
        "course_id,user_id,role_id,status\nc1,u1,101,active\nc1,u1,102,active\n")


# --- spec/apis/v1/sis_imports_api_spec.rb ------------------------------------------------------

async def test_returns_downloadable_attachments_from_the_diff_if_available(client) -> None:
    """sis_imports_api_spec: "returns downloadable attachments from the diff if available" —
    listed imports carry csv_attachments and diffed_csv_attachments apart."""
    await process(client, [TWO_COURSES], diffing_data_set_identifier="default")
    diffed = await process(client, [TWO_COURSES.replace("Course 104,", "Course 104b,")],
                           diffing_data_set_identifier="default")
    response = await client.get("/api/v1/accounts/1/sis_imports", headers={"Authorization": "Bearer test-token"})
    listed = (await response.json())["sis_imports"][0]
    assert listed["id"] == diffed["id"]
    uploaded = [a["id"] for a in listed["csv_attachments"]]
    generated = [a["id"] for a in listed["diffed_csv_attachments"]]
    assert len(uploaded) == len(generated) == 1 and uploaded != generated
    assert listed["data"]["diffed_attachment_ids"] == generated
    assert listed["data"]["downloadable_attachment_ids"] == uploaded + generated


# --- spec/lib/sis/csv/diff_generator_spec.rb, describe "#generate_csvs" ------------------------

def inspected(tmp_path: Path, kind: str, name: str, text: str | None = None) -> InspectedCsv:
    """A CSV of a given kind named ``name``, as the diff generator is handed it."""
    path = tmp_path / "files" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else "user_id,login_id,status\n")
    headers = path.read_text().splitlines()[0].split(",")
    return InspectedCsv(CsvSource(name, lambda: open(path, "rb"), path.stat().st_size),
                        KIND[kind], headers, len(path.read_text().splitlines()), False)


def run_generate(tmp_path: Path, previous: list[InspectedCsv], current: list[InspectedCsv]):
    messages: list[Message] = []
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return generate_csvs(previous, current, {}, work, messages), messages


def names(generated) -> list[str]:
    return [g.current.source.name if isinstance(g, DiffedCsv) else g.source.name for g in generated]


def test_skips_diffing_if_previous_is_empty(tmp_path: Path) -> None:
    """diff_generator_spec: "skips diffing if previous is empty"."""
    current = [inspected(tmp_path, "course", "courses2.csv", "course_id,short_name,status\n")]
    generated, messages = run_generate(tmp_path, [], current)
    assert generated == current and messages == []


def test_skips_diffing_if_previous_has_more_files_of_type(tmp_path: Path) -> None:
    """diff_generator_spec: "skips diffing if previous has more files of type"."""
    previous = [inspected(tmp_path / "p", "user", "users1.csv"), inspected(tmp_path / "p", "user", "users2.csv")]
    current = [inspected(tmp_path, "user", "users.csv")]
    generated, messages = run_generate(tmp_path, previous, current)
    assert generated == current
    assert messages[0].file == "users.csv"
    assert "mismatched previous and current" in messages[0].message


def test_skips_diffing_if_current_has_more_files_of_type(tmp_path: Path) -> None:
    """diff_generator_spec: "skips diffing if current has more files of type"."""
    previous = [inspected(tmp_path / "p", "user", "users.csv")]
    current = [inspected(tmp_path, "user", "users1.csv"), inspected(tmp_path, "user", "users2.csv")]
    generated, messages = run_generate(tmp_path, previous, current)
    assert generated == current
    assert messages[0].file == "users1.csv"
    assert messages[0].message == "Unable to perform diffing against mismatched previous and current user imports"


def test_skips_diffing_if_previous_and_current_have_the_same_number_of_files_but_names_dont_match(tmp_path: Path) -> None:
    """diff_generator_spec: "skips diffing if previous and current have the same number of files
    but names don't match"."""
    previous = [inspected(tmp_path / "p", "user", "users.csv"), inspected(tmp_path / "p", "user", "users2.csv")]
    current = [inspected(tmp_path, "user", "users1.csv"), inspected(tmp_path, "user", "users2.csv")]
    generated, messages = run_generate(tmp_path, previous, current)
    assert generated == current
    assert messages[0].file == "users1.csv" and "mismatched previous and current" in messages[0].message


def test_skips_diffing_if_previous_or_current_have_ambiguous_filenames(tmp_path: Path) -> None:
    """diff_generator_spec: "skips diffing if previous or current have ambiguous filenames"."""
    previous = [inspected(tmp_path / "p1", "user", "users.csv"), inspected(tmp_path / "p2", "user", "users.csv")]
    current = [inspected(tmp_path / "c1", "user", "users.csv"), inspected(tmp_path / "c2", "user", "users.csv")]
    generated, messages = run_generate(tmp_path, previous, current)
    assert generated == current
    assert messages[0].file == "users.csv" and "mismatched previous and current" in messages[0].message


def test_diffs_multiple_files_of_the_same_type_if_the_names_match(tmp_path: Path) -> None:
    """diff_generator_spec: "diffs multiple files of the same type if the names match"."""
    header = "section_id,user_id,role,status\n"
    previous = [
        inspected(tmp_path / "p", "enrollment", "student_enrollments.csv",
                  header + "S0,bill,student,active\nS0,ted,student,active\n"),
        inspected(tmp_path / "p", "enrollment", "teacher_enrollments.csv",
                  header + "S0,hans,teacher,active\nS0,franz,teacher,active\n"),
    ]
    current = [
        inspected(tmp_path, "enrollment", "student_enrollments.csv",
                  header + "S0,bill,student,active\nS0,melinda,student,active\n"),
        inspected(tmp_path, "enrollment", "teacher_enrollments.csv",
                  header + "S0,hans,teacher,active\nS0,harry,teacher,active\n"),
    ]
    generated, _ = run_generate(tmp_path, previous, current)
    assert len(generated) == 2
    by_name = {g.current.source.name: g.path.read_text() for g in generated}
    assert by_name["student_enrollments.csv"] == header + "S0,melinda,student,active\nS0,ted,student,deleted\n"
    assert by_name["teacher_enrollments.csv"] == header + "S0,harry,teacher,active\nS0,franz,teacher,deleted\n"


def test_generates_multiple_diffs_for_different_file_types(tmp_path: Path) -> None:
    """diff_generator_spec: "generates multiple diffs for different file types"."""
    p = tmp_path / "p"
    previous = [
        inspected(p, "user", "users1.csv"), inspected(p, "user", "users2.csv"),
        inspected(p, "course", "courses.csv", "course_id,short_name,status\ncourse_1,test1,active\n"),
        inspected(p, "account", "accounts.csv", "account_id,status\naccount_1,active\n"),
        inspected(p, "group", "groups.csv", "group_id,status\ngroup_1,deleted\n"),
    ]
    users = inspected(tmp_path, "user", "users.csv")
    enrollments = inspected(tmp_path, "enrollment", "enrollments.csv", "section_id,user_id,role,status\n")
    current = [
        users,
        inspected(tmp_path, "course", "courses.csv", "course_id,short_name,status\ncourse_2,test2,active\n"),
        enrollments,
        inspected(tmp_path, "account", "accounts.csv", "account_id,status\naccount_1,active\n"),
        inspected(tmp_path, "group", "groups.csv", "group_id,status\ngroup_1,active\ngroup_2,active\n"),
    ]
    generated, _ = run_generate(tmp_path, previous, current)
    assert len(generated) == 5
    by_name = {n: g for n, g in zip(names(generated), generated)}
    assert by_name["users.csv"] is users
    assert by_name["courses.csv"].path.read_text() == (
        "course_id,short_name,status\ncourse_2,test2,active\ncourse_1,test1,deleted\n")
    assert by_name["enrollments.csv"] is enrollments
    assert by_name["accounts.csv"].path.read_text() == "account_id,status\n"
    assert by_name["groups.csv"].path.read_text() == "group_id,status\ngroup_1,active\ngroup_2,active\n"


def test_skips_diffing_if_column_headers_change(tmp_path: Path) -> None:
    """diff_generator_spec: "skips diffing if column headers change"."""
    previous = [inspected(tmp_path / "p", "course", "courses.csv", "course_id,short_name,status\ncourse_1,test1,active\n")]
    current = [inspected(tmp_path, "course", "courses.csv",
                         "course_id,short_name,long_name,status\ncourse_1,test1,,active\n")]
    generated, messages = run_generate(tmp_path, previous, current)
    assert generated == current
    assert "CSV headers do not match" in messages[0].message


# --- ours --------------------------------------------------------------------------------------

async def test_a_diffing_chain_of_three_imports(client, database: sqlite3.Connection) -> None:
    """Ours: a data set sent three times. The first is applied whole; the second only its added
    and changed rows, with the dropped enrollment set to diffing_drop_status; the third is
    diffed against the second (the newest import of the chain that had a diff), so the rows
    the second changed are not sent again and the user it left out is deleted."""
    users = "user_id,login_id,full_name,status\nu1,u1,Ann,active\nu2,u2,Ben,active\nu3,u3,Cy,active\n"
    courses = "course_id,short_name,long_name,status\nc1,C1,One,active\n"
    enrollments = "course_id,user_id,role,status\nc1,u1,student,active\nc1,u2,student,active\nc1,u3,teacher,active\n"

    def upload(u: str, e: str) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("users.csv", u)
            archive.writestr("courses.csv", courses)
            archive.writestr("enrollments.csv", e)
        return buffer.getvalue()

    params = {"diffing_data_set_identifier": "sync", "diffing_drop_status": "inactive"}
    first = await wait_for_import(client, (await create_sis_import(
        client, upload(users, enrollments), "sync.zip", **params))["id"])
    assert first["data"]["counts"]["enrollments"] == 3 and "diffed_against_sis_batch_id" not in first["data"]

    users2 = users.replace("Ben", "Benjamin")
    enrollments2 = "course_id,user_id,role,status\nc1,u1,student,active\nc1,u3,teacher,active\n"
    second = await wait_for_import(client, (await create_sis_import(
        client, upload(users2, enrollments2), "sync.zip", **params))["id"])
    assert second["workflow_state"] == "imported"
    assert second["data"]["diffed_against_sis_batch_id"] == first["id"]
    assert second["diffing_threshold_exceeded"] is False
    counts = {k: v for k, v in second["data"]["counts"].items() if v}
    assert counts == {"users": 1, "enrollments": 1}
    assert database.execute("SELECT name FROM users u JOIN pseudonyms p ON p.user_id = u.id"
                            " WHERE p.sis_user_id = 'u2'").fetchone()[0] == "Benjamin"
    dropped = database.execute("SELECT e.workflow_state FROM enrollments e JOIN pseudonyms p"
                               " ON p.user_id = e.user_id WHERE p.sis_user_id = 'u2'").fetchone()[0]
    assert dropped == "inactive"
    assert sorted(await diffed_texts(client, second)) == sorted([
        "user_id,login_id,full_name,status\nu2,u2,Benjamin,active\n",
        "course_id,short_name,long_name,status\n",
        "course_id,user_id,role,status\nc1,u2,student,inactive\n",
    ])

    users3 = "user_id,login_id,full_name,status\nu1,u1,Ann,active\nu2,u2,Benjamin,active\n"
    third = await wait_for_import(client, (await create_sis_import(
        client, upload(users3, enrollments2), "sync.zip", **params))["id"])
    assert third["data"]["diffed_against_sis_batch_id"] == second["id"]
    counts = {k: v for k, v in third["data"]["counts"].items() if v}
    assert counts == {"users": 1}
    state = database.execute("SELECT workflow_state FROM pseudonyms WHERE sis_user_id = 'u3'")
    assert state.fetchone()[0] == "deleted"
    untouched = database.execute("SELECT sis_batch_id FROM pseudonyms WHERE sis_user_id = 'u1'")
    assert untouched.fetchone()[0] == first["id"]  # never sent again after the first import


def test_whitespace_and_quoting_alone_are_no_change_and_multiline_values_are_compared(tmp_path: Path) -> None:
    """Ours: rows are compared by their stripped values, as CsvDiff compares parsed fields — a
    row re-sent with other spacing or quoting is unchanged — and a quoted value spanning lines
    is one record (such files are compared record by record)."""
    header = "user_id,login_id,full_name,status\n"
    previous = inspected(tmp_path / "p", "user", "users.csv",
                         header + 'u1,alice,Alice,active\nu2,bob,"Bob, Jr.",active\nu3,cy,Cy,active\n')
    current = inspected(tmp_path, "user", "users.csv",
                        header + ' u1 , alice,"Alice" ,active\nu2,bob,"Bob, Jr.",active\n'
                        'u4,dee,Dee,active\n')
    diffed = diff_csv(IDENTIFYING_FIELDS["user"], previous, current, "deleted", tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_text() == header + "u4,dee,Dee,active\nu3,cy,Cy,deleted\n"
    assert diffed.row_count == 2

    previous = inspected(tmp_path / "q", "user", "users.csv",
                         header + 'u1,alice,"Alice\nSmith",active\nu2,bob,Bob,active\n')
    current = inspected(tmp_path / "r", "user", "users.csv",
                        header + 'u1,alice,"Alice\nSmith",active\nu2,bob,Robert,active\n')
    diff_csv(IDENTIFYING_FIELDS["user"], previous, current, "deleted", tmp_path / "b.csv")
    assert (tmp_path / "b.csv").read_text() == header + "u2,bob,Robert,active\n"


def test_a_key_the_baseline_lists_twice_is_compared_with_its_last_row(tmp_path: Path) -> None:
    """CsvDiff keeps the last row of a key ("insert or replace"): a baseline listing u1 twice is
    compared through its last row, so a current file with only u1's first row changes u1 (and
    does not drop it), while one with only u1's last row leaves it alone."""
    header = "user_id,login_id,full_name,status\n"
    previous = inspected(tmp_path / "p", "user", "users.csv",
                         header + "u1,alice,Alice,active\nu2,bob,Bob,active\nu1,alice,Alicia,active\n")
    current = inspected(tmp_path, "user", "users.csv", header + "u1,alice,Alice,active\n")
    diff_csv(IDENTIFYING_FIELDS["user"], previous, current, "deleted", tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_text() == header + "u1,alice,Alice,active\nu2,bob,Bob,deleted\n"

    current = inspected(tmp_path / "c", "user", "users.csv", header + "u1,alice,Alicia,active\n")
    diff_csv(IDENTIFYING_FIELDS["user"], previous, current, "deleted", tmp_path / "b.csv")
    assert (tmp_path / "b.csv").read_text() == header + "u2,bob,Bob,deleted\n"
