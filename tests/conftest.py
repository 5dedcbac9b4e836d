"""Shared fixtures: where the real-report corpus is, and whether tests may skip what is absent.

Under ``CI=true`` nothing that CI can provide may skip: a missing corpus or a PostgreSQL server that
is down fails the test instead, so a green CI always means the test really ran.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Prefect in tests: no telemetry (closed network), and patience for a temporary server on a busy machine.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's clone; fail under CI, where the thing must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """``../shared/corpus/real`` (raw/ and truth/)."""
    if not (CORPUS / "truth").is_dir():
        skip_or_fail(f"real-report corpus not found at {CORPUS}")
    return CORPUS


PG_ADMIN_URL = os.environ.get("PIPELINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin():
    """An AUTOCOMMIT engine on the server's ``test`` database; skips (fails under CI) when it is down."""
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text("select 1"))
    except Exception as e:  # any connection failure means "no server here"
        admin.dispose()
        skip_or_fail(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(e).__name__}")
    return admin


@contextmanager
def new_pg_database(prefix: str = "pipeline_test"):
    """Create a uniquely named PostgreSQL database, yield its URL, drop it (with its connections) after."""
    import uuid

    import sqlalchemy as sa

    admin = _pg_admin()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(sa.text(f'create database "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from pipeline.warehouse import dispose_engine

        dispose_engine(url)
        with admin.connect() as c:
            c.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    Skips when the server is down on a developer's clone; fails under CI=true.
    """
    with new_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def prefect_harness():
    """A real, temporary Prefect server (loopback) and database for flow tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
