"""The ``data`` of a running SIS import as it is stored with every batch: its lists kept compact.

A zip of thousands of members names thousands of files in ``downloadable_attachment_ids`` (and
``diffed_attachment_ids``) and thousands of importer names in ``completed_importers``. Stored
whole with each of the two progress saves per member, those lists made a zip's import quadratic
(5,000 members: 29 s instead of 23 s). While the import runs, its stored ``data`` therefore
keeps, in the place of each list:

* ``downloadable_attachment_ids``: a marker, the ids being the import's ``csv_file_ids`` column
  (written once per run);
* ``diffed_attachment_ids``: their number, the diffed files being the last ones of that column;
* ``completed_importers``: runs of one name (``[["user", 5000]]``), kept up to date as each file
  ends (``note_completed_importer``) so that no save walks the whole list.

A finished import stores its ``data`` whole, as Canvas shows it (``for_finished_import``).
``expanded`` turns either form into the ``data`` a client sees; the order of the keys is kept.
"""

from __future__ import annotations

from typing import Any

# Kept in the running import's in-memory data beside the whole list, never shown.
COMPLETED_RUNS = "_completed_importer_runs"
# Stored in the place of the lists while the import runs.
DOWNLOADABLE_MARKER = "_downloadable_attachment_ids"
DIFFED_COUNT = "_diffed_attachment_count"
CSV_FILE_IDS = "csv_file_ids"


def note_completed_importer(data: dict[str, Any], kind: str) -> None:
    """One more file of ``kind`` is done: the whole list and its runs both grow by one."""
    data["completed_importers"].append(kind)
    runs = data.setdefault(COMPLETED_RUNS, [])
    if runs and runs[-1][0] == kind:
        runs[-1][1] += 1
    else:
        runs.append([kind, 1])


def for_running_import(data: dict[str, Any]) -> dict[str, Any]:
    """What a progress save stores: ``data`` with its growing lists replaced (see above)."""
    stored: dict[str, Any] = {}
    for key, value in data.items():
        if key == "completed_importers":
            stored[COMPLETED_RUNS] = data.get(COMPLETED_RUNS, [])
        elif key == COMPLETED_RUNS:
            continue
        elif key == "downloadable_attachment_ids":
            stored[DOWNLOADABLE_MARKER] = CSV_FILE_IDS
        elif key == "diffed_attachment_ids":
            stored[DIFFED_COUNT] = len(value)
        else:
            stored[key] = value
    return stored


def for_finished_import(data: dict[str, Any]) -> dict[str, Any]:
    """What the finishing transaction stores: every list whole, nothing of the running form."""
    return {key: value for key, value in data.items() if key != COMPLETED_RUNS}


def expanded(stored: dict[str, Any], csv_file_ids: list[int]) -> dict[str, Any]:
    """The ``data`` a client sees, from either stored form; other hidden keys are left out."""
    data: dict[str, Any] = {}
    for key, value in stored.items():
        if key == COMPLETED_RUNS:
            data["completed_importers"] = [kind for kind, count in value for _ in range(count)]
        elif key == DOWNLOADABLE_MARKER:
            data["downloadable_attachment_ids"] = list(csv_file_ids)
        elif key == DIFFED_COUNT:
            data["diffed_attachment_ids"] = list(csv_file_ids[len(csv_file_ids) - value:])
        elif not key.startswith("_"):
            data[key] = value
    return data
