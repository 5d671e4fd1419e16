"""Diffing (section 7.6): an import of a data set applies only what changed since its baseline.

Canvas's SisBatch#generate_diff with SIS::CSV::DiffGenerator and the CsvDiff gem, run before the
rows. The baseline is the newest succeeded import of the same ``diffing_data_set_identifier``
that was a remaster or had a generated diff, else the earliest succeeded one; its *upload* is
what the current upload is compared with. CSVs are paired by kind (one of each, or, with several
of a kind, by their names in the upload); each pair becomes one diff CSV holding the rows added
or changed (whole rows compared, keyed by the kind's identifying fields, the last row of a key
winning) and then the rows that disappeared, with their status set to ``diffing_drop_status``
(enrollments), ``diffing_user_remove_status`` (users) or ``deleted``. The importers then see
only those rows.

The comparison runs off the event loop and costs little per unchanged row: each file's lines
are hashed a chunk at a time into a set of 64-bit ints (never the rows themselves), a line found
verbatim in both files is the same record, and only the lines of one file missing from the other
are parsed and compared by key and stripped values. Files whose quoted values span lines are
compared record by record instead (a hash of key and of values per baseline row). The changed
rows, a small share, are the only ones written out and imported.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import zipfile
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterator

from ..db import Database
from ..settings import Settings
from ..store import diffing as store
from ..store import files as files_store
from .context import Message
from .reader import CsvFileError, CsvSource, InspectedCsv, inspect_csv, list_sources

FILE_SIZE_EXCEEDED = "Diffing not performed because file size difference exceeded threshold"
ROW_COUNT_EXCEEDED = "Diffing not performed because difference row count exceeded threshold"
MISMATCHED = "Unable to perform diffing against mismatched previous and current {kind} imports"
COULD_NOT_DIFF = "Couldn't generate diff: {message}"
HEADERS_DO_NOT_MATCH = "CSV headers do not match, cannot diff"
NO_PRIMARY_KEY = "At least one primary key field must be present"

VALID_ENROLLMENT_DROP_STATUS = ("deleted", "inactive", "completed", "deleted_last_completed")
VALID_USER_REMOVE_STATUS = ("deleted", "suspended")

# Each importer's identifying_fields (lib/sis/csv/*_importer.rb). Canvas's own quirks are kept:
# group categories are keyed on group_id (a column their files do not have, so they are never
# diffed), user observers on observer_id alone, admins on user and account. role_id identifies
# an enrollment too (sis_batch_spec "treats role_id as an identifying field for diffs").
# Canvas's abstract course and grade publishing importers define none (diffing them raises);
# here they are keyed on their ids.
IDENTIFYING_FIELDS: dict[str, tuple[str, ...]] = {
    "change_sis_id": ("old_id", "old_integration_id"),
    "account": ("account_id",),
    "term": ("term_id",),
    "abstract_course": ("abstract_course_id",),
    "course": ("course_id",),
    "section": ("section_id",),
    "xlist": ("section_id",),
    "user": ("user_id",),
    "login": ("user_id",),
    "enrollment": ("course_id", "section_id", "user_id", "user_integration_id", "role", "role_id",
                   "associated_user_id"),
    "admin": ("user_id", "account_id"),
    "group_category": ("group_id",),
    "differentiation_tag_set": ("tag_set_id",),
    "group": ("group_id",),
    "differentiation_tag": ("tag_id",),
    "group_membership": ("group_id", "user_id"),
    "differentiation_tag_membership": ("tag_id", "user_id"),
    "grade_publishing_results": ("enrollment_id",),
    "user_observer": ("observer_id",),
}


class DiffFailure(Exception):
    """CsvDiff::Failure: this pair cannot be diffed; its current files are imported whole."""


@dataclass
class DiffOutcome:
    """What the import goes on with: the CSVs to import and what to record about the diff."""

    csvs: list[InspectedCsv]
    messages: list[Message] = field(default_factory=list)
    against_import_id: int | None = None  # set when a diff was generated and is applied
    threshold_exceeded: bool | None = None  # None: diffing was not attempted


@dataclass(frozen=True)
class DiffedCsv:
    """One generated diff CSV: rows added or changed, then rows removed."""

    current: InspectedCsv
    path: Path
    row_count: int


async def diff_against_baseline(
    db: Database, settings: Settings, sis_import: sqlite3.Row, options: dict[str, Any],
    upload_path: Path, current: list[InspectedCsv],
) -> DiffOutcome:
    """Replace ``current`` by its diff against the data set's baseline, when diffing applies;
    what was decided is recorded on the import (``diffing_threshold_exceeded``, and whether it
    now counts as a diff in its chain)."""
    if options.get("diffing_data_set_identifier") is None:
        return DiffOutcome(current)
    outcome = await _diff(db, settings, sis_import, options, upload_path, current)
    await db.write(lambda conn: store.save_diffing_outcome(
        conn, sis_import["id"], threshold_exceeded=outcome.threshold_exceeded,
        generated_diff=outcome.against_import_id is not None))
    return outcome


async def _diff(
    db: Database, settings: Settings, sis_import: sqlite3.Row, options: dict[str, Any],
    upload_path: Path, current: list[InspectedCsv],
) -> DiffOutcome:
    if options.get("diffing_remaster"):
        return DiffOutcome(current)  # joins the chain without diffing
    baseline = await db.read(store.find_diffing_baseline, sis_import["account_id"],
                             options["diffing_data_set_identifier"])
    if baseline is None:
        return DiffOutcome(current)
    baseline_upload = await db.read(files_store.get_file, baseline["upload_file_id"])
    baseline_path = settings.data_dir / baseline_upload["path"] if baseline_upload else None
    if baseline_path is None or not baseline_path.exists():
        return DiffOutcome(current)
    baseline_type = store.file_type_of(baseline)
    threshold = options.get("change_threshold")
    if threshold is not None:
        sizes = await asyncio.to_thread(
            lambda: (uncompressed_size(upload_path, options.get("_file_type", "csv")),
                     uncompressed_size(baseline_path, baseline_type)))
        if file_diff_percent(*sizes) > threshold:
            return DiffOutcome(current, [Message(None, FILE_SIZE_EXCEEDED, None, None, False)],
                               threshold_exceeded=True)
    work = settings.data_dir / "files" / f"sis_import_{sis_import['id']}" / "diff"
    statuses = {
        "enrollment": _valid(options.get("diffing_drop_status"), VALID_ENROLLMENT_DROP_STATUS),
        "user": _valid(options.get("diffing_user_remove_status"), VALID_USER_REMOVE_STATUS),
    }
    csvs, row_count, messages = await asyncio.to_thread(
        _generate, baseline_path, baseline_type, baseline_upload["display_name"], current,
        statuses, work, settings.max_zip_expansion_ratio)
    limit = options.get("diff_row_count_threshold")
    if limit is not None and row_count > limit:
        messages.append(Message(None, ROW_COUNT_EXCEEDED, None, None, False))
        return DiffOutcome(current, messages, threshold_exceeded=True)
    return DiffOutcome(csvs, messages, against_import_id=baseline["id"], threshold_exceeded=False)


def _valid(status: str | None, allowed: tuple[str, ...]) -> str:
    return status if status in allowed else "deleted"


def file_diff_percent(current_size: int, previous_size: int) -> float:
    """Canvas's |1 - current / previous| x 100 (an empty baseline differs infinitely)."""
    if previous_size == 0:
        return 0.0 if current_size == 0 else float("inf")
    return abs(1 - current_size / previous_size) * 100


def uncompressed_size(path: Path, file_type: str) -> int:
    """CanvasUnzip.compute_uncompressed_size for a zip, the file's own size otherwise."""
    if file_type == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                return sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            pass
    return path.stat().st_size


def _generate(
    baseline_path: Path, baseline_type: str, baseline_name: str, current: list[InspectedCsv],
    statuses: dict[str, str], work: Path, max_expansion_ratio: int,
) -> tuple[list[InspectedCsv], int, list[Message]]:
    sources, _ = list_sources(baseline_path, baseline_type, baseline_name, max_expansion_ratio)
    previous: list[InspectedCsv] = []
    for source in sources:
        try:
            previous.append(inspect_csv(source))
        except CsvFileError:
            continue  # the baseline's bad files were never imported: nothing to compare with
    work.mkdir(parents=True, exist_ok=True)
    messages: list[Message] = []
    outcome = generate_csvs(previous, current, statuses, work, messages)
    row_count = sum(d.row_count for d in outcome if isinstance(d, DiffedCsv))
    csvs = [_as_import_source(d) if isinstance(d, DiffedCsv) else d for d in outcome]
    return csvs, row_count, messages


def generate_csvs(
    previous: list[InspectedCsv], current: list[InspectedCsv], statuses: dict[str, str],
    work: Path, messages: list[Message],
) -> list[InspectedCsv | DiffedCsv]:
    """DiffGenerator#generate_csvs: per kind, a diff per current CSV, or the CSVs unchanged."""
    previous_by_kind: dict[str, list[InspectedCsv]] = {}
    for csv_file in previous:
        previous_by_kind.setdefault(csv_file.kind.name, []).append(csv_file)
    current_by_kind: dict[str, list[InspectedCsv]] = {}
    for csv_file in current:
        current_by_kind.setdefault(csv_file.kind.name, []).append(csv_file)
    generated: list[InspectedCsv | DiffedCsv] = []
    for kind, csvs in current_by_kind.items():
        previous_of_kind = previous_by_kind.get(kind, [])
        if not previous_of_kind:
            generated.extend(csvs)
            continue
        pairs: list[tuple[InspectedCsv, InspectedCsv]] = []
        if len(csvs) == len(previous_of_kind):
            if len(csvs) == 1:
                pairs = [(csvs[0], previous_of_kind[0])]
            elif len({c.source.name for c in csvs}) == len(csvs):
                # Several of a kind: matched by their names in the upload.
                by_name = {}
                for p in previous_of_kind:
                    by_name.setdefault(p.source.name, p)
                pairs = [(c, by_name[c.source.name]) for c in csvs if c.source.name in by_name]
        if len(pairs) != len(csvs):
            messages.append(Message(csvs[0].source.name, MISMATCHED.format(kind=kind), None, None,
                                    False))
            generated.extend(csvs)
            continue
        status = statuses.get(kind, "deleted")
        try:
            diffs = [diff_csv(IDENTIFYING_FIELDS[kind], previous_csv, current_csv, status,
                              work / f"{len(generated) + n + 1}-{Path(current_csv.source.name).name}")
                     for n, (current_csv, previous_csv) in enumerate(pairs)]
        except DiffFailure as failure:
            messages.append(Message(csvs[0].source.name, COULD_NOT_DIFF.format(message=failure),
                                    None, None, False))
            generated.extend(csvs)
            continue
        generated.extend(diffs)
    return generated


def _records(csv_file: InspectedCsv) -> Iterator[list[str]]:
    """The data records of a CSV as lists of raw cells (the header row skipped)."""
    with csv_file.source.open() as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        next(reader, None)
        try:
            yield from reader
        except csv.Error:
            raise DiffFailure("Malformed CSV") from None


def _columns(headers: list[str], names: list[str]) -> list[int | None]:
    """Where each name is in a header row (its first occurrence), None where absent."""
    first: dict[str, int] = {}
    for index, name in enumerate(headers):
        first.setdefault(name, index)
    return [first.get(name) for name in names]


class _RowShape:
    """How one file's raw cells become a row to compare: stripped values in canonical column
    order ("" for empty or missing) and the values of the identifying fields it has.

    The hot loop of a diff, a million times a file: the common row (as many cells as headers)
    goes through ``operator.itemgetter`` at C speed; identifying fields absent from the file
    are "" in every row, so they are left out of the key.
    """

    def __init__(self, headers: list[str], canonical: list[str], key_fields: tuple[str, ...]):
        data_columns = _columns(headers, canonical)
        self.data_columns = data_columns
        self.key_columns = [i for i in _columns(headers, list(key_fields)) if i is not None]
        self.width = len(headers)
        self.pick_key = itemgetter(*self.key_columns)
        self.pick_data: Callable[[tuple[str, ...]], tuple[str, ...]] | None
        if data_columns == list(range(self.width)):
            self.pick_data = None  # the row is its values already
        elif len(data_columns) > 1 and None not in data_columns:
            self.pick_data = itemgetter(*data_columns)
        else:
            self.pick_data = self._data_slowly

    def _data_slowly(self, stripped: tuple[str, ...]) -> tuple[str, ...]:
        return tuple("" if i is None or i >= len(stripped) else stripped[i]
                     for i in self.data_columns)

    def row(self, cells: list[str]) -> tuple[Any, tuple[str, ...]] | None:
        """(key, values) of a record; None for a blank one, which the importers skip too."""
        stripped = tuple(map(str.strip, cells))
        if not any(stripped):
            return None
        if len(stripped) != self.width:  # short or long rows: pad, then pick
            stripped = (stripped + ("",) * self.width)[:max(self.width, len(stripped))]
            values = self._data_slowly(stripped)
        else:
            values = stripped if self.pick_data is None else self.pick_data(stripped)
        return self.pick_key(stripped), values


def _hashed_rows(
    csv_file: InspectedCsv, shape: _RowShape
) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """(key hash, row hash, values) of each non-blank record, the common row inlined."""
    strip = str.strip
    width = shape.width
    pick_key = shape.pick_key
    fast = shape.pick_data is None
    slow_row = shape.row
    for cells in _records(csv_file):
        if fast and len(cells) == width:
            values = tuple(map(strip, cells))
            if not any(values):
                continue
            key = pick_key(values)
        else:
            row = slow_row(cells)
            if row is None:
                continue
            key, values = row
        yield hash(key), hash(values), values


def diff_csv(
    key_fields: tuple[str, ...], previous: InspectedCsv, current: InspectedCsv, status: str,
    destination: Path,
) -> DiffedCsv:
    """CsvDiff::Diff#generate for one pair, written to ``destination``."""
    canonical = [h for h in current.headers if h]
    if sorted(h for h in previous.headers if h) != sorted(canonical):
        raise DiffFailure(HEADERS_DO_NOT_MATCH)
    if not any(name in previous.headers for name in key_fields):
        raise DiffFailure(NO_PRIMARY_KEY)
    previous_shape = _RowShape(previous.headers, canonical, key_fields)
    current_shape = _RowShape(current.headers, canonical, key_fields)
    try:
        changed, removed = _diff_by_lines(previous, previous_shape, current, current_shape)
    except _MultilineRecords:
        changed, removed = _diff_by_records(previous, previous_shape, current, current_shape)

    status_column = canonical.index("status") if "status" in canonical else None
    with open(destination, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(canonical)
        writer.writerows(changed)
        for values in removed:
            if status_column is None:
                writer.writerow((*values, status))  # CSV::Row#[]= appends the missing field
            else:
                writer.writerow((*values[:status_column], status, *values[status_column + 1:]))
    return DiffedCsv(current, destination, len(changed) + len(removed))


Rows = list[tuple[str, ...]]


def _diff_by_records(
    previous: InspectedCsv, previous_shape: _RowShape, current: InspectedCsv,
    current_shape: _RowShape,
) -> tuple[Rows, Rows]:
    """The rows added or changed, and the rows removed, comparing every parsed record."""
    # key hash -> row hash of the baseline's last row with that key.
    baseline: dict[int, int] = {}
    for key, row_hash, _ in _hashed_rows(previous, previous_shape):
        baseline[key] = row_hash
    unseen = set(baseline)
    # Rows to write, by key hash, in the order of the last row of each key (CsvDiff's
    # "insert or replace" moves a repeated key to the end).
    changed: dict[int, tuple[str, ...]] = {}
    baseline_row_hash = baseline.get
    forget = unseen.discard
    for key, row_hash, values in _hashed_rows(current, current_shape):
        if changed:
            changed.pop(key, None)
        forget(key)
        if baseline_row_hash(key) != row_hash:
            changed[key] = values
    del baseline
    removed: dict[int, tuple[str, ...]] = {}
    if unseen:
        for key, _, values in _hashed_rows(previous, previous_shape):
            if key in unseen:
                removed.pop(key, None)
                removed[key] = values
    return list(changed.values()), list(removed.values())


class _MultilineRecords(Exception):
    """A quoted value spans lines: lines are not records, so records must be compared."""


LINE_CHUNK_BYTES = 256 * 1024  # a chunk's set update holds the GIL: keep it short


def _lines(csv_file: InspectedCsv) -> Iterator[list[bytes]]:
    """The physical lines after the header, a chunk at a time (line ends kept off)."""
    header_skipped = False
    with csv_file.source.open() as binary:
        rest = b""
        while True:
            chunk = binary.read(LINE_CHUNK_BYTES)
            data = rest + chunk
            quoted = b'"' in data
            lines = data.split(b"\n")
            rest = lines.pop() if chunk else b""
            if not chunk and lines == [b""]:
                lines = []
            if not header_skipped and lines:
                if b'"' in lines[0]:
                    raise _MultilineRecords()  # a quoted header: records are compared instead
                del lines[0]
                header_skipped = True
            if quoted and any(line.count(b'"') % 2 for line in lines if b'"' in line):
                raise _MultilineRecords()
            if lines:
                yield lines
            if not chunk:
                return


def _rows_of_lines(lines: list[bytes], shape: _RowShape, rows: dict[Any, tuple[str, ...]]) -> None:
    """Parse ``lines`` into ``rows`` (key -> values), the last row of a key winning and moving
    to the end, as CsvDiff's "insert or replace" does."""
    text = b"\n".join(lines).decode("utf-8")
    for cells in csv.reader(io.StringIO(text, newline="")):
        row = shape.row(cells)
        if row is not None:
            rows.pop(row[0], None)
            rows[row[0]] = row[1]


def _release(hashes: set[int]) -> None:
    # Freeing a million ints at once would hold the GIL for a tenth of a second; popping them
    # one by one lets status polls in between.
    pop = hashes.pop
    while hashes:
        pop()


def _diff_by_lines(
    previous: InspectedCsv, previous_shape: _RowShape, current: InspectedCsv,
    current_shape: _RowShape,
) -> tuple[Rows, Rows]:
    """The rows added or changed, and the rows removed, parsing only the lines that differ.

    A line found verbatim in both files is the same record in both (same key, same values), so
    only the lines of one file missing from the other are parsed and compared by key: those of
    the current file are added or changed rows unless their values are equal once stripped,
    those of the baseline whose key the current file no longer has were removed. Lines are
    hashed a chunk at a time into sets of ints; every step works on one chunk, so no single
    C-level operation holds the GIL for long.
    """
    previous_lines: set[int] = set()
    for lines in _lines(previous):
        previous_lines.update(map(hash, lines))
    current_lines: set[int] = set()
    candidates: dict[Any, tuple[str, ...]] = {}
    for lines in _lines(current):
        hashes = list(map(hash, lines))
        current_lines.update(hashes)
        picked = [line for line, h in zip(lines, hashes) if h not in previous_lines]
        if picked:
            _rows_of_lines(picked, current_shape, candidates)
    _release(previous_lines)
    earlier: dict[Any, tuple[str, ...]] = {}
    for lines in _lines(previous):
        picked = [line for line in lines if hash(line) not in current_lines]
        if picked:
            _rows_of_lines(picked, previous_shape, earlier)
    _release(current_lines)
    changed = [values for key, values in candidates.items() if earlier.get(key) != values]
    gone = {key for key in earlier if key not in candidates}
    if gone:
        # A baseline listing a key twice may have a line the current file still has for it:
        # that key was not removed, and its current row is compared with the baseline's last.
        still_there = _last_rows(current, current_shape, gone)
        if still_there:
            gone -= still_there.keys()
            last_before = _last_rows(previous, previous_shape, set(still_there))
            changed += [values for key, values in still_there.items()
                        if last_before.get(key) != values]
    removed = [values for key, values in earlier.items() if key in gone]
    return changed, removed


def _last_rows(csv_file: InspectedCsv, shape: _RowShape, keys: set[Any]) -> dict[Any, tuple[str, ...]]:
    """The last row of each of ``keys`` the file has (one pass over all its lines)."""
    found: dict[Any, tuple[str, ...]] = {}
    for lines in _lines(csv_file):
        for line in lines:
            text = line.decode("utf-8")
            cells = next(csv.reader([text])) if '"' in text else text.split(",")
            row = shape.row(cells) if cells else None
            if row is not None and row[0] in keys:
                found[row[0]] = row[1]
    return found


def _as_import_source(diffed: DiffedCsv) -> InspectedCsv:
    """The diff CSV as the importers read it, under the current CSV's name in messages."""
    path = diffed.path
    current = diffed.current
    source = CsvSource(current.source.name, lambda: open(path, "rb"), path.stat().st_size)
    headers = [h for h in current.headers if h]
    return InspectedCsv(source, current.kind, headers, diffed.row_count + 1,
                        current.has_password_columns)
