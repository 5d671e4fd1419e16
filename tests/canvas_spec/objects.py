"""Reading the imported objects from the server's SQLite file, for the ported Canvas cases.

The objects' read endpoints are not there yet (issue 10), so the cases look at the objects in the
database, through these few readers. ``edit_by_hand`` stands in for a change made in Canvas's UI
or API (``update_attribute`` in the specs): it writes the fields and, as Canvas does for any save
outside SIS, marks the sticky ones as stuck.
"""

from __future__ import annotations

import sqlite3
from typing import Any


class Objects:
    """Read (and hand-edit) the objects of the server's database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, table: str, order: str = "id", **where: Any) -> list[dict[str, Any]]:
        """Every row of ``table`` matching ``where`` (column = value), in ``order``."""
        clause = " AND ".join(f"{column} IS ?" for column in where) or "1"
        return [dict(row) for row in self.conn.execute(
            f"SELECT * FROM {table} WHERE {clause} ORDER BY {order}", tuple(where.values()))]

    def find(self, table: str, **where: Any) -> dict[str, Any] | None:
        """The first row matching ``where``, or None."""
        found = self.rows(table, **where)
        return found[0] if found else None

    def get(self, table: str, **where: Any) -> dict[str, Any]:
        """The one row matching ``where`` (asserting there is exactly one)."""
        found = self.rows(table, **where)
        assert len(found) == 1, (table, where, found)
        return found[0]

    def count(self, table: str, **where: Any) -> int:
        return len(self.rows(table, **where))

    def value(self, sql: str, *params: Any) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def reload(self, table: str, obj: dict[str, Any]) -> dict[str, Any]:
        return self.get(table, id=obj["id"])

    # Canvas's usual look-ups.
    def account(self, sis_id: str) -> dict[str, Any]:
        return self.get("accounts", sis_source_id=sis_id)

    def course(self, sis_id: str) -> dict[str, Any]:
        return self.get("courses", sis_source_id=sis_id)

    def section(self, sis_id: str) -> dict[str, Any]:
        return self.get("course_sections", sis_source_id=sis_id)

    def term(self, sis_id: str) -> dict[str, Any]:
        return self.get("enrollment_terms", sis_source_id=sis_id)

    def login(self, sis_user_id: str) -> dict[str, Any]:
        return self.get("pseudonyms", sis_user_id=sis_user_id)

    def user(self, sis_user_id: str) -> dict[str, Any]:
        """The user of the login whose SIS id is ``sis_user_id``."""
        return self.get("users", id=self.login(sis_user_id)["user_id"])

    def channels(self, user_id: int) -> list[dict[str, Any]]:
        """The user's communication channels, oldest first."""
        return self.rows("communication_channels", user_id=user_id)

    def add_channel(self, user_id: int, path: str, state: str = "unconfirmed") -> dict[str, Any]:
        """An e-mail channel made outside SIS (``user.communication_channels.create!``)."""
        now = self.value("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")
        cursor = self.conn.execute(
            "INSERT INTO communication_channels (user_id, path, path_type, workflow_state, created_at, updated_at)"
            " VALUES (?, ?, 'email', ?, ?, ?)", (user_id, path, state, now, now))
        self.conn.commit()
        return self.get("communication_channels", id=cursor.lastrowid)

    def edit_by_hand(self, table: str, obj_id: int, **fields: Any) -> None:
        """Change fields outside SIS: the sticky ones become stuck, as after a UI edit."""
        current = self.get(table, id=obj_id)
        assignments = dict(fields)
        if "stuck_sis_fields" in current:
            stuck = [name for name in (current["stuck_sis_fields"] or "").split(",") if name]
            # Only sticky fields are ever looked up in the list, so listing every edited one is
            # what Canvas's stuck_sis_fields holds for them.
            stuck += [name for name in fields if name not in stuck]
            assignments["stuck_sis_fields"] = ",".join(stuck)
        columns = ", ".join(f"{column} = ?" for column in assignments)
        self.conn.execute(f"UPDATE {table} SET {columns} WHERE id = ?", (*assignments.values(), obj_id))
        self.conn.commit()
