"""Findings as data (frame, CSV, JSON) and ``pipeline check FILE`` (exit codes, Chinese list, --json)."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import fields
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import ParsedReport
from pipeline.synth import generate_report
from pipeline.validate import (
    FINDING_FIELDS,
    Finding,
    findings_to_frame,
    read_findings_json,
    results_to_frame,
    validate_report,
    validate_reports,
    write_findings_csv,
    write_findings_json,
)

runner = CliRunner()


def clean_report(seed: int = 2) -> ParsedReport:
    rng = random.Random(seed)
    for _ in range(1000):
        r = generate_report(rng, "v2021", scale="office", blank_style="zero")
        if r.value("appeals", "review", "total"):
            return r
    raise AssertionError("no generated report with reviews")


def broken_report() -> ParsedReport:
    r = copy.deepcopy(clean_report())
    for c in r.cells:
        if c.key == ("appeals", "review", "total"):
            c.value, c.raw = 0, "0"
        if c.key == ("requests", "carry_forward", "total"):
            c.value, c.raw = None, ""
    r.sections["overview"] = ""
    return r


def test_finding_fields_are_the_documented_ones() -> None:
    assert FINDING_FIELDS == ("rule", "severity", "table", "row", "row_label", "col", "col_label", "expected",
                              "actual", "message_zh", "message_en")
    assert tuple(f.name for f in fields(Finding)) == FINDING_FIELDS


def test_frame_csv_json_round_trip(tmp_path: Path) -> None:
    res = validate_report(broken_report())
    assert len(res.errors) >= 2
    frame = findings_to_frame(res.findings, agency_id="a1")
    assert list(frame.columns) == [*FINDING_FIELDS, "agency_id"] and len(frame) == len(res.findings)
    csv_path = write_findings_csv(res.findings, tmp_path / "run" / "findings.csv")
    back = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert list(back.columns) == list(FINDING_FIELDS) and back["message_zh"].tolist() == [f.message_zh for f in res.findings]
    json_path = write_findings_json(res.findings, tmp_path / "run" / "findings.json")
    assert read_findings_json(json_path) == res.findings
    assert json.loads(json_path.read_text(encoding="utf-8"))[0]["rule"] == res.findings[0].rule


def test_batch_findings_frame_is_keyed_by_report() -> None:
    reports = [clean_report(), broken_report(), clean_report(3)]
    frame = results_to_frame(validate_reports(reports))
    assert set(frame["report"]) == {1} and list(frame.columns)[:2] == ["report", "rule"]


def write(report: ParsedReport, path: Path) -> Path:
    path.write_text(report.to_json(), encoding="utf-8")
    return path


def test_check_clean_file_exits_0(tmp_path: Path) -> None:
    out = runner.invoke(app, ["check", str(write(clean_report(), tmp_path / "ok.json"))])
    assert out.exit_code == 0, out.output
    assert "未发现问题" in out.output


def test_check_errors_exit_1_with_chinese_labels(tmp_path: Path) -> None:
    out = runner.invoke(app, ["check", str(write(broken_report(), tmp_path / "bad.json"))])
    assert out.exit_code == 1, out.output
    assert "表四「行政复议」行「总计」列" in out.output and "「四、结转下年度继续办理」行「总计」列为空白" in out.output


def test_check_json_lists_the_findings(tmp_path: Path) -> None:
    out = runner.invoke(app, ["check", str(write(broken_report(), tmp_path / "bad.json")), "--json"])
    assert out.exit_code == 1
    items = json.loads(out.stdout)
    assert {"rule", "severity", "table", "row", "col", "expected", "actual", "message_zh", "message_en"} <= set(items[0])
    assert {(i["rule"], i["row"]) for i in items} == {("R-T4-SUM", "review"), ("R-BLANK", "carry_forward")}


def test_check_warnings_only_exit_0_unless_strict(tmp_path: Path) -> None:
    r = clean_report()
    r.sections["overview"] = f"全年共受理政府信息公开申请{int(r.value('requests', 'new_received', 'total')) + 9}件。"
    path = write(r, tmp_path / "warn.json")
    out = runner.invoke(app, ["check", str(path)])
    assert out.exit_code == 0 and "警告 R-NARRATIVE" in out.output
    assert runner.invoke(app, ["check", str(path), "--strict-warnings"]).exit_code == 1


def test_check_previous_year(tmp_path: Path) -> None:
    rng = random.Random(8)
    for _ in range(1000):
        prev = generate_report(rng, "v2021", year=2022, scale="office", blank_style="zero")
        if prev.value("requests", "carry_forward", "total"):
            break
    cur = generate_report(rng, "v2021", previous=prev, scale="office", blank_style="zero")
    p_prev, p_cur = write(prev, tmp_path / "2022.json"), write(cur, tmp_path / "2023.json")
    assert runner.invoke(app, ["check", str(p_cur), "--previous", str(p_prev), "--strict-warnings"]).exit_code == 0
    for c in cur.cells:  # one more carried over and carried forward: table 三 adds up, last year disagrees
        if c.table == "requests" and c.row in ("carried_over", "carry_forward") and c.col in ("natural_person", "total"):
            c.value += 1
            c.raw = str(c.value)
    cur.sections["overview"] = ""
    write(cur, p_cur)
    out = runner.invoke(app, ["check", str(p_cur), "--previous", str(p_prev), "--json"])
    assert out.exit_code == 0
    assert [(i["rule"], i["col"]) for i in json.loads(out.stdout)] == [("R-T3-CARRY", "natural_person")]
    assert runner.invoke(app, ["check", str(p_cur), "--json"]).stdout.strip() == "[]"


def test_check_unreadable_file_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = runner.invoke(app, ["check", str(empty)])
    assert out.exit_code == 2 and "empty.txt" in out.output
    assert runner.invoke(app, ["check", str(tmp_path / "nope.pdf")]).exit_code == 2


def test_check_the_real_report_the_project_started_from() -> None:
    fixture = Path(__file__).parent / "fixtures" / "00_qujiang_govoffice_2021.txt"
    out = runner.invoke(app, ["check", str(fixture), "--strict-warnings"])
    assert out.exit_code == 0, out.output
    assert "衢江区人民政府办公室" in out.output and "未发现问题" in out.output
