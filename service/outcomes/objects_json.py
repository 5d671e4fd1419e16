"""Canvas's OutcomeGroup, Outcome and OutcomeLink JSON (lib/api/v1/outcome.rb).

URLs are Canvas's relative API paths (polymorphic_path). The token may edit every context's
outcomes (decision 3), so ``can_edit`` is true; no outcome here was ever assessed.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

# Calculation methods whose integer parameter Canvas shows.
_METHODS_WITH_INT = ("decaying_average", "n_mastery", "weighted_average", "standard_decaying_average")


def _context_path(context_type: str | None, context_id: int | None) -> str:
    if context_type is None:
        return "/api/v1/global"
    return f"/api/v1/{context_type.lower()}s/{context_id}"


def outcome_group_json(row: sqlite3.Row, abbreviated: bool = False) -> dict[str, Any]:
    """An OutcomeGroup; ``row`` carries its parent's title and vendor_guid."""
    base = f"{_context_path(row['context_type'], row['context_id'])}/outcome_groups/{row['id']}"
    body: dict[str, Any] = {
        "id": row["id"],
        "title": row["title"],
        "vendor_guid": row["vendor_guid"],
        "url": base,
        "subgroups_url": f"{base}/subgroups",
        "outcomes_url": f"{base}/outcomes",
        "can_edit": True,
    }
    if abbreviated:
        return body
    body["import_url"] = f"{base}/import"
    if row["parent_group_id"] is not None:
        parent = f"{_context_path(row['context_type'], row['context_id'])}/outcome_groups/{row['parent_group_id']}"
        body["parent_outcome_group"] = {
            "id": row["parent_group_id"], "title": row["parent_title"], "vendor_guid": row["parent_vendor_guid"],
            "url": parent, "subgroups_url": f"{parent}/subgroups", "outcomes_url": f"{parent}/outcomes",
            "can_edit": True,
        }
    body["context_id"] = row["context_id"]
    body["context_type"] = row["context_type"]
    body["description"] = row["description"]
    return body


def outcome_json(row: sqlite3.Row, abbreviated: bool = False) -> dict[str, Any]:
    """An Outcome: abbreviated in links, full (rubric, method, ratings) on its own."""
    body: dict[str, Any] = {
        "id": row["id"],
        "context_type": row["context_type"],
        "context_id": row["context_id"],
        "vendor_guid": row["vendor_guid"],
        "display_name": row["display_name"],
        "title": row["title"],
        "url": f"/api/v1/outcomes/{row['id']}",
        "can_edit": True,
        # No rubric here uses an outcome; Canvas sets this key in both styles.
        "has_updateable_rubrics": False,
    }
    if abbreviated:
        return body
    body["description"] = row["description"]
    # Canvas fills it only when a caller passes friendly descriptions along; the outcome show
    # and the links lists pass none, so it is null there.
    body["friendly_description"] = None
    body["calculation_method"] = row["calculation_method"] or "highest"
    if row["calculation_method"] in _METHODS_WITH_INT:
        body["calculation_int"] = row["calculation_int"]
    # The rubric criterion as stored: points are floats, as Canvas's importer writes them.
    body["points_possible"] = row["points_possible"]
    body["mastery_points"] = row["mastery_points"]
    body["ratings"] = [{"description": r["description"], "points": r["points"]} for r in orjson.loads(row["ratings"])]
    body["assessed"] = False
    return body


def outcome_link_json(link: sqlite3.Row, group: sqlite3.Row, outcome: sqlite3.Row,
                      full_outcome: bool = False) -> dict[str, Any]:
    """An OutcomeLink: the context, its URL, the group (abbreviated) and the outcome."""
    group_path = f"{_context_path(link['context_type'], link['context_id'])}/outcome_groups/{link['group_id']}"
    return {
        "context_type": link["context_type"],
        "context_id": link["context_id"],
        "url": f"{group_path}/outcomes/{link['outcome_id']}",
        "outcome_group": outcome_group_json(group, abbreviated=True),
        "outcome": outcome_json(outcome, abbreviated=not full_outcome),
        "assessed": False,
        "can_unlink": True,
    }
