"""publish_districts (issue 9): several districts from one read of the warehouse write exactly what publish_district
writes one at a time (every file, every mart row), on SQLite and PostgreSQL; one district that fails does not stop
the others."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
import sqlalchemy as sa

import pipeline.publish.district as pd_mod
import pipeline.publish.provenance as prov_mod
from pipeline.publish import publish_district, publish_districts
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
CODES = ("990101", "990102", "990103")


def _district(code: str, n: int) -> District:
    agencies = tuple(Agency(f"{code}-a{i:02d}", f"批量区{code[-1]}第{i:02d}局", "department", code) for i in range(n))
    return District(code, f"批量区{code[-1]}", f"某省批量区{code[-1]}", agencies)


DISTRICTS = [_district(c, 8 + 3 * i) for i, c in enumerate(CODES)]


def _load(engine, district: District, year: int, run_id: str, skip: set[str]) -> None:
    for k, a in enumerate(district.agencies):
        if a.id in skip:
            continue
        rep = generate_report(random.Random(f"{a.id}:{year}"), "v2021" if year > 2020 else "v2019", agency=a.name,
                              year=year, scale="department")
        if k == 1 and year == YEAR:
            rep.cells[0].ambiguous = True  # marked: a comment in the XLSX, a line in the annex
            next(c for c in rep.cells if c.table == "requests" and c.row == "granted" and c.col == "total").raw = ""
        src = SourceFile.from_bytes(f"{a.id}.json", rep.to_json().encode(), "json")
        load_report(engine, run_id=run_id, agency_id=a.id, year=year, report=rep, source=src)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"batch-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'wh.sqlite'}"
        yield from _fill(url, tmp)
        dispose_engine(url)
        return
    from conftest import new_pg_database

    with new_pg_database("pipeline_pubbatch") as url:
        yield from _fill(url, tmp)


def _fill(url: str, tmp: Path):
    upgrade(url)
    engine = get_engine(url)
    sync_registry(engine, Registry({d.code: d for d in DISTRICTS}))
    run0 = start_run(engine, year=YEAR - 1, districts=list(CODES), policy="lenient")
    _load(engine, DISTRICTS[0], YEAR - 1, run0, set())  # only the first district has a previous year
    finish_run(engine, run0, status="completed")
    run1 = start_run(engine, year=YEAR, districts=list(CODES), policy="lenient")
    for d in DISTRICTS:
        _load(engine, d, YEAR, run1, {d.agencies[-1].id})
    record_failure(engine, run_id=run1, agency_id=DISTRICTS[1].agencies[-1].id, year=YEAR, reason="unreadable <b>PDF</b>",
                   source=SourceFile("y.pdf", "1" * 64, 1, "pdf"))
    finish_run(engine, run1, status="completed")
    yield {"url": url, "engine": engine, "tmp": tmp}


@pytest.fixture()
def fixed_time(monkeypatch):
    """Every publication stamped with the same time: files then differ only where the writer differs."""
    monkeypatch.setattr(prov_mod.Provenance, "new", classmethod(
        lambda cls, **kw: cls(kw["run_id"], "2023-02-01T02:00:00+00:00", prov_mod.mask_url(kw["warehouse_url"]),
                              kw["template_version"], kw["district"], kw["year"])))


def _marts(engine, run_id: str) -> tuple[list, list]:
    with engine.connect() as c:
        cells = c.execute(sa.text(
            "SELECT district_code, year, table_code, row_code, col_code, template_version, value_count, value_amount, "
            "agencies_reporting, official, flags, run_id FROM mart_district_cells WHERE district_code IN :ds "
            "ORDER BY district_code, table_code, row_code, col_code").bindparams(sa.bindparam("ds", expanding=True)),
            {"ds": list(CODES)}).all()
        pubs = c.execute(sa.text(
            "SELECT district_code, year, template_version, agencies_registered, agencies_loaded, agencies_failed, "
            "agencies_missing, agencies_withdrawn, agencies_older_version FROM mart_publications WHERE run_id = :r "
            "ORDER BY district_code"), {"r": run_id}).all()
    return [tuple(r) for r in cells], [tuple(r) for r in pubs]


def _xlsx(path: Path) -> dict:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = {"sheets": wb.sheetnames, "props": (wb.properties.title, wb.properties.keywords, wb.properties.subject)}
    for ws in wb.worksheets:
        out[ws.title] = ([(c.coordinate, c.value, type(c.value).__name__, c.comment.text if c.comment else None,
                           c.fill.fgColor.rgb if c.fill.fill_type else None, c.font.b, c.border.left.style)
                          for row in ws.iter_rows() for c in row if c.value is not None or c.has_style],
                         sorted(str(r) for r in ws.merged_cells.ranges))
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_batch_writes_what_one_at_a_time_writes(warehouse, fixed_time):
    url, engine, tmp = warehouse["url"], warehouse["engine"], warehouse["tmp"]
    solo_root, batch_root = tmp / "solo", tmp / "batch"
    solo = [publish_district(url, d, YEAR, solo_root, run_id="same-run") for d in DISTRICTS]
    solo_marts = _marts(engine, "same-run")
    batch = publish_districts(url, DISTRICTS, YEAR, batch_root, run_id="same-run", chunk_size=2)  # 2 reads: 2 + 1
    batch_marts = _marts(engine, "same-run")

    assert [b.error for b in batch] == ["", "", ""] and all(b.ok for b in batch)
    assert [(b.district, b.agencies_covered, b.agencies_registered) for b in batch] == \
        [(s.district, s.agencies_covered, s.agencies_registered) for s in solo]
    assert batch_marts == solo_marts and len(solo_marts[1]) == 3
    assert len(solo_marts[0]) >= 3 * 190

    a, b = _files(solo_root), _files(batch_root)
    assert set(a) == set(b) and len(a) >= 3 * 2 * 11
    for name in a:
        if name.endswith(".xlsx"):  # the package's own timestamps differ: compare what a reader sees
            assert _xlsx(solo_root / name) == _xlsx(batch_root / name), name
        elif name.endswith("manifest.json") or name.endswith("latest.json"):
            continue  # holds the sha256 of the XLSX (timestamps inside); the rest of it is checked below
        else:
            assert a[name] == b[name], name
    comments = [c for c in _xlsx(solo_root / f"{YEAR}/{CODES[0]}/report.xlsx")["表三"][0] if c[3]]
    assert comments and "批量区1第01局" in comments[0][3]  # the marked figure's comment names its agency


def test_one_failing_district_does_not_stop_the_others(warehouse, monkeypatch):
    url, engine, tmp = warehouse["url"], warehouse["engine"], warehouse["tmp"]
    real = pd_mod.write_files

    def broken(fig, prov, folder):
        if fig.district.code == CODES[1]:
            raise ValueError("disk full for this one")
        return real(fig, prov, folder)

    monkeypatch.setattr(pd_mod, "write_files", broken)
    res = publish_districts(url, DISTRICTS, YEAR, tmp / "partial", run_id="partial-run")
    assert [r.district for r in res] == list(CODES)
    assert [bool(r.error) for r in res] == [False, True, False]
    assert res[1].error == "ValueError: disk full for this one" and res[1].folder is None
    assert res[0].markdown.is_file() and res[2].csv.is_file()
    assert [p[0] for p in _marts(engine, "partial-run")[1]] == [CODES[0], CODES[2]]
    with pytest.raises(ValueError, match="disk full"):  # alone, the error is raised as before
        publish_district(url, DISTRICTS[1], YEAR, tmp / "partial", run_id="partial-run")


def test_a_district_listed_twice_is_published_once(warehouse):
    url, tmp = warehouse["url"], warehouse["tmp"]
    d = dataclasses.replace(DISTRICTS[0])
    res = publish_districts(url, [d, d], YEAR, tmp / "twice", run_id="twice-run")
    assert len(res) == 2 and res[0] == res[1] and res[0].ok
