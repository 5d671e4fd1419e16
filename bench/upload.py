"""Upload a generated 1 GiB file, multipart and raw: MB/s and the server's peak RSS growth.

Target (issue "The service end to end"): RSS growth under 64 MiB, independent of body size.
The file is named with an unknown extension, so the import that follows only records
"Skipping unknown file type" and the figures are those of the upload path alone.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import aiohttp

from .common import (
    AUTH, MIB, bench_directory, memory_kib, print_header, running_server,
)

UPLOAD_BYTES = 1024 * MIB


def _generate(path: Path, size: int) -> None:
    block = os.urandom(MIB)
    with open(path, "wb") as out:
        for _ in range(size // MIB):
            out.write(block)


async def _measure(server, label: str, send) -> None:
    rss_before = memory_kib(server.pid, "VmRSS")
    peak = rss_before
    stop = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, memory_kib(server.pid, "VmRSS"))
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    status = await send()
    elapsed = time.perf_counter() - started
    stop.set()
    await sampler
    growth_mib = (peak - rss_before) / 1024
    print(f"{label:<10} status {status}  {UPLOAD_BYTES / MIB / elapsed:8.1f} MB/s (no target)  "
          f"({elapsed:.1f} s)  server RSS {rss_before / 1024:.0f} MiB -> peak {peak / 1024:.0f} MiB"
          f"  growth {growth_mib:.1f} MiB (target < 64 MiB)", flush=True)


async def run() -> None:
    print_header("Upload 1 GiB (streamed to disk)")
    with bench_directory("upload") as directory:
        source = directory / "big.bin"
        _generate(source, UPLOAD_BYTES)
        async with running_server(directory) as server, aiohttp.ClientSession() as session:
            url = f"{server.url}/api/v1/accounts/1/sis_imports"

            async def multipart() -> int:
                form = aiohttp.FormData()
                form.add_field("import_type", "instructure_csv")
                with open(source, "rb") as handle:
                    form.add_field("attachment", handle, filename="big.bin")
                    async with session.post(url, data=form, headers=AUTH) as response:
                        await response.read()
                        return response.status

            async def raw() -> int:
                with open(source, "rb") as handle:
                    async with session.post(f"{url}?extension=bin", data=handle,
                                            headers={**AUTH, "Content-Type": "application/octet-stream"}) as response:
                        await response.read()
                        return response.status

            await _measure(server, "multipart", multipart)
            await _measure(server, "raw", raw)
