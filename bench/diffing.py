"""Diffing: the benchmark zip imported whole, then re-sent as a diff with 1% of its rows changed.

The zip of bench/sis_import.py (100,000 users, 5,000 courses, 10,000 sections, 1,000,000
enrollments) is imported with ``diffing_data_set_identifier``, which starts the chain; then the
same data set is sent again with every hundredth row of each file changed (a new name for
users, courses and sections, enrollments concluded). The second import compares both uploads
and applies only the changed rows: its end-to-end time against the first's (target < 0.1x).
"""

from __future__ import annotations

from pathlib import Path

from .common import bench_directory, zip_files, file_mib, print_header, running_server, scaled
from .sis_import import _import, generate_sis_files

CHANGE_EVERY_ROWS = 100  # 1% of the rows


def changed_copy(path: Path, destination: Path) -> int:
    """``path`` with every hundredth data row changed; returns how many rows changed."""
    changed = 0
    with open(path, encoding="utf-8") as source, open(destination, "w", encoding="utf-8") as out:
        out.write(next(source))
        for number, line in enumerate(source):
            if number % CHANGE_EVERY_ROWS == 0:
                cells = line.rstrip("\n").split(",")
                if cells[-1] == "active" and cells[2] == "student":
                    cells[-1] = "completed"  # an enrollment concluded
                else:
                    cells[2] = f"{cells[2]} (renamed)"  # a user's, course's or section's name
                line = ",".join(cells) + "\n"
                changed += 1
            out.write(line)
    return changed


async def run() -> None:
    print_header(f"SIS import diffing: zip of {scaled(1_000_000):,} enrollments (and the rest),"
                 f" re-sent with 1% of the rows changed")
    params = "?diffing_data_set_identifier=bench&diffing_drop_status=deleted"
    with bench_directory("diffing") as directory:
        files = generate_sis_files(directory, scaled(100_000), scaled(5_000), scaled(10_000),
                                   scaled(1_000_000))
        first_zip = directory / "sis.zip"
        zip_files(first_zip, {name: path for name, (path, _, _) in files.items()})
        changed_dir = directory / "changed"
        changed_dir.mkdir()
        changed_rows = 0
        changed_files: dict[str, Path] = {}
        for name, (path, _, _) in files.items():
            changed_files[name] = changed_dir / name
            changed_rows += changed_copy(path, changed_files[name])
        second_zip = directory / "sis-changed.zip"
        zip_files(second_zip, changed_files)
        total_rows = sum(rows for _, rows, _ in files.values())
        async with running_server(directory) as server:
            first, first_s, first_polls, _, _ = await _import(server, first_zip, params,
                                                              "application/zip")
            second, second_s, second_polls, _, peak = await _import(server, second_zip, params,
                                                                    "application/zip")
        counts = {k: v for k, v in second["data"]["counts"].items() if v}
        print(f"first import: zip {file_mib(first_zip):.0f} MiB, {total_rows:,} rows ->"
              f" {first['workflow_state']} in {first_s:.1f} s")
        print(f"diffed import: {changed_rows:,} rows changed -> {second['workflow_state']} in"
              f" {second_s:.1f} s, diffed against {second['data'].get('diffed_against_sis_batch_id')},"
              f" counts {counts}")
        print(f"diffed / first: {second_s / first_s:.3f}x (target < 0.1x)")
        print(f"status polls during the diffed import: {second_polls.summary()} (target p99 < 20 ms)")
        print(f"server + import process peak RSS {peak / 1024:.0f} MiB (no target: compare with an earlier run)")
