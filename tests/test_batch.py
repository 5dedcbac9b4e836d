"""Batches as the unit of work: grouping, the one-query previous year, bulk loads that fail per agency,
the batch validator equal to the per-report one, and results that do not depend on the batch size."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipeline.annual import AgencyJob
from pipeline.batch import make_batches
from pipeline.synth.dropfolder import build_drop_folder

YEARS = [2021, 2022]


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    """3 districts × 12 agencies, two years, 15% of the last year's agencies with a fault."""
    return build_drop_folder(tmp_path_factory.mktemp("drop"), districts=3, agencies=12, years=YEARS, faults=0.15,
                             seed=7)


def _jobs(district: str, n: int) -> list[AgencyJob]:
    return [AgencyJob(district, 2022, f"{district}-a{i:02d}", f"agency {i}", None) for i in range(n)]


def test_batches_pack_whole_districts_and_split_large_ones():
    jobs = _jobs("900001", 5) + _jobs("900002", 5) + _jobs("900003", 12)
    batches = make_batches(jobs, 10)
    assert [len(b.jobs) for b in batches] == [10, 10, 2]
    assert [j for b in batches for j in b.jobs] == jobs
    assert batches[0].districts == ["900001", "900002"] and batches[1].districts == ["900003"]
    assert batches[1].label == "2022/900003: 10 agencies 900003-a00…900003-a09"
    assert "2 districts" in batches[0].label
    assert [len(b.jobs) for b in make_batches(jobs, 1)] == [1] * len(jobs)
    with pytest.raises(ValueError):
        make_batches(jobs, 0)


def test_validate_submissions_equals_validate_submission_report_by_report():
    import random

    from pipeline.synth import generate_report
    from pipeline.validate.submission import Claim, validate_submission, validate_submissions

    rng = random.Random(3)
    prev = [generate_report(rng, "v2021", year=2021) for _ in range(12)]
    reports = [generate_report(rng, "v2021", previous=p) for p in prev]
    reports[3].cells[5].value = 999  # an identity broken
    claims = [Claim(r.meta.agency, (), 2022) for r in reports]
    claims[1] = Claim("某某局", (), 2020)
    batch = validate_submissions(reports, claims, previous=[None if i % 4 == 0 else p for i, p in enumerate(prev)])
    for i, r in enumerate(reports):
        one = validate_submission(r, claims[i], previous=None if i % 4 == 0 else prev[i])
        assert [(f.rule, f.severity, f.table, f.row, f.col) for f in batch[i].findings] == \
               [(f.rule, f.severity, f.table, f.row, f.col) for f in one.findings]
    assert batch[3].findings and {f.rule for f in batch[1].findings} >= {"R-SUBMIT-AGENCY", "R-SUBMIT-YEAR"}


def _warehouse(kind: str, tmp_path: Path, request) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'wh.sqlite'}"
    return request.getfixturevalue("pg_fresh_url")


@pytest.fixture
def pg_fresh_url():
    from tests.conftest import new_pg_database

    with new_pg_database("pipeline_batch") as url:
        yield url


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_previous_reports_in_one_query_equal_previous_report(drop, tmp_path, request, kind):
    from pipeline.plainrun import run_plain
    from pipeline.warehouse import get_engine, previous_report
    from pipeline.warehouse.bulk import previous_reports

    url = _warehouse(kind, tmp_path, request)
    run_plain(year=2021, submissions_dir=drop.submissions_dir, warehouse_url=url, config_dir=drop.config_dir,
              data_dir=tmp_path / "data", publish=False)
    engine = get_engine(url)
    ids = [f"{d}-a{i:02d}" for d in drop.districts for i in range(12)] + ["nobody"]
    got = previous_reports(engine, ids, 2022)
    assert len(got) == 36
    for aid in ids:
        want = previous_report(engine, agency_id=aid, year=2022)
        assert (got.get(aid).to_dict() if aid in got else None) == (want.to_dict() if want else None), aid


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_report_the_warehouse_refuses_fails_alone(drop, tmp_path, request, kind):
    """One report with an unknown code (found before the transaction), one the database refuses (its
    template fails a CHECK): both fail with their reason; every neighbour is loaded."""
    from pipeline.ingest import parse_file
    from pipeline.registry import load_registry
    from pipeline.warehouse import get_engine, start_run, sync_registry, upgrade
    from pipeline.warehouse.bulk import FailItem, LoadItem, load_batch
    from pipeline.warehouse.load import SourceFile, parse_digest

    url = _warehouse(kind, tmp_path, request)
    upgrade(url)
    engine = get_engine(url)
    sync_registry(engine, load_registry(drop.config_dir))
    run_id = start_run(engine, year=2021, districts=drop.districts, policy="strict")
    folder = drop.submissions_dir / "2021" / drop.districts[0]
    loads = []
    for p in sorted(folder.iterdir())[:6]:
        r = parse_file(p)
        loads.append(LoadItem(p.name.split(".")[0], r, SourceFile.from_path(p, "x"), parse_digest(r)))
    loads[1].report.cells[0] = replace(loads[1].report.cells[0], row="no-such-row")
    loads[4].report = replace(loads[4].report, template="v2030")
    missing = FailItem(f"{drop.districts[0]}-a11", "missing", "no submission in the drop folder")
    done = load_batch(engine, run_id=run_id, year=2021, loads=loads, failures=[missing])
    assert set(done.refused) == {loads[1].agency_id, loads[4].agency_id}
    assert "no-such-row" in done.refused[loads[1].agency_id]
    assert set(done.loaded) == {x.agency_id for i, x in enumerate(loads) if i not in (1, 4)}
    with engine.connect() as c:
        ledger = dict(c.execute(sa.text("SELECT agency_id, status FROM run_agencies")).all())
        active = {a for (a,) in c.execute(sa.text("SELECT agency_id FROM reports WHERE is_active"))}
    assert ledger == {**{x.agency_id: "loaded" for x in loads}, loads[1].agency_id: "failed",
                      loads[4].agency_id: "failed", missing.agency_id: "missing"}
    assert active == set(done.loaded)
    again = load_batch(engine, run_id=run_id, year=2021, loads=[loads[0], loads[2]], failures=[])
    assert {a: changed for a, (_, _, changed) in again.loaded.items()} == {loads[0].agency_id: False,
                                                                           loads[2].agency_id: False}


def _snapshot(url: str, data: Path, run: dict) -> dict:
    """What must not depend on the batch size: statuses, reasons, findings, active cells, published figures."""
    from pipeline.warehouse import get_engine

    with get_engine(url).connect() as c:
        cells = sorted(c.execute(sa.text(
            "SELECT r.agency_id, r.year, r.version, f.table_code, f.row_code, f.col_code, f.value, f.raw "
            "FROM fact_cells f JOIN reports r ON r.id = f.report_id WHERE r.is_active")).all())
        findings = sorted(c.execute(sa.text(
            "SELECT agency_id, year, seq, rule, severity, table_code, row_code, col_code, expected, actual "
            "FROM findings WHERE run_id = :r"), {"r": run["run_id"]}).all(), key=repr)
        ledger = sorted(c.execute(sa.text("SELECT agency_id, status, reason FROM run_agencies WHERE run_id = :r"),
                                  {"r": run["run_id"]}).all())
    published = {}
    for p in sorted((data / "published" / "2022").glob("*/consolidated.csv")):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        published[p.parent.name] = df.drop(columns=[c for c in ("run_id", "generated_at", "warehouse") if c in df])
    return {"cells": cells, "findings": findings, "ledger": ledger, "published": published,
            "counts": run["counts"]}


@pytest.mark.slow
def test_results_do_not_depend_on_the_batch_size(drop, tmp_path):
    """Batch sizes 1, 17 and 500 (in processes for one of them): the same warehouse and published figures,
    and every injected fault fails its own agency while every other agency loads."""
    from pipeline.plainrun import run_plain

    snaps = []
    for size, workers in ((1, 1), (17, 2), (500, 1)):
        url = f"sqlite:///{tmp_path / f'wh{size}.sqlite'}"
        data = tmp_path / f"data{size}"
        for y in YEARS:
            run = run_plain(year=y, submissions_dir=drop.submissions_dir, warehouse_url=url,
                            config_dir=drop.config_dir, data_dir=data, batch_size=size, workers=workers,
                            publish=y == YEARS[-1])
        failed = {o["agency_id"] for o in run["outcomes"] if o["status"] == "failed"}
        assert failed == set(drop.manifest) and drop.manifest
        assert run["counts"]["loaded"] == 36 - len(failed)
        snaps.append(_snapshot(url, data, run))
    first = snaps[0]
    assert len(first["published"]) == 3
    for other in snaps[1:]:
        for key in ("cells", "findings", "ledger", "counts"):
            assert other[key] == first[key], key
        for d, df in first["published"].items():
            pd.testing.assert_frame_equal(other["published"][d], df)
