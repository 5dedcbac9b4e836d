"""The new parse (issue 8) through validation: parse notes as findings, not-printed cells as blanks."""

from __future__ import annotations

import pytest
from support.reports import VALUES, small_report

from pipeline import vocabulary as voc
from pipeline.model import PARSE_RULES, Cell, ParsedReport
from pipeline.validate import RULES, validate_report


def report(version: str = "v2021", *, single_other: bool = False, values: dict | None = None) -> ParsedReport:
    return small_report(version, single_other=single_other, values=values)


def not_printed(rep: ParsedReport, table: str, row: str) -> ParsedReport:
    for c in rep.cells:
        if c.table == table and c.row == row:
            c.value, c.raw, c.status = None, "", "not_printed"
    return rep


def rules_of(rep: ParsedReport, policy: str = "strict") -> list[tuple[str, str, str | None, str | None, str | None]]:
    return [(f.rule, f.severity, f.table, f.row, f.col) for f in validate_report(rep, policy=policy).findings]


def test_parse_rules_are_registered_as_warnings() -> None:
    for rule in PARSE_RULES:
        assert RULES[rule][0] == "warning"


def test_consistent_report_is_clean() -> None:
    assert rules_of(report()) == []


def test_rules_row_left_out_is_a_warning_not_an_error() -> None:
    rep = not_printed(report(), "proactive", "rules")
    rep.note("R-PARSE-NOT-PRINTED", "table 二 row 规章 is not printed", "proactive", "rules")
    res = validate_report(rep)
    assert not res.has_errors
    assert [(f.rule, f.severity, f.table, f.row, f.col) for f in res.findings] == [
        ("R-PARSE-NOT-PRINTED", "warning", "proactive", "rules", None)]
    f = res.findings[0]
    assert "规章" in f.message_zh and "未列出" in f.message_zh and "not printed" in f.message_en


def test_carry_forward_left_out_passes_when_identities_hold_with_zero() -> None:
    vals = {k: v for k, v in VALUES.items() if k[1] != "carry_forward"}
    vals[("requests", "total", "natural_person")] = vals[("requests", "total", "total")] = 3
    vals[("requests", "granted", "natural_person")] = vals[("requests", "granted", "total")] = 3
    rep = not_printed(report(values=vals), "requests", "carry_forward")
    found = rules_of(rep)
    assert found == [("R-PARSE-NOT-PRINTED", "warning", "requests", "carry_forward", None)]  # no note: one is made


def test_carry_forward_left_out_when_identities_need_it_is_an_error() -> None:
    rep = not_printed(report(), "requests", "carry_forward")  # 一 3 = （七）2 + 四 (not printed → 0): fails
    res = validate_report(rep)
    assert res.has_errors
    assert {f.rule for f in res.errors} <= {"R-BLANK", "R-T3-BAL"}
    assert not any(f.rule == "R-CELLS-MISSING" for f in res.findings)


def test_other_subrows_merged_into_the_first_pass_strict() -> None:
    vals = dict(VALUES)
    vals[("requests", "other.no_correction", "natural_person")] = vals[("requests", "other.no_correction", "total")] = 1
    vals[("requests", "total", "natural_person")] = vals[("requests", "total", "total")] = 3
    vals[("requests", "carry_forward", "natural_person")] = vals[("requests", "carry_forward", "total")] = 0
    rep = report(values=vals)
    for row in ("other.fee_unpaid", "other.misc"):
        not_printed(rep, "requests", row)
        rep.note("R-PARSE-NOT-PRINTED", f"{row}: cells merged into sub-row 1", "requests", row)
    res = validate_report(rep, policy="strict")
    assert not res.has_errors
    assert [(f.rule, f.row) for f in res.findings] == [
        ("R-PARSE-NOT-PRINTED", "other.fee_unpaid"), ("R-PARSE-NOT-PRINTED", "other.misc")]


def test_single_other_row_with_subrows_given_as_not_printed_is_no_extra_cell() -> None:
    rep = report(single_other=True)
    rep.cells += [Cell("requests", r, c, None, "", status="not_printed")
                  for r in voc.T3_OTHER_SPLIT for c in voc.cols("requests", "v2021")]
    assert rules_of(rep) == []


def test_missing_cell_is_still_an_error() -> None:
    rep = report()
    rep.cells = [c for c in rep.cells if c.key != ("requests", "granted", "total")]
    assert ("R-CELLS-MISSING", "error", "requests", "granted", "total") in rules_of(rep)


def test_ambiguous_cell_with_a_note_is_one_finding_with_its_candidates() -> None:
    rep = report()
    for c in rep.cells:
        if c.key == ("proactive", "normative_docs", "in_force"):
            c.status, c.ambiguous, c.candidates = "ambiguous", True, [38, 8]
    rep.note("R-PARSE-AMBIGUOUS", "6638 reads 6·6·38 or 66·3·8", "proactive", "normative_docs", "in_force")
    res = validate_report(rep)
    assert [(f.rule, f.col, f.actual) for f in res.findings] == [("R-PARSE-AMBIGUOUS", "in_force", 38)]
    assert "38、8" in res.findings[0].message_zh and "6638" in res.findings[0].message_en


def test_ambiguous_cell_without_a_note_keeps_r_ambiguous() -> None:
    rep = report()
    rep.cells[0].ambiguous = True
    rep.cells[0].__post_init__()
    assert [f.rule for f in validate_report(rep).findings] == ["R-AMBIGUOUS"]


def test_row_level_ambiguous_note_covers_its_cells() -> None:
    rep = report()
    for c in rep.cells:
        if c.table == "proactive" and c.row == "normative_docs":
            c.ambiguous = True
    rep.note("R-PARSE-AMBIGUOUS", "the run 6638 has three readings", "proactive", "normative_docs")
    assert rules_of(rep) == [("R-PARSE-AMBIGUOUS", "warning", "proactive", "normative_docs", None)]


@pytest.mark.parametrize("rule", sorted(PARSE_RULES))
def test_every_parse_note_is_shown_with_rule_table_row_col(rule: str) -> None:
    rep = report()
    rep.note(rule, "what the parser did", "requests", "granted", "natural_person")
    res = validate_report(rep, policy="strict")
    assert [(f.rule, f.severity, f.table, f.row, f.col) for f in res.findings] == [
        (rule, "warning", "requests", "granted", "natural_person")]
    f = res.findings[0]
    assert "表三" in f.message_zh and "what the parser did" in f.message_zh and "what the parser did" in f.message_en
    assert f.row_label and f.col_label


def test_note_about_the_whole_report() -> None:
    rep = report()
    rep.note("R-PARSE-LAYOUT", "version markers conflict")
    assert rules_of(rep) == [("R-PARSE-LAYOUT", "warning", None, None, None)]
    rep.notes[0].rule = "R-PARSE-SOMETHING-NEW"  # an unknown rule from a newer parser: shown as layout
    assert rules_of(rep)[0][0] == "R-PARSE-LAYOUT"
