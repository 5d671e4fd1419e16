"""``python -m bench [name ...]``: run the named benchmarks (all by default) one after another."""

from __future__ import annotations

import asyncio
import importlib
import sys

# name -> (module, coroutine function)
BENCHMARKS = {
    "upload": ("bench.upload", "run"),
    "users": ("bench.sis_import", "run_users"),
    "sis-zip": ("bench.sis_import", "run_zip"),
    "nightly": ("bench.nightly", "run"),
    "nightly-floors": ("bench.nightly_floors", "run"),
    "outcomes": ("bench.outcomes", "run"),
    "reads": ("bench.read_endpoints", "run"),
    "page": ("bench.page", "run"),
    "sis-diff": ("bench.diffing", "run"),
    "sis-batch-mode": ("bench.batch_mode", "run"),
    "fixture": ("bench.fixture", "run"),
    "zip-members": ("bench.zip_members", "run"),
}


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    for name in names or list(BENCHMARKS):
        module_name, function_name = BENCHMARKS[name]
        module = importlib.import_module(module_name)
        asyncio.run(getattr(module, function_name)())


if __name__ == "__main__":
    main(sys.argv[1:])
