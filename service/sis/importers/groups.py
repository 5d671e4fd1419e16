"""group_categories.csv, groups.csv and groups_membership.csv (sections 9.10-9.12).

Group messages end with a period and the "where provided" typo is Canvas's own; both are kept.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from ...store.sis_batch import BatchWriter, as_dicts, fetch_by_pairs
from ...store.sis_queries import enrolled_course_pairs
from .. import cascades
from ..context import ImportRun, SisRow
from .common import (
    ObjectEdit,
    SisIdCache,
    column_values,
    match_status_prefix,
    save,
    set_integration_id,
    skipped_as_delete,
)

CATEGORY_STATUSES = ("active", "deleted")
# closed and completed are accepted for legacy reasons and mean available (section 9.11).
GROUP_STATUSES = ("available", "closed", "completed", "deleted")
MEMBERSHIP_STATUSES = ("accepted", "deleted")


def import_group_categories(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, re-home and delete group categories; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    categories = SisIdCache.for_rows(conn, "group_categories", "sis_source_id", scope, rows, "group_category_id")
    accounts = SisIdCache.for_rows(conn, "accounts", "sis_source_id", scope, rows, "account_id")
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "course_id")
    imported = 0
    for row in rows:
        values = row.values
        sis_id = values.get("group_category_id")
        name = values.get("category_name")
        status_text = values.get("status")
        if not sis_id:
            run.warn(file, "No sis_id given for a group category", row)
            continue
        if not name:
            run.warn(file, f"No name given for group category {sis_id}", row)
            continue
        if not status_text:
            run.warn(file, f"No status given for group category {sis_id}", row)
            continue
        status = match_status_prefix(status_text, CATEGORY_STATUSES)
        if status is None:
            run.warn(file, f'Improper status "{status_text}" for group category {sis_id}, skipping', row)
            continue
        if skipped_as_delete(run, status):
            continue
        account_sis_id, course_sis_id = values.get("account_id"), values.get("course_id")
        if account_sis_id and course_sis_id:
            run.warn(
                file,
                f"Only one context is allowed and both course_id and account_id where provided for group category {sis_id}.",
                row,
            )
            continue
        context = _context(run, accounts, courses, account_sis_id, course_sis_id)
        if context is None:
            missing = account_sis_id or course_sis_id
            kind = "Account" if account_sis_id else "Course"
            run.warn(file, f'{kind} with id "{missing}" didn\'t exist for group category {sis_id}', row)
            continue
        category = categories.get(sis_id)
        if held_by_other_flavour(category, non_collaborative=False):
            run.warn(file, sis_id_taken("group category", "group category", sis_id), row)
            continue
        edit = ObjectEdit(run, category)
        if account_sis_id or course_sis_id or edit.is_new:
            edit.set("context_type", context[0])
            edit.set("context_id", context[1])
        edit.set("name", name)
        edit.set("workflow_state", status)
        stored = save(
            writer, "group_categories", edit, {"root_account_id": run.root_account_id, "sis_source_id": sis_id}
        )
        categories.put(sis_id, stored)
        imported += 1
    writer.flush()
    return imported


def import_groups(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, re-home and delete groups; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    groups = SisIdCache.for_rows(conn, "groups", "sis_source_id", scope, rows, "group_id")
    by_integration_id = SisIdCache.for_rows(conn, "groups", "integration_id", scope, rows, "integration_id")
    categories = SisIdCache.for_rows(conn, "group_categories", "sis_source_id", scope, rows, "group_category_id")
    accounts = SisIdCache.for_rows(conn, "accounts", "sis_source_id", scope, rows, "account_id")
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "course_id")
    deleted_groups: list[int] = []
    imported = 0
    for row in rows:
        values = row.values
        sis_id = values.get("group_id")
        name = values.get("name")
        status_text = values.get("status")
        if not sis_id:
            run.warn(file, "No group_id given for a group.", row)
            continue
        group = groups.get(sis_id)
        if held_by_other_flavour(group, non_collaborative=False):
            run.warn(file, sis_id_taken("group", "group", sis_id), row)
            continue
        if not name and group is None:
            run.warn(file, f"No name given for group {sis_id}.", row)
            continue
        status = match_status_prefix(status_text, GROUP_STATUSES)
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for group {sis_id}.', row)
            continue
        if skipped_as_delete(run, status):
            continue
        account_sis_id, course_sis_id = values.get("account_id"), values.get("course_id")
        if account_sis_id and course_sis_id:
            run.warn(
                file, f"Only one context is allowed and both course_id and account_id where provided for group {sis_id}.", row
            )
            continue
        context = _context(run, accounts, courses, account_sis_id, course_sis_id)
        if context is None:
            if account_sis_id:
                run.warn(file, f"Account with sis id {account_sis_id} didn't exist for group {sis_id}.", row)
            else:
                run.warn(file, f"Course with sis id {course_sis_id} didn't exist for group {sis_id}.", row)
            continue
        category_sis_id = values.get("group_category_id")
        category = categories.get(category_sis_id)
        if held_by_other_flavour(category, non_collaborative=False):
            category = None  # a differentiation tag set is no group category
        if category_sis_id and category is None:
            run.warn(
                file,
                f"Group Category {category_sis_id} didn't exist in account {account_sis_id or ''} for group {sis_id}.",
                row,
            )
            continue
        edit = ObjectEdit(run, group)
        previous_integration_id = edit.value("integration_id")
        set_integration_id(edit, row)
        holder = by_integration_id.get(edit.value("integration_id"))
        if holder is not None and holder["id"] != edit.value("id"):
            run.warn(file, f"A group did not pass validation (group: {sis_id}, error: Integration has already been taken).", row)
            continue
        if account_sis_id or course_sis_id or edit.is_new:
            edit.set("context_type", context[0])
            edit.set("context_id", context[1])
        if category is not None:
            edit.set("group_category_id", category["id"])
        if name:
            edit.set_sticky("name", name)
        edit.set("workflow_state", "deleted" if status == "deleted" else "available")
        stored = save(writer, "groups", edit, {"root_account_id": run.root_account_id, "sis_source_id": sis_id})
        if group is not None and edit.changes.get("workflow_state") == "deleted":
            deleted_groups.append(stored["id"])
        groups.put(sis_id, stored)
        by_integration_id.move(previous_integration_id, stored.get("integration_id"), stored)
        imported += 1
    writer.flush()
    if deleted_groups:
        # A deleted group takes its memberships with it (each with its roll-back record).
        cascades.destroy_groups_memberships(conn, writer, deleted_groups)
    return imported


@dataclass(frozen=True)
class MembershipFlavour:
    """What differs between group memberships and differentiation tag memberships."""

    id_column: str  # group_id or tag_id
    noun: str  # in "... for a <noun> user"
    group_noun: str  # the group itself, capitalised at the start of a message
    non_collaborative: bool


GROUP_MEMBERSHIPS = MembershipFlavour("group_id", "group", "group", non_collaborative=False)
TAG_MEMBERSHIPS = MembershipFlavour(
    "tag_id", "differentiation tag", "differentiation tag", non_collaborative=True)


def import_group_memberships(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Add users to groups or remove them; returns the rows imported."""
    return import_memberships(conn, run, file, rows, GROUP_MEMBERSHIPS)


def import_memberships(
    conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow], flavour: MembershipFlavour
) -> int:
    """Memberships of groups or of differentiation tags (Canvas's GroupMembershipImporter)."""
    writer = BatchWriter(conn, run.import_id, run.now)
    root = run.root_account_id
    groups = SisIdCache(conn, "groups", "sis_source_id", {"root_account_id": root},
                        condition=f"non_collaborative = {int(flavour.non_collaborative)}")
    groups.load(column_values(rows, flavour.id_column))
    logins = SisIdCache.for_rows(conn, "pseudonyms", "sis_user_id", {"account_id": root}, rows, "user_id")
    user_ids = [login["user_id"] for login in (logins.get(v) for v in column_values(rows, "user_id")) if login]
    enrolled = enrolled_course_pairs(conn, user_ids)
    noun = flavour.noun
    planned: list[tuple[int, int, str]] = []
    for row in rows:
        values = row.values
        group_sis_id = values.get(flavour.id_column)
        user_sis_id = values.get("user_id")
        status_text = values.get("status")
        if not group_sis_id:
            run.warn(file, f"No {flavour.id_column} given for a {noun} user", row)
            continue
        if not user_sis_id:
            run.warn(file, f"No user_id given for a {noun} user", row)
            continue
        status = match_status_prefix(status_text, MEMBERSHIP_STATUSES)
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for a {noun} user', row)
            continue
        if skipped_as_delete(run, status):
            continue
        login = logins.get(user_sis_id)
        if login is None:
            run.warn(file, f"User {user_sis_id} didn't exist for {noun} user", row)
            continue
        group = groups.get(group_sis_id)
        if group is None:
            run.warn(file, f"{flavour.group_noun.capitalize()} {group_sis_id} didn't exist for {noun} user", row)
            continue
        if (
            status == "accepted"
            and group["context_type"] == "Course"
            and (login["user_id"], group["context_id"]) not in enrolled
        ):
            run.warn(file, f"User {user_sis_id} doesn't have an enrollment in the course of {flavour.group_noun} {group_sis_id}.", row)
            continue
        planned.append((group["id"], login["user_id"], status))
    existing = {
        (m["group_id"], m["user_id"]): m
        for m in as_dicts(fetch_by_pairs(conn, "group_memberships", "group_id", "user_id", [(p[0], p[1]) for p in planned]))
    }
    for group_id, user_id, state in planned:
        membership = existing.get((group_id, user_id))
        if membership is None:
            existing[(group_id, user_id)] = writer.insert(
                "group_memberships",
                {
                    "id": writer.new_id("group_memberships"),
                    "root_account_id": root,
                    "group_id": group_id,
                    "user_id": user_id,
                    "workflow_state": state,
                },
            )
        else:
            writer.update("group_memberships", membership, {"workflow_state": state})
    writer.flush()
    return len(planned)


def held_by_other_flavour(obj: dict[str, Any] | None, *, non_collaborative: bool) -> bool:
    """True when a row found by SIS id is a group where a tag is meant, or the other way round.

    Groups and differentiation tags (and their categories and tag sets) share one table and one
    SIS id namespace, as in Canvas.
    """
    return obj is not None and bool(obj["non_collaborative"]) != non_collaborative


def sis_id_taken(noun: str, label: str, sis_id: str) -> str:
    """Canvas's validation message for an SIS id the other flavour of group already uses."""
    return f"A {noun} did not pass validation ({label}: {sis_id}, error: Sis source is already in use)"


def _context(
    run: ImportRun, accounts: SisIdCache, courses: SisIdCache, account_sis_id: str | None, course_sis_id: str | None
) -> tuple[str, int] | None:
    """(context_type, context_id) named by the row; the root account when it names none."""
    if course_sis_id:
        course: dict[str, Any] | None = courses.get(course_sis_id)
        return ("Course", course["id"]) if course else None
    if account_sis_id:
        account = accounts.get(account_sis_id)
        return ("Account", account["id"]) if account else None
    return ("Account", run.root_account_id)
