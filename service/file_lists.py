"""The file lists of SIS imports, kept between requests so a poll costs the same at 5,000 files as at 5.

A zip of thousands of members lists every member in ``csv_attachments`` (as Canvas does), and a
client polls that import every few hundred milliseconds while it runs. Reading those file rows
and building their File objects anew for each poll made a poll cost grow with the member count
and held the event loop away from the import itself.

Entries are keyed so that they can never describe other files than the ones asked for:
the import's ``csv_file_ids`` exactly as stored (a file appended changes it) and the verifier
uuids of its first and last file (random per file record, so ids that a reset or a re-run
deleted and handed out again do not match). Rendered lists are kept per request base URL and
per set of diffed ids. One cache per server (a restart starts empty); the store fills the rows,
``canvas_json`` the rendered lists. Plain dict operations only: the store side runs on the
database thread, the rendering side on the event loop.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Hashable

# Files held across all entries; beyond it the oldest entries go first.
MAX_CACHED_FILES = 50_000

FileListKey = tuple[str, str, str]
_Rendered = tuple[list[dict[str, Any]], list[dict[str, Any]]]


class _Entry:
    __slots__ = ("rows", "rendered")

    def __init__(self, rows: list[sqlite3.Row]) -> None:
        self.rows = rows
        self.rendered: dict[Hashable, _Rendered] = {}


class FileListCache:
    """File rows and their rendered File objects, per import file list."""

    def __init__(self, max_files: int = MAX_CACHED_FILES) -> None:
        self._max_files = max_files
        self._entries: dict[FileListKey, _Entry] = {}
        self._file_count = 0

    def rows(self, key: FileListKey) -> list[sqlite3.Row] | None:
        entry = self._entries.get(key)
        return entry.rows if entry is not None else None

    def remember_rows(self, key: FileListKey, rows: list[sqlite3.Row]) -> None:
        if len(rows) > self._max_files or key in self._entries:
            return
        while self._entries and self._file_count + len(rows) > self._max_files:
            oldest = next(iter(self._entries))
            evicted = self._entries.pop(oldest, None)
            if evicted is not None:
                self._file_count -= len(evicted.rows)
        self._entries[key] = _Entry(rows)
        self._file_count += len(rows)

    def rendered(self, key: FileListKey, variant: Hashable) -> _Rendered | None:
        entry = self._entries.get(key)
        return entry.rendered.get(variant) if entry is not None else None

    def remember_rendered(self, key: FileListKey, variant: Hashable, lists: _Rendered) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            entry.rendered[variant] = lists
