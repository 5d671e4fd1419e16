"""Canvas's ``spec/lib/outcomes/csv_importer_spec.rb``, one test per ``it``, through the server.

Canvas runs ``Outcomes::CsvImporter`` on a file and collects the row errors it yields; here the
same rows are imported through the Outcome Imports API and the errors are the import's
``processing_errors`` (the import ``succeeds`` with row errors, and ``fails`` with ``[1, message]``
for the file-level ``DataFormatError``s). The spec's fixture files (demo, scoring, no-ratings,
nor, nor-excel, chn) are rebuilt below as files of the same shape holding the values its
assertions check.
"""

from __future__ import annotations

import csv
import io

import pytest

from service.outcomes.reader import OPTIONAL_FIELDS
from service.outcomes.runner import progress_after
from tests.canvas_spec.outcomes.harness import (
    HEADERS, OutcomesSpec, csv_bytes, group_row, outcome_row,
)

SPEC = "spec/lib/outcomes/csv_importer_spec.rb"
FIXTURE_HEADERS = ["canvas_id", "vendor_guid", "object_type", "title", "description",
                   "display_name", "calculation_method", "calculation_int", "workflow_state",
                   "parent_guids", "ratings", "", "", "", "", "", "", ""]


def fixture(rows: list[list[str]], separator: str = ",", line_end: str = "\n",
            bom: bool = False) -> bytes:
    """A file shaped like the spec's fixtures: the long header, then ``rows``, padded."""
    width = len(FIXTURE_HEADERS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator=line_end)
    writer.writerow(FIXTURE_HEADERS)
    writer.writerows((row + [""] * width)[:max(width, len(row))] for row in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode()


DEMO = fixture([
    ["", "a", "group", "A", "AAA", "display", "", "", "active", ""],
    ["", "b", "group", "B", "BBB", "names", "", "", "active", "a"],
    ["", "c", "outcome", "C", "CCC", "here", "decaying_average", "40", "active", "a b",
     "3", "Betterest", "2", "Better", "1", "Good"],
])
SCORING = fixture([
    ["", "a", "group", "A", "AAA", "display", "", "", "active", ""],
    ["", "b", "group", "B", "BBB", "names", "", "", "active", "a"],
    ["", "c", "outcome", "C", "CCC", "here", "", "", "active", "a b",
     "3", "Betterest", "2", "Better", "1", "Good"],
    ["", "d", "outcome", "D", "DDD", "here", "highest", "", "active", "a", "2", "Good", "1"],
    ["", "e", "outcome", "E", "EEE", "here", "latest", "", "active", "a", "2", "Good", "1"],
    ["", "f", "outcome", "F", "FFF", "here", "decaying_average", "40", "active", "b",
     "2", "Good", "1"],
    ["", "g", "outcome", "G", "GGG", "here", "n_mastery", "3", "active", "b", "1"],
    ["", "h", "outcome", "H", "HHH", "here", "average", "", "active", "a", "2", "Good", "1"],
    ["", "i", "outcome", "I", "III", "here", "standard_decaying_average", "65", "active", "b",
     "2", "Good", "1"],
])
NO_RATINGS = fixture([
    ["", "a", "group", "A", "AAA", "display", "", "", "active", ""],
    ["", "c", "outcome", "C", "CCC", "here", "decaying_average", "40", "active", "a"],
])


def norwegian(separator: str = ",", line_end: str = "\n", bom: bool = False) -> bytes:
    """Groups and an outcome whose guids and texts are not ASCII (the spec's nor.csv)."""
    return fixture([
        ["", "a", "group", "Lykkelige Isak!", "Græs og Maskinen", "testing", "", "", "active", ""],
        ["", "søren", "group", "Sellanraa", "Brillerne; hans, ut av Lommen", "123", "", "",
         "active", "a"],
        ["", "c", "outcome", "Saa vil Farn kjøre igjen.", "Jaja, jeg slaar nu", "456",
         "decaying_average", "40", "active", "a søren", "3", "Betterest", "2", "Better", "1",
         "Good"],
    ], separator, line_end, bom)


# --- describe 'the csv importer' ---

async def test_can_import_the_demo_csv_file(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / can import the demo csv file"""
    await spec.ok(DEMO)
    # Canvas counts the account's root outcome group too.
    assert spec.count("learning_outcome_groups") == 3
    assert spec.count("learning_outcomes") == 1


async def test_imports_group_attributes_correctly(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / imports group attributes correctly"""
    await spec.ok(DEMO)
    group = spec.group("b")
    assert (group["title"], group["description"]) == ("B", "BBB")
    parent = spec.db.execute("SELECT vendor_guid FROM learning_outcome_groups WHERE id = ?",
                             (group["parent_group_id"],)).fetchone()[0]
    assert parent == "a"
    shown = await spec.get(f"/api/v1/accounts/1/outcome_groups/{group['id']}")
    assert (shown["title"], shown["description"], shown["vendor_guid"]) == ("B", "BBB", "b")
    assert shown["parent_outcome_group"]["id"] == spec.group("a")["id"]


async def test_imports_outcome_attributes_correctly(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / imports outcome attributes correctly"""
    await spec.ok(DEMO)
    outcome = await spec.outcome("c")
    assert (outcome["title"], outcome["description"], outcome["display_name"],
            outcome["calculation_method"], outcome["calculation_int"]) == (
        "C", "CCC", "here", "decaying_average", 40)
    for parent in ("a", "b"):
        assert spec.linked_outcome_guids(spec.group(parent)["id"]) == ["c"]


async def test_imports_ratings_correctly(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / imports ratings correctly"""
    await spec.ok(SCORING)
    ratings = sorted((await spec.outcome("c"))["ratings"], key=lambda r: r["points"])
    assert [r["points"] for r in ratings] == [1, 2, 3]
    assert [r["description"] for r in ratings] == ["Good", "Better", "Betterest"]
    for guid, length in (("d", 2), ("e", 2), ("f", 2), ("g", 1)):
        assert len((await spec.outcome(guid))["ratings"]) == length, guid


async def test_works_when_no_ratings_are_present(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / works when no ratings are present"""
    await spec.ok(NO_RATINGS)
    outcome = await spec.outcome("c")
    # Canvas: the outcome still has its data and a (default) rubric criterion.
    assert outcome["ratings"] and outcome["mastery_points"] is not None
    assert outcome["points_possible"] is not None


async def test_properly_sets_scoring_types(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / properly sets scoring types"""
    await spec.ok(SCORING)
    by_method: dict[str, list[int | None]] = {}
    for method, calculation_int in spec.db.execute(
            "SELECT calculation_method, calculation_int FROM learning_outcomes"):
        by_method.setdefault(method, []).append(calculation_int)
    # LearningOutcome::CALCULATION_METHODS (without the feature-flagged weighted_average).
    assert sorted(by_method) == sorted(["average", "decaying_average", "highest", "latest",
                                        "n_mastery", "standard_decaying_average"])
    assert 40 in by_method["decaying_average"]
    assert by_method["n_mastery"][0] == 3


async def test_can_import_a_utf_8_csv_file_with_non_ascii_characters(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / can import a utf-8 csv file with non-ascii characters"""
    await spec.ok(norwegian())
    assert len(spec.groups_with_guid("søren")) == 1


async def test_can_import_a_utf_8_csv_file_exported_from_excel(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / can import a utf-8 csv file exported from excel

    Excel writes semicolons between cells and a carriage return alone at the end of a line.
    """
    await spec.ok(norwegian(separator=";", line_end="\r"))
    assert len(spec.groups_with_guid("søren")) == 1
    assert spec.linked_outcome_guids(spec.group("søren")["id"]) == ["c"]


async def test_can_import_csv_files_with_chinese_characters(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / can import csv files with chinese characters"""
    await spec.ok(fixture([
        ["", "作戰", "group", "孫子兵法", "始計第一", "兵者", "", "", "active", ""],
        ["", "謀攻", "outcome", "謀攻第三", "知彼知己", "百戰", "highest", "", "active", "作戰",
         "2", "勝", "1", "敗"],
    ]))
    assert len(spec.groups_with_guid("作戰")) == 1


def test_reports_import_progress(outcomes_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """csv_importer_spec.rb: the csv importer / reports import progress

    Canvas stubs BATCH_SIZE to 2 and sees [0, 50, 100, 100]: 0 at the start, one figure per
    batch, and 100 once more at the end. Batches are internal, so this case drives the importer
    on a real SQLite file, as the spec drives Outcomes::CsvImporter. The figures are Canvas's;
    the server stores a batch's figure held at 99 until the import has ended (docs/decisions.md:
    ``progress`` 100 means finished), so a poller sees [0, 50, 99, 100].
    """
    from tests.outcomes.support import run_import  # the importer without HTTP

    content = csv_bytes([HEADERS] + [group_row(vendor_guid=str(ix)) for ix in (1, 2, 3)])
    result = run_import(outcomes_db, tmp_path, content.decode(), batch_rows=2)
    assert result.errors == [] and result.failure is None
    assert [0] + result.progress + [100] == [0, 50, 100, 100]
    assert [progress_after(line, 4) for line in (2, 4)] == [50, 99]


async def test_properly_sets_mastery_points(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / properly sets mastery_points"""
    await spec.ok([HEADERS + ["mastery_points", "ratings"],
                   outcome_row(vendor_guid="m") + ["3.14", "5.34", "awesome", "1.2", "adequate",
                                                   "0", "nonexistant"]])
    assert (await spec.outcome("m"))["mastery_points"] == 3.14


async def test_can_import_a_file_with_english_decimal_numbers(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / can import a file with english decimal numbers"""
    await spec.run([HEADERS + ["ratings"],
                    outcome_row(vendor_guid="en") + [" 0012,34.5678 ", "english number"]])
    assert (await spec.outcome("en"))["ratings"][0]["points"] == 1234.5678


async def test_automatically_detects_column_separator_from_header(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: the csv importer / automatically detects column separator from header"""
    rows = [HEADERS] + [group_row(vendor_guid=str(ix)) for ix in (1, 2, 3)]
    await spec.ok(csv_bytes(rows, separator=";"))
    assert spec.count("learning_outcome_groups") == 4


@pytest.mark.parametrize("field", OPTIONAL_FIELDS)
async def test_does_not_require_field(spec: OutcomesSpec, field: str) -> None:
    """csv_importer_spec.rb: the csv importer / with optional headers / does not require #{field}"""
    no_field = [name for name in HEADERS if name != field]
    rows = [no_field] + [group_row(no_field, vendor_guid=str(ix)) for ix in (1, 2, 3)]
    rows.append(outcome_row(no_field, vendor_guid="outcome"))
    await spec.ok(rows)
    assert spec.count("learning_outcome_groups") == 4
    assert spec.count("learning_outcomes") == 1


# --- describe 'throws user-friendly header errors' ---

async def test_when_the_csv_file_is_totally_malformed(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly header errors / when the csv file is totally malformed

    Ruby's writer with ``col_sep: ':('`` quotes the empty cells (``""``), which its reader
    then finds inside unquoted fields.
    """
    rows = [":(".join(HEADERS)] + [
        ":(".join(["title", str(ix), "group", '""', '""', '""', '""']) for ix in (1, 2, 3)]
    assert await spec.failure(("\n".join(rows) + "\n").encode()) == [[1, "Invalid CSV File"]]
    assert spec.count("learning_outcome_groups") == 0


async def test_when_the_file_is_empty(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly header errors / when the file is empty"""
    assert await spec.failure(b"") == [[1, "File has no data"]]


async def test_when_required_headers_are_missing(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly header errors / when required headers are missing"""
    assert await spec.failure([["parent_guids", "ratings"]]) == [
        [1, 'Missing required fields: ["title", "vendor_guid", "object_type"]']]


async def test_when_other_headers_are_after_the_ratings_header(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly header errors / when other headers are after the ratings header"""
    assert await spec.failure([["parent_guids", "ratings", "vendor_guid", "", "blagh", ""]]) == [
        [1, 'Invalid fields after ratings: ["vendor_guid", "blagh"]']]


async def test_when_invalid_headers_are_present(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly header errors / when invalid headers are present"""
    assert await spec.failure([["vendor_guid", "title", "object_type", "spanish_inquisition",
                                "parent_guids", "ratings"]]) == [
        [1, 'Invalid fields: ["spanish_inquisition"]']]


async def test_when_no_data_rows_are_present(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly header errors / when no data rows are present"""
    assert await spec.failure([HEADERS + ["ratings"]]) == [[1, "File has no outcomes data"]]


# --- describe 'throws user-friendly row errors' ---

async def test_if_rating_tiers_have_points_missing(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if rating tiers have points missing"""
    assert await spec.errors([HEADERS + ["ratings"],
                              outcome_row() + ["1", "Sad Trombone", "", "Zesty Trombone"]]) == [
        [2, "Points for rating tier 2 not present"]]


async def test_if_rating_tiers_have_invalid_points_values(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if rating tiers have invalid points values"""
    assert await spec.errors([HEADERS + ["ratings"], outcome_row() + [
        "1", "Sad Trombone", "bwaaaaaa bwa bwaaaaa", "Zesty Trombone"]]) == [
        [2, 'Invalid value for rating tier 2 threshold: "bwaaaaaa bwa bwaaaaa"']]


async def test_if_rating_tiers_have_points_in_wrong_order(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if rating tiers have points in wrong order"""
    assert await spec.errors([HEADERS + ["ratings"],
                              outcome_row() + ["1", "Sad Trombone", "2", "Zesty Trombone"]]) == [
        [2, "Points for tier 2 must be less than points for prior tier (2.0 is greater than 1.0)"]]


async def test_if_object_type_is_incorrect(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if object_type is incorrect"""
    assert await spec.errors([HEADERS, group_row(object_type="giraffe")]) == [
        [2, 'Invalid object_type: "giraffe"']]


async def test_if_parent_guids_refers_to_missing_outcomes(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if parent_guids refers to missing outcomes"""
    assert await spec.errors([HEADERS, group_row(vendor_guid="a"),
                              outcome_row(vendor_guid="child", parent_guids="a b c")]) == [
        [3, 'Parent references not found prior to this row: ["b", "c"]']]


async def test_if_required_fields_are_missing(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if required fields are missing"""
    assert await spec.errors([HEADERS, outcome_row(object_type="group", title="")]) == [
        [2, 'The "title" field is required']]
    assert await spec.errors([HEADERS, outcome_row(vendor_guid="")]) == [
        [2, 'The "vendor_guid" field is required']]


async def test_if_vendor_guid_is_invalid(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if vendor_guid is invalid"""
    assert await spec.errors([HEADERS, outcome_row(vendor_guid="look some spaces")]) == [
        [2, 'The "vendor_guid" field must have no spaces']]


async def test_if_workflow_state_is_invalid(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if workflow_state is invalid"""
    message = '"workflow_state" must be either "active" or "deleted"'
    assert await spec.errors([HEADERS, outcome_row(workflow_state="limbo"),
                              group_row(workflow_state="limbo")]) == [[2, message], [3, message]]


async def test_if_a_value_has_an_invalid_utf_8_byte_sequence(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if a value has an invalid utf-8 byte sequence"""
    content = csv_bytes([HEADERS, outcome_row(title="EVIL")]).replace(b"EVIL", b"evil \xff utf-8")
    assert await spec.errors(content) == [[2, 'Not a valid utf-8 string: "evil \\xFF utf-8"']]


async def test_if_a_validation_fails(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if a validation fails

    The spec names older Canvas's four methods; current Canvas's LearningOutcome validation
    lists every method of CALCULATION_METHODS, in its order, and so does this server.
    """
    assert await spec.errors([HEADERS, outcome_row(calculation_method="goofy")]) == [
        [2, 'Calculation method calculation_method must be one of the following: '
            '["decaying_average", "weighted_average", "standard_decaying_average", "n_mastery", '
            '"highest", "latest", "average"]']]


async def test_raises_a_line_error_when_vendor_guid_is_too_long(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / raises a line error when vendor_guid is too long"""
    assert await spec.errors([HEADERS, outcome_row(vendor_guid="long-" * 200)]) == [
        [2, "Vendor guid is too long (maximum is 255 characters)"]]


async def test_if_a_group_receives_invalid_fields(spec: OutcomesSpec) -> None:
    """csv_importer_spec.rb: throws user-friendly row errors / if a group receives invalid fields"""
    assert await spec.errors([HEADERS + ["ratings"], group_row(
        vendor_guid="a", calculation_method="n_mastery", calculation_int="5") + [
        "1", "Sad Trombone"]]) == [
        [2, 'Invalid fields for a group: ["calculation_method", "calculation_int", "ratings"]']]
