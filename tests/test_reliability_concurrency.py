"""Issue 12, concurrency: two annual runs of the same year at once never duplicate or interleave loads.

The run lock (:mod:`pipeline.warehouse.runlock`, taken by ``start_run``): a PostgreSQL session advisory lock,
a ``flock`` beside a SQLite database. Every test starts real, separate Python processes at the same moment.

- Refused: the second run gets one line (Chinese and English) naming the running run, exits non-zero, and
  writes nothing; the first completes; the warehouse equals a clean run's.
- Started at once without any help: whatever the timing, the runs never overlap in the ledger, no agency
  gets two versions, the warehouse equals a clean run's.
- Waiting (``PIPELINE_RUN_LOCK_WAIT``): the second run starts when the first has finished, finds every report
  unchanged.
- A lock whose process was killed blocks nothing (the operating system or the server drops it), and the
  dead run is closed ``abandoned`` by the next one.
- ``pipeline run`` refuses with the same single line before it starts Prefect.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import crashkit as kit

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
PIPELINE = str(Path(sys.executable).with_name("pipeline"))


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    return kit.make_drop(tmp_path_factory.mktemp("conc-drop"))


@pytest.fixture(scope="module", params=KINDS)
def clean(request, drop, tmp_path_factory):
    kind = request.param
    tmp = tmp_path_factory.mktemp(f"conc-clean-{kind}")
    with kit.warehouse(kind, tmp) as url:
        kit.run_here(url, tmp / "data", drop)
        yield kind, kit.snapshot(url)


def _wait_for(path: Path, procs, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        for p in procs:
            if p.poll() is not None and p.returncode not in (0, 3):
                raise AssertionError(f"a run died: {p.returncode} {p.stderr.read()}")
        time.sleep(0.05)


def _finish(p: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def test_second_run_started_at_once_is_refused_with_one_line(clean, drop, tmp_path):
    kind, reference = clean
    fp = tmp_path / "fp"
    fp.mkdir()
    # Both runs stop right after start_run if they get that far: the one holding the lock waits there, so
    # the other certainly meets the lock, whatever the scheduling of two busy cores.
    env = {"PIPELINE_FAILPOINT": "run.after-start:pause", "PIPELINE_FAILPOINT_DIR": str(fp)}
    with kit.warehouse(kind, tmp_path) as url:
        kit.run_here(url, tmp_path / "seed", drop)  # the schema and registry exist: both start at the lock
        before = kit.runs(url)
        a = kit.spawn(url, tmp_path / "data", drop, env=env)
        b = kit.spawn(url, tmp_path / "data", drop, env=env)
        marker = fp / "run.after-start.paused"
        _wait_for(marker, [a, b])
        first = next(p for p in (a, b) if str(p.pid) == marker.read_text())  # the holder
        second = b if first is a else a
        code2, out2, err2 = _finish(second)
        running = [r for r in kit.runs(url) if r["status"] == "running"]
        marker.unlink()
        code1, _out1, err1 = _finish(first)
        assert code1 == 0, err1
        assert code2 == 3, (out2, err2)
        line = err2.strip()
        assert "\n" not in line and "Traceback" not in err2, err2
        assert len(running) == 1
        assert running[0]["id"] in line, line
        assert "年度运行正在进行" in line and "another annual run for 2022 is in progress" in line, line
        after = kit.runs(url)
        assert len(after) == len(before) + 1  # the refused run wrote no run row
        assert kit.diff(kit.snapshot(url), reference) == []


def test_two_runs_started_at_once_never_interleave(clean, drop, tmp_path):
    kind, reference = clean
    with kit.warehouse(kind, tmp_path) as url:
        a = kit.spawn(url, tmp_path / "a", drop)
        b = kit.spawn(url, tmp_path / "b", drop)
        results = [_finish(a), _finish(b)]
        codes = sorted(r[0] for r in results)
        rs = kit.runs(url)
        # Either one was refused (it met the lock) or they ran one after the other: never side by side.
        assert codes in ([0, 0], [0, 3]), results
        assert len(rs) == (2 if codes == [0, 0] else 1), rs
        if len(rs) == 2:
            assert rs[0]["finished_at"] <= rs[1]["started_at"], rs
        assert kit.diff(kit.snapshot(url), reference) == []
        snap = kit.snapshot(url)
        versions = [r for r in snap["reports"] if '"version": 1' not in r]
        assert versions == []  # no agency loaded twice


def test_second_run_waits_when_asked(clean, drop, tmp_path):
    kind, reference = clean
    fp = tmp_path / "fp"
    fp.mkdir()
    with kit.warehouse(kind, tmp_path) as url:
        kit.run_here(url, tmp_path / "seed", drop)
        a = kit.spawn(url, tmp_path / "data", drop, env={"PIPELINE_FAILPOINT": "run.after-start:pause",
                                                        "PIPELINE_FAILPOINT_DIR": str(fp)})
        marker = fp / "run.after-start.paused"
        _wait_for(marker, [a])
        b = kit.spawn(url, tmp_path / "data", drop, env={"PIPELINE_RUN_LOCK_WAIT": "300"})
        time.sleep(6)  # b is up and waiting at the lock
        assert b.poll() is None, b.communicate()
        marker.unlink()
        ca, _, ea = _finish(a)
        cb, out_b, eb = _finish(b)
        assert (ca, cb) == (0, 0), (ea, eb)
        rs = kit.runs(url)[1:]
        assert [r["status"] for r in rs] == ["failed", "failed"]  # two faulty agencies, as a clean run
        assert rs[0]["finished_at"] <= rs[1]["started_at"]
        assert '"unchanged": 8' in out_b
        assert kit.diff(kit.snapshot(url), reference) == []


@pytest.mark.parametrize("kind", KINDS)
def test_lock_of_a_killed_run_blocks_nothing(kind, drop, tmp_path):
    """The holder is killed with SIGKILL while it holds the lock: the next run starts at once (no wait)."""
    with kit.warehouse(kind, tmp_path) as url:
        code = kit.run_child(url, tmp_path / "data", drop, env={"PIPELINE_FAILPOINT": "run.after-start"})
        assert code == -9
        t0 = time.monotonic()
        p = kit.spawn(url, tmp_path / "data", drop)
        c, _out, err = _finish(p)
        assert c == 0, err
        assert time.monotonic() - t0 < 120
        assert [r["status"] for r in kit.runs(url)] == ["abandoned", "failed"]


@pytest.mark.parametrize("kind", KINDS)
def test_lock_library(kind, tmp_path):
    """The lock in one process: shared by runs of this process, refused to another, free after a kill."""
    import multiprocessing

    from pipeline.warehouse import get_engine, upgrade
    from pipeline.warehouse.runlock import RunLocked, acquire, held_runs, release, year_is_free

    with kit.warehouse(kind, tmp_path) as url:
        upgrade(url)
        engine = get_engine(url)
        acquire(engine, 2022, "run-a")
        acquire(engine, 2022, "run-b")  # the same process: shared
        assert {"run-a", "run-b"} <= held_runs()
        assert not year_is_free(engine, 2022) and year_is_free(engine, 2021)
        ctx = multiprocessing.get_context("fork")
        from pipeline.warehouse import dispose_engines

        dispose_engines()
        answer = tmp_path / "answer.txt"

        def other():  # pragma: no cover - in the child
            try:
                acquire(get_engine(url), 2022, "run-c", lock_wait=0.5)
                answer.write_text("acquired", encoding="utf-8")
            except RunLocked as e:
                answer.write_text(str(e), encoding="utf-8")
            os._exit(0)

        import pipeline.warehouse.runlock as rl

        saved = dict(rl._held)
        rl._held.clear()  # the child must not inherit this process's holds (a fork copies the table)
        try:
            p = ctx.Process(target=other)
            p.start()
        finally:
            rl._held.update(saved)
        p.join(60)
        msg = answer.read_text(encoding="utf-8")
        assert "another annual run for 2022" in msg, msg
        release(engine, 2022, "run-a")
        assert not year_is_free(engine, 2022)  # run-b still holds it
        release(engine, 2022, "run-b")
        assert year_is_free(engine, 2022)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_pipeline_run_refused_with_one_line(kind, drop, tmp_path):
    """``pipeline run`` while another process holds the year: one line, exit 2, before Prefect starts."""
    fp = tmp_path / "fp"
    fp.mkdir()
    with kit.warehouse(kind, tmp_path) as url:
        a = kit.spawn(url, tmp_path / "data", drop, env={"PIPELINE_FAILPOINT": "run.after-start:pause",
                                                        "PIPELINE_FAILPOINT_DIR": str(fp)})
        marker = fp / "run.after-start.paused"
        _wait_for(marker, [a])
        env = {**os.environ, "PIPELINE_CONFIG_DIR": str(drop.config_dir), "PIPELINE_DATA_DIR": str(tmp_path / "cli")}
        env.pop("PIPELINE_FAILPOINT", None)
        p = subprocess.run([PIPELINE, "run", "--year", "2022", "--submissions", str(drop.submissions_dir),
                            "--warehouse-url", url], capture_output=True, text=True, env=env, timeout=300)
        holder = next(r for r in kit.runs(url) if r["status"] == "running")["id"]
        marker.unlink()
        assert _finish(a)[0] == 0
        assert p.returncode == 2, (p.stdout, p.stderr)
        line = p.stderr.strip()
        assert "\n" not in line and holder in line and "年度运行正在进行" in line, p.stderr
