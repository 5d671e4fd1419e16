"""The imported objects as a client sees them: the read endpoints, for the ported Canvas cases.

Canvas's specs look at associations (``course.enrollments``, ``user.enrollments``,
``group.group_memberships``); here the same objects are read through the API this server shares
with Canvas, every page of it. Where Canvas's association hides deleted objects the cases filter
the full lists themselves, so the states a case sees are the ones the API reports.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient

from tests.helpers import AUTH

# Every enrollment state the Enrollments API filters on: the lists below ask for all of them.
ALL_ENROLLMENT_STATES = ("active", "invited", "creation_pending", "deleted", "rejected", "completed",
                         "inactive")


class Reads:
    """GET the objects of one server, following its pagination."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def get(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        """The whole list at ``path`` (every page), or the object there."""
        url: str | None = path
        query: list[tuple[str, str]] | None = [*(params or []), ("per_page", "100")]
        found: list[Any] = []
        while url is not None:
            response = await self.client.get(url, params=query, headers=AUTH)
            body = await response.json()
            assert response.status == 200, (path, response.status, body)
            if not isinstance(body, list):
                return body
            found += body
            url, query = _next_page(response.headers.get("Link", "")), None
        return found

    async def enrollments(self, path: str, states: tuple[str, ...] = ALL_ENROLLMENT_STATES,
                          types: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The enrollments at ``path`` in ``states`` (all by default), oldest first."""
        params = [("state[]", s) for s in states] + [("type[]", t) for t in types]
        return sorted(await self.get(path, params), key=lambda e: e["id"])

    async def course_enrollments(self, course_sis_id: str, **filters: Any) -> list[dict[str, Any]]:
        return await self.enrollments(f"/api/v1/courses/sis_course_id:{course_sis_id}/enrollments", **filters)

    async def section_enrollments(self, section_sis_id: str, **filters: Any) -> list[dict[str, Any]]:
        return await self.enrollments(f"/api/v1/sections/sis_section_id:{section_sis_id}/enrollments", **filters)

    async def section_id_enrollments(self, section_id: int, **filters: Any) -> list[dict[str, Any]]:
        return await self.enrollments(f"/api/v1/sections/{section_id}/enrollments", **filters)

    async def user_enrollments(self, user: str | int, **filters: Any) -> list[dict[str, Any]]:
        """A user's enrollments; the user by SIS id (of a live login) or Canvas id."""
        reference = user if isinstance(user, int) else f"sis_user_id:{user}"
        return await self.enrollments(f"/api/v1/users/{reference}/enrollments", **filters)

    async def user(self, user_sis_id: str) -> dict[str, Any]:
        return await self.get(f"/api/v1/users/sis_user_id:{user_sis_id}")

    async def course_sections(self, course_sis_id: str) -> list[dict[str, Any]]:
        return await self.get(f"/api/v1/courses/sis_course_id:{course_sis_id}/sections")

    async def account_users(self, account_sis_id: str) -> list[dict[str, Any]]:
        return await self.get(f"/api/v1/accounts/sis_account_id:{account_sis_id}/users")

    async def group_memberships(self, group_sis_id: str, states: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The memberships of a group (``filter_states[]`` as given; Canvas's default otherwise)."""
        params = [("filter_states[]", s) for s in states]
        return sorted(await self.get(f"/api/v1/groups/sis_group_id:{group_sis_id}/memberships", params),
                      key=lambda m: m["id"])


def not_deleted(enrollments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Canvas's ``course.enrollments`` holds: every enrollment but the deleted ones."""
    return [e for e in enrollments if e["enrollment_state"] != "deleted"]


def _next_page(link: str) -> str | None:
    """The path and query of the Link header's next page (the client knows the server)."""
    for part in link.split(","):
        if 'rel="next"' in part:
            url = urlsplit(part[part.index("<") + 1:part.index(">")])
            return f"{url.path}?{url.query}"
    return None
