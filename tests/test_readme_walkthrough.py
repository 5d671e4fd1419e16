"""The README's walk-through, run as a newcomer runs it: its own commands against a real server.

Every ``sh`` block marked ``<!-- walkthrough -->`` runs, in README order, in one bash session
(variables carry over from block to block, as in a terminal) whose working directory looks like
the project root: ``examples/`` and the ``data/`` directory of a server started as ``make run``
starts it, which generated its token. A block marked ``<!-- walkthrough: until TEXT -->`` is a
status check the reader repeats: it runs again until its output shows TEXT. The ``python``
blocks run in one namespace afterwards. Only the port differs from the README (3000 may be
taken): ``http://127.0.0.1:3000`` becomes the server's address. The start-up banner's ``curl``
command runs too, exactly as printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.helpers import WAIT_TIMEOUT_S

PROJECT_ROOT = Path(__file__).resolve().parent.parent
README = PROJECT_ROOT / "README.md"
README_URL = "http://127.0.0.1:3000"
BLOCK = re.compile(r"<!-- walkthrough(?:: (?P<mode>[^\n]*?))? -->\n```(?P<lang>sh|python)\n"
                   r"(?P<code>.*?)```", re.S)
END_MARK = "__walkthrough_block_ended__"


@dataclass
class Block:
    lang: str
    code: str
    until: str | None


def readme_blocks() -> list[Block]:
    blocks = []
    for match in BLOCK.finditer(README.read_text(encoding="utf-8")):
        mode = match["mode"] or ""
        until = mode.removeprefix("until ") if mode.startswith("until ") else None
        blocks.append(Block(match["lang"], match["code"], until))
    return blocks


class Shell:
    """One bash session, fed a block at a time; it stops at the first failing command."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"], cwd=cwd, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "NO_PROXY": "127.0.0.1"})
        self.run("set -eo pipefail")

    def run(self, code: str) -> str:
        self.process.stdin.write(f"{code}\nprintf '\\n{END_MARK}\\n'\n")
        self.process.stdin.flush()
        lines = []
        while (line := self.process.stdout.readline()) != f"{END_MARK}\n":
            assert line, f"the shell stopped at a failing command:\n{code}\n{''.join(lines)}"
            lines.append(line)
        return "".join(lines)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def project_root(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    """A directory laid out as the project root, with a server running on its ./data."""
    shutil.copytree(PROJECT_ROOT / "examples", tmp_path / "examples")
    log_path = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_IMPORTS_")}
    with open(log_path, "w") as log:
        # What make run starts, on a free port; no --token: one is generated into data/token.
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", "0",
             "--data-dir", "./data"],
            cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            env=env)
    try:
        line = server.stdout.readline()
        assert line, log_path.read_text()
        yield tmp_path, json.loads(line)["base_url"], log_path
    finally:
        server.terminate()
        server.communicate(timeout=60)


# canvasapi's create_sis_import and import_outcome open a path they are given and never close it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_readme_walkthrough_runs_verbatim(project_root, monkeypatch) -> None:
    root, base_url, log_path = project_root
    blocks = readme_blocks()
    assert sum(b.lang == "sh" for b in blocks) >= 10 and any(b.lang == "python" for b in blocks)
    shell = Shell(root)
    try:
        # The banner's suggestion, exactly as printed.
        banner = log_path.read_text()
        command = banner.split("  try:\n", 1)[1].split("\n", 2)
        banner_output = shell.run("\n".join(command[:2]))
        assert '"workflow_state":"created"' in banner_output, banner_output

        for block in (b for b in blocks if b.lang == "sh"):
            code = block.code.replace(README_URL, base_url)
            deadline = time.monotonic() + WAIT_TIMEOUT_S
            while True:
                output = shell.run(code)
                assert '"errors"' not in output, f"{code}\n{output}"
                if block.until is None or block.until in output:
                    break
                assert time.monotonic() < deadline, f"{code}\nstill no {block.until}: {output}"
                time.sleep(0.2)
    finally:
        shell.close()

    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    namespace: dict = {}
    for block in (b for b in blocks if b.lang == "python"):
        exec(compile(block.code.replace(README_URL, base_url), "README.md", "exec"), namespace)
    assert namespace["course"].name == "Cell Biology"
    assert namespace["status"].workflow_state in ("created", "importing", "succeeded")
