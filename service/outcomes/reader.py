"""Reading an outcomes CSV the way Canvas's ``Outcomes::CSVImporter`` does (section 12.1).

The file is streamed, never loaded whole: one cheap binary pass counts its lines (Canvas's
``file_line_count``, the denominator of progress) and notes whether every byte is UTF-8, then the
records are parsed a slice at a time. As in Canvas, the records are cut into slices of
``batch_rows`` *including* the header, the header is validated once the first slice has been read,
and a malformed record anywhere in a slice fails the import before that slice is imported.

Bytes that are not UTF-8 are kept with ``surrogateescape`` so that the importer can report the row
(``Not a valid utf-8 string: "evil \\xFF utf-8"``) instead of failing the whole file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple

from .ruby import inspect_list, is_blank

BOM = b"\xef\xbb\xbf"
# Canvas's Outcomes::CSVImporter::BATCH_SIZE: records per transaction and per progress update.
CANVAS_BATCH_ROWS = 1000
SCAN_CHUNK_BYTES = 1024 * 1024

REQUIRED_FIELDS = ("title", "vendor_guid", "object_type")
OPTIONAL_FIELDS = (
    "canvas_id", "course_id", "description", "friendly_description", "display_name",
    "parent_guids", "calculation_method", "calculation_int", "mastery_points", "workflow_state",
)
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)
RATINGS_HEADER = "ratings"

INVALID_CSV = "Invalid CSV File"
NO_DATA = "File has no data"
NO_OUTCOMES_DATA = "File has no outcomes data"

_INVALID_UTF8 = re.compile("[\udc80-\udcff]")


class OutcomesFileError(Exception):
    """A file-level problem (Canvas's DataFormatError): the import fails with ``[1, message]``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsvRow(NamedTuple):
    """One CSV record: its number (the header is 1), its cells, and whether a cell is not UTF-8."""

    line: int
    cells: list[str]
    invalid_utf8: bool


@dataclass(frozen=True)
class OutcomesHeader:
    """The validated header: the columns before ``ratings``, exactly as written."""

    names: tuple[str, ...]
    # name -> column; a repeated name maps to its last column, as Ruby's ``headers.zip(row).to_h``.
    columns: dict[str, int] = field(compare=False)

    @property
    def ratings_start(self) -> int:
        """Every cell from here on is rating data (Canvas: ``row[headers.length..]``)."""
        return len(self.names)


def invalid_utf8_cell(cells: list[str]) -> str | None:
    """The first cell holding bytes that are not UTF-8 (surrogate-escaped), if any."""
    return next((cell for cell in cells if _INVALID_UTF8.search(cell)), None)


def validate_header(cells: list[str]) -> OutcomesHeader:
    """Check the header record as Canvas's ``validate_headers`` does, in its order."""
    ratings_at = cells.index(RATINGS_HEADER) if RATINGS_HEADER in cells else len(cells)
    names = cells[:ratings_at]
    after_ratings = [name for name in cells[ratings_at + 1:] if not is_blank(name)]
    if after_ratings:
        raise OutcomesFileError(f"Invalid fields after ratings: {inspect_list(after_ratings)}")
    missing = [name for name in REQUIRED_FIELDS if name not in names]
    if missing:
        raise OutcomesFileError(f"Missing required fields: {inspect_list(missing)}")
    # An empty header cell is reported as the invalid field "" (Canvas crashes on it instead).
    invalid = [name for name in names if name not in KNOWN_FIELDS]
    if invalid:
        raise OutcomesFileError(f"Invalid fields: {inspect_list(invalid)}")
    return OutcomesHeader(tuple(names), {name: index for index, name in enumerate(names)})


class FileScan(NamedTuple):
    """What one cheap binary pass learns about a file."""

    lines: int  # as Ruby's ``IO#each`` counts them: Canvas's progress denominator
    valid_utf8: bool
    has_quotes: bool


def scan_file(path: Path) -> FileScan:
    """Count the lines and note whether any byte is not UTF-8 and whether any quote appears."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, valid_utf8, has_quotes, last_chunk = 0, True, False, b""
    with open(path, "rb") as handle:
        while chunk := handle.read(SCAN_CHUNK_BYTES):
            lines += chunk.count(b"\n")
            has_quotes = has_quotes or b'"' in chunk
            last_chunk = chunk
            if valid_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid_utf8 = False
    if valid_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid_utf8 = False
    if last_chunk and not last_chunk.endswith(b"\n"):
        lines += 1  # a last line without a newline is still a line
    return FileScan(lines, valid_utf8, has_quotes)


def detect_delimiter(first_line: bytes) -> str:
    """Canvas: ``;`` when the header line has more semicolons than commas, otherwise ``,``."""
    return ";" if first_line.count(b";") > first_line.count(b",") else ","


def _record_pattern(delimiter: str) -> re.Pattern[str]:
    # Ruby's CSV is strict where Python's csv is lenient: a quote may only open a field or close
    # (or double inside) a quoted one. Records that contain a quote are checked against this.
    sep = re.escape(delimiter)
    cell = rf'(?:"(?:[^"]|"")*"|[^"\r\n{sep}]*)'
    return re.compile(rf"{cell}(?:{sep}{cell})*(?:\r\n|\n|\r)?")


class OutcomesCsv:
    """An open outcomes CSV: its line count, its validated header, and its records in slices.

    Opening it does Canvas's file-level checks and raises OutcomesFileError with Canvas's message.
    """

    def __init__(self, path: Path, batch_rows: int = CANVAS_BATCH_ROWS) -> None:
        if batch_rows < 2:
            raise ValueError("a slice must hold the header and at least one record")
        self.path = path
        self.batch_rows = batch_rows
        self._scan = scan_file(path)
        self.total_lines = self._scan.lines
        self.header: OutcomesHeader | None = None
        self._text: io.TextIOWrapper | None = None
        self._first_slice: list[CsvRow] = []
        if self.total_lines < 1:
            raise OutcomesFileError(NO_DATA)
        binary = open(path, "rb")
        try:
            self._open_records(binary)
        except BaseException:
            binary.close()
            raise

    def _open_records(self, binary: BinaryIO) -> None:
        first_line = binary.readline()
        binary.seek(len(BOM) if first_line.startswith(BOM) else 0)
        self.delimiter = detect_delimiter(first_line)
        self._pattern = _record_pattern(self.delimiter)
        self._text = io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape", newline="")
        self._records = self._parse(self._text)
        first_slice = self._next_slice()
        if not first_slice:
            return  # nothing after the byte-order mark: Canvas imports nothing and succeeds
        self.header = validate_header(first_slice[0].cells)
        self._first_slice = first_slice[1:]
        if not self._first_slice:
            raise OutcomesFileError(NO_OUTCOMES_DATA)

    def _parse(self, text: io.TextIOWrapper) -> Iterator[CsvRow]:
        dialect = {"delimiter": self.delimiter, "quotechar": '"', "strict": True}
        try:
            if self._scan.valid_utf8 and not self._scan.has_quotes:
                # Nothing to check record by record: let the csv module read the file alone.
                for number, cells in enumerate(csv.reader(text, **dialect), start=1):
                    yield CsvRow(number, cells, False)
                return
            raw_lines: list[str] = []

            def lines() -> Iterator[str]:
                for line in text:
                    raw_lines.append(line)
                    yield line

            check_utf8 = not self._scan.valid_utf8
            for number, cells in enumerate(csv.reader(lines(), **dialect), start=1):
                record = raw_lines[0] if len(raw_lines) == 1 else "".join(raw_lines)
                raw_lines.clear()
                if '"' in record and not self._pattern.fullmatch(record):
                    raise OutcomesFileError(INVALID_CSV)
                invalid_utf8 = check_utf8 and _INVALID_UTF8.search(record) is not None
                yield CsvRow(number, cells, invalid_utf8)
        except csv.Error:
            raise OutcomesFileError(INVALID_CSV) from None

    def _next_slice(self) -> list[CsvRow]:
        rows: list[CsvRow] = []
        for row in self._records:
            rows.append(row)
            if len(rows) == self.batch_rows:
                break
        return rows

    def batches(self) -> Iterator[list[CsvRow]]:
        """The data records, a slice at a time; raises OutcomesFileError on a malformed record."""
        if self._first_slice:
            first, self._first_slice = self._first_slice, []
            yield first
        while rows := self._next_slice():
            yield rows

    def close(self) -> None:
        """Release the file."""
        if self._text is not None:
            self._text.close()
            self._text = None

    def __enter__(self) -> "OutcomesCsv":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
