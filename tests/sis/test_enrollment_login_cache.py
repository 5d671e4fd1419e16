"""The enrollments importer's login cache keeps a live login of a live user as one packed int
(its memory bounds the import process's on a large file) and must hand back exactly the Login
it was given, whichever form it kept."""

from __future__ import annotations

from service.sis.importers.enrollments import Login, _LoginCache


def _cached(*rows: list) -> _LoginCache:
    cache = _LoginCache(10)
    cache.fill_logins([row[0] for row in rows] + ["absent"], [list(row) for row in rows])
    return cache


def test_a_live_login_is_kept_packed_and_comes_back_whole():
    cache = _cached(["u1", 7, 123_456, 0, 0, None])
    assert isinstance(cache._entries["u1"], int)
    assert cache.get("u1") == Login(7, 123_456, 0, 0, None)
    assert cache.get("absent") is None
    assert cache.missing(["u1", "absent", "other"]) == ["other"]


def test_a_deleted_login_or_user_keeps_its_login_and_flags():
    cache = _cached(["gone", 8, 9, 1, 0, "login9"], ["orphan", 10, 11, 0, 1, None])
    assert cache.get("gone") == Login(8, 9, 1, 0, "login9")
    assert cache.get("orphan") == Login(10, 11, 0, 1, None)
    assert not isinstance(cache._entries["gone"], int)


def test_a_login_id_too_large_to_pack_is_kept_as_a_login():
    big = (1 << 32) + 5
    cache = _cached(["u2", 3, big, 0, 0, None], ["u3", 1 << 40, 4, 0, 0, None])
    assert cache.get("u2") == Login(3, big, 0, 0, None)
    assert cache.get("u3") == Login(1 << 40, 4, 0, 0, None)
