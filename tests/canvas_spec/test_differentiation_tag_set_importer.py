"""Canvas's spec/lib/sis/csv/differentiation_tag_set_importer_spec.rb, against this server.

Ported from instructure/canvas-lms@1686049. Canvas's ``before`` makes two accounts, A001 allowing
differentiation tags and A002 not, with a course each; this server has no such account setting
(every account allows tags, docs/decisions.md), so the rows and messages that only A002's refusal
explains are left out, as noted in each case. Live tag sets are read through the Group
Categories API (``collaboration_state=non_collaborative``); a deleted one is shown by no
endpoint, so its state is read from the database.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects
from tests.canvas_spec.reads import Reads
from tests.helpers import restore_and_wait

TAG_SETS = "tag_set_id,course_id,set_name,status"


@pytest.fixture
async def course_id(sis: SisSpec, objects: Objects) -> int:
    """Canvas's before(:once): accounts A001 and A002, courses C001 (in A001) and C002 (in A002)."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status",
                                       "A001,,Test Diff Tags,active", "A002,,No Diff Tags,active")
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,status,account_id",
                                       "C001,C1,Course1,active,A001", "C002,C2,Course2,active,A002")
    return objects.course("C001")["id"]


async def tag_set(reads: Reads, sis_id: str) -> dict[str, Any]:
    return await reads.get(f"/api/v1/group_categories/sis_group_category_id:{sis_id}")


def state(objects: Objects, sis_id: str) -> str:
    return objects.get("group_categories", sis_source_id=sis_id)["workflow_state"]


async def test_skips_bad_content(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: "skips bad content".

    Without its last row (TS008 in C002, refused in Canvas with "Differentiation Tags are not
    enabled for Account ..."): every account allows tags here."""
    before_count = objects.count("group_categories")
    importer = await sis.process_csv_data(
        TAG_SETS,
        "TS001,C001,Tag Set 1,active",
        "TS002,C001,Tag Set 2,blerged",
        "TS003,C001,,active",
        "TS004,,Tag Set 4,active",
        ",C001,Tag Set 6,active",
        "TS007,C003,Tag Set 7,active")
    assert importer.messages == [
        'Improper status "blerged" for differentiation tag set TS002, skipping',
        "No name given for differentiation tag set TS003",
        "No course_id given for differentiation tag set TS004",
        "No sis_id given for a differentiation tag set",
        'Course with id "C003" didn\'t exist for differentiation tag set TS007',
    ]
    assert objects.count("group_categories") == before_count + 1


async def test_ensures_group_category_id_is_unique(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: "ensures group_category_id is unique"."""
    await sis.process_csv_data("group_category_id,category_name,status",
                               "gc1,Some Category,active", "gc1,Other Category,active")
    assert objects.count("group_categories") == 1


async def test_creates_group_categories(sis: SisSpec, reads: Reads, objects: Objects, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: "creates group categories"."""
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C001,Tag Set 1,active", "Ts002,C001,Tag Set 2,deleted")
    found = await tag_set(reads, "Ts001")
    assert (found["context_type"], found["course_id"], found["sis_group_category_id"], found["name"],
            found["non_collaborative"]) == ("Course", course_id, "Ts001", "Tag Set 1", True)
    assert state(objects, "Ts001") == "active"
    assert state(objects, "Ts002") == "deleted"


async def test_allows_moving_tag_sets(sis: SisSpec, reads: Reads, objects: Objects, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: "allows moving tag sets"."""
    await factories.course(sis, "C003", account_id="A001")
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C001,Tag Set 1,active", "Ts002,C001,Tag Set 2,active")
    assert [(await tag_set(reads, s))["course_id"] for s in ("Ts001", "Ts002")] == [course_id, course_id]
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C003,Tag Set 1,active", "Ts002,C003,Tag Set 2,active")
    course3 = objects.course("C003")["id"]
    assert [(await tag_set(reads, s))["course_id"] for s in ("Ts001", "Ts002")] == [course3, course3]


async def test_specified_course_must_exist(sis: SisSpec, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: "specified course must exist"."""
    importer = await sis.process_csv_data(TAG_SETS, "Ts001,C004,Tag Set 1,active")
    assert importer.messages == ['Course with id "C004" didn\'t exist for differentiation tag set Ts001']


async def test_does_not_allow_moving_a_tag_set_with_tags(sis: SisSpec, reads: Reads, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: "does not allow moving a tag set with tags"."""
    # Canvas: a tag set made in the course, with a tag (here both imported).
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C001,ts1,active")
    await sis.process_csv_data_cleanly("tag_id,tag_set_id,name,status", "T001,Ts001,Tag 1,available")
    await factories.course(sis, "C003", account_id="A001")
    importer = await sis.process_csv_data(TAG_SETS, "Ts001,C003,Tag Set 1,active")
    assert importer.messages[-1] == "Cannot move differentiation tag set Ts001 because it has tags in it."
    assert (await tag_set(reads, "Ts001"))["course_id"] == course_id


async def test_deletes_and_restore_tag_sets(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: "deletes and restore tag sets"."""
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C001,Tag Set 1,active", "Ts002,C001,Tag Set 2,deleted")
    assert (state(objects, "Ts001"), state(objects, "Ts002")) == ("active", "deleted")
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C001,Tag Set 1,deleted", "Ts002,C001,Tag Set 2,active")
    assert (state(objects, "Ts001"), state(objects, "Ts002")) == ("deleted", "active")


async def test_creates_rollback_data(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: "creates rollback data"."""
    batch1 = await sis.process_csv_data_cleanly(TAG_SETS, "Ts003,C001,Tag Set 3,active")
    batch2 = await sis.process_csv_data_cleanly(TAG_SETS, "Ts003,C001,Tag Set 3,deleted")
    batch3 = await sis.process_csv_data_cleanly(TAG_SETS, "Ts003,C001,Tag Set 3,active")

    def changes(batch: Any) -> list[dict[str, Any]]:
        return objects.rows("sis_state_changes", order="object_id", sis_import_id=batch.json["id"])

    assert len([c for c in changes(batch1) if c["previous_state"] is None]) == 1
    assert len([c for c in changes(batch2) if c["new_state"] == "deleted"]) == 1
    assert len([c for c in changes(batch3) if c["new_state"] == "active"]) == 1
    progress, _ = await restore_and_wait(sis.client, batch3.json["id"])
    assert progress["workflow_state"] == "completed"
    assert state(objects, "Ts003") == "deleted"


async def test_does_not_move_a_tag_or_tag_set_when_the_tag_is_modified_without_providing_context(
        sis: SisSpec, reads: Reads, objects: Objects, course_id: int) -> None:
    """differentiation_tag_set_importer_spec.rb: tag integration: "does not move a tag or tag set
    when the tag is modified without providing context"."""
    await factories.course(sis, "c1", account_id="A001")
    await sis.process_csv_data_cleanly(TAG_SETS, "ts1,c1,ts1,active")
    await sis.process_csv_data_cleanly("tag_id,tag_set_id,name,status", "t1,ts1,t1,available")
    await sis.process_csv_data_cleanly("tag_id,name,status", "t1,t1frd,available")
    c1 = objects.course("c1")["id"]
    tag = await reads.get("/api/v1/groups/sis_group_id:t1")
    assert (tag["course_id"], tag["name"]) == (c1, "t1frd")
    assert (await tag_set(reads, "ts1"))["course_id"] == c1
