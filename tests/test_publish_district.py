"""A generated district of 60 agencies, loaded into SQLite and PostgreSQL, published: every published figure
(CSV, Parquet, XLSX, HTML, mart) equals the SQL sum over the registered agencies' active facts; coverage names
failed, missing and withdrawn agencies and the older version used; provenance is in every file; runs never
overwrite each other; KPIs follow their definitions."""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipeline import vocabulary as voc
from pipeline.publish import publish_district
from pipeline.publish.provenance import mask_url
from pipeline.registry import Agency, District, Registry
from pipeline.synth import generate_report
from pipeline.warehouse import (
    SourceFile,
    dispose_engine,
    finish_run,
    get_engine,
    load_report,
    record_failure,
    start_run,
    sync_registry,
    upgrade,
)

CODE, YEAR, N = "990001", 2022, 60
FAILED_OLDER, FAILED, MISSING, WITHDRAWN, AMBIGUOUS = f"{CODE}-a01", f"{CODE}-a02", f"{CODE}-a03", f"{CODE}-a59", f"{CODE}-a04"


def _district(n: int) -> District:
    agencies = tuple(Agency(f"{CODE}-a{i:02d}", f"测试区第{i:02d}局<&>", "department", CODE) for i in range(n))
    return District(CODE, "测试区", "某省测试区", agencies)


def _load(engine, district: District, year: int, run_id: str, skip: set[str], seed: int) -> None:
    for a in district.agencies:
        if a.id in skip:
            continue
        rng = random.Random(f"{seed}:{a.id}:{year}")
        rep = generate_report(rng, "v2021" if year > 2020 else "v2019", agency=a.name, year=year, scale="department")
        if a.id == AMBIGUOUS and year == YEAR:
            rep.cells[0].ambiguous = True  # a figure the parser could read two ways
            cell = next(c for c in rep.cells if c.table == "requests" and c.row == "granted" and c.col == "total")
            cell.raw = ""  # derived by the parser from the identities
        src = SourceFile.from_bytes(f"{a.id}.json", rep.to_json().encode() + str(seed).encode(), "json")
        load_report(engine, run_id=run_id, agency_id=a.id, year=year, report=rep, source=src)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def published(request, tmp_path_factory):
    """Warehouse of one generated district (2021 for 20 agencies, 2022 for all), published into a folder."""
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'wh.sqlite'}"
        yield from _publish(url, tmp)
        dispose_engine(url)
        return
    from conftest import new_pg_database

    with new_pg_database("pipeline_pub") as url:
        yield from _publish(url, tmp)


def _publish(url: str, tmp: Path):
    upgrade(url)
    engine = get_engine(url)
    full = _district(N)
    sync_registry(engine, Registry({CODE: full}))
    run0 = start_run(engine, year=YEAR - 1, districts=[CODE], policy="lenient")
    _load(engine, dataclasses.replace(full, agencies=full.agencies[:20]), YEAR - 1, run0, set(), 1)
    run1 = start_run(engine, year=YEAR, districts=[CODE], policy="lenient")
    _load(engine, full, YEAR, run1, {FAILED, MISSING}, 1)
    finish_run(engine, run1, status="completed")
    district = dataclasses.replace(full, agencies=tuple(a for a in full.agencies if a.id != WITHDRAWN))
    sync_registry(engine, Registry({CODE: district}))  # a59 withdrawn: its loaded report must not count
    run2 = start_run(engine, year=YEAR, districts=[CODE], policy="lenient")
    record_failure(engine, run_id=run2, agency_id=FAILED_OLDER, year=YEAR, reason="3 validation errors",
                   source=SourceFile("x.txt", "0" * 64, 1, "txt"))
    record_failure(engine, run_id=run2, agency_id=FAILED, year=YEAR, reason="unreadable <b>PDF</b>",
                   source=SourceFile("y.pdf", "1" * 64, 1, "pdf"))
    record_failure(engine, run_id=run2, agency_id=MISSING, year=YEAR, reason="no submission in the drop folder")
    first = publish_district(url, district, YEAR, tmp / "published", run_id="run-one")
    pub = publish_district(url, district, YEAR, tmp / "published", run_id=run2)
    yield {"url": url, "engine": engine, "pub": pub, "first": first, "district": district}


def sql_sums(engine, year: int = YEAR) -> dict[tuple[str, str, str], tuple[float | None, int]]:
    q = sa.text("SELECT f.table_code, f.row_code, f.col_code, SUM(f.value), COUNT(f.value) FROM fact_cells f "
                "JOIN reports r ON r.id = f.report_id JOIN agencies a ON a.id = r.agency_id "
                "WHERE a.district_code = :d AND r.year = :y AND r.is_active AND a.registered "
                "GROUP BY f.table_code, f.row_code, f.col_code")
    with engine.connect() as c:
        return {(t, r, col): (None if s is None else float(s), n) for t, r, col, s, n in c.execute(q, {"d": CODE, "y": year})}


def _eq(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-6


def test_csv_is_utf8_with_bom_and_every_figure_is_the_sql_sum(published):
    sums = sql_sums(published["engine"])
    raw = published["pub"].csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    got = {(r["table"], r["row"], r["col"]): (float(r["value"]) if r["value"] else None) for r in rows}
    assert set(voc.cell_keys("v2021")) <= set(got)
    for key, (total, _n) in sums.items():
        assert _eq(got[key], total), key
    for key in set(got) - set(sums):
        assert got[key] is None, f"{key}: a figure no agency printed must stay missing, not {got[key]}"
    assert {r["run_id"] for r in rows} == {published["pub"].run_id}
    assert rows[0]["row_label"] == voc.label(rows[0]["table"], "row", rows[0]["row"], "v2021")


def test_parquet_and_mart_hold_the_same_figures_with_integer_counts(published):
    import pyarrow.parquet as pq

    sums = sql_sums(published["engine"])
    t = pq.read_table(published["pub"].parquet)
    prov = json.loads(t.schema.metadata[b"pipeline.provenance"])
    assert prov["run_id"] == published["pub"].run_id and prov["template_version"] == "v2021"
    df = t.to_pandas()
    for r in df.itertuples():
        want = sums.get((r.table, r.row, r.col), (None, 0))
        assert _eq(None if pd.isna(r.value) else r.value, want[0]) and r.agencies == want[1]
    with published["engine"].connect() as c:
        mart = c.execute(sa.text("SELECT table_code, row_code, col_code, value_count, value_amount, agencies_reporting, "
                                 "run_id FROM mart_district_cells WHERE district_code = :d AND year = :y"),
                         {"d": CODE, "y": YEAR}).all()
        kpi = c.execute(sa.text("SELECT new_received, results_total, disclosure_rate FROM bi_district_kpis "
                                "WHERE district_code = :d AND year = :y"), {"d": CODE, "y": YEAR}).one()
        labelled = c.execute(sa.text("SELECT row_label_zh, col_label_zh FROM bi_district_cells WHERE district_code = :d "
                                     "AND table_code = 'requests' AND row_code = 'granted' AND col_code = 'total'"),
                             {"d": CODE}).one()
        cover = c.execute(sa.text("SELECT agencies_loaded, agencies_failed, agencies_missing, agencies_withdrawn, "
                                  "agencies_older_version, run_id FROM bi_district_coverage WHERE district_code = :d"),
                          {"d": CODE}).one()
    assert len(mart) == len(df)
    for t_, r, col, count, amount, n, run in mart:
        want = sums.get((t_, r, col), (None, 0))
        value = amount if voc.value_kind(t_, col) == "amount" else count
        assert _eq(value, want[0]) and n == want[1] and run == published["pub"].run_id
        if count is not None:
            assert isinstance(count, int)
    assert isinstance(kpi.new_received, int) and kpi.new_received == sums[("requests", "new_received", "total")][0]
    assert labelled == (voc.label("requests", "row", "granted", "v2021"), voc.label("requests", "col", "total", "v2021"))
    assert tuple(cover) == (57, 1, 1, 1, 1, published["pub"].run_id)


def test_xlsx_official_layout_and_agency_sheets_match(published):
    from openpyxl import load_workbook

    sums = sql_sums(published["engine"])
    wb = load_workbook(published["pub"].xlsx)
    assert wb.sheetnames[:4] == ["说明", "表二", "表三", "表四"]
    t4 = wb["表四"]
    assert "行政复议" in {str(c.value) for c in t4[2]} and len(t4.merged_cells.ranges) >= 6
    numbers = [c.value for c in t4[5]]
    want = [sums[("appeals", r, c)][0] for r in voc.rows("appeals", "v2021") for c in voc.cols("appeals", "v2021")]
    assert numbers == want and all(isinstance(x, int) for x in numbers)
    t3 = wb["表三"]
    values = [c.value for row in t3.iter_rows(min_row=5) for c in row if isinstance(c.value, int)]
    assert sum(values) == sum(sums[("requests", r, c)][0] for r in voc.rows("requests", "v2021")
                              for c in voc.cols("requests", "v2021"))
    assert "申请人情况" in [str(c.value) for c in t3[2]]
    agency_sheets = wb.sheetnames[8:]
    assert len(agency_sheets) == 57  # one long sheet per loaded agency
    assert wb.properties.keywords == f"run_id={published['pub'].run_id}"
    # each sheet declares its whole used range: readers that trust <dimension> (read-only mode) see every row
    full = wb[agency_sheets[0]]
    lean = load_workbook(published["pub"].xlsx, read_only=True)[agency_sheets[0]]
    assert full.max_row > 100 and (lean.max_row, lean.max_column) == (full.max_row, full.max_column)
    assert [r for r in lean.iter_rows(values_only=True)][-1] == tuple(c.value for c in full[full.max_row])


def test_html_is_autoescaped_and_states_coverage_by_name(published):
    html = published["pub"].html.read_text(encoding="utf-8")
    assert "<b>PDF</b>" not in html and "&lt;b&gt;PDF&lt;/b&gt;" in html  # a reason from the ledger is escaped
    assert "&lt;&amp;&gt;" in html
    status = dict(re.findall(r'data-status="(\w+)">[^<]*?第(\d\d)局', html))
    assert {k: status.get(k) for k in ("failed", "missing", "withdrawn")} == {"failed": "02", "missing": "03", "withdrawn": "59"}
    assert "采用第1版" in html  # a01's newest submission failed; its version 1 is used, and says so
    assert f'name="pipeline:run_id" content="{published["pub"].run_id}"' in html
    sums = sql_sums(published["engine"])
    for key, value in re.findall(r'data-key="([^"]+)" data-value="([^"]*)"', html):
        t, r, c = key.split("/")
        want = sums.get((t, r, c), (None, 0))[0]
        assert _eq(float(value) if value else None, want), key
    assert html.count('class="official"') == 3 and html.count("<img id=\"chart-") == 4


def test_ambiguous_and_corrected_cells_are_marked_with_an_annex(published):
    md = published["pub"].markdown.read_text(encoding="utf-8")
    annex = md.split("## 附注 Annex", 1)[1]
    assert "读数存疑" in annex and "推算或更正" in annex and "测试区第04局" in annex
    granted = next(line for line in md.splitlines() if line.startswith("| 三、本年度办理结果 （一）予以公开"))
    assert granted.rstrip(" |").endswith("ᶜ")


def test_kpis_follow_their_definitions_and_compare_with_the_previous_year(published):
    doc = json.loads((published["pub"].folder / "kpis.json").read_text(encoding="utf-8"))
    s, p = sql_sums(published["engine"]), sql_sums(published["engine"], YEAR - 1)
    total = s[("requests", "total", "total")][0]
    assert doc["rates"]["disclosure_rate"] == pytest.approx(
        (s[("requests", "granted", "total")][0] + s[("requests", "partial", "total")][0]) / total)
    assert doc["yoy"]["new_received"]["prev"] == p[("requests", "new_received", "total")][0]
    assert doc["coverage"] == {"loaded": 57, "failed": 1, "missing": 1, "withdrawn": 1, "registered": 59, "older_version": 1}
    assert [r["rank"] for r in doc["ranking"]] == list(range(1, 58))
    received = [-1 if r["new_received"] is None else r["new_received"] for r in doc["ranking"]]
    assert received == sorted(received, reverse=True)  # an agency that printed no figure ranks last


def test_each_run_has_its_folder_and_latest_points_at_the_newest(published):
    first, pub = published["first"], published["pub"]
    assert first.folder != pub.folder and (first.folder / "consolidated.csv").is_file()
    latest = json.loads((pub.folder.parent.parent / "latest.json").read_text(encoding="utf-8"))
    assert latest["run_id"] == pub.run_id and latest["folder"] == f"runs/{pub.run_id}"
    assert pub.csv.read_bytes() == (pub.folder / "consolidated.csv").read_bytes()
    manifest = json.loads((pub.folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) >= {"html", "xlsx", "csv", "parquet", "markdown", "kpis"}


def test_charts_draw_chinese_without_missing_glyphs(published, recwarn):
    from pipeline.publish.charts import _bare, chart_svgs, cjk_font
    from pipeline.publish.figures import district_figures
    from pipeline.publish.kpis import RESULT_GROUPS, YOY_FIGURES, group_label

    assert cjk_font()
    fig = district_figures(published["engine"], published["district"], YEAR)
    svgs = chart_svgs(fig)
    assert set(svgs) == {"outcomes", "applicants", "yoy", "agencies"}
    assert not [w for w in recwarn if "missing from" in str(w.message)]
    assert all("<path" in s and "<text" not in s for s in svgs.values())  # glyphs as paths: no font needed to view
    assert all(re.search(r'<use xlink:href="#g\d+"', s) for s in svgs.values())

    def bars(svg: str, series: str = "") -> list[tuple[str, float]]:
        found = re.findall(r'data-label="([^"]*)" data-value="([^"]*)"(?: data-series="([^"]*)")?', svg)
        return [(html.unescape(label), float(v)) for label, v, s in found if s == series]

    def texts(svg: str) -> list[str]:  # every text drawn, in order
        return [html.unescape(t) for t in re.findall(r'<g aria-label="([^"]*)" transform=', svg)]

    f, k = fig.kpis["figures"], fig.kpis
    groups = list(RESULT_GROUPS)
    labels = [_bare(group_label(g)) for g in groups]
    assert labels == ["予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"]
    assert bars(svgs["outcomes"]) == [(lab, f[g] or 0) for lab, g in zip(labels, groups, strict=True)]
    assert texts(svgs["outcomes"])[:6] == [f"{f[g]:g}" if f[g] is not None else "—" for g in groups]  # bar labels
    assert set(labels) <= set(texts(svgs["outcomes"])) and "办理结果 Requests by outcome" in texts(svgs["outcomes"])
    cols = ("natural_person", *voc.ORG_COLS)
    assert bars(svgs["applicants"]) == [(voc.label("requests", "col", c), f[f"applicants_{c}"] or 0) for c in cols]
    assert {f"{f[f'applicants_{c}']:g}" for c in cols} <= set(texts(svgs["applicants"]))
    top = fig.ranking.head(20)
    want = [(n.removeprefix("测试区"), float(v)) for n, v in zip(top["agency_name"], top["new_received"], strict=True)]
    assert bars(svgs["agencies"]) == want[::-1]  # drawn bottom to top: the first ranked on top
    assert {n for n, _ in want} <= set(texts(svgs["agencies"])) and {f"{v:g}" for _, v in want} <= set(texts(svgs["agencies"]))
    assert k["yoy"]  # the previous year is loaded: two series, a legend, and the title says how many agencies
    assert [v for _, v in bars(svgs["yoy"], f"{YEAR}年")] == [f[x] or 0 for x in YOY_FIGURES]
    assert [v for _, v in bars(svgs["yoy"], f"{YEAR - 1}年")] == [k["yoy"][x]["prev"] or 0 for x in YOY_FIGURES]
    assert {f"{YEAR}年", f"{YEAR - 1}年", f"同比 Year over year ({YEAR - 1}年 20 个机关 → {YEAR}年)"} <= set(texts(svgs["yoy"]))


def test_publishing_does_not_import_matplotlib():
    import subprocess
    import sys

    code = ("import sys, pipeline.publish.district, pipeline.publish.charts as c; c.font_file(); "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_warehouse_password_is_masked():
    masked = mask_url("postgresql+psycopg://etl:s3cret@db.example:5432/wh")
    assert "s3cret" not in masked and "etl" in masked and "***" in masked


@pytest.mark.postgres
def test_mart_columns_carry_their_comments_on_postgresql(published):
    if published["engine"].dialect.name != "postgresql":
        pytest.skip("comments are a PostgreSQL feature")
    cols = sa.inspect(published["engine"]).get_columns("mart_district_cells")
    assert all(c["comment"] for c in cols)
    docs = (Path(__file__).resolve().parents[1] / "docs" / "marts.md").read_text(encoding="utf-8")
    for c in cols:
        assert f"`{c['name']}`" in docs and c["comment"].split(" ", 1)[0] in docs
