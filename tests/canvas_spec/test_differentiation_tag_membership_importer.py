"""Canvas's spec/lib/sis/csv/differentiation_tag_membership_importer_spec.rb, against this server.

Ported from instructure/canvas-lms@eaff9b0. Canvas's ``before`` makes account A001 allowing
differentiation tags and A002 not; every account allows them here (docs/decisions.md), so the row
only A002's refusal explains is left out, as noted. Memberships are read through the Group
Memberships API, every state asked for.
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
    """Canvas's before: A001/A002 with courses C001/C002, tag T001 in a tag set of C001, users
    U001-U003 enrolled in C001 (and U001 in C002)."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status",
                                       "A001,,Test Diff Tags,active", "A002,,No Diff Tags,active")
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,status,account_id",
                                       "C001,C1,Course1,active,A001", "C002,C2,Course2,active,A002")
    await sis.process_csv_data_cleanly("tag_set_id,course_id,set_name,status", "TS1,C001,Tag Set 1,active")
    await sis.process_csv_data_cleanly("tag_id,tag_set_id,name,status", "T001,TS1,T001,available")
    ids = {}
    for sis_id in ("U001", "U002", "U003"):
        login = f"{sis_id.lower()}@example.com"
        await factories.user(sis, sis_id, login_id=login, email=login)
        ids[sis_id] = (await reads.user(sis_id))["id"]
    await sis.process_csv_data_cleanly("course_id,user_id,role,status", "C001,U001,student,active",
                                       "C002,U001,student,active", "C001,U002,student,active",
                                       "C001,U003,student,active")
    return ids


async def memberships(reads: Reads, tag_sis_id: str) -> list[dict[str, Any]]:
    return await reads.group_memberships(tag_sis_id, states=MEMBERSHIP_STATES)


async def test_skips_bad_content(sis: SisSpec, objects: Objects, users: dict[str, int]) -> None:
    """differentiation_tag_membership_importer_spec.rb: "skips bad content".

    Without its last row (T002, a tag of C002, refused in Canvas with "Differentiation Tags are not
    enabled for Account ..."): every account allows tags here."""
    importer = await sis.process_csv_data(
        "tag_id,user_id,status",
        ",U001,accepted",
        "T001,,accepted",
        "T001,U001,bogus")
    assert objects.count("group_memberships") == 0
    assert importer.messages == [
        "No tag_id given for a differentiation tag user",
        "No user_id given for a differentiation tag user",
        'Improper status "bogus" for a differentiation tag user',
    ]


async def test_adds_users_to_tags(sis: SisSpec, reads: Reads, users: dict[str, int]) -> None:
    """differentiation_tag_membership_importer_spec.rb: "adds users to tags"."""
    tag = await reads.get("/api/v1/groups/sis_group_id:T001")
    await sis.process_csv_data_cleanly("tag_id,user_id,status", "T001,U001,accepted", "T001,U003,deleted")
    found = await memberships(reads, "T001")
    assert [m["user_id"] for m in found] == [users["U001"], users["U003"]]
    assert [m["group_id"] for m in found] == [tag["id"], tag["id"]]
    assert [m["workflow_state"] for m in found] == ["accepted", "deleted"]

    await sis.process_csv_data_cleanly("tag_id,user_id,status", "T001,U001,deleted", "T001,U003,deleted")
    found = await memberships(reads, "T001")
    assert [m["user_id"] for m in found] == [users["U001"], users["U003"]]
    assert [m["group_id"] for m in found] == [tag["id"], tag["id"]]
    assert [m["workflow_state"] for m in found] == ["deleted", "deleted"]


async def test_does_not_add_users_to_tags_in_courses_they_are_not_enrolled_in(
        sis: SisSpec, users: dict[str, int]) -> None:
    """differentiation_tag_membership_importer_spec.rb: "does not add users to tags in courses they
    are not enrolled in"."""
    await factories.course(sis, "c002", account_id="A001")
    await sis.process_csv_data_cleanly("tag_set_id,course_id,set_name,status", "TS2,c002,Tag Set 2,active")
    await sis.process_csv_data_cleanly("tag_id,tag_set_id,name,status", "T002,TS2,T002,available")
    importer = await sis.process_csv_data("tag_id,user_id,status", "T002,U001,accepted")
    assert importer.messages[-1] == \
        "User U001 doesn't have an enrollment in the course of differentiation tag T002."


async def test_creates_rollback_data(sis: SisSpec, reads: Reads, objects: Objects, users: dict[str, int]) -> None:
    """differentiation_tag_membership_importer_spec.rb: "creates rollback data"."""
    batch1 = await sis.process_csv_data_cleanly("tag_id,user_id,status", "T001,U001,accepted")
    batch2 = await sis.process_csv_data_cleanly("tag_id,user_id,status", "T001,U001,deleted")
    changes = objects.rows("sis_state_changes", order="object_id", object_type="GroupMembership")
    assert len([c for c in changes if c["sis_import_id"] == batch1.json["id"] and c["previous_state"] is None]) == 1
    assert [c["new_state"] for c in changes if c["sis_import_id"] == batch2.json["id"]] == ["deleted"]
    progress, _ = await restore_and_wait(sis.client, batch2.json["id"])
    assert progress["workflow_state"] == "completed"
    assert [m["workflow_state"] for m in await memberships(reads, "T001")] == ["accepted"]
