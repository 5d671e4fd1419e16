"""A corpus of hostile and clumsy requests against a real server (issue 9).

Each shape must be answered 4xx with a Canvas JSON body (or ignored, as Canvas ignores it): never
a 500, never a traceback or a path of the server's disk; afterwards the server still answers
``/health`` and the data directory holds no file that no row references.
"""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import orjson
import pytest
from aiohttp.test_utils import TestClient

from service.settings import Settings
from tests.helpers import TOKEN, USERS_CSV
from tests.rawhttp import raw_request

AUTH_LINE = f"Authorization: Bearer {TOKEN}".encode()
SIS = "/api/v1/accounts/1/sis_imports"
HUGE = "99999999999999999999"
BAD_IDS = {
    "huge": HUGE,
    "negative": "-1",
    "arabic-indic": "%D9%A1%D9%A2",  # "١٢": str.isdigit() says yes
    "superscript": "%C2%B2",  # "²": isdigit() yes, int() no
    "past-int64": "9223372036854775808",
}
ID_PATHS = {
    "account": ("GET", "/api/v1/accounts/{}"),
    "course": ("GET", "/api/v1/courses/{}"),
    "account-imports": ("GET", "/api/v1/accounts/{}/sis_imports"),
    "sis-account": ("GET", "/api/v1/accounts/sis_account_id:{}/sis_imports"),
    "sis-course": ("GET", "/api/v1/courses/sis_course_id:{}"),
    "import": ("GET", SIS + "/{}"),
    "import-errors": ("GET", SIS + "/{}/errors"),
    "abort": ("PUT", SIS + "/{}/abort"),
    "account-errors": ("GET", "/api/v1/accounts/{}/sis_import_errors"),
    "outcome-import": ("GET", "/api/v1/accounts/1/outcome_imports/{}"),
    "outcome-groups": ("GET", "/api/v1/accounts/1/outcome_imports/{}/created_group_ids"),
    "course-outcome": ("GET", "/api/v1/courses/{}/outcome_imports/1"),
    "outcome-group-post": ("POST", "/api/v1/accounts/1/outcome_imports/group/{}"),
    "download": ("GET", "/files/{}/download?verifier=x"),
}


def _request(method: str, target: str, *headers: bytes, body: bytes = b"") -> tuple[bytes, bytes]:
    lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: 127.0.0.1", AUTH_LINE, *headers]
    if body or method in ("POST", "PUT"):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines), body


def _multipart(parts: list[bytes], boundary: bytes = b"xyzzy", end: bool = True) -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return body + (b"--" + boundary + b"--\r\n" if end else b"")


def _file_part(filename: bytes, content: bytes = USERS_CSV.encode()) -> bytes:
    return (b'Content-Disposition: form-data; name="attachment"; filename="' + filename + b'"\r\n'
            b"Content-Type: text/csv\r\n\r\n" + content)


def _field(name: str, value: str) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode()


MULTIPART = b"Content-Type: multipart/form-data; boundary=xyzzy"
CORPUS: dict[str, tuple[bytes, bytes]] = {}
for path_name, (method, template) in ID_PATHS.items():
    for id_name, value in BAD_IDS.items():
        CORPUS[f"id-{path_name}-{id_name}"] = _request(method, template.format(value))
for name, query in {
    "page-huge": f"page={HUGE}", "page-int64": "page=9223372036854775807", "page-negative": "page=-3",
    "per-page-zero": "per_page=0", "per-page-huge": f"per_page={HUGE}",
    "per-page-float": "per_page=1e999", "page-unicode": "page=%D9%A1",
}.items():
    CORPUS[f"{name}-imports"] = _request("GET", f"{SIS}?{query}")
    CORPUS[f"{name}-errors"] = _request("GET", f"/api/v1/accounts/1/sis_import_errors?{query}")
for name, value in {"garbage": "yesterday", "year-zero": "0000-00-00T00:00:00Z",
                    "far-future": "99999-12-31T00:00:00Z", "huge-number": HUGE,
                    "overflow-offset": "2020-01-01T00:00:00+99:00", "nul": "2020%00"}.items():
    CORPUS[f"date-{name}"] = _request("GET", f"{SIS}?created_since={value}&created_before={value}")
for name, value in {"huge": "1" + "0" * 30, "float-overflow": "1e999", "nan": "nan",
                    "inf": "inf", "negative-huge": "-" + HUGE}.items():
    CORPUS[f"change-threshold-{name}"] = _request(
        "POST", f"{SIS}?import_type=instructure_csv&multi_term_batch_mode=1&batch_mode=1"
                f"&change_threshold={value}", b"Content-Type: text/csv", body=USERS_CSV.encode())
    CORPUS[f"diff-rows-{name}"] = _request(
        "POST", f"{SIS}?diff_row_count_threshold={value}", b"Content-Type: text/csv",
        body=USERS_CSV.encode())
for name, value in {"traversal": "../../x", "slash": "a/b", "space": "c%20sv", "nul": "csv%00",
                    "long": "z" * 300, "dot-only": "."}.items():
    CORPUS[f"extension-query-{name}"] = _request(
        "POST", f"{SIS}?extension={value}", b"Content-Type: text/csv", body=USERS_CSV.encode())
    CORPUS[f"extension-form-{name}"] = _request(
        "POST", SIS, MULTIPART, body=_multipart([
            _field("extension", value.replace("%20", " ").replace("%00", "\0")),
            _file_part(b"data")]))
CORPUS.update({
    "multipart-no-boundary": _request("POST", SIS, b"Content-Type: multipart/form-data",
                                      body=_multipart([_file_part(b"users.csv")])),
    "multipart-unterminated": _request("POST", SIS, MULTIPART,
                                       body=_multipart([_file_part(b"users.csv")], end=False)),
    "multipart-garbage": _request("POST", SIS, MULTIPART, body=b"this is not multipart at all"),
    "multipart-long-filename": _request("POST", SIS, MULTIPART,
                                        body=_multipart([_file_part(b"u" * 9000 + b".csv")])),
    "multipart-non-utf8-filename": _request("POST", SIS, MULTIPART,
                                            body=_multipart([_file_part(b"\xff\xfe\xe9.csv")])),
    "multipart-bad-option-after-file": _request("POST", SIS, MULTIPART, body=_multipart([
        _file_part(b"users.csv"), _field("diffing_drop_status", "bogus")])),
    "multipart-bad-import-type-after-file": _request("POST", SIS, MULTIPART, body=_multipart([
        _file_part(b"users.csv"), _field("import_type", "bogus")])),
    "outcome-multipart-unterminated": _request(
        "POST", "/api/v1/accounts/1/outcome_imports", MULTIPART,
        body=_multipart([_file_part(b"outcomes.csv")], end=False)),
    "gzip-on-plain-bytes": _request("POST", SIS, b"Content-Type: text/csv",
                                    b"Content-Encoding: gzip", body=USERS_CSV.encode()),
    "deflate-on-gzip": _request("POST", SIS, b"Content-Type: text/csv",
                                b"Content-Encoding: deflate", body=gzip.compress(b"x")),
    "empty-raw-upload": _request("POST", SIS, b"Content-Type: text/csv"),
    "empty-multipart-file": _request("POST", SIS, MULTIPART,
                                     body=_multipart([_file_part(b"users.csv", b"")])),
    "outcome-empty-upload": _request("POST", "/api/v1/accounts/1/outcome_imports",
                                     b"Content-Type: text/csv"),
    "json-body-garbage": _request("PUT", SIS + "/1/abort", b"Content-Type: application/json",
                                  body=b"{not json"),
    "form-body-non-utf8": _request("PUT", SIS + "/abort_all_pending",
                                   b"Content-Type: application/x-www-form-urlencoded",
                                   body=b"a=%ff%fe"),
})
# Headers that are not UTF-8 (a Latin-1 client, or garbage).
CORPUS["authorization-non-utf8"] = (
    b"GET " + SIS.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \xff\xfe\xe9",
    b"")
CORPUS["authorization-bare-scheme"] = (
    b"GET " + SIS.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer", b"")
CORPUS["query-token-non-utf8"] = (
    b"GET " + SIS.encode() + b"?access_token=%ff%fe HTTP/1.1\r\nHost: 127.0.0.1", b"")
CORPUS["accept-non-utf8"] = _request("GET", SIS, b"Accept: \xff\xfeapplication/json")
# aiohttp's HTTP parser answers these itself, in plain text, before any of our code runs; it
# offers no hook to change that answer (RequestHandler.handle_error is fixed by web.Server).
AIOHTTP_OWN_ANSWERS = {
    "brotli-on-plain-bytes": _request("POST", SIS, b"Content-Type: text/csv",
                                      b"Content-Encoding: br", body=USERS_CSV.encode()),
    "url-over-8k": _request("GET", SIS + "?q=" + "x" * 9000),
    "header-over-8k": _request("GET", SIS, b"X-Long: " + b"y" * 9000),
}
CORPUS.update(AIOHTTP_OWN_ANSWERS)


def _referenced_files(settings: Settings) -> set[Path]:
    conn = sqlite3.connect(settings.database_path)
    try:
        return {settings.data_dir / row[0] for row in conn.execute("SELECT path FROM files")}
    finally:
        conn.close()


def assert_no_orphans(settings: Settings) -> None:
    """Every file under uploads/ and files/ belongs to a row."""
    on_disk = {p for d in (settings.uploads_dir, settings.files_dir) if d.exists()
               for p in d.rglob("*") if p.is_file()}
    assert on_disk <= _referenced_files(settings), on_disk - _referenced_files(settings)


@pytest.mark.parametrize("shape", sorted(CORPUS))
async def test_bad_request_is_answered_cleanly(shape: str, client: TestClient,
                                               settings: Settings) -> None:
    head, body = CORPUS[shape]
    response = await raw_request(client, head, body)
    assert response.status < 500, (response.status, response.body)
    text = response.body.decode("utf-8", errors="replace")
    assert "Traceback" not in text
    assert str(settings.data_dir.resolve().parent) not in text
    if shape in AIOHTTP_OWN_ANSWERS:
        assert response.status == 400
    elif response.status >= 400:
        assert response.headers["content-type"].startswith("application/json"), response.headers
        orjson.loads(response.body)
    health = await client.get("/health")
    assert health.status == 200
    assert_no_orphans(settings)
