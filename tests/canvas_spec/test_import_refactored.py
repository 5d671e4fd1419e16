"""Canvas's spec/lib/sis/csv/import_refactored_spec.rb (SIS::CSV::ImportRefactored, the import
that runs every SIS CSV), against this server.

Canvas's retired spec/lib/sis/csv/import_spec.rb (SIS::CSV::Import) holds the same cases under
their older names; tests/canvas_spec/test_import.py runs them with the bodies defined here.
Its three spec fixtures are built here: ``utf8.csv`` (users whose last line puts multibyte
characters across the 4096th byte), ``with_bom.csv`` (a users file behind a byte order mark) and
``mac_sis_batch.zip`` (a zip as macOS's Finder makes it, with ``__MACOSX/._*`` resource forks).
"""

from __future__ import annotations

from typing import Any

from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects
from tests.helpers import make_zip

ABSTRACT = "abstract_course_id,short_name,long_name,account_id,term_id,status"
USERS = "user_id,login_id,first_name,last_name,email,status"
# The fixtures' long values: ids and names of 98 characters, logins of 60.
LONG = "f" + "i" * 93 + "ller"
SHORT = "f" + "i" * 55 + "ller"


def last_abstract_course(objects: Objects) -> dict[str, Any]:
    return objects.rows("abstract_courses")[-1]


def names(objects: Objects) -> tuple[str, str]:
    c = last_abstract_course(objects)
    return c["name"], c["short_name"]


async def abstract_course_setup(sis: SisSpec, objects: Objects) -> None:
    """The stickiness cases' start: a term, an account and abstract course C001."""
    await sis.process_csv_data_cleanly("term_id,name,status,start_date,end_date", "T001,Winter13,active,,")
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status", "A001,,TestAccount,active")
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Hum101,Humanities,A001,T001,active")
    assert objects.count("abstract_courses") == 1
    assert names(objects) == ("Humanities", "Hum101")
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Math101,Mathematics,A001,T001,active")
    assert objects.count("abstract_courses") == 1
    assert names(objects) == ("Mathematics", "Math101")


def rename_by_hand(objects: Objects) -> None:
    objects.edit_by_hand("abstract_courses", last_abstract_course(objects)["id"], name="Physics", short_name="Phys101")


def utf8_fixture() -> bytes:
    """spec/fixtures/sis/utf8.csv: eight long user rows, then one whose multibyte characters
    straddle byte 4096 (where Canvas's reader once split a character in two)."""
    lines = [USERS] + [f"{LONG}{n},{SHORT}{n},{LONG}{n},{LONG}{n},{LONG}{n},active" for n in range(1, 9)]
    head = "\n".join(lines) + "\n"
    pad = 4095 - len(head.encode())  # the first two-byte character starts at byte 4095
    assert pad > 0
    last = "w" * pad + "ÅØÅØÅØÅØÅØ,broken,broken,broken,broken,active"
    return (head + last).encode()


async def errors_files_with_unknown_headers(sis: SisSpec) -> None:
    importer = await sis.process_csv_data("course_id,randomness,smelly", "test_1,TC 101,Test Course 101,,,active")
    assert importer.messages[0] == "Couldn't find Canvas CSV import headers"


async def errors_files_with_invalid_utf8(sis: SisSpec) -> None:
    content = b"xlist_course_id,section_id,status\nABC2119_ccutrer_2012201_xlist,26076.20122\xa0,active\n"
    importer = await sis.upload(content, "sis_rspec_invalid_utf8.csv")
    assert importer.messages[0] == "Invalid UTF-8"


async def errors_files_with_invalid_csv_headers(sis: SisSpec) -> None:
    importer = await sis.process_csv_data('xlist_course_id,"section_id,status')
    assert importer.messages[0] == "Malformed CSV"


async def errors_files_with_invalid_csv(sis: SisSpec) -> None:
    importer = await sis.process_csv_data("xlist_course_id,section_id,status", 'ABC2119_ccutrer_2012201_xlist,"26076.20122')
    assert importer.messages[0] == "Malformed CSV"


async def errors_files_with_invalid_csv_way_down(sis: SisSpec) -> None:
    lines = ["xlist_course_id,section_id,status"] + ["ABC2119_ccutrer_2012201_xlist,26076.20122"] * 100
    lines.append('ABC2119_ccutrer_2012201_xlist,"26076.20122')
    importer = await sis.process_csv_data(*lines)
    assert importer.messages[0] == "Malformed CSV"


async def works_for_a_mass_import(sis: SisSpec, objects: Objects) -> None:
    names_ = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven"]
    await sis.process_csv_data_cleanly(
        USERS, *[f"U{n:03},user{n},User,{name},user{n}@example.com,{'deleted' if n == 11 else 'active'}"
                 for n, name in enumerate(names_, 1)])
    await sis.process_csv_data_cleanly("term_id,name,status,start_date,end_date",
                                       "T001,Term 1,active,,", "T002,Term 2,active,,", "T003,Term 3,active,,")
    terms = ["T001", "T001", "T002", "T002", "T003", "T003", "T003", "T003", "T003"]
    states = ["active", "deleted", "deleted", "deleted", "active", "active", "active", "active", "active"]
    courses = []
    for suffix, title in (("", "Test Course"), ("S", "Test search Course")):
        courses += [f"C00{n}{suffix},C00{n}{suffix},{title} {n},,{terms[n - 1]},{states[n - 1]}" for n in range(1, 10)]
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,account_id,term_id,status", *courses)
    sections = []
    for s in ("", "S"):
        sections += [f"S001{s},C001{s},Sec1,,,active", f"S002{s},C002{s},Sec2,,,active",
                     f"S003{s},C003{s},Sec3,,,active", f"S004{s},C004{s},Sec4,,,active",
                     f"S005{s},C005{s},Sec5,,,active", f"S006{s},C006{s},Sec6,,,active",
                     f"S007{s},C007{s},Sec7,,,deleted", f"S008{s},C001{s},Sec8,,,deleted",
                     f"S009{s},C008{s},Sec9,,,active"]
    await sis.process_csv_data_cleanly("section_id,course_id,name,start_date,end_date,status", *sections)
    enrollments = []
    for s in ("", "S"):
        enrollments += [f",U001,student,S001{s},active,", f",U005,student,S005{s},active,",
                        f",U006,student,S006{s},deleted,", f",U007,student,S007{s},deleted,",
                        f",U008,student,S008{s},deleted,", f",U009,student,S005{s},deleted,"]
    await sis.process_csv_data_cleanly("course_id,user_id,role,section_id,status,associated_user_id", *enrollments)
    await sis.process_csv_data_cleanly("group_id,name,account_id,status", "G001,Group 1,,available",
                                       "G002,Group 2,,deleted", "G003,Group 3,,closed")
    assert objects.count("users") == 11
    assert objects.count("courses") == 18
    assert objects.count("enrollments") == 12
    assert objects.count("groups") == 3


async def supports_sis_stickiness_overriding(sis: SisSpec, objects: Objects) -> None:
    await abstract_course_setup(sis, objects)
    rename_by_hand(objects)
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Thea101,Theater,A001,T001,active")
    assert names(objects) == ("Physics", "Phys101")
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Thea101,Theater,A001,T001,active",
                                       override_sis_stickiness="true")
    assert names(objects) == ("Theater", "Thea101")
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Fren101,French,A001,T001,active")
    assert objects.count("abstract_courses") == 1
    assert names(objects) == ("Theater", "Thea101")


async def allows_turning_on_stickiness(sis: SisSpec, objects: Objects) -> None:
    await abstract_course_setup(sis, objects)
    # Canvas's spec hands the import add_sis_stickiness alone; its API (and this one) takes it
    # only with override_sis_stickiness.
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Phys101,Physics,A001,T001,active",
                                       override_sis_stickiness="true", add_sis_stickiness="true")
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Thea101,Theater,A001,T001,active")
    assert objects.count("abstract_courses") == 1
    assert names(objects) == ("Physics", "Phys101")


async def allows_turning_off_stickiness(sis: SisSpec, objects: Objects) -> None:
    await abstract_course_setup(sis, objects)
    rename_by_hand(objects)
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Fren101,French,A001,T001,active")
    assert names(objects) == ("Physics", "Phys101")
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Thea101,Theater,A001,T001,active",
                                       override_sis_stickiness="true", clear_sis_stickiness="true")
    assert names(objects) == ("Theater", "Thea101")
    await sis.process_csv_data_cleanly(ABSTRACT, "C001,Fren101,French,A001,T001,active")
    assert objects.count("abstract_courses") == 1
    assert names(objects) == ("French", "Fren101")


async def does_not_invalidly_break_up_utf8_characters(sis: SisSpec) -> None:
    # The file is read whole as UTF-8 (no "Invalid UTF-8"), and every row reaches the users
    # importer with its cells intact. The fixture's e-mails have no "@": Canvas's users
    # importer reports each as invalid, as this one does.
    importer = await sis.upload(utf8_fixture(), "utf8.csv")
    assert importer.failures == []
    last_user_id = utf8_fixture().decode().rsplit("\n", 1)[1].split(",")[0]
    assert last_user_id.endswith("ÅØÅØÅØÅØÅØ")
    emails = [f"{LONG}{n}" for n in range(1, 9)] + ["broken"]
    user_ids = [f"{LONG}{n}" for n in range(1, 9)] + [last_user_id]
    assert importer.messages == [f"The email address associated with user '{user_id}' is invalid (email: '{email}')"
                                 for user_id, email in zip(user_ids, emails)]


async def does_not_fail_on_mac_zip_files(sis: SisSpec, objects: Objects) -> None:
    users = f"{USERS}\nU001,user1,User,One,user1@example.com,active\n"
    archive = make_zip({
        "mac_sis_batch/users.csv": users,
        "__MACOSX/._mac_sis_batch": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ",
        "__MACOSX/mac_sis_batch/._users.csv": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02",
    })
    importer = await sis.upload(archive, "mac_sis_batch.zip")
    assert importer.errors == []
    assert objects.login("U001")["unique_id"] == "user1"


async def test_errors_files_with_unknown_headers(sis: SisSpec) -> None:
    """import_refactored_spec.rb: "errors files with unknown headers"."""
    await errors_files_with_unknown_headers(sis)


async def test_errors_files_with_invalid_utf_8(sis: SisSpec) -> None:
    """import_refactored_spec.rb: "errors files with invalid UTF-8"."""
    await errors_files_with_invalid_utf8(sis)


async def test_works_with_valid_utf_8_when_split_across_bytes(sis: SisSpec) -> None:
    """import_refactored_spec.rb: "works with valid UTF-8 when split across bytes" (Canvas reads
    the file a byte at a time; here the upload streams in chunks of its own)."""
    importer = await sis.process_csv_data("course_id,short_name,long_name,account_id,term_id,status",
                                          "test_1,TC 101,Test Course 1ö1,,,active")
    assert importer.errors == []
    assert (await sis.api("/api/v1/courses/sis_course_id:test_1"))["name"] == "Test Course 1ö1"


async def test_works_handle_empty_columns(sis: SisSpec) -> None:
    """import_refactored_spec.rb: "works handle empty columns"."""
    importer = await sis.process_csv_data("course_id,short_name,long_name,account_id,term_id,status,,",
                                          "test_1,TC 101,Test Course 1,,,active,invalid,")
    assert importer.errors == []


async def test_errors_files_with_invalid_csv_headers(sis: SisSpec) -> None:
    """import_refactored_spec.rb: "errors files with invalid CSV headers"."""
    await errors_files_with_invalid_csv_headers(sis)


async def test_errors_files_with_invalid_csv(sis: SisSpec) -> None:
    """import_refactored_spec.rb: "errors files with invalid CSV"."""
    await errors_files_with_invalid_csv(sis)


async def test_errors_files_with_invalid_csv_way_down(sis: SisSpec) -> None:
    """import_refactored_spec.rb: "errors files with invalid CSV way down"."""
    await errors_files_with_invalid_csv_way_down(sis)


async def test_works_for_a_mass_import(sis: SisSpec, objects: Objects) -> None:
    """import_refactored_spec.rb: "works for a mass import"."""
    await works_for_a_mass_import(sis, objects)


async def test_supports_sis_stickiness_overriding(sis: SisSpec, objects: Objects) -> None:
    """import_refactored_spec.rb: "supports sis stickiness overriding"."""
    await supports_sis_stickiness_overriding(sis, objects)


async def test_allows_turning_on_stickiness(sis: SisSpec, objects: Objects) -> None:
    """import_refactored_spec.rb: "allows turning on stickiness"."""
    await allows_turning_on_stickiness(sis, objects)


async def test_allows_turning_off_stickiness(sis: SisSpec, objects: Objects) -> None:
    """import_refactored_spec.rb: "allows turning off stickiness"."""
    await allows_turning_off_stickiness(sis, objects)


async def test_does_not_invalidly_break_up_utf_8_characters(sis: SisSpec) -> None:
    """import_refactored_spec.rb: "does not invalidly break up UTF-8 characters"."""
    await does_not_invalidly_break_up_utf8_characters(sis)


async def test_ignores_bom_chars(sis: SisSpec, objects: Objects) -> None:
    """import_refactored_spec.rb: "ignores BOM chars"."""
    content = "\ufeff" + f"{USERS}\n{LONG}1,{SHORT}1,{LONG}1,{LONG}1,email1@example.com,active\n"
    importer = await sis.upload(content.encode(), "with_bom.csv")
    assert importer.errors == []
    assert objects.login(f"{LONG}1")["unique_id"] == f"{SHORT}1"


async def test_does_not_fail_on_mac_zip_files(sis: SisSpec, objects: Objects) -> None:
    """import_refactored_spec.rb: "does not fail on mac zip files"."""
    await does_not_fail_on_mac_zip_files(sis, objects)
