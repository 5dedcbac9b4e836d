"""Retries only for transient database faults, decided by SQLSTATE / the driver's result codes — with real
errors from real databases, and messages that would fool a word match."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from pipeline.transient import is_transient


def test_sqlite_busy_is_transient_and_a_constraint_is_not(tmp_path):
    path = tmp_path / "db.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("INSERT INTO t VALUES (2)")
    holder.execute("COMMIT")
    with pytest.raises(sqlite3.IntegrityError) as dup:
        other.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError) as syntax:
        other.execute("SELEC connection timeout database is locked")  # the words, not the code
    assert is_transient(busy.value) and is_transient(sa_exc.OperationalError("insert", {}, busy.value))
    assert not is_transient(dup.value) and not is_transient(sa_exc.IntegrityError("insert", {}, dup.value))
    assert not is_transient(syntax.value)
    assert not is_transient(sa_exc.OperationalError("x", {}, Exception("server closed the connection")))
    assert not is_transient(ValueError("database is locked")) and not is_transient(None)
    holder.close()
    other.close()


@pytest.mark.postgres
def test_postgres_by_sqlstate(pg_url):
    url = sa.engine.make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as a, psycopg.connect(url, autocommit=True) as b:
        a.execute("CREATE TEMP TABLE t (id int PRIMARY KEY)")
        a.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(psycopg.errors.UniqueViolation) as dup:
            a.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(psycopg.errors.UndefinedTable) as missing:
            a.execute('SELECT * FROM "connection timeout"')
        pid = a.info.backend_pid
        b.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError) as gone:
            a.execute("SELECT 1")
    assert not is_transient(dup.value) and not is_transient(missing.value)
    assert is_transient(gone.value), (type(gone.value), getattr(gone.value, "sqlstate", None))
    assert is_transient(psycopg.errors.SerializationFailure()) and is_transient(psycopg.errors.DeadlockDetected())
    assert is_transient(psycopg.errors.TooManyConnections()) and is_transient(psycopg.errors.CannotConnectNow())
    assert not is_transient(psycopg.errors.DivisionByZero())
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("postgresql://postgres@127.0.0.1:1/test", connect_timeout=2)
    assert is_transient(refused.value)
