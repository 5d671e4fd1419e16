"""create_app(settings): the whole service, wired; long-lived parts open and close with it."""

from __future__ import annotations

import logging
import os
from typing import AsyncIterator

from aiohttp import web

from . import control
from .appkeys import DATABASE, FILE_LISTS, IMPORT_PROCESS, QUEUE, SETTINGS, UPLOAD_GATE
from .auth import auth_middleware, load_or_create_token
from .clock import utc_now
from .db import Database
from .disk_reserve import DiskReserve
from .error_middleware import error_middleware
from .file_lists import FileListCache
from .import_process import ImportProcess
from .job_kinds import build_runners, job_kinds
from .jobs import JobQueue, Pace
from .routes import setup_routes
from .settings import Settings
from .store.accounts import ensure_root_account
from .store.files import referenced_paths
from .uploads import UploadGate

log = logging.getLogger("canvas_imports")

# Every API response says the (unthrottled) request was cheap (decision 24).
RATE_LIMIT_HEADERS = {"X-Request-Cost": "0.0", "X-Rate-Limit-Remaining": "700.0"}


def resolve_tokens(settings: Settings) -> tuple[str, ...]:
    """The configured tokens, or the generated one kept in the data directory."""
    return settings.tokens or (load_or_create_token(settings.token_file),)


def create_app(settings: Settings) -> web.Application:
    """Build the application for ``settings``; nothing is opened until it starts."""
    app = web.Application(
        middlewares=[
            error_middleware(),
            # The throttle test control answers before anything else, as Canvas's throttle does.
            *((control.throttle_middleware,) if settings.enable_control else ()),
            _rate_limit_headers,
            auth_middleware(resolve_tokens(settings), settings.read_only_tokens),
        ],
        # Uploads are streamed and capped by uploads.py; this only bounds form bodies.
        client_max_size=1024 * 1024,
    )
    app[SETTINGS] = settings
    app[UPLOAD_GATE] = UploadGate(settings.max_concurrent_uploads)
    app[FILE_LISTS] = FileListCache()
    setup_routes(app)
    if settings.enable_control:
        control.setup_control(app)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_queue)
    return app


@web.middleware
async def _rate_limit_headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith("/api/"):
        response.headers.update(RATE_LIMIT_HEADERS)
    return response


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    make_private_directories(settings)
    db = Database(settings.database_path)
    await db.open()
    make_private_files(settings)
    await db.write(ensure_root_account, utc_now())
    _remove_unreferenced_files(settings, await db.read(referenced_paths))
    app[DATABASE] = db
    yield
    await db.close()


def make_private_directories(settings: Settings) -> None:
    """Create the data directory and its subdirectories owner-only (decision 25)."""
    for directory in (settings.data_dir, settings.uploads_dir, settings.files_dir):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)  # mkdir's mode is cut by the umask and ignored if it exists


def make_private_files(settings: Settings) -> None:
    """The database and every file kept so far readable by the owner only, whatever the umask."""
    for directory in (settings.data_dir, settings.uploads_dir, settings.files_dir):
        for path in directory.iterdir():
            if path.is_file() and not path.is_symlink():
                os.chmod(path, 0o600)


def _remove_unreferenced_files(settings: Settings, referenced: set[str]) -> None:
    # Before the queue starts: a partial upload never completed, and an upload or generated file
    # that no row names was left by a kill between writing it and committing its row. Neither
    # can ever be reached again.
    for directory in (settings.uploads_dir, settings.files_dir):
        for path in directory.rglob("*"):
            if path.is_file() and str(path.relative_to(settings.data_dir)) not in referenced:
                log.info("removing %s: no import refers to it", path.relative_to(settings.data_dir))
                path.unlink(missing_ok=True)


async def _queue(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = app[DATABASE]
    # One pace for every import runner; the pace test control changes it in place.
    pace = Pace()
    runners = build_runners(db, settings, pace)
    # Imports run in the import process unless the settings keep them in this one.
    import_process = None if settings.imports_in_process else ImportProcess(settings, pace)
    kinds = job_kinds(runners, import_process.run_of if import_process is not None else None)
    queue = JobQueue(db, kinds, settings.workers, settings.queue_poll_s, pace,
                     on_stopping=import_process.begin_stopping if import_process else None,
                     reserve=DiskReserve(settings.disk_reserve_path))
    app[QUEUE] = queue
    if import_process is not None:
        await import_process.start()
        app[IMPORT_PROCESS] = import_process
    queue.start()
    yield
    await queue.stop(settings.shutdown_grace_s)
    if import_process is not None:
        await import_process.close()
