"""Which errors are worth retrying: only a database that is briefly away or busy, never bad input.

Used by the orchestrator's retry condition (and the bulk loader's fallback). Decided by the driver's error
codes, never by words in the message:

* SQLAlchemy: a ``DBAPIError`` whose connection was invalidated (a dropped connection) is transient;
  otherwise the driver's own exception (``.orig``) decides.
* PostgreSQL (psycopg): by SQLSTATE — class ``08`` connection exception, ``40001`` serialization failure,
  ``40P01`` deadlock, class ``53`` insufficient resources (too many connections, out of memory / disk),
  ``55P03`` lock not available, ``57P01``–``57P05`` server shutting down / restarting / idle session
  killed; and a ``psycopg.OperationalError`` without any SQLSTATE (the connection failed before the server
  answered: refused, reset, timed out).
* SQLite (``sqlite3``): by the primary result code — ``SQLITE_BUSY`` (5) and ``SQLITE_LOCKED`` (6): another
  writer holds the database.

Everything else — constraint violations (``23…``), syntax and data errors (``22…``, ``42…``), our own
errors — fails at once.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

#: SQLSTATE classes (first two characters) and codes worth a retry.
TRANSIENT_SQLSTATE_CLASSES: frozenset[str] = frozenset({"08", "53"})
TRANSIENT_SQLSTATES: frozenset[str] = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "57P04",
                                                 "57P05"})
#: SQLite primary result codes worth a retry: SQLITE_BUSY, SQLITE_LOCKED.
TRANSIENT_SQLITE_CODES: frozenset[int] = frozenset({5, 6})


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE a driver attached to ``error`` (psycopg: ``sqlstate``/``diag.sqlstate``), or None."""
    code = getattr(error, "sqlstate", None)
    if code is None:
        diag = getattr(error, "diag", None)
        code = getattr(diag, "sqlstate", None) if diag is not None else None
    return code if isinstance(code, str) and code else None


def is_transient(error: BaseException | None) -> bool:
    if error is None:
        return False
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        return error.orig is not None and is_transient(error.orig)
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return isinstance(code, int) and (code & 0xFF) in TRANSIENT_SQLITE_CODES
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if isinstance(error, psycopg.Error):
        code = sqlstate(error)
        if code is None:
            return isinstance(error, psycopg.OperationalError)  # no answer from the server at all
        return code in TRANSIENT_SQLSTATES or code[:2] in TRANSIENT_SQLSTATE_CLASSES
    return False


def is_transient_state(task, task_run, state) -> bool:  # Prefect's retry_condition_fn signature
    try:
        error = state.result(raise_on_failure=False)
    except Exception as e:  # the state could not even be resolved: treat its error as the cause
        error = e
    return isinstance(error, BaseException) and is_transient(error)
