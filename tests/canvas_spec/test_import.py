"""Canvas's spec/lib/sis/csv/import_spec.rb (SIS::CSV::Import, retired since in favour of
SIS::CSV::ImportRefactored), against this server.

Its cases are those of import_refactored_spec.rb under their older names; each runs the body
ported in tests/canvas_spec/test_import_refactored.py.
"""

from __future__ import annotations

from tests.canvas_spec import test_import_refactored as refactored
from tests.canvas_spec.harness import SisSpec
from tests.canvas_spec.objects import Objects


async def test_should_error_files_with_unknown_headers(sis: SisSpec) -> None:
    """import_spec.rb: "should error files with unknown headers"."""
    await refactored.errors_files_with_unknown_headers(sis)


async def test_should_error_files_with_invalid_utf_8(sis: SisSpec) -> None:
    """import_spec.rb: "should error files with invalid UTF-8"."""
    await refactored.errors_files_with_invalid_utf8(sis)


async def test_should_error_files_with_invalid_csv_headers(sis: SisSpec) -> None:
    """import_spec.rb: "should error files with invalid CSV headers "."""
    await refactored.errors_files_with_invalid_csv_headers(sis)


async def test_should_error_files_with_invalid_csv(sis: SisSpec) -> None:
    """import_spec.rb: "should error files with invalid CSV"."""
    await refactored.errors_files_with_invalid_csv(sis)


async def test_should_error_files_with_invalid_csv_way_down(sis: SisSpec) -> None:
    """import_spec.rb: "should error files with invalid CSV way down"."""
    await refactored.errors_files_with_invalid_csv_way_down(sis)


async def test_should_work_for_a_mass_import(sis: SisSpec, objects: Objects) -> None:
    """import_spec.rb: "should work for a mass import"."""
    await refactored.works_for_a_mass_import(sis, objects)


async def test_should_support_sis_stickiness_overriding(sis: SisSpec, objects: Objects) -> None:
    """import_spec.rb: "should support sis stickiness overriding"."""
    await refactored.supports_sis_stickiness_overriding(sis, objects)


async def test_should_allow_turning_on_stickiness(sis: SisSpec, objects: Objects) -> None:
    """import_spec.rb: "should allow turning on stickiness"."""
    await refactored.allows_turning_on_stickiness(sis, objects)


async def test_should_allow_turning_off_stickiness(sis: SisSpec, objects: Objects) -> None:
    """import_spec.rb: "should allow turning off stickiness"."""
    await refactored.allows_turning_off_stickiness(sis, objects)


async def test_should_not_invalidly_break_up_utf_8_characters(sis: SisSpec) -> None:
    """import_spec.rb: "should not invalidly break up UTF-8 characters"."""
    await refactored.does_not_invalidly_break_up_utf8_characters(sis)


async def test_should_not_fail_on_mac_zip_files(sis: SisSpec, objects: Objects) -> None:
    """import_spec.rb: "should not fail on mac zip files"."""
    await refactored.does_not_fail_on_mac_zip_files(sis, objects)
