"""Canvas's institutional_tag_category_importer_spec.rb and
institutional_tag_association_importer_spec.rb, the cases with the feature flag off.

Institutional tags are behind Canvas's ``institutional_tags`` feature flag, which this server
does not offer: it answers as Canvas does with the flag off (the other cases are in SKIPPED.md).
"""

from __future__ import annotations

from tests.canvas_spec import factories
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects


async def test_category_does_not_process_the_csv_and_records_one_dispatcher_level_error(sis: SisSpec) -> None:
    """institutional_tag_category_importer_spec.rb: context "when the institutional_tags feature flag is
    disabled", "does not process the CSV and records one dispatcher-level error"."""
    importer = await sis.process_csv_data("category_id,name,description,status",
                                          "CAT001,Category One,First category,active", "CAT002,Category Two,,active")
    assert importer.messages == ["Couldn't find Canvas CSV import headers"]
    assert importer.json["data"]["supplied_batches"] == []


async def test_association_does_not_process_the_csv_and_records_one_dispatcher_level_error(
        sis: SisSpec, objects: Objects) -> None:
    """institutional_tag_association_importer_spec.rb: context "when the institutional_tags feature flag is
    disabled", "does not process the CSV and records one dispatcher-level error"."""
    await factories.user(sis, "U001")
    importer = await sis.process_csv_data("institutional_tag_id,user_id,status", "TAG001,U001,active")
    assert importer.messages == ["Couldn't find Canvas CSV import headers"]
    assert importer.json["data"]["supplied_batches"] == []
