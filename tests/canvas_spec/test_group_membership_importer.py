"""Canvas's spec/lib/sis/csv/group_membership_importer_spec.rb, against this server.

Ported from the newest version the reference store holds (instructure/canvas-lms@9c589a6); test
names use Canvas's current wording ("should skip bad content" -> ``test_skips_bad_content``). The
memberships are read through the Group Memberships API, every state asked for.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects
from tests.canvas_spec.reads import Reads
from tests.helpers import restore_and_wait

MEMBERSHIP_STATES = ("accepted", "invited", "requested", "rejected", "deleted")


@pytest.fixture
async def users(sis: SisSpec, reads: Reads) -> dict[str, int]:
    """Canvas's before blocks: group G001 in the root account, users U001-U003 with SIS logins."""
    await sis.process_csv_data_cleanly("group_id,name,status", "G001,Group 1,available")
    ids = {}
    for sis_id in ("U001", "U002", "U003"):
        login = f"{sis_id.lower()}@example.com"
        await factories.user(sis, sis_id, login_id=login, email=login)
        ids[sis_id] = (await reads.user(sis_id))["id"]
    return ids


async def memberships(reads: Reads, group_sis_id: str) -> list[dict[str, Any]]:
    return await reads.group_memberships(group_sis_id, states=MEMBERSHIP_STATES)


async def test_skips_bad_content(sis: SisSpec, objects: Objects, users: dict[str, int]) -> None:
    """group_membership_importer_spec.rb: "should skip bad content"."""
    importer = await sis.process_csv_data(
        "group_id,user_id,status",
        ",U001,accepted",
        "G001,,accepted",
        "G001,U001,bogus")
    assert objects.count("group_memberships") == 0
    assert importer.messages == [
        "No group_id given for a group user",
        "No user_id given for a group user",
        'Improper status "bogus" for a group user',
    ]


async def test_adds_users_to_groups(sis: SisSpec, reads: Reads, users: dict[str, int]) -> None:
    """group_membership_importer_spec.rb: "should add users to groups"."""
    group = await reads.get("/api/v1/groups/sis_group_id:G001")
    await sis.process_csv_data_cleanly("group_id,user_id,status", "G001,U001,accepted", "G001,U003,deleted")
    found = await memberships(reads, "G001")
    assert [m["user_id"] for m in found] == [users["U001"], users["U003"]]
    assert [m["group_id"] for m in found] == [group["id"], group["id"]]
    assert [m["workflow_state"] for m in found] == ["accepted", "deleted"]

    await sis.process_csv_data_cleanly("group_id,user_id,status", "G001,U001,deleted", "G001,U003,deleted")
    found = await memberships(reads, "G001")
    assert [m["user_id"] for m in found] == [users["U001"], users["U003"]]
    assert [m["group_id"] for m in found] == [group["id"], group["id"]]
    assert [m["workflow_state"] for m in found] == ["deleted", "deleted"]


async def test_adds_users_to_groups_that_the_user_cannot_access(sis: SisSpec, users: dict[str, int]) -> None:
    """group_membership_importer_spec.rb: "should add users to groups that the user cannot access"."""
    await factories.course(sis, "c001")
    await sis.process_csv_data_cleanly("group_id,course_id,name,status", "G002,c001,Group 2,available")
    importer = await sis.process_csv_data("group_id,user_id,status", "G002,U001,accepted")
    assert importer.messages[-1] == "User U001 doesn't have an enrollment in the course of group G002."


async def test_creates_rollback_data(sis: SisSpec, reads: Reads, objects: Objects, users: dict[str, int]) -> None:
    """group_membership_importer_spec.rb: "should create rollback data"."""
    batch1 = await sis.process_csv_data_cleanly("group_id,user_id,status", "G001,U001,accepted")
    batch2 = await sis.process_csv_data_cleanly("group_id,user_id,status", "G001,U001,deleted")
    changes = objects.rows("sis_state_changes", order="object_id", object_type="GroupMembership")
    assert len([c for c in changes if c["sis_import_id"] == batch1.json["id"] and c["previous_state"] is None]) == 1
    assert [c["new_state"] for c in changes if c["sis_import_id"] == batch2.json["id"]] == ["deleted"]
    progress, _ = await restore_and_wait(sis.client, batch2.json["id"])
    assert progress["workflow_state"] == "completed"
    assert [m["workflow_state"] for m in await memberships(reads, "G001")] == ["accepted"]


async def test_a_deleted_membership_row_for_a_user_without_an_enrollment_is_refused(
        sis: SisSpec, reads: Reads, users: dict[str, int]) -> None:
    """Not a Canvas case: its GroupMembershipImporter checks the enrollment whatever the status
    (lib/sis/group_membership_importer.rb), so a user who left the course cannot be removed from
    its group by a row either."""
    await factories.course(sis, "c001")
    await factories.enrollment(sis, "c001", "U001")
    await sis.process_csv_data_cleanly("group_id,course_id,name,status", "G002,c001,Group 2,available")
    await sis.process_csv_data_cleanly("group_id,user_id,status", "G002,U001,accepted")
    await sis.process_csv_data_cleanly("course_id,user_id,role,status", "c001,U001,student,deleted")
    importer = await sis.process_csv_data("group_id,user_id,status", "G002,U001,deleted")
    assert importer.messages == ["User U001 doesn't have an enrollment in the course of group G002."]
    assert importer.counts["group_memberships"] == 0
