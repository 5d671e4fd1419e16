"""The page at ``/`` with a big account behind it (issue "A page people can look at": it must
work at 1,000 imports and 1M enrollments stored, paginated, never loading everything).

1. A real zip import makes the account's shape (10 courses of two sections, their users and
   enrollments, messages); then the store is grown with SQL over the same tables, as an import
   would leave them: 100,000 users with logins, 1,000,000 enrollments (100,000 per course) and
   1,000 SIS imports (copies of the real one, each with its messages).
2. Headless Chromium (Debian's ``chromium``, driven by Playwright as the page's tests drive it)
   opens the page and times, inside the page (``performance.now()``): the first imports page
   after navigation, older imports pages, one import's messages, and a course's enrollments,
   page 1 and the pages after it. Every figure is printed; nothing asserts a target.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

import aiohttp

from .common import (AUTH, TERMINAL, TOKEN, bench_directory, post_zip, print_header, running_server,
                     scaled, wait_until_terminal, zip_files)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COURSES = 10
IMPORTS = 1_000
ROUNDS = 5          # each timing is taken this many times; the median and the worst are printed
WAIT_MS = 120_000


def _shape_files(directory: Path) -> list[Path]:
    """The real import: courses big0..big9 (two sections each), 20 users enrolled in each, and
    three rows that warn (so every import copied from it has messages to show)."""
    files = {
        "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\n" + "".join(
            f"big{n},B{n},Big {n},,,active\n" for n in range(COURSES)),
        "sections.csv": "section_id,course_id,name,status\n" + "".join(
            f"bigs{n},big{n % COURSES},Big Section {n},active\n" for n in range(COURSES * 2)),
        "users.csv": "user_id,login_id,first_name,last_name,email,status\n" + "".join(
            f"seed{n},seedlogin{n},Seed{n},Person{n},seed{n}@example.edu,active\n" for n in range(20))
            + "bad1,badlogin1,Bad,Status,bad1@example.edu,sleeping\n"
            + ",nouser,No,Id,noid@example.edu,active\n"
            + "bad3,badlogin3,Bad,Status,bad3@example.edu,asleep\n",
        "enrollments.csv": "course_id,user_id,role,section_id,status\n" + "".join(
            f",seed{u},student,bigs{c + COURSES * (u % 2)},active\n" for c in range(COURSES) for u in range(20)),
    }
    paths = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def grow(database: Path, users: int, enrollments: int, imports: int) -> None:
    """Grow the store with SQL over the tables an import writes, in one transaction each."""
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL").fetchall()
    conn.execute("PRAGMA synchronous = OFF")
    now = conn.execute("SELECT created_at FROM sis_imports ORDER BY id LIMIT 1").fetchone()[0]
    batch = conn.execute("SELECT id FROM sis_imports ORDER BY id LIMIT 1").fetchone()[0]
    sections = [row[0] for row in conn.execute(
        "SELECT id FROM course_sections WHERE sis_source_id LIKE 'bigs%' ORDER BY id")]
    first_user = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
    conn.execute("BEGIN")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)"
        " INSERT INTO users (id, root_account_id, name, sortable_name, short_name, workflow_state,"
        " created_at, updated_at)"
        " SELECT ? + i, 1, 'First' || i || ' Last' || i, 'Last' || i || ', First' || i,"
        " 'First' || i || ' Last' || i, 'registered', ?, ? FROM n",
        (users, first_user, now, now))
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)"
        " INSERT INTO pseudonyms (user_id, account_id, unique_id, unique_id_lower, sis_user_id,"
        " workflow_state, sis_batch_id, created_at, updated_at)"
        " SELECT ? + i, 1, 'login' || i, 'login' || i, 'user' || i, 'active', ?, ?, ? FROM n",
        (users, first_user, batch, now, now))
    conn.execute("COMMIT")
    # Enrollment n: user n % users in course n // users, in one of that course's two sections
    # (sections are numbered course by course, then again: section k and k + COURSES).
    conn.execute("CREATE TEMP TABLE section_of (k INTEGER PRIMARY KEY, section_id INTEGER, course_id INTEGER)")
    conn.executemany("INSERT INTO section_of SELECT ?, id, course_id FROM course_sections WHERE id = ?",
                     list(enumerate(sections)))
    conn.execute("BEGIN")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)"
        " INSERT INTO enrollments (root_account_id, user_id, course_id, course_section_id, type,"
        " workflow_state, sis_pseudonym_id, sis_batch_id, created_at, updated_at)"
        " SELECT 1, ? + i % ?, s.course_id, s.section_id,"
        " CASE WHEN i % 500 = 0 THEN 'TeacherEnrollment' ELSE 'StudentEnrollment' END,"
        " 'active', NULL, ?, ?, ? FROM n"
        " JOIN section_of s ON s.k = (i / ?) % ? + ? * (i % 2)",
        (enrollments, first_user, users, batch, now, now, users, COURSES, COURSES))
    conn.execute("COMMIT")
    # 1,000 imports: copies of the real one (its options, counts, files) with its messages.
    columns = [row[1] for row in conn.execute("PRAGMA table_info(sis_imports)") if row[1] != "id"]
    listed = ", ".join(columns)
    error_columns = [row[1] for row in conn.execute("PRAGMA table_info(sis_import_errors)")
                     if row[1] not in ("id", "sis_import_id")]
    errors = ", ".join(error_columns)
    conn.execute("BEGIN")
    for _ in range(imports - 1):
        copy = conn.execute(f"INSERT INTO sis_imports ({listed}) SELECT {listed} FROM sis_imports"
                            " WHERE id = ?", (batch,)).lastrowid
        conn.execute(f"INSERT INTO sis_import_errors (sis_import_id, {errors}) SELECT ?, {errors}"
                     " FROM sis_import_errors WHERE sis_import_id = ?", (copy, batch))
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _summary(values_ms: list[float]) -> str:
    return (f"median {statistics.median(values_ms):.0f} ms, worst {max(values_ms):.0f} ms "
            f"({len(values_ms)} runs)")


# Condition scripts: each returns false until the page shows what was asked, then the time it
# took (performance.now() counts from the navigation; window.__t0 from the click).
IMPORTS_SHOWN = """(count) => {
  const rows = document.querySelectorAll('#imports-table tbody tr[data-key]');
  return rows.length === count && [...rows].every((r) => r.querySelector('.state')) && performance.now();
}"""
FIRST_ROW_CHANGED = """([selector, before]) => {
  const row = document.querySelector(selector);
  const key = row && row.textContent;
  return key && key !== before && (performance.now() - window.__t0);
}"""
ROWS_SHOWN = """([selector, count]) => {
  const rows = document.querySelectorAll(selector);
  return rows.length === count && !rows[0].querySelector('.empty') && performance.now();
}"""


async def _click_and_time(page, button: str, watched: str) -> float:
    before = await page.evaluate("(s) => document.querySelector(s)?.textContent", watched)
    await page.evaluate("(s) => { window.__t0 = performance.now(); document.querySelector(s).click(); }", button)
    handle = await page.wait_for_function(FIRST_ROW_CHANGED, arg=[watched, before], polling="raf",
                                          timeout=WAIT_MS)
    return float(await handle.json_value())


async def run() -> None:
    users = scaled(100_000)
    enrollments = users * COURSES
    imports = max(61, scaled(IMPORTS))  # at least three pages of 20 and one more
    print_header(f"The page in Chromium: {imports:,} SIS imports and {enrollments:,} enrollments stored")
    try:
        import playwright.async_api  # noqa: F401 - only whether it is there
    except ImportError:
        print("skipped: Playwright is not installed (pip install -e '.[test]')")
        return
    if not Path(CHROMIUM).exists():
        print("skipped: no Chromium (apt-get install -y chromium)")
        return
    with bench_directory("page") as directory:
        archive = zip_files(directory / "shape.zip", {path.name: path for path in _shape_files(directory)})
        async with running_server(directory) as server, aiohttp.ClientSession() as session:
            done = await wait_until_terminal(session, await post_zip(session, server.url, archive))
            assert done["workflow_state"] in TERMINAL, done
            data_dir = server.data_dir
        started = time.perf_counter()
        grow(data_dir / "canvas-imports.sqlite3", users, enrollments, imports)
        print(f"grown with SQL in {time.perf_counter() - started:.0f} s")
        async with running_server(directory) as server, aiohttp.ClientSession() as session:
            async with session.get(f"{server.url}/api/v1/courses/sis_course_id:big0", headers=AUTH) as response:
                course_id = (await response.json())["id"]
            async with session.get(f"{server.url}/api/v1/accounts/1/sis_imports?per_page=1", headers=AUTH) as response:
                newest = (await response.json())["sis_imports"][0]["id"]
            async with playwright_browser() as browser:
                figures: dict[str, list[float]] = {}
                for _ in range(ROUNDS):
                    context = await browser.new_context(viewport={"width": 1440, "height": 900})
                    page = await context.new_page()
                    page.set_default_timeout(WAIT_MS)
                    await page.goto(f"{server.url}/#token={TOKEN}")
                    handle = await page.wait_for_function(IMPORTS_SHOWN, arg=20, polling="raf", timeout=WAIT_MS)
                    figures.setdefault("imports, first page after navigation", []).append(
                        float(await handle.json_value()))
                    for number in (2, 3):
                        figures.setdefault(f"imports, older page {number}", []).append(await _click_and_time(
                            page, "section.card:has(#imports-table) .pager button:last-child",
                            "#imports-table tbody tr"))
                    await page.goto(f"{server.url}/#/sis/1/{newest}")
                    await page.reload()
                    handle = await page.wait_for_function(ROWS_SHOWN, arg=["#messages-table tbody tr", 3],
                                                          polling="raf", timeout=WAIT_MS)
                    figures.setdefault("one import opened, with its messages (reload)", []).append(
                        float(await handle.json_value()))
                    await page.goto(f"{server.url}/#/browse/courses/{course_id}")
                    await page.reload()
                    handle = await page.wait_for_function(ROWS_SHOWN, arg=["#enrollments-panel tbody tr", 25],
                                                          polling="raf", timeout=WAIT_MS)
                    figures.setdefault(f"course of {users:,} enrollments, first page (reload)", []).append(
                        float(await handle.json_value()))
                    for number in (2, 3, 4):
                        figures.setdefault(f"course enrollments, next page {number}", []).append(
                            await _click_and_time(page, "#enrollments-panel .pager button:last-child",
                                                  "#enrollments-panel tbody tr"))
                    await context.close()
                for name, values in figures.items():
                    print(f"{name}: {_summary(values)}")


class playwright_browser:
    """Chromium launched through Playwright at the system's executable, closed afterwards."""

    async def __aenter__(self):
        from playwright.async_api import async_playwright
        self._manager = async_playwright()
        playwright = await self._manager.__aenter__()
        self._browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self._browser

    async def __aexit__(self, *exc) -> None:
        await self._browser.close()
        await self._manager.__aexit__(*exc)
