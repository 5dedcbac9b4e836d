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


# -- 2. two runs of a year started together; 3. a locked SQLite warehouse --------------------------------------

LOST_RACE = ("import sys, pipeline.warehouse.runlock as r; r.year_is_free = lambda *a: True; "  # the pre-check passed
             "sys.argv = ['pipeline'] + sys.argv[1:]; from pipeline.cli import main; main()")


def _hold_year(url, env, drop, tmp_path):
    """A run of 2022 paused right after start_run (it holds the year's lock); (process, marker)."""
    fp = tmp_path / "fp"
    fp.mkdir()
    p = kit.spawn(url, env, drop, env={"PIPELINE_FAILPOINT": "run.after-start:pause", "PIPELINE_FAILPOINT_DIR": str(fp)})
    marker = fp / "run.after-start.paused"
    import time

    deadline = time.monotonic() + 120
    while not marker.exists():
        assert p.poll() is None and time.monotonic() < deadline, p.communicate()
        time.sleep(0.05)
    return p, marker


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "rerun"])
def test_the_run_that_loses_the_race_is_one_line_exit_2(command, url, drop, env, tmp_path):
    kit.run_here(url, env, drop)  # two failed agencies: something to re-run
    holder, marker = _hold_year(url, env, drop, tmp_path)
    try:
        args = ["run", "--year", "2022"] if command == "run" else ["rerun", "--year", "2022", "--failed"]
        p = subprocess.run([sys.executable, "-c", LOST_RACE, *args, "--warehouse-url", url,
                            "--submissions", str(drop.submissions_dir)], capture_output=True, text=True, timeout=300,
                           env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PIPELINE_WORKERS": "1"},
                           cwd=kit.ROOT)
    finally:
        marker.unlink()
        holder.communicate(timeout=300)
    assert p.returncode == 2, (p.stdout[-2000:], p.stderr[-3000:])
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    ours = [ln for ln in p.stderr.splitlines() if "| " not in ln and "prefect.io" not in ln and ln.strip()]
    assert len(ours) == 1 and "holds the run lock" in ours[0] and "年度运行正在进行" in ours[0], p.stderr
    assert p.stderr.count("RunLocked") <= 1, p.stderr  # the start-run task is not retried
    assert [r["status"] for r in kit.runs(url)] == ["failed", "failed"]  # the loser wrote no run row


def test_rerun_checks_the_run_lock_before_prefect(url, drop, env, tmp_path):
    kit.run_here(url, env, drop)
    holder, marker = _hold_year(url, env, drop, tmp_path)
    try:
        p = _sub(["rerun", "--year", "2022", "--failed", "--warehouse-url", url])
    finally:
        marker.unlink()
        holder.communicate(timeout=300)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "holds the run lock" in _one_line(p) and "prefect" not in p.stderr.lower()


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "rerun"])
def test_locked_sqlite_run_is_one_line_exit_2(command, drop, env, tmp_path):
    import sqlite3

    with kit.warehouse("sqlite", tmp_path) as u:
        kit.run_here(u, env, drop)
        holder = sqlite3.connect(u.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        try:
            args = ["run", "--year", "2022"] if command == "run" else ["rerun", "--year", "2022", "--failed"]
            p = _sub([*args, "--warehouse-url", u, "--submissions", str(drop.submissions_dir)],
                     env={"PIPELINE_SQLITE_BUSY_TIMEOUT": "2", "PIPELINE_WORKERS": "1"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert p.returncode == 2, (p.stdout[-2000:], p.stderr[-3000:])
        assert "Traceback" not in p.stdout + p.stderr, p.stderr
        last = p.stderr.strip().splitlines()
        ours = [ln for ln in last if "| " not in ln and "prefect.io" not in ln and ln.strip()]
        assert len(ours) == 1, p.stderr
        assert ours[0].startswith("数据仓库被其他进程锁定 / the warehouse sqlite:///") and "(waited 2 s)" in ours[0], ours
        assert len(p.stderr.splitlines()) < 20, p.stderr


# -- 4. summary.md escapes names, ids and reasons -------------------------------------------------------------


def test_markdown_text_is_inert():
    from pipeline.publish.markdown import _md

    out = _md('<script>alert(1)</script><img src=x onerror=alert(1)> a|b *x* [l](javascript:x) a_b `c` &amp;\nz')
    assert "<" not in out and ">" not in out and "\n" not in out
    assert "&lt;script&gt;" in out and "&amp;amp;" in out
    for special in ("|", "*", "[", "]", "_", "`"):
        assert all(out[i - 1] == "\\" for i, ch in enumerate(out) if ch == special), (special, out)


# -- 5. withdraw killed inside the mart transaction, then withdrawn again ------------------------------------


def _mart_latest(url: str, code: str) -> tuple[str, int]:
    import sqlalchemy as sa

    from pipeline.warehouse import get_engine

    with get_engine(url).connect() as c:
        r = c.execute(sa.text("SELECT run_id, agencies_loaded FROM mart_publications WHERE year = 2022 AND "
                              "district_code = :d ORDER BY published_at DESC LIMIT 1"), {"d": code}).first()
    return r.run_id, r.agencies_loaded


def test_withdraw_again_repairs_a_publication_killed_in_the_mart(url, drop, env):
    from pipeline.ops.stale import latest_published

    kit.run_here(url, env, drop)
    run_id, loaded = _mart_latest(url, "900001")
    args = ["withdraw", "--year", "2022", "--agency", "900001-a00", "--reason", "误报 wrong", "--by", "ops",
            "--warehouse-url", url]
    p = _sub(args, env={"PIPELINE_FAILPOINT": "mart.mid-transaction"})
    assert p.returncode == -9, (p.stdout, p.stderr)
    assert latest_published(env / "published", 2022, "900001")["run_id"] != run_id  # new files …
    assert _mart_latest(url, "900001") == (run_id, loaded)  # … the mart's old figures
    r = _cli(*args)
    assert r.exit_code == 0, r.output
    assert "publishing it again" in r.output and "republished" in r.output, r.output
    mart_run, mart_loaded = _mart_latest(url, "900001")
    assert mart_loaded == loaded - 1 and mart_run == latest_published(env / "published", 2022, "900001")["run_id"]
    r = _cli(*args)  # now truly nothing to do
    assert r.exit_code == 0 and "nothing changed" in r.output, r.output


# -- 6. a re-run killed while publishing, then `rerun --failed` ------------------------------------------------


def test_rerun_failed_after_a_rerun_killed_while_publishing_repairs(url, drop, env, tmp_path):
    import multiprocessing
    import shutil

    from pipeline.ops.stale import latest_published, stale_districts
    from pipeline.synth.dropfolder import build_drop_folder
    from pipeline.warehouse import dispose_engines, get_engine

    kit.run_here(url, env, drop)  # 2 agencies fail (wrong year)
    clean = build_drop_folder(tmp_path / "clean", districts=2, agencies=5, years=[2022], faults=0.0, seed=3)
    fixed = tmp_path / "fixed"
    shutil.copytree(drop.submissions_dir, fixed)
    for aid in drop.manifest:  # the agencies send their corrected files
        code = aid.split("-")[0]
        for f in (fixed / "2022" / code).glob(f"{aid}*"):
            f.unlink()
        for f in (clean.submissions_dir / "2022" / code).glob(f"{aid}*"):
            shutil.copy(f, fixed / "2022" / code / f.name)
    kwargs = {**kit.run_kwargs(url, env, drop), "submissions_dir": fixed, "agencies": sorted(drop.manifest)}
    dispose_engines()
    child = multiprocessing.get_context("fork").Process(target=kit._child,
                                                        args=(kwargs, {"PIPELINE_FAILPOINT": "publish.mid-files"}))
    child.start()
    child.join(300)
    assert child.exitcode == -9
    assert [r["status"] for r in kit.runs(url)] == ["failed", "running"]  # the killed re-run
    codes = sorted({a.split("-")[0] for a in drop.manifest})
    assert stale_districts(get_engine(url), env / "published", 2022, codes) == codes  # loaded, not published

    r = _cli("rerun", "--year", "2022", "--failed", "--warehouse-url", url)
    assert r.exit_code == 0, r.output
    assert "nothing to re-run" in r.output and "abandoned" in r.output and "republished" in r.output, r.output
    assert [r["status"] for r in kit.runs(url)] == ["failed", "abandoned"]
    assert stale_districts(get_engine(url), env / "published", 2022, codes) == []
    for code in codes:
        kpis = json.loads((env / "published" / "2022" / code / "kpis.json").read_text("utf-8"))
        members = {m["agency_id"]: m["status"] for m in kpis["members"]}
        assert all(members[a] == "loaded" for a in drop.manifest if a.startswith(code)), members
        assert latest_published(env / "published", 2022, code)["run_id"].startswith("publish-")


# -- 7. status of a killed run ------------------------------------------------------------------------------


def test_status_shows_a_killed_run_as_abandoned_without_writing(url, drop, env, tmp_path):
    holder, _marker = _hold_year(url, env, drop, tmp_path)
    try:
        doc = json.loads(_cli("status", "--year", "2022", "--json", "--warehouse-url", url).output)
        assert doc["last_run"]["status"] == "running"  # its process holds the lock
    finally:
        holder.kill()
        holder.communicate(timeout=60)
    r = _cli("status", "--year", "2022", "--json", "--warehouse-url", url)
    assert json.loads(r.output)["last_run"]["status"] == "abandoned (process gone) / 已中断"
    assert "已中断" in _cli("status", "--year", "2022", "--warehouse-url", url).output
    assert [x["status"] for x in kit.runs(url)] == ["running"]  # displayed, not written


# -- 8. invalid settings ----------------------------------------------------------------------------------------

BAD_SETTINGS = [("PIPELINE_WORKERS", "0"), ("PIPELINE_BATCH_SIZE", "0"), ("PIPELINE_SQLITE_BUSY_TIMEOUT", "abc"),
                ("PIPELINE_RUN_LOCK_WAIT", "abc"), ("PIPELINE_RETRIES", "x"), ("PIPELINE_RETRY_DELAY", "-1")]


@pytest.mark.parametrize("command", [["run", "--year", "2022"], ["rerun", "--year", "2022", "--failed"],
                                     ["status", "--year", "2022"], ["publish", "--year", "2022"], ["db", "current"],
                                     ["parse", "x.txt"], ["withdraw", "--year", "2022", "--agency", "a", "--reason", "r"]])
@pytest.mark.parametrize(("var", "value"), BAD_SETTINGS)
def test_invalid_settings_are_one_line_exit_2(var, value, command, env, monkeypatch):
    monkeypatch.setenv(var, value)
    r = CliRunner().invoke(app, command)
    assert r.exit_code == 2, r.output
    line = _one_line(r)
    assert line.startswith("设置无效 / invalid setting: ") and var in line and repr(value) in line, line


def test_retry_settings_are_checked_in_the_library(monkeypatch):
    from pipeline.retrying import retry_transient

    monkeypatch.setenv("PIPELINE_RETRIES", "x")
    with pytest.raises(ValueError, match="PIPELINE_RETRIES must be a whole number"):
        retry_transient(lambda: 1)


# -- 9. the unreachable-warehouse line in Chinese too; 10. db commands take --warehouse-url ------------------

DEAD = "postgresql://etl:S3cret@127.0.0.1:1/dw"


@pytest.mark.parametrize("command", [["run", "--year", "2022"], ["db", "upgrade"], ["db", "current"], ["db", "check"]])
def test_unreachable_warehouse_line_is_chinese_and_english(command, env):
    p = _sub([*command, "--warehouse-url", DEAD])
    assert p.returncode == 2, (p.stdout, p.stderr)
    line = _one_line(p)
    assert line.startswith("无法连接数据仓库 / warehouse postgresql://etl:***@127.0.0.1:1/dw"), line
    assert "S3cret" not in p.stdout + p.stderr


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"], ["db", "check"]])
def test_db_commands_take_warehouse_url(command, tmp_path):
    u = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    if command[1] != "upgrade":
        assert _sub(["db", "upgrade", "--warehouse-url", u]).returncode == 0
    p = _sub([*command, "--warehouse-url", u])  # a subprocess: Alembic's logging outlives a CliRunner's streams
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert str(tmp_path / "wh.sqlite") in p.stdout
