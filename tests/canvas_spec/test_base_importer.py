"""Canvas's spec/lib/sis/csv/base_importer_spec.rb, against this server."""

from __future__ import annotations

from tests.canvas_spec.harness import SisSpec


async def test_should_read_file_from_index(sis: SisSpec) -> None:
    """base_importer_spec.rb: "should read file from index".

    Canvas reads a file in slices (``csv_rows(csv, index, count)``) and numbers each row from 1,
    the header included. That numbering is what a client sees, as the ``row`` of each error:
    here eleven lines, the ten data rows all refused, numbered 2 to 11 in order."""
    importer = await sis.process_csv_data("user_id,login_id,status", *(f"u{n},,active" for n in range(10)))
    assert importer.messages == [f"No login_id given for user u{n}" for n in range(10)]
    assert importer.rows == list(range(2, 12))
