"""canvasapi 3.6.0 reads back imported group categories, groups, memberships, outcome groups,
outcome links and outcomes, every list across pages of two."""

from __future__ import annotations

import csv
import io
import time

import pytest
from canvasapi import Canvas
from canvasapi.exceptions import ResourceDoesNotExist

from service.states import OUTCOME_TERMINAL
from tests.helpers import WAIT_TIMEOUT_S
from tests.objects.test_people_and_structure import _attrs

OUTCOME_ROWS = [
    ["vendor_guid", "object_type", "title", "description", "display_name", "calculation_method",
     "calculation_int", "mastery_points", "parent_guids", "workflow_state", "ratings"],
    ["lit", "group", "Literacy", "Reading and writing", "", "", "", "", "", "", ""],
    ["read", "group", "Reading", "", "", "", "", "", "lit", "", ""],
    ["write", "group", "Writing", "", "", "", "", "", "lit", "", ""],
    ["o1", "outcome", "Finds the main idea", "Main idea", "Main idea", "decaying_average", "40", "", "read", "",
     "3", "Exceeds", "2", "Meets", "1", "Below"],
    ["o2", "outcome", "Cites evidence", "", "", "n_mastery", "2", "2", "read", "", "3", "Yes", "0", "No"],
    ["o3", "outcome", "Spells well", "", "", "highest", "", "", "write lit", "", ""],
]


def _outcomes_csv() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(OUTCOME_ROWS)
    return buffer.getvalue().encode()


@pytest.fixture(scope="module")
def outcomes(canvas: Canvas) -> Canvas:
    """The module's server after the SIS zip and an outcomes CSV into the root account."""
    account = canvas.get_account(1)
    outcome_import = account.import_outcome(io.BytesIO(_outcomes_csv()))
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while outcome_import.workflow_state not in OUTCOME_TERMINAL:
        assert time.monotonic() < deadline, outcome_import
        time.sleep(0.05)
        outcome_import = account.get_outcome_import_status(outcome_import)
    assert (outcome_import.workflow_state, outcome_import.processing_errors) == ("succeeded", [])
    return canvas


def test_group_categories_groups_and_memberships(canvas: Canvas):
    arts = canvas.get_account("ART", use_sis_id=True)
    categories = list(arts.get_group_categories(per_page=2))
    assert [c.name for c in categories] == ["Studios"]
    assert _attrs(categories[0]) == {
        "id": categories[0].id, "name": "Studios", "role": None, "self_signup": None, "group_limit": None,
        "auto_leader": None, "created_at": categories[0].created_at, "context_type": "Account",
        "account_id": arts.id, "protected": False, "allows_multiple_memberships": False, "is_member": False,
        "sis_group_category_id": "GC1", "sis_import_id": 1, "non_collaborative": False,
    }
    groups = list(arts.get_groups(per_page=2))
    assert [g.sis_group_id for g in groups] == ["G1", "G2", "G3", "G6"]  # not the deleted G4
    north = groups[0]
    assert _attrs(north) == {
        "id": north.id, "name": "Studio North", "created_at": north.created_at, "max_membership": None,
        "is_public": False, "join_level": "invitation_only", "group_category_id": categories[0].id,
        "description": None, "members_count": 3, "storage_quota_mb": 50, "context_type": "Account",
        "account_id": arts.id, "avatar_url": None, "role": None, "leader": None, "sis_group_id": "G1",
        "sis_import_id": 1, "has_submission": False, "concluded": False, "non_collaborative": False,
    }
    # Canvas shows a group's role only when it has a category.
    assert "role" not in _attrs(groups[3]) and groups[3].group_category_id is None
    members = list(north.get_memberships(per_page=2))
    ada = canvas.get_user("U1", "sis_user_id")
    assert [m.user_id for m in members][0] == ada.id and len(members) == 3  # U4's deletion hidden
    assert _attrs(members[0], "group_id") | {"group_id": members[0].group_id} == {
        "id": members[0].id, "group_id": north.id, "user_id": ada.id, "workflow_state": "accepted",
        "moderator": False, "created_at": members[0].created_at, "sis_group_id": "G1", "sis_import_id": 1,
    }
    assert [m.workflow_state for m in north.get_memberships(filter_states=["deleted"])] == ["deleted"]
    category = canvas.get_group_category(categories[0].id)
    assert [g.name for g in category.get_groups(per_page=2)] == ["Studio North", "Studio South", "Studio East"]
    assert canvas.get_group("G2", use_sis_id=True).name == "Studio South"
    with pytest.raises(ResourceDoesNotExist):
        canvas.get_group("G4", use_sis_id=True)
    course = canvas.get_course("C1", use_sis_id=True)
    assert [c.name for c in course.get_group_categories()] == ["Project Teams"]
    team = course.get_groups()[0]
    assert (team.name, team.context_type, team.course_id, team.members_count) == ("Team Red", "Course", 1, 1)


def test_root_group_subgroups_and_linked_outcomes(outcomes: Canvas):
    account = outcomes.get_account(1)
    root = account.get_root_outcome_group()
    assert (root.title, root.context_type, root.context_id, root.url) == (
        "Default Account", "Account", 1, f"/api/v1/accounts/1/outcome_groups/{root.id}")
    top = list(root.get_subgroups(per_page=2))
    assert [g.title for g in top] == ["Literacy"]
    literacy = account.get_outcome_group(top[0].id)
    base = f"/api/v1/accounts/1/outcome_groups/{literacy.id}"
    assert _attrs(literacy, "context_id", "context_type") | {"context_id": 1, "context_type": "Account"} == {
        "id": literacy.id, "title": "Literacy", "vendor_guid": "lit", "url": base,
        "subgroups_url": f"{base}/subgroups", "outcomes_url": f"{base}/outcomes", "can_edit": True,
        "import_url": f"{base}/import",
        "parent_outcome_group": {
            "id": root.id, "title": "Default Account", "vendor_guid": None, "url": root.url,
            "subgroups_url": f"{root.url}/subgroups", "outcomes_url": f"{root.url}/outcomes", "can_edit": True},
        "context_id": 1, "context_type": "Account", "description": "Reading and writing",
    }
    subgroups = list(literacy.get_subgroups(per_page=1))
    assert [g.title for g in subgroups] == ["Reading", "Writing"]
    reading = subgroups[0]
    links = list(reading.get_linked_outcomes(per_page=1))
    assert [link.outcome["title"] for link in links] == ["Cites evidence", "Finds the main idea"]
    assert links[0].outcome_group["id"] == reading.id and links[0].context_type == "Account"
    assert links[0].outcome == {
        "id": links[0].outcome["id"], "context_type": "Account", "context_id": 1, "vendor_guid": "o2",
        "display_name": None, "title": "Cites evidence", "url": f"/api/v1/outcomes/{links[0].outcome['id']}",
        "can_edit": True, "has_updateable_rubrics": False}
    assert [link.outcome["title"] for link in literacy.get_linked_outcomes()] == ["Spells well"]
    everywhere = list(account.get_all_outcome_links_in_context(per_page=2))
    assert sorted(link.outcome["vendor_guid"] for link in everywhere) == ["o1", "o2", "o3", "o3"]
    assert len(list(account.get_outcome_groups_in_context(per_page=2))) == 4  # root and three groups


def test_an_outcome_with_its_rubric(outcomes: Canvas):
    reading = next(g for g in outcomes.get_account(1).get_outcome_groups_in_context() if g.title == "Reading")
    link = next(link for link in reading.get_linked_outcomes() if link.outcome["vendor_guid"] == "o1")
    outcome = outcomes.get_outcome(link.outcome["id"])
    assert _attrs(outcome) == {
        "id": outcome.id, "context_type": "Account", "context_id": 1, "vendor_guid": "o1",
        "display_name": "Main idea", "title": "Finds the main idea", "url": f"/api/v1/outcomes/{outcome.id}",
        "can_edit": True, "has_updateable_rubrics": False, "description": "Main idea",
        "friendly_description": None,
        "calculation_method": "decaying_average", "calculation_int": 40, "points_possible": 3.0,
        "mastery_points": 3.0, "ratings": [{"description": "Exceeds", "points": 3.0},
                                           {"description": "Meets", "points": 2.0},
                                           {"description": "Below", "points": 1.0}],
        "assessed": False,
    }
    highest = next(link for link in outcomes.get_account(1).get_all_outcome_links_in_context()
                   if link.outcome["vendor_guid"] == "o3")
    assert "calculation_int" not in vars(outcomes.get_outcome(highest.outcome["id"]))


def test_a_course_root_group_is_created_on_first_read(canvas: Canvas):
    course = canvas.get_course("C3", use_sis_id=True)
    root = course.get_root_outcome_group()
    assert (root.title, root.context_type, root.context_id) == ("Physics", "Course", course.id)
    assert course.get_root_outcome_group().id == root.id
    assert list(root.get_subgroups()) == []
