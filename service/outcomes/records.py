"""The outcomes, links and friendly descriptions one batch touches, held in memory and written once.

``OutcomeBatch`` loads everything the batch's outcome rows can reach with a few set-based queries,
lets the importer decide row by row against those objects, then writes what changed with
``executemany``. New rows get their ids up front (see ``store.outcomes.next_ids``), so a later row
of the same batch sees an outcome an earlier row created before anything is flushed.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import orjson

from ..store import outcomes as store
from ..store.outcomes import Context
from .rules import Rating

# LearningOutcome.default_rubric_criterion: what an outcome has until the CSV gives ratings.
DEFAULT_RATINGS: tuple[Rating, ...] = (
    Rating(5.0, "Exceeds Expectations"),
    Rating(3.0, "Meets Expectations"),
    Rating(0.0, "Does Not Meet Expectations"),
)
DEFAULT_MASTERY_POINTS = 3.0
DEFAULT_POINTS_POSSIBLE = 5.0
# LearningOutcome#rubric_criterion= names a tier without a description "No Comment".
NO_COMMENT = "No Comment"

ACTIVE = "active"
DELETED = "deleted"


@lru_cache(maxsize=4096)
def ratings_json(ratings: tuple[Rating, ...]) -> str:
    """The stored form of a rubric's tiers (outcomes of one file mostly share theirs)."""
    return orjson.dumps(
        [{"description": rating.description, "points": rating.points} for rating in ratings]
    ).decode()


@lru_cache(maxsize=4096)
def ratings_from_json(text: str) -> tuple[Rating, ...]:
    """A rubric's tiers from their stored form."""
    return tuple(Rating(item["points"], item["description"]) for item in orjson.loads(text))


@dataclass(slots=True)
class OutcomeRecord:
    """A learning outcome row."""

    id: int
    context: Context | None
    root_account_id: int | None
    vendor_guid: str | None
    title: str
    description: str | None
    display_name: str | None
    calculation_method: str
    calculation_int: int | None
    mastery_points: float
    points_possible: float
    ratings: tuple[Rating, ...]
    workflow_state: str
    outcome_import_id: int | None
    is_new: bool = False

    def as_row(self) -> tuple[object, ...]:
        context_type, context_id = self.context or (None, None)
        return (
            self.id, context_type, context_id, self.root_account_id, self.vendor_guid, self.title,
            self.description, self.display_name, self.calculation_method, self.calculation_int,
            self.mastery_points, self.points_possible, ratings_json(self.ratings), self.workflow_state,
            self.outcome_import_id,
        )

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "OutcomeRecord":
        context = (row["context_type"], row["context_id"]) if row["context_type"] else None
        return cls(
            row["id"], context, row["root_account_id"], row["vendor_guid"], row["title"],
            row["description"], row["display_name"], row["calculation_method"],
            row["calculation_int"], row["mastery_points"], row["points_possible"],
            ratings_from_json(row["ratings"]),
            row["workflow_state"], row["outcome_import_id"],
        )


@dataclass(slots=True)
class LinkRecord:
    """A learning_outcome_association: an outcome placed in a group (the group's context)."""

    id: int
    outcome_id: int
    group_id: int
    context: Context
    workflow_state: str
    is_new: bool = False


@dataclass(slots=True)
class FriendlyDescriptionRecord:
    """An outcome's friendly description in one context."""

    id: int
    outcome_id: int
    context: Context
    description: str
    workflow_state: str


class OutcomeBatch:
    """The unit of work of one batch (or of the part of a batch between two group deletions)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._by_guid: dict[str, list[OutcomeRecord]] = defaultdict(list)
        self._by_id: dict[int, OutcomeRecord] = {}
        self._links: dict[int, list[LinkRecord]] = defaultdict(list)
        self._friendly: dict[tuple[int, Context], FriendlyDescriptionRecord] = {}
        self._dirty_outcomes: dict[int, OutcomeRecord] = {}
        self._dirty_links: dict[int, LinkRecord] = {}
        self._dirty_friendly: dict[int, FriendlyDescriptionRecord] = {}
        self._next_outcome_id, self._next_link_id, self._next_friendly_id = store.next_ids(conn)

    def load(self, vendor_guids: Iterable[str], outcome_ids: Iterable[int] = ()) -> None:
        """Fetch the outcomes with these guids or ids, with their links and friendly descriptions."""
        found = [OutcomeRecord.from_row(row) for row in store.outcomes_by_guids(self.conn, vendor_guids)]
        for outcome_id in outcome_ids:
            if outcome_id not in self._by_id:
                row = store.outcome_by_id(self.conn, outcome_id)
                if row is not None:
                    found.append(OutcomeRecord.from_row(row))
        fresh = [record for record in found if record.id not in self._by_id]
        for record in fresh:
            self._remember(record)
        fresh_ids = [record.id for record in fresh]
        if not fresh_ids:
            return
        for row in store.links_of_outcomes(self.conn, fresh_ids):
            self._links[row["outcome_id"]].append(LinkRecord(
                row["id"], row["outcome_id"], row["group_id"],
                (row["context_type"], row["context_id"]), row["workflow_state"],
            ))
        for row in store.friendly_descriptions_of(self.conn, fresh_ids):
            context = (row["context_type"], row["context_id"])
            self._friendly[(row["outcome_id"], context)] = FriendlyDescriptionRecord(
                row["id"], row["outcome_id"], context, row["description"], row["workflow_state"]
            )

    def _remember(self, record: OutcomeRecord) -> None:
        self._by_id[record.id] = record
        if record.vendor_guid is not None:
            self._by_guid[record.vendor_guid].append(record)

    def find_by_guid(self, vendor_guid: str) -> OutcomeRecord | None:
        """The outcome with this vendor_guid in any context, active ones first (loaded guids only)."""
        candidates = self._by_guid.get(vendor_guid)
        if not candidates:
            return None
        return min(candidates, key=lambda record: (record.workflow_state != ACTIVE, record.id))

    def find_by_id(self, outcome_id: int) -> OutcomeRecord | None:
        """The outcome with this id (loaded ids only)."""
        return self._by_id.get(outcome_id)

    def create(self, record: OutcomeRecord) -> OutcomeRecord:
        """Give a new outcome its id and keep it for the flush."""
        record.id = self._next_outcome_id
        self._next_outcome_id += 1
        record.is_new = True
        self._remember(record)
        self._dirty_outcomes[record.id] = record
        return record

    def changed(self, record: OutcomeRecord) -> None:
        """Mark an outcome to be written."""
        self._dirty_outcomes[record.id] = record

    def links_of(self, outcome_id: int) -> list[LinkRecord]:
        """Every link of a loaded or new outcome."""
        return self._links[outcome_id]

    def add_link(self, outcome_id: int, group_id: int, context: Context) -> None:
        """Place an outcome in a group."""
        link = LinkRecord(self._next_link_id, outcome_id, group_id, context, ACTIVE, is_new=True)
        self._next_link_id += 1
        self._links[outcome_id].append(link)
        self._dirty_links[link.id] = link

    def set_link_state(self, link: LinkRecord, workflow_state: str) -> None:
        """Activate or delete a link."""
        if link.workflow_state != workflow_state:
            link.workflow_state = workflow_state
            self._dirty_links[link.id] = link

    def friendly_description(
        self, outcome_id: int, context: Context
    ) -> FriendlyDescriptionRecord | None:
        """The friendly description of an outcome in a context, if it has one."""
        return self._friendly.get((outcome_id, context))

    def set_friendly_description(
        self, outcome_id: int, context: Context, description: str | None, workflow_state: str
    ) -> None:
        """Create or update a friendly description (``None`` keeps the text)."""
        record = self._friendly.get((outcome_id, context))
        if record is None:
            assert description is not None
            record = FriendlyDescriptionRecord(
                self._next_friendly_id, outcome_id, context, description, workflow_state
            )
            self._next_friendly_id += 1
            self._friendly[(outcome_id, context)] = record
        else:
            if description is not None:
                record.description = description
            record.workflow_state = workflow_state
        self._dirty_friendly[record.id] = record

    def flush(self, now: str) -> None:
        """Write every change of this unit of work."""
        new = [record.as_row() for record in self._dirty_outcomes.values() if record.is_new]
        old = [record.as_row() for record in self._dirty_outcomes.values() if not record.is_new]
        store.insert_outcomes(self.conn, new, now)
        store.update_outcomes(self.conn, old, now)
        store.insert_links(self.conn, [
            (link.id, link.outcome_id, link.group_id, *link.context, link.workflow_state)
            for link in self._dirty_links.values() if link.is_new
        ], now)
        store.update_link_states(self.conn, [
            (link.workflow_state, link.id) for link in self._dirty_links.values() if not link.is_new
        ], now)
        store.upsert_friendly_descriptions(self.conn, [
            (record.id, record.outcome_id, *record.context, record.description, record.workflow_state)
            for record in self._dirty_friendly.values()
        ], now)
        for record in self._dirty_outcomes.values():
            record.is_new = False
        for link in self._dirty_links.values():
            link.is_new = False
        self._dirty_outcomes.clear()
        self._dirty_links.clear()
        self._dirty_friendly.clear()
