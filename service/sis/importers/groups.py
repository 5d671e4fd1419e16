"""group_categories.csv, groups.csv and groups_membership.csv (sections 9.10-9.12).

Group messages end with a period and the "where provided" typo is Canvas's own; both are kept.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from ...store.sis_batch import BatchWriter, as_dicts, fetch_by_pairs, fetch_in
from ...store.sis_queries import category_has_active_groups, enrolled_course_pairs, group_has_memberships
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
# Canvas looks contexts up among active accounts and courses only.
ACTIVE = "workflow_state <> 'deleted'"


def import_group_categories(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, re-home and delete group categories; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    categories = SisIdCache.for_rows(conn, "group_categories", "sis_source_id", scope, rows, "group_category_id")
    accounts = SisIdCache.for_rows(conn, "accounts", "sis_source_id", scope, rows, "account_id", condition=ACTIVE)
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "course_id", condition=ACTIVE)
    names = CategoryNames(conn, run.root_account_id, column_values(rows, "category_name"))
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
        moves = category is not None and (category["context_type"], category["context_id"]) != context
        if moves:
            writer.flush()  # the guard reads the database
            if category_has_active_groups(conn, category["id"]):
                run.warn(file, f"Cannot move group category {sis_id} because it has groups in it.", row)
                continue
        # Canvas validates the name only when it changes: unique among the context's categories.
        if (category is None or category["name"] != name or moves) and names.taken(context, name, category):
            run.warn(
                file,
                f"A group category did not pass validation (group category: {sis_id}, error: Name {name} is already in use.)",
                row,
            )
            continue
        edit = ObjectEdit(run, category)
        # A row naming no context puts the category in the root account (Canvas: context ||= root).
        edit.set("context_type", context[0])
        edit.set("context_id", context[1])
        edit.set("name", name)
        edit.set("workflow_state", status)
        stored = save(
            writer, "group_categories", edit,
            {"root_account_id": run.root_account_id, "sis_source_id": sis_id, "non_collaborative": 0},
        )
        names.moved(category, stored)
        categories.put(sis_id, stored)
        imported += 1
    writer.flush()
    return imported


class CategoryNames:
    """The names of the active group categories per context, for Canvas's "is already in use".

    One query per batch fetches the categories bearing any name the batch uses; each row that
    saves a category updates the view, so later rows see it.
    """

    def __init__(self, conn: sqlite3.Connection, root_account_id: int, names: list[str]) -> None:
        self._holders: dict[tuple[str, int, str], set[int]] = {}
        found = fetch_in(conn, "group_categories", "name", names, scope={"root_account_id": root_account_id},
                         condition="workflow_state <> 'deleted' AND non_collaborative = 0",
                         columns="id, context_type, context_id, name")
        for row in found:
            self._holders.setdefault((row[1], row[2], row[3]), set()).add(row[0])

    def taken(self, context: tuple[str, int], name: str, category: dict[str, Any] | None) -> bool:
        """Whether another active category of ``context`` already has ``name``."""
        holders = self._holders.get((context[0], context[1], name), set())
        return bool(holders - ({category["id"]} if category else set()))

    def moved(self, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        """Record a saved category: it left its old (context, name) and holds the new one."""
        if before is not None:
            for holders in self._holders.values():
                holders.discard(after["id"])
        if after["workflow_state"] != "deleted":
            key = (after["context_type"], after["context_id"], after["name"])
            self._holders.setdefault(key, set()).add(after["id"])


def import_groups(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
    """Create, rename, re-home and delete groups; returns the rows imported."""
    writer = BatchWriter(conn, run.import_id, run.now)
    scope = {"root_account_id": run.root_account_id}
    groups = SisIdCache.for_rows(conn, "groups", "sis_source_id", scope, rows, "group_id")
    by_integration_id = SisIdCache.for_rows(conn, "groups", "integration_id", scope, rows, "integration_id")
    categories = SisIdCache.for_rows(conn, "group_categories", "sis_source_id", scope, rows, "group_category_id",
                                     condition="workflow_state <> 'deleted' AND non_collaborative = 0")
    accounts = SisIdCache.for_rows(conn, "accounts", "sis_source_id", scope, rows, "account_id", condition=ACTIVE)
    courses = SisIdCache.for_rows(conn, "courses", "sis_source_id", scope, rows, "course_id", condition=ACTIVE)
    student_groups = StudentGroupCategories(conn, writer, run, groups, column_values(rows, "group_id"))
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
        if category_sis_id:
            # Named with a context, the category must belong to it (Canvas's
            # context.group_categories); named alone, any active category of the root account.
            if category is not None and (account_sis_id or course_sis_id) and (
                    category["context_type"], category["context_id"]) != context:
                category = None
            if category is None:
                if account_sis_id:
                    where = f" in account {account_sis_id}"
                elif course_sis_id:
                    where = f" in course {course_sis_id}"
                else:
                    where = ""
                run.warn(file, f"Group Category {category_sis_id} didn't exist{where} for group {sis_id}.", row)
                continue
            # The group lives where its category lives.
            context = (category["context_type"], category["context_id"])
        moves = group is not None and (group["context_type"], group["context_id"]) != context
        if moves and (group["context_type"] == "Course" or context[0] == "Course"):
            writer.flush()  # the guard reads the database
            if group_has_memberships(conn, group["id"]):
                run.warn(file, f"Cannot move group {sis_id} because it has group_memberships.", row)
                continue
        edit = ObjectEdit(run, group)
        previous_integration_id = edit.value("integration_id")
        set_integration_id(edit, row)
        holder = by_integration_id.get(edit.value("integration_id"))
        if holder is not None and holder["id"] != edit.value("id"):
            run.warn(file, f"A group did not pass validation (group: {sis_id}, error: Integration has already been taken).", row)
            continue
        edit.set("context_type", context[0])
        edit.set("context_id", context[1])
        if category is not None:
            edit.set("group_category_id", category["id"])
        elif context[0] == "Course":
            # Canvas puts a course group without a category in the course's "Student Groups".
            edit.set("group_category_id", student_groups.for_course(context[1], edit.value("group_category_id")))
        if name:
            edit.set_sticky("name", name)
        edit.set("workflow_state", "deleted" if status == "deleted" else "available")
        stored = save(writer, "groups", edit,
                      {"root_account_id": run.root_account_id, "sis_source_id": sis_id, "non_collaborative": 0})
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


STUDENT_GROUPS = "Student Groups"


class StudentGroupCategories:
    """The "Student Groups" category of each course, made on first use as Canvas makes it.

    It is the course's student-organised category: no SIS id, named "Student Groups". A course
    group's category that is one of these but belongs elsewhere (an old course) follows the group.
    """

    def __init__(self, conn: sqlite3.Connection, writer: BatchWriter, run: ImportRun, groups: SisIdCache,
                 group_sis_ids: list[str]) -> None:
        self.writer = writer
        self.run = run
        self._by_course: dict[int, dict[str, Any]] = {}
        self._by_id: dict[int, dict[str, Any]] = {}
        found = fetch_in(conn, "group_categories", "name", [STUDENT_GROUPS],
                         scope={"root_account_id": run.root_account_id},
                         condition="sis_source_id IS NULL AND non_collaborative = 0 AND workflow_state <> 'deleted'")
        for row in as_dicts(found):
            self._by_id[row["id"]] = row
            if row["context_type"] == "Course":
                self._by_course.setdefault(row["context_id"], row)

    def for_course(self, course_id: int, current_category_id: int | None) -> int:
        """The id of the category a course group without a named category belongs in."""
        current = self._by_id.get(current_category_id) if current_category_id is not None else None
        if current is not None:
            if (current["context_type"], current["context_id"]) != ("Course", course_id):
                self.writer.update("group_categories", current,
                                   {"context_type": "Course", "context_id": course_id})
                self._by_course.setdefault(course_id, current)
            return current["id"]
        if current_category_id is not None:
            return current_category_id  # a category of its own, kept
        category = self._by_course.get(course_id)
        if category is None:
            category = self.writer.insert("group_categories", {
                "id": self.writer.new_id("group_categories"), "root_account_id": self.run.root_account_id,
                "context_type": "Course", "context_id": course_id, "name": STUDENT_GROUPS,
                "workflow_state": "active", "non_collaborative": 0,
            }, record=False)
            self._by_course[course_id] = category
            self._by_id[category["id"]] = category
        return category["id"]


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
        # Canvas checks it whatever the status: no row touches the membership of a user who is
        # not (or no longer) enrolled in the group's course.
        if group["context_type"] == "Course" and (login["user_id"], group["context_id"]) not in enrolled:
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
    # A row this batch inserted holds only the columns it set; the column's default is 0.
    return obj is not None and bool(obj.get("non_collaborative", 0)) != non_collaborative


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
