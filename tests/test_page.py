"""The page at ``/`` in a real browser: headless Chromium driven by Playwright against the real
server on 127.0.0.1. Each step leaves a screenshot under the test's tmp_path/screenshots.

Set CANVAS_IMPORTS_README_SCREENSHOT to a file path to also write the README's screenshot there
(``CANVAS_IMPORTS_README_SCREENSHOT=docs/page.png make test``).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from service.appkeys import QUEUE
from tests.helpers import (AUTH, COURSES_CSV, TOKEN, create_sis_import, import_and_wait, make_zip,
                           wait_for_progress)
from tests.outcomes.test_api import OUTCOMES_CSV, post_outcomes, wait_for_outcomes

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = ("the page's browser tests need Chromium and Playwright: apt-get install -y chromium "
                "(Debian's package) and pip install -e '.[test]'; Playwright's own browser download "
                "is not used")
WAIT_MS = 30_000
VIEWPORT = {"width": 1440, "height": 900}

try:
    from playwright.async_api import Page, Route, async_playwright, expect
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None

pytestmark = pytest.mark.skipif(async_playwright is None or not os.path.exists(CHROMIUM),
                                reason=INSTALL_HINT)

USERS_WITH_WARNINGS_CSV = (
    "user_id,login_id,first_name,last_name,email,status\n"
    "w1,wlogin1,Grace,Hopper,grace@example.com,active\n"
    ",wlogin2,No,Id,noid@example.com,active\n"
    "w3,wlogin3,Bad,Status,bad@example.com,sleeping\n"
)
SMALL_USERS_CSV = (
    "user_id,login_id,first_name,last_name,email,status\n"
    + "".join(f"p{n},plogin{n},First{n},Last{n},p{n}@example.com,active\n" for n in range(40))
)


def big_users_csv(count: int) -> bytes:
    """Enough users that the import is still running when the page aborts it."""
    lines = ["user_id,login_id,first_name,last_name,email,status"]
    lines += [f"big{n},biglogin{n},First{n},Last{n},big{n}@example.com,active" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


class Screens:
    """Numbered screenshots of one test's steps, under tmp_path/screenshots."""

    def __init__(self, page: Page, directory: Path) -> None:
        self.page = page
        self.directory = directory
        self.count = 0
        directory.mkdir(parents=True, exist_ok=True)

    async def take(self, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{step}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
async def page(client: TestClient) -> AsyncIterator[Page]:
    """A fresh Chromium tab (its own sessionStorage) on the running server."""
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        tab = await context.new_page()
        tab.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        yield tab
        await context.close()
        await browser.close()
        assert errors == [], f"the page threw: {errors}"


@pytest.fixture
def screens(page: Page, tmp_path: Path) -> Screens:
    return Screens(page, tmp_path / "screenshots")


def url_of(client: TestClient, fragment: str = "") -> str:
    return f"http://127.0.0.1:{client.server.port}/{fragment}"


async def sign_in(page: Page, client: TestClient) -> None:
    await page.goto(url_of(client))
    await page.fill("#token-input", TOKEN)
    await page.click("#signin button[type=submit]")
    await expect(page.locator("#imports-table")).to_be_visible()


async def _keys_and_times(rows) -> list[tuple[str, str]]:
    return [(await tr.get_attribute("data-key"), await tr.get_attribute("data-created"))
            for tr in await rows.all()]


def import_row(page: Page, kind: str, import_id: int):
    return page.locator(f'#imports-table tr[data-kind="{kind}"][data-id="{import_id}"]')


async def test_page_files_answer_without_a_token_and_data_does_not(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200 and response.content_type == "text/html"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<script type="module" src="/web/app.js">' in await response.text()
    for name, media_type in (("app.js", "text/javascript"), ("app.css", "text/css"),
                             ("favicon.svg", "image/svg+xml")):
        response = await client.get(f"/web/{name}")
        assert (response.status, response.content_type) == (200, media_type)
    for path in ("/web/missing.js", "/web/..%2Fapi%2Fpage.py", "/web/.hidden.js"):
        assert (await client.get(path)).status == 404, path
    # Only the page's own files are public: everything with data still needs the token.
    assert (await client.get("/api/v1/accounts/self")).status == 401
    assert (await client.get("/index.html")).status == 401
    assert (await client.get("/api/v1/accounts/self", headers=AUTH)).status == 200


async def test_sign_in_upload_and_watch_the_import_finish(client: TestClient, page: Page,
                                                          screens: Screens) -> None:
    await page.goto(url_of(client))
    await expect(page.locator("#signin")).to_be_visible()
    await screens.take("sign-in")
    await page.fill("#token-input", "not-the-token")
    await page.click("#signin button[type=submit]")
    await expect(page.locator("#signin .error-text")).to_have_text("That token was not accepted.")
    await page.fill("#token-input", TOKEN)
    await page.click("#signin button[type=submit]")
    await expect(page.locator("#imports-table")).to_be_visible()
    await expect(page.locator("#account-name")).to_have_text("Default Account")
    await screens.take("signed-in-empty")

    await page.set_input_files("#upload-file", files=[{
        "name": "users.csv", "mimeType": "text/csv", "buffer": SMALL_USERS_CSV.encode()}])
    await expect(page.locator("#dropzone .chosen")).to_contain_text("users.csv")
    await page.click(".more-options summary")
    await page.check("input[name=skip_deletes]")
    await screens.take("file-chosen")
    await page.click("#start-import")

    row = page.locator("#imports-table tr[data-kind=sis]").first
    await expect(row).to_be_visible()
    await expect(row.locator(".bar")).to_have_attribute("aria-valuenow", "100")
    await expect(row.locator(".state")).to_have_text("imported")
    await expect(row.locator('[data-count="users"]')).to_have_text("40 users")
    await expect(row.locator(".options")).to_have_text("skip deletes")
    await screens.take("import-finished")

    import_id = int(await row.get_attribute("data-id"))
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{import_id}", headers=AUTH)
    body = await response.json()
    assert body["workflow_state"] == "imported" and body["skip_deletes"] is True
    assert body["data"]["counts"]["users"] == 40


async def test_token_in_the_fragment_signs_in_and_leaves_the_address_bar(client: TestClient,
                                                                          page: Page) -> None:
    created = await import_and_wait(client, COURSES_CSV, filename="courses.csv")
    await page.goto(url_of(client, f"#token={TOKEN}"))
    await expect(import_row(page, "sis", created["id"])).to_be_visible()
    assert TOKEN not in page.url
    assert await page.evaluate("sessionStorage.getItem('canvas-imports-token')") == TOKEN
    # A reload keeps the session; signing out forgets it.
    await page.reload()
    await expect(import_row(page, "sis", created["id"])).to_be_visible()
    await page.click("#sign-out")
    await expect(page.locator("#signin")).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('canvas-imports-token')") is None


async def test_an_import_with_warnings_shows_its_rows(client: TestClient, page: Page,
                                                      screens: Screens) -> None:
    done = await import_and_wait(client, USERS_WITH_WARNINGS_CSV, filename="people.csv")
    assert done["workflow_state"] == "imported_with_messages"
    await sign_in(page, client)
    row = import_row(page, "sis", done["id"])
    await expect(row.locator(".msg-warning")).to_have_text("⚠ 2")
    await row.locator(".state").click()
    await expect(page).to_have_url(re.compile(rf"#/sis/1/{done['id']}$"))

    messages = page.locator("#messages-table tbody tr")
    await expect(messages).to_have_count(2)
    expected = await (await client.get(f"/api/v1/accounts/1/sis_imports/{done['id']}/errors",
                                       headers=AUTH)).json()
    assert await shown_messages(messages) == [[e["file"], str(e["row"]), e["message"], e["row_info"]]
                                              for e in expected["sis_import_errors"]]
    assert {e["row"] for e in expected["sis_import_errors"]} == {3, 4}
    await expect(page.locator('#counts-table [data-count="users"]')).to_have_text("1")
    await expect(page.locator("#downloads")).to_contain_text("people.csv")
    await screens.take("import-with-warnings")

    await page.click('#message-filter button[data-filter="failure"]')
    await expect(messages).to_have_text(["No errors."])
    await page.click('#message-filter button[data-filter="warning"]')
    await expect(messages).to_have_count(2)
    await page.click('#message-filter button[data-filter="all"]')
    await expect(messages).to_have_count(2)


async def shown_messages(rows) -> list[list[str]]:
    return [[await cell.inner_text() for cell in await tr.locator("td").all()]
            for tr in await rows.all()]


async def test_messages_filter_to_errors_or_warnings(client: TestClient, page: Page,
                                                     screens: Screens) -> None:
    done = await import_and_wait(client, make_zip({"people.csv": USERS_WITH_WARNINGS_CSV,
                                                   "broken.csv": b"\xff"}), filename="mixed.zip")
    await sign_in(page, client)
    await page.goto(url_of(client, f"#/sis/1/{done['id']}"))
    messages = page.locator("#messages-table tbody tr")
    await expect(messages).to_have_count(3)
    await page.click('#message-filter button[data-filter="failure"]')
    await expect(messages).to_have_count(1)
    assert await shown_messages(messages) == [["broken.csv", "—", "Invalid UTF-8", "—"]]
    await page.click('#message-filter button[data-filter="warning"]')
    await expect(messages).to_have_count(2)
    shown = await shown_messages(messages)
    assert [(file, row) for file, row, _, _ in shown] == [("people.csv", "4"), ("people.csv", "3")]
    await screens.take("warnings-only")


async def test_messages_are_paginated(client: TestClient, page: Page) -> None:
    rows = "".join(f"m{n},mlogin{n},A,B,m{n}@example.com,sleeping\n" for n in range(120))
    done = await import_and_wait(client, "user_id,login_id,first_name,last_name,email,status\n" + rows)
    await sign_in(page, client)
    await page.goto(url_of(client, f"#/sis/1/{done['id']}"))
    messages = page.locator("#messages-table tbody tr")
    await expect(messages).to_have_count(50)
    await expect(page.locator(".card-head .muted.small")).to_have_text("page 1 of 3")
    await page.click("text=Next →")
    await expect(page.locator(".card-head .muted.small")).to_have_text("page 2 of 3")
    await page.click("text=Next →")
    await expect(messages).to_have_count(20)


async def test_abort_a_running_import_from_the_page(client: TestClient, page: Page,
                                                    screens: Screens) -> None:
    created = await create_sis_import(client, big_users_csv(150_000), filename="many-users.csv")
    await sign_in(page, client)
    await page.goto(url_of(client, f"#/sis/1/{created['id']}"))
    bar = page.locator(".detail-progress .bar")
    await expect(page.locator(".detail-title .state")).to_have_text("importing")
    await expect(bar).not_to_have_attribute("aria-valuenow", "0")
    await screens.take("running")
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.click("#abort-import")
    await expect(page.locator(".detail-title .state")).to_have_text("aborted")
    await expect(page.locator("#abort-import")).to_have_count(0)
    await screens.take("aborted")
    body = await (await client.get(f"/api/v1/accounts/1/sis_imports/{created['id']}",
                                   headers=AUTH)).json()
    assert body["workflow_state"] == "aborted" and body["ended_at"] is not None


async def test_outcomes_upload_by_dropping_a_file(client: TestClient, page: Page,
                                                  screens: Screens) -> None:
    await sign_in(page, client)
    await page.click('.upload-side button[data-kind="outcome"]')
    # A real drop: a DataTransfer holding the file, dispatched on the drop zone.
    await page.evaluate("""(text) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], "outcomes.csv", {type: "text/csv"}));
        document.getElementById("dropzone").dispatchEvent(
            new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", OUTCOMES_CSV)
    await expect(page.locator("#dropzone .chosen")).to_contain_text("outcomes.csv")
    await page.click("#start-import")
    row = page.locator("#imports-table tr[data-kind=outcome]").first
    await expect(row.locator(".state")).to_have_text("succeeded")
    await expect(row.locator(".bar")).to_have_attribute("aria-valuenow", "100")
    await expect(row.locator(".where")).to_contain_text("Default Account")
    await screens.take("outcomes-finished")
    await row.locator(".state").click()
    await expect(page.locator(".detail-title h2")).to_have_text(re.compile(r"Outcome import #\d+"))
    await expect(page.locator(".chips .chip")).to_have_count(2)


async def test_the_list_mixes_both_kinds_and_pages(client: TestClient, page: Page,
                                                   screens: Screens) -> None:
    sis_ids = [(await import_and_wait(client, COURSES_CSV, filename="courses.csv"))["id"]
               for _ in range(12)]
    outcome = await post_outcomes(client, OUTCOMES_CSV)
    await wait_for_outcomes(client, outcome["id"])
    warned = await import_and_wait(client, USERS_WITH_WARNINGS_CSV, filename="people.csv")
    more_ids = [(await import_and_wait(client, SMALL_USERS_CSV))["id"] for _ in range(8)]
    running = await create_sis_import(client, big_users_csv(150_000), filename="nightly.csv",
                                      diffing_data_set_identifier="nightly")
    await sign_in(page, client)
    rows = page.locator("#imports-table tbody tr")
    await expect(import_row(page, "sis", running["id"]).locator(".state")).to_have_text("importing")
    await expect(import_row(page, "sis", running["id"]).locator(".bar")).not_to_have_attribute(
        "aria-valuenow", "0")
    shot = await screens.take("list-while-importing", full_page=False)
    readme = os.environ.get("CANVAS_IMPORTS_README_SCREENSHOT")
    if readme:
        shutil.copyfile(shot, readme)
    await expect(rows).to_have_count(20)
    first_page = await _keys_and_times(rows)
    await page.click("text=Older →")
    await expect(rows).to_have_count(3)
    second_page = await _keys_and_times(rows)
    # Newest first across both kinds (created_at has whole seconds, so a SIS and an outcome
    # import of the same second may come in either order); each kind keeps its own order.
    shown = first_page + second_page
    times = [created for _, created in shown]
    assert times == sorted(times, reverse=True)
    keys = [key for key, _ in shown]
    expected_sis = [running["id"], *reversed(more_ids), warned["id"], *reversed(sis_ids)]
    assert [k for k in keys if k.startswith("sis-")] == [f"sis-{i}" for i in expected_sis]
    assert [k for k in keys if k.startswith("outcome-")] == [f"outcome-{outcome['id']}"]
    await page.click('.card-head .segmented button[data-kind="outcome"]')
    await expect(rows).to_have_count(1)
    # The state filter goes through each list's workflow_state[]: SIS only has messages.
    await page.select_option("#state-filter", "messages")
    await expect(rows).to_have_text(["No imports in this state."])
    await page.click('.card-head .segmented button[data-kind="all"]')
    await expect(rows).to_have_count(1)
    await expect(import_row(page, "sis", warned["id"])).to_be_visible()
    await page.select_option("#state-filter", "running")
    await expect(rows).to_have_count(1)
    await expect(import_row(page, "sis", running["id"]).locator(".state")).to_have_text("importing")
    await screens.take("list-running-only")
    await client.put(f"/api/v1/accounts/1/sis_imports/{running['id']}/abort", headers=AUTH)
    await expect(rows).to_have_text(["No imports in this state."])


BROWSE_ZIP_MEMBERS = {
    "courses.csv": "course_id,short_name,long_name,account_id,term_id,status\n"
                   "bio101,BIO 101,Introduction to Biology,,,active\n"
                   "chem1,CHEM 1,Chemistry,,,active\n",
    "sections.csv": "section_id,course_id,name,status\nbio-a,bio101,Section A,active\n",
    "users.csv": "user_id,login_id,first_name,last_name,email,status\n"
                 "ada,ada.l,Ada,Lovelace,ada@example.com,active\n"
                 "alan,alan.t,Alan,Turing,alan@example.com,active\n",
    "enrollments.csv": "course_id,user_id,role,section_id,status\n"
                       "bio101,ada,student,bio-a,active\n"
                       "bio101,alan,teacher,bio-a,active\n",
}


async def test_browse_to_a_course_s_enrollments_and_the_import_behind_them(
        client: TestClient, page: Page, screens: Screens) -> None:
    first = await import_and_wait(client, make_zip(BROWSE_ZIP_MEMBERS), filename="term.zip")
    dropped = await import_and_wait(client, "course_id,user_id,role,section_id,status\n"
                                            "bio101,alan,teacher,bio-a,deleted\n",
                                    filename="drop.csv")
    assert first["workflow_state"] == dropped["workflow_state"] == "imported"
    await sign_in(page, client)
    await page.click('nav a[data-section="browse"]')
    courses = page.locator("#courses-panel tbody tr")
    await expect(courses).to_have_count(2)
    await page.fill("#courses-panel input[type=search]", "Biology")
    await expect(courses).to_have_count(1)
    await screens.take("courses-searched")
    await courses.locator("a", has_text="Introduction to Biology").click()
    await expect(page.locator(".detail-title h2")).to_have_text("Introduction to Biology")

    enrollments = page.locator("#enrollments-panel tbody tr")
    # Canvas's default list leaves deleted enrollments out.
    await expect(enrollments).to_have_count(1)
    await expect(enrollments.first).to_contain_text("Ada Lovelace")
    await expect(enrollments.first.locator("a.import-link")).to_have_text(f"import #{first['id']}")
    await page.select_option("#enrollment-state", "deleted")
    await expect(enrollments).to_have_count(1)
    await expect(enrollments.first).to_contain_text("Alan Turing")
    await expect(enrollments.first.locator("a.import-link")).to_have_text(f"import #{dropped['id']}")
    await page.select_option("#enrollment-state", "all")
    await expect(enrollments).to_have_count(2)
    await screens.take("course-enrollments")

    await enrollments.locator("a", has_text="Ada Lovelace").click()
    logins = page.locator("#logins-panel tbody tr")
    await expect(logins).to_have_count(1)
    await expect(logins.first).to_contain_text("ada.l")
    await screens.take("user-logins")
    await page.locator(".facts a.import-link").click()
    await expect(page.locator(".detail-title h2")).to_have_text(f"SIS import #{first['id']}")


async def test_restore_the_states_an_import_changed(client: TestClient, page: Page,
                                                    screens: Screens) -> None:
    done = await import_and_wait(client, COURSES_CSV, filename="courses.csv")
    await sign_in(page, client)
    await page.goto(url_of(client, f"#/sis/1/{done['id']}"))
    # The restore waits in the queue: the page must follow it past the import's old state.
    queue = client.server.app[QUEUE]
    queue.pause()
    # The page's Progress polls are held until the restore has ended: the moment a loaded host
    # makes likely, when the page may already hold the import's old state.
    restore_ended = asyncio.Event()

    async def after_the_restore(route: Route) -> None:
        await restore_ended.wait()
        await route.continue_()

    await page.route("**/api/v1/progress/*", after_the_restore)
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    async with page.expect_response(lambda r: r.request.method == "PUT") as answered:
        await page.click("#restore-import")
    progress = await (await answered.value).json()
    await expect(page.locator(".toast")).to_contain_text("Restoring the states")
    await expect(page.locator(".detail-title .state")).to_have_text("imported")
    queue.resume()
    # The server's own pace (a loaded host may be slow) is waited for through the API; then the
    # page, which has been polling all along, must show the end without a reload.
    assert (await wait_for_progress(client, progress["id"]))["workflow_state"] == "completed"
    restore_ended.set()
    await expect(page.locator(".detail-title .state")).to_have_text("restored")
    # Everything is restored: the page no longer offers it (abort neither, the import is done).
    await expect(page.locator("#restore-import")).to_have_count(0)
    await expect(page.locator("#abort-import")).to_have_count(0)
    await screens.take("restored")
    body = await (await client.get(f"/api/v1/accounts/1/sis_imports/{done['id']}", headers=AUTH)).json()
    assert body["workflow_state"] == "restored"
