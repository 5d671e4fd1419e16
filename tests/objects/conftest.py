"""One real server per test module, running in its own thread, loaded by a realistic SIS zip.

The read-endpoint tests only read, so a module shares one server and one import; they are
plain functions driving canvasapi 3.6.0, which blocks.
"""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path
from typing import Iterator

import pytest
from aiohttp import web
from canvasapi import Canvas

from service.app import create_app
from service.settings import Settings
from tests.helpers import TOKEN, make_zip, wait_for_canvasapi_import

# Integration ids on SCI, T2, C3, S3 and U3 (and nowhere else): sis_integration_id: lookups.
ACCOUNTS = """account_id,parent_account_id,name,status,integration_id
ART,,Arts,active,
MUS,ART,Music,active,
SCI,,Sciences,active,int-sci
OLD,,Closed Department,deleted,
"""
TERMS = """term_id,name,status,start_date,end_date,integration_id
T1,Fall 2026,active,2026-09-01T00:00:00Z,2026-12-20T00:00:00Z,
T2,Spring 2027,active,2027-01-10T00:00:00Z,2027-05-30T00:00:00Z,int-t2
T0,Cancelled,deleted,,,
"""
COURSES = """course_id,short_name,long_name,account_id,term_id,status,integration_id
C1,ART101,Drawing,ART,T1,published,
C2,MUS201,Harmony,MUS,T1,active,
C3,SCI301,Physics,SCI,T2,published,int-c3
C4,SCI999,Withdrawn,SCI,T2,deleted,
C5,ART102,Painting,ART,T2,completed,
"""
SECTIONS = """section_id,course_id,name,status,start_date,end_date,integration_id
S1A,C1,Drawing A,active,,,
S1B,C1,Drawing B,active,2026-09-01T00:00:00Z,2026-12-01T00:00:00Z,
S2,C2,Harmony Main,active,,,
S3,C3,Physics Main,active,,,int-s3
S3X,C3,Physics Old,deleted,,,
"""
XLISTS = "xlist_course_id,section_id,status\nC1,S2,active\n"
USERS = """user_id,login_id,first_name,last_name,email,status,integration_id
U1,ada,Ada,Lovelace,ada@example.edu,active,
U2,alan,Alan,Turing,alan@example.edu,active,
U3,grace,Grace,Hopper,grace@example.edu,active,int-u3
U4,edsger,Edsger,Dijkstra,edsger@example.edu,active,
U5,barbara,Barbara,Liskov,barbara@example.edu,active,
U6,donald,Donald,Knuth,donald@example.edu,active,
U7,parent,Pat,Parent,pat@example.edu,active,
"""
LOGINS = "user_id,login_id,existing_user_id,email\nU1B,ada.alt,U1,\n"
ENROLLMENTS = """course_id,user_id,role,section_id,status,associated_user_id
C1,U1,student,S1A,active,
C1,U2,student,S1A,active,
C1,U3,student,S1B,inactive,
C1,U4,student,S1B,completed,
C1,U5,student,S1A,deleted,
C1,U6,teacher,S1A,active,
C1,U6,ta,S1B,active,
C1,U7,observer,S1A,active,U1
C2,U2,student,S2,active,
C3,U1,student,S3,active,
C3,U2,teacher,S3,active,
"""
OBSERVERS = "observer_id,student_id,status\nU7,U1,active\nU7,U2,active\n"
GROUP_CATEGORIES = """group_category_id,account_id,course_id,category_name,status
GC1,ART,,Studios,active
GC2,,C1,Project Teams,active
"""
GROUPS = """group_id,group_category_id,account_id,course_id,name,status
G1,GC1,ART,,Studio North,available
G2,GC1,ART,,Studio South,available
G3,GC1,ART,,Studio East,available
G4,GC1,ART,,Studio Gone,deleted
G5,GC2,,C1,Team Red,available
G6,,ART,,Studio Without Category,available
"""
MEMBERSHIPS = """group_id,user_id,status
G1,U1,accepted
G1,U2,accepted
G1,U3,accepted
G1,U4,deleted
G5,U1,accepted
"""
ADMINS = "user_id,account_id,role,status\nU6,ART,AccountAdmin,active\nU5,,AccountAdmin,active\n"

SIS_ZIP_MEMBERS = {
    "accounts.csv": ACCOUNTS, "terms.csv": TERMS, "courses.csv": COURSES, "sections.csv": SECTIONS,
    "xlists.csv": XLISTS, "users.csv": USERS, "logins.csv": LOGINS, "enrollments.csv": ENROLLMENTS,
    "user_observers.csv": OBSERVERS, "group_categories.csv": GROUP_CATEGORIES, "groups.csv": GROUPS,
    "groups_membership.csv": MEMBERSHIPS, "admins.csv": ADMINS,
}


class ThreadedServer:
    """The real app on 127.0.0.1 (free port) in a thread with its own event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)

    async def _start(self) -> None:
        self._runner = web.AppRunner(create_app(self.settings))
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    """A running server over a fresh data directory."""
    data_dir: Path = tmp_path_factory.mktemp("objects") / "data"
    running = ThreadedServer(Settings(data_dir=data_dir, tokens=(TOKEN,), workers=1, queue_poll_s=0.05,
                                      shutdown_grace_s=2.0))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def canvas(server: ThreadedServer) -> Canvas:
    """canvasapi 3.6.0 pointed at the module's server, after the realistic zip was imported."""
    mp = pytest.MonkeyPatch()
    mp.setenv("NO_PROXY", "127.0.0.1,localhost")  # keep loopback traffic off any proxy
    client = Canvas(server.url, TOKEN)
    account = client.get_account(1)
    created = account.create_sis_import(io.BytesIO(make_zip(SIS_ZIP_MEMBERS)), extension="zip")
    done = wait_for_canvasapi_import(account, created)
    assert done.workflow_state == "imported", (done.workflow_state, getattr(done, "processing_warnings", None),
                                               getattr(done, "processing_errors", None))
    yield client
    mp.undo()
