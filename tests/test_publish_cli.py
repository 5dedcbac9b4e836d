"""``pipeline publish --year Y [--district D]``: re-publish from the warehouse without a run, on SQLite and PostgreSQL.

A generated district is loaded through the warehouse API (no parser involved), then published by the command:
every cell of every file and the mart is the SQL sum (tests/support/published.py). After a correction (a new
version of one agency's report) and a withdrawal (an agency taken out of the registry) the command publishes
again under a new id, in a new folder, the latest copies and the mart follow, the first folder stays.
"""

from __future__ import annotations

import json
import random
import re

import pytest
import sqlalchemy as sa
from support.district import make_district, write_registry
from support.published import check_publication, sql_sums
from typer.testing import CliRunner

CODE, OTHER, YEAR = "990070", "990071", 2022


def _load(engine, run_id: str, agencies, seed: int) -> None:
    from pipeline.synth import generate_report
    from pipeline.warehouse import SourceFile, load_report

    for a in agencies:
        rep = generate_report(random.Random(f"{seed}:{a.id}"), "v2021", agency=a.name, year=YEAR, scale="department")
        load_report(engine, run_id=run_id, agency_id=a.id, year=YEAR, report=rep,
                    source=SourceFile.from_bytes(f"{a.id}.json", rep.to_json().encode(), "json"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path):
    """A migrated warehouse with district CODE (12 agencies) loaded for YEAR; OTHER registered, nothing loaded."""
    from pipeline.registry import Registry
    from pipeline.warehouse import dispose_engine, finish_run, get_engine, start_run, sync_registry, upgrade

    def build(url: str) -> dict:
        districts = [make_district(CODE, 12, "甲区"), make_district(OTHER, 3, "乙区")]
        write_registry(tmp_path / "config", districts)
        upgrade(url)
        engine = get_engine(url)
        sync_registry(engine, Registry({d.code: d for d in districts}))
        run = start_run(engine, year=YEAR, districts=[CODE], policy="strict")
        _load(engine, run, districts[0].agencies, 1)
        finish_run(engine, run, status="completed")
        env = {"PIPELINE_CONFIG_DIR": str(tmp_path / "config"), "PIPELINE_DATA_DIR": str(tmp_path / "data"),
               "PIPELINE_WAREHOUSE_URL": url}
        return {"url": url, "engine": engine, "env": env, "districts": districts, "tmp": tmp_path}

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
        yield build(url)
        dispose_engine(url)
        return
    from conftest import new_pg_database

    with new_pg_database("pipeline_publish_cli") as url:
        yield build(url)


def _publish(wh, *args: str):
    from pipeline.cli import app

    r = CliRunner().invoke(app, ["publish", "--year", str(YEAR), *args], env=wh["env"])
    return r.exit_code, r.stdout, r.stderr


def _latest(wh) -> dict:
    return json.loads((wh["tmp"] / "data" / "published" / str(YEAR) / CODE / "latest.json").read_text(encoding="utf-8"))


def test_publish_writes_every_district_with_loaded_agencies_one_line_each(warehouse):
    code, out, err = _publish(warehouse)
    assert code == 0, err
    lines = out.splitlines()
    pid = re.match(r"publish (publish-\d{8}T\d{6}Z-[0-9a-f]{8}): year 2022, warehouse ", lines[0]).group(1)
    assert len(lines) == 2 and lines[1].startswith(f"{CODE} 甲区 2022: 12/12 agencies, template v2021 -> ")
    folder = warehouse["tmp"] / "data" / "published" / str(YEAR) / CODE
    assert _latest(warehouse)["run_id"] == pid and (folder / "runs" / pid).is_dir()
    n = check_publication(warehouse["engine"], CODE, YEAR, folder, pid)
    assert n["xlsx"] == 200 and n["mart"] == n["csv"]  # v2021: 200 official cells
    with warehouse["engine"].connect() as c:
        assert c.execute(sa.text("SELECT run_id, agencies_loaded FROM mart_publications WHERE district_code = :d"),
                         {"d": CODE}).all() == [(pid, 12)]
    assert not (warehouse["tmp"] / "data" / "published" / str(YEAR) / OTHER).exists()


def test_after_a_correction_and_a_withdrawal_the_new_figures_are_published_under_a_new_id(warehouse):
    from pipeline.warehouse import start_run

    engine = warehouse["engine"]
    code, out, _ = _publish(warehouse, "--district", CODE)
    first = _latest(warehouse)["run_id"]
    before = sql_sums(engine, CODE, YEAR)
    district = warehouse["districts"][0]
    _load(engine, start_run(engine, year=YEAR, districts=[CODE], policy="strict"), district.agencies[3:4], 2)  # corrected
    kept = district.agencies[:-1]  # the last agency withdrawn from the registry
    write_registry(warehouse["tmp"] / "config", [district.__class__(CODE, district.name, district.full_name, kept),
                                                 warehouse["districts"][1]])
    code, out, err = _publish(warehouse, "--district", CODE)
    assert code == 0, err
    second = _latest(warehouse)["run_id"]
    assert second != first and "11/11 agencies" in out
    after = sql_sums(engine, CODE, YEAR)
    assert after != before  # the correction and the withdrawal both change the sums
    folder = warehouse["tmp"] / "data" / "published" / str(YEAR) / CODE
    check_publication(engine, CODE, YEAR, folder, second)
    check_publication(engine, CODE, YEAR, folder / "runs" / second, second)
    assert (folder / "runs" / first / "consolidated.csv").is_file()  # the earlier publication stays as it was
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "已撤销登记 1 个" in summary and any(line.startswith("- 已撤销登记") and "甲区第11局" in line
                                           for line in summary.splitlines())


def test_clear_errors(warehouse, tmp_path):
    code, _, err = _publish(warehouse, "--district", "123456")
    assert code == 2 and "unknown district 123456" in err and "990070 甲区" in err
    code, _, err = _publish(warehouse, "--district", OTHER)
    assert code == 1 and "no loaded agency, not published" in err and OTHER in err
    from pipeline.cli import app

    r = CliRunner().invoke(app, ["publish", "--year", "2019"], env=warehouse["env"])
    assert r.exit_code == 1 and "nothing loaded for 2019" in r.stderr and "pipeline run --year 2019" in r.stderr
    empty = {**warehouse["env"], "PIPELINE_WAREHOUSE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}"}
    r = CliRunner().invoke(app, ["publish", "--year", str(YEAR)], env=empty)
    assert r.exit_code == 2 and "pipeline db upgrade" in r.stderr and r.stderr.count("\n") == 1
    r = CliRunner().invoke(app, ["publish", "--year", str(YEAR)], env={**warehouse["env"], "PIPELINE_CONFIG_DIR": str(tmp_path / "nope")})
    assert r.exit_code == 2 and "registry file not found" in r.stderr
