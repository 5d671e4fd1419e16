"""Reading an import's messages back: the errors API, the error file, the CSVs received."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

from tests.helpers import AUTH, import_and_wait, make_zip

BAD_COURSES = ("course_id,short_name,long_name,status\n"
               "c1,C1,\"Long\nName\",bogus\n"
               "c2,C2,Two,active\n"
               "c3,C3,Three,nope\n")


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_errors_endpoint_lists_messages_newest_first_with_row_info(client):
    body = await import_and_wait(client, BAD_COURSES, filename="courses.csv")
    assert body["workflow_state"] == "imported_with_messages"
    assert body["data"]["counts"]["courses"] == 1
    assert body["processing_warnings"] == [
        ["courses.csv", 'Improper status "bogus" for course c1'],
        ["courses.csv", 'Improper status "nope" for course c3'],
    ]
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{body['id']}/errors",
                                headers=AUTH)
    errors = (await response.json())["sis_import_errors"]
    assert errors == [
        {"sis_import_id": body["id"], "file": "courses.csv",
         "message": 'Improper status "nope" for course c3', "row_info": "c3,C3,Three,nope",
         "row": 4},
        {"sis_import_id": body["id"], "file": "courses.csv",
         "message": 'Improper status "bogus" for course c1',
         "row_info": 'c1,C1,"Long\nName",bogus', "row": 2},
    ]
    response = await client.get(f"/api/v1/accounts/1/sis_imports/{body['id']}/errors?failure=true",
                                headers=AUTH)
    assert (await response.json()) == {"sis_import_errors": []}


async def test_account_errors_paginate_with_a_last_link_and_latest_works(client):
    first = await import_and_wait(client, BAD_COURSES, filename="courses.csv")
    second = await import_and_wait(client, make_zip({"x.csv": b"\xff"}), filename="b.zip")
    response = await client.get("/api/v1/accounts/1/sis_import_errors?per_page=2", headers=AUTH)
    page = (await response.json())["sis_import_errors"]
    assert [e["sis_import_id"] for e in page] == [second["id"], first["id"]]
    assert page[0] == {"sis_import_id": second["id"], "file": "x.csv", "message": "Invalid UTF-8",
                       "row_info": None, "row": None}
    link = response.headers["Link"]
    assert 'page=2&per_page=2>; rel="next"' in link and 'page=2&per_page=2>; rel="last"' in link
    response = await client.get("/api/v1/accounts/1/sis_import_errors?failure=1", headers=AUTH)
    assert [e["message"] for e in (await response.json())["sis_import_errors"]] == ["Invalid UTF-8"]
    response = await client.get("/api/v1/accounts/1/sis_imports/latest/errors", headers=AUTH)
    assert [e["sis_import_id"] for e in (await response.json())["sis_import_errors"]] == [second["id"]]
    response = await client.get("/api/v1/accounts/1/sis_imports/999/errors", headers=AUTH)
    assert response.status == 404


async def test_warning_lists_only_warnings_an_extension_beside_canvas_s_failure(client):
    warned = await import_and_wait(client, BAD_COURSES, filename="courses.csv")
    failed = await import_and_wait(client, make_zip({"x.csv": b"\xff"}), filename="b.zip")
    account = "/api/v1/accounts/1/sis_import_errors"
    warnings = [{"sis_import_id": warned["id"], "file": "courses.csv",
                 "message": 'Improper status "nope" for course c3', "row_info": "c3,C3,Three,nope",
                 "row": 4},
                {"sis_import_id": warned["id"], "file": "courses.csv",
                 "message": 'Improper status "bogus" for course c1',
                 "row_info": 'c1,C1,"Long\nName",bogus', "row": 2}]
    failure = {"sis_import_id": failed["id"], "file": "x.csv", "message": "Invalid UTF-8",
               "row_info": None, "row": None}
    for query, expected in (("warning=true", warnings), ("warning=1&per_page=1", warnings[:1]),
                            ("failure=true", [failure]), ("failure=false", [failure, *warnings]),
                            ("warning=false", [failure, *warnings]),
                            ("warning=true&failure=true", [])):
        response = await client.get(f"{account}?{query}", headers=AUTH)
        assert (await response.json()) == {"sis_import_errors": expected}, query
    # The filter is repeated in the Link header, and the total counts only what it keeps.
    response = await client.get(f"{account}?warning=true&per_page=1", headers=AUTH)
    link = response.headers["Link"]
    assert 'warning=true&page=2&per_page=1>; rel="last"' in link
    assert 'warning=true&page=3' not in link
    for import_id, expected in ((warned["id"], warnings), (failed["id"], [])):
        response = await client.get(f"/api/v1/accounts/1/sis_imports/{import_id}/errors?warning=true",
                                    headers=AUTH)
        assert (await response.json()) == {"sis_import_errors": expected}


async def test_error_file_downloads_only_with_its_verifier(client):
    body = await import_and_wait(client, BAD_COURSES, filename="courses.csv")
    attachment = body["errors_attachment"]
    assert attachment["display_name"] == f"sis_errors_attachment_{body['id']}.csv"
    response = await client.get(_path_of(attachment["url"]))
    assert response.status == 200
    content = await response.read()
    assert attachment["size"] == len(content)
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows == [
        ["sis_import_id", "file", "message", "row"],
        [str(body["id"]), "courses.csv", 'Improper status "bogus" for course c1', "2"],
        [str(body["id"]), "courses.csv", 'Improper status "nope" for course c3', "4"],
    ]
    for query in ("", "?verifier=wrong"):
        response = await client.get(f"/files/{attachment['id']}/download{query}")
        assert response.status == 404
        assert await response.json() == {
            "errors": [{"message": "The specified resource does not exist."}]}


async def test_csv_attachments_drop_password_columns(client):
    # The copy holds the rows as Canvas's parser reads them: header names downcased, cells
    # stripped, blank rows left out.
    users = ("User_ID, login_id ,password,ssha_password,full_name,status\n"
             " u1 ,l1,secret1,{SSHA}abc,  Ada L ,active\n"
             ",,,,,\n")
    body = await import_and_wait(client, make_zip({"people/users.csv": users}), filename="b.zip")
    (attachment,) = body["csv_attachments"]
    assert attachment["display_name"] == "users_filtered.csv"
    response = await client.get(_path_of(attachment["url"]))
    text = await response.text()
    assert text == "user_id,login_id,full_name,status\nu1,l1,Ada L,active\n"
    assert "secret1" not in text and body["data"]["downloadable_attachment_ids"] == [attachment["id"]]


async def test_courses_are_served_back_by_id_and_sis_id(client):
    await import_and_wait(client, BAD_COURSES, filename="courses.csv")
    response = await client.get("/api/v1/courses/sis_course_id:c2", headers=AUTH)
    course = await response.json()
    assert course["sis_course_id"] == "c2" and course["name"] == "Two"
    assert course["course_code"] == "C2" and course["workflow_state"] == "unpublished"
    response = await client.get(f"/api/v1/courses/{course['id']}.json", headers=AUTH)
    assert (await response.json())["id"] == course["id"]
    for missing in ("sis_course_id:c1", "999"):
        assert (await client.get(f"/api/v1/courses/{missing}", headers=AUTH)).status == 404
