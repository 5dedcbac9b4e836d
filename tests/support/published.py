"""Hold every published cell of a district-year against the SQL sum over the agencies' active facts.

``check_publication`` reads what the annual job (or ``pipeline publish``) wrote — the HTML page, the XLSX
workbook (the three official-layout sheets, each figure at its layout position), the CSV, the Parquet file —
and the warehouse mart, and compares each cell with one SQL query over ``fact_cells`` of the registered
agencies' active reports. It returns how many cells it compared per file, so a test can also say that it
compared them all.
"""

from __future__ import annotations

import csv
import html as htmllib
import re
from pathlib import Path

import sqlalchemy as sa

from pipeline import vocabulary as voc
from pipeline.model import Cell, ParsedReport
from pipeline.render.layout import placed, table_grids

Key = tuple[str, str, str]

SQL_SUMS = sa.text(
    "SELECT f.table_code, f.row_code, f.col_code, SUM(f.value), COUNT(f.value) FROM fact_cells f "
    "JOIN reports r ON r.id = f.report_id JOIN agencies a ON a.id = r.agency_id "
    "WHERE a.district_code = :d AND r.year = :y AND r.is_active AND a.registered "
    "GROUP BY f.table_code, f.row_code, f.col_code")


def sql_sums(engine, district: str, year: int) -> dict[Key, tuple[float | None, int]]:
    """(table, row, col) → (SUM of the active facts, how many agencies printed the cell)."""
    with engine.connect() as c:
        return {(t, r, col): (None if s is None else float(s), int(n))
                for t, r, col, s, n in c.execute(SQL_SUMS, {"d": district, "y": year})}


def _eq(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-6


def _want(sums, key) -> float | None:
    return sums.get(key, (None, 0))[0]


def check_publication(engine, district: str, year: int, folder: Path, run_id: str) -> dict[str, int]:
    """Assert every cell of every file in ``folder`` and of the mart equals the SQL sum; {file: cells compared}."""
    sums = sql_sums(engine, district, year)
    assert sums, f"no active facts for {district} {year}"
    with engine.connect() as c:
        version = c.execute(sa.text("SELECT template_version FROM mart_district_cells WHERE district_code = :d "
                                    "AND year = :y LIMIT 1"), {"d": district, "y": year}).scalar_one()
    official = list(voc.cell_keys(version))
    n: dict[str, int] = {}

    # CSV (UTF-8 with BOM): every row, and every official cell is there.
    raw = (folder / "consolidated.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    got = {(r["table"], r["row"], r["col"]): r for r in rows}
    assert set(official) <= set(got), set(official) - set(got)
    assert set(sums) <= set(got), f"summed cells not published: {sorted(set(sums) - set(got))[:5]}"
    for key, r in got.items():
        value = float(r["value"]) if r["value"] else None
        assert _eq(value, _want(sums, key)), f"csv {key}: {value} != SQL {_want(sums, key)}"
        assert int(r["agencies"]) == sums.get(key, (None, 0))[1], f"csv {key}: agencies {r['agencies']}"
        assert r["run_id"] == run_id
    n["csv"] = len(got)

    # Parquet: the same, typed.
    import pyarrow.parquet as pq

    df = pq.read_table(folder / "consolidated.parquet").to_pandas()
    assert len(df) == len(got)
    for r in df.itertuples():
        value = None if r.value != r.value else float(r.value)
        assert _eq(value, _want(sums, (r.table, r.row, r.col))), f"parquet {(r.table, r.row, r.col)}: {value}"
        assert r.agencies == sums.get((r.table, r.row, r.col), (None, 0))[1]
    n["parquet"] = len(df)

    # XLSX: each official figure at its place in the official layout (the layout every renderer draws).
    from openpyxl import load_workbook

    wb = load_workbook(folder / "report.xlsx")
    assert wb.properties.keywords == f"run_id={run_id}"
    grids = table_grids(ParsedReport(version, cells=[Cell(t, r, c, None, "") for t, r, c in official]))
    sheets = {"proactive": "表二", "requests": "表三", "appeals": "表四"}
    n["xlsx"] = 0
    for code, grid in grids.items():
        ws = wb[sheets[code]]
        for r, col, cell in placed(grid)[1]:
            if not cell.key:
                continue
            value = ws.cell(row=r + 2, column=col + 1).value
            want = _want(sums, cell.key)
            assert _eq(value, want), f"xlsx {sheets[code]} {cell.key}: {value!r} != SQL {want}"
            if want is not None and voc.value_kind(cell.key[0], cell.key[2]) != "amount":
                assert isinstance(value, int), f"xlsx {cell.key}: a count must be an integer cell, not {value!r}"
            n["xlsx"] += 1
    assert n["xlsx"] == len(official)

    # HTML: every figure (official tables and the extra cells) carries its key; its printed text is the sum.
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert f'name="pipeline:run_id" content="{run_id}"' in page
    seen = set()
    for key, text in re.findall(r'data-key="([^"]+)"[^>]*>([^<]*)<', page):
        k = tuple(htmllib.unescape(key).split("/"))
        assert len(k) == 3, key
        value = float(text) if text.strip() else None
        assert _eq(value, _want(sums, k)), f"html {k}: {text!r} != SQL {_want(sums, k)}"
        seen.add(k)
    assert set(official) <= seen and set(sums) <= seen, sorted(set(sums) - seen)[:5]
    n["html"] = len(seen)

    # Mart: the latest publication's cells, counts as integers.
    with engine.connect() as c:
        mart = c.execute(sa.text("SELECT table_code, row_code, col_code, value_count, value_amount, agencies_reporting, "
                                 "run_id FROM mart_district_cells WHERE district_code = :d AND year = :y"),
                         {"d": district, "y": year}).all()
    assert {(t, r, col) for t, r, col, *_ in mart} == set(got)
    for t, r, col, count, amount, agencies, run in mart:
        value = amount if voc.value_kind(t, col) == "amount" else count
        assert _eq(value, _want(sums, (t, r, col))), f"mart {(t, r, col)}: {value} != SQL {_want(sums, (t, r, col))}"
        assert agencies == sums.get((t, r, col), (None, 0))[1] and run == run_id
        assert count is None or isinstance(count, int)
    n["mart"] = len(mart)
    return n
