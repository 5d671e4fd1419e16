"""The one import type both APIs accept (sections 2.3 and 10.2)."""

from __future__ import annotations

from multidict import MultiDict

from .errors import BadRequest

IMPORT_TYPES = ("instructure_csv",)
INVALID_IMPORT_TYPE = {"errors": [{"message": "invalid import type parameter"}]}


def check_import_type(params: MultiDict[str]) -> str:
    """The import type; anything but instructure_csv is a 400 (decision 13; Canvas: 500)."""
    import_type = params.get("import_type") or "instructure_csv"
    if import_type not in IMPORT_TYPES:
        raise BadRequest(INVALID_IMPORT_TYPE)
    return import_type
