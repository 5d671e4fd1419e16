"""A zip of many tiny members: import time and status-poll time as the member count grows.

For 500, 2,000 and 5,000 members (BENCH_SCALE scales them), each a users.csv of one row, a fresh
server imports the zip (posted raw) while one client polls its status every 0.2 s; then the
finished import is polled 20 times more. Printed per size: seconds end to end, milliseconds per
member, poll p50 during and after, and the size of the answer, which lists every member in
``csv_attachments`` as Canvas does. Proportional work shows as a flat ms/member column; the
ratio line compares the largest size's ms/member with the smallest's (target: under 1.5x).
"""

from __future__ import annotations

import asyncio
import io
import statistics
import time
import zipfile

import aiohttp
import orjson

from .common import AUTH, bench_directory, print_header, running_server, scaled

MEMBER_COUNTS = (scaled(500), scaled(2_000), scaled(5_000))
POLL_INTERVAL_S = 0.2
POLLS_AFTER = 20


def build_zip(members: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(members):
            archive.writestr(f"users_{n:05}.csv", f"user_id,login_id,status\nu{n},l{n},active\n")
    return buffer.getvalue()


async def _timed_get(session: aiohttp.ClientSession, url: str) -> tuple[float, dict, int]:
    started = time.perf_counter()
    async with session.get(url, headers=AUTH) as response:
        raw = await response.read()
    elapsed_ms = (time.perf_counter() - started) * 1000
    return elapsed_ms, orjson.loads(raw), len(raw)


async def measure(members: int) -> dict:
    archive = build_zip(members)
    with bench_directory("zip-members") as directory:
        async with running_server(directory) as server:
            async with aiohttp.ClientSession() as session:
                started = time.perf_counter()
                async with session.post(
                        f"{server.url}/api/v1/accounts/1/sis_imports?extension=zip",
                        data=archive, headers=AUTH) as response:
                    created = await response.json()
                url = f"{server.url}/api/v1/accounts/1/sis_imports/{created['id']}"
                during = []
                while True:
                    elapsed_ms, body, _ = await _timed_get(session, url)
                    during.append(elapsed_ms)
                    if body["ended_at"] is not None:
                        break
                    await asyncio.sleep(POLL_INTERVAL_S)
                import_s = time.perf_counter() - started
                after = []
                for _ in range(POLLS_AFTER):
                    elapsed_ms, body, size = await _timed_get(session, url)
                    after.append(elapsed_ms)
    assert body["workflow_state"] == "imported", body["workflow_state"]
    assert body["data"]["counts"]["users"] == members
    return {"members": members, "import_s": import_s, "ms_per_member": import_s * 1000 / members,
            "poll_during_ms": statistics.median(during), "poll_after_ms": statistics.median(after),
            "answer_kib": size / 1024}


async def run() -> None:
    print_header("A zip of many one-row members: import and poll time as members grow")
    results = [await measure(members) for members in MEMBER_COUNTS]
    for r in results:
        print(f"  {r['members']:>6,} members: import {r['import_s']:6.2f} s"
              f" ({r['ms_per_member']:.2f} ms/member), poll p50 {r['poll_during_ms']:6.1f} ms"
              f" during, {r['poll_after_ms']:6.1f} ms after, answer {r['answer_kib']:,.0f} KiB")
    ratio = results[-1]["ms_per_member"] / results[0]["ms_per_member"]
    print(f"  ms/member at {results[-1]['members']:,} vs {results[0]['members']:,} members:"
          f" {ratio:.2f}x (target < 1.5x: proportional)")
