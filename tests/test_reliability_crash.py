"""Issue 12, crash safety: the annual run killed with SIGKILL at every failpoint, then run again.

For each point of :data:`POINTS` and each database: a clean run's warehouse is the reference; a run in a
child process is killed there (``PIPELINE_FAILPOINT=<point>``, :mod:`pipeline.failpoints`), and then

(a) a reader sees no half-loaded agency (every active report has all its cells, sections and its ledger
    row; at most one active version; a district's mart all or nothing) and no half-written published file;
(b) the run is started again, without the failpoint;
(c) the warehouse equals the clean run's row for row (run ids, timestamps and surrogate ids aside);
(d) no run is left ``running``: the killed one is ``abandoned`` (closed by the re-run, whose lock shows
    the killed process is gone), the re-run ``failed`` like the clean run (two faulty agencies);
(e) every ``latest.json`` points at a complete run folder and every latest copy is the latest run's file.

Three points run always; the rest are ``slow`` (each kill and re-run costs a few seconds).
"""

from __future__ import annotations

import shutil

import pytest
from support import crashkit as kit

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

QUICK = ("load.mid-transaction", "load.after-commit", "publish.mid-files")
POINTS = (
    "run.after-start",          # the run row written, its lock held, nothing else
    "batch.after-parse",        # ingest of the first batch done
    "batch.before-load",        # validated, not loaded
    "load.mid-transaction",     # inside the load: report versions and cells written, no ledger rows
    "load.before-commit",       # every row written, not committed
    "load.after-commit",        # committed, corrections record not written
    "publish.mid-files",        # the first district's run folder half-written
    "publish.before-latest",    # run folder complete, latest.json not moved
    "publish.before-mart",      # latest moved, mart not written
    "mart.mid-transaction",     # inside the mart transaction
    "batch.start@2",            # between the batches (first district loaded and published)
    "load.mid-transaction@2",   # the second batch's load, the first district published
    "publish.mid-files@2",      # the second district's files, the first district's already latest
    "run.before-finish",        # everything done, the run not closed
)


def _param(point: str):
    return pytest.param(point, id=point, marks=() if point in QUICK else (pytest.mark.slow,))


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    return kit.make_drop(tmp_path_factory.mktemp("crash-drop"))


@pytest.fixture(scope="module", params=KINDS)
def clean(request, drop, tmp_path_factory):
    """(kind, the clean run's snapshot) — the reference every crashed-and-re-run warehouse must equal."""
    kind = request.param
    tmp = tmp_path_factory.mktemp(f"clean-{kind}")
    with kit.warehouse(kind, tmp) as url:
        summary = kit.run_here(url, tmp / "data", drop)
        assert summary["counts"]["loaded"] == 8 and summary["counts"]["failed"] == 2, summary["counts"]
        assert kit.assert_published_whole(tmp / "data") == 2
        yield kind, kit.snapshot(url)


@pytest.mark.parametrize("point", [_param(p) for p in POINTS])
def test_killed_run_then_rerun_equals_a_clean_run(point, clean, drop, tmp_path):
    kind, reference = clean
    with kit.warehouse(kind, tmp_path) as url:
        data = tmp_path / "data"
        code = kit.run_child(url, data, drop, env={"PIPELINE_FAILPOINT": point})
        assert code == -9, f"the run was not killed at {point} (exit code {code}): the point was never reached"
        # (a) what a reader sees right after the crash
        seen = kit.assert_no_half_loaded(url, reference)
        kit.assert_published_whole(data, latest_is_copied=False)
        killed = kit.runs(url)
        assert [r["status"] for r in killed] == ["running"], killed  # the ledger still says so: nobody closed it
        # (b) again, without the failpoint
        summary = kit.run_here(url, data, drop)
        assert summary["counts"]["failed"] == 2
        # (c) row for row
        assert kit.diff(kit.snapshot(url), reference) == [], f"after a crash at {point} ({seen})"
        # (d) nothing left running
        after = kit.runs(url)
        assert [r["status"] for r in after] == ["abandoned", "failed"], [(r["id"], r["status"]) for r in after]
        assert after[0]["finished_at"] is not None
        # (e) published files whole, the latest copies those of the re-run
        assert kit.assert_published_whole(data) == 2
        assert not list((data / "published").glob("*/*/*.tmp"))
    shutil.rmtree(tmp_path / "wh", ignore_errors=True)


def test_failpoints_cost_nothing_when_unset(monkeypatch):
    """One environment lookup when ``PIPELINE_FAILPOINT`` is unset; an unknown name is refused when set."""
    import timeit

    from pipeline.failpoints import POINTS as KNOWN
    from pipeline.failpoints import FailpointHit, failpoint, parse

    monkeypatch.delenv("PIPELINE_FAILPOINT", raising=False)
    per_call = min(timeit.repeat(lambda: failpoint("load.mid-transaction"), number=10_000, repeat=3)) / 10_000
    assert per_call < 20e-6
    assert set(p.partition("@")[0] for p in POINTS) <= set(KNOWN)
    with pytest.raises(ValueError, match="unknown failpoint"):
        parse("load.mid-transactoin")
    monkeypatch.setenv("PIPELINE_FAILPOINT", "run.before-finish@2:raise")
    failpoint("run.before-finish")  # the first hit passes
    with pytest.raises(FailpointHit):
        failpoint("run.before-finish")
    failpoint("run.before-finish")  # fires once per process
