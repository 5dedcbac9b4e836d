"""Connecting to the warehouse and migrating it: one engine per URL, Alembic upgrade to head.

SQLite gets the pragmas a concurrent batch job needs (WAL so readers never block the writer, foreign
keys on, a busy timeout) and explicit transaction control: the driver's implicit BEGIN is switched off
so that write transactions can start with ``BEGIN IMMEDIATE`` (see :func:`write_transaction`) — two
agencies loaded at once then queue for the write lock instead of failing with "database is locked"
halfway through. PostgreSQL URLs are normalised to the psycopg 3 driver, and connect with a timeout
(``connect_timeout`` 10 s unless the URL sets one), so an unreachable server fails in seconds, and with
JIT compilation off (:data:`PG_SESSION_SETUP`): every query of the pipeline is a lookup on an index, and
JIT's compile time, spent whenever the planner's estimates run high, is pure loss for them.

Read-only commands open the warehouse with :func:`open_warehouse`: it never creates anything (a SQLite
path that does not exist is an error, not a new empty database), checks that the database answers, and
turns any failure into :class:`WarehouseUnavailable` — one line naming the host (or file) with the
password masked (:func:`mask_url`, :func:`describe`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

#: Where the Alembic environment lives inside the package (works installed and from a clone).
SCRIPT_LOCATION = "pipeline.warehouse:migrations"
#: Transaction-level advisory lock key that serialises concurrent migrations on PostgreSQL.
_PG_MIGRATION_LOCK = 0x7069_7065  # "pipe"


_engines: dict[str, Engine] = {}
_lock = threading.Lock()
#: Seconds a PostgreSQL connection attempt may take (unless the URL sets ``connect_timeout``).
CONNECT_TIMEOUT_S = 10
#: Session setting of the pipeline's PostgreSQL connections (see :func:`_create`).
PG_SESSION_SETUP = "SET jit = off"


class WarehouseUnavailable(Exception):
    """The warehouse cannot be opened or does not answer. ``str()`` is one line, password masked."""


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (one that cannot be parsed is not shown at all)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show nothing secret
        return "<unparseable warehouse URL>"


def describe(url: str) -> str:
    """Where the warehouse is, for messages: ``host db.example:5432, database dw, user etl`` or ``SQLite file …``."""
    try:
        u = make_url(url)
    except Exception:
        return "an unparseable warehouse URL"
    if u.get_backend_name() == "sqlite":
        return f"SQLite file {u.database}" if u.database and u.database != ":memory:" else "an in-memory SQLite database"
    where = f"host {u.host or 'localhost'}:{u.port or 5432}"
    return where + (f", database {u.database}" if u.database else "") + (f", user {u.username}" if u.username else "")


def scrub(text: str, url: str | None) -> str:
    """``text`` without the password of ``url`` (drivers sometimes echo the connection string)."""
    try:
        password = make_url(url).password if url else None
    except Exception:
        password = None
    if password:
        from urllib.parse import quote_plus

        for form in {str(password), quote_plus(str(password))}:
            text = text.replace(form, "***")
    return text


def failure_line(url: str, exc: BaseException) -> str:
    """One line: the masked URL, where it is, and the first line of the driver's reason."""
    orig = getattr(exc, "orig", None) or exc
    reason = next((ln.strip() for ln in str(orig).splitlines() if ln.strip()), "") or type(orig).__name__
    reason = scrub(reason, url)
    return f"warehouse {mask_url(url)} ({describe(url)}) cannot be reached: {type(orig).__name__}: {reason}"


def is_locked(exc: BaseException) -> bool:
    """A SQLite "database is locked / busy" error (another process holds the write lock)."""
    import sqlite3

    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(orig, sqlite3.Error) and isinstance(code, int) and (code & 0xFF) in (5, 6)


def error_line(url: str, exc: BaseException, *, reached: bool = True) -> str:
    """One line, Chinese / English, for a warehouse error in the middle of a command (``reached``) or when
    connecting: a locked SQLite file says so and how long it was waited for; the password is masked."""
    if isinstance(exc, WarehouseUnavailable):
        return str(exc) if str(exc).startswith("无法连接数据仓库") else f"无法连接数据仓库 / {exc}"
    if is_locked(exc):
        orig = getattr(exc, "orig", None) or exc
        reason = next((ln.strip() for ln in str(orig).splitlines() if ln.strip()), "locked")
        try:
            waited = f"{sqlite_busy_timeout():g} s"
        except ValueError:
            waited = "the busy timeout"
        return (f"数据仓库被其他进程锁定 / the warehouse {mask_url(url)} is locked by another process "
                f"(waited {waited}): {type(orig).__name__}: {scrub(reason, url)}")
    line = failure_line(url, exc)
    if reached:
        return "数据仓库操作失败 / " + line.replace("cannot be reached", "failed", 1)
    return "无法连接数据仓库 / " + line


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` → ``postgresql+psycopg://`` (the driver this project installs)."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: the settings' warehouse URL), created once per URL per process."""
    if url is None:
        from pipeline.settings import get_settings

        url = get_settings().warehouse_url
    url = normalise_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create(url)
        return engine


def dispose_engine(url: str) -> None:
    """Close and forget the cached engine of ``url`` (before dropping its database, say)."""
    with _lock:
        engine = _engines.pop(normalise_url(url), None)
    if engine is not None:
        engine.dispose()


def dispose_engines() -> None:
    """Close and forget every cached engine (test teardown, before dropping databases)."""
    with _lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def sqlite_busy_timeout() -> float:
    """Seconds a SQLite statement waits for another writer's lock: ``PIPELINE_SQLITE_BUSY_TIMEOUT`` (default 60)."""
    from pipeline.settings import seconds

    return seconds("PIPELINE_SQLITE_BUSY_TIMEOUT", 60.0)


def _create(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        args = {} if "connect_timeout" in u.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        engine = create_engine(url, pool_pre_ping=True, connect_args=args)

        @event.listens_for(engine, "connect")
        def _pg_session(dbapi_conn, _record) -> None:
            # the pipeline's queries are short lookups on indexes: JIT only adds its compile time (≈ 50–100 ms
            # a query) when the planner's estimates run high. A SET, not a startup option: connection poolers
            # (PgBouncer) refuse unknown startup options; a server without JIT (before 11) refuses the SET — ignored.
            try:
                with dbapi_conn.cursor() as cur:
                    cur.execute(PG_SESSION_SETUP)
                dbapi_conn.commit()
            except Exception:  # a session setting, never a reason not to connect
                dbapi_conn.rollback()

        return engine
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    busy_s = sqlite_busy_timeout()
    engine = create_engine(url, connect_args={"timeout": busy_s})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", f"busy_timeout={int(busy_s * 1000)}",
                       "cache_size=-32768"):  # 32 MiB page cache: bulk inserts stay in memory
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def open_warehouse(url: str | None = None, *, probe: bool = True) -> Engine:
    """The engine of an existing, reachable warehouse — for commands that only read. Creates nothing.

    Raises :class:`WarehouseUnavailable` (one line, password masked, naming the host or file) when the URL
    cannot be parsed, a SQLite file does not exist, or the database does not answer ``SELECT 1``.
    """
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    if url is None:
        from pipeline.settings import get_settings

        url = get_settings().warehouse_url
    try:
        u = make_url(normalise_url(url))
    except (ArgumentError, ValueError) as e:
        raise WarehouseUnavailable(f"warehouse URL {mask_url(url)} is not a database URL: {scrub(str(e), url)}") from None
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        path = Path(u.database).expanduser()
        if not path.is_file():
            raise WarehouseUnavailable(f"warehouse {mask_url(url)}: no SQLite database at {path} (nothing was created; "
                                       "check the path, PIPELINE_WAREHOUSE_URL or PIPELINE_DATA_DIR — "
                                       "`pipeline db upgrade` creates a new warehouse)")
    try:
        engine = get_engine(url)
        if probe:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
    except (SQLAlchemyError, OSError, ImportError) as e:
        raise WarehouseUnavailable(failure_line(url, e)) from None
    return engine


def driver_rows(conn: Connection, stmt, params: dict) -> list[tuple]:
    """``stmt``'s rows as the driver's own tuples (compiled by SQLAlchemy for the dialect, parameters expanded).

    For large reads of plain columns (ints, floats, text, booleans stored as 0/1 or bool), where building a
    SQLAlchemy ``Row`` per row costs as much as the read itself or more; the values are what ``Row`` holds
    for such untyped columns.
    """
    compiled = stmt.compile(dialect=conn.dialect)
    state = compiled.construct_expanded_state(params)
    args = state.positional_parameters if compiled.positional else state.parameters
    cursor = conn.connection.cursor()
    try:
        cursor.execute(state.statement, args)
        return cursor.fetchall()
    finally:
        cursor.close()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: ``BEGIN IMMEDIATE`` on SQLite (take the write lock first), plain on others."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn


# -- Alembic -------------------------------------------------------------------------------------------


def alembic_config(url_or_connection: str | Connection | None = None):
    """An Alembic ``Config`` for the packaged environment, bound to a URL or an open connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if isinstance(url_or_connection, Connection):
        cfg.attributes["connection"] = url_or_connection
    elif url_or_connection is not None:
        cfg.set_main_option("sqlalchemy.url", normalise_url(url_or_connection).replace("%", "%%"))
    return cfg


def migrations_dir() -> Path:
    return Path(str(resources.files("pipeline.warehouse").joinpath("migrations")))


def upgrade(url_or_engine: str | Engine | None = None) -> None:
    """Migrate the warehouse to the newest schema (``alembic upgrade head``); a no-op when it is there.

    Also re-syncs the code dimension tables with :mod:`pipeline.vocabulary` (writes only what differs).
    Concurrent callers are serialised (an advisory lock on PostgreSQL, the write lock on SQLite).
    """
    from alembic import command

    from pipeline.warehouse.dimensions import sync_dimensions

    engine = url_or_engine if isinstance(url_or_engine, Engine) else get_engine(url_or_engine)
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        command.upgrade(alembic_config(conn), "head")
        sync_dimensions(conn)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def check(engine: Engine) -> None:
    """``alembic check``: raise ``alembic.util.exc.AutogenerateDiffsDetected`` if the database and the
    models differ (or the database is not at head)."""
    from alembic import command

    with engine.connect() as conn:
        command.check(alembic_config(conn))
