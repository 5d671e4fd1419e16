"""The options of POST .../sis_imports: validated and stored as Canvas echoes them (section 2.3).

``parse_sis_options`` is pure: it runs before anything is stored, so a refused request never
leaves an orphan import behind (decision 14). Keys starting with ``_`` are for processing only
and never echoed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from multidict import MultiDict

from ..errors import BadRequest
from ..http import present, value_to_boolean
from ..ids import MAX_ID
from ..import_types import check_import_type

DROP_STATUSES = ("deleted", "inactive", "completed", "deleted_last_completed")
USER_REMOVE_STATUSES = ("deleted", "suspended")
MAX_DATA_SET_IDENTIFIER_LENGTH = 128

BATCH_TERM_MISSING = {
    "message": "Batch mode specified, but the given batch_mode_term_id cannot be found."}
CHANGE_THRESHOLD_REQUIRED = {
    "message": "change_threshold is required to use multi term_batch mode."}
BOTH_ATTACHMENTS = {
    "error": True, "error_message": "Cannot specify both attachment and pre_attachment"}


@dataclass(frozen=True)
class ParsedOptions:
    """Stored options, plus the batch-mode term reference still to be looked up."""

    options: dict[str, Any]
    import_type: str
    batch_mode_term_reference: str | None


def parse_sis_options(params: MultiDict[str]) -> ParsedOptions:
    """Validate the create parameters; raises BadRequest with Canvas's body."""
    import_type = check_import_type(params)
    if any(key.startswith("pre_attachment") for key in params):
        raise BadRequest(BOTH_ATTACHMENTS)

    batch_mode = value_to_boolean(params.get("batch_mode", ""))
    term_reference = params.get("batch_mode_term_id") if batch_mode else None
    # Canvas only checks that multi_term_batch_mode is present: even "false" turns it on.
    multi_term = "multi_term_batch_mode" in params
    if batch_mode and not present(term_reference) and not multi_term:
        raise BadRequest(BATCH_TERM_MISSING)
    change_threshold = _optional_int(params.get("change_threshold"))
    if multi_term and change_threshold is None:
        raise BadRequest(CHANGE_THRESHOLD_REQUIRED)
    for name, allowed in (("diffing_drop_status", DROP_STATUSES),
                          ("diffing_user_remove_status", USER_REMOVE_STATUSES),
                          ("batch_mode_enrollment_drop_status", DROP_STATUSES)):
        value = params.get(name)
        if value is not None and value not in allowed:
            raise BadRequest({"message": f"Invalid {name}"})

    data_set = params.get("diffing_data_set_identifier") or None
    if data_set is not None:
        data_set = data_set[:MAX_DATA_SET_IDENTIFIER_LENGTH]
    # Precedence: batch-mode term, then multi-term, then diffing (diffing is off in batch mode).
    diffing = data_set is not None and not batch_mode and not multi_term
    override = value_to_boolean(params.get("override_sis_stickiness", ""))
    diff_rows = _optional_int(params.get("diff_row_count_threshold"))

    options: dict[str, Any] = {
        "batch_mode": True if batch_mode else None,
        "batch_mode_term_id": None,  # filled in once the term is found
        "multi_term_batch_mode": (
            value_to_boolean(params["multi_term_batch_mode"]) if multi_term else None),
        "override_sis_stickiness": True if override else None,
        # add/clear are only kept together with override (spec: add alone is dropped).
        "add_sis_stickiness":
            True if override and value_to_boolean(params.get("add_sis_stickiness", "")) else None,
        "update_sis_id_if_login_claimed":
            value_to_boolean(params.get("update_sis_id_if_login_claimed", "")),
        "clear_sis_stickiness":
            True if override and value_to_boolean(params.get("clear_sis_stickiness", "")) else None,
        "diffing_data_set_identifier": data_set,
        "diffing_remaster": (
            value_to_boolean(params.get("diffing_remaster_data_set", "")) if diffing else None),
        "diffed_against_import_id": None,  # Canvas never fills it (section 4)
        "diffing_drop_status": params.get("diffing_drop_status"),
        "diffing_user_remove_status": params.get("diffing_user_remove_status"),
        "skip_deletes": value_to_boolean(params.get("skip_deletes", "")),
        "change_threshold": change_threshold,
        "diff_row_count_threshold": diff_rows if diff_rows is not None and diff_rows > 0 else None,
        "_batch_mode_enrollment_drop_status": params.get("batch_mode_enrollment_drop_status"),
    }
    return ParsedOptions(options, import_type, term_reference if present(term_reference) else None)


def _optional_int(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    # Thresholds are counts or percentages: anything past SQLite's integer range means "no limit
    # worth telling apart from the largest one", and must still serialise as a JSON integer.
    return max(-MAX_ID, min(MAX_ID, int(value)))
