"""The annual job end to end, then every published cell against the SQL sum (issue 11's acceptance).

Two districts, each on SQLite and on PostgreSQL, through the real annual flow (``flows.annual.annual_run``
under a temporary Prefect server, with its own registry, data folder and warehouse):

- a generated district of 60 registered agencies whose submissions come in every form agencies send
  (page text, HTML, Markdown, DOCX, the XLSX filing template, JSON), one of them missing;
- the bundled demo district (demo/submissions, config/registry.toml).

Every cell of the published HTML, XLSX (official layout), CSV and Parquet files and of the warehouse mart
must equal the SQL sum over the registered agencies' active facts (tests/support/published.py); for the
generated district the sums must also equal the sum of the generated reports themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.district import make_district, write_district
from support.published import check_publication, sql_sums

ROOT = Path(__file__).resolve().parents[1]
GEN_CODE, GEN_YEAR, GEN_N, GEN_MISSING = "990060", 2022, 60, "990060-a59"
DEMO_CODE, DEMO_YEAR = "330803", 2021


def _run(tmp: Path, url: str, config_dir: Path, drop: Path, code: str, year: int) -> dict:
    from flows.annual import annual_run, run_summary

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPELINE_CONFIG_DIR", str(config_dir))
        mp.setenv("PIPELINE_DATA_DIR", str(tmp / "data"))
        mp.setenv("PIPELINE_WAREHOUSE_URL", url)
        state = annual_run(year=year, districts=[code], submissions_dir=str(drop), policy="strict", return_state=True)
    result = run_summary(state)
    assert state.is_completed(), state.message
    return result


def _scenario(kind: str, tmp: Path, url: str) -> dict:
    if kind == "generated":
        gen = write_district(tmp / "in", make_district(GEN_CODE, GEN_N), GEN_YEAR, skip=frozenset({GEN_MISSING}))
        result = _run(tmp, url, gen.config_dir, gen.drop_dir, GEN_CODE, GEN_YEAR)
        return {"url": url, "result": result, "code": GEN_CODE, "year": GEN_YEAR, "generated": gen,
                "folder": tmp / "data" / "published" / str(GEN_YEAR) / GEN_CODE}
    result = _run(tmp, url, ROOT / "config", ROOT / "demo" / "submissions", DEMO_CODE, DEMO_YEAR)
    return {"url": url, "result": result, "code": DEMO_CODE, "year": DEMO_YEAR, "generated": None,
            "folder": tmp / "data" / "published" / str(DEMO_YEAR) / DEMO_CODE}


@pytest.fixture(scope="module", params=[
    ("generated", "sqlite"), pytest.param(("generated", "postgresql"), marks=pytest.mark.postgres),
    ("demo", "sqlite"), pytest.param(("demo", "postgresql"), marks=pytest.mark.postgres),
], ids=lambda p: "-".join(p))
def annual(request, prefect_harness, tmp_path_factory):
    kind, db = request.param
    tmp = tmp_path_factory.mktemp(f"{kind}-{db}")
    if db == "sqlite":
        from pipeline.warehouse import dispose_engine

        url = f"sqlite:///{tmp / 'warehouse.sqlite'}"
        yield _scenario(kind, tmp, url)
        dispose_engine(url)
        return
    from conftest import new_pg_database

    with new_pg_database("pipeline_annual_pub") as url:
        yield _scenario(kind, tmp, url)


@pytest.mark.slow
def test_every_published_cell_is_the_sql_sum_of_active_facts(annual):
    from pipeline import vocabulary as voc
    from pipeline.warehouse import get_engine

    engine, run_id = get_engine(annual["url"]), annual["result"]["run_id"]
    top = annual["folder"]
    runs = list((top / "runs").iterdir())
    assert [p.name for p in runs] == [run_id]
    for folder in (top, runs[0]):  # the latest copies and the run's own folder
        n = check_publication(engine, annual["code"], annual["year"], folder, run_id)
        assert n["xlsx"] == len(voc.cell_keys("v2021")) and min(n.values()) >= n["xlsx"], n


@pytest.mark.slow
def test_the_run_loaded_every_submission_and_the_sums_are_the_submissions(annual):
    from pipeline.warehouse import get_engine

    counts = annual["result"]["counts"]
    gen = annual["generated"]
    if gen is None:  # the demo: 14 agencies, every one sends a file
        assert counts == {"loaded": 14, "unchanged": 0, "failed": 0, "missing": 0}
        return
    assert counts == {"loaded": GEN_N - 1, "unchanged": 0, "failed": 0, "missing": 1}
    assert sorted(set(gen.forms.values())) == ["docx", "html", "json", "md", "txt", "xlsx"]
    truth: dict = {}
    for report in gen.reports.values():
        for c in report.cells:
            if c.value is not None:
                total, k = truth.get(c.key, (0.0, 0))
                truth[c.key] = (total + float(c.value), k + 1)
    sums = sql_sums(get_engine(annual["url"]), GEN_CODE, GEN_YEAR)
    assert set(sums) == set(truth)
    for key, (total, k) in truth.items():
        assert sums[key][0] == pytest.approx(total) and sums[key][1] == k, key
