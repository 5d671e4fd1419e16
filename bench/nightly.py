"""The nightly full sync: the same users.csv and enrollments.csv imported again and again.

Each of the 3 runs starts a fresh server, imports the courses and sections the enrollments
need, then for users.csv and then enrollments.csv three cases, each polled by 20 clients:

* **new**: every row creates its objects (no target for either: their SQL alone is below
  the targets the issue set, see "Dropped target" below);
* **identical**: the same file again, every row unchanged (target >= 0.3x for both);
* **1% changed**: the same file with every 100th row changed (a user's first name, an
  enrollment's status), target within 10% of the identical figure.

Every figure is rows/s end to end (upload to terminal state) over rows/s of the bare
``csv.reader -> executemany`` loop on the same file, measured right before it in the same run;
the min and median of the 3 runs are printed. Beside it, the **CPU ratio**: the bare loop's CPU
time over the import process's (user and system, from /proc), which other processes on the
machine move far less than the wall clock: the import process runs under SCHED_IDLE, so on a
machine whose cores are busy the end-to-end figure mostly measures the others' load. Status poll
p99 target < 20 ms in every case; the peak RSS of the server and its import process together is
printed after each case (target: no higher than an earlier run's).

Floors. ``python -m bench nightly-floors`` (bench/nightly_floors.py) times reading each file
into rows, the importer alone (with the import process's collector settings), and the SQL the
importer issued replayed bare (no Python on top of it can beat that). Measured 2026-12-02 at
BENCH_SCALE=0.3 (90k rows), CPU time, on a 2-core machine other developers' test suites were
loading (the bare loop moved between 3.9 and 5.2 us/row within the run, and the same identical
users statements replayed twice gave 9.7 and 13.1 us/row, so every ratio is good to about a
third); us/row (ratio to the bare loop):

======================  ===========  ============  ============  =============================
case                    reading      importer      SQL, bare     SQL without roll-back inserts
======================  ===========  ============  ============  =============================
users new               5.3 (0.94)   76.4 (0.065)  42.0 (0.119)  30.4 (0.164)
users identical         6.6 (0.74)   19.4 (0.251)   9.7 (0.503)  (no roll-back records)
users 1% changed        5.9 (0.88)   26.9 (0.194)  14.9 (0.350)
enrollments new         5.1 (1.02)   55.5 (0.094)  30.6 (0.170)  25.2 (0.207)
enrollments new [1]     5.4 (0.90)   34.6 (0.141)  21.7 (0.225)  20.2 (0.242)
enrollments identical   5.6 (0.69)   20.2 (0.193)  13.9 (0.283)  (no roll-back records)
enrollments 1% changed  5.8 (0.90)   22.6 (0.232)  15.3 (0.342)
======================  ===========  ============  ============  =============================

[1] With plain rows on their short path and creations' roll-back records written from the
inserted rows (see "New enrollments" below); the row above is the importer before that.

Over six earlier runs the SQL's ratio spread: users new 0.10-0.145x (0.095-0.17x without
roll-back inserts), users identical 0.18-0.43x, enrollments new 0.11-0.24x, enrollments
identical 0.21-0.45x.

Identical re-imports. An unchanged row's SQL is the one-query comparison of
store/sis_unchanged.py and the ``sis_batch_id`` stamps (users: the login and the e-mail
channel, 1.0-1.4 us/row each; enrollments: the enrollment). The comparison used to fill a
temporary table with ``executemany`` (11 bound values per users row, 6 per enrollments row:
4-5 us/row, about as much as the join itself); the batch now travels as one JSON array of the
rows' joined values, read with ``json_each``. Measured on the same 90k-row database, old and
new functions interleaved in one process, 10-12 rounds each, five such runs on the machine
loaded as above: median users 14.0-16.0 -> 12.0-14.2 us/row, enrollments 12.8-14.3 -> 12.1-12.8
(best rounds users 11.8-14.6 -> 7.6-13.5, enrollments 11.3-12.6 -> 9.5-11.8): a tenth to a
seventh less, not the half the fill's share promised, as json_each and splitting the strings
cost part of what binding did. What is left is index seeks: users 6 B-tree
descents a row (the login by SIS id and its row, its user, its channel, "no other login",
"no other channel with the address"), enrollments 8 (login, user, section, its course, the
enrollment and its row, "no twin").

End to end, BENCH_SCALE=0.3, 3 runs, main without and with that change, one after the other
on the loaded machine (min/median): users identical 0.129/0.134 -> 0.104/0.130 (CPU ratio
0.210/0.217 -> 0.169/0.189), enrollments identical 0.080/0.090 -> 0.101/0.124 (CPU ratio
0.115/0.116 -> 0.144/0.175); 1% changed stays within 10% of identical in CPU ratio (users
0.188 vs 0.189, enrollments 0.171 vs 0.175). The run-to-run spread (about a fifth) is as large
as the users change.

New enrollments. Most rows of a nightly enrollments.csv are plain (a live user's SIS id, a live
section, a state that deletes nothing, no other column): the importer checks them in one pass
and queues each new enrollment as an insert tuple, and the roll-back records of a batch's
creations are written from the inserted rows by one INSERT ... SELECT per run of ids, where an
executemany of a record per row cost 5-7 us/row on this machine (3.5 on a quiet one); the
logins come back as one JSON array. Callgrind on 20k new rows: 141.8k -> 84.3k instructions per
row in the importer, about 60k of them in SQLite. Measured on the loaded machine, main without
and with the change one after the other: nightly-floors, importer CPU 51.4 and 50.7 -> 34.6 and
36.0 us/row, its SQL bare 29.9 and 25.5 -> 21.7 and 22.2; end to end (3 runs, min/median)
0.029/0.054 -> 0.051/0.073, CPU ratio 0.056/0.064 -> 0.091/0.100, 113.6 -> 79.6 us/row, peak
RSS 175 -> 172 MiB. What is left of the SQL is the insert itself (three indexes and four
foreign keys: about 9 us/row on a quiet machine, 30k instructions, B-tree work that an INSERT
... SELECT from JSON was measured not to save), the commit, and the look-ups of the batch's
logins and existing enrollments. The target of 0.15x end to end stayed then (dropped since:
see "Dropped target: new enrollments" below), but reading the file plus that SQL bare come to
0.13x (this morning's quiet machine: 2.2 + 5.8 bare loops) to 0.19x
(the row above: 1.1 + 4.4) with no Python at all, so it is within reach only where reading is
as cheap as here, or once the next batch is read while SQLite writes this one (sqlite3 releases
the GIL in each step).

Full scale, quiet machine, 2026-12-02, before and after the enrollments importer's login
cache was packed (service/sis/importers/enrollments.py, _LoginCache), min/median of 3: users
identical 0.209/0.226 and 0.178/0.194, enrollments identical 0.172/0.182 and 0.151/0.172,
enrollments new 0.057/0.081 and 0.074/0.075 (three runs on the same machine spread about as
much: users identical median 0.226, 0.200, 0.194); poll p99 max 24.7 and 18.3 ms; peak RSS,
server + import process, users 123 (48 + 75) both times, enrollments 229 -> 156 MiB (50 +
107). The one-process server before the import process (issue 10) peaked at 90-100 MiB for
users and 173-174 for enrollments: the import process is a second interpreter (24 MiB idle)
with its own SQLite page cache (cache_size 32 MiB).

Where an identical re-import's time goes, full scale (300k rows), quiet machine, py-spy
sampling the import process: users, the one-query comparison 31.5% (its result rows are read
in the generator of ``store.sis_unchanged.unchanged_users``), the rows' own checks and
candidate strings in Python about 15%, the ``sis_batch_id`` stamps 7.5%, reading the file
17.6%, the WAL checkpoint 3.4%; enrollments, the comparison 44%, stamps 5%, reading 16%. So
0.3x needs a quarter less time for users and two fifths less for enrollments. With the
comparison, reading, stamps and checkpoint as they are (users 60%, enrollments 65% of the
time), enrollments cannot get there at all, and users only with the rest of its Python cut
from 40% to 15%: the comparison's index seeks must go, i.e. the stored digest described below.

Digests of re-sent rows (service/sis/row_digests.py). A row found unchanged, or one that created
its objects on the plain path, leaves a 64-bit digest of its record on its login or enrollment;
triggers clear it when anything the comparison reads changes. A re-sent row is then taken with
its login's seek (users) or its login's, section's and enrollment's (enrollments), with no
comparison and none of the row's own checks. Full scale, quiet machine, 2026-12-02, 3 runs
each, min/median ratio (median us/row), main before the digests, with them, and with the Python
around them trimmed:

=====================  ===================  ===================  ===================
case                   before               digests              trimmed
=====================  ===================  ===================  ===================
users new              0.055/0.065 (44.0)   0.043/0.044 (53.9)   0.050/0.052 (41.3)
users identical        0.147/0.165 (17.7)   0.157/0.218 (10.9)   0.211/0.217 (9.7)
users 1% changed       0.132/0.156 (18.9)   0.173/0.173 (12.6)   0.183/0.194 (11.4)
enrollments new        0.043/0.056 (42.2)   0.035/0.036 (45.4)   0.039/0.040 (39.2)
enrollments identical  0.113/0.158 (15.1)   0.145/0.147 (13.3)   0.147/0.155 (11.4)
enrollments changed    0.122/0.169 (15.0)   0.132/0.136 (12.5)   0.135/0.151 (10.8)
=====================  ===================  ===================  ===================

With the users look-up's keys built in one pass for the common batch, the next run: users new
0.043/0.051 (42.7), identical 0.175/0.227 (9.4), 1% changed 0.187/0.205 (11.2, 90% of identical
is 0.204); enrollments new 0.038/0.041 (39.0), identical 0.154/0.155 (11.8), 1% changed
0.133/0.145 (12.8); peak RSS users 125 MiB, enrollments 161 (the same code measured 155-161
from run to run). The bare loop itself moved between 1.4 and 2.9 us/row from case to case and run to run, so
compare the us/row figures within a case; new rows moved by as much from run to run as the
digests cost them. The triggers on inserts cost a new user about 4.5 us (60k new users
in-process, min of 3: 42.9 us/row without them, 47.5 with). Poll p99 stayed under 18 ms; peak
RSS in the last column users 124 MiB, enrollments 157 (before: 125 and 158). A first design
kept the digests in a table of their own keyed by digest: its random inserts dirtied most of
its pages every batch and cost new rows 20 us (users, 64.6 us/row) and 35 us (enrollments,
77.6), so the digest went onto the objects, where it is one more value of their INSERT.

The identical cases' floors, ``nightly-floors`` at full scale on the same quiet machine, CPU
us/row (ratio to the bare loop): users bare loop 1.9, reading 2.9, importer 5.4 (0.348x), its
SQL bare 3.9 (0.477x); enrollments bare loop 1.5, reading 2.3, importer 6.4 (0.229x), its SQL
bare 4.4 (0.329x). End to end an import pays reading and its importer: reading plus the SQL
alone, with no Python at all, come to 0.28x (users) and 0.22x (enrollments), under 0.3x. What
that SQL is, replayed alone on 300k rows: the users look-up 2.0 us, each ``sis_batch_id`` stamp
1.2-1.4 (login and channel: the stamp the issue asks to keep; stamping runs of ids with BETWEEN
saved 0.1), the enrollments look-up 3.1-3.5 (the JSON array alone 1.5, the login 0.5, the
section 0.6, the enrollment 1.1). Stamp and look-up in one UPDATE ... RETURNING was no faster
(4.4-4.6 against 3.5-4.4 us/row). What could still move the floors: reading, of which csv.reader
is 0.6 us and the per-row dict and SisRow 1.0 (a row known by its digest needs four of its
values); an index on the enrollments' digest (one seek instead of five, at a random insert for
every new enrollment, the cost that sank the table of digests).

Cheaper look-ups and stamps, full scale, a quiet and faster machine, 2026-12-03, main before
and after, one after the other, min/median of 3 (median us/row): users identical 0.256/0.277
(7.6) -> 0.314/0.319 (6.4), users 1% changed 0.220/0.226 (9.1) -> 0.274/0.276 (7.3; 90% of
identical is 0.287), enrollments identical 0.202/0.206 (8.9) -> 0.212/0.217 (8.2), enrollments 1%
changed 0.199/0.202 -> 0.202/0.207, new rows unchanged (users 0.057, enrollments 0.047-0.049);
poll p99 at most 12.6 ms; peak RSS users 123-124 MiB, enrollments 157 -> 161-162 (within the
155-161 this code spread over earlier runs). Two changes were measured together: the look-ups
send only the keys and compare the digests in Python (users replayed bare 4.1 -> 2.6 us/row;
on main), and the row-digest UPDATE triggers made AFTER UPDATE OF the columns their WHEN
compares, so that a ``sis_batch_id`` stamp runs none of them (a login's stamp replayed bare on
300k logins: 0.95 -> 0.56 us/row: the trigger program runs for every stamped row only to find
nothing changed). The second was held back a while: with its migration,
tests/test_full_disk.py's import that fills the disk could no longer record its failure (COMMIT:
database or disk is full) and stayed "importing"; the queue now keeps 1 MiB of the disk back
for that write (service/disk_reserve.py), and both changes are on main. Main with both, the
same machine, 2026-12-03: users identical 0.310/0.324 (6.7 us/row; target met), 1% changed
0.270/0.278 (7.4; 90% of identical: 0.292, missed), enrollments identical 0.205/0.212 (8.3),
1% changed 0.193/0.198 (0.190, met), users new 0.057, enrollments new 0.051; poll p99 at most
10.4 ms; peak RSS users 127 MiB, enrollments 163-165 (earlier runs of the look-up change
alone: 155-162).
``nightly-floors`` with both,
CPU us/row: enrollments identical bare loop 1.5, reading 1.9, importer 4.5 (0.326x), its SQL
3.0 (0.491x). Of that SQL the enrollments look-up is 2.4: walking the JSON array of [user,
section] pairs and taking both values out is 1.1 (a plain array of strings 0.44; strings
joined with a separator and split by substr/instr 1.4, a flat array read with lead() 2.2),
the login seek about 0.35 and the section's 0.6, the enrollment and its row the rest. Reading
plus that SQL are 4.9 us against a 1.5 us bare loop: 0.3x for enrollments leaves no room for
any Python at all, end to end. What is left to try: reading the next batch while SQLite runs
this one's look-up (one step for the whole look-up, e.g. json_group_array, so that the GIL is
free for the reader through it; the importer now runs in its own process, so the poll latency
that made the earlier attempt lose is gone), and handing the known path only the four values
it needs instead of each row's dict.

Three changes, 2026-12-03, full scale, the same machine. (1) Enrollments rows are found by their
digest alone, in an index of the digests (store/sis_row_digests.py): the triggers already clear
a digest before the row's keys could reach another enrollment, so the four seeks through the
keys are not needed; the look-up replayed bare on 300k enrollments: 2.3 -> 0.6 us/row, as one
SQLite step returning json_group_array. The index costs a new enrollment its random insert:
in-process, 300k new enrollments, importer CPU 22.0 -> 27.3 us/row. (2) The WAL is bounded:
during a long import the background checkpoint was always a batch behind, so the WAL never
started over (1.4 GB after the 300k new enrollments), and the next write spent 0.4 s cutting it
back: the identical enrollments import right after the new one paid it. Past 64 MiB the writer
now lets the checkpoint finish first (service/db.py). (3) A users row whose login holds another
row's digest skips the comparisons. Main with the three, min/median of 3 (median us/row): users
new 0.057/0.057 (36.1), identical 0.316/0.323 (6.4; met), 1% changed 0.282/0.283 (7.3; 90% of
identical: 0.291, missed), enrollments new 0.051/0.051 (32.7; missed), identical 0.300/0.323
(5.6; met), 1% changed 0.267/0.267 (6.3; 90% of identical: 0.291, missed); poll p99 at most 13.6
ms; peak RSS users 118-124 MiB, enrollments 153 (a second run of main: users identical
0.314/0.323, 1% changed 0.278/0.287, enrollments new 0.050/0.050, identical 0.297/0.337, 1%
changed 0.248/0.268, peak RSS 124 and 153 MiB). Reading the next batch while this one is
written was tried once more (the import has its own process now) and left out: three runs with
it, users identical 0.307-0.320, 1% changed 0.252-0.276, enrollments identical 0.302-0.320,
changed 0.265-0.285, peak RSS users 128-134 MiB and enrollments 162, that is no faster and
4-10 MiB more. Before (2), the identical enrollments import right after the new one measured
0.274/0.284. Where the 1% changed users import's extra time goes, thread CPU of the importer:
identical 0.96 s, changed 1.22-1.26 s, of which the full path for the 3,000 changed rows
0.18-0.20 s (60 us a row: 28 of SQL replayed bare, the rest the edit logic in Python, spread
over a dozen functions none of which takes a fifth) and the split around them 0.07-0.12 s;
the 10% the target allows is about 0.2 s of the whole import, its Python and commits included.

Dropped target: new users >= 0.14x (issue 13). A new users row writes a user, a login (five
indexes: SIS id, login, integration id, user, account) and an e-mail channel, and two
roll-back records. That SQL alone, with no Python around it, is at 0.10-0.145x, and no faster
without the roll-back records (0.095-0.17x: recording creations as id ranges would not make
room for it), so Python on top cannot reach 0.14x: it would take fewer writes or indexes per
login. The other targets stay, each inside the range its SQL was measured at. The identical
cases are short of 0.3x end to end: reading the file alone costs 0.7-0.9 bare loops (csv.reader
and the per-row dict; splitting 1 MB chunks with StringIO.readlines instead of a TextIOWrapper
was measured and saves nothing once csv.reader reads across chunks, as quoted line breaks
require), the comparison and stamps 2-3.5 bare loops, and the per-row checks in Python (the
row's own values: e-mail format, printable login, status, names) about one more. The digests
above (one to three seeks a row instead of six to eight) got users to 0.22x and enrollments to
0.15x.

Floors with the server's checkpoints, 2026-12-03. ``nightly-floors`` used to leave the
checkpoints out, as the server runs them on another connection, so its WAL grew past 1 GB over
the new cases, and every page read then searched the WAL's whole index: the new enrollments'
SQL replayed bare measured 29.0 us/row that way and 21.0 with the WAL bounded. It now runs, after
each commit, the checkpoint the server's import process would start (past 16 MiB), its CPU
counted, as the import process's is end to end. Full scale, CPU us/row (ratio to the bare loop):

======================  ==========  ===========  ============  ============  =======================
case                    bare loop   reading      importer      SQL, bare     without roll-back inserts
======================  ==========  ===========  ============  ============  =======================
users new               1.8         2.3 (0.80)   34.7 (0.053)  22.4 (0.082)  18.0 (0.102)
users identical         1.9         2.5 (0.76)    4.0 (0.469)   2.4 (0.762)  (none)
users 1% changed        1.9         2.1 (0.91)    4.5 (0.415)   2.9 (0.651)  (none)
enrollments new         1.5         1.8 (0.84)   29.1 (0.052)  22.5 (0.067)  21.8 (0.069)
enrollments identical   1.5         2.0 (0.76)    3.1 (0.483)   1.6 (0.936)  (none)
enrollments 1% changed  1.5         1.8 (0.85)    3.9 (0.387)   2.1 (0.727)  (none)
======================  ==========  ===========  ============  ============  =======================

The first run shared the machine with a stray process; a second, alone: users new SQL 22.8
(0.088x), identical 2.7, 1% changed 3.3; enrollments new 24.2 (0.067x), identical 1.7, 1% changed
2.3 (bare loops 2.0 and 1.5). A changed row's SQL alone is 50-60 us (0.5-0.6 us/row over a file
with 1% of its rows changed, users and enrollments alike): the random pages it writes (the user's row and its two
sortable-name index entries; the enrollment's digest-index entry, cleared) go into the WAL and
are checkpointed back. Ten percent of an identical import is 50-60 us per changed row end to
end, so for enrollments the changed rows' SQL takes nearly all of it, and their Python (the
full path: look-ups, the edit, the flush, about 30 us) is what misses the target. Meeting it
would take a changed row handled set-based, the way unchanged rows are stamped.

Dropped target: new enrollments >= 0.15x (issue 13). Its SQL alone is at 0.067x (22.5 us/row
against a 1.5 us bare loop), reading the file another 1.8 us; 0.15x leaves 10 us/row for all
of it. Replayed with one index dropped at a time (WAL bounded, CPU us/row): 20.6 with them all,
15.9 without the digest index, 15.0 without ``(course_id, type, id)``, 17.6 without
``(course_section_id, user_id)``, 20.3 without ``(user_id)``. Each index takes a random insert
per new enrollment (each batch of this file names every section, so it dirties nearly every
leaf page of the course and section indexes), and each serves something: the digest index the
identical re-import (0.3x, met), the course index the read endpoints' course rosters, the
section index every importer's look-up. Without the first two the SQL would still be about 10
us/row (20.6 less both savings, not measured together). So no Python on top reaches 0.15x: it
would take fewer indexes per enrollment. The issue set the target when that SQL measured 7.1
us/row (0.20x), before the course index and the digests. The floor grows with the tables: at
BENCH_SCALE=0.02 (6k rows) the same SQL is 10.3 us/row (0.16x), each batch's random inserts
dirtying a few index pages instead of nearly all of them.
"""

from __future__ import annotations

import statistics
import time
import zipfile
from pathlib import Path
from typing import NamedTuple

from .common import (
    POLLERS, PollStats, bare_insert_rows_per_s, bench_directory, cpu_seconds, print_header,
    running_server, scaled, write_lines,
)
from .sis_import import _import

RUNS = 3
TARGETS = {
    ("users", "identical"): 0.3,
    ("enrollments", "identical"): 0.3,
}
# The targets dropped as out of reach by design, with the reason (module docs).
DROPPED_TARGETS = {
    ("users", "new"): "0.14x dropped: its SQL alone is at 0.08-0.145x",
    ("enrollments", "new"): "0.15x dropped: its SQL alone is at 0.067x",
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


class _CaseRun(NamedTuple):
    """One case of one run."""

    ratio: float  # rows/s end to end over the bare loop's
    rows_per_s: float
    poll_p99_ms: float
    cpu_ratio: float  # the bare loop's CPU time over the import process's
    peak_rss_kib: tuple[int, int]  # the server's and its import process's, so far in the run


def _p99(stats: PollStats) -> float:
    ordered = sorted(stats.latencies_ms)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


async def _one_run(directory: Path, users: int, enrollments: int, courses: int, sections: int,
                   results: dict[tuple[str, str], list[_CaseRun]]) -> None:
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
                bare_started = time.process_time()
                baseline = bare_insert_rows_per_s(path, directory, f"{kind}-{case}")
                bare_cpu = time.process_time() - bare_started
                import_pid = server.import_process_pid()
                cpu_before = cpu_seconds(import_pid) if import_pid is not None else 0.0
                final, elapsed, stats, *_ = await _import(server, path, "", "text/csv")
                counted = final["data"]["counts"][kind]
                if final["workflow_state"] != "imported":
                    raise RuntimeError(f"{kind} {case}: {final['workflow_state']} {final['data']}")
                if server.import_process_pid() != import_pid:
                    raise RuntimeError("the import process changed during the import: its CPU time is lost")
                import_cpu = cpu_seconds(import_pid) - cpu_before if import_pid is not None else float("nan")
                results.setdefault((kind, case), []).append(_CaseRun(
                    counted / elapsed / baseline, counted / elapsed, _p99(stats), bare_cpu / import_cpu,
                    server.peak_rss_parts_kib()))


async def run() -> None:
    users, enrollments = scaled(300_000), scaled(300_000)
    courses, sections = scaled(1_500), scaled(3_000)
    print_header(f"Nightly sync: users.csv of {users:,} rows, enrollments.csv of {enrollments:,} rows, "
                 f"new / identical / 1% changed, {RUNS} runs, {POLLERS} pollers")
    results: dict[tuple[str, str], list[_CaseRun]] = {}
    for _ in range(RUNS):
        with bench_directory("nightly") as directory:
            await _one_run(directory, users, enrollments, courses, sections, results)
    for kind in ("users", "enrollments"):
        identical_median = statistics.median(r.ratio for r in results[(kind, "identical")])
        for case in ("new", "identical", "changed"):
            runs = results[(kind, case)]
            ratios = [r.ratio for r in runs]
            median = statistics.median(ratios)
            if case == "changed":
                target = f"target >= {0.9 * identical_median:.3f} (90% of identical)"
            elif (kind, case) in TARGETS:
                target = f"target >= {TARGETS[(kind, case)]}"
            else:
                target = f"no target: {DROPPED_TARGETS[(kind, case)]}, see the module docs"
            rates = statistics.median(r.rows_per_s for r in runs)
            cpu_ratios = [r.cpu_ratio for r in runs]
            # The run that peaked highest, both processes together, with its two parts.
            server_kib, import_kib = max((r.peak_rss_kib for r in runs), key=sum)
            print(f"{kind:<11} {case:<9} ratio min {min(ratios):.3f} median {median:.3f} ({target}); "
                  f"CPU ratio min {min(cpu_ratios):.3f} median {statistics.median(cpu_ratios):.3f}; "
                  f"median {rates:,.0f} rows/s, {1e6 / rates:.1f} us/row; "
                  f"poll p99 max {max(r.poll_p99_ms for r in runs):.1f} ms (target < {POLL_P99_TARGET_MS:.0f} ms); "
                  f"peak RSS {(server_kib + import_kib) / 1024:.0f} MiB (server {server_kib / 1024:.0f}"
                  f" + import process {import_kib / 1024:.0f}; target: no higher than an earlier run's)",
                  flush=True)
