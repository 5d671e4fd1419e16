"""The pytest fixture's own costs: a reset, and a one-row SIS import from POST to final JSON.

A client suite pays both in every test, so a thousand tests should spend seconds, not minutes,
on the server (issue "A fixture test suites love": p50 < 20 ms each). The server is the one
the plugin starts (``service.pytest_plugin.start_server``), driven through the same
``CanvasImports`` object a test gets; every call is timed from the client's side.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

from service.pytest_plugin import CanvasImports, start_server

from .common import bench_directory, print_header, scaled

TARGET_P50_MS = 20.0
ONE_ROW = "user_id,login_id,first_name,last_name,status\nu1,ada,Ada,Lovelace,active\n"
WARM_UP = 20


def _timed_ms(action: Callable[[], object], count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _summary(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    verdict = "ok" if p50 < TARGET_P50_MS else "OVER TARGET"
    return (f"{name:<22} {len(ordered):>5} runs  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
            f"  max {ordered[-1]:6.1f} ms   target p50 < {TARGET_P50_MS:g} ms: {verdict}")


async def run() -> None:
    runs = scaled(500)
    print_header(f"fixture: reset and a one-row SIS import, {runs} runs each")
    with bench_directory("fixture") as directory:
        server = start_server(directory)
        try:
            imports = CanvasImports(server)

            def import_one_row() -> None:
                final = imports.sis_import(ONE_ROW)
                assert final["workflow_state"] == "imported", final

            def reset_then_import() -> None:
                imports.reset()
                import_one_row()

            _timed_ms(reset_then_import, WARM_UP)
            imports.reset()
            resets = _timed_ms(imports.reset, runs)
            # Imports pile up between resets as they would in a test that imports several times.
            one_row = _timed_ms(import_one_row, runs)
            per_test = _timed_ms(reset_then_import, runs)
        finally:
            server.stop()
    print(_summary("reset", resets))
    print(_summary("one-row SIS import", one_row))
    print(_summary("reset + one-row import", per_test).split("   target")[0]
          + "   (what one test pays)")
