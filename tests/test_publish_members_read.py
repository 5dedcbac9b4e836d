"""Publishing's warehouse reads (issue 9), on SQLite and PostgreSQL: ``read_members_many`` gives each district's cell
rows exactly as an ORDER BY agency_id, seq read converts them, and ``read_previous_many`` gives what the previous
year's full read would have given the year-over-year comparison — the loaded count under every coverage rule
(older version, withdrawn report, agency no longer registered), whether any cell was printed, and the same sums to
the last bit (decimal amounts summed in the same agency order)."""

from __future__ import annotations

import dataclasses
import random

import pytest
import sqlalchemy as sa

from pipeline import vocabulary as voc
from pipeline.ops.withdraw import withdraw
from pipeline.publish.consolidate import sums
from pipeline.publish.kpis import FIGURE_KEYS
from pipeline.publish.members import CELL_COLUMNS, read_members_many, read_previous_many
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

YEAR = 2022
D1, D2, D3 = "990201", "990202", "990203"  # D3: registered, nothing loaded
RELOADED, WITHDRAWN, UNREGISTERED, OLDER = f"{D1}-a01", f"{D1}-a02", f"{D1}-a03", f"{D2}-a00"
DECIMALS = [0.1, 0.2, 0.3, 1e-3, 7.77, 0.6, 0.7, 2.675, 1 / 3, 0.01]


def _district(code: str, n: int) -> District:
    return District(code, f"读取区{code[-1]}", f"某省读取区{code[-1]}",
                    tuple(Agency(f"{code}-a{i:02d}", f"读取区{code[-1]}第{i:02d}局", "department", code) for i in range(n)))


FULL = [_district(D1, 10), _district(D2, 6), _district(D3, 3)]


def _load(engine, district: District, year: int, run_id: str, seed: int, skip=()) -> None:
    for k, a in enumerate(district.agencies):
        if a.id in skip:
            continue
        rep = generate_report(random.Random(f"{seed}:{a.id}:{year}"), "v2021" if year > 2020 else "v2019",
                              agency=a.name, year=year, scale="department")
        for c in rep.cells:  # decimals where figures are summed: the order of the sum shows in the last bit
            if (c.table, c.row, c.col) in (("requests", "new_received", "total"), ("proactive", "admin_fees",
                                                                                  "fee_amount_wan")):
                c.value, c.raw = DECIMALS[(k + seed) % len(DECIMALS)], str(DECIMALS[(k + seed) % len(DECIMALS)])
        src = SourceFile.from_bytes(f"{a.id}.json", rep.to_json().encode() + str(seed).encode(), "json")
        load_report(engine, run_id=run_id, agency_id=a.id, year=year, report=rep, source=src)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"members-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'wh.sqlite'}"
        yield _fill(url)
        dispose_engine(url)
        return
    from conftest import new_pg_database

    with new_pg_database("pipeline_pubread") as url:
        yield _fill(url)


def _fill(url: str):
    upgrade(url)
    engine = get_engine(url)
    sync_registry(engine, Registry({d.code: d for d in FULL}))
    for year in (YEAR - 1, YEAR):
        run = start_run(engine, year=year, districts=[D1, D2], policy="lenient")
        for d in FULL[:2]:
            _load(engine, d, year, run, 1, skip={f"{D2}-a05"} if year == YEAR else ())
        _load(engine, dataclasses.replace(FULL[0], agencies=FULL[0].agencies[1:2]), year, run, 2)  # version 2
        finish_run(engine, run, status="completed")
        withdraw(engine, year=year, agency_id=WITHDRAWN, reason="误报", author="test")
        run = start_run(engine, year=year, districts=[D2], policy="lenient")
        record_failure(engine, run_id=run, agency_id=OLDER, year=year, reason="unreadable",
                       source=SourceFile("x.pdf", "0" * 64, 1, "pdf"))
        finish_run(engine, run, status="completed")
    listed = [dataclasses.replace(FULL[0], agencies=tuple(a for a in FULL[0].agencies if a.id != UNREGISTERED)),
              *FULL[1:]]
    sync_registry(engine, Registry({d.code: d for d in listed}))  # still in the warehouse, no longer registered
    return engine, listed


def _reference_cells(engine, code: str, year: int) -> list[tuple]:
    """The cell rows as one ORDER BY read and a row-by-row conversion give them (the shapes of CELL_COLUMNS)."""
    q = sa.text("SELECT r.agency_id, f.report_id, f.table_code, f.row_code, f.col_code, f.value, f.raw, f.blank, "
                "f.ambiguous FROM fact_cells f JOIN reports r ON r.id = f.report_id JOIN agencies a ON a.id = r.agency_id "
                "WHERE a.district_code = :d AND r.year = :y AND r.is_active AND a.registered ORDER BY r.agency_id, f.seq")
    with engine.connect() as conn:
        rows = conn.execute(q, {"d": code, "y": year}).all()
    out = []
    for aid, rid, t, r, c, v, raw, blank, amb in rows:
        raw = raw or ""
        out.append((aid, rid, t, r, c, float("nan") if v is None else float(v), raw, bool(blank), bool(amb),
                    not blank and raw == ""))
    return out


@pytest.mark.parametrize("year", [YEAR - 1, YEAR, YEAR - 2])
def test_cell_rows_are_the_ordered_read(warehouse, year):
    engine, districts = warehouse
    got = read_members_many(engine, districts, year)
    for d in districts:
        want = _reference_cells(engine, d.code, year)
        assert [repr(r) for r in got[d.code].cell_rows] == [repr(r) for r in want], d.code  # bool is not 1, nan
        assert all(len(r) == len(CELL_COLUMNS) for r in want)
    assert len(got[D1].cell_rows) > 1000 or year == YEAR - 2
    assert UNREGISTERED not in {r[0] for r in got[D1].cell_rows} and WITHDRAWN not in {r[0] for r in got[D1].cell_rows}


@pytest.mark.parametrize("year", [YEAR - 1, YEAR, YEAR - 2])
def test_previous_year_read_gives_what_the_full_read_gives(warehouse, year):
    engine, districts = warehouse
    full = read_members_many(engine, districts, year)
    every = (*voc.cell_keys("v2021"), *voc.cell_keys("v2019"), *voc.cell_keys("v2021", single_other=True),
             ("requests", "no_such_row", "total"))
    for keys in (FIGURE_KEYS, every):
        lean = read_previous_many(engine, districts, year, keys)
        for d in districts:
            m, p = full[d.code], lean[d.code]
            assert p.loaded == len(m.by_status("loaded")) and p.any_cells == bool(m.cell_rows), d.code
            want = {k: acc for k, acc in sums(m.cell_rows).items() if acc[1] and k in set(keys)}
            assert repr(p.sums) == repr({k: want[k] for k in p.sums}) and p.sums.keys() == want.keys(), d.code
    if year == YEAR - 1:
        counts = full[D1].counts()
        assert counts["loaded"] == 8 and counts["withdrawn"] == 2 and full[D2].counts()["older_version"] == 1
        key = ("requests", "new_received", "total")
        got = read_previous_many(engine, districts, year, every)[D1].sums[key][0]
        vals = [r[5] for r in full[D1].cell_rows if r[2:5] == key]
        assert got == sum(vals) != sum(reversed(vals))  # the order of the agencies shows in the last bit
    assert read_previous_many(engine, districts, year, ())[D3].loaded == 0
    assert read_previous_many(engine, [], year, FIGURE_KEYS) == {}


def test_a_code_holding_the_key_separator_is_read_apart(warehouse):
    """The cells come with their codes joined ("table|row|col"); a code holding "|" is read again with the codes
    apart, so its row is still exactly the ordered read's."""
    engine, districts = warehouse
    with engine.begin() as conn:
        rid = conn.execute(sa.text("SELECT r.id FROM reports r WHERE r.agency_id = :a AND r.year = :y AND r.is_active"),
                           {"a": f"{D2}-a01", "y": YEAR - 1}).scalar_one()
        conn.execute(sa.text("INSERT INTO fact_cells (report_id, table_code, row_code, col_code, value, raw, blank, "
                             "ambiguous, seq) VALUES (:r, 'requests', 'odd|row', 'total', 5, '5', false, false, 100000)"),
                     {"r": rid})
    try:
        got = read_members_many(engine, districts, YEAR - 1)
        want = _reference_cells(engine, D2, YEAR - 1)
        assert ("requests", "odd|row", "total") in {r[2:5] for r in want}
        assert [repr(r) for r in got[D2].cell_rows] == [repr(r) for r in want]
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM fact_cells WHERE report_id = :r AND row_code = 'odd|row'"), {"r": rid})
