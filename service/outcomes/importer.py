"""Importing outcomes CSV rows into the outcomes store, as Canvas's ``Outcomes::Import`` does.

``import_batch(conn, run, rows)`` runs inside one write transaction per batch and returns the row
errors ``[(line, message), ...]`` (sections 12.2-12.7). A failing row is skipped; the others are
kept. The ``OutcomeImportRun`` carries what must survive from one batch to the next: above all
the groups this import has already written, which are the only valid ``parent_guids``.

Outcome rows (nearly all of a real file) are decided in memory against objects loaded for the
whole batch and written together (``records.OutcomeBatch``); group rows, a small minority that may
walk and reshape the group tree, go to the store directly.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from ..clock import utc_now
from ..store import outcomes as store
from ..store.outcomes import ACCOUNT, Context, ContextInfo
from ..store.sis_objects import get_course
from .reader import CsvRow, OutcomesHeader, invalid_utf8_cell
from .records import (
    ACTIVE, DEFAULT_MASTERY_POINTS, DEFAULT_POINTS_POSSIBLE, DEFAULT_RATINGS, DELETED, NO_COMMENT,
    OutcomeBatch, OutcomeRecord,
)
from .rules import (
    DEFAULT_CALCULATION_METHOD, METHODS_WITHOUT_INT, MAX_FRIENDLY_DESCRIPTION_LENGTH, Rating,
    RowError, check_object, default_calculation_int, group_validation_errors,
    outcome_validation_errors, parse_number, parse_ratings,
)
from .ruby import inspect_list, inspect_string, is_blank, split_words, to_i

# Reserved vendor_guid forms that refer to an existing record by id (matched anywhere, as Canvas).
CANVAS_OUTCOME_ID = re.compile(r"canvas_outcome:(\d+)")
CANVAS_GROUP_ID = re.compile(r"canvas_outcome_group:(\d+)")


class OutcomeGroupNotFound(LookupError):
    """The import's target group does not exist: Canvas fails the whole import unexpectedly."""


class GroupRef(NamedTuple):
    """An outcome group as a parent: its id and its context."""

    id: int
    context: Context


# The known text fields of a row, in the order of Item's fields.
TEXT_FIELDS = (
    "vendor_guid", "title", "object_type", "canvas_id", "course_id", "description",
    "friendly_description", "display_name", "parent_guids", "calculation_method",
    "calculation_int", "workflow_state", "mastery_points",
)


class Columns:
    """Where the known fields sit in a row of this file."""

    def __init__(self, header: OutcomesHeader) -> None:
        self.position = {name: header.columns.get(name) for name in TEXT_FIELDS}
        # One C-level call reads every field; a field the file lacks reads the "" appended
        # after the row's last cell (index -1).
        self.read = itemgetter(*(
            -1 if position is None else position for position in self.position.values()
        ))
        # Canvas lists a group's forbidden fields in the order of the file's columns.
        self.group_only = tuple(sorted(
            (position, name) for name, position in self.position.items()
            if position is not None and name in ("calculation_method", "calculation_int")
        ))


@dataclass(slots=True)
class Item:
    """One non-blank row, its fields by name ("" where the row or the file has none)."""

    line: int
    vendor_guid: str
    title: str
    object_type: str
    canvas_id: str
    course_id: str
    description: str
    friendly_description: str
    display_name: str
    parent_guids: str
    calculation_method: str
    calculation_int: str
    workflow_state: str
    mastery_points_text: str
    ratings: tuple[Rating, ...]
    mastery_points: float | None = None


@dataclass
class OutcomeImportRun:
    """One run of one outcome import, and the state its batches share."""

    import_id: int
    context: ContextInfo
    target_group_id: int | None
    header: OutcomesHeader
    columns: Columns = field(init=False)
    # Canvas's ``allow_indirect``: with a course_id column, outcomes may be linked to groups this
    # import created in other contexts (its courses).
    allow_indirect: bool = field(init=False)
    # vendor_guid -> the groups this run has written (Canvas: stamped with this import's id).
    groups_in_import: dict[str, list[GroupRef]] = field(default_factory=dict)
    _root_groups: dict[Context, GroupRef] = field(default_factory=dict)
    _contexts: dict[Context, ContextInfo] = field(default_factory=dict)
    _target_group: sqlite3.Row | None = None
    _indirect_scope: frozenset[Context] | None = None

    def __post_init__(self) -> None:
        self.columns = Columns(self.header)
        self.allow_indirect = "course_id" in self.header.columns

    @classmethod
    def start(
        cls, conn: sqlite3.Connection, *, import_id: int, context: Context,
        target_group_id: int | None, header: OutcomesHeader,
    ) -> "OutcomeImportRun":
        """A run for an import of this account or course (which must exist)."""
        info = store.load_context(conn, context)
        if info is None:
            raise LookupError(f"Couldn't find {context[0]} with 'id'={context[1]}")
        return cls(import_id, info, target_group_id, header)

    def can_see(self, context: Context | None) -> bool:
        """Canvas's ``child_context?(context, of: other)``: the import's context or an account above."""
        if context is None or context == self.context.key:
            return True
        return context[0] == ACCOUNT and context[1] in self.context.account_chain

    def context_info(self, conn: sqlite3.Connection, context: Context) -> ContextInfo:
        """The import's own context, or a course its groups are placed in."""
        if context == self.context.key:
            return self.context
        info = self._contexts.get(context)
        if info is None:
            info = store.load_context(conn, context)
            assert info is not None, "only existing courses are ever placed in"
            self._contexts[context] = info
        return info

    def target_group(self, conn: sqlite3.Connection) -> sqlite3.Row:
        """The group of ``/group/:learning_outcome_group_id``, in any context and state."""
        if self._target_group is None:
            assert self.target_group_id is not None
            self._target_group = store.get_group(conn, self.target_group_id)
            if self._target_group is None:
                raise OutcomeGroupNotFound(
                    f"Couldn't find LearningOutcomeGroup with 'id'={self.target_group_id}"
                )
        return self._target_group

    def root_group(self, conn: sqlite3.Connection, context: Context, now: str) -> GroupRef:
        """Canvas's ``find_or_create_root``: the context's root group, created on first use."""
        ref = self._root_groups.get(context)
        if ref is None:
            row = store.find_root_group(conn, context)
            if row is not None:
                ref = GroupRef(row["id"], context)
            else:
                info = self.context_info(conn, context)
                group_id = store.insert_group(
                    conn, context=context, root_account_id=info.root_account_id, title=info.name,
                    parent_group_id=None, vendor_guid=None, description=None,
                    workflow_state=ACTIVE, outcome_import_id=None, now=now,
                )
                ref = GroupRef(group_id, context)
            self._root_groups[context] = ref
        return ref

    def indirect_scope(self, conn: sqlite3.Connection) -> frozenset[Context]:
        """Contexts whose links an outcome row may remove when ``allow_indirect`` (Canvas: this
        account, its sub-accounts, and the courses of its sub-accounts)."""
        if self._indirect_scope is None:
            below = store.sub_account_ids(conn, self.context.id)
            self._indirect_scope = frozenset(
                [(ACCOUNT, self.context.id)]
                + [(ACCOUNT, account_id) for account_id in below]
                + [("Course", course_id) for course_id in store.course_ids_in_accounts(conn, below)]
            )
        return self._indirect_scope


def import_batch(
    conn: sqlite3.Connection, run: OutcomeImportRun, rows: list[CsvRow]
) -> list[tuple[int, str]]:
    """Import a batch of data rows; returns the row errors as (line, message) pairs."""
    now = utc_now()
    errors: list[tuple[int, str]] = []
    batch = _load_batch(conn, run, rows)
    for index, row in enumerate(rows):
        try:
            item = _parse_row(run, row)
            if item is None:
                continue
            if item.object_type == "outcome":
                _import_outcome(conn, run, batch, item, now)
            elif item.object_type == "group":
                deleted_group_id = _import_group(conn, run, item, now)
                if deleted_group_id is not None:
                    # Deleting a group reaches outcomes and links this batch may hold: write them,
                    # delete the tree in the store, and load the rest of the batch afresh.
                    batch.flush(now)
                    store.delete_group_tree(conn, deleted_group_id, now)
                    batch = _load_batch(conn, run, rows[index + 1:])
            else:
                raise RowError(f'Invalid object_type: "{item.object_type}"')
        except RowError as error:
            errors.extend((row.line, message) for message in error.messages)
    batch.flush(now)
    return errors


def _load_batch(conn: sqlite3.Connection, run: OutcomeImportRun, rows: list[CsvRow]) -> OutcomeBatch:
    """An OutcomeBatch holding every outcome the outcome rows among ``rows`` may name."""
    type_at, guid_at = run.columns.position["object_type"], run.columns.position["vendor_guid"]
    assert type_at is not None and guid_at is not None  # required headers
    guids: list[str] = []
    ids: list[int] = []
    for row in rows:
        cells = row.cells
        # A row with bytes that are not UTF-8 is refused before it is looked at.
        if not row.invalid_utf8 and len(cells) > max(type_at, guid_at) and cells[type_at] == "outcome":
            match = CANVAS_OUTCOME_ID.search(cells[guid_at])
            if match:
                ids.append(int(match.group(1)))
            else:
                guids.append(cells[guid_at])
    batch = OutcomeBatch(conn)
    batch.load(guids, ids)
    return batch


def _parse_row(run: OutcomeImportRun, row: CsvRow) -> Item | None:
    """Canvas's ``parse_batch``/``import_row`` checks, in Canvas's order; None for a blank row."""
    cells = row.cells
    if row.invalid_utf8:
        bad_cell = invalid_utf8_cell(cells)
        if bad_cell is not None:
            raise RowError(f"Not a valid utf-8 string: {inspect_string(bad_cell)}")
    if not "".join(cells).strip():
        return None  # every cell blank (Ruby's blank?: empty or Unicode whitespace)
    ratings_start = run.header.ratings_start
    if len(cells) < ratings_start:
        # Canvas crashes on a row shorter than its header; missing cells are read as empty here.
        cells = cells + [""] * (ratings_start - len(cells))
    item = Item(row.line, *run.columns.read(cells + [""]), parse_ratings(tuple(cells[ratings_start:])))
    if not is_blank(item.mastery_points_text):
        item.mastery_points = parse_number(item.mastery_points_text, "mastery points")
    friendly_description = item.friendly_description
    if len(friendly_description) > MAX_FRIENDLY_DESCRIPTION_LENGTH and not is_blank(friendly_description):
        raise RowError(
            f"Friendly description is too long (maximum is {MAX_FRIENDLY_DESCRIPTION_LENGTH} characters)"
        )
    check_object(item.vendor_guid, item.title, item.workflow_state)
    return item


def _find_parents(
    conn: sqlite3.Connection, run: OutcomeImportRun, item: Item, context: Context, now: str, *,
    allow_indirect: bool = False, existing_group: sqlite3.Row | None = None,
) -> list[GroupRef]:
    """Canvas's ``find_parents``: the groups an item goes under."""
    if existing_group is not None and run.target_group_id is not None:
        target = run.target_group(conn)
        if existing_group["id"] in store.group_ancestor_ids(conn, target):
            raise RowError(f"Cyclic reference detected when importing: {item.vendor_guid}")
    if is_blank(item.parent_guids):
        if run.target_group_id is not None:
            target = run.target_group(conn)
            return [GroupRef(target["id"], (target["context_type"], target["context_id"]))]
        return [run.root_group(conn, context, now)]
    guids = _split_guids(item.parent_guids)
    parents: list[GroupRef] = []
    found: set[str] = set()
    for guid in guids:
        for ref in run.groups_in_import.get(guid, ()):
            if allow_indirect or ref.context == context:
                parents.append(ref)
                found.add(guid)
    missing = [guid for guid in guids if guid not in found]
    if missing:
        raise RowError(f"Parent references not found prior to this row: {inspect_list(missing)}")
    return parents


@lru_cache(maxsize=4096)
def _split_guids(parent_guids: str) -> tuple[str, ...]:
    """Ruby's ``strip.split.uniq`` of a parent_guids cell (ASCII whitespace separates)."""
    return tuple(dict.fromkeys(split_words(parent_guids)))


# --- groups -----------------------------------------------------------------------------------


def _import_group(
    conn: sqlite3.Connection, run: OutcomeImportRun, item: Item, now: str
) -> int | None:
    """Canvas's ``import_group``; returns the group's id when the row deletes it."""
    invalid_names = [
        name for _, name in run.columns.group_only if not is_blank(getattr(item, name))
    ] + (["ratings"] if item.ratings else [])
    if invalid_names:
        raise RowError(f"Invalid fields for a group: {inspect_list(invalid_names)}")

    group_context = run.context.key
    if not is_blank(item.course_id):
        group_context = _course_context(conn, run, item.course_id)

    model = store.find_group_by_guid(conn, group_context, item.vendor_guid)
    if model is None:
        match = CANVAS_GROUP_ID.search(item.vendor_guid)
        if match:
            by_id = store.get_group(conn, int(match.group(1)))
            if by_id is None:
                # Canvas quotes the canvas_id column here, which is usually empty.
                raise RowError(f"Outcome group with canvas id {item.canvas_id} not found")
            if (by_id["context_type"], by_id["context_id"]) == group_context:
                model = by_id

    parents = _find_parents(conn, run, item, group_context, now, existing_group=model)
    if len(parents) > 1:
        raise RowError("An outcome group can only have one parent")
    if model is not None and model["outcome_import_id"] == run.import_id:
        raise RowError(f'Group "{item.vendor_guid}" has already appeared in this import')
    description = item.description  # Canvas: ``group[:description] || ""``
    errors = group_validation_errors(item.vendor_guid, item.title, description)
    if errors:
        raise RowError(*errors)

    workflow_state = item.workflow_state or ACTIVE
    parent_id = parents[0].id
    if model is None:
        group_id = store.insert_group(
            conn, context=group_context,
            root_account_id=run.context_info(conn, group_context).root_account_id,
            title=item.title, parent_group_id=parent_id, vendor_guid=item.vendor_guid,
            description=description, workflow_state=workflow_state,
            outcome_import_id=run.import_id, now=now,
        )
    else:
        group_id = model["id"]
        store.update_group(
            conn, group_id, title=item.title, parent_group_id=parent_id,
            vendor_guid=item.vendor_guid, description=description, workflow_state=workflow_state,
            outcome_import_id=run.import_id, now=now,
        )
    run.groups_in_import.setdefault(item.vendor_guid, []).append(GroupRef(group_id, group_context))
    return group_id if workflow_state == DELETED else None


def _course_context(conn: sqlite3.Connection, run: OutcomeImportRun, course_id_text: str) -> Context:
    """The course a group's ``course_id`` names, if an account import may place groups there."""
    if run.context.type != ACCOUNT:
        raise RowError("Cannot import to other courses")
    course = get_course(conn, to_i(course_id_text))  # any course, whatever its state
    if course is None:
        raise RowError(f"Course with canvas id {course_id_text} not found")
    if run.context.id not in store.account_chain(conn, course["account_id"]):
        raise RowError(
            f"Target course {course_id_text} is not a child of current account ({run.context.name})"
        )
    return ("Course", course["id"])


# --- outcomes ---------------------------------------------------------------------------------

# LearningOutcome columns in table order: the order of ``model.changes.keys`` in Canvas's
# "Cannot modify outcome from another context" message, with the attribute each one holds.
_CHANGE_ORDER = (
    ("short_description", "title"), ("description", "description"), ("data", "ratings"),
    ("data", "mastery_points"), ("data", "points_possible"), ("workflow_state", "workflow_state"),
    ("vendor_guid", "vendor_guid"), ("display_name", "display_name"),
    ("calculation_method", "calculation_method"), ("calculation_int", "calculation_int"),
)
# What a row writes onto an existing outcome of its own context.
_ASSIGNED_FIELDS = (
    "vendor_guid", "title", "description", "display_name", "calculation_method", "calculation_int",
    "workflow_state", "ratings", "mastery_points", "points_possible", "outcome_import_id",
)


def _import_outcome(
    conn: sqlite3.Connection, run: OutcomeImportRun, batch: OutcomeBatch, item: Item, now: str
) -> None:
    """Canvas's ``import_outcome``."""
    if not is_blank(item.course_id):
        raise RowError('Invalid fields for an outcome: ["course_id"]')
    model = _find_prior_outcome(batch, item)
    if model is not None and not run.can_see(model.context):
        assert model.context is not None
        raise RowError(
            f"Outcome with ID {item.vendor_guid} already exists in another unrelated course or"
            f" account ({store.context_name(conn, model.context)})"
        )
    parents = _find_parents(conn, run, item, run.context.key, now, allow_indirect=run.allow_indirect)
    if model is not None and model.outcome_import_id == run.import_id:
        raise RowError(f'Outcome "{item.vendor_guid}" has already appeared in this import')

    assigned = _assigned_outcome(run, model, item)
    if model is None or model.context == run.context.key:
        model = _save_outcome(batch, model, assigned)
    else:
        changes = _changed_attributes(model, assigned)
        if changes:
            where = f'"{store.context_name(conn, model.context)}"' if model.context else "the global context"
            raise RowError(
                f"Cannot modify outcome from another context: {inspect_list(changes)};"
                f" outcome must be modified in {where}"
            )

    if item.workflow_state == DELETED:
        parents = []
    _update_outcome_parents(conn, run, batch, model, parents)
    _update_friendly_description(run, batch, model, item)


def _find_prior_outcome(batch: OutcomeBatch, item: Item) -> OutcomeRecord | None:
    """Canvas's ``find_prior_outcome``: by canvas id, or by vendor_guid in any context."""
    match = CANVAS_OUTCOME_ID.search(item.vendor_guid)
    if match:
        found = batch.find_by_id(int(match.group(1)))
        if found is None:
            # Canvas quotes the canvas_id column here, which is usually empty.
            raise RowError(f'Outcome with canvas id "{item.canvas_id}" not found')
        return found
    return batch.find_by_guid(item.vendor_guid)


def _keep_blank(prior: str | None, given: str) -> str | None:
    # Canvas's infer_nil_value: an export writes nil as "", so a blank cell over a blank value
    # keeps the stored one; otherwise the cell wins, blank or not.
    if is_blank(given) and is_blank(prior):
        return prior
    return given or None


def _assigned_outcome(
    run: OutcomeImportRun, model: OutcomeRecord | None, item: Item
) -> OutcomeRecord:
    """The outcome as the row assigns it (Canvas's attribute writes, before its save callbacks)."""
    method = item.calculation_method
    if is_blank(method):
        method = DEFAULT_CALCULATION_METHOD
    calculation_int = (
        default_calculation_int(method) if is_blank(item.calculation_int) else to_i(item.calculation_int)
    )
    if model is None:
        workflow_state = ACTIVE
        ratings, mastery, possible = DEFAULT_RATINGS, DEFAULT_MASTERY_POINTS, DEFAULT_POINTS_POSSIBLE
    else:
        # A deleted row leaves the state alone: the outcome goes when its last link goes.
        workflow_state = model.workflow_state if item.workflow_state == DELETED else ACTIVE
        ratings, mastery, possible = model.ratings, model.mastery_points, model.points_possible
    description = _keep_blank(model.description if model else None, item.description)
    display_name = _keep_blank(model.display_name if model else None, item.display_name)
    # Canvas replaces the rubric when ratings or mastery_points are given and differ from it.
    if (item.ratings and item.ratings != ratings) or (
            item.mastery_points is not None and item.mastery_points != mastery):
        ratings, mastery, possible = _rubric(item.ratings, item.mastery_points)
    return OutcomeRecord(
        0, run.context.key, run.context.root_account_id, item.vendor_guid, item.title,
        description, display_name, method, calculation_int, mastery, possible, ratings,
        workflow_state, run.import_id,
    )


@lru_cache(maxsize=4096)
def _rubric(
    ratings: tuple[Rating, ...], mastery_points: float | None
) -> tuple[tuple[Rating, ...], float, float]:
    """LearningOutcome#rubric_criterion=: tiers best first, mastery defaulting to the top tier."""
    tiers = [Rating(rating.points, rating.description or NO_COMMENT) for rating in ratings]
    tiers = list(reversed(sorted(tiers, key=lambda rating: rating.points)))
    top = tiers[0].points if tiers else 0.0
    return tuple(tiers), mastery_points if mastery_points is not None else top, top


def _save_outcome(
    batch: OutcomeBatch, model: OutcomeRecord | None, assigned: OutcomeRecord
) -> OutcomeRecord:
    """Apply Canvas's save callbacks and validations, then keep the outcome for the flush."""
    if model is not None and assigned.calculation_method != model.calculation_method and (
            assigned.calculation_int == model.calculation_int
            or assigned.calculation_method in METHODS_WITHOUT_INT):
        # adjust_calculation_int: a changed method takes its default int unless a new int came
        # with it, and highest/latest always take theirs (none).
        assigned.calculation_int = default_calculation_int(assigned.calculation_method)
    errors = outcome_validation_errors(
        vendor_guid=assigned.vendor_guid, title=assigned.title, description=assigned.description,
        display_name=assigned.display_name, calculation_method=assigned.calculation_method,
        calculation_int=assigned.calculation_int,
    )
    if errors:
        raise RowError(*errors)
    if model is None:
        return batch.create(assigned)
    for name in _ASSIGNED_FIELDS:
        setattr(model, name, getattr(assigned, name))
    batch.changed(model)
    return model


def _changed_attributes(model: OutcomeRecord, assigned: OutcomeRecord) -> list[str]:
    """Canvas's ``model.changes.keys`` for an outcome a row would modify."""
    changes = list(dict.fromkeys(
        column for column, attribute in _CHANGE_ORDER
        if getattr(model, attribute) != getattr(assigned, attribute)
    ))
    # Canvas lets a row re-point only the vendor_guid of an outcome it may not modify.
    return [] if changes == ["vendor_guid"] else changes


def _update_outcome_parents(
    conn: sqlite3.Connection, run: OutcomeImportRun, batch: OutcomeBatch, outcome: OutcomeRecord,
    parents: list[GroupRef],
) -> None:
    """Canvas's ``update_outcome_parents``: link to the listed groups, unlink from the rest, and
    destroy an outcome left without any active link."""
    wanted = {parent.id: parent for parent in parents}
    links = batch.links_of(outcome.id)
    if not links:  # a new outcome: nothing to revive or remove
        for parent in wanted.values():
            batch.add_link(outcome.id, parent.id, parent.context)
        if not wanted:
            _destroy_outcome(batch, outcome)
        return
    links = list(links)
    linked_group_ids = {link.group_id for link in links}
    for link in links:
        if link.group_id in wanted and link.workflow_state == DELETED:
            batch.set_link_state(link, ACTIVE)
    new_parents = [parent for group_id, parent in wanted.items() if group_id not in linked_group_ids]
    for parent in new_parents:
        batch.add_link(outcome.id, parent.id, parent.context)
    if run.allow_indirect and run.context.type == ACCOUNT:
        scope = run.indirect_scope(conn)
    else:
        scope = frozenset([outcome.context]) if outcome.context else frozenset()
    for link in links:
        if link.group_id not in wanted and link.workflow_state == ACTIVE and link.context in scope:
            batch.set_link_state(link, DELETED)
    if not new_parents and not any(link.workflow_state == ACTIVE for link in links):
        _destroy_outcome(batch, outcome)


def _destroy_outcome(batch: OutcomeBatch, outcome: OutcomeRecord) -> None:
    # LearningOutcome#destroy, reached only once the outcome has no active link left.
    outcome.workflow_state = DELETED
    batch.changed(outcome)


def _update_friendly_description(
    run: OutcomeImportRun, batch: OutcomeBatch, outcome: OutcomeRecord, item: Item
) -> None:
    context = outcome.context or run.context.key
    if not is_blank(item.friendly_description):
        batch.set_friendly_description(outcome.id, context, item.friendly_description, ACTIVE)
        return
    if outcome.is_new:
        return  # created by this batch: it has no friendly description to delete
    existing = batch.friendly_description(outcome.id, context)
    if existing is not None and existing.workflow_state != DELETED:
        batch.set_friendly_description(outcome.id, context, None, DELETED)
