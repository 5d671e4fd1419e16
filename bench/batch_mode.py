"""Batch mode: the benchmark zip imported whole, then re-sent in batch mode without 1% of its
enrollments.

The zip of bench/sis_import.py (100,000 users, 5,000 courses, 10,000 sections, 1,000,000
enrollments, all in the account's default term) is imported; then the same zip is sent again
with ``batch_mode`` for that term and every hundredth enrollment row left out. After its rows
the second import goes ``cleanup_batch`` and deletes exactly those enrollments (10,000). Printed:
its end-to-end time and its cleanup phase (first poll seeing ``cleanup_batch`` to the end)
against the first import's time in the same run (target: cleanup < 0.2x).
"""

from __future__ import annotations

import time

import aiohttp

from .common import (AUTH, bench_directory, file_mib, print_header, running_server, scaled,
                     zip_files)
from .sis_import import _import, generate_sis_files

LEAVE_OUT_EVERY_ROWS = 100  # 1% of the enrollments


def without_every_hundredth_row(source_path, destination) -> int:
    """``source_path`` without every hundredth data row; returns how many rows were left out."""
    left_out = 0
    with open(source_path, encoding="utf-8") as source, open(destination, "w", encoding="utf-8") as out:
        out.write(next(source))
        for number, line in enumerate(source):
            if number % LEAVE_OUT_EVERY_ROWS == 0:
                left_out += 1
                continue
            out.write(line)
    return left_out


async def default_term_id(server) -> int:
    """The Canvas id of the account's Default Term, where the zip's courses live."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/api/v1/accounts/1/terms?per_page=100",
                               headers=AUTH) as response:
            body = await response.json()
    return next(t["id"] for t in body["enrollment_terms"] if t["sis_term_id"] is None)


async def run() -> None:
    print_header(f"SIS import batch mode: zip of {scaled(1_000_000):,} enrollments (and the rest),"
                 f" re-sent in batch mode with 1% of the enrollments left out")
    with bench_directory("batch-mode") as directory:
        files = generate_sis_files(directory, scaled(100_000), scaled(5_000), scaled(10_000),
                                   scaled(1_000_000))
        first_zip = directory / "sis.zip"
        zip_files(first_zip, {name: path for name, (path, _, _) in files.items()})
        fewer = directory / "enrollments-fewer.csv"
        left_out = without_every_hundredth_row(files["enrollments.csv"][0], fewer)
        second_zip = directory / "sis-fewer.zip"
        zip_files(second_zip, {**{name: path for name, (path, _, _) in files.items()},
                               "enrollments.csv": fewer})
        cleanup_started: list[float] = []

        def on_body(body: dict) -> None:
            if body["workflow_state"] == "cleanup_batch" and not cleanup_started:
                cleanup_started.append(time.perf_counter())

        async with running_server(directory) as server:
            first, first_s, _, _, _ = await _import(server, first_zip, "", "application/zip")
            term = await default_term_id(server)
            started = time.perf_counter()
            second, second_s, second_polls, _, peak = await _import(
                server, second_zip, f"?batch_mode=true&batch_mode_term_id={term}",
                "application/zip", on_body)
            ended = started + second_s
        counts = second["data"]["counts"]
        cleanup_s = ended - cleanup_started[0] if cleanup_started else float("nan")
        print(f"first import: zip {file_mib(first_zip):.0f} MiB -> {first['workflow_state']} in"
              f" {first_s:.1f} s")
        print(f"batch-mode import: {left_out:,} enrollments left out -> {second['workflow_state']}"
              f" in {second_s:.1f} s ({second_s / first_s:.3f}x the first);"
              f" batch_enrollments_deleted {counts.get('batch_enrollments_deleted')},"
              f" batch_sections_deleted {counts.get('batch_sections_deleted')},"
              f" batch_courses_deleted {counts.get('batch_courses_deleted')}")
        print(f"cleanup phase: {cleanup_s:.2f} s = {cleanup_s / first_s:.3f}x the first import"
              f" (target < 0.2x)")
        print(f"status polls during the batch-mode import: {second_polls.summary()} (target p99 < 20 ms)")
        print(f"server + import process peak RSS {peak / 1024:.0f} MiB (no target: compare with an earlier run)")
