"""Issue 12, database faults: the warehouse goes away, is locked, or is not there.

- **PostgreSQL connections killed mid-run** (every backend of the warehouse database terminated with
  ``pg_terminate_backend`` — what a server restart does to a client, without restarting the server the other
  test sessions share): the run is held at a failpoint (``…:pause``) inside the load transaction, inside the
  mart transaction, or right after it started; its connections (the run lock's included) are terminated; the
  affected step is retried (:func:`pipeline.retrying.retry_transient`, SQLSTATE ``57P01``) and the run
  completes with the warehouse of a clean run.
- **A locked SQLite database** (another connection holds a write transaction): the run waits the busy timeout
  (``PIPELINE_SQLITE_BUSY_TIMEOUT``), retries, then fails with one line; nothing already loaded is lost and the
  next run (which closes the dead one ``abandoned``) gives the clean warehouse. The console commands that
  write (``db upgrade``, ``publish``, ``withdraw``) wait, then answer with one line and exit 2.
- **An unreachable warehouse**: ``withdraw`` joins the commands of ``test_reliability_secrets.py``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import crashkit as kit

PIPELINE = str(Path(sys.executable).with_name("pipeline"))
SECRET = "S3cretPassw0rd"
DEAD = f"postgresql://etl:{SECRET}@127.0.0.1:1/dw"


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    return kit.make_drop(tmp_path_factory.mktemp("fault-drop"))


def _clean(kind, drop, tmp):
    with kit.warehouse(kind, tmp) as url:
        kit.run_here(url, tmp / "data", drop)
        return kit.snapshot(url)


@pytest.fixture(scope="module")
def clean_pg(drop, tmp_path_factory):
    return _clean("postgres", drop, tmp_path_factory.mktemp("fault-clean-pg"))


@pytest.fixture(scope="module")
def clean_sqlite(drop, tmp_path_factory):
    return _clean("sqlite", drop, tmp_path_factory.mktemp("fault-clean-sqlite"))


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"the run ended before the failpoint: {proc.communicate()}"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _terminate_backends(url: str) -> int:
    import sqlalchemy as sa
    from conftest import PG_ADMIN_URL

    name = sa.engine.make_url(url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            return len(c.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": name}).all())
    finally:
        admin.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("point", ["load.mid-transaction", "mart.mid-transaction", "run.after-start"])
def test_connections_killed_mid_run_are_retried(point, clean_pg, drop, tmp_path):
    fp = tmp_path / "fp"
    fp.mkdir()
    with kit.warehouse("postgres", tmp_path) as url:
        from pipeline.warehouse import dispose_engine

        env = {"PIPELINE_FAILPOINT": f"{point}:pause", "PIPELINE_FAILPOINT_DIR": str(fp), "PIPELINE_RETRY_DELAY": "0.2"}
        p = kit.spawn(url, tmp_path / "data", drop, env=env)
        marker = fp / f"{point}.paused"
        _wait_for(marker, p)
        dispose_engine(url)  # this test's own connections are not the run's
        killed = _terminate_backends(url)
        assert killed >= 2  # the run's work connection(s) and its run lock's session
        marker.unlink()
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        if point != "run.after-start":  # a connection inside a transaction: the step fails and is retried
            assert "retry 1 of 3" in err, err
        assert '"loaded": 8' in out and '"failed": 2' in out, out
        assert [r["status"] for r in kit.runs(url)] == ["failed"]  # closed, as the clean run (two faulty agencies)
        assert kit.diff(kit.snapshot(url), clean_pg) == []
        assert kit.assert_published_whole(tmp_path / "data") == 2


def _hold_write_lock(db: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(db, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another writer, in the middle of its transaction
    return holder


def test_locked_sqlite_run_waits_then_fails_and_loses_nothing(clean_sqlite, drop, tmp_path):
    fp = tmp_path / "fp"
    fp.mkdir()
    with kit.warehouse("sqlite", tmp_path) as url:
        kit.run_here(url, tmp_path / "seed", drop)
        before = kit.snapshot(url)
        db = Path(url.removeprefix("sqlite:///"))
        env = {"PIPELINE_FAILPOINT": "batch.before-load:pause", "PIPELINE_FAILPOINT_DIR": str(fp),
               "PIPELINE_SQLITE_BUSY_TIMEOUT": "2", "PIPELINE_RETRIES": "1", "PIPELINE_RETRY_DELAY": "0.1"}
        p = kit.spawn(url, tmp_path / "data", drop, env=env)
        marker = fp / "batch.before-load.paused"
        _wait_for(marker, p)
        holder = _hold_write_lock(db)
        t0 = time.monotonic()
        marker.unlink()
        try:
            out, err = p.communicate(timeout=300)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        waited = time.monotonic() - t0
        assert p.returncode == 3, (out, err)
        assert waited >= 4  # the load and its retry each waited the 2 s busy timeout
        line = err.strip().splitlines()[-1]
        assert "database is locked" in line, err
        assert kit.diff(kit.durable(kit.snapshot(url)), kit.durable(before)) == []  # nothing lost or half-written
        # The failed run could not even close itself (the database was locked): the next run closes it.
        assert [r["status"] for r in kit.runs(url)] == ["failed", "running"]
        kit.run_here(url, tmp_path / "data", drop)
        assert [r["status"] for r in kit.runs(url)] == ["failed", "abandoned", "failed"]
        assert kit.diff(kit.snapshot(url), clean_sqlite) == []


def _cli(args: list[str], env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    e = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    return subprocess.run([PIPELINE, *args], capture_output=True, text=True, env=e, timeout=timeout, cwd=kit.ROOT)


LOCKED_COMMANDS = {
    "db upgrade": ["db", "upgrade", "--url", "{url}"],
    "publish": ["publish", "--year", "2022", "--warehouse-url", "{url}"],
    "withdraw": ["withdraw", "--year", "2022", "--agency", "900001-a00", "--reason", "test", "--by", "t",
                 "--warehouse-url", "{url}"],
}


@pytest.mark.parametrize("command", sorted(LOCKED_COMMANDS))
def test_locked_sqlite_command_waits_then_one_line(command, drop, tmp_path):
    with kit.warehouse("sqlite", tmp_path) as url:
        kit.run_here(url, tmp_path / "data", drop)
        before = kit.snapshot(url)
        db = Path(url.removeprefix("sqlite:///"))
        holder = _hold_write_lock(db)
        try:
            t0 = time.monotonic()
            p = _cli([a.format(url=url) for a in LOCKED_COMMANDS[command]],
                     env={"PIPELINE_SQLITE_BUSY_TIMEOUT": "2", "PIPELINE_CONFIG_DIR": str(drop.config_dir),
                          "PIPELINE_DATA_DIR": str(tmp_path / "data")})
            waited = time.monotonic() - t0
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert p.returncode == 2, (p.stdout, p.stderr)
        err = p.stderr.strip()
        assert "\n" not in err and "Traceback" not in p.stdout + p.stderr, err
        assert "database is locked" in err and str(db) in err, err
        assert waited >= 2
        assert kit.diff(kit.snapshot(url), before) == []


def test_unreachable_warehouse_withdraw_is_one_line():
    """``withdraw`` writes to the warehouse too (the other commands: test_reliability_secrets.py)."""
    p = _cli(["withdraw", "--year", "2021", "--agency", "330803-edu", "--reason", "x", "--by", "y",
              "--warehouse-url", DEAD])
    err = p.stderr.strip()
    assert p.returncode != 0 and "\n" not in err and "Traceback" not in p.stdout + err, (p.stdout, p.stderr)
    assert SECRET not in p.stdout + err and "127.0.0.1:1" in err and "***" in err, err
