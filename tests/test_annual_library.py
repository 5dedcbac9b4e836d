"""The annual job's library functions, without Prefect: planning, one agency end to end, policies, retries."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from pipeline import annual
from pipeline.annual import AgencyFailed, plan_district, process_agency
from pipeline.registry import load_registry
from pipeline.transient import is_transient

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = load_registry(ROOT / "config")
DISTRICT = REGISTRY.district("330803")


@pytest.fixture
def warehouse(tmp_path):
    from pipeline.warehouse import dispose_engine, get_engine, start_run, sync_registry, upgrade

    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    upgrade(url)
    engine = get_engine(url)
    sync_registry(engine, REGISTRY)
    run_id = start_run(engine, year=2021, districts=["330803"], policy="strict")
    yield url, run_id
    dispose_engine(url)


def _drop(tmp_path: Path, files: dict[str, Path | str]) -> Path:
    folder = tmp_path / "drop" / "2021" / "330803"
    folder.mkdir(parents=True)
    for name, src in files.items():
        if isinstance(src, Path):
            shutil.copyfile(src, folder / name)
        else:
            (folder / name).write_text(src, encoding="utf-8")
    return tmp_path / "drop"


def test_plan_lists_every_registered_agency_and_flags_the_drop_folder_problems(tmp_path):
    real = ROOT / "tests" / "fixtures" / "00_qujiang_govoffice_2021.txt"
    drop = _drop(tmp_path, {"330803-gov-office.txt": real, "330803-edu.txt": real, "330803-edu_v2.txt": real,
                            "unknown-agency.txt": real})
    plan = plan_district(REGISTRY, drop, 2021, "330803")
    jobs = {j.agency_id: j for j in plan.jobs}
    assert set(jobs) == {a.id for a in DISTRICT.agencies}
    assert jobs["330803-gov-office"].path.name == "330803-gov-office.txt"
    assert jobs["330803-edu"].path is None and "more than one submission" in jobs["330803-edu"].problem
    assert jobs["330803-drc"].path is None and jobs["330803-drc"].problem is None  # missing
    assert [s.path.name for s in plan.unregistered] == ["unknown-agency.txt"]


def test_one_agency_loads_then_is_unchanged(tmp_path, warehouse):
    url, run_id = warehouse
    drop = _drop(tmp_path, {"330803-gov-office.txt": ROOT / "tests" / "fixtures" / "00_qujiang_govoffice_2021.txt"})
    job = next(j for j in plan_district(REGISTRY, drop, 2021, "330803").jobs if j.agency_id == "330803-gov-office")
    first = process_agency(job, run_id=run_id, warehouse_url=url)
    assert (first.status, first.report_version, first.errors) == (annual.LOADED, 1, 0)
    again = process_agency(job, run_id=run_id, warehouse_url=url)
    assert (again.status, again.report_version) == (annual.UNCHANGED, 1)


def test_missing_and_unreadable_agencies_fail_with_their_reason(tmp_path, warehouse):
    url, run_id = warehouse
    drop = _drop(tmp_path, {"330803-edu.pdf": "%PDF-1.4 truncated"})
    jobs = {j.agency_id: j for j in plan_district(REGISTRY, drop, 2021, "330803").jobs}
    missing = process_agency(jobs["330803-drc"], run_id=run_id, warehouse_url=url)
    assert (missing.status, missing.reason) == (annual.MISSING, "未收到报送文件 / no submission in the drop folder")
    with pytest.raises(AgencyFailed) as broken:
        process_agency(jobs["330803-edu"], run_id=run_id, warehouse_url=url)
    assert broken.value.outcome.status == annual.FAILED
    assert "330803-edu.pdf" in broken.value.outcome.reason


def test_strict_refuses_a_report_with_errors_and_lenient_loads_it(tmp_path, warehouse, corpus_dir):
    """Report 05 leaves a 总计 blank: an error for the clerk; strict does not load it, lenient does."""
    url, run_id = warehouse
    drop = _drop(tmp_path, {"330803-drc.md": corpus_dir / "raw" / "05_shanghai_stcsm_2024.md"})
    job = next(j for j in plan_district(REGISTRY, drop, 2021, "330803").jobs if j.agency_id == "330803-drc")
    # filed as what it is: the 2024 report of 上海市科学技术委员会, which calls itself 上海市科委
    job = replace(job, year=2024, agency_name="上海市科学技术委员会", aliases=("上海市科委",))
    with pytest.raises(AgencyFailed) as strict:
        process_agency(job, run_id=run_id, warehouse_url=url, policy="strict")
    out = strict.value.outcome
    assert out.status == annual.FAILED and out.errors == 1
    assert [(f.rule, f.row, f.col) for f in out.findings if f.severity == "error"] == [("R-BLANK", "carry_forward", "total")]
    lenient = process_agency(job, run_id=run_id, warehouse_url=url, policy="lenient")
    assert lenient.status == annual.LOADED
    # the policy reaches validation: under lenient the blank is a warning, not an error
    assert lenient.errors == 0
    assert [(f.rule, f.severity) for f in lenient.findings if f.rule == "R-BLANK"] == [("R-BLANK", "warning")]


def test_a_file_of_another_agency_or_year_fails_strict_naming_what_it_is(tmp_path, warehouse, corpus_dir):
    """Report 05 (上海市科委, 2024) dropped in as 衢江区发展和改革局's 2021 report."""
    url, run_id = warehouse
    drop = _drop(tmp_path, {"330803-drc.md": corpus_dir / "raw" / "05_shanghai_stcsm_2024.md"})
    job = next(j for j in plan_district(REGISTRY, drop, 2021, "330803").jobs if j.agency_id == "330803-drc")
    with pytest.raises(AgencyFailed) as strict:
        process_agency(job, run_id=run_id, warehouse_url=url, policy="strict")
    errors = {f.rule: f for f in strict.value.outcome.findings if f.severity == "error"}
    assert set(errors) == {"R-BLANK", "R-SUBMIT-AGENCY", "R-SUBMIT-YEAR"}
    assert errors["R-SUBMIT-AGENCY"].actual == "上海市科委" and "上海市科委" in errors["R-SUBMIT-AGENCY"].message_zh
    assert errors["R-SUBMIT-AGENCY"].expected == "衢州市衢江区发展和改革局"
    assert (errors["R-SUBMIT-YEAR"].actual, errors["R-SUBMIT-YEAR"].expected) == (2024, 2021)
    lenient = process_agency(job, run_id=run_id, warehouse_url=url, policy="lenient")
    assert lenient.status == annual.LOADED and lenient.errors == 0
    assert {f.rule for f in lenient.findings} >= {"R-SUBMIT-AGENCY", "R-SUBMIT-YEAR"}


def test_the_demo_agency_with_its_own_report_passes_the_submission_checks(tmp_path, warehouse):
    drop = _drop(tmp_path, {"330803-gov-office.txt": ROOT / "tests" / "fixtures" / "00_qujiang_govoffice_2021.txt"})
    url, run_id = warehouse
    job = next(j for j in plan_district(REGISTRY, drop, 2021, "330803").jobs if j.agency_id == "330803-gov-office")
    out = process_agency(job, run_id=run_id, warehouse_url=url, policy="strict")
    assert out.status == annual.LOADED
    assert not [f for f in out.findings if f.rule.startswith("R-SUBMIT")]


def test_only_a_database_that_is_away_is_worth_a_retry():
    # Decided by the driver's codes (SQLSTATE, SQLite result code), never by words: tests/test_transient.py.
    dropped = sa_exc.OperationalError("select 1", {}, Exception("server closed the connection unexpectedly"),
                                      connection_invalidated=True)
    assert is_transient(dropped)
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = 5  # SQLITE_BUSY
    assert is_transient(sa_exc.OperationalError("insert", {}, locked))
    assert not is_transient(sa_exc.OperationalError("insert", {}, Exception("database is locked")))
    assert not is_transient(sa_exc.IntegrityError("insert", {}, Exception("duplicate key")))
    assert not is_transient(ValueError("bad cell"))
    assert not is_transient(None)
