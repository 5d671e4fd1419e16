"""The typed keys under which the app keeps its long-lived parts (no module-level singletons)."""

from __future__ import annotations

from aiohttp import web

from .db import Database
from .file_lists import FileListCache
from .import_process import ImportProcess
from .jobs import JobQueue
from .settings import Settings
from .uploads import UploadGate

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
QUEUE = web.AppKey("queue", JobQueue)
UPLOAD_GATE = web.AppKey("upload_gate", UploadGate)
FILE_LISTS = web.AppKey("file_lists", FileListCache)
# Only while imports run in their own process (not with Settings.imports_in_process).
IMPORT_PROCESS = web.AppKey("import_process", ImportProcess)
