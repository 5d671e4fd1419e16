"""Canvas's spec/lib/sis/csv/user_observer_importer_spec.rb, against this server.

Observer links are read through ``GET /api/v1/users/:id/observees``.
"""

from __future__ import annotations

import pytest

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects


@pytest.fixture
async def users(sis: SisSpec, objects: Objects) -> tuple[int, int]:
    """U001 and U002 (``user_with_managed_pseudonym``), by their Canvas ids."""
    await factories.user(sis, "U001")
    await factories.user(sis, "U002")
    return objects.login("U001")["user_id"], objects.login("U002")["user_id"]


async def observed(sis: SisSpec, observer_id: int) -> list[int]:
    """The users ``observer_id`` observes through an active link (UserObservationLink.active)."""
    return [user["id"] for user in await sis.api(f"/api/v1/users/{observer_id}/observees")]


async def test_should_skip_bad_content(sis: SisSpec, objects: Objects, users: tuple[int, int]) -> None:
    """user_observer_importer_spec.rb: "should skip bad content"."""
    importer = await sis.process_csv_data(
        "observer_id,student_id,status",
        "no_observer,U001,active",
        "U001,U001,active",
        "U001,no_student,active",
        ",U001,active",
        "U001,,active",
        "U001,U002,dead",
        "U001,U002,deleted")
    assert [await observed(sis, user_id) for user_id in users] == [[], []]
    assert objects.count("user_observers") == 0
    assert importer.messages == ["An observer referenced a non-existent user no_observer",
                                 "Can't observe yourself user U001",
                                 "A student referenced a non-existent user no_student",
                                 "No observer_id given for a user observer",
                                 "No user_id given for a user observer",
                                 'Improper status "dead" for a user_observer',
                                 "Can't delete a non-existent observer for observer: U001, student: U002"]


async def test_should_add_and_remove_user_observers(sis: SisSpec, users: tuple[int, int]) -> None:
    """user_observer_importer_spec.rb: "should add and remove user_observers"."""
    observer, student = users
    await sis.process_csv_data_cleanly("observer_id,student_id,status", "U001,U002,ACTIVE")
    assert await observed(sis, observer) == [student]
    await sis.process_csv_data_cleanly("observer_id,student_id,status", "U001,U002,deleted")
    assert await observed(sis, observer) == []
