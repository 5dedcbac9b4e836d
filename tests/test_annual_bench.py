"""Smoke test of the national-scale benchmark (issue 9): the whole annual run at 1,000 submissions.

Correctness only, no timing assertions: the benchmark script runs end to end on PostgreSQL through the
Prefect flow and through the plain loop, from the same previous-year warehouse; both catch every
injected fault on its agency and nothing else; the figures it prints and writes are all there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.postgres
def test_benchmark_runs_1000_submissions_and_catches_every_fault(pg_url, tmp_path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, PIPELINE_TEST_PG_URL=os.environ.get("PIPELINE_TEST_PG_URL", "")
               or "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "annual_bench.py"), "--sizes", "1000",
                           "--dbs", "postgres", "--modes", "flow,loop", "--work", str(tmp_path / "work"),
                           "--json", str(out)], env=env, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    runs = {r["mode"]: r for r in result["runs"]}
    assert set(runs) == {"flow", "loop"}
    for mode, r in runs.items():
        assert r["size"] == 1020 and r["exit"] == 0, mode
        assert r["faults_ok"], (mode, r["faults"])
        assert sum(r["counts"].values()) == 1020, (mode, r["counts"])
        assert r["counts"]["failed"] > 0 and r["published"] == 17, (mode, r)
        assert {"ingest (parse)", "validate", "load", "publish"} <= set(r["stages"]), (mode, r["stages"])
        assert r["peak_rss_mib"] > 0 and r["per_s"] > 0
    assert runs["flow"]["counts"] == runs["loop"]["counts"]
    assert runs["flow"]["prefect_db_kib"] > 0
    (over,) = result["overhead"]
    assert over["ratio"] > 0
    assert "| submissions | db | mode |" in proc.stdout and "flow ÷ loop" in proc.stdout
