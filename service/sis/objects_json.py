"""Canvas's Account and Course JSON for objects stored by SIS imports.

Clients fetch an Account or Course before calling import methods on it (decisions.md 4).
"""

from __future__ import annotations

import sqlite3
from typing import Any

# Canvas's API shows a course's internal workflow_state under its public name.
_COURSE_STATES = {"created": "unpublished", "claimed": "unpublished"}


def course_json(row: sqlite3.Row) -> dict[str, Any]:
    """The Course JSON of a stored course."""
    return {
        "id": row["id"],
        "sis_course_id": row["sis_source_id"],
        "uuid": row["uuid"],
        "integration_id": row["integration_id"],
        "sis_import_id": row["sis_batch_id"],
        "name": row["name"],
        "course_code": row["course_code"],
        "workflow_state": _COURSE_STATES.get(row["workflow_state"], row["workflow_state"]),
        "account_id": row["account_id"],
        "root_account_id": row["root_account_id"],
        "enrollment_term_id": row["enrollment_term_id"],
        "start_at": row["start_at"],
        "end_at": row["conclude_at"],
        "created_at": row["created_at"],
    }


def account_json(row: sqlite3.Row) -> dict[str, Any]:
    """The Account JSON of a stored account (root or sub-account)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "workflow_state": row["workflow_state"],
        "parent_account_id": row["parent_account_id"],
        "root_account_id": row["root_account_id"],
        "sis_account_id": row["sis_source_id"],
        "integration_id": row["integration_id"],
        "sis_import_id": row["sis_batch_id"],
    }
