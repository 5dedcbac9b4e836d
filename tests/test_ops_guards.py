"""Run guard rails: a year the templates do not cover and a drop folder with no file of any requested district
stop the run (Failed, non-zero exit); a district given twice counts once; a near-miss file name is named in the
missing agency's outcome; the run reports its progress (agencies done / total, failed so far)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ops import OpsError, progress
from pipeline.ops.guards import check_year, likely_submission

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "submissions"


def test_years_outside_the_templates_are_refused():
    now = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
    for bad in (2018, 2027, 2030, 0):
        with pytest.raises(OpsError, match="2019–2026"):
            check_year(bad, now=now)
    check_year(2019, now=now)
    check_year(2026, now=now)
    r = CliRunner().invoke(app, ["run", "--year", "2099"])
    assert r.exit_code == 2 and "2099" in r.output and "Traceback" not in r.output


def test_near_miss_names():
    files = [Path(n) for n in ("330803-finance (1).txt", "330803-Finance.TXT", "330803-fiance.pdf", "readme.txt",
                               "330803-edu - 副本.docx")]
    assert likely_submission("330803-finance", files).name == "330803-finance (1).txt"
    assert likely_submission("330803-finance", files, {"330803-finance (1).txt"}).name == "330803-Finance.TXT"
    assert likely_submission("330803-edu", files).name == "330803-edu - 副本.docx"
    assert likely_submission("330803-gov-office", files) is None


def test_the_flow_stops_on_an_empty_drop_folder_and_a_bad_year_and_names_near_misses(prefect_harness, tmp_path,
                                                                                      monkeypatch):
    from flows.annual import annual_run, run_summary
    from pipeline.registry import load_registry
    from pipeline.warehouse import get_engine

    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PIPELINE_CONFIG_DIR", str(ROOT / "config"))
    (tmp_path / "empty" / "2021" / "330803").mkdir(parents=True)
    state = annual_run(year=2021, districts=["330803"], submissions_dir=str(tmp_path / "empty"), warehouse_url=url,
                       return_state=True)
    assert state.is_failed() and "no agency of district 330803 has a file" in state.message
    state = annual_run(year=2015, submissions_dir=str(DEMO), warehouse_url=url, return_state=True)
    assert state.is_failed() and "2015" in state.message
    with get_engine(url).connect() as c:
        import sqlalchemy as sa

        assert c.execute(sa.text("SELECT COUNT(*) FROM runs")).scalar() == 0  # stopped before anything ran

    # A district given twice counts once; a renamed file is named as the likely submission.
    drop = tmp_path / "drop" / "2021" / "330803"
    shutil.copytree(DEMO / "2021" / "330803", drop)
    agencies = load_registry(ROOT / "config").district("330803").agencies
    victim = next(p for p in sorted(drop.iterdir()) if p.name.startswith(agencies[-1].id))
    renamed = victim.with_name(f"{agencies[-1].id} (1){victim.suffix}")
    victim.rename(renamed)
    seen: list[tuple[int, int, int]] = []
    with progress.listen(lambda *a: seen.append(a)):  # what the command line's progress bar shows
        state = annual_run(year=2021, districts=["330803", "330803"], submissions_dir=str(tmp_path / "drop"),
                           warehouse_url=url, return_state=True)
    assert seen[0] == (0, len(agencies), 0) and seen[-1] == (len(agencies), len(agencies), 0)
    result = run_summary(state)
    assert state.is_completed(), state.message
    assert len(result["outcomes"]) == len(agencies)
    (missing,) = [o for o in result["outcomes"] if o["status"] == "missing"]
    assert missing["agency_id"] == agencies[-1].id and renamed.name in missing["reason"]
    with get_engine(url).connect() as c:
        districts = c.execute(sa.text("SELECT districts FROM runs ORDER BY started_at DESC LIMIT 1")).scalar()
    assert (districts if isinstance(districts, list) else __import__("json").loads(districts)) == ["330803"]


def test_an_entry_named_for_an_agency_that_is_no_file_fails_that_agency_naming_it(tmp_path):
    """A folder, a broken link, a link loop or a pipe named for an agency: that agency fails with one line naming
    the entry (not "missing": it did send something), the others load, and nothing waits on the pipe."""
    import os

    from pipeline.plainrun import run_plain
    from pipeline.registry import load_registry

    drop = tmp_path / "drop" / "2021" / "330803"
    shutil.copytree(DEMO / "2021" / "330803", drop)
    agencies = load_registry(ROOT / "config").district("330803").agencies
    victims = {}
    for a, make in zip(agencies[:4], ("folder", "broken", "loop", "pipe"), strict=True):
        for p in drop.glob(f"{a.id}.*"):
            p.unlink()
        entry = drop / f"{a.id}.txt"
        if make == "folder":
            entry.mkdir()
        elif make == "broken":
            entry.symlink_to(tmp_path / "nowhere.txt")
        elif make == "loop":
            entry.symlink_to(entry)
        else:
            os.mkfifo(entry)
        victims[a.id] = entry.name
    out = run_plain(year=2021, submissions_dir=tmp_path / "drop", warehouse_url=f"sqlite:///{tmp_path / 'wh.sqlite'}",
                    config_dir=ROOT / "config", data_dir=tmp_path / "data", districts=["330803"], workers=1)
    by_agency = {o["agency_id"]: o for o in out["outcomes"]}
    for agency_id, name in victims.items():
        o = by_agency[agency_id]
        assert o["status"] == "failed" and name in o["reason"], o
        assert "Traceback" not in o["reason"] and "\n" not in o["reason"]
    assert "not a regular file" in by_agency[agencies[0].id]["reason"]
    assert "not a regular file" in by_agency[agencies[3].id]["reason"]
    assert sum(o["status"] == "loaded" for o in out["outcomes"]) == len(agencies) - 4
    r = CliRunner().invoke(app, ["check", str(drop / victims[agencies[3].id])])  # the pipe: one line, no wait
    assert r.exit_code != 0 and "not a regular file" in r.output and "Traceback" not in r.output
