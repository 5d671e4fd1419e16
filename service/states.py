"""Workflow states: ``str`` enums whose values are Canvas's strings, with their sets beside them."""

from __future__ import annotations

from enum import StrEnum


class SisState(StrEnum):
    """SisBatch workflow states (section 5)."""

    INITIALIZING = "initializing"
    CREATED = "created"
    IMPORTING = "importing"
    CLEANUP_BATCH = "cleanup_batch"
    IMPORTED = "imported"
    IMPORTED_WITH_MESSAGES = "imported_with_messages"
    ABORTED = "aborted"
    FAILED = "failed"
    FAILED_WITH_MESSAGES = "failed_with_messages"
    RESTORING = "restoring"
    PARTIALLY_RESTORED = "partially_restored"
    RESTORED = "restored"


SIS_STATES = frozenset(s.value for s in SisState)
# States a worker may still run: a created import, or one a crash left importing.
SIS_PENDING = (SisState.CREATED, SisState.IMPORTING, SisState.CLEANUP_BATCH)
SIS_ABORTABLE = (SisState.INITIALIZING, SisState.CREATED, SisState.IMPORTING, SisState.CLEANUP_BATCH)
SIS_TERMINAL = frozenset({
    SisState.IMPORTED, SisState.IMPORTED_WITH_MESSAGES, SisState.FAILED,
    SisState.FAILED_WITH_MESSAGES, SisState.ABORTED, SisState.RESTORED,
    SisState.PARTIALLY_RESTORED,
})


class OutcomeState(StrEnum):
    """OutcomeImport workflow states (section 11.2)."""

    INITIALIZING = "initializing"
    CREATED = "created"
    IMPORTING = "importing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


OUTCOME_STATES = frozenset(s.value for s in OutcomeState)
OUTCOME_PENDING = (OutcomeState.CREATED, OutcomeState.IMPORTING)
OUTCOME_TERMINAL = frozenset({OutcomeState.SUCCEEDED, OutcomeState.FAILED})


class ProgressState(StrEnum):
    """Progress workflow states (Canvas's Progress model, section 2.9)."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


PROGRESS_PENDING = (ProgressState.QUEUED, ProgressState.RUNNING)
PROGRESS_TERMINAL = frozenset({ProgressState.COMPLETED, ProgressState.FAILED})
