"""The annual flow end to end on the bundled demo district, under a real (temporary) Prefect server.

The published district summary must equal, cell by cell, the sum over the agencies' loaded cells —
checked against the warehouse and, independently, against the submissions parsed again from disk.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest import parse_file
from pipeline.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "submissions"
YEAR, DISTRICT = 2021, "330803"


def _run(monkeypatch, tmp_path: Path, warehouse_url: str, submissions: Path = DEMO, policy: str = "strict"):
    from flows.annual import annual_run, run_summary

    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PIPELINE_CONFIG_DIR", str(ROOT / "config"))
    state = annual_run(year=YEAR, districts=[DISTRICT], submissions_dir=str(submissions), policy=policy,
                       warehouse_url=warehouse_url, return_state=True)
    return state, run_summary(state)


def _published(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "data" / "published" / str(YEAR) / DISTRICT / "consolidated.csv"
    assert path.exists(), f"no published summary at {path}"
    assert (path.parent / "summary.md").exists()
    return pd.read_csv(path, dtype={"district": str}, keep_default_na=False)


def _assert_sums(published: pd.DataFrame, cells: pd.DataFrame) -> int:
    sums = cells.assign(value=pd.to_numeric(cells["value"])).groupby(["table", "row", "col"])["value"].sum(min_count=1)
    checked = 0
    for r in published.itertuples():
        want = sums.get((r.table, r.row, r.col), float("nan"))
        if r.value == "":
            assert math.isnan(want), f"{r.table}/{r.row}/{r.col}: published blank, agencies sum to {want}"
        else:
            assert float(r.value) == pytest.approx(want), f"{r.table}/{r.row}/{r.col}: published {r.value}, sum {want}"
            checked += 1
    return checked


def _check_run(tmp_path: Path, url: str, state, result) -> None:
    from pipeline.warehouse import active_cells, get_engine

    assert state.is_completed(), state.message
    registry = load_registry(ROOT / "config")
    agencies = registry.district(DISTRICT).agencies
    assert result["counts"]["loaded"] == len(agencies)
    published = _published(tmp_path)
    cells = active_cells(get_engine(url), district=DISTRICT, year=YEAR)
    assert set(cells["agency_id"]) == {a.id for a in agencies}
    assert _assert_sums(published, cells) > 150  # most official cells carry a figure
    # Independently of the warehouse: parse every submission again and sum.
    parsed = []
    for f in sorted((DEMO / str(YEAR) / DISTRICT).iterdir()):
        for c in parse_file(f).cells:
            parsed.append({"agency_id": f.stem, "table": c.table, "row": c.row, "col": c.col, "value": c.value})
    _assert_sums(published, pd.DataFrame(parsed))
    assert (published["agencies"].astype(int) <= len(agencies)).all()


@pytest.mark.slow
def test_demo_district_on_sqlite(prefect_harness, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    state, result = _run(monkeypatch, tmp_path, url)
    _check_run(tmp_path, url, state, result)
    # A second run changes nothing: every agency unchanged, same published figures.
    before = _published(tmp_path)
    state2, result2 = _run(monkeypatch, tmp_path, url)
    assert state2.is_completed()
    assert result2["counts"]["unchanged"] == result["counts"]["loaded"]
    provenance = ["run_id", "generated_at", "warehouse"]  # a new run publishes the same figures under its own id
    pd.testing.assert_frame_equal(before.drop(columns=provenance), _published(tmp_path).drop(columns=provenance))


@pytest.mark.slow
@pytest.mark.postgres
def test_demo_district_on_postgres(prefect_harness, tmp_path, monkeypatch, pg_url):
    state, result = _run(monkeypatch, tmp_path, pg_url)
    _check_run(tmp_path, pg_url, state, result)


@pytest.mark.slow
def test_failed_agency_fails_the_flow_and_spares_the_others(prefect_harness, tmp_path, monkeypatch):
    """One unreadable submission: that agency fails with its reason, the others load, the flow ends Failed."""
    subs = tmp_path / "subs"
    shutil.copytree(DEMO, subs)
    folder = subs / str(YEAR) / DISTRICT
    victim = next(p for p in sorted(folder.iterdir()) if p.stem == "330803-edu")
    victim.write_text("这不是年度报告。", encoding="utf-8")
    next(p for p in folder.iterdir() if p.stem == "330803-duze").unlink()  # and one agency sends nothing
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    state, result = _run(monkeypatch, tmp_path, url, submissions=subs)
    assert state.is_failed()
    assert "330803-edu" in state.message
    by_agency = {o["agency_id"]: o for o in result["outcomes"]}
    assert by_agency["330803-edu"]["status"] == "failed"
    assert victim.name in by_agency["330803-edu"]["reason"]
    assert by_agency["330803-duze"]["status"] == "missing"
    assert result["counts"] == {"loaded": len(by_agency) - 2, "unchanged": 0, "failed": 1, "missing": 1}
    published = _published(tmp_path)
    assert (published["agencies"].astype(int) <= len(by_agency) - 2).all()
    summary = (published_dir := tmp_path / "data" / "published" / str(YEAR) / DISTRICT / "summary.md").read_text("utf-8")
    assert "登记机关 14 个，已纳入汇总 12 个，未通过 1 个，缺报 1 个" in summary, published_dir
    assert "未通过 failed：衢州市衢江区教育局" in summary
    outcomes = pd.read_csv(Path(result["run_dir"]) / "outcomes.csv")
    assert set(outcomes["agency_id"]) == set(by_agency)


@pytest.mark.slow
def test_a_publishing_error_closes_the_run_as_failed(prefect_harness, tmp_path, monkeypatch):
    """Publishing raises: the agencies are still loaded, the run is closed (failed) in the ledger, the flow Fails."""
    import sqlalchemy as sa

    from pipeline.warehouse import get_engine

    # A real failure, no mock: where the district's folder must go, a file is in the way.
    blocker = tmp_path / "data" / "published" / str(YEAR) / DISTRICT
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    state, result = _run(monkeypatch, tmp_path, url)
    assert state.is_failed() and "publishing failed" in state.message and DISTRICT in state.message
    assert result["counts"]["loaded"] == len(load_registry(ROOT / "config").district(DISTRICT).agencies)
    with get_engine(url).connect() as c:
        runs = c.execute(sa.text("SELECT status, finished_at FROM runs")).all()
    assert [(s, f is not None) for s, f in runs] == [("failed", True)]
