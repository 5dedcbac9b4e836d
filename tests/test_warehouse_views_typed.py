"""Migration 0005: the BI views count in integers, amounts stay numbers, rates are doubles, and every figure
column has a Chinese label (``v_column_labels``; column comments on PostgreSQL). Downgrade and upgrade again."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.district import make_district

ROOT = Path(__file__).resolve().parents[1]
MIGRATION = ROOT / "src" / "pipeline" / "warehouse" / "migrations" / "versions" / "0005_bi_views_typed.py"
CODE = "990080"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def wh(request, tmp_path):
    from pipeline.registry import Registry
    from pipeline.synth import generate_report
    from pipeline.warehouse import (
        SourceFile,
        dispose_engine,
        get_engine,
        load_report,
        start_run,
        sync_registry,
        upgrade,
    )

    def build(url):
        upgrade(url)
        engine = get_engine(url)
        d = make_district(CODE, 4, "丙区")
        sync_registry(engine, Registry({CODE: d}))
        for year in (2021, 2022):
            run = start_run(engine, year=year, districts=[CODE], policy="strict")
            for a in d.agencies:
                rep = generate_report(random.Random(f"{a.id}{year}"), "v2021", agency=a.name, year=year, scale="department")
                load_report(engine, run_id=run, agency_id=a.id, year=year, report=rep,
                            source=SourceFile.from_bytes(f"{a.id}.json", rep.to_json().encode(), "json"))
        return url, engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
        yield build(url)
        dispose_engine(url)
        return
    from conftest import new_pg_database

    with new_pg_database("pipeline_views") as url:
        yield build(url)


def _one(engine, sql: str) -> dict:
    with engine.connect() as c:
        return dict(c.execute(sa.text(sql), {"d": CODE}).mappings().first())


def test_counts_are_integers_amounts_numbers_rates_doubles(wh):
    _, engine = wh
    d = _one(engine, "SELECT * FROM v_district_year WHERE district_code = :d AND year = 2022")
    for name in ("new_received", "granted", "denied", "results_total", "review_total", "licensing_decisions"):
        assert isinstance(d[name], int) and isinstance(d[f"{name}_n"], int), (name, d[name])
    assert d["fee_amount_wan"] is None or isinstance(d["fee_amount_wan"], float)
    k = _one(engine, "SELECT * FROM v_kpi_district_year WHERE district_code = :d AND year = 2022")
    assert isinstance(k["new_received"], int) and isinstance(k["new_received_change"], int)
    assert isinstance(k["disclosure_rate"], float) and isinstance(k["new_received_change_pct"], float | None)
    assert k["new_received"] == d["new_received"]
    w = _one(engine, "SELECT * FROM v_requests_wide WHERE district_code = :d AND year = 2022")
    assert all(isinstance(w[c], int) for c in w if "__" in c and w[c] is not None)
    p = _one(engine, "SELECT * FROM v_proactive_wide WHERE district_code = :d AND year = 2022 AND "
                     "admin_fees__fee_amount_wan IS NOT NULL")
    assert isinstance(p["admin_fees__fee_amount_wan"], float) and isinstance(p["licensing__decisions"], int)
    c = _one(engine, "SELECT * FROM v_active_cells WHERE district_code = :d AND table_code = 'requests' "
                     "AND row_code = 'granted' AND col_code = 'total'")
    assert c["value_count"] == c["value"] and isinstance(c["value_count"], int) and c["value_amount"] is None
    assert c["table_title_zh"] == "三、收到和处理政府信息公开申请情况" and c["row_label"] == "（一）予以公开"


def test_every_figure_column_has_a_chinese_label(wh):
    _, engine = wh
    with engine.connect() as c:
        labels = {(v, col): (zh, kind) for v, col, zh, kind in c.execute(sa.text("SELECT * FROM v_column_labels"))}
    inspector = sa.inspect(engine)
    for view in ("v_proactive_wide", "v_requests_wide", "v_appeals_wide"):
        figure_cols = [c["name"] for c in inspector.get_columns(view) if "__" in c["name"]]
        assert figure_cols and all((view, c) in labels for c in figure_cols), view
    assert labels[("v_requests_wide", "granted__total")] == ("三、（一）予以公开 / 总计", "count")
    assert labels[("v_proactive_wide", "admin_fees__fee_amount_wan")][1] == "amount"
    assert labels[("v_kpi_district_year", "disclosure_rate")][1] == "rate"
    for (view, col), (zh, _kind) in labels.items():
        assert col in {c["name"] for c in inspector.get_columns(view)}, (view, col)
        assert zh and not zh.isascii()
    if engine.dialect.name == "postgresql":
        cols = {c["name"]: c.get("comment") for c in inspector.get_columns("v_requests_wide")}
        assert cols["granted__total"] == "三、（一）予以公开 / 总计 (count)"


def test_downgrade_to_0004_and_back(wh):
    from alembic import command

    from pipeline.warehouse import upgrade
    from pipeline.warehouse.engine import alembic_config, current_revision

    url, engine = wh
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    assert current_revision(engine) == "0004"
    d = _one(engine, "SELECT new_received FROM v_district_year WHERE district_code = :d AND year = 2022")
    assert d["new_received"] is not None
    assert "v_column_labels" not in sa.inspect(engine).get_view_names()
    upgrade(url)
    assert isinstance(_one(engine, "SELECT new_received FROM v_district_year WHERE district_code = :d AND year = 2022")
                      ["new_received"], int)


def test_the_migration_is_frozen():
    text = MIGRATION.read_text(encoding="utf-8")
    assert "import pipeline" not in text and "from pipeline" not in text
