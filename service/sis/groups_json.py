"""Canvas's JSON for group categories, groups and memberships (lib/api/v1/group_category.rb,
lib/api/v1/group.rb), as an account admin with manage_sis sees them."""

from __future__ import annotations

import sqlite3
from typing import Any


def _context(row: sqlite3.Row) -> dict[str, Any]:
    """Api::V1::Context#context_data: the context's type and ``account_id``/``course_id``."""
    kind = row["context_type"]
    return {"context_type": kind, f"{kind.lower()}_id": row["context_id"]}


def group_category_json(row: sqlite3.Row) -> dict[str, Any]:
    """A GroupCategory. SIS categories have no self sign-up, limit, role or auto leader."""
    body: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "role": None,
        "self_signup": None,
        "group_limit": None,
        "auto_leader": None,
        "created_at": row["created_at"],
        **_context(row),
        # group_category_sis before group_category_data, as group_category_json merges them.
        "sis_group_category_id": row["sis_source_id"],
        "sis_import_id": row["sis_batch_id"],
        "protected": False,
        "allows_multiple_memberships": False,
        "is_member": False,
        "non_collaborative": bool(row["non_collaborative"]),
    }
    return body


def group_json(row: sqlite3.Row) -> dict[str, Any]:
    """A Group; ``row`` carries members_count and, for a course group, its course's state.
    ``role`` is its category's (null for SIS categories), absent without a category; Canvas's
    group_json shows no integration_id."""
    course_state = row["course_workflow_state"]
    body: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "created_at": row["created_at"],
        "max_membership": None,
        "is_public": False,
        "join_level": "invitation_only",
        "group_category_id": row["group_category_id"],
        "description": None,
        "members_count": row["members_count"],
        "storage_quota_mb": 50,
        **_context(row),
        "avatar_url": None,
    }
    if row["group_category_id"] is not None:
        body["role"] = None
    body.update({
        "leader": None,
        "sis_group_id": row["sis_source_id"],
        "sis_import_id": row["sis_batch_id"],
        "has_submission": False,
        "concluded": course_state in ("completed", "deleted"),
        "non_collaborative": bool(row["non_collaborative"]),
    })
    return body


def group_membership_json(row: sqlite3.Row, group_sis_id: str | None) -> dict[str, Any]:
    """A GroupMembership, with its group's SIS id beside it as Canvas shows it to SIS admins."""
    return {
        "id": row["id"],
        "group_id": row["group_id"],
        "user_id": row["user_id"],
        "workflow_state": row["workflow_state"],
        "moderator": False,
        "created_at": row["created_at"],
        "sis_group_id": group_sis_id,
        "sis_import_id": row["sis_batch_id"],
    }
