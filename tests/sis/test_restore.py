"""restore_states end to end: objects an import changed go back, in scope, and the strand holds.

Canvas's restore cases of spec/models/sis_batch_spec.rb, ported one test per ``it``, plus our own.
"""

from __future__ import annotations

import sqlite3

from service.store.progresses import claim_next_restore
from service.store.sis_imports import claim_next_sis_import
from tests.helpers import import_and_wait, make_zip, restore_and_wait

COURSES = "course_id,short_name,long_name,status\nc1,C1,Course One,active\nc2,C2,Course Two,active\n"
USERS = "user_id,login_id,full_name,email,status\nu1,alice,Alice,alice@example.com,active\nu2,bob,Bob,,active\n"
ENROLL = "course_id,user_id,role,status\nc1,u1,student,active\nc1,u2,teacher,active\n"


def states(database: sqlite3.Connection, sql: str) -> dict[str, str]:
    return {row[0]: row[1] for row in database.execute(sql)}


def logins(database: sqlite3.Connection) -> dict[str, str]:
    return states(database, "SELECT sis_user_id, workflow_state FROM pseudonyms")


def courses(database: sqlite3.Connection) -> dict[str, str]:
    return states(database, "SELECT sis_source_id, workflow_state FROM courses")


def enrollments(database: sqlite3.Connection) -> dict[str, str]:
    return states(database, "SELECT p.sis_user_id, e.workflow_state FROM enrollments e"
                            " JOIN pseudonyms p ON p.user_id = e.user_id")


async def test_restores_scores_when_restoring_enrollments(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: "restores scores when restoring enrollments" — an
    enrollment an import deleted is active again after restore_states_for_batch. (This server
    keeps no submissions or scores, so the part of the case about them has nothing to check.)"""
    await import_and_wait(client, make_zip({"courses.csv": COURSES, "users.csv": USERS,
                                            "enrollments.csv": ENROLL}), "setup.zip")
    deleting = await import_and_wait(client, "course_id,user_id,role,status,section_id\nc1,u1,student,deleted,\n",
                                     "enrollments.csv")
    assert enrollments(database)["u1"] == "deleted"
    progress, restored = await restore_and_wait(client, deleting["id"])
    assert (progress["workflow_state"], restored["workflow_state"]) == ("completed", "restored")
    assert enrollments(database) == {"u1": "active", "u2": "active"}
    assert restored["data"]["statistics"]["Enrollment"]["restored"] == 1


async def test_restore_of_an_import_that_created_updated_and_deleted_objects(client, database: sqlite3.Connection) -> None:
    """Ours: everything the import changed goes back to its earlier state — created objects are
    deleted (e-mail channels retired), deleted ones come back, concluded ones are active again,
    objects it only edited keep their state — and statistics count the restored records."""
    setup = await import_and_wait(client, make_zip({"courses.csv": COURSES, "users.csv": USERS,
                                                    "enrollments.csv": ENROLL}), "setup.zip")
    assert setup["workflow_state"] == "imported"
    changes = make_zip({
        "courses.csv": "course_id,short_name,long_name,status\nc1,C1,Renamed,active\nc2,C2,Course Two,deleted\n"
                       "c3,C3,Course Three,active\n",
        "users.csv": "user_id,login_id,full_name,email,status\nu2,bob,Bob,,deleted\n"
                     "u3,carol,Carol,carol@example.com,active\n",
        "enrollments.csv": "course_id,user_id,role,status\nc1,u1,student,completed\nc3,u3,student,active\n",
    })
    changing = await import_and_wait(client, changes, "changes.zip")
    assert changing["workflow_state"] == "imported", changing.get("processing_warnings")
    assert courses(database) == {"c1": "claimed", "c2": "deleted", "c3": "claimed"}
    assert logins(database) == {"u1": "active", "u2": "deleted", "u3": "active"}
    # Deleting u2's last login took its enrollment with it (section 9.2).
    assert enrollments(database) == {"u1": "completed", "u2": "deleted", "u3": "active"}
    recorded = database.execute("SELECT count(*) FROM sis_state_changes WHERE sis_import_id = ?",
                                (changing["id"],)).fetchone()[0]

    progress, restored = await restore_and_wait(client, changing["id"])

    assert (progress["workflow_state"], progress["completion"]) == ("completed", 100.0)
    assert restored["workflow_state"] == "restored"
    assert courses(database) == {"c1": "claimed", "c2": "claimed", "c3": "deleted"}
    assert database.execute("SELECT name FROM courses WHERE sis_source_id = 'c1'").fetchone()[0] == "Renamed"
    assert logins(database) == {"u1": "active", "u2": "active", "u3": "deleted"}
    assert enrollments(database) == {"u1": "active", "u2": "active", "u3": "deleted"}
    assert states(database, "SELECT path, workflow_state FROM communication_channels")[
        "carol@example.com"] == "retired"
    statistics = restored["data"]["statistics"]
    assert statistics["Course"]["restored"] == 2
    assert statistics["Pseudonym"]["restored"] == 2
    assert statistics["Enrollment"]["restored"] == 3
    assert statistics["CommunicationChannel"]["restored"] == 1
    assert sum(entry["restored"] for key, entry in statistics.items()
               if key != "total_state_changes") == recorded
    left = database.execute("SELECT count(*) FROM sis_state_changes WHERE sis_import_id = ?"
                            " AND workflow_state <> 'restored'", (changing["id"],)).fetchone()[0]
    assert left == 0


async def test_undelete_only_restores_only_what_the_import_deleted(client, database: sqlite3.Connection) -> None:
    """restore_states_for_batch with undelete_only: records whose new state is deleted or
    retired; the import ends partially_restored."""
    await import_and_wait(client, COURSES, "courses.csv")
    changing = await import_and_wait(
        client, "course_id,short_name,long_name,status\nc1,C1,One,deleted\nc2,C2,Two,completed\n"
                "c3,C3,Three,active\n", "courses.csv")
    _, restored = await restore_and_wait(client, changing["id"], undelete_only="true")
    assert restored["workflow_state"] == "partially_restored"
    assert courses(database) == {"c1": "claimed", "c2": "completed", "c3": "claimed"}
    assert restored["data"]["statistics"]["Course"]["restored"] == 1


async def test_unconclude_only_restores_only_what_the_import_concluded(client, database: sqlite3.Connection) -> None:
    """restore_states_for_batch with unconclude_only: records whose new state is completed."""
    await import_and_wait(client, COURSES, "courses.csv")
    changing = await import_and_wait(
        client, "course_id,short_name,long_name,status\nc1,C1,One,deleted\nc2,C2,Two,completed\n",
        "courses.csv")
    _, restored = await restore_and_wait(client, changing["id"], unconclude_only="1")
    assert restored["workflow_state"] == "partially_restored"
    assert courses(database) == {"c1": "deleted", "c2": "claimed"}


async def test_batch_mode_restores_only_batch_mode_deletions(client, database: sqlite3.Connection) -> None:
    """restore_states_for_batch with batch_mode: only records batch-mode cleanup wrote
    (batch_mode_delete), here set on one of the import's records as cleanup writes it."""
    await import_and_wait(client, COURSES, "courses.csv")
    changing = await import_and_wait(
        client, "course_id,short_name,long_name,status\nc1,C1,One,deleted\nc2,C2,Two,deleted\n",
        "courses.csv")
    c2 = database.execute("SELECT id FROM courses WHERE sis_source_id = 'c2'").fetchone()[0]
    with database:
        database.execute("UPDATE sis_state_changes SET batch_mode_delete = 1 WHERE sis_import_id = ?"
                         " AND object_type = 'Course' AND object_id = ?", (changing["id"], c2))
    _, restored = await restore_and_wait(client, changing["id"], batch_mode="true")
    assert restored["workflow_state"] == "partially_restored"
    assert courses(database) == {"c1": "deleted", "c2": "claimed"}


async def test_a_restore_that_would_break_a_unique_login_fails_that_record_only(client, database: sqlite3.Connection) -> None:
    """SisBatch#restore_workflow_states: rows retried one at a time on a uniqueness conflict; the
    offending record fails with Canvas's "Couldn't rollback SIS batch data for row" warning."""
    await import_and_wait(client, "user_id,login_id,status\nu1,alice,active\nu2,bob,active\n")
    deleting = await import_and_wait(client, "user_id,login_id,status\nu1,alice,deleted\nu2,bob,deleted\n")
    taken = await import_and_wait(client, "user_id,login_id,status\nu9,alice,active\n")
    assert taken["workflow_state"] == "imported", taken.get("processing_warnings")
    progress, restored = await restore_and_wait(client, deleting["id"])
    assert progress["workflow_state"] == "completed"
    assert logins(database) == {"u1": "deleted", "u2": "active", "u9": "active"}
    u1 = database.execute("SELECT id FROM pseudonyms WHERE sis_user_id = 'u1'").fetchone()[0]
    assert restored["processing_warnings"] == [[None, (
        f'Couldn\'t rollback SIS batch data for row - #<SisBatchRollBackData sis_batch_id:'
        f' {deleting["id"]}, context_type: "Pseudonym", context_id: {u1}, previous_workflow_state:'
        f' "active", updated_workflow_state: "deleted", batch_mode_delete: false, workflow_state:'
        f' "active">')]]
    failed = database.execute("SELECT workflow_state FROM sis_state_changes WHERE sis_import_id = ?"
                              " AND object_id = ? AND object_type = 'Pseudonym'",
                              (deleting["id"], u1)).fetchone()[0]
    assert failed == "failed"
    assert restored["data"]["statistics"]["Pseudonym"]["restored"] == 1


def test_restores_and_imports_of_an_account_share_one_strand_in_request_order(tmp_path) -> None:
    """A restore waits for the account's imports created before it was asked for, and an import
    created after a restore request waits for that restore: one strand, in order."""
    from tests.sis.helpers import NOW, fresh_database

    with fresh_database(tmp_path / "strand.sqlite") as conn:
        def add_import(created_at: str) -> int:
            conn.execute("INSERT INTO files (uuid, display_name, content_type, size, path,"
                         " created_at, updated_at) VALUES ('u', 'f', 'text/csv', 0, 'p', ?, ?)",
                         (NOW, NOW))
            file_id = conn.execute("SELECT max(id) FROM files").fetchone()[0]
            return conn.execute(
                "INSERT INTO sis_imports (account_id, workflow_state, created_at, updated_at,"
                " upload_file_id, options, data) VALUES (1, 'created', ?, ?, ?, '{}', '{}')",
                (created_at, created_at, file_id)).lastrowid

        def add_restore(created_at: str, import_id: int) -> int:
            return conn.execute(
                "INSERT INTO progresses (context_type, context_id, account_id, tag, workflow_state,"
                " created_at, updated_at) VALUES ('SisBatch', ?, 1, 'sis_batch_state_restore',"
                " 'queued', ?, ?)", (import_id, created_at, created_at)).lastrowid

        first = add_import("2024-01-01T00:00:00Z")
        restore = add_restore("2024-01-01T00:00:01Z", first)
        second = add_import("2024-01-01T00:00:02Z")
        now = "2024-01-01T00:01:00Z"
        assert claim_next_restore(conn, set(), now) is None  # the older import goes first
        assert claim_next_sis_import(conn, set(), now)["id"] == first
        assert claim_next_restore(conn, {1}, now) is None  # the strand is busy
        conn.execute("UPDATE sis_imports SET workflow_state = 'imported' WHERE id = ?", (first,))
        assert claim_next_sis_import(conn, set(), now) is None  # the restore was asked for first
        assert claim_next_restore(conn, set(), now)["id"] == restore
        conn.execute("UPDATE progresses SET workflow_state = 'completed' WHERE id = ?", (restore,))
        assert claim_next_sis_import(conn, set(), now)["id"] == second


async def test_restores_linked_observers_when_restoring_enrollments(client, database: sqlite3.Connection) -> None:
    """spec/models/sis_batch_spec.rb: "restores linked observers when restoring enrollments" —
    the observer's enrollment, deleted with its student's, comes back with it."""
    await import_and_wait(client, make_zip({
        "courses.csv": "course_id,short_name,long_name,status\nc1,C1,One,active\n",
        "users.csv": "user_id,login_id,status\nu1,student,active\no1,observer,active\n",
        "user_observers.csv": "observer_id,student_id,status\no1,u1,active\n",
        "enrollments.csv": "course_id,user_id,role,status,section_id\nc1,u1,student,active,\n",
    }), "setup.zip")
    observer_enrollment = "SELECT e.workflow_state FROM enrollments e JOIN pseudonyms p ON p.user_id = e.user_id WHERE p.sis_user_id = 'o1'"
    assert database.execute(observer_enrollment).fetchone()[0] == "active"
    deleting = await import_and_wait(client, "course_id,user_id,role,status,section_id\nc1,u1,student,deleted,\n",
                                     "enrollments.csv")
    assert enrollments(database)["u1"] == "deleted"
    assert database.execute(observer_enrollment).fetchone()[0] == "deleted"
    _, restored = await restore_and_wait(client, deleting["id"])
    assert restored["workflow_state"] == "restored"
    assert enrollments(database)["u1"] == "active"
    assert database.execute(observer_enrollment).fetchone()[0] == "active"
