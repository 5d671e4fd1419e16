"""The room kept back to record a failure on a full disk (the full disk itself: test_full_disk)."""

from __future__ import annotations

import stat
from pathlib import Path

from service.disk_reserve import DiskReserve


def test_take_holds_the_room_in_a_whole_owner_only_file(tmp_path: Path) -> None:
    size = 256 * 1024 + 100  # not a whole number of write chunks
    reserve = DiskReserve(tmp_path / "disk-reserve", size=size)
    assert not reserve.in_place
    assert reserve.take()
    assert reserve.in_place and reserve.path.stat().st_size == size
    # Real blocks, not a sparse file that would hold no room at all.
    assert reserve.path.stat().st_blocks * 512 >= size
    assert stat.S_IMODE(reserve.path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk-reserve"]


def test_release_gives_the_room_back_once_and_take_takes_it_again(tmp_path: Path) -> None:
    reserve = DiskReserve(tmp_path / "disk-reserve", size=64 * 1024)
    reserve.take()
    assert reserve.release()
    assert not reserve.in_place
    assert not reserve.release()  # nothing left to give
    assert reserve.take() and reserve.in_place
