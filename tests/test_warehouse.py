"""The warehouse on SQLite and PostgreSQL alike: versioned loads, the run ledger, read-back and BI views.

Every test runs on both databases (the PostgreSQL variant skips on a developer's clone without a
server and fails under CI=true, via the ``pg_url`` fixture). Data come from the synthetic generator:
complete, internally consistent reports of both template versions.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline import vocabulary as voc
from pipeline.model import Cell, ParsedReport
from pipeline.registry import Agency, District, Registry, load_registry
from pipeline.synth.generate import generate_report, version_for_year
from pipeline.warehouse import (
    SourceFile,
    WarehouseError,
    active_cells,
    dispose_engine,
    finish_run,
    get_engine,
    load_report,
    previous_report,
    record_failure,
    start_run,
    sync_registry,
    upgrade,
)
from pipeline.warehouse.dimensions import dimension_rows
from pipeline.warehouse.models import DATA_TABLES, DIMENSION_TABLES
from pipeline.warehouse.queries import (
    integrity_problems,
    rebuild_report,
    report_versions,
    table_checksums,
    table_counts,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "warehouse.md"
QJ = "330803"  # 衢江区, from config/registry.toml
SMALL = "330899"  # a made-up second district, to see figures grouped by district

CLEAN_ORDER = ("findings", "run_agencies", "report_sections", "fact_cells", "reports", "runs", "agencies", "districts")


def _clean(engine) -> None:
    with engine.begin() as conn:
        for t in CLEAN_ORDER:
            conn.execute(text(f"DELETE FROM {t}"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def wh(request, tmp_path):
    """A migrated, empty warehouse (data tables empty, dimensions filled)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        engine = get_engine(url)
        upgrade(engine)
        yield engine
        dispose_engine(url)
        return
    url = request.getfixturevalue("pg_url")
    engine = get_engine(url)
    upgrade(engine)
    _clean(engine)
    yield engine
    _clean(engine)


@pytest.fixture(scope="module")
def registry() -> Registry:
    qj = load_registry(ROOT / "config").district(QJ)
    small = District(SMALL, "样例县", "浙江省样例市样例县", tuple(
        Agency(f"{SMALL}-{k}", name, kind, SMALL)
        for k, name, kind in (("gov", "样例县人民政府办公室", "government_office"), ("edu", "样例县教育局", "department"),
                              ("town", "样例县城关镇人民政府", "township"))
    ))
    return Registry({QJ: qj, SMALL: small})


def _report(agency: Agency, year: int, *, seed: str = "", **kw) -> ParsedReport:
    rng = random.Random(f"{agency.id}/{year}/{seed}")
    return generate_report(rng, kw.pop("version", version_for_year(year)), agency=agency.name, year=year, **kw)


def _source(agency_id: str, report: ParsedReport, name: str | None = None) -> SourceFile:
    return SourceFile.from_bytes(name or f"{agency_id}.json", report.to_json().encode("utf-8"), "json")


def _finding(i: int) -> dict:
    return {"rule": "R-T3-BAL", "severity": "warning", "table": "requests", "row": "total", "row_label": "（七）总计",
            "col": "natural_person", "col_label": "自然人", "expected": 3.0, "actual": 4 + i,
            "message_zh": "勾稽关系不平衡", "message_en": "balance does not hold"}


def load_year(engine, registry: Registry, year: int, reports: dict[str, ParsedReport], *, missing=(), failed=(),
              sources: dict[str, SourceFile] | None = None) -> tuple[str, dict]:
    """One run over ``reports`` (agency id → report), recording ``missing``/``failed`` agencies too."""
    run_id = start_run(engine, year=year, districts=sorted(registry.districts), policy="lenient")
    outcomes = {}
    for i, (aid, rep) in enumerate(reports.items()):
        src = (sources or {}).get(aid) or _source(aid, rep)
        outcomes[aid] = load_report(engine, run_id=run_id, agency_id=aid, year=year, report=rep, source=src,
                                    findings=[_finding(i)] if i % 3 == 0 else ())
    for aid in missing:
        record_failure(engine, run_id=run_id, agency_id=aid, year=year, reason="no submission", source=None)
    for aid in failed:
        record_failure(engine, run_id=run_id, agency_id=aid, year=year, reason="2 validation errors",
                       source=SourceFile(f"{aid}.pdf", "0" * 64, 10, "pdf"), findings=[_finding(0), _finding(1)])
    finish_run(engine, run_id, status="completed")
    return run_id, outcomes


def district_reports(registry: Registry, code: str, year: int, *, skip=(), **kw) -> dict[str, ParsedReport]:
    return {a.id: _report(a, year, **kw) for a in registry.district(code).agencies if a.id not in skip}


def _all_reports(registry: Registry, year: int) -> dict[str, ParsedReport]:
    return {**district_reports(registry, QJ, year), **district_reports(registry, SMALL, year)}


def _rows(engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


# -- schema and dimensions ---------------------------------------------------------------------------


def test_dimensions_come_from_the_vocabulary_and_upgrade_is_idempotent(wh):
    want = dimension_rows()
    for table in DIMENSION_TABLES:
        got = _rows(wh, f"SELECT * FROM {table}")
        assert len(got) == len(want[table]), table
    labels = {(r["table_code"], r["code"]): r for r in _rows(wh, "SELECT * FROM dim_rows")}
    c = voc.code("requests", "row", "other.fee_unpaid")
    assert labels[("requests", "other.fee_unpaid")]["label_v2021"] == c.label_v2021
    assert labels[("requests", "other.fee_unpaid")]["label_v2019"] is None  # not in the 2019 format
    before = table_checksums(wh, DIMENSION_TABLES)
    upgrade(wh)
    assert table_checksums(wh, DIMENSION_TABLES) == before


def test_sync_registry_is_idempotent_and_unregisters_dropped_agencies(wh, registry):
    sync_registry(wh, registry)
    first = table_checksums(wh, ("districts", "agencies"))
    sync_registry(wh, registry)
    assert table_checksums(wh, ("districts", "agencies")) == first
    assert table_counts(wh, ("agencies",))["agencies"] == 14 + 3
    small = registry.district(SMALL)
    shrunk = Registry({**registry.districts, SMALL: dataclasses.replace(small, agencies=small.agencies[:2])})
    sync_registry(wh, shrunk)
    rows = _rows(wh, "SELECT id, registered FROM agencies WHERE district_code = :d ORDER BY id", d=SMALL)
    assert {r["id"]: bool(r["registered"]) for r in rows} == {
        f"{SMALL}-edu": True, f"{SMALL}-gov": True, f"{SMALL}-town": False}


# -- loading and versions ------------------------------------------------------------------------------


def test_reloading_the_same_district_leaves_every_table_identical(wh, registry):
    sync_registry(wh, registry)
    reports = _all_reports(registry, 2022)
    _, out1 = load_year(wh, registry, 2022, reports)
    assert all(o.changed and o.version == 1 for o in out1.values())
    before = table_checksums(wh, (*DATA_TABLES, *DIMENSION_TABLES))
    counts = table_counts(wh)
    # the same files again: a second run, and the same files once more inside that run (a retry)
    run2, out2 = load_year(wh, registry, 2022, reports)
    assert not any(o.changed for o in out2.values())
    aid, rep = next(iter(reports.items()))
    again = load_report(wh, run_id=run2, agency_id=aid, year=2022, report=rep, source=_source(aid, rep))
    assert (again.changed, again.version) == (False, 1)
    assert {a: o.report_id for a, o in out2.items()} == {a: o.report_id for a, o in out1.items()}
    assert table_checksums(wh, (*DATA_TABLES, *DIMENSION_TABLES)) == before
    after = table_counts(wh)
    assert {t: after[t] for t in DATA_TABLES} == {t: counts[t] for t in DATA_TABLES}
    assert after["runs"] == 2 and after["run_agencies"] == 2 * len(reports)
    ledger = _rows(wh, "SELECT status, COUNT(*) AS n FROM run_agencies WHERE run_id = :r GROUP BY status", r=run2)
    assert ledger == [{"status": "unchanged", "n": len(reports)}]
    run = _rows(wh, "SELECT * FROM runs WHERE id = :r", r=run2)[0]
    assert (run["status"], run["n_unchanged"], run["n_loaded"], run["finished_at"] is not None) == (
        "completed", len(reports), 0, True)
    assert integrity_problems(wh) == []


def test_a_changed_file_adds_exactly_one_version_and_keeps_the_old_one(wh, registry):
    sync_registry(wh, registry)
    reports = _all_reports(registry, 2022)
    load_year(wh, registry, 2022, reports)
    counts = table_counts(wh)
    aid = registry.district(QJ).agencies[3].id
    old = reports[aid]
    new = _report(registry.district(QJ).agency(aid), 2022, seed="resubmitted")
    assert new.cells != old.cells
    run_id, out = load_year(wh, registry, 2022, {**reports, aid: new})
    assert [a for a, o in out.items() if o.changed] == [aid]
    assert out[aid].version == 2
    after = table_counts(wh)
    assert after["reports"] == counts["reports"] + 1
    assert after["fact_cells"] == counts["fact_cells"] + len(new.cells)
    versions = report_versions(wh, agency_id=aid, year=2022)
    assert [(v["version"], bool(v["is_active"])) for v in versions] == [(1, False), (2, True)]
    with wh.connect() as conn:  # the old version stays queryable, exactly as loaded
        assert rebuild_report(conn, versions[0]["id"]) == old
        assert rebuild_report(conn, versions[1]["id"]) == new
    cells = active_cells(wh, district=QJ, year=2022)
    mine = cells[cells["agency_id"] == aid]
    assert len(mine) == len(new.cells)
    got = dict(zip(zip(mine["table"], mine["row"], mine["col"], strict=True), mine["value"], strict=True))
    for c in new.cells:
        assert (math.isnan(got[c.key]) if c.value is None else got[c.key] == c.value), c.key
    ledger = _rows(wh, "SELECT status, reason, report_id FROM run_agencies WHERE run_id = :r AND agency_id = :a",
                   r=run_id, a=aid)[0]
    assert (ledger["status"], ledger["report_id"]) == ("loaded", out[aid].report_id)
    assert "replaces version 1" in ledger["reason"]


def test_same_file_with_a_different_parse_is_a_new_version(wh, registry):
    """Unchanged means same file *and* same parse: a parser fix re-reading the file yields a new version."""
    sync_registry(wh, registry)
    a = registry.district(QJ).agencies[0]
    rep = _report(a, 2022)
    src = _source(a.id, rep)
    _, out1 = load_year(wh, registry, 2022, {a.id: rep}, sources={a.id: src})
    fixed = dataclasses.replace(rep, warnings=[*rep.warnings, "table 四 re-read"])
    _, out2 = load_year(wh, registry, 2022, {a.id: fixed}, sources={a.id: src})
    assert out1[a.id].version == 1 and out2[a.id].changed and out2[a.id].version == 2


def test_previous_report_rebuilds_last_years_active_version_exactly(wh, registry):
    sync_registry(wh, registry)
    agencies = registry.district(QJ).agencies[:4]
    reports = {
        agencies[0].id: _report(agencies[0], 2020),  # v2019, with its signed 本年增/减 and amounts
        agencies[1].id: _report(agencies[1], 2020, blank_style="slash"),
        agencies[2].id: _report(agencies[2], 2020, version="v2021", single_other=True),
        agencies[3].id: _report(agencies[3], 2020, version="v2021", blank_style="org_blank"),
    }
    load_year(wh, registry, 2020, reports)
    for aid, rep in reports.items():
        back = previous_report(wh, agency_id=aid, year=2021)
        assert back == rep, aid
        counts = [c for c in back.cells if c.value is not None and voc.value_kind(c.table, c.col) != "amount"]
        assert counts and all(type(c.value) is int for c in counts)  # counts come back as int, not 3.0
    assert previous_report(wh, agency_id=agencies[0].id, year=2020) is None
    assert previous_report(wh, agency_id=registry.district(QJ).agencies[5].id, year=2021) is None


def test_failed_and_missing_agencies_get_a_ledger_row_and_findings_only(wh, registry):
    sync_registry(wh, registry)
    qj = registry.district(QJ).agencies
    missing, failed = qj[-1].id, qj[-2].id
    reports = district_reports(registry, QJ, 2022, skip=(missing, failed))
    run_id, _ = load_year(wh, registry, 2022, reports, missing=[missing], failed=[failed])
    ledger = {r["agency_id"]: r for r in _rows(wh, "SELECT * FROM run_agencies WHERE run_id = :r", r=run_id)}
    assert ledger[missing]["status"] == "missing" and ledger[missing]["report_id"] is None
    assert ledger[failed]["status"] == "failed" and ledger[failed]["source_name"] == f"{failed}.pdf"
    assert _rows(wh, "SELECT COUNT(*) AS n FROM reports WHERE agency_id IN (:a, :b)", a=missing, b=failed)[0]["n"] == 0
    f = _rows(wh, "SELECT * FROM findings WHERE agency_id = :a ORDER BY seq", a=failed)
    assert [(x["rule"], x["report_id"], x["expected"], x["actual"]) for x in f] == [
        ("R-T3-BAL", None, "3", "4"), ("R-T3-BAL", None, "3", "5")]
    # a retry of the failure in the same run replaces (not adds to) its findings
    record_failure(wh, run_id=run_id, agency_id=failed, year=2022, reason="still broken", source=None,
                   findings=[_finding(7)], status="failed")
    f = _rows(wh, "SELECT actual FROM findings WHERE agency_id = :a", a=failed)
    assert f == [{"actual": "11"}]
    finish_run(wh, run_id, status="failed")
    run = _rows(wh, "SELECT * FROM runs WHERE id = :r", r=run_id)[0]
    assert (run["n_loaded"], run["n_failed"], run["n_missing"], run["status"]) == (12, 1, 1, "failed")
    cells = active_cells(wh, district=QJ, year=2022)
    assert set(cells["agency_id"]) == set(reports)
    status = {r["agency_id"]: r for r in _rows(wh, "SELECT * FROM v_agency_year_status WHERE year = 2022")}
    assert status[missing]["last_status"] == "missing" and status[missing]["in_figures"] == 0
    assert status[qj[0].id]["in_figures"] == 1 and status[qj[0].id]["last_status"] == "loaded"


class _FindingObj:
    """Anything with the Finding attributes will do (the validation helper's dataclass, say)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def test_findings_are_stored_from_objects_or_dicts_with_their_report_version(wh, registry):
    sync_registry(wh, registry)
    a = registry.district(QJ).agencies[0]
    run_id = start_run(wh, year=2022, districts=[QJ], policy="lenient", flow_run_id="flow-1")
    obj = _FindingObj(**{**_finding(0), "expected": 12.5, "actual": None})
    out = load_report(wh, run_id=run_id, agency_id=a.id, year=2022, report=_report(a, 2022),
                      source=_source(a.id, _report(a, 2022)), findings=[obj, _finding(1)], status="loaded")
    rows = _rows(wh, "SELECT * FROM findings ORDER BY seq")
    assert [(r["report_id"], r["seq"], r["expected"], r["actual"]) for r in rows] == [
        (out.report_id, 0, "12.5", None), (out.report_id, 1, "3", "5")]
    assert rows[0]["message_zh"] == "勾稽关系不平衡" and rows[0]["col_label"] == "自然人"
    assert _rows(wh, "SELECT flow_run_id FROM runs")[0]["flow_run_id"] == "flow-1"


def test_a_malformed_report_is_refused_with_its_place_and_nothing_is_written(wh, registry):
    sync_registry(wh, registry)
    a = registry.district(QJ).agencies[0]
    run_id = start_run(wh, year=2022, districts=[QJ], policy="strict")
    before = table_checksums(wh)
    good = _report(a, 2022)
    cases = {
        "unknown row code 'granted_x'": Cell("requests", "granted_x", "total", 1, "1"),
        "value 'x' is not a number": Cell("appeals", "review", "total", "x", "x"),
        "value nan is not finite": Cell("appeals", "review", "upheld", float("nan"), "?"),
        "the cell appears twice": good.cells[0],
    }
    for message, cell in cases.items():
        kept = [c for c in good.cells if c.key != cell.key] if "twice" not in message else good.cells
        bad = dataclasses.replace(good, cells=[*kept, cell])
        with pytest.raises(WarehouseError) as e:
            load_report(wh, run_id=run_id, agency_id=a.id, year=2022, report=bad, source=_source(a.id, bad, "bad.pdf"))
        assert message in str(e.value)
        assert f"agency {a.id} 2022, file bad.pdf: table {cell.table}, row {cell.row}, column {cell.col}" in str(e.value)
    with pytest.raises(WarehouseError, match="not in the warehouse"):
        load_report(wh, run_id=run_id, agency_id="nope", year=2022, report=good, source=_source("nope", good))
    with pytest.raises(WarehouseError, match="not in the ledger"):
        load_report(wh, run_id="no-such-run", agency_id=a.id, year=2022, report=good, source=_source(a.id, good))
    assert table_checksums(wh) == before


def test_concurrent_loads_of_different_agencies_all_land(wh, registry):
    """Two workers at once (the flow runs agencies in a thread pool): none fails on a locked database."""
    sync_registry(wh, registry)
    reports = district_reports(registry, QJ, 2022)
    run_id = start_run(wh, year=2022, districts=[QJ], policy="strict")
    errors: list[BaseException] = []
    items = list(reports.items())

    def work(part):
        try:
            for aid, rep in part:
                load_report(wh, run_id=run_id, agency_id=aid, year=2022, report=rep, source=_source(aid, rep))
        except BaseException as e:  # collected and re-raised below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(items[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert table_counts(wh, ("reports",))["reports"] == len(reports)


# -- read-back and BI views ------------------------------------------------------------------------


def test_active_cells_has_the_publishing_columns(wh, registry):
    sync_registry(wh, registry)
    reports = district_reports(registry, QJ, 2022, blank_style="blank")
    load_year(wh, registry, 2022, reports)
    df = active_cells(wh, district=QJ, year=2022)
    assert list(df.columns) == ["agency_id", "table", "row", "col", "value", "blank"]
    assert len(df) == sum(len(r.cells) for r in reports.values())
    assert df["value"].dtype == "float64" and df["blank"].dtype == bool
    assert (df["blank"] == df["value"].isna()).all() and df["blank"].any()
    assert active_cells(wh, district=QJ, year=2023).empty


def _sum(reports: dict[str, ParsedReport], table: str, rows, col: str):
    """Sum over agencies of the printed cells; (sum, number of agencies that printed any)."""
    total, n = 0.0, 0
    for rep in reports.values():
        vals = [c.value for c in rep.cells if c.table == table and c.row in rows and c.col == col and c.value is not None]
        if vals:
            total += sum(vals)
            n += 1
    return (total if n else None), n


def test_district_figures_cover_only_reporting_agencies_and_say_how_many(wh, registry):
    sync_registry(wh, registry)
    qj = registry.district(QJ).agencies
    skip = (qj[-1].id, qj[-2].id)
    reports = district_reports(registry, QJ, 2022, skip=skip, blank_style="zero")
    # one agency leaves its table 四 blank: not a zero, not covered
    blank_appeals = qj[0].id
    reports[blank_appeals] = dataclasses.replace(reports[blank_appeals], cells=[
        Cell(c.table, c.row, c.col, None, "", False) if c.table == "appeals" else c for c in reports[blank_appeals].cells])
    load_year(wh, registry, 2022, reports, missing=[skip[0]], failed=[skip[1]])
    load_year(wh, registry, 2022, district_reports(registry, SMALL, 2022))
    d = _rows(wh, "SELECT * FROM v_district_year WHERE district_code = :d AND year = 2022", d=QJ)
    assert len(d) == 1
    d = d[0]
    assert (d["agencies_registered"], d["agencies_reporting"]) == (14, 12)
    for name, table, rows, col in (
        ("new_received", "requests", ["new_received"], "total"),
        ("denied", "requests", [r for r in voc.rows("requests", "v2021") if r.startswith("denied.")], "total"),
        ("review_total", "appeals", ["review"], "total"),
        ("suit_corrected", "appeals", ["suit_direct", "suit_after_review"], "corrected"),
        ("licensing_decisions", "proactive", ["licensing"], "decisions"),
    ):
        want, n = _sum(reports, table, rows, col)
        assert d[f"{name}_n"] == n, name
        assert d[name] == pytest.approx(want), name
    assert d["review_total_n"] == 11  # the blank table 四 is not counted as a zero
    small = _rows(wh, "SELECT agencies_registered, agencies_reporting FROM v_district_year WHERE district_code = :d",
                  d=SMALL)
    assert small == [{"agencies_registered": 3, "agencies_reporting": 3}]


def test_kpis_and_year_over_year_change(wh, registry):
    sync_registry(wh, registry)
    y1 = district_reports(registry, QJ, 2021)
    prev = {a.id: y1[a.id] for a in registry.district(QJ).agencies}
    y2 = {aid: generate_report(random.Random(f"{aid}/2022"), "v2021", previous=prev[aid], year=2022) for aid in prev}
    missing_2022 = registry.district(QJ).agencies[2].id
    del y2[missing_2022]
    load_year(wh, registry, 2021, y1)
    load_year(wh, registry, 2022, y2, missing=[missing_2022])
    k = _rows(wh, "SELECT * FROM v_kpi_district_year WHERE district_code = :d ORDER BY year", d=QJ)
    assert [r["year"] for r in k] == [2021, 2022]
    k1, k2 = k
    nr1, _ = _sum(y1, "requests", ["new_received"], "total")
    nr2, n2 = _sum(y2, "requests", ["new_received"], "total")
    assert k2["new_received"] == pytest.approx(nr2) and k2["new_received_n"] == n2 == 13
    assert k2["new_received_prev"] == pytest.approx(nr1) and k2["new_received_prev_n"] == 14
    assert k2["new_received_change"] == pytest.approx(nr2 - nr1)
    assert k2["new_received_change_pct"] == pytest.approx((nr2 - nr1) / nr1)
    assert k1["new_received_prev"] is None and k1["new_received_change"] is None  # no 2020: missing, not 0
    granted, _ = _sum(y2, "requests", ["granted"], "total")
    partial, _ = _sum(y2, "requests", ["partial"], "total")
    total, _ = _sum(y2, "requests", ["total"], "total")
    assert k2["disclosure_rate"] == pytest.approx((granted + partial) / total)
    shares = ("granted_share", "partial_share", "denied_share", "unable_share", "not_processed_share", "other_share")
    assert sum(k2[s] for s in shares) == pytest.approx(1.0)  # R-T3-SUM holds in generated reports
    corrected, _ = _sum(y2, "appeals", ["review"], "corrected")
    rtotal, _ = _sum(y2, "appeals", ["review"], "total")
    pending, _ = _sum(y2, "appeals", ["review"], "pending")
    want = corrected / (rtotal - pending) if rtotal - pending else None
    assert k2["review_correction_rate"] == (pytest.approx(want) if want is not None else None)
    a = _rows(wh, "SELECT * FROM v_kpi_agency_year WHERE agency_id = :a ORDER BY year",
              a=registry.district(QJ).agencies[0].id)
    assert len(a) == 2 and a[0]["new_received_prev"] is None
    assert a[1]["new_received_change"] == pytest.approx(a[1]["new_received"] - a[0]["new_received"])


def test_wide_views_have_one_row_per_active_agency_year_with_every_cell(wh, registry):
    sync_registry(wh, registry)
    reports = district_reports(registry, QJ, 2020)  # v2019
    load_year(wh, registry, 2020, reports)
    aid = next(iter(reports))
    load_year(wh, registry, 2020, {aid: _report(registry.district(QJ).agency(aid), 2020, seed="v2")})
    reports[aid] = _report(registry.district(QJ).agency(aid), 2020, seed="v2")
    for table in voc.TABLES:
        rows = _rows(wh, f"SELECT * FROM v_{table}_wide WHERE year = 2020")
        assert len(rows) == len(reports), table
        by_agency = {r["agency_id"]: r for r in rows}
        for a, rep in reports.items():
            for c in rep.cells:
                if c.table == table:
                    col = f"{c.row.replace('.', '_')}__{c.col}"
                    assert by_agency[a][col] == c.value, (a, col)


def test_active_cells_view_labels_follow_the_reports_template_version(wh, registry):
    sync_registry(wh, registry)
    a, b = registry.district(QJ).agencies[:2]
    load_year(wh, registry, 2020, {a.id: _report(a, 2020)})
    load_year(wh, registry, 2022, {b.id: _report(b, 2022)})
    got = {(r["agency_id"], r["year"]): r["row_label"] for r in _rows(
        wh, "SELECT agency_id, year, row_label FROM v_active_cells WHERE table_code = 'proactive' AND row_code = 'normative_docs'")}
    assert got == {(a.id, 2020): "规范性文件", (b.id, 2022): "行政规范性文件"}


# -- docs/warehouse.md -------------------------------------------------------------------------------


def doc_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_docs_example_queries_run(wh, registry):
    queries = doc_queries()
    assert len(queries) >= 5
    sync_registry(wh, registry)
    y1 = _all_reports(registry, 2021)
    load_year(wh, registry, 2021, y1)
    qj = registry.district(QJ).agencies
    y2 = {aid: r for aid, r in _all_reports(registry, 2022).items() if aid != qj[1].id}
    load_year(wh, registry, 2022, y2, missing=[qj[1].id])
    for sql in queries:
        rows = _rows(wh, sql)
        assert rows, f"no rows from the docs query:\n{sql}"


def test_source_file_from_path_hashes_the_content(tmp_path):
    import hashlib

    p = tmp_path / "330803-edu.html"
    p.write_bytes("<html>报告</html>".encode())
    src = SourceFile.from_path(p, "html")
    assert src == SourceFile("330803-edu.html", hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size, "html")
    assert SourceFile.from_bytes(p.name, p.read_bytes(), "html") == src
