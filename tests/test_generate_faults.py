"""Generated drop folders with faults (issue 9): every fault reported on the right agency, every clean
agency loaded (the annual run as a plain loop, no Prefect); the manifest says what the run must
report; the same seed gives the same bytes whatever the number of worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.plainrun import run_plain
from pipeline.synth.dropfolder import ALL_FAULTS, build_drop_folder
from pipeline.synth.faults import BASIC, FAULTS, FaultCheck, check_faults
from pipeline.validate.wording import RULES

YEARS = [2021, 2022]
#: Faults the pipeline does not report today (none: a whole table left out is R-SUBMIT-TABLE, or
#: R-CELLS-MISSING for a JSON submission without a table's cells).
KNOWN_GAPS: set[str] = set()


def _run(tmp: Path, drop, *, years=YEARS) -> dict:
    url = f"sqlite:///{tmp / 'warehouse.sqlite'}"
    out = {}
    for y in years:
        out[y] = run_plain(year=y, submissions_dir=drop.submissions_dir, warehouse_url=url, config_dir=drop.config_dir,
                           data_dir=tmp / "data", workers=1, publish=False)
    return out


@pytest.fixture(scope="module")
def five_percent(tmp_path_factory):
    """3 districts × 20 agencies, two years, 5% of the last year's agencies with a fault of any kind."""
    tmp = tmp_path_factory.mktemp("faults5")
    drop = build_drop_folder(tmp / "drop", districts=3, agencies=20, years=YEARS, faults=0.05, seed=11, kinds=FAULTS)
    return drop, _run(tmp, drop)


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory):
    """A folder where most agencies have a fault, so that every kind is injected at least once."""
    tmp = tmp_path_factory.mktemp("faults_all")
    drop = build_drop_folder(tmp / "drop", districts=3, agencies=20, years=YEARS, faults=0.9, seed=5, kinds=FAULTS)
    return drop, _run(tmp, drop)


def test_five_percent_every_fault_caught_and_every_clean_agency_loaded(five_percent) -> None:
    drop, runs = five_percent
    assert runs[2021]["counts"]["failed"] == 0  # faults are in the last year only
    check = check_faults(drop.manifest_path, runs[2022]["run_dir"])  # the run folder itself
    assert check.injected == 3 and check.clean == 57
    assert not check.false_alarms, check.summary()
    assert {r["kind"] for r in check.missed} <= KNOWN_GAPS, check.summary()
    # the run's summary (its run folder is read) gives the same answer
    again = check_faults(drop.manifest_path, runs[2022])
    assert (len(again.caught), again.missed, again.false_alarms) == (len(check.caught), check.missed, check.false_alarms)


def test_every_kind_is_reported_on_its_agency(every_kind) -> None:
    drop, runs = every_kind
    check = check_faults(json.loads(drop.manifest_path.read_text("utf-8")), runs[2022]["run_dir"])
    kinds = set(check.by_kind)
    assert {"missing_table", "garbled_number", *BASIC} <= kinds
    assert len([k for k in kinds if k.startswith("damage_")]) >= 6
    assert not check.false_alarms, check.summary()
    missed = {r["kind"] for r in check.missed}
    assert missed <= KNOWN_GAPS, check.summary()
    print(check.summary())


def test_a_missing_table_fails_the_agency(every_kind) -> None:
    drop, runs = every_kind
    check = check_faults(drop.manifest_path, runs[2022]["run_dir"])
    assert check.by_kind["missing_table"][0] == check.by_kind["missing_table"][1]


def test_manifest_records_say_what_the_run_must_report(every_kind) -> None:
    drop, _ = every_kind
    manifest = json.loads(drop.manifest_path.read_text("utf-8"))
    assert manifest["year"] == 2022 and manifest["kinds"] == list(FAULTS)
    assert set(manifest["faults"]) == set(drop.faults)
    for aid, rec in manifest["faults"].items():
        assert rec["agency_id"] == aid and aid.startswith(rec["district"])
        assert rec["kind"] in ALL_FAULTS and rec["expect"] in ("failed", "loaded", "loaded_with_note")
        for f in rec["files"]:
            assert (drop.submissions_dir / f).is_file()
        assert rec["file"] == rec["files"][0]
        assert all(c in RULES for c in rec.get("codes", [])), rec
        if rec["expect"] == "failed":
            assert rec.get("codes") or rec.get("reason"), rec
        if rec["expect"] == "loaded_with_note":
            assert all(n.startswith("R-PARSE-") and n in RULES for n in rec["notes"]), rec
        if rec["kind"].startswith("damage_"):
            assert rec["form"] in ("txt", "txt_half", "html") and rec["expect"] != "failed"
    assert drop.manifest == {a: r["kind"] for a, r in drop.faults.items() if r["expect"] == "failed"}


def test_same_seed_same_bytes_whatever_the_workers(tmp_path: Path) -> None:
    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    trees = []
    for workers in (1, 2, 3):
        out = tmp_path / f"w{workers}"
        build_drop_folder(out, districts=4, agencies=7, years=YEARS, faults=0.3, seed=3, kinds=FAULTS, workers=workers)
        trees.append(tree(out))
    assert trees[0] == trees[1] == trees[2]
    assert len(trees[0]) >= 4 * 7 * 2 + 2
    other = tmp_path / "seed4"
    build_drop_folder(other, districts=4, agencies=7, years=YEARS, faults=0.3, seed=4, kinds=FAULTS, workers=1)
    assert tree(other) != trees[0]


def test_check_faults_reports_missed_faults_and_false_alarms() -> None:
    manifest = {"year": 2022, "faults": {
        "d-a01": {"district": "d", "kind": "wrong_year", "expect": "failed", "codes": ["R-SUBMIT-YEAR"]},
        "d-a02": {"district": "d", "kind": "duplicate", "expect": "failed", "reason": "more than one submission"},
        "d-a03": {"district": "d", "kind": "damage_rows_left_out", "expect": "loaded_with_note",
                  "notes": ["R-PARSE-NOT-PRINTED"]},
        "d-a04": {"district": "d", "kind": "identity", "expect": "failed", "codes": ["R-T3-ROW"]},
    }}
    rows = [
        {"agency_id": "d-a01", "year": 2022, "status": "failed", "reason": "1 validation error",
         "findings": [{"rule": "R-SUBMIT-YEAR", "severity": "error"}]},
        {"agency_id": "d-a02", "year": 2022, "status": "failed", "reason": "more than one submission in the drop folder"},
        {"agency_id": "d-a03", "year": 2022, "status": "loaded", "findings": [{"rule": "R-PARSE-NOT-PRINTED",
                                                                                "severity": "warning"}]},
        {"agency_id": "d-a04", "year": 2022, "status": "failed", "findings": [{"rule": "R-SUBMIT-AGENCY",
                                                                                "severity": "error"}]},
        {"agency_id": "d-a05", "year": 2022, "status": "loaded", "findings": []},
        {"agency_id": "d-a06", "year": 2022, "status": "failed", "reason": "cannot decode the text"},
        {"agency_id": "d-a07", "year": 2021, "status": "failed"},  # another year: not counted
    ]
    check = check_faults(manifest, rows)
    assert isinstance(check, FaultCheck) and not check.ok
    assert check.injected == 4 and len(check.caught) == 3
    assert [r["agency_id"] for r in check.missed] == ["d-a04"]  # failed, but not for the injected reason
    assert check.missed[0]["got"]["rules"] == ["R-SUBMIT-AGENCY"]
    assert [a["agency_id"] for a in check.false_alarms] == ["d-a06"] and check.clean == 2
    text = check.summary()
    assert "3/4 caught" in text and "missed d-a04 identity" in text and "false alarm d-a06" in text
    # the first manifest format ({agency id: kind}, every fault to fail) is read too
    assert check_faults({"d-a01": "wrong_year"}, rows[:1]).ok


def test_pipeline_generate_command(tmp_path: Path) -> None:
    from pipeline.cli import app

    out = tmp_path / "drop"
    r = CliRunner().invoke(app, ["generate", "--districts", "2", "--agencies-per-district", "5", "--year", "2022",
                                 "--years", "2", "--faults", "0.5", "--kinds", "identity,garbled_number,damage_contents_page",
                                 "--out", str(out), "--workers", "1"])
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert len(manifest["faults"]) == 5
    assert {f["kind"] for f in manifest["faults"].values()} <= {"identity", "garbled_number", "damage_contents_page"}
    assert "5 faults" in r.output
    bad = CliRunner().invoke(app, ["generate", "--districts", "1", "--year", "2022", "--out", str(tmp_path / "x"),
                                   "--kinds", "nonsense", "--faults", "0.1"])
    assert bad.exit_code == 2 and "unknown fault kind" in bad.output
    assert "run: PIPELINE_CONFIG_DIR=" in r.output and "--year 2021" in r.output and "PIPELINE_DATA_DIR" in r.output

    # An earlier drop folder is not mixed with a new one: refused, or replaced with --force.
    stray = out / "submissions" / "2021" / "900002" / "900002-a04.txt.bak"
    stray.write_text("left over", encoding="utf-8")
    again = ["generate", "--districts", "1", "--agencies-per-district", "3", "--year", "2022", "--out", str(out),
             "--workers", "1"]
    refused = CliRunner().invoke(app, again)
    assert refused.exit_code == 2 and "already holds a drop folder" in refused.output and "Traceback" not in refused.output
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    replaced = CliRunner().invoke(app, [*again, "--force"])
    assert replaced.exit_code == 0, replaced.output
    assert not stray.exists() and not (out / "submissions" / "2021").exists()  # only what the new one wrote
    assert sorted(p.name for p in (out / "submissions" / "2022").iterdir()) == ["900001"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    for args in (["--out", str(tmp_path / "afile")], ["--out", str(tmp_path / "y"), "--kinds", " , "]):
        bad = CliRunner().invoke(app, ["generate", "--districts", "1", "--year", "2022", *args])
        assert bad.exit_code == 2 and "Traceback" not in bad.output and bad.output.count("\n") == 1, bad.output


def _one_submission(files: dict[str, bytes], agency: str, year: int) -> dict:
    """The outcome row the run would give one agency's files (parse, then validate under strict)."""
    from pipeline.ingest import parse_bytes
    from pipeline.ingest.errors import IngestError
    from pipeline.validate.submission import Claim, validate_submissions

    if len(files) != 1:
        return {"agency_id": "x", "status": "failed", "reason": "more than one submission in the drop folder"}
    ((name, data),) = files.items()
    try:
        report = parse_bytes(data, name)
    except IngestError as e:
        return {"agency_id": "x", "status": "failed", "reason": str(e)}
    (result,) = validate_submissions([report], [Claim(agency, (), year)], previous=[None], policy="strict")
    return {"agency_id": "x", "status": "failed" if result.errors else "loaded",
            "findings": [{"rule": f.rule, "severity": f.severity} for f in result.findings]}


@pytest.mark.parametrize("kind", FAULTS)
def test_each_kind_in_each_form_comes_to_its_expectation(kind: str) -> None:
    """One submission per form the kind is meaningful in: parsed and validated, it meets its manifest record."""
    import random

    from pipeline.synth import generate_report
    from pipeline.synth.dropfolder import FORMS, _ext
    from pipeline.synth.faults import applicable, inject
    from pipeline.synth.stencil import render_form

    tried = 0
    for i, form in enumerate(FORMS):
        agency = f"第900001区第{i + 1}财政局"
        report = generate_report(random.Random(f"{kind}-{form}"), "v2021", agency=agency, year=2022, scale="office",
                                 index_no="900001-a01/2022")
        if not applicable(kind, form, report):
            continue
        tried += 1
        inj = inject(kind, report, form, f"900001-a{i + 1:02d}", _ext(form), "第900001区第9民政局",
                     random.Random(f"{kind}-{form}-fault"), render_form)
        record = {"agency_id": "x", "kind": kind, "form": form, "expect": inj.expect, "codes": inj.codes,
                  "notes": inj.notes, "reason": inj.reason, "detail": inj.detail}
        check = check_faults({"year": None, "faults": [record]}, [_one_submission(inj.files, agency, 2022)])
        if kind in KNOWN_GAPS and form != "json":
            continue  # read as not-printed cells today (see KNOWN_GAPS)
        assert check.ok, check.summary()
    assert tried, f"{kind} is meaningful in no form"
