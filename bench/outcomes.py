"""Outcome import throughput: rows/s end to end against the bare csv.reader -> executemany loop.

One run on a fresh server: an outcomes CSV of 100,000 rows (1,000 groups, each followed by its 99
outcomes with four rating tiers), posted raw and polled to the end by 20 concurrent clients.
Rows/s are counted from the POST to the terminal state, as a client sees them.
"""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp

from .common import (
    AUTH, POLLERS, PollStats, bare_insert_rows_per_s, bench_directory, file_mib, memory_kib,
    poll_until_done, print_header, running_server, scaled, write_lines,
)

GROUPS = scaled(1_000)
OUTCOMES_PER_GROUP = 99
HEADER = ("vendor_guid,object_type,title,description,display_name,calculation_method,"
          "calculation_int,mastery_points,parent_guids,workflow_state,ratings,,,,,,,")
RATINGS = "4,Exceeds,3,Meets,2,Approaching,1,Below"


def _lines():
    for g in range(GROUPS):
        yield f"g{g},group,Group {g},All about topic {g},,,,,,,,,,,,,,"
        for o in range(OUTCOMES_PER_GROUP):
            yield (f"o{g}-{o},outcome,Outcome {g}.{o},Students can do {g}.{o},O{g}.{o},"
                   f"decaying_average,65,3,g{g},,{RATINGS}")


def generate_outcomes_csv(path: Path) -> int:
    """The benchmark's CSV; returns its number of data rows."""
    return write_lines(path, HEADER, _lines())


async def run() -> None:
    rows_total = GROUPS * (1 + OUTCOMES_PER_GROUP)
    print_header(f"Outcome import: {rows_total:,} rows ({GROUPS:,} groups, "
                 f"{GROUPS * OUTCOMES_PER_GROUP:,} outcomes with 4 rating tiers)")
    with bench_directory("outcomes") as directory:
        path = directory / "outcomes.csv"
        rows = generate_outcomes_csv(path)
        baseline = bare_insert_rows_per_s(path, directory, "outcomes")
        stats = PollStats()
        async with running_server(directory) as server:
            rss_before = memory_kib(server.pid, "VmRSS")
            async with aiohttp.ClientSession() as session:
                started = time.perf_counter()
                with open(path, "rb") as handle:
                    async with session.post(
                            f"{server.url}/api/v1/accounts/1/outcome_imports", data=handle,
                            headers={**AUTH, "Content-Type": "text/csv"}) as response:
                        created = await response.json()
                status_url = f"{server.url}/api/v1/accounts/1/outcome_imports/{created['id']}"
                final = await poll_until_done(session, status_url, POLLERS, stats)
                elapsed = time.perf_counter() - started
            peak = server.peak_rss_kib()  # the server and its import process together
        ours = rows / elapsed
        print(f"file {file_mib(path):.1f} MiB, {rows:,} rows -> {final['workflow_state']}, "
              f"{len(final['processing_errors'])} errors shown")
        print(f"end to end {ours:,.0f} rows/s ({elapsed:.1f} s); bare csv.reader->executemany "
              f"{baseline:,.0f} rows/s; ratio {ours / baseline:.2f} (no target: no issue sets one)")
        print(f"status polls from {POLLERS} clients: {stats.summary()} (target p99 < 20 ms)")
        print(f"server RSS {rss_before / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB (server + import process; no target)")
