"""The import process: imports run in a child process at low CPU priority, not in the server.

An import's CSV parsing and row logic is CPU-bound Python. Run in the server's own process it
holds the GIL most of the time, so every hand-off of the event loop and of the reader thread
(sqlite3 releases the GIL around each step) waits behind it, and on a small machine it competes
for the cores with the requests. In a child process it shares no GIL with the server, and at
niceness 19 and under Linux's SCHED_IDLE policy the kernel gives the server the CPU whenever
both want it (read p99 during the 1M enrollment import: see docs/decisions.md, "Imports run in
their own process").

Who does what:

* the server keeps the job queue (service.jobs): it claims, keeps the strands, and the test
  controls (pause, fail-next, reset) act there as before; a claimed job's ``run`` is handed
  to the child (``ImportProcess.run_of``) and awaited;
* the child (``child_main``) has its own Database connections and runners and runs what it is
  given, as asyncio tasks as in the server; SQLite's locks (busy_timeout) serialise its writes
  with the server's;
* the pipe between them carries small tuples: to the child ``("run", job, kind, row)``,
  ``("cancel", job)``, ``("stop",)``, ``("pace", seconds, rows)`` and ``("exit",)``; back
  ``("ready",)`` and ``("ended", job, outcome, detail)``, outcome one of ``done``,
  ``interrupted``, ``cancelled`` or ``error``.

Lifetimes: the child is started with the app, through multiprocessing's forkserver (a fork of
a single-threaded process that has already imported the importers: a child starts in
milliseconds, and no threaded process is forked). It ignores SIGINT and SIGTERM (a terminal's
Ctrl-C or a service manager reaches the whole process group; the server leads the shutdown) and
ends when told to, or at once when its pipe to the server closes without being told: the server
was killed, and so is the import, as in one process: committed batches stay, the one in flight
rolls back, and the next start runs the import again (decision 23). A child that dies fails the
job it was running (``failed``, with an error report number) and is started again for the next.

As with every multiprocessing program that does not fork, a script that builds the app itself
(``create_app``) must start it under ``if __name__ == "__main__":``: the forkserver imports
the main script once, and an unguarded one would start a server of its own there.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import itertools
import logging
import multiprocessing
import os
import signal
import socket
import sqlite3
import sys
import threading
import time
import weakref
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any, Callable

from .db import Database
from .job_kinds import RunFn, build_runners
from .jobs import JobInterrupted, Pace
from .settings import Settings

log = logging.getLogger("canvas_imports")

# Lowest CPU priority: the server's requests win the CPU whenever both want it.
IMPORT_NICENESS = 19
# An import allocates millions of short-lived rows: the collector's default first threshold
# (700) would run it every few rows (as in service.__main__.tune_runtime).
GC_THRESHOLDS = (50_000, 20, 20)
# A loaded machine's first start also starts the forkserver, which imports every importer.
START_TIMEOUT_S = 60.0
# Past the shutdown's grace period, how long the child still gets to end a job or exit before
# it is killed.
LAST_WAIT_S = 0.25
# The child's exit status when its pipe to the server closed without an exit being asked.
EXIT_SERVER_GONE = 3
# The child's name in ps -o comm, top and /proc/<pid>/comm (Linux; 15 characters at most).
PROCESS_NAME = "import-process"
# The forkserver imports these once; every child is a fork of it with them in memory.
PRELOADED_MODULES = ["__main__", __name__]


class ImportProcessError(Exception):
    """A job raised inside the import process; the child's log has the traceback."""


class ImportProcessDied(Exception):
    """The import process ended while it was running a job."""


def child_settings(settings: Settings) -> Settings:
    """What the child needs: no tokens (it serves no request), an absolute data directory."""
    return replace(settings, tokens=(), read_only_tokens=(), seed_paths=(), ready_file=None,
                   data_dir=settings.data_dir.resolve())


class _Child:
    """One started import process and the server's end of its pipe."""

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.process = process
        self.conn = conn
        self.loop = loop
        self.alive = True
        self.ready: asyncio.Future[None] = loop.create_future()
        # job -> the future its ("ended", ...) resolves
        self.pending: dict[int, asyncio.Future[tuple[str, Any]]] = {}
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="import-process-pipe",
                                        daemon=True)
        self._reader.start()

    def send(self, message: tuple) -> bool:
        """Send ``message``; False when the child is gone (its end of the pipe closed)."""
        if not self.alive:
            return False
        try:
            with self._send_lock:
                self.conn.send(message)
            return True
        except (OSError, ValueError):
            self._gone()
            return False

    def _read(self) -> None:
        # A thread, because recv() blocks; every message is handled on the loop.
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                self._call_soon(self._gone)
                return
            if not self._call_soon(self._on_message, message):
                return

    def _call_soon(self, callback: Callable[..., None], *args: Any) -> bool:
        try:
            self.loop.call_soon_threadsafe(callback, *args)
            return True
        except RuntimeError:  # the loop has closed: nobody is listening any more
            return False

    def _on_message(self, message: tuple) -> None:
        if message[0] == "ready":
            if not self.ready.done():
                self.ready.set_result(None)
        elif message[0] == "ended":
            _, job, outcome, detail = message
            ended = self.pending.pop(job, None)
            if ended is not None and not ended.done():
                ended.set_result((outcome, detail))

    def _gone(self) -> None:
        self.alive = False
        if not self.ready.done():
            self.ready.set_exception(ImportProcessDied("the import process did not start"))
        for ended in self.pending.values():
            if not ended.done():
                ended.set_result(("died", self.process.exitcode))
        self.pending.clear()

    def close_pipe(self) -> None:
        self.alive = False
        self.conn.close()


# Children still running when the interpreter exits: multiprocessing's own exit hook would
# SIGTERM (which they ignore) and then join them for ever; closing their pipes first, in a hook
# registered after multiprocessing's (so run before it), ends them.
_LIVE_CHILDREN: "weakref.WeakSet[_Child]" = weakref.WeakSet()


@atexit.register
def _close_pipes_at_exit() -> None:
    for child in list(_LIVE_CHILDREN):
        # shutdown, not close: the reader thread blocked in recv() keeps a closed descriptor's
        # socket open, and the child would never read its end.
        try:
            with socket.socket(fileno=os.dup(child.conn.fileno())) as pipe:
                pipe.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class ImportProcess:
    """The server's end: starts the import process, hands it jobs and hears how they ended."""

    def __init__(self, settings: Settings, pace: Pace) -> None:
        self._settings = child_settings(settings)
        self._cancel_timeout_s = max(settings.shutdown_grace_s, 1.0)
        self._pace = pace
        self._child: _Child | None = None
        self._start_lock = asyncio.Lock()
        self._jobs = itertools.count(1)
        self._stopping = False
        # When shutdown began plus the grace period: the queue's wait for its jobs, the cancel
        # of those still running and the child's exit all share it, so that SIGTERM still
        # ends within the grace period (a job the child cannot stop by then is killed).
        self._stop_deadline: float | None = None
        pace.listeners.append(self._send_pace)

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before it started or after it ended)."""
        child = self._child
        return child.process.pid if child is not None and child.alive else None

    async def start(self) -> None:
        """Start the child and wait until it has opened the database."""
        await self._running_child()

    def run_of(self, kind_name: str) -> RunFn:
        """A job kind's ``run``, carried out by the child."""
        async def run(row: sqlite3.Row, stopping: Callable[[], bool]) -> None:
            await self._run(kind_name, row)
        return run

    def begin_stopping(self) -> None:
        """Shutdown has begun: running jobs stop at their next batch boundary."""
        self._stopping = True
        self._stop_deadline = time.monotonic() + self._cancel_timeout_s
        if self._child is not None:
            self._child.send(("stop",))

    def _wait_limit_s(self) -> float:
        """How long to wait for the child: a cancel's own timeout, or what is left of the
        shutdown's grace period (never nothing: a child about to end gets a moment to)."""
        if self._stop_deadline is None:
            return self._cancel_timeout_s
        return max(self._stop_deadline - time.monotonic(), LAST_WAIT_S)

    async def close(self) -> None:
        """Ask the child to end (cancelling what still runs) and wait; kill it if it hangs."""
        if self._send_pace in self._pace.listeners:
            self._pace.listeners.remove(self._send_pace)
        child, self._child = self._child, None
        if child is None:
            return
        child.send(("exit",))
        # The child has nothing left to run (the queue has stopped): it closes its connections.
        await asyncio.to_thread(child.process.join, self._wait_limit_s())
        if child.process.exitcode is None:
            log.warning("the import process did not end when asked: killing it")
            child.process.kill()
            await asyncio.to_thread(child.process.join)
        child.close_pipe()
        _LIVE_CHILDREN.discard(child)

    async def _running_child(self) -> _Child:
        async with self._start_lock:
            if self._child is not None and self._child.alive:
                return self._child
            if self._child is not None:
                await asyncio.to_thread(self._child.process.join)
                self._child.close_pipe()
                _LIVE_CHILDREN.discard(self._child)
                log.info("starting the import process again")
            loop = asyncio.get_running_loop()
            process, conn = await asyncio.to_thread(self._spawn)
            child = _Child(process, conn, loop)
            _LIVE_CHILDREN.add(child)
            self._child = child
            try:
                await asyncio.wait_for(asyncio.shield(child.ready), START_TIMEOUT_S)
            except asyncio.TimeoutError:
                process.kill()
                raise ImportProcessDied("the import process did not start in time") from None
            if self._stopping:
                child.send(("stop",))
            return child

    def _spawn(self) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADED_MODULES)
        ours, theirs = context.Pipe()
        process = context.Process(
            target=child_main, name="canvas-imports-import-process",
            args=(theirs, self._settings,
                  (self._pace.seconds_per_import, self._pace.rows_per_second)))
        process.start()
        # Only the child may hold its end: once it ends, this end reads end-of-file.
        theirs.close()
        return process, ours

    async def _run(self, kind_name: str, row: sqlite3.Row) -> None:
        child = await self._running_child()
        job = next(self._jobs)
        ended: asyncio.Future[tuple[str, Any]] = child.loop.create_future()
        child.pending[job] = ended
        if not child.send(("run", job, kind_name, dict(row))):
            child.pending.pop(job, None)
            ended.set_result(("died", child.process.exitcode))
        try:
            outcome, detail = await asyncio.shield(ended)
        except asyncio.CancelledError:
            await self._cancel(child, job, ended)
            raise
        if outcome == "interrupted":
            raise JobInterrupted()
        if outcome == "error":
            raise ImportProcessError(detail)
        if outcome == "died":
            if self._stopping:
                raise JobInterrupted()  # killed with the server: it runs again at the next start
            raise ImportProcessDied(f"the import process ended (exit status {detail})")

    async def _cancel(self, child: _Child, job: int, ended: asyncio.Future) -> None:
        """Stop ``job`` where it is and wait until the child's last write of it has ended.

        A reset empties the data once this returns: no write of the job may come after it.
        """
        if not child.send(("cancel", job)):
            return
        try:
            await asyncio.wait_for(asyncio.shield(ended), self._wait_limit_s())
        except asyncio.TimeoutError:
            # Killing it rolls its open transaction back: nothing committed is lost.
            log.warning("import process job %d did not stop in time: killing the process", job)
            child.process.kill()
            await asyncio.to_thread(child.process.join)

    def _send_pace(self, pace: Pace) -> None:
        if self._child is not None:
            self._child.send(("pace", pace.seconds_per_import, pace.rows_per_second))


def child_main(conn: Connection, settings: Settings,
               pace: tuple[float | None, float | None]) -> None:
    """The import process: run the jobs the server sends until it says exit."""
    # The server leads every shutdown; a signal sent to the whole process group must not end
    # a job half-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _name_process(PROCESS_NAME)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s [import process]: %(message)s")
    _take_the_lowest_cpu_priority()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    asyncio.run(_ChildWorker(conn, settings, Pace(*pace)).serve())


def _take_the_lowest_cpu_priority() -> None:
    """Niceness 19 and, where the kernel has it (Linux), the SCHED_IDLE policy, for this thread
    and every thread it starts (the database connections' among them).

    Niceness alone only weighs the import down: Linux's scheduler lets a task it is running
    finish its time slice (a few milliseconds) before a woken one of higher priority runs, and
    a page read wakes two of the server's threads (the event loop and the reader), so at
    niceness 19 each read still waited up to a slice, twice, for the core the import held.
    A SCHED_IDLE task is preempted as soon as any other task wakes on its core, and a core
    that runs only such tasks counts as idle when the kernel places a waking task.
    """
    os.nice(IMPORT_NICENESS - os.nice(0))
    if hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError as error:  # a sandbox that forbids it: niceness 19 still holds
            log.info("the import process keeps the normal scheduling policy: %s", error)


def _name_process(name: str) -> None:
    """Tell the import process apart from the forkserver whose command line it shares."""
    try:
        with open("/proc/self/comm", "w", encoding="ascii") as comm:
            comm.write(name)
    except OSError:
        pass  # not Linux: the name is a convenience


class _ChildWorker:
    """The child's loop: one asyncio task per job, as the server's queue runs them."""

    def __init__(self, conn: Connection, settings: Settings, pace: Pace) -> None:
        self._conn = conn
        self._settings = settings
        self._pace = pace
        self._stopping = False
        self._jobs: dict[int, asyncio.Task] = {}

    async def serve(self) -> None:
        db = Database(self._settings.database_path)
        await db.open()
        try:
            runners = build_runners(db, self._settings, self._pace)
            inbox: asyncio.Queue[tuple] = asyncio.Queue()
            loop = asyncio.get_running_loop()
            threading.Thread(target=self._read, args=(loop, inbox), name="server-pipe",
                             daemon=True).start()
            self._conn.send(("ready",))
            while (message := await inbox.get())[0] != "exit":
                operation = message[0]
                if operation == "run":
                    _, job, kind_name, row = message
                    self._jobs[job] = asyncio.create_task(
                        self._job(db, job, runners.run_of(kind_name), row))
                elif operation == "cancel":
                    task = self._jobs.get(message[1])
                    if task is not None:
                        task.cancel()
                elif operation == "stop":
                    self._stopping = True
                elif operation == "pace":
                    self._pace.set(message[1], message[2])
            for task in self._jobs.values():
                task.cancel()
            await asyncio.gather(*self._jobs.values(), return_exceptions=True)
        finally:
            await db.close()
            self._conn.close()

    def _read(self, loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue) -> None:
        try:
            while True:
                message = self._conn.recv()
                loop.call_soon_threadsafe(inbox.put_nowait, message)
                if message[0] == "exit":
                    return
        except (EOFError, OSError):
            # The server is gone without asking us to end: it was killed, so the import is too,
            # at once (a new server may already be starting on the same data).
            os._exit(EXIT_SERVER_GONE)

    async def _job(self, db: Database, job: int, run: RunFn, row: dict[str, Any]) -> None:
        detail = None
        try:
            await run(row, lambda: self._stopping)  # type: ignore[arg-type]
            outcome = "done"
        except JobInterrupted:
            outcome = "interrupted"
        except asyncio.CancelledError:
            # A cancelled write goes on to its commit or rollback on the writer's thread; an
            # empty transaction behind it returns once it has ended.
            try:
                await db.write(_nothing)
            except sqlite3.Error:
                pass  # the cancelled write has ended all the same
            outcome = "cancelled"
        except Exception as error:
            log.exception("job %d failed in the import process", job)
            outcome, detail = "error", repr(error)
        self._jobs.pop(job, None)
        try:
            self._conn.send(("ended", job, outcome, detail))
        except (OSError, ValueError):
            pass


def _nothing(conn: sqlite3.Connection) -> None:
    return None
