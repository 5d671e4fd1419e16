"""Canvas's spec factories (course_factory, user_model, group_model...) as SIS imports.

Each builds the object the way a client of this server can: by importing it. The objects get
the SIS ids the cases name, and the cases read them back with ``tests.canvas_spec.objects``.
"""

from __future__ import annotations

from tests.canvas_spec.harness import SisSpec


async def account(sis: SisSpec, sis_id: str, name: str = "TestAccount", parent: str = "") -> None:
    """A sub-account (Canvas: ``@account.sub_accounts.create!`` then its sis_source_id)."""
    await sis.process_csv_data_cleanly("account_id,parent_account_id,name,status",
                                       f"{sis_id},{parent},{name},active")


async def course(sis: SisSpec, sis_id: str, account_id: str = "", name: str | None = None,
                 term_id: str = "", status: str = "active") -> None:
    """A course (Canvas: ``course_factory(account:, sis_source_id:)``)."""
    name = name or sis_id
    await sis.process_csv_data_cleanly("course_id,short_name,long_name,account_id,term_id,status",
                                       f"{sis_id},{name},{name},{account_id},{term_id},{status}")


async def user(sis: SisSpec, sis_id: str, login_id: str | None = None, email: str | None = None) -> None:
    """A user with a SIS login (Canvas: ``user_model`` plus a pseudonym)."""
    login_id = login_id or sis_id.lower()
    email = email if email is not None else f"{login_id}@example.com"
    await sis.process_csv_data_cleanly("user_id,login_id,first_name,last_name,email,status",
                                       f"{sis_id},{login_id},User,{sis_id},{email},active")


async def enrollment(sis: SisSpec, course_id: str, user_id: str, role: str = "student",
                     section_id: str = "") -> None:
    """An active enrollment (Canvas: ``course.enroll_user`` / ``enrollment_model``)."""
    await sis.process_csv_data_cleanly("course_id,user_id,role,section_id,status",
                                       f"{course_id},{user_id},{role},{section_id},active")


async def group_with_member(sis: SisSpec, group_id: str, course_id: str, user_id: str) -> None:
    """A course group with one member (Canvas: ``group_model`` + ``group_memberships.create!``)."""
    await user(sis, user_id)
    await enrollment(sis, course_id, user_id)
    await sis.process_csv_data_cleanly("group_id,course_id,name,status",
                                       f"{group_id},{course_id},{group_id},available")
    await sis.process_csv_data_cleanly("group_id,user_id,status", f"{group_id},{user_id},accepted")
