"""Where things live. Every path and URL has one environment variable and one default.

- ``PIPELINE_DATA_DIR`` (default ``./data``): the warehouse SQLite file, published marts, run outputs.
- ``PIPELINE_WAREHOUSE_URL``: any SQLAlchemy URL; default ``sqlite:///<data>/warehouse.sqlite``.
- ``PIPELINE_CONFIG_DIR`` (default ``./config``): the district → agencies registry.
- ``PIPELINE_SUBMISSIONS_DIR`` (default ``./demo/submissions``): the drop folder
  ``<submissions>/<year>/<district>/<agency id>.<ext>``.
- ``PIPELINE_MAX_FILE_BYTES`` (default 50 MiB): larger submissions are refused before reading.
- ``PIPELINE_MAX_UNPACKED_BYTES`` (default 64 MiB): a .docx/.xlsx whose XML parts unpack to more is refused
  (a zip bomb), counted as the parts are inflated, whatever their headers claim.
- ``PIPELINE_WORKERS`` (default: the number of CPUs): processes that parse submissions.
- ``PIPELINE_BATCH_SIZE`` (default 500): most agencies in one batch (whole districts are packed, a larger
  district is split); ``PIPELINE_BATCH_CONCURRENCY`` (default 2): batches in flight at once (one loads
  while the next parses).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _path(var: str, default: str) -> Path:
    return Path(os.environ.get(var) or default).expanduser()


def _env_number(var: str, default, parse, least: float, allowed: str):
    """``var`` from the environment parsed by ``parse`` (``default`` when unset), at least ``least`` and
    finite; ``ValueError`` naming the variable and the values ``allowed`` otherwise."""
    raw = os.environ.get(var)
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        value = None
    if value is None or not value >= least or value == float("inf"):
        raise ValueError(f"{var} must be {allowed}, got {raw!r}")
    return value


def positive(var: str, default: int) -> int:
    """A positive integer from the environment; ``ValueError`` naming the variable otherwise."""
    return _env_number(var, default, int, 1, "a positive integer (1, 2, …)")


def seconds(var: str, default: float) -> float:
    """A number of seconds ≥ 0 from the environment; ``ValueError`` naming the variable otherwise."""
    return _env_number(var, default, float, 0, "a number of seconds ≥ 0 (e.g. 0, 2, 0.5)")


def count(var: str, default: int) -> int:
    """An integer ≥ 0 from the environment; ``ValueError`` naming the variable otherwise."""
    return _env_number(var, default, int, 0, "a whole number ≥ 0 (0, 1, 2, …)")


#: Every numeric setting, what it must be, and its default (for :func:`check_environment`).
_NUMERIC: tuple[tuple[str, str], ...] = (
    ("PIPELINE_WORKERS", "positive"), ("PIPELINE_BATCH_SIZE", "positive"), ("PIPELINE_BATCH_CONCURRENCY", "positive"),
    ("PIPELINE_MAX_FILE_BYTES", "positive"), ("PIPELINE_MAX_UNPACKED_BYTES", "positive"),
    ("PIPELINE_DASK_WORKERS", "positive"), ("PIPELINE_RETRIES", "count"), ("PIPELINE_RETRY_DELAY", "seconds"),
    ("PIPELINE_SQLITE_BUSY_TIMEOUT", "seconds"), ("PIPELINE_RUN_LOCK_WAIT", "seconds"),
)


def check_environment() -> None:
    """Every numeric ``PIPELINE_*`` variable that is set is valid; ``ValueError`` (one line naming the variable
    and the values allowed) for the first that is not. The command line checks this before any command."""
    for var, kind in _NUMERIC:
        {"positive": positive, "count": count, "seconds": seconds}[kind](var, 0)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: _path("PIPELINE_DATA_DIR", "data"))
    config_dir: Path = field(default_factory=lambda: _path("PIPELINE_CONFIG_DIR", "config"))
    submissions_dir: Path = field(default_factory=lambda: _path("PIPELINE_SUBMISSIONS_DIR", "demo/submissions"))
    warehouse_url_env: str | None = field(default_factory=lambda: os.environ.get("PIPELINE_WAREHOUSE_URL") or None)
    max_file_bytes: int = field(default_factory=lambda: positive("PIPELINE_MAX_FILE_BYTES", 50 * 2**20))
    max_unpacked_bytes: int = field(default_factory=lambda: positive("PIPELINE_MAX_UNPACKED_BYTES", 64 * 2**20))
    workers: int = field(default_factory=lambda: positive("PIPELINE_WORKERS", os.cpu_count() or 1))
    batch_size: int = field(default_factory=lambda: positive("PIPELINE_BATCH_SIZE", 500))
    batch_concurrency: int = field(default_factory=lambda: positive("PIPELINE_BATCH_CONCURRENCY", 2))

    @property
    def warehouse_url(self) -> str:
        if self.warehouse_url_env:
            return self.warehouse_url_env
        return f"sqlite:///{(self.data_dir / 'warehouse.sqlite').resolve()}"

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"


#: The environment variables :class:`Settings` reads (``HOME``: ``~`` in a path).
_ENV = ("PIPELINE_DATA_DIR", "PIPELINE_CONFIG_DIR", "PIPELINE_SUBMISSIONS_DIR", "PIPELINE_WAREHOUSE_URL",
        "PIPELINE_MAX_FILE_BYTES", "PIPELINE_MAX_UNPACKED_BYTES", "PIPELINE_WORKERS", "PIPELINE_BATCH_SIZE",
        "PIPELINE_BATCH_CONCURRENCY", "HOME")


@lru_cache(maxsize=16)
def _settings(env: tuple[str | None, ...]) -> Settings:
    return Settings()


def get_settings() -> Settings:
    """Settings as the environment says now: tests and the CLI change the environment, so the cache is
    keyed on the variables read (a parse asks for the limits once per file)."""
    environ = os.environ
    return _settings(tuple(environ.get(v) for v in _ENV))
