"""File-level rules of the outcomes CSV (section 12.1): every failure message, verbatim."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from service.outcomes.reader import OutcomesCsv, OutcomesFileError, scan_file
from service.outcomes.ruby import float_to_s, inspect_string, strict_float, to_i
from tests.outcomes.support import HEADERS, count, csv_text, group, groups, row, run_import


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "File has no data"),
        (csv_text([HEADERS + ["ratings"]]), "File has no outcomes data"),
        (csv_text([["parent_guids", "ratings"]]),
         'Missing required fields: ["title", "vendor_guid", "object_type"]'),
        (csv_text([["title", "object_type", "x"], ["t", "group", ""]]),
         'Missing required fields: ["vendor_guid"]'),
        (csv_text([["parent_guids", "ratings", "vendor_guid", "", "blagh", ""]]),
         'Invalid fields after ratings: ["vendor_guid", "blagh"]'),
        (csv_text([["vendor_guid", "title", "object_type", "spanish_inquisition", "parent_guids",
                    "ratings"]]),
         'Invalid fields: ["spanish_inquisition"]'),
        # Headers are used as written: neither lower-cased nor trimmed.
        (csv_text([["vendor_guid", "Title", "object_type", " title"]]),
         'Missing required fields: ["title"]'),
        (csv_text([["vendor_guid", "title", "object_type", " title"], row(vendor_guid="a")]),
         'Invalid fields: [" title"]'),
        # Canvas's spec writes a file with the separator ":(" : Ruby's CSV writer quotes the empty
        # cells, and a quote inside an unquoted field is malformed.
        (":(".join(["title", "vendor_guid", "object_type"]) + "\n" + 'title:(1:(group:("":(""\n',
         "Invalid CSV File"),
        ('vendor_guid,title,object_type\n"a,b,group\n', "Invalid CSV File"),
        ('vendor_guid,title,object_type\n"a"x,b,group\n', "Invalid CSV File"),
    ],
)
def test_file_level_failures(outcomes_db: sqlite3.Connection, tmp_path: Path,
                             content: str | bytes, message: str) -> None:
    result = run_import(outcomes_db, tmp_path, content)
    assert (result.failure, result.errors) == (message, [])
    assert count(outcomes_db, "learning_outcome_groups") == 0


def test_byte_order_mark_and_semicolons(outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    rows = [HEADERS] + [group(vendor_guid=str(n), title=f"G{n}") for n in (1, 2, 3)]
    result = run_import(outcomes_db, tmp_path, b"\xef\xbb\xbf" + csv_text(rows, ";").encode())
    assert (result.failure, result.errors) == (None, [])
    # The three groups and the account's root group, as in Canvas's spec.
    assert sorted(g for g in groups(outcomes_db) if g) == ["1", "2", "3"]
    assert count(outcomes_db, "learning_outcome_groups") == 4


def test_more_commas_than_semicolons_keeps_commas(outcomes_db: sqlite3.Connection,
                                                  tmp_path: Path) -> None:
    rows = [HEADERS, group(vendor_guid="a", title="one; two; three")]
    assert run_import(outcomes_db, tmp_path, rows).errors == []
    assert groups(outcomes_db)["a"]["title"] == "one; two; three"


def test_quoted_cells_may_hold_delimiters_quotes_and_newlines(outcomes_db: sqlite3.Connection,
                                                              tmp_path: Path) -> None:
    content = ('vendor_guid,title,object_type,description\n'
               'a,"A, ""quoted""",group,"two\nlines"\n')
    assert run_import(outcomes_db, tmp_path, content).errors == []
    stored = groups(outcomes_db)["a"]
    assert (stored["title"], stored["description"]) == ('A, "quoted"', "two\nlines")


def test_records_come_in_slices_that_count_the_header(tmp_path: Path) -> None:
    path = tmp_path / "three.csv"
    path.write_text(csv_text([HEADERS] + [group(vendor_guid=str(n)) for n in (1, 2, 3)]))
    with OutcomesCsv(path, batch_rows=2) as outcomes_csv:
        slices = [[record.line for record in rows] for rows in outcomes_csv.batches()]
        assert outcomes_csv.total_lines == 4
    # Canvas's each_slice(BATCH_SIZE) over the records including the header.
    assert slices == [[2], [3, 4]]


def test_progress_is_the_last_line_of_each_slice_over_the_file_lines(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    rows = [HEADERS] + [group(vendor_guid=str(n)) for n in (1, 2, 3)]
    # Canvas's spec: BATCH_SIZE 2 and three rows report 0, 50, 100 (then 100 at the end).
    assert run_import(outcomes_db, tmp_path, rows, batch_rows=2).progress == [50, 100]


def test_a_malformed_record_fails_its_slice_after_earlier_slices_were_imported(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    content = csv_text([HEADERS, group(vendor_guid="a"), group(vendor_guid="b")])
    content += 'c,title,"group\n'
    result = run_import(outcomes_db, tmp_path, content, batch_rows=3)
    assert result.failure == "Invalid CSV File"
    assert sorted(g for g in groups(outcomes_db) if g) == ["a", "b"]


def test_line_count_is_rubys_each_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(b"a\nb\r\nc")
    assert scan_file(path) == (3, True, False)
    path.write_bytes(b"a\n\xff\n")
    assert scan_file(path) == (2, False, False)


def test_a_file_of_only_a_byte_order_mark_imports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf")
    with OutcomesCsv(path) as outcomes_csv:
        assert outcomes_csv.header is None
        assert list(outcomes_csv.batches()) == []


def test_open_failure_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("title\n")
    with pytest.raises(OutcomesFileError) as raised:
        OutcomesCsv(path)
    assert raised.value.message == 'Missing required fields: ["vendor_guid", "object_type"]'


@pytest.mark.parametrize(
    ("text", "inspected"),
    [
        ("evil \udcff utf-8", '"evil \\xFF utf-8"'),
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
        ("tab\there\n#{x} #$y #z", '"tab\\there\\n\\#{x} \\#$y #z"'),
        ("søren 作戰\x01\x7f", '"søren 作戰\\u0001\\u007F"'),
    ],
)
def test_ruby_inspect(text: str, inspected: str) -> None:
    assert inspect_string(text) == inspected


@pytest.mark.parametrize(
    ("value", "shown"),
    [(2.0, "2.0"), (0.1, "0.1"), (1234.5678, "1234.5678"), (1e20, "1.0e+20"),
     (1.5e-05, "1.5e-05"), (float("inf"), "Infinity")],
)
def test_ruby_float_to_s(value: float, shown: str) -> None:
    assert float_to_s(value) == shown


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3.0), (" 1234.5678 ", 1234.5678), ("-2.5e3", -2500.0), ("1_000", 1000.0),
     (".5", 0.5), ("0x1A", 26.0), ("5.", None), ("1e", None), ("nan", None), ("inf", None),
     ("1__0", None), ("", None), ("x", None)],
)
def test_ruby_strict_float(text: str, value: float | None) -> None:
    assert strict_float(text) == value


@pytest.mark.parametrize(("text", "value"), [("12", 12), (" 7 ", 7), ("12abc", 12),
                                             ("abc", 0), ("-3", -3), ("1_0", 10)])
def test_ruby_to_i(text: str, value: int) -> None:
    assert to_i(text) == value
