"""The nightly full sync: the same users.csv and enrollments.csv imported again and again.

Each of the 3 runs starts a fresh server, imports the courses and sections the enrollments
need, then for users.csv and then enrollments.csv three cases, each polled by 20 clients:

* **new**: every row creates its objects (target enrollments >= 0.15x; users: none, see
  below);
* **identical**: the same file again, every row unchanged (target >= 0.3x for both);
* **1% changed**: the same file with every 100th row changed (a user's first name, an
  enrollment's status), target within 10% of the identical figure.

Every figure is rows/s end to end (upload to terminal state) over rows/s of the bare
``csv.reader -> executemany`` loop on the same file, measured right before it in the same run;
the min and median of the 3 runs are printed. Status poll p99 target < 20 ms in every case; the
peak RSS of the server and its import process together is printed after each case (target: no
higher than an earlier run's).

Floors. ``python -m bench nightly-floors`` (bench/nightly_floors.py) times reading each file
into rows, the importer alone, and the SQL the importer issued replayed bare (no Python on top
of it can beat that). Measured 2026-12-02 at BENCH_SCALE=0.3 (90k rows), CPU time, median of
3, on a 2-core machine other developers' test suites were loading (the bare loop itself moved
between 2.4 and 6.4 us/row across runs, so every ratio is good to about a third); us/row
(ratio to the bare loop):

======================  ===========  ============  ============  =============================
case                    reading      importer      SQL, bare     SQL without roll-back inserts
======================  ===========  ============  ============  =============================
users new               5.5 (0.72)   75.4 (0.055)  31.9 (0.130)  28.1 (0.148)
users identical         5.4 (0.64)   15.6 (0.235)  14.3 (0.323)  (no roll-back records)
users 1% changed        8.0 (0.47)   23.8 (0.157)  15.5 (0.242)
enrollments new         6.3 (0.72)   56.3 (0.080)  23.7 (0.160)  22.0 (0.195)
enrollments identical   6.6 (0.63)   18.1 (0.207)  12.6 (0.291)  (no roll-back records)
enrollments 1% changed  7.0 (0.57)   18.7 (0.184)  11.4 (0.301)
======================  ===========  ============  ============  =============================

Over six such runs the SQL's ratio spread: users new 0.10-0.145x (0.095-0.17x without
roll-back inserts), users identical 0.18-0.43x, enrollments new 0.11-0.24x, enrollments
identical 0.21-0.45x.

Dropped target: new users >= 0.14x (issue 13). A new users row writes a user, a login (five
indexes: SIS id, login, integration id, user, account) and an e-mail channel, and two
roll-back records. That SQL alone, with no Python around it, is at 0.10-0.145x, and no faster
without the roll-back records (0.095-0.17x: recording creations as id ranges would not make
room for it), so Python on top cannot reach 0.14x: it would take fewer writes or indexes per
login. The other targets stay, each inside the range its SQL was measured at; enrollments new
and identical are short of them by Python per row. End to end, though, every import also
reads its file, which alone costs 1.4-2 bare loops (the reader builds a dict and the raw text
of every row): reading plus the identical cases' SQL already comes to about 0.2x, so 0.3x end
to end needs a cheaper reader or comparison as well as less Python.
"""

from __future__ import annotations

import statistics
import zipfile
from pathlib import Path

from .common import (
    POLLERS, PollStats, bare_insert_rows_per_s, bench_directory, print_header,
    running_server, scaled, write_lines,
)
from .sis_import import _import

RUNS = 3
TARGETS = {
    ("users", "identical"): 0.3,
    ("enrollments", "new"): 0.15,
    ("enrollments", "identical"): 0.3,
}
POLL_P99_TARGET_MS = 20.0
CHANGED_EVERY = 100  # 1% of the rows


def _user_lines(count: int, changed: bool):
    for n in range(count):
        first = f"Changed{n}" if changed and n % CHANGED_EVERY == 0 else f"First{n}"
        yield f"user{n},login{n},{first},Last{n},user{n}@example.edu,active"


def _enrollment_lines(count: int, users: int, sections: int, changed: bool):
    step = max(1, sections // 10)
    for n in range(count):
        status = "inactive" if changed and n % CHANGED_EVERY == 0 else "active"
        section = (n % users + (n // users) * step) % sections
        yield f",user{n % users},student,section{section},{status}"


def _p99(stats: PollStats) -> float:
    ordered = sorted(stats.latencies_ms)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


async def _one_run(directory: Path, users: int, enrollments: int, courses: int, sections: int,
                   results: dict[tuple[str, str], list[tuple[float, float, float, int]]]) -> None:
    header = "user_id,login_id,first_name,last_name,email,status"
    write_lines(directory / "users.csv", header, _user_lines(users, False))
    write_lines(directory / "users-changed.csv", header, _user_lines(users, True))
    header = "course_id,user_id,role,section_id,status"
    write_lines(directory / "enrollments.csv", header,
                _enrollment_lines(enrollments, users, sections, False))
    write_lines(directory / "enrollments-changed.csv", header,
                _enrollment_lines(enrollments, users, sections, True))
    structure = directory / "structure.zip"
    write_lines(directory / "courses.csv", "course_id,short_name,long_name,account_id,term_id,status",
                (f"course{n},C{n},Course {n},,,active" for n in range(courses)))
    write_lines(directory / "sections.csv", "section_id,course_id,name,status",
                (f"section{n},course{n % courses},Section {n},active" for n in range(sections)))
    with zipfile.ZipFile(structure, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zipped:
        zipped.write(directory / "courses.csv", "courses.csv")
        zipped.write(directory / "sections.csv", "sections.csv")
    async with running_server(directory) as server:
        final, *_ = await _import(server, structure, "", "application/zip")
        assert final["workflow_state"] == "imported", final
        for kind in ("users", "enrollments"):
            for case, name in (("new", f"{kind}.csv"), ("identical", f"{kind}.csv"),
                               ("changed", f"{kind}-changed.csv")):
                path = directory / name
                baseline = bare_insert_rows_per_s(path, directory, f"{kind}-{case}")
                final, elapsed, stats, _, peak = await _import(server, path, "", "text/csv")
                counted = final["data"]["counts"][kind]
                if final["workflow_state"] != "imported":
                    raise RuntimeError(f"{kind} {case}: {final['workflow_state']} {final['data']}")
                results.setdefault((kind, case), []).append(
                    (counted / elapsed / baseline, counted / elapsed, _p99(stats), peak))


async def run() -> None:
    users, enrollments = scaled(300_000), scaled(300_000)
    courses, sections = scaled(1_500), scaled(3_000)
    print_header(f"Nightly sync: users.csv of {users:,} rows, enrollments.csv of {enrollments:,} rows, "
                 f"new / identical / 1% changed, {RUNS} runs, {POLLERS} pollers")
    results: dict[tuple[str, str], list[tuple[float, float, float, int]]] = {}
    for _ in range(RUNS):
        with bench_directory("nightly") as directory:
            await _one_run(directory, users, enrollments, courses, sections, results)
    for kind in ("users", "enrollments"):
        identical_median = statistics.median(r[0] for r in results[(kind, "identical")])
        for case in ("new", "identical", "changed"):
            runs = results[(kind, case)]
            ratios = [r[0] for r in runs]
            median = statistics.median(ratios)
            if case == "changed":
                target = f"target >= {0.9 * identical_median:.3f} (90% of identical)"
            elif (kind, case) in TARGETS:
                target = f"target >= {TARGETS[(kind, case)]}"
            else:
                target = "no target: its SQL alone is at 0.14x, see the module docs"
            rates = statistics.median(r[1] for r in runs)
            print(f"{kind:<11} {case:<9} ratio min {min(ratios):.3f} median {median:.3f} ({target}); "
                  f"median {rates:,.0f} rows/s, {1e6 / rates:.1f} us/row; "
                  f"poll p99 max {max(r[2] for r in runs):.1f} ms (target < {POLL_P99_TARGET_MS:.0f} ms); "
                  f"peak RSS {max(r[3] for r in runs) / 1024:.0f} MiB (target: no higher than an earlier run's)",
                  flush=True)
