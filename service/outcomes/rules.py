"""Row-level rules of the outcomes CSV that need no database (sections 12.2, 12.3 and 12.5).

Each rule raises ``RowError`` with Canvas's exact message(s); the importer records them against the
row and skips it. Model validations, which Canvas reports one message per failed validation in
human form (``Vendor guid is too long (maximum is 255 characters)``), return lists instead.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from .ruby import float_to_s, has_whitespace, inspect_list, is_blank, strict_float

# Rails' maximum_string_length and Canvas's maximum_text_length (64 KiB - 1).
MAX_STRING_LENGTH = 255
MAX_TEXT_LENGTH = 65535
MAX_FRIENDLY_DESCRIPTION_LENGTH = 255

# OutcomeCalculationMethod::CALCULATION_METHODS and VALID_CALCULATION_INTS, in Canvas's order.
CALCULATION_METHODS = (
    "decaying_average", "weighted_average", "standard_decaying_average", "n_mastery",
    "highest", "latest", "average",
)
VALID_CALCULATION_INTS: dict[str, range] = {
    "decaying_average": range(1, 100),
    "weighted_average": range(1, 100),
    "standard_decaying_average": range(50, 100),
    "n_mastery": range(1, 11),
    "highest": range(0),
    "latest": range(0),
    "average": range(0),
}
# LearningOutcome#default_calculation_method with the new-decaying-average flag off.
DEFAULT_CALCULATION_METHOD = "decaying_average"
# Methods whose calculation_int Canvas resets to the default whenever the method changes.
METHODS_WITHOUT_INT = ("highest", "latest")

WORKFLOW_STATES = ("", "active", "deleted")


class RowError(Exception):
    """A row is skipped and each message recorded as ``[line, message]``."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = messages


class Rating(NamedTuple):
    """One rubric tier as the CSV gives it."""

    points: float
    description: str | None


# Real files repeat the same numbers and rating tiers on every row: parsing each distinct value
# once keeps these rules off the import's hot path. (Errors are raised, hence never cached.)
@lru_cache(maxsize=4096)
def parse_number(text: str, name: str) -> float:
    """Canvas's ``strict_parse_float``: English separators (``0012,34.5678`` is 1234.5678)."""
    value = None if is_blank(text) else strict_float(text.replace(",", ""))
    if value is None:
        raise RowError(f'Invalid value for {name}: "{text}"')
    return value


@lru_cache(maxsize=4096)
def parse_ratings(cells: tuple[str, ...]) -> tuple[Rating, ...]:
    """The (points, description) pairs after the ``ratings`` header, best tier first."""
    end = len(cells)
    while end and cells[end - 1] == "":
        end -= 1  # Canvas drops trailing empty cells
    ratings: list[Rating] = []
    prior: float | None = None
    for tier, start in enumerate(range(0, end, 2), start=1):
        points_text = cells[start]
        description = cells[start + 1] if start + 1 < end else ""
        if is_blank(points_text):
            raise RowError(f"Points for rating tier {tier} not present")
        points = parse_number(points_text, f"rating tier {tier} threshold")
        if prior is not None and prior < points:
            raise RowError(
                f"Points for tier {tier} must be less than points for prior tier"
                f" ({float_to_s(points)} is greater than {float_to_s(prior)})"
            )
        prior = points
        ratings.append(Rating(points, description or None))
    return tuple(ratings)


def check_object(vendor_guid: str, title: str, workflow_state: str) -> None:
    """Canvas's ``check_object``: guid and title present, no spaces in the guid, a known state."""
    if is_blank(vendor_guid):
        raise RowError('The "vendor_guid" field is required')
    if is_blank(title):
        raise RowError('The "title" field is required')
    if has_whitespace(vendor_guid):
        raise RowError('The "vendor_guid" field must have no spaces')
    if workflow_state not in WORKFLOW_STATES:
        raise RowError('"workflow_state" must be either "active" or "deleted"')


def default_calculation_int(method: str) -> int | None:
    """LearningOutcome#default_calculation_int."""
    if method in ("decaying_average", "standard_decaying_average", "weighted_average"):
        return 65
    if method == "n_mastery":
        return 5
    return None


def _too_long(attribute: str, value: str | None, maximum: int) -> list[str]:
    if value is not None and len(value) > maximum:
        return [f"{attribute} is too long (maximum is {maximum} characters)"]
    return []


def group_validation_errors(vendor_guid: str, title: str, description: str) -> list[str]:
    """LearningOutcomeGroup's validations, in declaration order."""
    return (
        _too_long("Vendor guid", vendor_guid, MAX_STRING_LENGTH)
        + _too_long("Description", description, MAX_TEXT_LENGTH)
        + _too_long("Title", title, MAX_STRING_LENGTH)
    )


def _calculation_int_error(method: str, calculation_int: int | None) -> str | None:
    valid_ints = VALID_CALCULATION_INTS.get(method)
    if valid_ints is None or calculation_int in valid_ints:
        return None  # an unknown method has its own message; its int is not checked
    if not valid_ints:
        if calculation_int is None:
            return None
        return "Calculation int A calculation value is not used with this calculation method"
    shown = "" if calculation_int is None else calculation_int
    return (
        f"Calculation int '{shown}' is not a valid value for this calculation method."
        f" The value must be between '{valid_ints.start}' and '{valid_ints.stop - 1}'"
    )


def outcome_validation_errors(
    *, vendor_guid: str, title: str, description: str | None, display_name: str | None,
    calculation_method: str, calculation_int: int | None,
) -> list[str]:
    """LearningOutcome's validations, in declaration order (title is ``short_description``)."""
    int_error = _calculation_int_error(calculation_method, calculation_int)
    if (
        int_error is None and calculation_method in VALID_CALCULATION_INTS
        and len(title) <= MAX_STRING_LENGTH and len(vendor_guid) <= MAX_STRING_LENGTH
        and len(description or "") <= MAX_TEXT_LENGTH and len(display_name or "") <= MAX_STRING_LENGTH
    ):
        return []  # the common case, decided without building messages
    errors = (
        _too_long("Description", description, MAX_TEXT_LENGTH)
        + _too_long("Short description", title, MAX_STRING_LENGTH)
        + _too_long("Vendor guid", vendor_guid, MAX_STRING_LENGTH)
        + _too_long("Display name", display_name, MAX_STRING_LENGTH)
    )
    if calculation_method not in VALID_CALCULATION_INTS:
        errors.append(
            "Calculation method calculation_method must be one of the following: "
            + inspect_list(list(CALCULATION_METHODS))
        )
    if int_error is not None:
        errors.append(int_error)
    return errors
