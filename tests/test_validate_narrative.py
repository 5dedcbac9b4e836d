"""Figures stated in 一、总体情况 against tables 三 and 四: wording seen in real reports, no false alarms."""

from __future__ import annotations

import random

import pytest

from pipeline.model import ParsedReport
from pipeline.synth import generate_report
from pipeline.validate import validate_report, validate_reports
from pipeline.validate.narrative import figures_in, normalise


def report_with(overview: str, seed: int = 11) -> ParsedReport:
    rng = random.Random(seed)
    for _ in range(1000):
        r = generate_report(rng, "v2021", scale="office", blank_style="zero")
        if r.value("requests", "carried_over", "total") and r.value("requests", "carry_forward", "total") \
                and r.value("appeals", "review", "total") and r.value("appeals", "suit_direct", "total"):
            r.sections = {"overview": overview, "problems": "", "other_matters": ""}
            return r
    raise AssertionError("no suitable generated report")


def table(r: ParsedReport, row: str, col: str = "total", t: str = "requests") -> int:
    return int(r.value(t, row, col) or 0)


def narrative(r: ParsedReport) -> list[tuple[str | None, str | None, object, object]]:
    return [(f.row, f.col, f.expected, f.actual) for f in validate_report(r).findings if f.rule == "R-NARRATIVE"]


def test_agreeing_figures_in_the_usual_wordings() -> None:
    r = report_with("")
    new, carried = table(r, "new_received"), table(r, "carried_over")
    total, forward = table(r, "total"), table(r, "carry_forward")
    review = table(r, "review", t="appeals")
    suits = table(r, "suit_direct", t="appeals") + table(r, "suit_after_review", t="appeals")
    r.sections["overview"] = (
        f"2024 年，全市共受理政府信息公开申请 {new + carried} 件，答复 {total} 件（含上年度结转申请 {carried} 件，"
        f"另有 {forward} 件顺延到下年度答复），均在法定期限内予以答复。\n"
        f"全年收到政府信息公开申请{new}\n件，上年结转政府信息公开申请 {carried} 件。共办理 {total} 件，结转下一年 {forward} 件。"
        f"政府信息公开行政复议 {review}件，其中结果维持 {table(r, 'review', 'upheld', 'appeals')} 件；"
        f"涉及的行政诉讼数为{suits} 件。")
    found = [(f.name, n) for f, n, *_ in figures_in(normalise(r.sections["overview"]))]
    assert {name for name, _ in found} >= {"received", "handled", "carried_over", "carry_forward", "review",
                                           "review.upheld", "suits"}
    assert narrative(r) == []


def test_a_disagreeing_figure_is_a_warning_naming_the_sentence() -> None:
    r = report_with("")
    new = table(r, "new_received")
    r.sections["overview"] = f"一是做好依申请公开。区政府办代表区政府受理政府信息公开申请 {new + 50} 件，均已答复。"
    res = validate_report(r)
    assert not res.has_errors
    (f,) = res.warnings
    assert (f.rule, f.table, f.row, f.col, f.expected, f.actual) == ("R-NARRATIVE", "requests", "new_received", "total",
                                                                    new, new + 50)
    assert f"受理政府信息公开申请 {new + 50} 件" in f.message_zh and "表三" in f.message_zh


@pytest.mark.parametrize("sentence,row,col,table_of", [
    ("办结{x}件，", "total", "total", lambda r: table(r, "total")),
    ("其中予以公开{x}件、部分公开0件。", "granted", "total", lambda r: table(r, "granted")),
    ("因政府信息公开引起的行政复议{x}件。", "review", "total", lambda r: table(r, "review", t="appeals")),
    ("2022年共有行政诉讼案件{x}件、行政复议案件0件。", None, "total",
     lambda r: table(r, "suit_direct", t="appeals") + table(r, "suit_after_review", t="appeals")),
])
def test_each_figure_is_compared_with_its_cell(sentence: str, row: str | None, col: str, table_of) -> None:
    r = report_with("")
    wrong = table_of(r) + 3
    r.sections["overview"] = sentence.format(x=wrong)
    got = [x for x in narrative(r) if x[0] == row and x[1] == col]
    assert got == [(row, col, table_of(r), wrong)], validate_report(r).findings


def test_numbers_that_are_not_figures_of_the_tables_are_left_alone() -> None:
    r = report_with("主动公开政府信息 5500 余条，其中行政规范性文件 13 件；办结率100%，收取信息处理费共计380元，"
                    "其中民政局1件。92%公共服务事项办结时长缩短至30分钟以内。全县共办理相关案件 74 件。"
                    "其他处理 0 件（含申请人主动撤回 157 件）。")
    r.sections["overview"] = r.sections["overview"].replace("其他处理 0 件", f"其他处理 {sum_other(r)} 件")
    assert narrative(r) == []


def sum_other(r: ParsedReport) -> int:
    return sum(int(c.value or 0) for c in r.cells if c.table == "requests" and c.row.startswith("other")
               and c.col == "total")


def test_generated_reports_narratives_agree_with_their_tables() -> None:
    rng = random.Random(5)
    reports = [generate_report(rng, rng.choice(("v2019", "v2021")), single_other=rng.random() < 0.3) for _ in range(300)]
    assert sum(bool(r.sections["overview"]) for r in reports) == 300
    assert [f for res in validate_reports(reports) for f in res.findings] == []
