"""Row-level rules (sections 12.2-12.6): a failing row is skipped with Canvas's exact message."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.outcomes.support import HEADERS, count, csv_text, group, groups, outcomes, row, run_import

METHODS = ('["decaying_average", "weighted_average", "standard_decaying_average", "n_mastery",'
           ' "highest", "latest", "average"]')


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        ([HEADERS + ["ratings"], row(vendor_guid="a") + ["1", "Sad Trombone", "", "Zesty Trombone"]],
         [(2, "Points for rating tier 2 not present")]),
        ([HEADERS + ["ratings"],
          row(vendor_guid="a") + ["1", "Sad Trombone", "bwaaaaaa bwa bwaaaaa", "Zesty Trombone"]],
         [(2, 'Invalid value for rating tier 2 threshold: "bwaaaaaa bwa bwaaaaa"')]),
        ([HEADERS + ["ratings"], row(vendor_guid="a") + ["1", "Sad Trombone", "2", "Zesty Trombone"]],
         [(2, "Points for tier 2 must be less than points for prior tier (2.0 is greater than 1.0)")]),
        ([HEADERS, group(vendor_guid="a", object_type="giraffe")],
         [(2, 'Invalid object_type: "giraffe"')]),
        ([HEADERS, group(vendor_guid="a"), row(vendor_guid="child", parent_guids="a b c")],
         [(3, 'Parent references not found prior to this row: ["b", "c"]')]),
        ([HEADERS, group(vendor_guid="a", title="")], [(2, 'The "title" field is required')]),
        ([HEADERS, row(vendor_guid="", title="")], [(2, 'The "vendor_guid" field is required')]),
        ([HEADERS, row(vendor_guid="look some spaces")],
         [(2, 'The "vendor_guid" field must have no spaces')]),
        ([HEADERS, row(vendor_guid="a", workflow_state="limbo"),
          group(vendor_guid="b", workflow_state="limbo")],
         [(2, '"workflow_state" must be either "active" or "deleted"'),
          (3, '"workflow_state" must be either "active" or "deleted"')]),
        ([HEADERS, row(vendor_guid="a", calculation_method="goofy")],
         [(2, f"Calculation method calculation_method must be one of the following: {METHODS}")]),
        ([HEADERS, row(vendor_guid="long-" * 200)],
         [(2, "Vendor guid is too long (maximum is 255 characters)")]),
        ([HEADERS + ["ratings"],
          group(vendor_guid="a", calculation_method="n_mastery", calculation_int="5")
          + ["1", "Sad Trombone"]],
         [(2, 'Invalid fields for a group: ["calculation_method", "calculation_int", "ratings"]')]),
        ([HEADERS + ["course_id"], row(HEADERS + ["course_id"], vendor_guid="a", course_id="1")],
         [(2, 'Invalid fields for an outcome: ["course_id"]')]),
        ([HEADERS + ["mastery_points"], row(HEADERS + ["mastery_points"], vendor_guid="a",
                                            mastery_points="x")],
         [(2, 'Invalid value for mastery points: "x"')]),
        ([HEADERS + ["friendly_description"],
          row(HEADERS + ["friendly_description"], vendor_guid="a", friendly_description="f" * 256)],
         [(2, "Friendly description is too long (maximum is 255 characters)")]),
        ([HEADERS, group(vendor_guid="a"), group(vendor_guid="a")],
         [(3, 'Group "a" has already appeared in this import')]),
        ([HEADERS, row(vendor_guid="a"), row(vendor_guid="a")],
         [(3, 'Outcome "a" has already appeared in this import')]),
        ([HEADERS, group(vendor_guid="a"), group(vendor_guid="b"), group(vendor_guid="c", parent_guids="a b")],
         [(4, "An outcome group can only have one parent")]),
        # A parent must be a group that appeared earlier in this same file.
        ([HEADERS, row(vendor_guid="o", parent_guids="later"), group(vendor_guid="later")],
         [(2, 'Parent references not found prior to this row: ["later"]')]),
        ([HEADERS, row(vendor_guid="o1"), row(vendor_guid="o2", parent_guids="o1")],
         [(3, 'Parent references not found prior to this row: ["o1"]')]),
        # The reserved prefixes quote the (usually empty) canvas_id column, as Canvas does.
        ([HEADERS, row(vendor_guid="canvas_outcome:999")],
         [(2, 'Outcome with canvas id "" not found')]),
        ([HEADERS, group(vendor_guid="canvas_outcome_group:999")],
         [(2, "Outcome group with canvas id  not found")]),
        # Model validations: one error per failed validation, in declaration order.
        ([HEADERS + ["display_name"],
          row(HEADERS + ["display_name"], vendor_guid="a", title="t" * 256, display_name="d" * 256,
              calculation_method="n_mastery", calculation_int="11")],
         [(2, "Short description is too long (maximum is 255 characters)"),
          (2, "Display name is too long (maximum is 255 characters)"),
          (2, "Calculation int '11' is not a valid value for this calculation method."
              " The value must be between '1' and '10'")]),
        ([HEADERS, group(vendor_guid="a", title="t" * 256)],
         [(2, "Title is too long (maximum is 255 characters)")]),
    ],
)
def test_row_errors(outcomes_db: sqlite3.Connection, tmp_path: Path, rows: list[list[str]],
                    errors: list[tuple[int, str]]) -> None:
    result = run_import(outcomes_db, tmp_path, rows)
    assert (result.failure, result.errors) == (None, errors)


def test_invalid_utf8_is_a_row_error_and_other_rows_import(outcomes_db: sqlite3.Connection,
                                                           tmp_path: Path) -> None:
    content = (csv_text([HEADERS]).encode()
               + b"evil \xff utf-8,a,outcome,,highest,,\n"
               + b"title,guid\xfe,outcome,,highest,,\n"
               + csv_text([row(vendor_guid="b", title="søren 作戰")]).encode())
    result = run_import(outcomes_db, tmp_path, content)
    assert result.errors == [(2, 'Not a valid utf-8 string: "evil \\xFF utf-8"'),
                             (3, 'Not a valid utf-8 string: "guid\\xFE"')]
    assert list(outcomes(outcomes_db)) == ["b"]
    assert outcomes(outcomes_db)["b"]["title"] == "søren 作戰"


def test_checks_run_in_canvas_order(outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    # Ratings, then mastery points, then the friendly description, then check_object.
    headers = HEADERS + ["mastery_points", "friendly_description", "ratings"]
    rows = [headers,
            row(headers, vendor_guid="", mastery_points="x", friendly_description="f" * 300)
            + ["x"],
            row(headers, vendor_guid="", mastery_points="x", friendly_description="f" * 300),
            row(headers, vendor_guid="", friendly_description="f" * 300),
            row(headers, vendor_guid="", title="")]
    assert run_import(outcomes_db, tmp_path, rows).errors == [
        (2, 'Invalid value for rating tier 1 threshold: "x"'),
        (3, 'Invalid value for mastery points: "x"'),
        (4, "Friendly description is too long (maximum is 255 characters)"),
        (5, 'The "vendor_guid" field is required'),
    ]


def test_blank_rows_are_skipped_silently(outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    content = csv_text([HEADERS, row(vendor_guid="a")]) + "\n,,,  ,,,\n" + csv_text([row(vendor_guid="b")])
    result = run_import(outcomes_db, tmp_path, content)
    assert (result.failure, result.errors) == (None, [])
    assert sorted(outcomes(outcomes_db)) == ["a", "b"]


def test_failing_rows_leave_nothing_behind(outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    rows = [HEADERS, group(vendor_guid="g", title=""), row(vendor_guid="o", calculation_int="3")]
    result = run_import(outcomes_db, tmp_path, rows)
    assert [line for line, _ in result.errors] == [2, 3]
    assert count(outcomes_db, "learning_outcomes") == 0
    assert list(groups(outcomes_db)) == [None]  # only the root group was created


def test_extra_cells_without_a_ratings_header_are_ratings(outcomes_db: sqlite3.Connection,
                                                          tmp_path: Path) -> None:
    # Canvas reads ``row[headers.length..]`` as ratings whether or not the header says so.
    rows = [HEADERS, row(vendor_guid="a") + ["4", "Great"], group(vendor_guid="g") + ["4"]]
    assert run_import(outcomes_db, tmp_path, rows).errors == [
        (3, 'Invalid fields for a group: ["ratings"]')]
    assert outcomes(outcomes_db)["a"]["points_possible"] == 4.0


def test_short_rows_read_missing_cells_as_empty(outcomes_db: sqlite3.Connection,
                                                tmp_path: Path) -> None:
    result = run_import(outcomes_db, tmp_path, "vendor_guid,title,object_type,description\ng,G,group\n")
    assert (result.failure, result.errors) == (None, [])
    assert groups(outcomes_db)["g"]["description"] == ""
