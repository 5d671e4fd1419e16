"""Canvas's spec/lib/sis/csv/grade_publishing_results_importer_spec.rb, against this server.

Ported from instructure/canvas-lms@06a2c9d. No endpoint shows an enrollment's grade publishing
status or message (Canvas shows them in its gradebook), so the cases read them from the database.
"""

from __future__ import annotations

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects
from tests.canvas_spec.reads import Reads


async def course_with_student(sis: SisSpec, reads: Reads, objects: Objects) -> int:
    """Canvas's course_with_student, its enrollment "publishing": returns the enrollment's id."""
    await factories.course(sis, "C001")
    await factories.user(sis, "U001")
    await factories.enrollment(sis, "C001", "U001")
    [enrollment] = await reads.course_enrollments("C001")
    # Canvas: @enrollment.grade_publishing_status = "publishing"; save! (the gradebook does it).
    objects.conn.execute("UPDATE enrollments SET grade_publishing_status = 'publishing' WHERE id = ?",
                         (enrollment["id"],))
    objects.conn.commit()
    return enrollment["id"]


async def test_skips_bad_content(sis: SisSpec) -> None:
    """grade_publishing_results_importer_spec.rb: "skips bad content"."""
    importer = await sis.process_csv_data(
        "enrollment_id,grade_publishing_status",
        ",published",
        "1,published",
        "2,asplode")
    assert importer.messages == [
        "No enrollment_id given",
        "Enrollment 1 doesn't exist",
        'Improper grade_publishing_status "asplode" for enrollment 2',
    ]


async def test_properly_updates_the_db(sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """grade_publishing_results_importer_spec.rb: "properly updates the db"."""
    enrollment_id = await course_with_student(sis, reads, objects)
    await sis.process_csv_data_cleanly("enrollment_id,grade_publishing_status", f"{enrollment_id},published")
    assert objects.get("enrollments", id=enrollment_id)["grade_publishing_status"] == "published"


async def test_properly_passes_in_messages(sis: SisSpec, reads: Reads, objects: Objects) -> None:
    """grade_publishing_results_importer_spec.rb: "properly passes in messages".

    Canvas reads them back through Course#grade_publishing_statuses, which words a published
    enrollment's message "Synced: message1"; what it is built from is the stored status and
    message, checked here."""
    enrollment_id = await course_with_student(sis, reads, objects)
    assert objects.get("enrollments", id=enrollment_id)["grade_publishing_status"] == "publishing"
    await sis.process_csv_data_cleanly("enrollment_id,grade_publishing_status,message",
                                       f"{enrollment_id},published,message1")
    enrollment = objects.get("enrollments", id=enrollment_id)
    assert (enrollment["grade_publishing_status"], enrollment["grade_publishing_message"]) == (
        "published", "message1")
