"""Per-kind SIS importers, looked up by kind name (see ``service.sis.context`` for the contract).

A kind without a dedicated importer is handled by ``count_filled_rows``: a row counts when the
kind's required columns are filled, and nothing is stored.
"""

from __future__ import annotations

import sqlite3

from ..context import ImporterFn, ImportRun, SisRow
from ..kinds import KINDS_BY_NAME

IMPORTERS: dict[str, ImporterFn] = {}


def count_filled_rows(kind_name: str) -> ImporterFn:
    required = KINDS_BY_NAME[kind_name].required

    def import_batch(conn: sqlite3.Connection, run: ImportRun, file: str, rows: list[SisRow]) -> int:
        return sum(
            1 for row in rows if all(any(row.values.get(c) for c in group) for group in required)
        )

    return import_batch


def importer_for(kind_name: str) -> ImporterFn:
    """The importer of a kind."""
    return IMPORTERS.get(kind_name) or count_filled_rows(kind_name)
