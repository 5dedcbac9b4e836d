"""Scale-out: the demo district on prefect-dask's DaskTaskRunner (a 2-worker LocalCluster) gives exactly the
default runner's results — the warehouse's active facts and every published figure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "submissions"
YEAR, DISTRICT = 2021, "330803"


def _facts(url: str) -> set[tuple]:
    from pipeline.warehouse import get_engine

    with get_engine(url).connect() as c:
        return set(c.execute(sa.text(
            "SELECT r.agency_id, r.version, f.table_code, f.row_code, f.col_code, f.value, f.raw FROM fact_cells f "
            "JOIN reports r ON r.id = f.report_id WHERE r.is_active")).all())


def _published(data: Path) -> pd.DataFrame:
    df = pd.read_csv(data / "published" / str(YEAR) / DISTRICT / "consolidated.csv", dtype=str, keep_default_na=False)
    return df.drop(columns=["run_id", "generated_at", "warehouse"])


def test_the_dask_runner_gives_the_default_runners_results(prefect_harness, tmp_path, monkeypatch):
    from flows.annual import annual_run, run_summary
    from pipeline.ops.runners import task_runner

    monkeypatch.setenv("PIPELINE_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("PIPELINE_WORKERS", "1")
    monkeypatch.setenv("PIPELINE_BATCH_SIZE", "5")  # three batches: the cluster's two workers both get work
    monkeypatch.setenv("PIPELINE_DASK_WORKERS", "2")
    monkeypatch.delenv("PIPELINE_DASK_ADDRESS", raising=False)
    results = {}
    for name in ("threads", "dask"):
        monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / name))
        url = f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        runner = task_runner(name)
        flow_ = annual_run if runner is None else annual_run.with_options(task_runner=runner)
        state = flow_(year=YEAR, districts=[DISTRICT], submissions_dir=str(DEMO), warehouse_url=url, return_state=True)
        assert state.is_completed(), state.message
        results[name] = (run_summary(state), _facts(url), _published(tmp_path / name))
    (a_sum, a_facts, a_pub), (b_sum, b_facts, b_pub) = results["threads"], results["dask"]
    assert a_sum["counts"] == b_sum["counts"] and a_sum["counts"]["loaded"] > 10
    assert a_facts == b_facts
    pd.testing.assert_frame_equal(a_pub, b_pub)
    assert type(runner).__name__ == "DaskTaskRunner"
