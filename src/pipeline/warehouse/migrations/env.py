"""Alembic environment of the warehouse.

Used two ways: programmatically (``pipeline.warehouse.upgrade`` / ``pipeline db …`` hand over an open
connection in ``config.attributes["connection"]``) and from the ``alembic`` command with the repo's
``alembic.ini``. The database URL is, in order: ``-x url=…``, ``sqlalchemy.url`` in the config,
``PIPELINE_WAREHOUSE_URL`` / the settings' default SQLite file.

SQLite runs migrations in batch mode (``render_as_batch``), so ALTERs become table copies there.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from pipeline.warehouse.engine import get_engine
from pipeline.warehouse.models import metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str | None:
    return context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url") or None


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_offline() -> None:
    url = _url() or str(get_engine().url)
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = get_engine(_url())
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
