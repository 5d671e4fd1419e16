"""Request body -> file on disk, in constant memory, with the upload's name and type decided.

The body is streamed with ``read_chunk`` into a temporary file under ``uploads/`` (mode 0600: it
may hold passwords) and counted against ``max_upload_bytes`` (aiohttp's ``client_max_size`` does
not cap streamed reads); it is renamed into place only when complete. Any refusal after the body
started streaming (a bad parameter, a stalled or vanished client, a full disk, any exception)
deletes the partial file at once.

How the type is decided (section 2.3, clients.md, and Canvas's own controller):
* multipart: the file is the part named ``attachment``. Its name decides when it ends in ``.csv``
  or ``.zip`` (Canvas reads the uploaded file's name); ``extension`` counts only for a name without
  such an ending (canvasapi names in-memory uploads ``attachment``); else sniffing, else the API's
  fallback. A part Content-Type is never trusted (bearcat labels every CSV application/zip).
* raw body: ``extension`` names it ``<prefix>.<extension>``; otherwise the Content-Type's media
  type maps to an extension (unknown or missing: the fallback), and a charset other than UTF-8 is
  refused before anything is read.
* Then a body that is declared csv or zip is sniffed: the zip magic wins, and a "zip" without it
  is read as CSV, so a CSV posted with no Content-Type is imported instead of failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import AsyncIterator, Iterator

import aiofiles
from aiohttp import BodyPartReader, web
from multidict import MultiDict

from .errors import (
    BadRequest, ClientDisconnected, InsufficientStorage, MalformedBody, PayloadTooLarge, TooManyUploads,
    UploadStalled, is_disk_full,
)
from .settings import UploadLimits

log = logging.getLogger("canvas_imports")

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Raw bodies: media type -> extension (section 2.3). Anything else gets the API's fallback.
RAW_MEDIA_TYPE_EXTENSIONS = {
    "application/zip": "zip",
    "text/xml": "xml",
    "text/plain": "csv",
    "text/csv": "csv",
}
# Rack reports a request with no Content-Type header as this, and Canvas stores it on the file.
MISSING_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_TEXT_PART_BYTES = 64 * 1024
# Names the importer reads by their ending, whatever ``extension`` says.
KNOWN_TYPES = ("csv", "zip")
# An extension is a plain word: it becomes part of a file name on this server's disk.
PLAIN_EXTENSION = re.compile(r"[a-z0-9]{1,16}")
# A display name is kept to this many characters (Canvas's attachments keep 255 bytes of it).
MAX_DISPLAY_NAME_CHARS = 1024
# A body that arrives whole in one chunk of at most this size is written without a thread.
SMALL_BODY_BYTES = 64 * 1024

MISSING_ATTACHMENT = {"error": True, "error_message": "Missing attachment"}
NON_UTF8_CHARSET = {"error": "Invalid content type, UTF-8 required"}
EMPTY_UPLOAD = {"errors": [{"message": "The uploaded file is empty."}]}
BAD_EXTENSION = {"errors": [{"message": "The extension parameter must be a plain file extension"
                                        " such as csv or zip."}]}


@dataclass
class Upload:
    """A complete uploaded file on disk and the parameters that came with it."""

    path: Path
    display_name: str
    content_type: str
    size: int
    file_type: str  # how the importer reads it: "csv", "zip" or another extension
    params: MultiDict[str] = field(default_factory=MultiDict)

    def discard(self) -> None:
        """Delete the file (the request was refused after it was received)."""
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class UploadPolicy:
    """What differs between the two import APIs."""

    raw_name_prefix: str  # "sis_import" or "outcome_import"
    fallback_type: str  # "zip" for SIS imports, "csv" for outcome imports
    # SIS imports refuse an empty file at once (Canvas fails it later with a misleading
    # message); outcome imports keep Canvas's "File has no data" failure, which says it well.
    refuse_empty: bool = True


async def receive_upload(
    request: web.Request, policy: UploadPolicy, uploads_dir: Path, limits: UploadLimits
) -> Upload:
    """Stream the request's file to ``uploads_dir`` and return it with the merged parameters."""
    declared = request.content_length
    if declared is not None and declared > limits.max_bytes:
        raise PayloadTooLarge(limits.max_bytes)
    params: MultiDict[str] = MultiDict(request.query)
    try:
        if request.content_type.startswith("multipart/"):
            return await _receive_multipart(request, policy, params, uploads_dir, limits)
        return await _receive_raw(request, policy, params, uploads_dir, limits)
    except ConnectionResetError:
        # Not an error of ours: say so in one line instead of an error report with a traceback.
        log.info("client disconnected during an upload to %s %s", request.method, request.path)
        raise ClientDisconnected() from None
    except ValueError as error:
        # aiohttp's multipart reader: no boundary, a missing or unterminated part.
        raise MalformedBody(str(error).split(":")[0].strip().rstrip(".") or "malformed") from None


def _plain_extension(value: str) -> str:
    """``extension`` as a bare word; 400 when it is anything else.

    Instructure's sis_script.sh sends ``extension=zip&import_type=...`` as one form value: the
    part before the first ``&`` is what it meant.
    """
    extension = value.split("&", 1)[0].strip().lower().lstrip(".")
    if not PLAIN_EXTENSION.fullmatch(extension):
        raise BadRequest(BAD_EXTENSION)
    return extension


async def _receive_multipart(
    request: web.Request, policy: UploadPolicy, params: MultiDict[str], uploads_dir: Path,
    limits: UploadLimits,
) -> Upload:
    reader = await request.multipart()
    received: tuple[Path, int] | None = None
    filename = ""
    part_content_type = ""
    try:
        while (part := await _idle_bounded(reader.next(), limits)) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: not something Canvas clients send
            if part.name == "attachment" and received is None:
                filename = _readable_name(part.filename or "attachment")
                part_content_type = part.headers.get("Content-Type", "")
                received = await _stream_to_temp(_part_chunks(part, limits), uploads_dir, limits)
            elif part.filename is None:
                params.add(part.name or "", await _read_text_part(part, limits))
            else:
                await part.release()
        if received is None:
            # Outcome imports too: Canvas would import the multipart text itself and fail it
            # later with "Missing required fields"; a clear 400 that stores nothing serves
            # clients better.
            raise BadRequest(MISSING_ATTACHMENT)
        temp_path, size = received
        display_name = PurePosixPath(filename.replace("\\", "/")).name or "attachment"
        declared_type = _extension_of(display_name)
        if declared_type not in KNOWN_TYPES and params.get("extension"):
            declared_type = _plain_extension(params["extension"])
        elif not declared_type:
            declared_type = policy.fallback_type
        elif not PLAIN_EXTENSION.fullmatch(declared_type):
            declared_type = "unknown"  # read as an unknown type, never used as a path on disk
        content_type = (part_content_type or mimetypes.guess_type(f"x.{declared_type}")[0]
                        or "application/octet-stream")
        return _finish(temp_path, display_name, content_type, size, declared_type, params,
                       policy.refuse_empty)
    except BaseException:
        if received is not None:
            received[0].unlink(missing_ok=True)
        raise


async def _receive_raw(
    request: web.Request, policy: UploadPolicy, params: MultiDict[str], uploads_dir: Path,
    limits: UploadLimits,
) -> Upload:
    extension = params.get("extension") or ""
    if extension.strip():
        extension = _plain_extension(extension)
        content_type = mimetypes.guess_type(f"x.{extension}")[0] or "application/octet-stream"
    else:
        charset = request.charset
        if charset and charset.lower().replace("-", "") != "utf8":
            raise BadRequest(NON_UTF8_CHARSET)
        has_header = "Content-Type" in request.headers
        content_type = request.content_type if has_header else MISSING_CONTENT_TYPE
        extension = RAW_MEDIA_TYPE_EXTENSIONS.get(content_type, policy.fallback_type)
        if policy.fallback_type == "csv" and extension != "xml":
            extension = "csv"  # outcome imports: csv for text/plain, text/csv and everything else
    if policy.refuse_empty and (request.content_length == 0 or not request.body_exists):
        raise BadRequest(EMPTY_UPLOAD)
    temp_path, size = await _stream_to_temp(_body_chunks(request, limits), uploads_dir, limits)
    try:
        return _finish(temp_path, f"{policy.raw_name_prefix}.{extension}", content_type, size,
                       extension, params, policy.refuse_empty)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


def _finish(
    temp_path: Path, display_name: str, content_type: str, size: int, declared_type: str,
    params: MultiDict[str], refuse_empty: bool,
) -> Upload:
    if size == 0 and refuse_empty:
        # Canvas accepts it and fails it later with "Couldn't find Canvas CSV import headers".
        raise BadRequest(EMPTY_UPLOAD)
    file_type = declared_type
    if declared_type in KNOWN_TYPES:
        with open(temp_path, "rb") as handle:
            file_type = "zip" if handle.read(4) in ZIP_MAGICS else "csv"
    final_path = temp_path.with_name(f"{temp_path.stem.removeprefix('partial-')}.{file_type}")
    os.replace(temp_path, final_path)
    return Upload(final_path, display_name, content_type, size, file_type, params)


def _private_opener(path: str, flags: int) -> int:
    # Uploads may hold passwords: owner-only, whatever the umask (decision 25).
    return os.open(path, flags, 0o600)


async def _stream_to_temp(
    chunks: AsyncIterator[bytes], uploads_dir: Path, limits: UploadLimits
) -> tuple[Path, int]:
    """Write chunks to a new partial file; delete it on any error, disconnect or overflow."""
    temp_path = uploads_dir / f"partial-{uuid.uuid4().hex}"
    try:
        uploads_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return await _write_chunks(chunks, temp_path, limits)
    except OSError as error:
        temp_path.unlink(missing_ok=True)
        if is_disk_full(error):
            raise InsufficientStorage() from None
        raise
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


async def _write_chunks(
    chunks: AsyncIterator[bytes], temp_path: Path, limits: UploadLimits
) -> tuple[Path, int]:
    iterator = aiter(chunks)
    first = await anext(iterator, b"")
    second = await anext(iterator, None) if first else None
    if second is None and len(first) <= SMALL_BODY_BYTES:
        # The whole body came in one small chunk (a test's CSV, a nightly delta): written
        # directly. Three thread hops through aiofiles cost ~0.5-1.5 ms, this a few tens of us.
        if len(first) > limits.max_bytes:
            raise PayloadTooLarge(limits.max_bytes)
        with open(temp_path, "wb", opener=_private_opener) as small:
            small.write(first)
        return temp_path, len(first)
    size = 0
    handle = await aiofiles.open(temp_path, "wb", opener=_private_opener)
    try:
        async for chunk in _chain(first, second, iterator):
            size += len(chunk)
            if size > limits.max_bytes:
                raise PayloadTooLarge(limits.max_bytes)
            await handle.write(chunk)
    finally:
        # Shielded: a handler cancelled by a disconnect must still close its file. Closing
        # flushes, so a full disk may show here first.
        await asyncio.shield(handle.close())
    return temp_path, size


async def _chain(first: bytes, second: bytes | None, rest: AsyncIterator[bytes]):
    yield first
    if second is not None:
        yield second
        async for chunk in rest:
            yield chunk


async def _idle_bounded(awaitable, limits: UploadLimits):
    """Await one read of the body; a client that sends nothing for the idle timeout is dropped."""
    try:
        async with asyncio.timeout(limits.idle_timeout_s):
            return await awaitable
    except TimeoutError:
        raise UploadStalled(limits.idle_timeout_s) from None


async def _body_chunks(request: web.Request, limits: UploadLimits) -> AsyncIterator[bytes]:
    while chunk := await _idle_bounded(request.content.read(limits.chunk_bytes), limits):
        yield chunk


async def _part_chunks(part: BodyPartReader, limits: UploadLimits) -> AsyncIterator[bytes]:
    while chunk := await _idle_bounded(part.read_chunk(limits.chunk_bytes), limits):
        yield chunk


async def _read_text_part(part: BodyPartReader, limits: UploadLimits) -> str:
    data = bytearray()
    while chunk := await _idle_bounded(part.read_chunk(8192), limits):
        data += chunk
        if len(data) > MAX_TEXT_PART_BYTES:
            raise BadRequest({"errors": [{"message": f"The parameter {part.name} is too long."}]})
    try:
        charset = part.get_charset(default="utf-8")
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")  # an unknown charset label


def _readable_name(name: str) -> str:
    """The client's file name as text we can store and echo: valid UTF-8, bounded in length."""
    # aiohttp keeps undecodable bytes as surrogates, which neither SQLite nor JSON accept.
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if len(name) > MAX_DISPLAY_NAME_CHARS:
        suffix = PurePosixPath(name).suffix[:17]
        name = name[:MAX_DISPLAY_NAME_CHARS - len(suffix)] + suffix
    return name


def _extension_of(name: str) -> str:
    suffix = PurePosixPath(name).suffix
    return suffix[1:].lower() if suffix else ""


class UploadGate:
    """Counts the upload bodies streaming now; past the limit a request is refused unread."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot while a body streams; TooManyUploads (503) when none is free."""
        if self.active >= self.limit:
            raise TooManyUploads(self.limit)
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1
