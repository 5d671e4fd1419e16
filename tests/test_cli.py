"""The command line: settings from arguments and environment, the generated token, the banner."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from service.__main__ import banner
from service.app import resolve_tokens
from service.settings import Settings


def test_arguments_win_over_environment_which_win_over_defaults(tmp_path):
    env = {"CANVAS_IMPORTS_PORT": "4000", "CANVAS_IMPORTS_TOKEN": "a,b",
           "CANVAS_IMPORTS_WORKERS": "3", "CANVAS_IMPORTS_DATA_DIR": str(tmp_path)}
    settings = Settings.from_args(["--port", "5000"], env)
    assert settings.port == 5000 and settings.workers == 3
    assert settings.tokens == ("a", "b") and settings.data_dir == tmp_path
    settings = Settings.from_args(["--token", "x", "--token", "y", "--max-upload-bytes", "10"], {})
    assert settings.tokens == ("x", "y") and settings.max_upload_bytes == 10
    assert Settings.from_args(["--read-only-token", "r"], {}).read_only_tokens == ("r",)
    assert Settings.from_args([], {"CANVAS_IMPORTS_READ_ONLY_TOKEN": "r1, r2"}).read_only_tokens == (
        "r1", "r2")
    assert settings.host == "127.0.0.1" and settings.port == 3000
    assert Settings.from_args([], {}).max_upload_bytes == 4 * 1024**3


def test_a_token_is_generated_once_and_kept_private(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = resolve_tokens(settings)
    assert resolve_tokens(settings) == first and len(first[0]) >= 32
    assert stat.S_IMODE(os.stat(settings.token_file).st_mode) == 0o600
    text = banner(settings, first)
    assert first[0] in text and "curl" in text and "http://127.0.0.1:3000" in text


def test_the_server_process_starts_serves_and_stops_on_sigterm(tmp_path):
    # Below the ephemeral range (32768+ on Linux): polling a port in that range before the server
    # listens can make the client's socket connect to itself and read its own request back.
    port = 20000 + os.getpid() % 10000
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port), "--data-dir", str(tmp_path / "d"),
         "--token", "cli-token"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "NO_PROXY": "127.0.0.1"})
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as reply:
                    assert reply.read() == b'{"status":"ok"}'
                    break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        process.terminate()
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()  # when communicate() was not reached, or the GC warns later
    assert process.returncode == 0
    # A token the operator chose is never printed (decision 26).
    assert f"http://127.0.0.1:{port}" in output and "cli-token" not in output
    assert Path(tmp_path / "d" / "canvas-imports.sqlite3").exists()
