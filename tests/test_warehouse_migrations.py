"""Migrations on empty databases, SQLite and PostgreSQL: ``alembic upgrade head`` (through the repo's
alembic.ini and through ``pipeline db``), then ``alembic check`` finds no drift; drift and broken facts
are caught; every constraint carries its conventional name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.warehouse import dispose_engine, get_engine, upgrade
from pipeline.warehouse.engine import alembic_config, current_revision, head_revision, normalise_url
from pipeline.warehouse.models import metadata

ROOT = Path(__file__).resolve().parents[1]
VIEWS = {"v_active_reports", "v_active_cells", "v_proactive_wide", "v_requests_wide", "v_appeals_wide",
         "bi_district_cells", "bi_district_kpis", "bi_district_coverage",
         "v_agency_year_figures", "v_district_year", "v_kpi_agency_year", "v_kpi_district_year", "v_agency_year_status",
         "v_column_labels"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    """An empty database of each kind (PostgreSQL: a uniquely named one, dropped afterwards)."""
    if request.param == "sqlite":
        (tmp_path / "empty.sqlite").touch()  # an empty database (read-only commands create none: issue 12)
        url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
        yield url
        dispose_engine(url)
        return
    from conftest import new_pg_database

    with new_pg_database("pipeline_wh") as url:
        yield url


def _alembic(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), *args], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=300)


def _objects(url: str) -> tuple[set[str], set[str]]:
    insp = sa.inspect(get_engine(url))
    return set(insp.get_table_names()), set(insp.get_view_names())


def test_alembic_ini_upgrades_an_empty_database_and_check_finds_no_drift(empty_url):
    up = _alembic("-x", f"url={empty_url}", "upgrade", "head")
    assert up.returncode == 0, up.stderr
    tables, views = _objects(empty_url)
    assert tables == set(metadata.tables) | {"alembic_version"}
    assert views == VIEWS
    check = _alembic("-x", f"url={empty_url}", "check")
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout
    current = _alembic("-x", f"url={empty_url}", "current")
    assert f"{head_revision()} (head)" in current.stdout
    with get_engine(empty_url).connect() as conn:  # 0002 filled the dimensions
        assert conn.execute(sa.text("SELECT COUNT(*) FROM dim_cols")).scalar_one() > 0


def test_pipeline_db_commands_on_an_empty_database(empty_url):
    runner = CliRunner()
    r = runner.invoke(app, ["db", "current", "--url", empty_url])
    assert r.exit_code == 0 and "revision (none)" in r.output and "behind" in r.output
    r = runner.invoke(app, ["db", "check", "--url", empty_url])
    assert r.exit_code == 1
    r = runner.invoke(app, ["db", "upgrade", "--url", empty_url])
    assert r.exit_code == 0, r.output
    assert f"(empty) -> {head_revision()}" in r.output
    r = runner.invoke(app, ["db", "upgrade", "--url", empty_url])
    assert r.exit_code == 0 and f"already at {head_revision()}" in r.output
    r = runner.invoke(app, ["db", "current", "--url", empty_url])
    assert "up to date" in r.output
    r = runner.invoke(app, ["db", "check", "--url", empty_url])
    assert r.exit_code == 0, r.output
    assert "no drift" in r.output


def test_downgrade_to_base_and_upgrade_again(empty_url):
    engine = get_engine(empty_url)
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    tables, views = _objects(empty_url)
    assert tables <= {"alembic_version"} and views == set()
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _objects(empty_url)[1] == VIEWS


def test_check_catches_drift_and_broken_facts(empty_url):
    engine = get_engine(empty_url)
    upgrade(engine)
    runner = CliRunner()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO fact_cells (report_id, table_code, row_code, col_code, value, raw, blank, "
                             "ambiguous, seq) VALUES (999, 'requests', 'nope', 'total', 1, '1', FALSE, FALSE, 0)"))
    r = runner.invoke(app, ["db", "check", "--url", empty_url])
    assert r.exit_code == 1
    assert "1 cells of no report" in r.output and "1 cells with a row code not in dim_rows" in r.output
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM fact_cells"))
        conn.execute(sa.text("ALTER TABLE agencies ADD COLUMN stray INTEGER"))
    r = runner.invoke(app, ["db", "check", "--url", empty_url])
    assert r.exit_code == 1 and "schema drift" in r.output


def test_every_constraint_has_its_conventional_name(empty_url):
    for table in metadata.tables.values():
        for c in table.constraints:
            assert c.name, f"unnamed constraint on {table.name}: {c}"
            prefix = {"PrimaryKeyConstraint": "pk_", "ForeignKeyConstraint": "fk_", "UniqueConstraint": "uq_",
                      "CheckConstraint": "ck_"}[type(c).__name__]
            assert c.name.startswith(f"{prefix}{table.name}"), c.name
    upgrade(empty_url)
    insp = sa.inspect(get_engine(empty_url))
    for table in metadata.tables.values():
        want = {c.name for c in table.constraints if isinstance(c, sa.ForeignKeyConstraint)}
        assert {fk["name"] for fk in insp.get_foreign_keys(table.name)} == want, table.name
        want_ix = {ix.name for ix in table.indexes}
        got_ix = {ix["name"] for ix in insp.get_indexes(table.name)}
        assert want_ix <= got_ix, table.name


def test_get_engine_defaults_to_the_settings_and_creates_the_data_dir(tmp_path, monkeypatch):
    data = tmp_path / "nested" / "data"
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(data))
    monkeypatch.delenv("PIPELINE_WAREHOUSE_URL", raising=False)
    engine = get_engine()
    assert engine is get_engine()  # one engine per URL
    assert Path(engine.url.database) == (data / "warehouse.sqlite").resolve()
    assert data.is_dir()
    upgrade(None)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    dispose_engine(str(engine.url))
    assert normalise_url("postgresql://u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"
