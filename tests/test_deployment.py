"""The annual deployment of prefect.yaml on a real Prefect server: loopback, a temporary PREFECT_HOME.

Starts ``prefect server``, creates the process work pool, deploys ``annual`` from prefect.yaml, starts a
worker, triggers a run of the deployment (the bundled demo year), waits for it, and checks the warehouse and
the published files — and that the deployment carries the schedule (cron 0 2 1 2 *, Asia/Shanghai), the
default parameters (year null = previous year, every district) and a concurrency limit of one run.
Nothing here skips: it needs only the repository and its .venv.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
POOL = "pipeline-process"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"prefect server exited ({proc.returncode}): {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after {timeout}s: {log.read_text()[-3000:]}")


def _prefect(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    p = subprocess.run([PREFECT, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"prefect {' '.join(args)} → {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_the_annual_deployment_runs_on_a_real_server(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "registry.toml", tmp_path / "config" / "registry.toml")
    warehouse = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PIPELINE_"))}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
        "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
        "PIPELINE_HOME": str(ROOT), "PIPELINE_CONFIG_DIR": str(tmp_path / "config"),
        "PIPELINE_DATA_DIR": str(tmp_path / "data"), "PIPELINE_WAREHOUSE_URL": warehouse,
        "PIPELINE_SUBMISSIONS_DIR": str(ROOT / "demo" / "submissions"), "PIPELINE_WORKERS": "2",
    })
    server = worker = None
    server_log, worker_log = tmp_path / "server.log", tmp_path / "worker.log"
    try:
        with server_log.open("w") as out:
            server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                      cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        _wait_healthy(api, server, server_log)
        _prefect(env, "work-pool", "create", POOL, "--type", "process")
        _prefect(env, "--no-prompt", "deploy", "--name", "annual", "--prefect-file", str(ROOT / "prefect.yaml"))

        inspect = _prefect(env, "deployment", "inspect", "annual-run/annual", "--output", "json")
        dep = json.loads(inspect.stdout)
        (sched,) = dep["schedules"]
        assert sched["schedule"]["cron"] == "0 2 1 2 *" and sched["schedule"]["timezone"] == "Asia/Shanghai"
        # Prefect 3: the deployment's limit is a global concurrency limit of one slot; a second run waits.
        assert dep["global_concurrency_limit"]["limit"] == 1
        assert dep["concurrency_options"]["collision_strategy"] == "ENQUEUE"
        assert dep["parameters"]["year"] is None and dep["parameters"]["districts"] is None
        assert dep["work_pool_name"] == POOL

        with worker_log.open("w") as out:
            worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", POOL], cwd=tmp_path, env=env, stdout=out,
                                      stderr=subprocess.STDOUT)
        run = subprocess.run([PREFECT, "deployment", "run", "annual-run/annual", "--param", "year=2021", "--watch",
                              "--watch-timeout", "600"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=700)
        detail = f"{run.stdout[-3000:]}\n{run.stderr[-2000:]}\nworker:\n{worker_log.read_text()[-4000:]}"
        assert run.returncode == 0, detail
        assert "Completed" in run.stdout, detail
    finally:
        _stop(worker)
        _stop(server)

    # The warehouse: one completed run of 2021 over every registered district, every demo agency loaded.
    from pipeline.registry import load_registry
    from pipeline.warehouse import dispose_engine

    registry = load_registry(tmp_path / "config")
    n = sum(len(d.agencies) for d in registry.districts.values())
    engine = sa.create_engine(warehouse)
    with engine.connect() as c:
        runs = c.execute(sa.text("SELECT year, status, n_loaded, n_failed, districts, flow_run_id, submissions_dir "
                                 "FROM runs")).all()
        active = c.execute(sa.text("SELECT COUNT(*) FROM reports WHERE year = 2021 AND is_active")).scalar()
    engine.dispose()
    dispose_engine(warehouse)
    assert len(runs) == 1, runs
    year, status, loaded, failed, districts, flow_run_id, subdir = runs[0]
    assert (year, status, loaded, failed) == (2021, "completed", n, 0)
    assert sorted(json.loads(districts) if isinstance(districts, str) else districts) == sorted(registry.districts)
    assert flow_run_id and subdir == str((ROOT / "demo" / "submissions").resolve())
    assert active == n
    for code in registry.districts:
        assert (tmp_path / "data" / "published" / "2021" / code / "consolidated.csv").is_file()
