"""Every limit, path and count of the service, read once from arguments and the environment.

Tests build ``Settings(...)`` directly; the command line goes through ``Settings.from_args``.
Each option also comes from an environment variable ``CANVAS_IMPORTS_<NAME>``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "CANVAS_IMPORTS_"
GIB = 1024**3


@dataclass(frozen=True)
class UploadLimits:
    """How much, and how slowly, a client may send (service.uploads enforces them)."""

    max_bytes: int
    chunk_bytes: int
    idle_timeout_s: float


@dataclass(frozen=True)
class Settings:
    """The service's configuration; units live in the names."""

    data_dir: Path = Path("./data")
    host: str = "127.0.0.1"
    port: int = 3000
    # Tokens accepted for every request. Empty means: generate one and keep it in the data dir.
    tokens: tuple[str, ...] = ()
    # Tokens that may read but not write (decision 3).
    read_only_tokens: tuple[str, ...] = ()
    workers: int = 2
    max_upload_bytes: int = 4 * GIB
    upload_chunk_bytes: int = 256 * 1024
    # Rows handed to an importer at a time; one transaction each.
    import_batch_rows: int = 2000
    # How long a running batch may take to commit at shutdown before it is cancelled.
    shutdown_grace_s: float = 5.0
    # How long an idle worker sleeps before it looks at the queue again without being woken.
    queue_poll_s: float = 1.0
    # A zip whose members expand to this many times its own size is refused (Canvas: 100x).
    max_zip_expansion_ratio: int = 100
    # An upload body that sends nothing for this long is dropped (decision 29).
    upload_idle_timeout_s: float = 60.0
    # At most this many upload bodies stream at once; more are refused at once (decision 29).
    max_concurrent_uploads: int = 64
    # The base of absolute URLs (Link headers, File urls) behind a proxy (decision 27).
    public_url: str | None = None
    # Let X-Forwarded-Proto/-Host set that base (only behind a proxy that sets them).
    trust_forwarded_headers: bool = False
    # The /_control/ test controls (pause, pace, throttle, fail-next, reset); off unless asked
    # for, never on in the container (decision 28).
    enable_control: bool = False
    # SIS imports (CSV or ZIP files) run before the server reports ready.
    seed_paths: tuple[Path, ...] = ()
    # Written (the start-up JSON) once the server accepts requests and the seeds are in.
    ready_file: Path | None = None
    # Shut down when standard input closes: a test runner that dies takes its server along.
    exit_on_stdin_close: bool = False
    # Run imports in the server's own process instead of the import process (for debugging,
    # or a platform without multiprocessing's forkserver); reads then slow down during imports.
    imports_in_process: bool = False

    @property
    def upload_limits(self) -> UploadLimits:
        return UploadLimits(self.max_upload_bytes, self.upload_chunk_bytes,
                            self.upload_idle_timeout_s)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "canvas-imports.sqlite3"

    @property
    def disk_reserve_path(self) -> Path:
        return self.data_dir / "disk-reserve"

    @property
    def token_file(self) -> Path:
        return self.data_dir / "token"

    @classmethod
    def from_args(cls, argv: list[str] | None = None, environ: dict[str, str] | None = None) -> "Settings":
        """Command-line arguments win over ``CANVAS_IMPORTS_*`` variables, which win over defaults."""
        env = os.environ if environ is None else environ

        def env_default(name: str, default: str | None) -> str | None:
            return env.get(ENV_PREFIX + name, default)

        parser = argparse.ArgumentParser(
            prog="canvas-imports",
            description="Canvas-compatible SIS Imports and Outcome Imports API server.",
        )
        parser.add_argument("--host", default=env_default("HOST", cls.host))
        parser.add_argument("--port", type=int, default=int(env_default("PORT", str(cls.port))))
        parser.add_argument("--data-dir", default=env_default("DATA_DIR", str(cls.data_dir)))
        parser.add_argument(
            "--token",
            action="append",
            default=None,
            help="API token accepted by the server (repeatable; env: comma-separated)",
        )
        parser.add_argument(
            "--read-only-token",
            action="append",
            default=None,
            help="API token that may read but not write (repeatable; env: comma-separated)",
        )
        parser.add_argument("--workers", type=int, default=int(env_default("WORKERS", str(cls.workers))))
        parser.add_argument(
            "--max-upload-bytes",
            type=int,
            default=int(env_default("MAX_UPLOAD_BYTES", str(cls.max_upload_bytes))),
        )
        parser.add_argument(
            "--upload-idle-timeout-s", type=float,
            default=float(env_default("UPLOAD_IDLE_TIMEOUT_S", str(cls.upload_idle_timeout_s))),
            help="drop an upload body that sends nothing for this many seconds")
        parser.add_argument(
            "--max-concurrent-uploads", type=int,
            default=int(env_default("MAX_CONCURRENT_UPLOADS", str(cls.max_concurrent_uploads))),
            help="upload bodies streaming at once; more are answered 503 at once")
        parser.add_argument(
            "--public-url", default=env_default("PUBLIC_URL", None),
            help="base of the absolute URLs in answers, e.g. https://canvas.example.edu")
        parser.add_argument(
            "--trust-forwarded-headers", action="store_true",
            default=env_flag(env_default("TRUST_FORWARDED_HEADERS", "")),
            help="build absolute URLs from X-Forwarded-Proto/-Host (behind a proxy only)")
        parser.add_argument(
            "--enable-control",
            action="store_true",
            default=env_flag(env_default("ENABLE_CONTROL", "")),
            help="serve the /_control/ test controls (pause, pace, throttle, fail_next, reset)",
        )
        parser.add_argument(
            "--seed",
            action="append",
            default=None,
            metavar="PATH",
            help="SIS import (CSV or ZIP) to run before the server reports ready (repeatable)",
        )
        parser.add_argument(
            "--ready-file",
            default=env_default("READY_FILE", None),
            metavar="PATH",
            help="write the start-up JSON to PATH once the server accepts requests",
        )
        parser.add_argument(
            "--exit-on-stdin-close",
            action="store_true",
            default=env_flag(env_default("EXIT_ON_STDIN_CLOSE", "")),
            help="shut down when standard input reaches end of file (a parent that dies)",
        )
        parser.add_argument(
            "--imports-in-process",
            action="store_true",
            default=env_flag(env_default("IMPORTS_IN_PROCESS", "")),
            help="run imports in the server process, not in a low-priority child process",
        )
        args = parser.parse_args(argv)

        def token_list(given: list[str] | None, name: str) -> tuple[str, ...]:
            if given is None:
                given = (env_default(name, "") or "").split(",")
            return tuple(t.strip() for t in given if t.strip())

        if args.workers < 1:
            parser.error("--workers must be at least 1")
        if args.max_upload_bytes < 1:
            parser.error("--max-upload-bytes must be positive")
        if not args.upload_idle_timeout_s > 0:
            parser.error("--upload-idle-timeout-s must be positive")
        if args.max_concurrent_uploads < 1:
            parser.error("--max-concurrent-uploads must be at least 1")
        public_url = (args.public_url or "").strip().rstrip("/") or None
        if public_url is not None and not public_url.startswith(("http://", "https://")):
            parser.error("--public-url must start with http:// or https://")
        if not 0 <= args.port <= 65535:
            parser.error("--port must be between 0 (any free port) and 65535")
        seeds = args.seed if args.seed is not None else [
            p for p in (env_default("SEED", "") or "").split(",") if p.strip()]
        seed_paths = tuple(Path(p.strip()) for p in seeds)
        for path in seed_paths:
            if not path.is_file():
                parser.error(f"--seed {path}: no such file")
        return cls(
            data_dir=Path(args.data_dir),
            host=args.host,
            port=args.port,
            tokens=token_list(args.token, "TOKEN"),
            read_only_tokens=token_list(args.read_only_token, "READ_ONLY_TOKEN"),
            workers=args.workers,
            max_upload_bytes=args.max_upload_bytes,
            upload_idle_timeout_s=args.upload_idle_timeout_s,
            max_concurrent_uploads=args.max_concurrent_uploads,
            public_url=public_url,
            trust_forwarded_headers=args.trust_forwarded_headers,
            enable_control=args.enable_control,
            seed_paths=seed_paths,
            ready_file=Path(args.ready_file) if args.ready_file else None,
            exit_on_stdin_close=args.exit_on_stdin_close,
            imports_in_process=args.imports_in_process,
        )


def env_flag(value: str | None) -> bool:
    """An environment variable that switches a flag on: 1, true, yes or on."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")
