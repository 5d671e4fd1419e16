"""Reading an uploaded SIS file: zip members, CSV checks, header recognition, rows in batches.

Everything here is plain synchronous code: the importer pulls it through ``asyncio.to_thread``
a batch at a time, so decoding, inflating and parsing never run on the event loop, and memory
stays bounded by one batch whatever the size of the file (section 6 of the spec).
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import zipfile
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator

from .context import Message, SisRow
from .kinds import Kind, recognise

# Canvas's failure texts (section 7.4), quoted exactly.
INVALID_UTF8 = "Invalid UTF-8"
MALFORMED_CSV = "Malformed CSV"
UNKNOWN_HEADERS = "Couldn't find Canvas CSV import headers"
SKIPPING_UNKNOWN_FILE_TYPE = "Skipping unknown file type"
# Not Canvas texts: Canvas fails the whole batch with an exception for these; we name the problem.
INVALID_ZIP = "Invalid zip file"
ZIP_TOO_LARGE = "Zip file expands to more than 100 times its size"
ENCRYPTED_MEMBER = "Encrypted file: it cannot be read without its password"

READ_CHUNK_BYTES = 1024 * 1024
ZIP_FLAG_ENCRYPTED = 0x1  # general purpose bit 0 of a zip entry
LINES_PER_CHUNK = 4096
PASSWORD_COLUMNS = ("password", "ssha_password")
BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class CsvSource:
    """One CSV to import: its name in messages and a way to open its bytes."""

    name: str
    open: Callable[[], BinaryIO]
    size: int


@dataclass(frozen=True)
class InspectedCsv:
    """A CSV that passed the file-level checks."""

    source: CsvSource
    kind: Kind
    headers: list[str]
    total_lines: int
    has_password_columns: bool


@dataclass
class UploadSources:
    """The CSVs of one upload and what was skipped; ``close`` releases the archive, if any."""

    sources: list[CsvSource]
    messages: list[Message]
    archive: zipfile.ZipFile | None = None

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()


class CsvFileError(Exception):
    """A file-level failure: the CSV is skipped and the import ends failed_with_messages."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def list_sources(
    path: Path, file_type: str, display_name: str, max_expansion_ratio: int
) -> UploadSources:
    """The CSVs in an upload, in upload order, and messages about what was skipped.

    A zip is opened once and its members are read through that one handle: reopening it per
    member re-reads the whole central directory each time, quadratic in the member count.
    """
    if file_type == "csv":
        return UploadSources([CsvSource(display_name, lambda: open(path, "rb"),
                                        path.stat().st_size)], [])
    if file_type != "zip":
        # Canvas silently ignores other types; we say so (decision 16).
        return UploadSources([], [Message(display_name, SKIPPING_UNKNOWN_FILE_TYPE, None, None,
                                          False)])
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return UploadSources([], [Message(display_name, INVALID_ZIP, None, None, True)])
    members = archive.infolist()
    if sum(m.file_size for m in members) >= max_expansion_ratio * max(path.stat().st_size, 1):
        archive.close()
        return UploadSources([], [Message(display_name, ZIP_TOO_LARGE, None, None, True)])
    listing = UploadSources([], [], archive)
    for member in members:
        if member.is_dir() or _is_desktop_junk(member.filename):
            continue
        if PurePosixPath(member.filename).suffix.lower() != ".csv":
            listing.messages.append(
                Message(member.filename, SKIPPING_UNKNOWN_FILE_TYPE, None, None, False))
        elif member.flag_bits & ZIP_FLAG_ENCRYPTED:
            listing.messages.append(Message(member.filename, ENCRYPTED_MEMBER, None, None, True))
        elif member.file_size > 0:  # empty CSVs are silently ignored
            listing.sources.append(CsvSource(
                member.filename, lambda m=member: archive.open(m), member.file_size))
    return listing


def _is_desktop_junk(name: str) -> bool:
    lowered = name.lower()
    return "__macosx" in lowered or "desktop db" in lowered or "desktop df" in lowered


def inspect_csv(source: CsvSource) -> InspectedCsv:
    """Check UTF-8 and quote pairing, find the kind by its header row and count lines, in one
    streaming pass."""
    with source.open() as stream:
        try:
            head = stream.read(READ_CHUNK_BYTES)
            decoder = codecs.getincrementaldecoder("utf-8")()
            lines = head.count(b"\n")
            quotes = head.count(b'"')
            decoder.decode(head)
            tail_byte = head[-1:]
            while chunk := stream.read(READ_CHUNK_BYTES):
                decoder.decode(chunk)
                lines += chunk.count(b"\n")
                quotes += chunk.count(b'"')
                tail_byte = chunk[-1:]
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise CsvFileError(INVALID_UTF8) from None
        except (zipfile.BadZipFile, EOFError, OSError):
            raise CsvFileError(INVALID_ZIP) from None
    if quotes % 2:
        # Canvas parses a whole file before importing any of it, so a quote left open anywhere
        # fails the file before its first row. Quotes always pair up in well-formed CSV (an
        # escaped one is doubled), and an odd count is found by this pass at no extra cost;
        # other malformed records are found as the rows are read.
        raise CsvFileError(MALFORMED_CSV)
    if tail_byte and tail_byte != b"\n":
        lines += 1  # a last line without a newline
    headers = _header_row(head)
    kind = recognise(headers)
    if kind is None:
        raise CsvFileError(UNKNOWN_HEADERS)
    return InspectedCsv(source, kind, headers, lines,
                        any(c in headers for c in PASSWORD_COLUMNS))


def _header_row(head: bytes) -> list[str]:
    text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), strict=True), [])
    except csv.Error:
        raise CsvFileError(MALFORMED_CSV) from None
    return [cell.strip().lower() for cell in first]


def read_batches(csv_file: InspectedCsv, batch_rows: int) -> Iterator[tuple[list[SisRow], int]]:
    """Yield (rows, lines read so far) a batch at a time; raises CsvFileError on bad CSV.

    The hot loop of every import: csv.reader pulls lines from a buffer that is filled a chunk at
    a time, so each record's raw text (for row_info) is a slice of that buffer located by
    ``reader.line_num`` rather than a Python-level hook on every line.
    """
    headers = csv_file.headers
    with csv_file.source.open() as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        lines: list[str] = []  # physical lines from line number ``base`` + 1 onwards
        reader = csv.reader(_buffered(text, lines), strict=True)
        base = 0
        batch: list[SisRow] = []
        record = 1
        try:
            next(reader, None)  # the header row
            consumed = reader.line_num
            for cells in reader:
                record += 1
                line_num = reader.line_num
                if line_num - consumed == 1:
                    raw = lines[consumed - base]
                else:
                    raw = "".join(lines[consumed - base:line_num - base])
                consumed = line_num
                if not any(cells):
                    continue  # rows whose values are all empty are skipped
                # Canvas strips every value and treats an empty one as absent.
                values = {h: (c.strip() or None) for h, c in zip(headers, cells)}
                if not any(values.values()):
                    continue
                batch.append(SisRow(record, values, raw.rstrip("\r\n")))
                if len(batch) >= batch_rows:
                    yield batch, consumed
                    batch = []
                    # Forget the lines of records already handed out.
                    del lines[:consumed - base]
                    base = consumed
        except csv.Error:
            raise CsvFileError(MALFORMED_CSV) from None
        except (zipfile.BadZipFile, EOFError):
            raise CsvFileError(INVALID_ZIP) from None
        if batch:
            yield batch, reader.line_num


def _buffered(text: io.TextIOWrapper, lines: list[str]) -> Iterator[str]:
    while chunk := list(islice(text, LINES_PER_CHUNK)):
        lines.extend(chunk)
        yield from chunk


def write_attachment_copy(csv_file: InspectedCsv, destination: Path) -> None:
    """Copy a CSV for csv_attachments, without its password columns (section 4)."""
    if not csv_file.has_password_columns:
        with csv_file.source.open() as binary, open(destination, "wb") as out:
            shutil.copyfileobj(binary, out, READ_CHUNK_BYTES)
        return
    # Canvas writes this copy from the rows as its parser reads them (PARSE_ARGS: headers
    # downcased, every cell stripped, blank rows skipped), so it holds what was imported.
    keep = [i for i, h in enumerate(csv_file.headers) if h not in PASSWORD_COLUMNS]
    with csv_file.source.open() as binary, open(destination, "w", encoding="utf-8", newline="") as out, \
            io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:  # closed here, not by the GC
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([csv_file.headers[i] for i in keep])
        reader = csv.reader(text)
        try:
            next(reader, None)  # the header row, written above as it was read
            for cells in reader:
                stripped = [cells[i].strip() if i < len(cells) else "" for i in keep]
                if any(cell.strip() for cell in cells):
                    writer.writerow(stripped)
        except csv.Error:
            pass  # the import reports the malformed CSV; the copy keeps what could be read
