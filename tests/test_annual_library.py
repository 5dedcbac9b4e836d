"""The annual job's library functions, without Prefect: planning, one agency end to end, policies, retries."""

from __future__ import annotations

import shutil
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
    assert (missing.status, missing.reason) == (annual.MISSING, "no submission in the drop folder")
    with pytest.raises(AgencyFailed) as broken:
        process_agency(jobs["330803-edu"], run_id=run_id, warehouse_url=url)
    assert broken.value.outcome.status == annual.FAILED
    assert "330803-edu.pdf" in broken.value.outcome.reason


def test_strict_refuses_a_report_with_errors_and_lenient_loads_it(tmp_path, warehouse, corpus_dir):
    """Report 05 leaves a 总计 blank: an error for the clerk; strict does not load it, lenient does."""
    url, run_id = warehouse
    drop = _drop(tmp_path, {"330803-drc.md": corpus_dir / "raw" / "05_shanghai_stcsm_2024.md"})
    job = next(j for j in plan_district(REGISTRY, drop, 2021, "330803").jobs if j.agency_id == "330803-drc")
    with pytest.raises(AgencyFailed) as strict:
        process_agency(job, run_id=run_id, warehouse_url=url, policy="strict")
    out = strict.value.outcome
    assert out.status == annual.FAILED and out.errors == 1
    assert [(f.rule, f.row, f.col) for f in out.findings if f.severity == "error"] == [("R-BLANK", "carry_forward", "total")]
    lenient = process_agency(job, run_id=run_id, warehouse_url=url, policy="lenient")
    assert lenient.status == annual.LOADED


def test_only_a_database_that_is_away_is_worth_a_retry():
    dropped = sa_exc.OperationalError("select 1", {}, Exception("server closed the connection unexpectedly"))
    assert is_transient(dropped)
    assert is_transient(sa_exc.OperationalError("insert", {}, Exception("database is locked")))
    assert not is_transient(sa_exc.IntegrityError("insert", {}, Exception("duplicate key")))
    assert not is_transient(ValueError("bad cell"))
    assert not is_transient(None)
