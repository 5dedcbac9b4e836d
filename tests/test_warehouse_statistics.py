"""Planner statistics keep up with a warehouse that grows during a run (pipeline.warehouse.statistics)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pipeline.synth.dropfolder import build_drop_folder


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    return build_drop_folder(tmp_path_factory.mktemp("drop"), districts=2, agencies=6, years=[2021], faults=0.0, seed=3)


def test_sqlite_needs_no_statistics(tmp_path):
    from pipeline.warehouse import get_engine, upgrade
    from pipeline.warehouse.statistics import refresh_statistics, stale_tables

    engine = get_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    upgrade(engine)
    assert stale_tables(engine, growth=0.0) == [] and refresh_statistics(engine) == []


@pytest.mark.postgres
def test_a_loaded_warehouse_gets_fresh_statistics_and_the_declared_cells_per_report(drop, tmp_path, monkeypatch):
    from pipeline.plainrun import run_plain
    from pipeline.warehouse import dispose_engines, get_engine
    from pipeline.warehouse.statistics import refresh_statistics, stale_tables
    from tests.conftest import new_pg_database

    monkeypatch.setattr("pipeline.warehouse.statistics.MIN_CHANGES", 0)  # a small run counts as a large one
    with new_pg_database("pipeline_stats") as url:
        run_plain(year=2021, submissions_dir=drop.submissions_dir, warehouse_url=url, config_dir=drop.config_dir,
                  data_dir=tmp_path / "data", publish=False)
        dispose_engines()  # a backend reports its activity to pg_stat_* when it ends (or every second when busy)
        engine = get_engine(url)
        with engine.connect() as c:
            c.execute(sa.text("SELECT pg_sleep(0.2)"))
        # what the run's statistics refresh sees now; it cannot see rows whose activity is not reported yet
        assert set(refresh_statistics(engine, growth=0.1)) <= {"reports", "fact_cells", "report_sections", "findings",
                                                               "run_agencies", "agencies"}
        with engine.connect() as c:
            analysed = dict(c.execute(sa.text(
                "SELECT relname, COALESCE(last_analyze, last_autoanalyze) IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN ('reports', 'fact_cells', 'run_agencies')")).all())
            n_distinct = c.execute(sa.text(
                "SELECT n_distinct FROM pg_stats WHERE tablename = 'fact_cells' AND attname = 'report_id'")).scalar()
            jit = c.execute(sa.text("SHOW jit")).scalar()
        assert analysed == {"reports": True, "fact_cells": True, "run_agencies": True}
        assert n_distinct == pytest.approx(-0.005)  # ~200 cells a report, however large the table grows
        assert stale_tables(engine, growth=0.1) == []
        assert jit == "off"


@pytest.mark.postgres
def test_one_process_analyses_at_a_time_and_a_committed_load_never_fails_for_it(drop, tmp_path, monkeypatch, caplog):
    from pipeline.warehouse import get_engine, upgrade
    from pipeline.warehouse.statistics import _LOCK_KEY, refresh_statistics, refresh_statistics_quietly
    from tests.conftest import new_pg_database

    monkeypatch.setattr("pipeline.warehouse.statistics.MIN_CHANGES", 0)
    with new_pg_database("pipeline_stats") as url:
        engine = get_engine(url)
        upgrade(engine)
        monkeypatch.setattr("pipeline.warehouse.statistics.stale_tables", lambda *_a, **_k: ["agencies"])
        other = sa.create_engine(url)
        with other.connect() as holder, holder.begin():  # another worker is analysing
            holder.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            assert refresh_statistics(engine) == []
        other.dispose()
        assert refresh_statistics(engine) == ["agencies"]

        def broken(*_a, **_k):
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

        monkeypatch.setattr("pipeline.warehouse.statistics.stale_tables", broken)
        with pytest.raises(sa.exc.OperationalError):
            refresh_statistics(engine)
        assert refresh_statistics_quietly(engine) == []
        assert "statistics not refreshed" in caplog.text
