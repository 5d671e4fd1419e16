"""Digests of re-sent rows: a nightly file's unchanged rows recognised by their keys alone.

A users.csv or enrollments.csv row that the unchanged-row comparison (service/sis/unchanged.py)
found to leave its objects as they are, or that created them on the plain path, leaves on its
login or enrollment a 64-bit digest of what fully decides its effect: its kind, the root account,
the file's header and the raw record. When the same record comes again and the object its keys
reach still holds its digest, the row is unchanged without any comparison: the ROW_DIGESTS
migration's triggers clear a digest as soon as anything it depends on takes another value,
whoever writes it. That includes whatever would make the row's keys reach another object (a
login's or a section's SIS id, an enrollment's user or section, a twin), so an enrollments row
is looked up by its digest alone (store/sis_row_digests.py).

What a digest cannot know is the rest of the batch: another row naming the same objects could
change them first. The callers keep the comparison's rules for that (a key named twice, a user
the full path also names), and stickiness options bypass digests altogether, as they bypass the
comparison. A digest is 64 bits of BLAKE2b: a changed row passes for the one its object holds
by chance once in 2^64.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable

import orjson

from .context import ImportRun, SisRow

# The file's header, put in file_state by the importer when a file starts: without it (importers
# called on rows alone) no digest is taken or stored.
HEADER_KEY = "header"
_PREFIX_KEY = "row_digest_prefix"


def digests(run: ImportRun, kind: str, rows: Iterable[SisRow]) -> list[int] | None:
    """Each row's digest, in order, or None when the file's header is not known."""
    prefix = _prefix(run, kind)
    if prefix is None:
        return None
    copy, from_bytes = prefix.copy, int.from_bytes
    result = []
    for row in rows:
        digest = copy()
        digest.update(row.raw.encode())
        result.append(from_bytes(digest.digest(), "little", signed=True))
    return result


def digest_of(run: ImportRun, kind: str, row: SisRow) -> int | None:
    """One row's digest, or None when the file's header is not known."""
    found = digests(run, kind, (row,))
    return None if found is None else found[0]


def _prefix(run: ImportRun, kind: str) -> Any:
    """The digest of what the file's rows share (kind, root account, header), to go on from."""
    prefix = run.file_state.get(_PREFIX_KEY)
    if prefix is None:
        header = run.file_state.get(HEADER_KEY)
        if header is None:
            return None
        prefix = run.file_state[_PREFIX_KEY] = hashlib.blake2b(
            orjson.dumps([kind, run.root_account_id, list(header)]), digest_size=8)
    return prefix
