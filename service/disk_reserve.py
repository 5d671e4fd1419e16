"""Room kept back on the data directory's disk, so that a failure can still be recorded.

An import that fills the disk fails at a batch's COMMIT. With the disk full to the last byte,
the write that records the failure (a few pages of WAL) fails too, and the import would show
``importing`` for good while every status poll waits for an end that never comes. The server
therefore keeps a file of ``RESERVE_BYTES`` beside the database and gives it up when a failure
must be written to a full disk; it takes the room back once the disk has some again.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .errors import is_disk_full

log = logging.getLogger("canvas_imports")

# Recording a failure writes a handful of WAL pages, plus 32 KiB when the WAL's index grows:
# 1 MiB is many times that, and nothing on a disk that holds imports.
RESERVE_BYTES = 1024 * 1024
WRITE_CHUNK_BYTES = 64 * 1024


class DiskReserve:
    """A file that holds ``size`` bytes of the disk until ``release()`` gives them back."""

    def __init__(self, path: Path, size: int = RESERVE_BYTES) -> None:
        self.path = path
        self.size = size

    @property
    def in_place(self) -> bool:
        return self.path.exists()

    def take(self) -> bool:
        """Write the reserve unless it is there; False when it could not be written now (on a
        full disk, say). Not to be called twice at once: both would write the same partial file.

        Written with real bytes (not a sparse file, which holds no room) under another name
        first, so that a reserve that exists is always whole.
        """
        if self.in_place:
            return True
        partial = self.path.with_name(self.path.name + ".partial")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                for offset in range(0, self.size, WRITE_CHUNK_BYTES):
                    handle.write(bytes(min(WRITE_CHUNK_BYTES, self.size - offset)))
                handle.flush()
                os.fsync(handle.fileno())  # the room is taken now, not at a later writeback
            os.replace(partial, self.path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            if not is_disk_full(error):
                log.warning("could not keep room back on the disk (%s): %s", self.path.name, error)
            return False
        return True

    def release(self) -> bool:
        """Give the room back to the disk; False when there was no reserve to give."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        log.warning("the disk is full: released the %d KiB kept back to record a failure",
                    self.size // 1024)
        return True
