"""``pipeline db upgrade|current|check [--warehouse-url URL]`` (or ``--url``): manage the warehouse schema.

``upgrade`` migrates to the newest revision (the annual run does it too); ``current`` shows where the
database is; ``check`` fails (exit 1) when the database is behind, differs from the models (``alembic
check``) or holds facts the schema cannot vouch for (see ``integrity_problems``).

``current`` and ``check`` only read: they never create a database (a mistyped SQLite path is an error).
A warehouse that cannot be reached is one line on stderr naming its host, password masked, exit 2.
"""

from __future__ import annotations

import typer
from sqlalchemy.engine import make_url

URL_HELP = "SQLAlchemy URL; default: PIPELINE_WAREHOUSE_URL or SQLite under PIPELINE_DATA_DIR."

db_app = typer.Typer(help="Manage the warehouse schema (Alembic migrations).", no_args_is_help=True)


def _engine(url: str | None, *, create: bool = False):
    """(engine, masked URL); ``create``: the database may be created (upgrade), else it must exist and answer."""
    from pipeline.warehouse.engine import error_line, get_engine, open_warehouse

    try:
        if create:
            engine = get_engine(url)
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        else:
            engine = open_warehouse(url)
    except Exception as e:  # the server refused, a bad URL, a directory that cannot be made
        from pipeline.settings import get_settings

        typer.echo(error_line(url or get_settings().warehouse_url, e, reached=False), err=True)
        raise typer.Exit(2) from None
    return engine, make_url(str(engine.url)).render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade_cmd(url: str = typer.Option(None, "--url", "--warehouse-url", help=URL_HELP)) -> None:
    """Migrate the warehouse to the newest schema (creates it in an empty database)."""
    from pipeline.warehouse.engine import current_revision, upgrade

    engine, shown = _engine(url, create=True)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    typer.echo(f"{shown}: {before or '(empty)'} -> {after}" if before != after else f"{shown}: already at {after}")


@db_app.command("current")
def current_cmd(url: str = typer.Option(None, "--url", "--warehouse-url", help=URL_HELP)) -> None:
    """Print the database's revision and the newest one."""
    from pipeline.warehouse.engine import current_revision, head_revision

    engine, shown = _engine(url)
    current, head = current_revision(engine), head_revision()
    state = "up to date" if current == head else "behind: run `pipeline db upgrade`"
    typer.echo(f"{shown}: revision {current or '(none)'}, head {head} ({state})")


@db_app.command("check")
def check_cmd(url: str = typer.Option(None, "--url", "--warehouse-url", help=URL_HELP)) -> None:
    """Exit 1 unless the database is at head, matches the models and passes the integrity checks."""
    from alembic.util.exc import CommandError

    from pipeline.warehouse.engine import check, current_revision, head_revision
    from pipeline.warehouse.queries import integrity_problems

    engine, shown = _engine(url)
    current, head = current_revision(engine), head_revision()
    if current != head:
        typer.echo(f"{shown}: at revision {current or '(none)'}, head is {head}: run `pipeline db upgrade`", err=True)
        raise typer.Exit(1)
    try:
        check(engine)
    except CommandError as e:
        typer.echo(f"{shown}: schema drift: {e}", err=True)
        raise typer.Exit(1) from None
    problems = integrity_problems(engine)
    if problems:
        typer.echo(f"{shown}: " + "; ".join(problems), err=True)
        raise typer.Exit(1)
    typer.echo(f"{shown}: at head {head}, no drift, integrity checks passed")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
