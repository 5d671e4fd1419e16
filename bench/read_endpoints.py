"""Read endpoints under load: a course roster page with a million enrollments stored, while the
million-enrollment zip of bench/sis_import.py imports (issue "See what an import did": target
p99 < 20 ms for pages 1 and 1,000 of GET /courses/:id/enrollments?per_page=100).

1. A first zip stores 1,000,000 enrollments in 10 courses of 100,000 each (course ``big0`` is
   the one read), then page 1,000 is reached by following the Link header from page 1.
2. The sis-zip scenario's own zip (100k users, 5k courses, 10k sections, 1M enrollments) is
   posted; until it ends, one client reads page 1 and page 1,000 (its bookmark URL) in turn,
   and, for comparison, page 1,000 asked by number (an OFFSET of 99,900 rows).

Each figure is the time from a request to its answer's last byte; the client decodes the JSON
after that (decoding a 100-enrollment page with the stdlib decoder inside the timing added
2-3 ms to every figure: p50 during the import 8.9 -> 6.5 ms at full scale).

The import runs in the server's import process (service.import_process), at niceness 19,
under SCHED_IDLE on Linux, and with a GIL of its own; ``CANVAS_IMPORTS_IMPORTS_IN_PROCESS=1`` runs it inside the server
instead, for comparison (docs/decisions.md has both sets of figures).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import aiohttp
import orjson

from .common import (AUTH, bench_directory, memory_kib, post_zip, print_header, running_server,
                     scaled, wait_until_terminal, write_lines, zip_files)
from .sis_import import generate_sis_files

PER_PAGE = 100
DEEP_PAGE = 1_000
TARGET_P99_MS = 20.0


def _big_course_files(directory: Path, users: int, courses: int, enrollments: int) -> list[Path]:
    """CSVs of the stored roster: ``courses`` courses (prefix ``big``, apart from the sis-zip
    names), two sections each, every user enrolled once per course until ``enrollments``."""
    sections = courses * 2
    files = {
        "courses.csv": ("course_id,short_name,long_name,account_id,term_id,status",
                        (f"big{n},B{n},Big {n},,,active" for n in range(courses))),
        "sections.csv": ("section_id,course_id,name,status",
                         (f"bigs{n},big{n % courses},Big Section {n},active" for n in range(sections))),
        "users.csv": ("user_id,login_id,first_name,last_name,email,status",
                      (f"user{n},login{n},First{n},Last{n},user{n}@example.edu,active" for n in range(users))),
        # Enrollment n: user n % users in course n // users (one of its two sections).
        "enrollments.csv": ("course_id,user_id,role,section_id,status",
                            (f",user{n % users},{'teacher' if n % 500 == 0 else 'student'},"
                             f"bigs{(n // users) % courses + courses * (n % 2)},active"
                             for n in range(enrollments))),
    }
    paths = []
    for name, (header, lines) in files.items():
        path = directory / name
        write_lines(path, header, lines)
        paths.append(path)
    return paths


async def _timed_get(session: aiohttp.ClientSession, url: str) -> tuple[float, aiohttp.ClientResponse, list]:
    """One page: milliseconds from the request to the answer's last byte, the response, and
    its parsed body (parsed after the clock stops: the client's JSON decoding is not the
    endpoint's time)."""
    started = time.perf_counter()
    async with session.get(url, headers=AUTH) as response:
        raw = await response.read()
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert response.status == 200, raw[:200]
    return elapsed_ms, response, orjson.loads(raw)


def _summary(latencies: list[float]) -> str:
    if not latencies:
        return "no requests"
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{len(ordered)} requests, p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, "
            f"max {ordered[-1]:.1f} ms (target p99 < {TARGET_P99_MS:.0f} ms)")


async def run() -> None:
    courses, users = 10, scaled(100_000)
    stored = courses * users
    print_header(f"Read endpoints: GET /courses/:id/enrollments?per_page={PER_PAGE} with {stored:,} "
                 f"enrollments stored, during a {scaled(1_000_000):,}-enrollment import")
    with bench_directory("reads") as directory:
        first = zip_files(directory / "big.zip",
                          {path.name: path for path in _big_course_files(directory, users, courses, stored)})
        sync_dir = directory / "sync"
        sync_dir.mkdir()
        files = generate_sis_files(sync_dir, scaled(100_000), scaled(5_000), scaled(10_000), scaled(1_000_000))
        second = zip_files(directory / "sync.zip", {path.name: path for path, _, _ in files.values()})
        async with running_server(directory) as server, aiohttp.ClientSession() as session:
            loaded = time.perf_counter()
            stored_body = await wait_until_terminal(session, await post_zip(session, server.url, first))
            print(f"stored: {stored_body['workflow_state']}, {stored_body['data']['counts']['enrollments']:,} "
                  f"enrollments in {time.perf_counter() - loaded:.0f} s")
            async with session.get(f"{server.url}/api/v1/courses/sis_course_id:big0", headers=AUTH) as response:
                course_id = (await response.json())["id"]
            page_one = f"{server.url}/api/v1/courses/{course_id}/enrollments?per_page={PER_PAGE}"
            # Follow rel="next" to the deep page, as clients do.
            url, reached, walk_ms = page_one, 1, []
            while reached < DEEP_PAGE:
                elapsed, response, _ = await _timed_get(session, url)
                walk_ms.append(elapsed)
                following = response.links.get("next")
                if following is None:
                    break
                url, reached = str(following["url"]), reached + 1
            deep = url
            numbered = f"{page_one}&page={reached}"
            print(f"walked pages 1..{reached} by rel=\"next\": {_summary(walk_ms)}")

            idle = {"page 1": [], f"page {reached}": []}
            for _ in range(200):
                idle["page 1"].append((await _timed_get(session, page_one))[0])
                idle[f"page {reached}"].append((await _timed_get(session, deep))[0])
            for name, values in idle.items():
                print(f"idle, {name}: {_summary(values)}")

            done = asyncio.Event()
            status_url = await post_zip(session, server.url, second)
            during = {"page 1": [], f"page {reached} (bookmark)": [], f"page {reached} (page={reached})": []}

            async def reader() -> None:
                while not done.is_set():
                    during["page 1"].append((await _timed_get(session, page_one))[0])
                    during[f"page {reached} (bookmark)"].append((await _timed_get(session, deep))[0])
                    during[f"page {reached} (page={reached})"].append((await _timed_get(session, numbered))[0])
                    await asyncio.sleep(0.01)

            started = time.perf_counter()
            final, _ = await asyncio.gather(wait_until_terminal(session, status_url, done), reader())
            elapsed = time.perf_counter() - started
            enrollments = final['data']['counts']['enrollments']
            print(f"import during the reads: {final['workflow_state']}, {enrollments:,} enrollments "
                  f"in {elapsed:.0f} s ({enrollments / elapsed:,.0f} enrollments/s)")
            for name, values in during.items():
                print(f"during the import, {name}: {_summary(values)}")
            import_pid = server.import_process_pid()
            import_peak = (f"{memory_kib(import_pid, 'VmHWM') / 1024:.0f} MiB" if import_pid
                           else "none (imports ran in the server process)")
            print(f"peak RSS: server {memory_kib(server.pid, 'VmHWM') / 1024:.0f} MiB, "
                  f"import process {import_peak} (no target)")
