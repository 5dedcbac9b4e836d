"""The submission itself: the registered agency's report of the run's year, and not an untouched template."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.reports import small_report
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest import parse_bytes
from pipeline.model import Meta
from pipeline.registry import RegistryError, load_registry
from pipeline.render.xlsx_template import template_bytes
from pipeline.validate.submission import Claim, is_empty, same_agency, submission_findings, validate_submission

runner = CliRunner()
EDU = Claim("衢州市衢江区教育局", ("衢江区教育体育局",), 2021)


@pytest.mark.parametrize("found", ["衢州市衢江区教育局", "衢江区教育局", "衢州市 衢江区 教育局", "衢江区教育局关于",
                                   "衢江区教育体育局", "衢州市衢江区教育体育局"])
def test_the_same_agency_under_its_usual_spellings(found: str) -> None:
    assert same_agency(found, EDU.agency, EDU.aliases)


@pytest.mark.parametrize("found", ["衢州市衢江区财政局", "柯城区教育局", "教育局局", "我局", "沐阳县人民政府"])
def test_another_agency(found: str) -> None:
    assert not same_agency(found, EDU.agency, EDU.aliases)
    assert not same_agency("沐阳县人民政府", "沭阳县人民政府")  # an OCR slip needs an alias


def rules(report, claim, policy="strict"):
    return [(f.rule, f.severity, f.expected, f.actual) for f in submission_findings(report, claim, policy=policy)]


def test_the_right_file_has_no_submission_finding() -> None:
    assert rules(small_report(meta=Meta(agency="衢江区教育局", year=2021)), EDU) == []


def test_wrong_agency_and_year_are_errors_naming_what_was_found() -> None:
    rep = small_report(meta=Meta(agency="衢州市衢江区财政局", year=2020))
    assert rules(rep, EDU) == [("R-SUBMIT-AGENCY", "error", "衢州市衢江区教育局", "衢州市衢江区财政局"),
                               ("R-SUBMIT-YEAR", "error", 2021, 2020)]
    assert [s for _, s, _, _ in rules(rep, EDU, "lenient")] == ["warning", "warning"]
    f = submission_findings(rep, EDU)[0]
    assert "衢州市衢江区财政局" in f.message_zh and "衢州市衢江区财政局" in f.message_en


def test_nothing_is_claimed_where_the_document_names_nothing() -> None:
    assert rules(small_report(), EDU) == []


def test_all_zero_is_a_report_blank_everywhere_is_empty() -> None:
    zeros = small_report(values={})
    assert not is_empty(zeros) and rules(zeros, None) == []
    blank = small_report(values={}, fill=None)
    assert is_empty(blank)
    assert rules(blank, None) == [("R-SUBMIT-EMPTY", "error", None, None)]
    for c in blank.cells[:30]:
        c.status = "not_printed"
    assert is_empty(blank)


@pytest.mark.parametrize("policy,severity", [("strict", "error"), ("lenient", "warning")])
def test_a_table_left_out_is_an_incomplete_report_a_table_of_blanks_is_not(policy: str, severity: str) -> None:
    from pipeline.model import ParseNote

    rep = small_report(values={})
    for c in rep.cells:
        if c.table == "appeals":
            c.value, c.status = None, "not_printed"
    assert rules(rep, None, policy) == [("R-SUBMIT-TABLE", severity, None, None)]
    (f,) = submission_findings(rep, None, policy=policy)
    assert f.table == "appeals" and "表四" in f.message_zh and "table 4" in f.message_en
    blanks = small_report(values={})
    for c in blanks.cells:
        if c.table == "appeals":
            c.value, c.status = None, "blank"
    assert rules(blanks, None, policy) == []  # a blank is a 0 as agencies print it
    # every row of the table there but none readable: the same as left out
    unread = small_report(values={})
    for c in unread.cells:
        if c.table == "proactive":
            c.value, c.status = None, "blank"
    unread.notes += [ParseNote("R-PARSE-UNREAD", "unreadable", "proactive", r)
                     for r in {c.row for c in unread.cells if c.table == "proactive"}]
    assert rules(unread, None, policy) == [("R-SUBMIT-TABLE", severity, None, None)]


def test_the_untouched_filing_template_is_empty() -> None:
    rep = parse_bytes(template_bytes("v2021", year=2021), "template.xlsx")
    res = validate_submission(rep, EDU)
    assert [f.rule for f in res.errors] == ["R-SUBMIT-EMPTY"]


def test_submission_findings_come_first_among_errors() -> None:
    rep = small_report(meta=Meta(agency="衢州市衢江区财政局", year=2021))
    rep.cells[-1].value = 99  # appeals suit_after_review total: R-T4-SUM
    res = validate_submission(rep, EDU)
    assert [f.rule for f in res.errors] == ["R-SUBMIT-AGENCY", "R-T4-SUM"]


def test_registry_aliases(tmp_path: Path) -> None:
    (tmp_path / "registry.toml").write_text(
        '[districts.1]\nname = "d"\n[[districts.1.agencies]]\nid = "1-a"\nname = "甲局"\nkind = "department"\n'
        'aliases = ["甲 局", "乙局"]\n', encoding="utf-8")
    reg = load_registry(tmp_path)
    assert reg.agency("1-a").aliases == ("甲 局", "乙局")
    (tmp_path / "registry.toml").write_text(
        '[districts.1]\nname = "d"\n[[districts.1.agencies]]\nid = "1-a"\nname = "甲局"\nkind = "department"\n'
        'aliases = "乙局"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="aliases must be a list"):
        load_registry(tmp_path)


def test_the_bundled_registry_loads_without_aliases() -> None:
    reg = load_registry(Path(__file__).resolve().parents[1] / "config")
    assert all(a.aliases == () for d in reg.districts.values() for a in d.agencies)


def test_check_with_agency_id_and_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_CONFIG_DIR", str(Path(__file__).resolve().parents[1] / "config"))
    path = tmp_path / "r.json"
    path.write_text(small_report(meta=Meta(agency="衢江区教育局", year=2021)).to_json(), encoding="utf-8")
    assert runner.invoke(app, ["check", str(path), "--agency", "330803-edu", "--year", "2021"]).exit_code == 0
    out = runner.invoke(app, ["check", str(path), "--agency", "330803-finance", "--year", "2022"])
    assert out.exit_code == 1
    assert "R-SUBMIT-AGENCY" in out.stdout and "衢江区教育局" in out.stdout and "R-SUBMIT-YEAR" in out.stdout
    lenient = runner.invoke(app, ["check", str(path), "--agency", "衢州市衢江区财政局", "--policy", "lenient"])
    assert lenient.exit_code == 0 and "警告 R-SUBMIT-AGENCY" in lenient.stdout
    bad = runner.invoke(app, ["check", str(path), "--agency", "330803-nope"])
    assert bad.exit_code == 2 and "330803-nope" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
