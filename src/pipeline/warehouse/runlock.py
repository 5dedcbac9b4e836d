"""The run lock: one annual run per (warehouse, year) at a time, and runs whose process is gone found out.

Why: two runs of the same year at once (a scheduled run and one started by hand, a worker restarted while its
run still goes) would load the same agencies twice over, publish each other's half-loaded districts and
leave two runs "running". :func:`pipeline.warehouse.ledger.start_run` takes the lock before it writes the run
row, :func:`~pipeline.warehouse.ledger.finish_run` lets it go after closing the run.

How the lock is held — by something the operating system or the database server releases by itself when
the process dies (``SIGKILL``, OOM killer, power cut), so a lock is never left behind by a dead run:

* **PostgreSQL**: a session-level advisory lock ``pg_try_advisory_lock(0x70697065, year)`` held by a
  connection of its own for the whole run (``application_name`` ``pipeline-runlock <run id>``, TCP
  keepalives on, so the server also notices a host that vanished from the network). The server drops
  the lock when that session ends. Advisory locks are per database: the warehouse is the database.
* **SQLite**: an exclusive ``flock`` on ``<database file>.runlock-<year>`` beside the database, held by an
  open file descriptor for the whole run; the kernel drops it when the process dies. The file holds the
  owner (run id, pid, host, since) for the refusal message; it is never removed while held.

A second run is refused at once with one line naming the running run (Chinese and English), or waits for
up to ``PIPELINE_RUN_LOCK_WAIT`` seconds (or ``start_run(..., lock_wait=…)``) when asked. Runs started in
the same process share the lock (a test, or a flow whose runs share one process). An in-memory SQLite
database has no lock file: its runs are only shared by their own process anyway.

"Is that run still alive?" is answered by the lock, not by timestamps: a run of year Y is alive exactly
when some process holds year Y's lock. :func:`year_is_free` probes it (take and let go at once).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

#: First key of the two-key advisory lock (the second is the year): "pipe".
PG_NAMESPACE = 0x7069_7065
APP_NAME = "pipeline-runlock"
ENV_WAIT = "PIPELINE_RUN_LOCK_WAIT"
_POLL_S = 0.25


class RunLocked(RuntimeError):
    """Another process holds the run lock of this warehouse and year. ``str()`` is one line."""


@dataclass
class _Holder:
    kind: str  # "pg", "file" or "memory"
    handle: Any  # the PostgreSQL connection (and its engine), or the file descriptor
    runs: set[str] = field(default_factory=set)


_held: dict[tuple[str, int], _Holder] = {}
_mutex = threading.Lock()


def _key(engine: Engine, year: int) -> tuple[str, int]:
    return engine.url.render_as_string(hide_password=False), int(year)


def _lock_file(engine: Engine, year: int) -> Path | None:
    db = engine.url.database
    if engine.dialect.name != "sqlite" or not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).expanduser().resolve().with_name(f"{Path(db).name}.runlock-{int(year)}")


def wait_seconds(lock_wait: float | None = None) -> float:
    """How long to wait for the lock: ``lock_wait``, else ``PIPELINE_RUN_LOCK_WAIT`` (seconds), else 0."""
    if lock_wait is not None:
        return max(0.0, float(lock_wait))
    from pipeline.settings import seconds

    return seconds(ENV_WAIT, 0.0)


def acquire(engine: Engine, year: int, run_id: str, *, lock_wait: float | None = None) -> None:
    """Hold the (warehouse, ``year``) run lock for ``run_id``; :class:`RunLocked` if another process has it
    (after waiting up to :func:`wait_seconds`)."""
    key = _key(engine, year)
    with _mutex:
        holder = _held.get(key)
        if holder is not None:
            holder.runs.add(run_id)
            return
    deadline = time.monotonic() + wait_seconds(lock_wait)
    while True:
        holder = _try(engine, year)
        if holder is not None:
            break
        if time.monotonic() >= deadline:
            raise RunLocked(refusal(engine, year))
        time.sleep(_POLL_S)
    holder.runs.add(run_id)
    _note_owner(engine, holder, year, run_id)
    with _mutex:
        _held[key] = holder


def release(engine: Engine, year: int, run_id: str) -> None:
    """Let go of ``run_id``'s hold; the lock itself goes with the last run of this process holding it.

    A run closed by another process than the one that started it (a task on a Dask worker) cannot close a
    descriptor or session it does not own: its holder is broken instead (the session terminated, the lock
    file unlinked) — only if it names this run and no other run of the year is still running.
    """
    key = _key(engine, year)
    with _mutex:
        holder = _held.get(key)
        if holder is not None and run_id in holder.runs:
            holder.runs.discard(run_id)
            if holder.runs:
                return
            del _held[key]
        else:
            holder = None
    if holder is not None:
        _close(holder)
    else:
        _break_foreign(engine, year, run_id)


def held_runs() -> set[str]:
    """Run ids whose lock this process holds (alive here)."""
    with _mutex:
        return {r for h in _held.values() for r in h.runs}


def year_is_free(engine: Engine, year: int) -> bool:
    """True when no other process holds ``year``'s lock (probed by taking it and letting go at once).

    A year whose lock this process holds is not free.
    """
    with _mutex:
        if _key(engine, year) in _held:
            return False
    holder = _try(engine, year)
    if holder is None:
        return False
    _close(holder)
    return True


def year_is_running(engine: Engine, year: int) -> bool:
    """Whether some process (this one included) holds ``year``'s lock — for read-only commands: creates
    nothing (a SQLite lock file that is not there means no run holds it)."""
    if engine.dialect.name != "postgresql":
        path = _lock_file(engine, year)
        if path is not None and not path.exists():
            return False
    return not year_is_free(engine, year)


def refusal(engine: Engine, year: int) -> str:
    """The one line a refused run gets: which run holds the lock, where, since when (Chinese and English)."""
    owner = _owner(engine, year)
    who = f"run {owner.get('run_id') or '(unknown)'}"
    extra = [f"{k} {owner[k]}" for k in ("pid", "host", "since") if owner.get(k)]
    if extra:
        who += f" ({', '.join(extra)})"
    return (f"{year} 年度运行正在进行，本次运行未启动 / another annual run for {year} is in progress on this warehouse: "
            f"{who} holds the run lock; this run was not started — wait for it to finish, "
            f"or set {ENV_WAIT}=SECONDS to wait for it")


# -- the two kinds of lock -------------------------------------------------------------------------------


def _try(engine: Engine, year: int) -> _Holder | None:
    if engine.dialect.name == "postgresql":
        return _try_pg(engine, year)
    path = _lock_file(engine, year)
    if path is None:
        return _Holder("memory", None)
    return _try_file(path)


def _try_pg(engine: Engine, year: int) -> _Holder | None:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    url = engine.url
    args: dict[str, Any] = {"application_name": APP_NAME, "keepalives": 1, "keepalives_idle": 30,
                            "keepalives_interval": 10, "keepalives_count": 3}
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = 10
    eng = create_engine(url, poolclass=NullPool, connect_args=args)
    try:
        conn = eng.connect().execution_options(isolation_level="AUTOCOMMIT")
    except BaseException:
        eng.dispose()
        raise
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:ns, :y)"), {"ns": PG_NAMESPACE, "y": int(year)}).scalar()
    except BaseException:
        conn.close()
        eng.dispose()
        raise
    if not got:
        conn.close()
        eng.dispose()
        return None
    return _Holder("pg", (eng, conn))


def _try_file(path: Path) -> _Holder | None:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(5):  # the file may be replaced between open and flock (a broken holder): try again
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:
            st, now = os.fstat(fd), os.stat(path)
        except FileNotFoundError:
            os.close(fd)
            continue
        if (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino):
            return _Holder("file", (fd, path))
        os.close(fd)
    return None


def _close(holder: _Holder) -> None:
    if holder.kind == "pg":
        eng, conn = holder.handle
        try:
            conn.close()  # the session ends: the server drops every advisory lock it held
        except Exception:  # the session is already gone (server restarted): so is its lock
            pass
        finally:
            eng.dispose()
    elif holder.kind == "file":
        fd, _path = holder.handle
        os.close(fd)  # the flock goes with the last descriptor


def _note_owner(engine: Engine, holder: _Holder, year: int, run_id: str) -> None:
    if holder.kind == "pg":
        _eng, conn = holder.handle
        conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": f"{APP_NAME} {run_id}"[:63]})
    elif holder.kind == "file":
        fd, _path = holder.handle
        doc = {"run_id": run_id, "year": int(year), "pid": os.getpid(), "host": socket.gethostname(),
               "since": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()}
        data = json.dumps(doc).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)


def _owner(engine: Engine, year: int) -> dict:
    """Who holds the lock: the lock file's owner (SQLite), else the year's latest running run in the ledger."""
    path = _lock_file(engine, year)
    if path is not None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8") or "{}")
            if isinstance(doc, dict) and doc.get("run_id"):
                return doc
        except (OSError, ValueError):
            pass
    from pipeline.warehouse.models import Run

    rt = Run.__table__
    try:
        with engine.connect() as conn:
            row = conn.execute(select(rt.c.id, rt.c.started_at).where(rt.c.year == int(year), rt.c.status == "running")
                               .order_by(rt.c.started_at.desc()).limit(1)).first()
    except Exception:  # the message must not fail: say what we know
        row = None
    if row is None:
        return {}
    since = row.started_at.replace(microsecond=0).isoformat() if row.started_at else None
    return {"run_id": row.id, "since": since}


def _break_foreign(engine: Engine, year: int, run_id: str) -> None:
    from pipeline.warehouse.models import Run

    rt = Run.__table__
    with engine.connect() as conn:
        others = conn.execute(select(rt.c.id).where(rt.c.year == int(year), rt.c.status == "running",
                                                    rt.c.id != run_id)).first()
        if others is not None:
            return
        if engine.dialect.name == "postgresql":
            conn.execute(text(
                "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a "
                "JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted "
                "AND l.classid = :ns AND l.objid = :y AND l.objsubid = 2 "
                "WHERE a.datname = current_database() AND a.application_name = :n AND a.pid <> pg_backend_pid()"),
                {"ns": PG_NAMESPACE, "y": int(year), "n": f"{APP_NAME} {run_id}"[:63]})
            conn.commit()
            return
    path = _lock_file(engine, year)
    if path is None:
        return
    try:
        doc = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return
    if isinstance(doc, dict) and doc.get("run_id") == run_id:
        path.unlink(missing_ok=True)  # the holder keeps a lock on a file nobody opens any more
