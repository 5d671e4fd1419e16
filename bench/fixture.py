"""The pytest fixture's own costs: a reset, and a one-row SIS import from POST to final JSON.

A client suite pays both in every test, so a thousand tests should spend seconds, not minutes,
on the server (issue "A fixture test suites love": p50 < 20 ms each). The server is the one
the plugin starts (``service.pytest_plugin.start_server``), driven through the same
``CanvasImports`` object a test gets; every call is timed from the client's side.
"""

from __future__ import annotations

import statistics
import time
from service.pytest_plugin import CanvasImports, start_server

from .common import bench_directory, print_header, scaled

TARGET_P50_MS = 20.0
ONE_ROW = "user_id,login_id,first_name,last_name,status\nu1,ada,Ada,Lovelace,active\n"
WARM_UP = 20


def _summary(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    verdict = "ok" if p50 < TARGET_P50_MS else "OVER TARGET"
    return (f"{name:<22} {len(ordered):>5} runs  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
            f"  max {ordered[-1]:6.1f} ms   target p50 < {TARGET_P50_MS:g} ms: {verdict}")


async def run() -> None:
    runs = scaled(500)
    print_header(f"fixture: reset, then a one-row SIS import, {runs} times (as every test does)")
    with bench_directory("fixture") as directory:
        server = start_server(directory)
        try:
            imports = CanvasImports(server)
            resets: list[float] = []
            one_row: list[float] = []
            for round_number in range(WARM_UP + runs):
                # Timed in turn, so that whatever else loads the machine weighs on both alike.
                started = time.perf_counter()
                imports.reset()
                reset_done = time.perf_counter()
                final = imports.sis_import(ONE_ROW)
                import_done = time.perf_counter()
                assert final["workflow_state"] == "imported", final
                if round_number >= WARM_UP:
                    resets.append((reset_done - started) * 1000)
                    one_row.append((import_done - reset_done) * 1000)
        finally:
            server.stop()
    print(_summary("reset", resets))
    print(_summary("one-row SIS import", one_row))
    per_test = [r + i for r, i in zip(resets, one_row)]
    print(_summary("both (one test)", per_test).split("   target")[0])
