"""What an outcomes import writes: groups, outcomes, links, rubrics, and how re-imports behave."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable

import orjson
import pytest

from service.outcomes.importer import OutcomeGroupNotFound
from service.store.outcome_imports import created_group_ids
from tests.outcomes.support import (
    HEADERS, active_parents, count, group, groups, outcomes, row, run_import,
)

FULL = ["vendor_guid", "object_type", "title", "description", "display_name", "calculation_method",
        "calculation_int", "mastery_points", "parent_guids", "workflow_state", "ratings"]
NESTED = [
    FULL,
    ["a", "group", "A", "AAA", "", "", "", "", "", "", ""],
    ["b", "group", "B", "BBB", "", "", "", "", "a", "", ""],
    ["c", "group", "C", "CCC", "", "", "", "", "b", "", ""],
    ["o1", "outcome", "O1", "first", "here", "decaying_average", "40", "", "a c", "",
     "3", "Betterest", "2", "Better", "1", "Good"],
    ["o2", "outcome", "O2", "", "", "n_mastery", "", "2.5", "c", "", "4", "", "0", "Nope"],
    ["o3", "outcome", "O3", "", "", "", "", "", "", "", ""],
]


def test_nested_groups_and_outcomes(outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    result = run_import(outcomes_db, tmp_path, NESTED)
    assert (result.failure, result.errors) == (None, [])

    by_guid = groups(outcomes_db)
    root = by_guid[None]
    assert (root["title"], root["parent_group_id"], root["context_type"], root["context_id"]) == (
        "Default Account", None, "Account", 1)
    assert by_guid["a"]["parent_group_id"] == root["id"]
    assert by_guid["b"]["parent_group_id"] == by_guid["a"]["id"]
    assert by_guid["c"]["parent_group_id"] == by_guid["b"]["id"]
    assert (by_guid["b"]["title"], by_guid["b"]["description"]) == ("B", "BBB")
    assert {g["outcome_import_id"] for g in (by_guid["a"], by_guid["b"], by_guid["c"])} == {
        result.import_id}
    assert root["outcome_import_id"] is None

    stored = outcomes(outcomes_db)
    o1 = stored["o1"]
    assert (o1["title"], o1["description"], o1["display_name"], o1["calculation_method"],
            o1["calculation_int"], o1["context_type"], o1["context_id"], o1["workflow_state"]) == (
        "O1", "first", "here", "decaying_average", 40, "Account", 1, "active")
    assert orjson.loads(o1["ratings"]) == [
        {"description": "Betterest", "points": 3.0}, {"description": "Better", "points": 2.0},
        {"description": "Good", "points": 1.0}]
    assert (o1["mastery_points"], o1["points_possible"]) == (3.0, 3.0)  # mastery: the top tier
    o2 = stored["o2"]
    assert (o2["calculation_method"], o2["calculation_int"]) == ("n_mastery", 5)
    assert orjson.loads(o2["ratings"]) == [
        {"description": "No Comment", "points": 4.0}, {"description": "Nope", "points": 0.0}]
    assert (o2["mastery_points"], o2["points_possible"]) == (2.5, 4.0)
    o3 = stored["o3"]
    # No ratings: Canvas's default rubric; no method: decaying_average with its default 65.
    assert (o3["calculation_method"], o3["calculation_int"], o3["mastery_points"],
            o3["points_possible"]) == ("decaying_average", 65, 3.0, 5.0)
    assert [r["points"] for r in orjson.loads(o3["ratings"])] == [5.0, 3.0, 0.0]

    assert active_parents(outcomes_db, "o1") == ["a", "c"]
    assert active_parents(outcomes_db, "o2") == ["c"]
    assert active_parents(outcomes_db, "o3") == [None]  # the root group
    assert created_group_ids(outcomes_db, result.import_id) == [
        str(by_guid[guid]["id"]) for guid in ("a", "b", "c")]


def test_reimporting_the_same_file_updates_instead_of_duplicating(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    first = run_import(outcomes_db, tmp_path, NESTED)
    before = (count(outcomes_db, "learning_outcome_groups"), count(outcomes_db, "learning_outcomes"),
              count(outcomes_db, "learning_outcome_links"))
    ids_before = {guid: g["id"] for guid, g in groups(outcomes_db).items()}

    second = run_import(outcomes_db, tmp_path, NESTED)
    assert (second.failure, second.errors) == (None, [])
    assert (count(outcomes_db, "learning_outcome_groups"), count(outcomes_db, "learning_outcomes"),
            count(outcomes_db, "learning_outcome_links")) == before
    assert {guid: g["id"] for guid, g in groups(outcomes_db).items()} == ids_before
    # The groups are re-stamped: created_group_ids of both imports name what each one touched.
    assert created_group_ids(outcomes_db, second.import_id) == [
        str(ids_before[guid]) for guid in ("a", "b", "c")]
    assert created_group_ids(outcomes_db, first.import_id) == []
    assert {o["outcome_import_id"] for o in outcomes(outcomes_db).values()} == {second.import_id}


def test_reimport_moves_an_outcome_and_updates_its_fields(outcomes_db: sqlite3.Connection,
                                                          tmp_path: Path) -> None:
    headers = HEADERS + ["description"]
    run_import(outcomes_db, tmp_path, [
        headers, group(headers, vendor_guid="a"), group(headers, vendor_guid="b"),
        row(headers, vendor_guid="o", parent_guids="a", description="old", calculation_method="")])
    result = run_import(outcomes_db, tmp_path, [
        headers, group(headers, vendor_guid="a"), group(headers, vendor_guid="b"),
        row(headers, vendor_guid="o", title="New", parent_guids="b", calculation_method="latest")])
    assert result.errors == []
    assert active_parents(outcomes_db, "o") == ["b"]
    stored = outcomes(outcomes_db)["o"]
    # A blank description over a stored one clears it (Canvas's infer_nil_value); the method
    # change to "latest" drops the int.
    assert (stored["title"], stored["description"], stored["calculation_method"],
            stored["calculation_int"]) == ("New", None, "latest", None)
    links = outcomes_db.execute("SELECT workflow_state FROM learning_outcome_links"
                                " ORDER BY id").fetchall()
    assert [link[0] for link in links] == ["deleted", "active"]


def test_deleting_a_group_deletes_its_subtree_and_orphaned_outcomes(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    run_import(outcomes_db, tmp_path, NESTED)
    rows = [FULL, ["a", "group", "A", "", "", "", "", "", "", "", ""],
            ["b", "group", "B", "", "", "", "", "", "a", "deleted", ""]]
    result = run_import(outcomes_db, tmp_path, rows)
    assert result.errors == []
    state = {guid: g["workflow_state"] for guid, g in groups(outcomes_db).items()}
    assert state == {None: "active", "a": "active", "b": "deleted", "c": "deleted"}
    stored = {guid: o["workflow_state"] for guid, o in outcomes(outcomes_db).items()}
    # o2 lived only in c; o1 keeps its link in a.
    assert stored == {"o1": "active", "o2": "deleted", "o3": "active"}
    assert active_parents(outcomes_db, "o1") == ["a"]
    assert active_parents(outcomes_db, "o2") == []
    # A deleted group counts among created_group_ids; the cascaded child is not stamped.
    assert created_group_ids(outcomes_db, result.import_id) == [
        str(groups(outcomes_db)[guid]["id"]) for guid in ("a", "b")]


def test_deleting_a_group_later_in_the_batch_sees_the_batchs_own_outcomes(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    rows = [HEADERS, group(vendor_guid="g"), row(vendor_guid="o", parent_guids="g"),
            group(vendor_guid="h", workflow_state="deleted"), row(vendor_guid="p")]
    run_import(outcomes_db, tmp_path, rows)
    result = run_import(outcomes_db, tmp_path, [
        HEADERS, row(vendor_guid="q", parent_guids=""), group(vendor_guid="g", workflow_state="deleted"),
        row(vendor_guid="r")])
    assert result.errors == []
    stored = {guid: o["workflow_state"] for guid, o in outcomes(outcomes_db).items()}
    assert stored == {"o": "deleted", "p": "active", "q": "active", "r": "active"}


def test_deleting_an_outcome_unlinks_and_destroys_it_and_active_restores_it(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    run_import(outcomes_db, tmp_path, NESTED)
    run_import(outcomes_db, tmp_path, [HEADERS, row(vendor_guid="o1", workflow_state="deleted")])
    assert outcomes(outcomes_db)["o1"]["workflow_state"] == "deleted"
    assert active_parents(outcomes_db, "o1") == []

    result = run_import(outcomes_db, tmp_path, [HEADERS, group(vendor_guid="a"),
                                                row(vendor_guid="o1", parent_guids="a")])
    assert result.errors == []
    assert outcomes(outcomes_db)["o1"]["workflow_state"] == "active"
    assert active_parents(outcomes_db, "o1") == ["a"]
    # The old link to a was re-activated rather than duplicated.
    assert count(outcomes_db, "learning_outcome_links") == 4


@pytest.mark.parametrize(
    ("method", "given", "stored", "errors"),
    [
        ("", "", ("decaying_average", 65), []),
        ("decaying_average", "99", ("decaying_average", 99), []),
        ("decaying_average", "100", None,
         ["Calculation int '100' is not a valid value for this calculation method."
          " The value must be between '1' and '99'"]),
        ("weighted_average", "1", ("weighted_average", 1), []),
        ("standard_decaying_average", "", ("standard_decaying_average", 65), []),
        ("standard_decaying_average", "49", None,
         ["Calculation int '49' is not a valid value for this calculation method."
          " The value must be between '50' and '99'"]),
        ("n_mastery", "", ("n_mastery", 5), []),
        ("n_mastery", "10", ("n_mastery", 10), []),
        ("n_mastery", "0", None,
         ["Calculation int '0' is not a valid value for this calculation method."
          " The value must be between '1' and '10'"]),
        ("highest", "", ("highest", None), []),
        ("latest", "", ("latest", None), []),
        ("average", "", ("average", None), []),
        ("average", "3", None,
         ["Calculation int A calculation value is not used with this calculation method"]),
        ("highest", "2", None,
         ["Calculation int A calculation value is not used with this calculation method"]),
    ],
)
def test_calculation_methods(outcomes_db: sqlite3.Connection, tmp_path: Path, method: str,
                             given: str, stored: tuple[str, int | None] | None,
                             errors: list[str]) -> None:
    result = run_import(outcomes_db, tmp_path, [
        HEADERS, row(vendor_guid="o", calculation_method=method, calculation_int=given)])
    assert result.errors == [(2, message) for message in errors]
    found = outcomes(outcomes_db).get("o")
    assert (found["calculation_method"], found["calculation_int"]) == stored if stored else found is None


def test_changing_the_method_of_an_existing_outcome_takes_the_new_default_int(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    run_import(outcomes_db, tmp_path, [HEADERS, row(vendor_guid="o", calculation_method="decaying_average",
                                                    calculation_int="80")])
    # Canvas's adjust_calculation_int: highest and latest always drop the int.
    assert run_import(outcomes_db, tmp_path, [
        HEADERS, row(vendor_guid="o", calculation_method="highest", calculation_int="80")]).errors == []
    assert outcomes(outcomes_db)["o"]["calculation_int"] is None
    assert run_import(outcomes_db, tmp_path, [
        HEADERS, row(vendor_guid="o", calculation_method="n_mastery", calculation_int="7")]).errors == []
    assert outcomes(outcomes_db)["o"]["calculation_int"] == 7


def test_target_group_receives_items_without_parents(outcomes_db: sqlite3.Connection,
                                                     tmp_path: Path) -> None:
    run_import(outcomes_db, tmp_path, [HEADERS, group(vendor_guid="target")])
    target_id = groups(outcomes_db)["target"]["id"]
    result = run_import(outcomes_db, tmp_path, [
        HEADERS, group(vendor_guid="g"), row(vendor_guid="o"), row(vendor_guid="p", parent_guids="g")],
        group_id=target_id)
    assert result.errors == []
    assert groups(outcomes_db)["g"]["parent_group_id"] == target_id
    assert active_parents(outcomes_db, "o") == ["target"]
    assert active_parents(outcomes_db, "p") == ["g"]


def test_moving_an_ancestor_of_the_target_group_under_it_is_a_cycle(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    run_import(outcomes_db, tmp_path, NESTED)
    c_id = groups(outcomes_db)["c"]["id"]
    result = run_import(outcomes_db, tmp_path, [HEADERS, group(vendor_guid="a"), group(vendor_guid="c"),
                                                group(vendor_guid="new")], group_id=c_id)
    assert result.errors == [(2, "Cyclic reference detected when importing: a"),
                             (3, "Cyclic reference detected when importing: c")]
    assert groups(outcomes_db)["new"]["parent_group_id"] == c_id


def test_an_unknown_target_group_fails_the_import_unexpectedly(outcomes_db: sqlite3.Connection,
                                                               tmp_path: Path) -> None:
    with pytest.raises(OutcomeGroupNotFound, match="Couldn't find LearningOutcomeGroup with 'id'=999"):
        run_import(outcomes_db, tmp_path, [HEADERS, group(vendor_guid="g")], group_id=999)
    assert count(outcomes_db, "learning_outcome_groups") == 0  # the batch was rolled back


def test_groups_placed_in_courses_with_course_id(outcomes_db: sqlite3.Connection, tmp_path: Path,
                                                 add_account: Callable[..., int],
                                                 add_course: Callable[..., int]) -> None:
    sub = add_account("Sub")
    inside = add_course("Biology", sub)
    elsewhere_account = add_account("Elsewhere")
    elsewhere = add_course("Chemistry", elsewhere_account)
    headers = HEADERS + ["course_id"]
    result = run_import(outcomes_db, tmp_path, [
        headers,
        group(headers, vendor_guid="cg", course_id=str(inside)),
        group(headers, vendor_guid="x", course_id="424242"),
        row(headers, vendor_guid="o", parent_guids="cg"),
    ], context=("Account", sub))
    assert result.errors == [(3, "Course with canvas id 424242 not found")]
    course_group = groups(outcomes_db)["cg"]
    assert (course_group["context_type"], course_group["context_id"]) == ("Course", inside)
    course_root = outcomes_db.execute(
        "SELECT title FROM learning_outcome_groups WHERE id = ?",
        (course_group["parent_group_id"],)).fetchone()
    assert course_root["title"] == "Biology"
    # With a course_id column, an outcome may be linked to a group of another context.
    assert active_parents(outcomes_db, "o") == ["cg"]

    refused = run_import(outcomes_db, tmp_path, [
        headers, group(headers, vendor_guid="y", course_id=str(elsewhere))], context=("Account", sub))
    assert refused.errors == [(2, f"Target course {elsewhere} is not a child of current account (Sub)")]
    in_course = run_import(outcomes_db, tmp_path, [
        headers, group(headers, vendor_guid="z", course_id=str(inside))], context=("Course", inside))
    assert in_course.errors == [(2, "Cannot import to other courses")]


def test_course_import_reuses_account_outcomes_it_does_not_change(
        outcomes_db: sqlite3.Connection, tmp_path: Path, add_account: Callable[..., int],
        add_course: Callable[..., int]) -> None:
    course = add_course("Biology")
    run_import(outcomes_db, tmp_path, [HEADERS, row(vendor_guid="shared", title="Shared")])
    result = run_import(outcomes_db, tmp_path, [
        HEADERS, group(vendor_guid="cg"), row(vendor_guid="shared", title="Shared", parent_guids="cg"),
        row(vendor_guid="shared2", title="Changed")], context=("Course", course))
    assert result.errors == []
    # Canvas's update_outcome_parents removes the unlisted links in the outcome's own context,
    # so linking the account's outcome into a course group takes it out of the account root.
    assert active_parents(outcomes_db, "shared") == ["cg"]
    assert outcomes(outcomes_db)["shared"]["context_type"] == "Account"

    changed = run_import(outcomes_db, tmp_path, [
        HEADERS, row(vendor_guid="shared", title="Renamed", calculation_method="latest")],
        context=("Course", course))
    assert changed.errors == [(2, 'Cannot modify outcome from another context:'
                                  ' ["short_description", "calculation_method"];'
                                  ' outcome must be modified in "Default Account"')]

    sibling = add_account("Sibling")
    unrelated = run_import(outcomes_db, tmp_path, [HEADERS, row(vendor_guid="shared2")],
                           context=("Account", sibling))
    assert unrelated.errors == [(2, "Outcome with ID shared2 already exists in another unrelated"
                                    " course or account (Biology)")]


def test_friendly_descriptions(outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    headers = HEADERS + ["friendly_description"]

    def friendly() -> list[tuple[str, str]]:
        return [tuple(r) for r in outcomes_db.execute(
            "SELECT description, workflow_state FROM outcome_friendly_descriptions")]

    run_import(outcomes_db, tmp_path, [headers, row(headers, vendor_guid="o", friendly_description="Kind")])
    assert friendly() == [("Kind", "active")]
    run_import(outcomes_db, tmp_path, [headers, row(headers, vendor_guid="o", friendly_description="Kinder")])
    assert friendly() == [("Kinder", "active")]
    run_import(outcomes_db, tmp_path, [headers, row(headers, vendor_guid="o")])
    assert friendly() == [("Kinder", "deleted")]


def test_an_unchanged_rubric_is_kept_and_mastery_alone_replaces_it(
        outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    headers = HEADERS + ["mastery_points", "ratings"]
    run_import(outcomes_db, tmp_path, [headers, row(headers, vendor_guid="o", mastery_points="3.14")
                                       + ["5.34", "awesome", "1.2", "adequate", "0", "nonexistant"]])
    stored = outcomes(outcomes_db)["o"]
    assert (stored["mastery_points"], stored["points_possible"]) == (3.14, 5.34)
    run_import(outcomes_db, tmp_path, [headers, row(headers, vendor_guid="o", mastery_points="1")])
    stored = outcomes(outcomes_db)["o"]
    # Canvas rebuilds the rubric from the row: mastery alone leaves no tiers.
    assert (stored["mastery_points"], stored["points_possible"], stored["ratings"]) == (1.0, 0.0, "[]")


def test_english_number_format(outcomes_db: sqlite3.Connection, tmp_path: Path) -> None:
    run_import(outcomes_db, tmp_path, [HEADERS + ["ratings"],
                                       row(vendor_guid="o") + [" 0012,34.5678 ", "english number"]])
    assert outcomes(outcomes_db)["o"]["points_possible"] == 1234.5678


@pytest.mark.parametrize("missing", ["canvas_id", "course_id", "description", "friendly_description",
                                     "display_name", "parent_guids", "calculation_method",
                                     "calculation_int", "mastery_points", "workflow_state"])
def test_optional_headers_are_optional(outcomes_db: sqlite3.Connection, tmp_path: Path,
                                       missing: str) -> None:
    headers = [h for h in HEADERS + ["description"] if h != missing]
    rows = [headers] + [group(headers, vendor_guid=str(n)) for n in (1, 2, 3)]
    rows.append(row(headers, vendor_guid="outcome"))
    result = run_import(outcomes_db, tmp_path, rows)
    assert (result.failure, result.errors) == (None, [])
    assert (count(outcomes_db, "learning_outcome_groups"), count(outcomes_db, "learning_outcomes")) == (4, 1)
