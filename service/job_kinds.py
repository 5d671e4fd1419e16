"""The kinds of job the queue runs, and the runners that do their work.

The same runners exist in the server process and in the import process (service.import_process):
the server's own record failures (``fail``, ``fail_with_message``: a few writes each) and, in
the in-process mode, run the jobs too; the import process's run the jobs the server hands it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Awaitable, Callable

from .db import Database
from .jobs import JobKind, Pace
from .outcomes.runner import OutcomeImportRunner
from .settings import Settings
from .sis.importer import SisImportRunner
from .sis.restore import SisRestoreRunner
from .store.outcome_imports import claim_next_outcome_import
from .store.progresses import claim_next_restore
from .store.sis_imports import claim_next_sis_import

RunFn = Callable[[sqlite3.Row, Callable[[], bool]], Awaitable[None]]

SIS_IMPORT = "sis_import"
SIS_RESTORE = "sis_restore"
OUTCOME_IMPORT = "outcome_import"


@dataclass(frozen=True)
class Runners:
    """One runner per kind of job, over one database."""

    sis_import: SisImportRunner
    sis_restore: SisRestoreRunner
    outcome_import: OutcomeImportRunner

    def run_of(self, kind_name: str) -> RunFn:
        """The coroutine function that runs a claimed job of ``kind_name`` to its end."""
        runner = {SIS_IMPORT: self.sis_import, SIS_RESTORE: self.sis_restore,
                  OUTCOME_IMPORT: self.outcome_import}[kind_name]
        return runner.run


def build_runners(db: Database, settings: Settings, pace: Pace) -> Runners:
    """The runners of every kind; ``pace`` is the one the pace test control changes."""
    return Runners(
        sis_import=SisImportRunner(db, settings, pace),
        sis_restore=SisRestoreRunner(db),
        outcome_import=OutcomeImportRunner(db, settings, pace),
    )


def job_kinds(runners: Runners, run_of: Callable[[str], RunFn] | None = None) -> list[JobKind]:
    """The queue's kinds; ``run_of`` (default: ``runners.run_of``) says where jobs run."""
    run_of = run_of or runners.run_of
    return [
        JobKind(
            name=SIS_IMPORT,
            claim=claim_next_sis_import,
            strand=lambda row: row["account_id"],
            run=run_of(SIS_IMPORT),
            fail=runners.sis_import.fail_unexpectedly,
            fail_with_message=runners.sis_import.fail_as_requested,
            strand_group="sis_account",
        ),
        # Restores run on the strand of the account's imports: never beside one of them.
        JobKind(
            name=SIS_RESTORE,
            claim=claim_next_restore,
            strand=lambda row: row["account_id"],
            run=run_of(SIS_RESTORE),
            fail=runners.sis_restore.fail_unexpectedly,
            strand_group="sis_account",
        ),
        JobKind(
            name=OUTCOME_IMPORT,
            claim=claim_next_outcome_import,
            # One strand per root account, as Canvas's "OutcomeImport::run::<root account>".
            strand=lambda row: row["root_account_id"],
            run=run_of(OUTCOME_IMPORT),
            fail=runners.outcome_import.fail_unexpectedly,
            fail_with_message=runners.outcome_import.fail_as_requested,
        ),
    ]
