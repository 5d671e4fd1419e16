"""What every per-kind importer shares: status matching, lenient dates, stickiness, small caches.

Status matching follows section 9.1: most kinds accept a case-insensitive *prefix* match (Canvas
tests ``status =~ /\\A(active|deleted)/i``, so ``activeXYZ`` passes), cross-lists and
user_observers want an exact case-insensitive match, admins compare the downcased, stripped value.
"""

from __future__ import annotations

import functools
import itertools
import re
import sqlite3
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from ...clock import CANVAS_TIME_FORMAT
from ...store.sis_batch import BatchWriter, as_dicts, fetch_in
from ..context import ImportRun, SisRow

# Canvas's sentinel for "remove this value" (course dates, pronouns, integration ids).
DELETE_SENTINEL = "<delete>"


@functools.cache
def _longest_first(allowed: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(allowed, key=len, reverse=True))


def ruby_to_i(text: str) -> int:
    """Ruby's String#to_i: the leading integer, 0 when there is none ("not an id" -> 0)."""
    match = re.match(r"\s*([-+]?[0-9]+)", text.replace("_", ""))
    return int(match.group(1)) if match else 0


def match_status_prefix(value: str | None, allowed: tuple[str, ...]) -> str | None:
    """The allowed status ``value`` starts with (case-insensitive), longest first; else None."""
    if not value:
        return None
    lowered = value.lower()
    if lowered in allowed:  # the common case, without scanning
        return lowered
    for status in _longest_first(allowed):
        if lowered.startswith(status):
            return status
    return None


def match_status_exact(value: str | None, allowed: tuple[str, ...]) -> str | None:
    """The allowed status equal to ``value`` ignoring case; else None."""
    if not value:
        return None
    lowered = value.lower()
    return lowered if lowered in allowed else None


def skipped_as_delete(run: ImportRun, status: str | None) -> bool:
    """True when skip_deletes is on and the row deletes: section 7.2 skips it silently, uncounted."""
    return run.options.skip_deletes and status is not None and status.startswith("deleted")


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d %b %Y",
    "%b %d %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d %Y",
    "%B %d, %Y",
)
_TRAILING_ZONE = re.compile(r"\s*(UTC|GMT)$", re.IGNORECASE)


def parse_date(text: str) -> str | None:
    """A Canvas timestamp for a CSV date, parsed leniently like Ruby's DateTime.parse; else None.

    Dates without a zone are taken as UTC (the account's default time zone).
    """
    candidate = _TRAILING_ZONE.sub("", text.strip())
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(candidate.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        for pattern in _DATE_FORMATS:
            try:
                moment = datetime.strptime(candidate, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime(CANVAS_TIME_FORMAT)


def parse_dates(
    row: SisRow, names: tuple[str, ...]
) -> tuple[dict[str, str | None], bool]:
    """Parse the row's date columns; a bad one becomes None. Returns (dates, all_parsed).

    The ``<delete>`` sentinel is passed through for the importers that honour it.
    """
    values = row.values
    dates: dict[str, str | None] = {}
    all_parsed = True
    for name in names:
        text = values.get(name)
        if text is None or text == DELETE_SENTINEL:
            dates[name] = text
            continue
        parsed = parse_date(text)
        if parsed is None:
            all_parsed = False
        dates[name] = parsed
    return dates, all_parsed


def without_sentinel(date: str | None) -> str | None:
    """A parsed date, with the ``<delete>`` sentinel meaning "no date"."""
    return None if date == DELETE_SENTINEL else date


def parse_bool(text: str | None) -> bool | None:
    """Canvas's value_to_boolean for an optional CSV column; None when the column is empty."""
    if text is None:
        return None
    return text.lower() in ("1", "true", "yes", "on", "t", "y")


def parse_stuck(text: str | None) -> set[str]:
    """The sticky field names stored in ``stuck_sis_fields``."""
    return {name for name in (text or "").split(",") if name}


class ObjectEdit:
    """The changes one CSV row makes to one object, honouring sticky fields (section 7.3).

    ``set_sticky`` leaves a field alone when it is stuck, unless the import overrides
    stickiness. At the end, ``stuck_sis_fields`` gains the sticky fields this row changed
    (add_sis_stickiness) or loses the ones it touched (clear_sis_stickiness, which wins).
    """

    __slots__ = ("run", "current", "changes", "stuck", "touched_sticky", "changed_sticky")

    def __init__(self, run: ImportRun, current: dict[str, Any] | None) -> None:
        self.run = run
        self.current = current
        self.changes: dict[str, Any] = {}
        self.stuck = parse_stuck(current.get("stuck_sis_fields")) if current else set()
        self.touched_sticky: set[str] = set()
        self.changed_sticky: set[str] = set()

    @property
    def is_new(self) -> bool:
        return self.current is None

    def value(self, field: str) -> Any:
        """The field's value after this edit."""
        if field in self.changes:
            return self.changes[field]
        return self.current.get(field) if self.current is not None else None

    def is_stuck(self, field: str) -> bool:
        """Whether the import must leave ``field`` alone."""
        return (
            self.current is not None
            and field in self.stuck
            and not self.run.options.override_sis_stickiness
        )

    def set(self, field: str, value: Any) -> None:
        """Set a field that is never sticky."""
        if self.current is None or self.current.get(field) != value:
            self.changes[field] = value

    def set_sticky(self, field: str, value: Any, *, even_if_stuck: bool = False) -> None:
        """Set a sticky field unless it is stuck (``even_if_stuck``: fill a blank stuck field)."""
        self.touched_sticky.add(field)
        if self.is_stuck(field) and not even_if_stuck:
            return
        if self.current is None or self.current.get(field) != value:
            self.changes[field] = value
            self.changed_sticky.add(field)

    def touch(self, field: str) -> None:
        """Note that the row addressed a sticky field without changing it."""
        self.touched_sticky.add(field)

    def final_stuck_fields(self) -> str:
        """The ``stuck_sis_fields`` value after this edit."""
        stuck = set(self.stuck)
        if self.run.options.clear_sis_stickiness:
            stuck -= self.touched_sticky
        elif self.run.options.add_sis_stickiness:
            stuck |= self.changed_sticky
        return ",".join(sorted(stuck))

    def finish(self) -> dict[str, Any]:
        """The changes to write, including the new ``stuck_sis_fields`` when it moved."""
        stuck = self.final_stuck_fields()
        if self.current is None or stuck != (self.current.get("stuck_sis_fields") or ""):
            self.changes["stuck_sis_fields"] = stuck
        return self.changes


def new_object_stuck_fields(run: ImportRun, sticky_fields: Iterable[str]) -> str:
    """``stuck_sis_fields`` of an object a row creates, given the sticky fields the row set.

    What ``ObjectEdit`` arrives at for a new object (every field it sets counts as changed),
    for the importers' creation paths that build the row directly.
    """
    options = run.options
    if options.add_sis_stickiness and not options.clear_sis_stickiness:
        return ",".join(sorted(sticky_fields))
    return ""


class SisIdCache:
    """Objects of one table keyed by one column, prefetched per batch, updated as rows apply.

    ``load`` fetches the keys not seen yet with one query; ``get`` and ``put`` serve and record
    the batch's view, so a later row sees what an earlier row of the same batch created.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        table: str,
        column: str,
        scope: dict[str, Any] | None = None,
        condition: str | None = None,
    ) -> None:
        self.conn = conn
        self.table = table
        self.column = column
        self.scope = scope
        self.condition = condition
        self._objects: dict[Any, dict[str, Any] | None] = {}

    @classmethod
    def for_rows(
        cls,
        conn: sqlite3.Connection,
        table: str,
        column: str,
        scope: dict[str, Any] | None,
        rows: list[SisRow],
        row_column: str,
        condition: str | None = None,
    ) -> "SisIdCache":
        """A cache of ``table`` by ``column``, loaded with the batch's ``row_column`` values."""
        cache = cls(conn, table, column, scope, condition)
        cache.load(column_values(rows, row_column))
        return cache

    def load(self, values: Iterable[Any]) -> None:
        """Fetch the objects for ``values`` not cached yet (absent ones are cached as None)."""
        missing = [v for v in dict.fromkeys(values) if v is not None and v not in self._objects]
        if not missing:
            return
        for key in missing:
            self._objects[key] = None
        found = fetch_in(self.conn, self.table, self.column, missing, scope=self.scope, condition=self.condition)
        for row in as_dicts(found):
            self._objects[row[self.column]] = row

    def get(self, value: Any) -> dict[str, Any] | None:
        """The cached object for ``value``, loading it on a miss."""
        if value is None:
            return None
        if value not in self._objects:
            self.load([value])
        return self._objects.get(value)

    def put(self, value: Any, obj: dict[str, Any] | None) -> None:
        """Record the batch's current object for ``value``."""
        if value is not None:
            self._objects[value] = obj

    def move(self, old_value: Any, new_value: Any, obj: dict[str, Any]) -> None:
        """Re-key an object whose cached column changed from ``old_value`` to ``new_value``."""
        if old_value is not None and old_value != new_value:
            self.put(old_value, None)
        self.put(new_value, obj)


def column_values(rows: list[SisRow], *names: str) -> list[str]:
    """The non-empty values of the given columns across a batch, for prefetching."""
    found: list[str] = []
    for row in rows:
        for name in names:
            value = row.values.get(name)
            if value is not None:
                found.append(value)
    return found


def save(writer: BatchWriter, table: str, edit: ObjectEdit, defaults: dict[str, Any]) -> dict[str, Any]:
    """Queue the edit: a new row (``defaults`` plus the changes) or an update; returns the row."""
    changes = edit.finish()
    if edit.current is None:
        return writer.insert(table, {"id": writer.new_id(table), **defaults, **changes})
    writer.update(table, edit.current, changes)
    return edit.current


def set_integration_id(edit: ObjectEdit, row: SisRow) -> None:
    """Canvas assigns integration_id whenever the column is present (blank clears it)."""
    if "integration_id" in row.values:
        edit.set("integration_id", row.values["integration_id"])


def integration_id_taken(cache: SisIdCache, integration_id: str | None, object_id: int | None) -> bool:
    """True when another object of the table already holds ``integration_id``."""
    if integration_id is None:
        return False
    holder = cache.get(integration_id)
    return holder is not None and holder["id"] != object_id


class BoundedCache:
    """A look-up cache of at most ``limit`` entries (the oldest go first), absences included.

    For caches that live across the batches of a run: their memory stays bounded however long
    the file is.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        # An absent key is cached as None, which is never a value: ``get`` answers both alike.
        self._entries: dict[Any, Any] = {}
        # The cached value, or None when absent or unknown (the dict's own get: hot loops call
        # it once per row).
        self.get: Callable[[Any], Any] = self._entries.get

    def missing(self, keys: Iterable[Any]) -> list[Any]:
        """The keys not cached."""
        entries = self._entries
        return [key for key in keys if key not in entries]

    def fill(self, looked_up: Iterable[Any], found: Iterable[tuple[Any, Any]]) -> None:
        """Cache the values ``found`` and mark every other key of ``looked_up`` absent."""
        entries = self._entries
        entries.update(dict.fromkeys(looked_up))
        entries.update(found)
        overflow = len(entries) - self.limit
        if overflow > 0:
            for key in list(itertools.islice(entries, overflow)):
                del entries[key]
