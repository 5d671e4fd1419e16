"""Canvas's spec/lib/sis/csv/differentiation_tag_importer_spec.rb, against this server.

Ported from instructure/canvas-lms@eaff9b0. As in the tag set spec, Canvas's account A002 that
refuses differentiation tags cannot exist here (every account allows them, docs/decisions.md):
the rows only its refusal explains are left out, as noted. Tags are groups flagged
non-collaborative; a deleted one is shown by no endpoint, so the cases read tags from the
database, and live ones through the Groups API where that says it.
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


def tags(objects: Objects) -> list[dict[str, Any]]:
    """Canvas's Group.non_collaborative.order(:id)."""
    return objects.rows("groups", non_collaborative=1)


async def test_skips_bad_content(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: "skips bad content".

    Without its last row (T008 in C002, refused in Canvas with "Differentiation Tags are not
    enabled for Account ..."): every account allows tags here."""
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C001,Tag Set 1,active", "Ts002,C001,Tag Set 2,active")
    before_count = objects.count("groups")
    importer = await sis.process_csv_data(
        "tag_id,tag_set_id,course_id,name,status",
        "T001,,C001,Tag 1,available",
        "T001,,invalid,Tag 1,available",
        "T002,,C001,Tag 1,blerged",
        "T003,,C001,,available",
        ",,C001,T1,available,",
        "T006,invalid,C001,Tag 6,available",
        "T007,invalid,,Tag7,available")
    assert importer.messages == [
        "Course with sis id invalid didn't exist for differentiation tag T001.",
        'Improper status "blerged" for differentiation tag T002.',
        "No name given for differentiation tag T003.",
        "No tag_id given for a differentiation tag.",
        "Differentiation Tag Set invalid didn't exist in course C001 for differentiation tag T006.",
        "Differentiation Tag Set invalid didn't exist for differentiation tag T007.",
    ]
    assert objects.count("groups") == before_count + 1


async def test_creates_tags(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: "creates tags"."""
    await sis.process_csv_data_cleanly("tag_id,tag_set_id,course_id,name,status",
                                       "T001,,C001,Tag 1,available", "T002,,C001,Tag 2,deleted")
    found = tags(objects)
    assert [t["context_id"] for t in found] == [course_id, course_id]
    assert [t["sis_source_id"] for t in found] == ["T001", "T002"]
    assert [t["name"] for t in found] == ["Tag 1", "Tag 2"]
    assert [t["workflow_state"] for t in found] == ["available", "deleted"]


async def test_creates_tags_within_given_tag_set_id(sis: SisSpec, reads: Reads, objects: Objects,
                                                    course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: "creates tags within given tag_set_id"."""
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C001,Tag Set 1,active")
    await sis.process_csv_data_cleanly("tag_id,tag_set_id,name,status", "T001,Ts001,Tag 1,available")
    found = await reads.get(f"/api/v1/courses/{course_id}/groups", [("collaboration_state", "non_collaborative")])
    assert [(t["course_id"], t["sis_group_id"], t["name"]) for t in found] == [(course_id, "T001", "Tag 1")]
    assert [t["workflow_state"] for t in tags(objects)] == ["available"]


async def test_creates_rollback_data(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: "creates rollback data"."""
    batch1 = await sis.process_csv_data_cleanly("tag_id,course_id,name,status", "T001,C001,Tag 1,available")
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,email,status",
                                       "U001,user1,User,Uno,user@example.com,active")
    await factories.enrollment(sis, "C001", "U001")  # Canvas: @course.enroll_student
    await sis.process_csv_data_cleanly("tag_id,user_id,status", "T001,U001,accepted")
    batch3 = await sis.process_csv_data_cleanly("tag_id,name,status", "T001,Troup 1,deleted")

    def changes(batch: Any) -> list[dict[str, Any]]:
        return objects.rows("sis_state_changes", order="object_type, object_id", sis_import_id=batch.json["id"])

    assert len([c for c in changes(batch1) if c["previous_state"] is None and c["object_type"] == "Group"]) == 1
    # Canvas counts 2, the tag and its membership: it leaves the single tag's set as it was and
    # gives the tag a new set, deleted. Here the tag keeps its one set, deleted with it (and
    # restored with it): a third record (docs/decisions.md).
    deleted = [c for c in changes(batch3) if c["new_state"] == "deleted"]
    assert sorted(c["object_type"] for c in deleted) == ["Group", "GroupCategory", "GroupMembership"]
    progress, _ = await restore_and_wait(sis.client, batch3.json["id"])
    assert progress["workflow_state"] == "completed"
    tag = objects.get("groups", sis_source_id="T001")
    assert tag["workflow_state"] == "available"
    assert objects.get("group_categories", id=tag["group_category_id"])["workflow_state"] == "active"


async def test_updates_tag_attributes(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: "updates tag attributes"."""
    await sis.process_csv_data_cleanly("tag_id,course_id,name,status",
                                       "T001,C001,Tag 1,available", "T002,C001,Tag 2,available")
    assert len(tags(objects)) == 2
    objects.edit_by_hand("groups", objects.get("groups", sis_source_id="T001")["id"], name="Tag 1-1")
    await sis.process_csv_data_cleanly("tag_id,course_id,name,status",
                                       "T001,C001,Tag 1-b,available", "T002,C001,Tag 2-b,deleted")
    # tag 1's name won't change because it was manually changed
    found = tags(objects)
    assert [t["name"] for t in found] == ["Tag 1-1", "Tag 2-b"]
    assert [(t["context_type"], t["context_id"]) for t in found] == [("Course", course_id)] * 2
    assert [t["workflow_state"] for t in found] == ["available", "deleted"]


async def test_uses_tag_set_id_and_set_sis_id(sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: "uses tag_set_id and set sis_id"."""
    await sis.process_csv_data_cleanly(TAG_SETS, "Ts001,C001,Tag Set 1,active", "Ts002,C001,Tag Set 2,active")
    await sis.process_csv_data_cleanly("tag_id,tag_set_id,name,status",
                                       "T001,Ts001,Tag 1,available", "T002,Ts002,Tag 2,available")
    found = [objects.get("groups", sis_source_id=s) for s in ("T001", "T002")]
    assert [t["context_id"] for t in found] == [course_id, course_id]
    assert [t["group_category_id"] for t in found] == [
        c["id"] for c in objects.rows("group_categories", non_collaborative=1)]


async def test_does_not_allow_changing_course_id_with_tag_memberships(
        sis: SisSpec, objects: Objects, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: "does not allow changing course_id with tag memberships"."""
    await factories.course(sis, "c003", account_id="A001")
    await factories.course(sis, "c004", account_id="A001")
    await sis.process_csv_data_cleanly(TAG_SETS, "TS1,c003,Tag Set 1,active")
    await sis.process_csv_data_cleanly("tag_id,tag_set_id,name,status", "T001,TS1,Tag 1,available")
    # Canvas: tag.group_memberships.create!(user: user_model); a membership is imported here, and
    # an import needs the user enrolled in the tag's course.
    await factories.user(sis, "U001")
    await factories.enrollment(sis, "c003", "U001")
    await sis.process_csv_data_cleanly("tag_id,user_id,status", "T001,U001,accepted")
    importer = await sis.process_csv_data("tag_id,course_id,name,status", "T001,c004,Tag 1,available")
    assert importer.messages[-1] == \
        "Cannot move differentiation tag T001 because it has differentiation_tag_memberships."
    assert objects.get("groups", sis_source_id="T001")["context_id"] == objects.course("c003")["id"]


async def test_does_not_update_the_tag_set_when_a_tag_with_a_matching_tag_set_and_context_id_is_created(
        sis: SisSpec, reads: Reads, objects: Objects, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: tag_set integration: "does not update the tag_set when
    a tag with a matching tag_set and context_id is created"."""
    await factories.course(sis, "c001", account_id="A001")
    await sis.process_csv_data_cleanly(TAG_SETS, "ts001,c001,Tag Set 1,active")
    c001 = objects.course("c001")["id"]
    assert (await reads.get("/api/v1/group_categories/sis_group_category_id:ts001"))["course_id"] == c001
    await sis.process_csv_data("tag_id,tag_set_id,course_id,name,status", "t001,ts001,c001,Tag 1,available")
    assert (await reads.get("/api/v1/group_categories/sis_group_category_id:ts001"))["course_id"] == c001


async def test_creates_a_single_tag_when_a_tag_set_id_is_not_provided(
        sis: SisSpec, reads: Reads, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: tag_set integration: "creates a single tag when a
    tag_set_id is not provided"."""
    await factories.course(sis, "c001", account_id="A001")
    await sis.process_csv_data("tag_id,tag_set_id,course_id,name,status", "t001,,c001,Tag 1,available")
    tag = await reads.get("/api/v1/groups/sis_group_id:t001")
    category = await reads.get(f"/api/v1/group_categories/{tag['group_category_id']}")
    assert category["name"] == tag["name"] == "Tag 1"


async def test_updates_the_context_id_of_tag_set_to_match_the_course_for_an_existing_tag(
        sis: SisSpec, reads: Reads, objects: Objects, course_id: int) -> None:
    """differentiation_tag_importer_spec.rb: tag_set integration: "updates the context_id of
    tag_set to match the course for an existing tag"."""
    await factories.course(sis, "c001", account_id="A001")
    await factories.course(sis, "c002", account_id="A001")
    rows = ("tag_id,tag_set_id,course_id,name,status", "t001,,c001,Tag 1,available")
    # Canvas: a tag set "Tag 1" with the tag t001, made in the course (here by the import itself).
    await sis.process_csv_data(*rows)
    tag = await reads.get("/api/v1/groups/sis_group_id:t001")
    # Canvas: tag_set.update_attribute(:context_id, course2.id)
    objects.edit_by_hand("group_categories", tag["group_category_id"], context_id=objects.course("c002")["id"])
    await sis.process_csv_data(*rows)
    category = objects.get("group_categories", id=tag["group_category_id"])
    assert category["context_id"] == objects.course("c001")["id"]
