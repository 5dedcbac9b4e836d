"""Which errors are worth retrying: only a database that is briefly away, never bad input.

Used by the orchestrator's retry condition: validation failures and unreadable files fail at once,
while a dropped connection or a restarting server (SQLAlchemy ``OperationalError``/``InterfaceError``
with the connection invalidated, or psycopg's ``OperationalError``) gets retried.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc


def is_transient(error: BaseException | None) -> bool:
    if error is None:
        return False
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)):
        text = str(error).lower()
        # SQLite "database is locked" is contention, also worth another try.
        return any(k in text for k in ("connection", "server closed", "terminating", "shutting down",
                                       "could not connect", "database is locked", "timeout", "starting up"))
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(error, psycopg.OperationalError)


def is_transient_state(task, task_run, state) -> bool:  # Prefect's retry_condition_fn signature
    try:
        error = state.result(raise_on_failure=False)
    except Exception as e:  # the state could not even be resolved: treat its error as the cause
        error = e
    return isinstance(error, BaseException) and is_transient(error)
