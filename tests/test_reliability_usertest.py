"""Defects found by a user test (docs/reliability.md, "Defects found by a user test and fixed"): each test
failed before its fix. SQLite and PostgreSQL where a warehouse is involved; a small generated drop folder
(:mod:`support.crashkit`: 2 districts × 5 agencies, 2 faulty)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import crashkit as kit
from typer.testing import CliRunner

from pipeline.cli import app

PIPELINE = str(Path(sys.executable).with_name("pipeline"))
KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    return kit.make_drop(tmp_path_factory.mktemp("usertest-drop"))


@pytest.fixture(params=KINDS)
def url(request, tmp_path):
    with kit.warehouse(request.param, tmp_path) as u:
        yield u


@pytest.fixture
def env(drop, tmp_path, monkeypatch):
    """The settings of the CLI commands run in this process (and of subprocesses, via os.environ)."""
    monkeypatch.setenv("PIPELINE_CONFIG_DIR", str(drop.config_dir))
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PIPELINE_SUBMISSIONS_DIR", str(drop.submissions_dir))
    return tmp_path / "data"


def _cli(*args: str):
    r = CliRunner().invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def _sub(args: list[str], env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    e = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    return subprocess.run([PIPELINE, *args], capture_output=True, text=True, env=e, timeout=timeout, cwd=kit.ROOT)


def _one_line(p) -> str:
    err = (p.stderr if hasattr(p, "stderr") and isinstance(p.stderr, str) else p.output).strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


# -- 1. status of one district on SQLite --------------------------------------------------------------------


def test_status_of_one_district_reads_the_runs_districts(url, drop, env):
    run = kit.run_here(url, env, drop)
    r = _cli("status", "--year", "2022", "--district", "900001", "--warehouse-url", url)
    assert r.exit_code == 0, r.output
    assert "no run yet" not in r.output and run["run_id"] in r.output
    r = _cli("status", "--year", "2022", "--json", "--warehouse-url", url)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["last_run"]["districts"] == ["900001", "900002"]
