"""Canvas's ``spec/lib/outcomes/import_spec.rb``, one test per ``it``, through the server.

The spec calls ``Outcomes::Import#import_group`` / ``#import_outcome`` one object at a time; each
call of one ``TestImporter`` (until ``new_import``) belongs to one import. Here every such import
is one CSV through the Outcome Imports API: the spec's ``before`` rows (``parent1``, ``parent2``)
come first in the same file, and the objects its factories make (``existing_group``,
``existing_outcome``, ``other_context``, ``course``) are made by earlier imports: outcome imports,
an accounts.csv sub-account (unrelated to the root account's objects, as the spec's second
account is) and a courses.csv course. ``InvalidDataError``s are the import's row errors.
"""

from __future__ import annotations

import re
from typing import Any

from tests.canvas_spec.outcomes.harness import ROOT, Context, OutcomesSpec

SPEC = "spec/lib/outcomes/import_spec.rb"
COLUMNS = ["vendor_guid", "object_type", "title", "description", "display_name",
           "calculation_method", "calculation_int", "workflow_state", "parent_guids", "ratings"]
GROUP = {"title": "i'm a group", "description": "really i'm a group", "vendor_guid": "imagroup",
         "workflow_state": "active"}
OUTCOME = {"title": "i'm an outcome", "description": "really i'm an outcome",
           "display_name": "display an outcome", "vendor_guid": "imanoutcome",
           "workflow_state": "active", "calculation_method": "n_mastery", "calculation_int": "3"}
# outcome_model's attributes: another title and description, an empty display name.
EXISTING_OUTCOME = {"title": "existing", "description": "an existing outcome", "display_name": "",
                    "vendor_guid": "imanoutcome", "calculation_method": "highest"}


def group(**attributes: Any) -> dict[str, Any]:
    return {**GROUP, "object_type": "group", **attributes}


def outcome(**attributes: Any) -> dict[str, Any]:
    return {**OUTCOME, "object_type": "outcome", **attributes}


def parents() -> list[dict[str, Any]]:
    """The spec's ``with parents`` before block: both parents imported first, in this import."""
    return [group(vendor_guid="parent1"), group(vendor_guid="parent2")]


def rows(*objects: dict[str, Any]) -> list[list[str]]:
    """A CSV of ``objects``; ratings are (points, description) pairs after the ratings header."""
    table = [COLUMNS]
    for item in objects:
        cells = [str(item.get(name, "")) for name in COLUMNS[:-1]]
        for points, description in item.get("ratings", ()):
            cells += [str(points), description]
        table.append(cells)
    return table


async def import_ok(spec: OutcomesSpec, *objects: dict[str, Any],
                    context: Context = ROOT) -> None:
    assert await spec.errors(rows(*objects), context) == []


async def import_error(spec: OutcomesSpec, pattern: str, *objects: dict[str, Any],
                       context: Context = ROOT) -> None:
    """The import's only row error is the last object's and matches ``pattern``."""
    errors = await spec.errors(rows(*objects), context)
    assert len(errors) == 1 and errors[0][0] == len(objects) + 1, errors
    assert re.search(pattern, errors[0][1]), errors


async def existing_group(spec: OutcomesSpec, context: Context = ROOT, **attributes: Any) -> int:
    """``outcome_group_model(context:, vendor_guid: 'imagroup')``: its id."""
    await import_ok(spec, group(title="existing group", description="", **attributes),
                    context=context)
    return spec.group("imagroup", context)["id"]


async def existing_outcome(spec: OutcomesSpec, context: Context = ROOT, **attributes: Any) -> int:
    """``outcome_model(context:, vendor_guid: 'imanoutcome', display_name: '')``: its id."""
    await import_ok(spec, {**EXISTING_OUTCOME, "object_type": "outcome", **attributes},
                    context=context)
    return spec.outcome_row("imanoutcome")["id"]


def parent_guid(spec: OutcomesSpec, group_id: int) -> str | None:
    return spec.db.execute(
        "SELECT p.vendor_guid FROM learning_outcome_groups g"
        " LEFT JOIN learning_outcome_groups p ON p.id = g.parent_group_id WHERE g.id = ?",
        (group_id,)).fetchone()[0]


# --- describe '#import_object' ---

async def test_calls_import_group_for_a_group(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_object / calls #import_group for a group"""
    await import_ok(spec, group(vendor_guid="new_group"))
    assert spec.group("new_group")


async def test_calls_import_outcome_for_an_outcome(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_object / calls #import_outcome for an outcome"""
    await import_ok(spec, outcome(vendor_guid="new_outcome"))
    assert (await spec.outcome("new_outcome"))["title"] == "i'm an outcome"


async def test_raises_an_error_for_anything_else(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_object / raises an error for anything else"""
    await import_error(spec, "Invalid object_type", group(object_type="monkey"))


# --- describe '#import_group' / context 'with magic vendor_guid' ---

async def test_group_fails_if_group_not_present_with_that_id(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with magic vendor_guid / fails if group not present with that id"""
    missing = await existing_group(spec) + 1000
    await import_error(spec, "not found", group(vendor_guid=f"canvas_outcome_group:{missing}"))


async def test_imports_group_if_matching_group_not_in_correct_context(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with magic vendor_guid / "imports" group if matching group not in correct context"""
    other = await spec.sub_account()
    group_id = await existing_group(spec, other)
    magic = f"canvas_outcome_group:{group_id}"
    await import_ok(spec, group(vendor_guid=magic))
    imported = spec.groups_with_guid(magic, ROOT)
    assert len(imported) == 1
    assert imported[0]["id"] != group_id


async def test_updates_imported_group_on_further_imports_instead_of_re_importing(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with magic vendor_guid / updates "imported" group on further imports instead of re-importing"""
    other = await spec.sub_account()
    magic = f"canvas_outcome_group:{await existing_group(spec, other)}"
    await import_ok(spec, group(vendor_guid=magic))
    await import_ok(spec, group(vendor_guid=magic, description="more updates"))
    imported = spec.groups_with_guid(magic, ROOT)
    assert len(imported) == 1
    assert imported[0]["description"] == "more updates"


async def test_updates_description_of_group_in_correct_context(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with magic vendor_guid / updates description of group in correct context"""
    group_id = await existing_group(spec)
    await import_ok(spec, group(vendor_guid=f"canvas_outcome_group:{group_id}",
                                description="update!"))
    shown = await spec.get(f"/api/v1/accounts/1/outcome_groups/{group_id}")
    assert shown["description"] == "update!"


# --- describe '#import_group' / context 'with vendor_guid' ---

async def test_updates_if_group_in_current_context(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with vendor_guid / updates if group in current context"""
    group_id = await existing_group(spec)
    await import_ok(spec, group())
    assert (await spec.get(f"/api/v1/accounts/1/outcome_groups/{group_id}"))["title"] == \
        "i'm a group"


async def test_creates_in_current_context_if_group_not_found(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with vendor_guid / creates in current context if group not found

    The spec's guid "something else" reaches ``import_group`` directly; a CSV row with a space
    in its vendor_guid is refused before that (csv_importer_spec "if vendor_guid is invalid").
    """
    group_id = await existing_group(spec)
    await import_ok(spec, group(vendor_guid="something_else"))
    new_group = spec.group("something_else")
    assert new_group["id"] != group_id
    assert new_group["title"] == "i'm a group"


async def test_creates_new_group_if_matching_group_not_in_correct_context(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with vendor_guid / creates new group if matching group not in correct context"""
    other = await spec.sub_account()
    group_id = await existing_group(spec, other)
    await import_ok(spec, group())
    assert spec.group("imagroup", ROOT)["id"] != group_id


async def test_group_updates_attributes(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / updates attributes"""
    group_id = await existing_group(spec)
    await import_ok(spec, group())
    stored = spec.db.execute("SELECT * FROM learning_outcome_groups WHERE id = ?",
                             (group_id,)).fetchone()
    assert {name: stored[name] for name in GROUP} == GROUP


async def test_fails_if_outcome_group_has_already_appeared_in_import(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / fails if outcome group has already appeared in import"""
    await existing_group(spec)
    await import_error(spec, "already appeared", group(), group())


# --- describe '#import_group' / context 'with parents' ---

async def test_group_assigns_correct_parent(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with parents / assigns correct parent"""
    await import_ok(spec, *parents(), group(vendor_guid="newguy", parent_guids="parent1"))
    assert parent_guid(spec, spec.group("newguy")["id"]) == "parent1"


async def test_group_assigns_to_root_outcome_group_if_no_parent_specified(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with parents / assigns to root outcome group if no parent specified"""
    await import_ok(spec, *parents(), group(vendor_guid="newguy", parent_guids=""))
    assert spec.group("newguy")["parent_group_id"] == spec.root_group()["id"]
    root = await spec.get("/api/v1/accounts/1/root_outcome_group")
    assert root["id"] == spec.root_group()["id"]


async def test_group_fails_if_parents_not_found_in_file(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with parents / fails if parents not found in file"""
    await existing_group(spec)
    await import_error(spec, "Parent references not found", *parents(),
                       group(parent_guids="blahblahblah"))


async def test_reassigns_parents_of_existing_group(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / with parents / reassigns parents of existing group"""
    await import_ok(spec, *parents(), group(title="existing group", parent_guids="parent1"))
    await import_ok(spec, *parents(), group(parent_guids="parent2"))
    assert parent_guid(spec, spec.group("imagroup")["id"]) == "parent2"


async def test_destroys_outcome_group_if_workflow_state_deleted(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_group / destroys outcome group if workflow state deleted"""
    # parent1 lives under the existing group: deleting that group deletes its subgroups too.
    await import_ok(spec, group(title="existing group"),
                    group(vendor_guid="parent1", parent_guids="imagroup"))
    await import_ok(spec, group(workflow_state="deleted"))
    assert spec.group("parent1")["workflow_state"] == "deleted"


# --- describe '#import_outcome' / context 'with magic vendor_guid' ---

async def test_outcome_fails_if_outcome_not_present_with_that_id(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with magic vendor_guid / fails if outcome not present with that id"""
    missing = await existing_outcome(spec) + 1000
    await import_error(spec, "with canvas id", outcome(vendor_guid=f"canvas_outcome:{missing}"))


async def test_magic_guid_fails_if_matching_outcome_not_in_visible_context(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with magic vendor_guid / fails if matching outcome not in visible context"""
    other = await spec.sub_account()
    outcome_id = await existing_outcome(spec, other)
    await import_error(spec, "in another unrelated course or account",
                       outcome(vendor_guid=f"canvas_outcome:{outcome_id}"))


async def test_updates_description_if_outcome_in_current_context(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with magic vendor_guid / updates description if outcome in current context"""
    outcome_id = await existing_outcome(spec)
    await import_ok(spec, outcome(vendor_guid=f"canvas_outcome:{outcome_id}",
                                  description="changed!"))
    assert (await spec.get(f"/api/v1/outcomes/{outcome_id}"))["description"] == "changed!"


async def test_fails_updating_non_vendor_guid_attributes(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with magic vendor_guid / importing outcome into visible context / fails updating non-vendor guid attributes"""
    outcome_id = await existing_outcome(spec)
    course = await spec.course()
    await import_error(spec, "Cannot modify outcome from another context",
                       outcome(vendor_guid=f"canvas_outcome:{outcome_id}"), context=course)


async def test_allows_magic_guid_to_reference_but_not_update_outcome(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with magic vendor_guid / importing outcome into visible context / allows magic guid to reference but not update outcome

    The spec first clears the outcome's vendor_guid (no import can); here the outcome keeps its
    own guid, and referencing it by ``canvas_outcome:<id>`` from a course must not replace it.
    """
    outcome_id = await existing_outcome(spec)
    course = await spec.course()
    await import_ok(spec, {**EXISTING_OUTCOME, "object_type": "outcome", "workflow_state": "active",
                           "vendor_guid": f"canvas_outcome:{outcome_id}"}, context=course)
    assert (await spec.get(f"/api/v1/outcomes/{outcome_id}"))["vendor_guid"] == "imanoutcome"
    assert spec.linked_outcome_guids(spec.root_group(course)["id"]) == ["imanoutcome"]


# --- describe '#import_outcome' / context 'with vendor_guid' ---

async def test_vendor_guid_fails_if_matching_outcome_not_in_visible_context(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with vendor_guid / fails if matching outcome not in visible context"""
    other = await spec.sub_account()
    await existing_outcome(spec, other)
    await import_error(spec, "in another unrelated course or account", outcome())


async def test_updates_if_outcome_in_current_context(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with vendor_guid / updates if outcome in current context"""
    outcome_id = await existing_outcome(spec)
    await import_ok(spec, outcome())
    assert (await spec.get(f"/api/v1/outcomes/{outcome_id}"))["title"] == "i'm an outcome"


async def test_imports_if_outcome_in_visible_context_and_unchanged(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with vendor_guid / imports if outcome in visible context and unchanged"""
    outcome_id = await existing_outcome(spec)
    ratings = [(5, "ok"), (1, "ohno")]
    await import_ok(spec, outcome(ratings=ratings))
    assert (await spec.get(f"/api/v1/outcomes/{outcome_id}"))["title"] == "i'm an outcome"
    course = await spec.course()
    await import_ok(spec, outcome(ratings=ratings), context=course)
    assert len(spec.linked_outcome_guids(spec.root_group(course)["id"])) == 1
    links = await spec.get(f"/api/v1/courses/{course.context_id}/outcome_group_links")
    assert [link["outcome"]["id"] for link in links] == [outcome_id]


async def test_creates_in_current_context_if_outcome_not_found(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with vendor_guid / creates in current context if outcome not found"""
    outcome_id = await existing_outcome(spec)
    await import_ok(spec, outcome(vendor_guid="new_outcome_frd"))
    new_outcome = spec.outcome_row("new_outcome_frd")
    assert new_outcome["id"] != outcome_id
    assert (new_outcome["context_type"], new_outcome["context_id"]) == ("Account", 1)
    shown = await spec.get(f"/api/v1/outcomes/{new_outcome['id']}")
    assert (shown["context_type"], shown["context_id"]) == ("Account", 1)


async def test_outcome_updates_attributes(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / updates attributes"""
    outcome_id = await existing_outcome(spec)
    await import_ok(spec, outcome())
    stored = spec.db.execute("SELECT * FROM learning_outcomes WHERE id = ?",
                             (outcome_id,)).fetchone()
    assert {name: str(stored[name]) for name in OUTCOME} == OUTCOME
    shown = await spec.get(f"/api/v1/outcomes/{outcome_id}")
    assert {name: str(shown[name]) for name in OUTCOME if name != "workflow_state"} == {
        name: value for name, value in OUTCOME.items() if name != "workflow_state"}


async def test_fails_if_outcome_has_already_appeared_in_import(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / fails if outcome has already appeared in import"""
    await existing_outcome(spec)
    await import_error(spec, "already appeared", outcome(), outcome())


# --- describe '#import_outcome' / context 'with parents' ---

async def test_outcome_assigns_correct_parents(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with parents / assigns correct parents"""
    await existing_outcome(spec)
    await import_ok(spec, *parents(), outcome(parent_guids="parent1 parent2"))
    assert spec.linked_outcome_guids(spec.root_group()["id"]) == []
    for name in ("parent1", "parent2"):
        assert spec.linked_outcome_guids(spec.group(name)["id"]) == ["imanoutcome"]


async def test_reassigns_parent_when_resurrected(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with parents / reassigns parent when resurrected"""
    outcome_id = await existing_outcome(spec)
    with_parents = outcome(parent_guids="parent1 parent2")
    await import_ok(spec, *parents(), with_parents)
    await import_ok(spec, *parents(), {**with_parents, "workflow_state": "deleted"})
    await import_ok(spec, *parents(), with_parents)
    for name in ("parent1", "parent2"):
        assert "imanoutcome" in spec.linked_outcome_guids(spec.group(name)["id"])
    assert spec.db.execute("SELECT workflow_state FROM learning_outcomes WHERE id = ?",
                           (outcome_id,)).fetchone()[0] == "active"


async def test_outcome_assigns_to_root_outcome_group_if_no_parent_specified(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with parents / assigns to root outcome group if no parent specified"""
    await existing_outcome(spec)
    await import_ok(spec, *parents(), outcome())
    assert "imanoutcome" in spec.linked_outcome_guids(spec.root_group()["id"])


async def test_outcome_fails_if_parents_not_found(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with parents / fails if parents not found"""
    await existing_outcome(spec)
    await import_error(spec, "Parent references not found", *parents(),
                       outcome(parent_guids="parent1 parentmissing"))


async def test_reassigns_parents_of_existing_outcome(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with parents / reassigns parents of existing outcome"""
    await import_ok(spec, *parents(), outcome(parent_guids="parent1"))  # parent1.add_outcome
    await import_ok(spec, *parents(), outcome(parent_guids="parent2"))
    assert spec.linked_outcome_guids(spec.group("parent1")["id"]) == []
    assert "imanoutcome" in spec.linked_outcome_guids(spec.group("parent2")["id"])


# --- '#import_outcome' / 'with parents' / 'with outcomes from other contexts' ---
# The spec's context is an account whose parent account holds the outcome: here a sub-account
# importing, and the root account holding the outcome.

async def test_does_not_assign_parents_when_attributes_are_changed(spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with parents / with outcomes from other contexts / does not assign parents when attributes are changed"""
    await existing_outcome(spec)
    sub = await spec.sub_account()
    await import_error(spec, "Cannot modify outcome from another context", *parents(),
                       outcome(parent_guids="parent1"), context=sub)


async def test_assigns_parents_for_outcome_in_another_context_if_attributes_unchanged(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with parents / with outcomes from other contexts / assigns parents for outcome in another context if attributes unchanged"""
    await existing_outcome(spec, **{k: v for k, v in OUTCOME.items() if k != "workflow_state"})
    sub = await spec.sub_account()
    await import_ok(spec, *parents(), outcome(parent_guids="parent1"), context=sub)
    assert spec.linked_outcome_guids(spec.group("parent1", sub)["id"]) == ["imanoutcome"]


async def test_can_link_an_outcome_with_nil_attributes_to_a_different_context(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / with parents / with outcomes from other contexts / can link an outcome with nil attributes to a different context"""
    nil_attributes = {**{k: v for k, v in OUTCOME.items() if k != "workflow_state"},
                      "description": ""}
    await existing_outcome(spec, **nil_attributes)
    sub = await spec.sub_account()
    # On export a nil description is written as an empty cell.
    await import_ok(spec, *parents(), outcome(description="", parent_guids="parent1"),
                    context=sub)
    assert spec.linked_outcome_guids(spec.group("parent1", sub)["id"]) == ["imanoutcome"]


async def test_calls_destroy_on_content_tag_if_workflow_state_is_deleted(
        spec: OutcomesSpec) -> None:
    """import_spec.rb: #import_outcome / calls destroy on content tag if workflow state is deleted"""
    outcome_id = await existing_outcome(spec)
    await import_ok(spec, outcome(workflow_state="deleted"))
    assert spec.db.execute("SELECT workflow_state FROM learning_outcomes WHERE id = ?",
                           (outcome_id,)).fetchone()[0] == "deleted"
