"""differentiation_tag_sets.csv, differentiation_tags.csv, differentiation_tag_membership.csv
(section 9.13).

Canvas keeps differentiation tags as non-collaborative groups: a tag set is a group category of a
course, a tag a group, a tag membership a group membership. They share the group tables, flagged
``non_collaborative``, and Canvas's messages (taken from its GroupCategoryImporter,
GroupImporter and GroupMembershipImporter, where the tag texts live beside the group ones).
Tags are always enabled here: the account setting that can refuse them does not exist.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...store.sis_batch import BatchWriter, as_dicts, fetch_in
from ..context import ImportRun, SisRow
from .common import ObjectEdit, SisIdCache, column_values, match_status_prefix, save, skipped_as_delete
from .groups import (
    CATEGORY_STATUSES,
    GROUP_STATUSES,
    TAG_MEMBERSHIPS,
    held_by_other_flavour,
    import_memberships,
    sis_id_taken,
)

TAG_SET = "differentiation tag set"
TAG = "differentiation tag"


def import_tag_sets(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, move and delete tag sets (course-level group categories)."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    tag_sets = SisIdCache.for_rows(conn, "group_categories", "sis_source_id", scope, rows, "tag_set_id")
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "course_id", condition="workflow_state <> 'deleted'")
    imported = 0
    for row in rows:
        values = row.values
        sis_id, name, status_text = values.get("tag_set_id"), values.get("set_name"), values.get("status")
        if not sis_id:
            run.warn(file, f"No sis_id given for a {TAG_SET}", row)
            continue
        if not name:
            run.warn(file, f"No name given for {TAG_SET} {sis_id}", row)
            continue
        if not status_text:
            run.warn(file, f"No status given for {TAG_SET} {sis_id}", row)
            continue
        status = match_status_prefix(status_text, CATEGORY_STATUSES)
        if status is None:
            run.warn(file, f'Improper status "{status_text}" for {TAG_SET} {sis_id}, skipping', row)
            continue
        if skipped_as_delete(run, status):
            continue
        course_sis_id = values.get("course_id")
        if not course_sis_id:
            run.warn(file, f"No course_id given for {TAG_SET} {sis_id}", row)
            continue
        course = courses.get(course_sis_id)
        if course is None:
            run.warn(file, f'Course with id "{course_sis_id}" didn\'t exist for {TAG_SET} {sis_id}', row)
            continue
        tag_set = tag_sets.get(sis_id)
        if held_by_other_flavour(tag_set, non_collaborative=True):
            run.warn(file, sis_id_taken(TAG_SET, TAG_SET, sis_id), row)
            continue
        if tag_set is not None and tag_set["context_id"] != course["id"] and _has_live_tags(conn, tag_set["id"]):
            run.warn(file, f"Cannot move {TAG_SET} {sis_id} because it has tags in it.", row)
            continue
        edit = ObjectEdit(run, tag_set)
        edit.set("context_type", "Course")
        edit.set("context_id", course["id"])
        edit.set("name", name)
        edit.set("workflow_state", status)
        stored = save(writer, "group_categories", edit,
                      {"root_account_id": run.root_account_id, "sis_source_id": sis_id, "non_collaborative": 1})
        tag_sets.put(sis_id, stored)
        imported += 1
    writer.flush()
    return imported


def import_tags(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, move and delete tags (non-collaborative groups of a course)."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    tags = SisIdCache.for_rows(conn, "groups", "sis_source_id", scope, rows, "tag_id")
    tag_sets = SisIdCache(conn, "group_categories", "sis_source_id", scope,
                          condition="non_collaborative = 1 AND workflow_state <> 'deleted'")
    tag_sets.load(column_values(rows, "tag_set_id"))
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "course_id", condition="workflow_state <> 'deleted'")
    imported = 0
    for row in rows:
        values = row.values
        sis_id, name, status_text = values.get("tag_id"), values.get("name"), values.get("status")
        if not sis_id:
            run.warn(file, f"No tag_id given for a {TAG}.", row)
            continue
        if not name:
            run.warn(file, f"No name given for {TAG} {sis_id}.", row)
            continue
        status = match_status_prefix(status_text, GROUP_STATUSES)
        if status is None:
            run.warn(file, f'Improper status "{status_text or ""}" for {TAG} {sis_id}.', row)
            continue
        if skipped_as_delete(run, status):
            continue
        course_sis_id, tag_set_sis_id = values.get("course_id"), values.get("tag_set_id")
        course = courses.get(course_sis_id) if course_sis_id else None
        if course_sis_id and course is None:
            run.warn(file, f"Course with sis id {course_sis_id} didn't exist for {TAG} {sis_id}.", row)
            continue
        tag_set = tag_sets.get(tag_set_sis_id) if tag_set_sis_id else None
        if tag_set_sis_id and (tag_set is None or (course and tag_set["context_id"] != course["id"])):
            where = f" in course {course_sis_id}" if course else ""
            run.warn(file, f"Differentiation Tag Set {tag_set_sis_id} didn't exist{where} for {TAG} {sis_id}.", row)
            continue
        tag = tags.get(sis_id)
        if held_by_other_flavour(tag, non_collaborative=True):
            run.warn(file, sis_id_taken(TAG, "differentiation_tag", sis_id), row)
            continue
        if tag_set is not None:
            context_id = tag_set["context_id"]
        elif course is not None:
            context_id = course["id"]
        elif tag is not None:
            context_id = tag["context_id"]
        else:
            run.warn(file, f"No tag_set_id or course_id given for {TAG} {sis_id}. At least one is required for new tags.", row)
            continue
        if tag is not None and tag["context_id"] != context_id and _live_memberships(conn, tag["id"]):
            run.warn(file, f"Cannot move {TAG} {sis_id} because it has differentiation_tag_memberships.", row)
            continue
        state = "deleted" if status == "deleted" else "available"
        if tag_set is None:
            # A tag given without a set gets a set of its own, named after it (Canvas creates one
            # per import of such a row; we keep the tag's existing one so re-imports add none).
            tag_set = _own_tag_set(conn, writer, run, tag, context_id, name, state)
        edit = ObjectEdit(run, tag)
        edit.set("context_type", "Course")
        edit.set("context_id", context_id)
        edit.set("group_category_id", tag_set["id"])
        edit.set_sticky("name", name)
        edit.set("workflow_state", state)
        stored = save(writer, "groups", edit,
                      {"root_account_id": run.root_account_id, "sis_source_id": sis_id, "non_collaborative": 1})
        tags.put(sis_id, stored)
        if state == "deleted":
            for membership in as_dicts(_live_memberships(conn, stored["id"])):
                writer.update("group_memberships", membership, {"workflow_state": "deleted"})
        imported += 1
    writer.flush()
    return imported


def import_tag_memberships(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Add users to tags or remove them."""
    return import_memberships(conn, run, file, rows, TAG_MEMBERSHIPS)


def _own_tag_set(
    conn: sqlite3.Connection, writer: BatchWriter, run: ImportRun, tag: dict[str, Any] | None,
    context_id: int, name: str, state: str,
) -> dict[str, Any]:
    """The set of a tag imported without one: the tag's current set, or a new one named after it.

    Canvas gives the single tag's set the tag's status: deleting the tag deletes its set.
    """
    set_state = "deleted" if state == "deleted" else "active"
    current = None
    if tag is not None and tag.get("group_category_id"):
        found = fetch_in(conn, "group_categories", "id", [tag["group_category_id"]])
        current = as_dicts(found)[0] if found else None
    if current is not None and current["sis_source_id"] is not None:
        # A tag set of the SIS (the tag was imported into it before) is not the tag's own: the
        # tag gets a set of its own, and the shared set, with its other tags, stays as it is.
        current = None
    edit = ObjectEdit(run, current)
    if current is None:
        edit.set("name", name)
    # Canvas: "Ensure tag category context matches tag context" (a set moved away comes back).
    edit.set("context_type", "Course")
    edit.set("context_id", context_id)
    edit.set("workflow_state", set_state)
    return save(writer, "group_categories", edit, {"root_account_id": run.root_account_id, "non_collaborative": 1})


def _has_live_tags(conn: sqlite3.Connection, tag_set_id: int) -> bool:
    return bool(fetch_in(conn, "groups", "group_category_id", [tag_set_id], condition="workflow_state <> 'deleted'"))


def _live_memberships(conn: sqlite3.Connection, group_id: int) -> list[sqlite3.Row]:
    return fetch_in(conn, "group_memberships", "group_id", [group_id], condition="workflow_state <> 'deleted'")
