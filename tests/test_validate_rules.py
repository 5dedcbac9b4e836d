"""Each rule on reports that break exactly one thing: what is reported, where, and what is not reported twice."""

from __future__ import annotations

import copy
import random

import pytest

from pipeline import vocabulary as voc
from pipeline.model import Cell, ParsedReport
from pipeline.synth import generate_report
from pipeline.validate import validate_report, validate_reports
from pipeline.validate.policy import should_load


def consistent(version: str = "v2021", *, single_other: bool = False, seed: int = 7) -> ParsedReport:
    """A generated report whose every identity holds and whose cells are all non-zero enough to matter."""
    rng = random.Random(seed)
    for _ in range(1000):
        r = generate_report(rng, version, single_other=single_other, scale="office", blank_style="zero")
        if r.value("requests", "new_received", "natural_person") and r.value("appeals", "review", "upheld"):
            r.sections = {k: "" for k in r.sections}
            return r
    raise AssertionError("the generator gave no report with applications and reviews")


def with_value(report: ParsedReport, key: tuple[str, str, str], value: object) -> ParsedReport:
    out = copy.deepcopy(report)
    for c in out.cells:
        if c.key == key:
            c.value = value
            c.raw = "" if value is None else str(value)
            return out
    raise KeyError(key)


def rules_at(report: ParsedReport, **kw) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.rule, f.table, f.row, f.col) for f in validate_report(report, **kw).findings]


@pytest.mark.parametrize("version,single", [("v2019", False), ("v2021", False), ("v2021", True)])
def test_generated_consistent_reports_have_no_findings(version: str, single: bool) -> None:
    report = consistent(version, single_other=single)
    assert validate_report(report).findings == []


def test_row_total_wrong() -> None:
    r = consistent()
    v = r.value("requests", "granted", "total")
    bad = with_value(r, ("requests", "granted", "total"), v + 2)
    res = validate_report(bad)
    assert [(f.rule, f.row, f.col, f.expected, f.actual) for f in res.findings] == [
        ("R-T3-ROW", "granted", "total", v, v + 2)]  # R-T3-SUM on 总计 is implied: not reported again
    assert res.has_errors and "（一）予以公开" in res.findings[0].message_zh


def test_part_cell_wrong_names_row_and_column() -> None:
    r = consistent()
    bad = with_value(r, ("requests", "granted", "natural_person"), r.value("requests", "granted", "natural_person") + 1)
    assert sorted(rules_at(bad)) == [("R-T3-ROW", "requests", "granted", "total"),
                                     ("R-T3-SUM", "requests", "total", "natural_person")]


def test_balance_on_the_total_column_is_reported_once() -> None:
    """Changing 一 in one applicant column breaks R-T3-ROW there and R-T3-BAL in that column — not BAL on 总计."""
    r = consistent()
    key = ("requests", "new_received", "natural_person")
    bad = with_value(r, key, r.value(*key) + 3)
    found = rules_at(bad)
    assert sorted(found) == [("R-T3-BAL", "requests", None, "natural_person"), ("R-T3-ROW", "requests", "new_received", "total")]
    bal = next(f for f in validate_report(bad).findings if f.rule == "R-T3-BAL")
    assert bal.row is None and bal.col_label == "自然人" and "第一项" in bal.message_zh


def test_balance_alone() -> None:
    """一 and its 总计 raised together: rows add up, only the balance of 自然人 fails (and 总计's follows, unreported)."""
    r = consistent()
    bad = r
    for col in ("natural_person", "total"):
        key = ("requests", "carry_forward", col)
        bad = with_value(bad, key, r.value(*key) + 1)
    assert rules_at(bad) == [("R-T3-BAL", "requests", None, "natural_person")]


def test_appeals_total() -> None:
    r = consistent()
    bad = with_value(r, ("appeals", "review", "total"), 0)
    res = validate_report(bad)
    assert [(f.rule, f.row, f.col, f.actual) for f in res.findings] == [("R-T4-SUM", "review", "total", 0)]
    assert res.findings[0].expected == r.value("appeals", "review", "total")


def test_single_other_row_sums_into_the_result_total() -> None:
    r = consistent("v2021", single_other=True)
    assert r.single_other
    key = ("requests", "other", "natural_person")
    bad = with_value(r, key, r.value(*key) + 1)
    assert ("R-T3-SUM", "requests", "total", "natural_person") in rules_at(bad)


def test_blank_total_in_a_filled_row_is_an_error_with_the_implied_value() -> None:
    r = consistent()
    key = ("requests", "new_received", "total")
    bad = with_value(r, key, None)
    res = validate_report(bad)
    assert [(f.rule, f.severity, f.row, f.col, f.expected, f.actual) for f in res.findings] == [
        ("R-BLANK", "error", "new_received", "total", r.value(*key), None)]
    assert "空白" in res.findings[0].message_zh and str(r.value(*key)) in res.findings[0].message_zh
    lenient = validate_report(bad, policy="lenient")
    assert [f.severity for f in lenient.findings] == ["warning"] and should_load(lenient, "lenient")
    assert not should_load(res, "strict") and should_load(res, "lenient")


def test_blank_zero_total_of_a_filled_row_must_still_be_written() -> None:
    r = consistent()
    zero_rows = [row for row in voc.rows("requests", "v2021") if r.value("requests", row, "total") == 0]
    assert zero_rows
    bad = with_value(r, ("requests", zero_rows[0], "total"), None)
    assert rules_at(bad) == [("R-BLANK", "requests", zero_rows[0], "total")]


def test_blank_rows_and_blank_legal_person_columns_count_as_zero() -> None:
    """Practice (template.md §8.4): zero rows left empty, empty 法人 columns with 总计 filled in — no finding."""
    r = copy.deepcopy(consistent())
    for c in r.cells:
        if c.table == "requests" and c.col in voc.ORG_COLS:
            c.value = None if not c.value else c.value
        if c.table == "requests" and r.value("requests", c.row, "total") == 0:
            c.value = None
    assert any(c.value is None for c in r.cells)
    assert validate_report(r).findings == []


def test_the_one_blank_of_a_failing_identity_is_reported_with_its_value() -> None:
    r = consistent()
    key = ("requests", "granted", "natural_person")
    assert r.value(*key)
    bad = with_value(r, key, None)
    found = validate_report(bad).findings
    assert [(f.rule, f.row, f.col, f.expected) for f in found] == [("R-BLANK", "granted", "natural_person", r.value(*key))]


def test_missing_cells_are_reported_and_not_again_through_the_identities() -> None:
    r = copy.deepcopy(consistent())
    r.cells = [c for c in r.cells if not (c.table == "requests" and c.row == "granted")]
    found = rules_at(r)
    assert found == [("R-CELLS-MISSING", "requests", "granted", c) for c in voc.cols("requests", "v2021")]


def test_type_negative_fraction_extra_duplicate() -> None:
    r = consistent("v2019")
    bad = with_value(r, ("requests", "partial", "commercial"), "三")
    bad = with_value(bad, ("appeals", "suit_direct", "pending"), -1)
    bad = with_value(bad, ("proactive", "licensing", "decisions"), 2.5)
    bad.cells.append(Cell("proactive", "admin_fees", "fee_amount_wan", 3.0, "3"))  # a v2021 cell in a v2019 report
    bad.cells.append(copy.copy(bad.cells[0]))
    found = {(f.rule, f.table, f.row, f.col) for f in validate_report(bad).findings}
    assert ("R-TYPE", "requests", "partial", "commercial") in found
    assert ("R-T4-NONNEG", "appeals", "suit_direct", "pending") in found
    assert ("R-T2-NONNEG", "proactive", "licensing", "decisions") in found
    assert ("R-CELLS-EXTRA", "proactive", "admin_fees", "fee_amount_wan") in found
    assert ("R-CELLS-DUPLICATE", *bad.cells[0].key) in found
    # the unreadable 三 is the root cause in its row and column: no identity over it is reported
    assert not {f for f in found if f[0] == "R-T3-ROW" and f[2] == "partial"}
    severities = {f.rule: f.severity for f in validate_report(bad).findings}
    assert severities["R-CELLS-EXTRA"] == "warning" and severities["R-TYPE"] == "error"


def test_signed_change_and_decimal_amounts_are_valid() -> None:
    r19 = consistent("v2019")
    ok = with_value(r19, ("proactive", "licensing", "year_change"), -3)
    ok = with_value(ok, ("proactive", "central_procurement", "procurement_amount"), 75394432.52)
    assert validate_report(ok).findings == []
    r21 = with_value(consistent("v2021"), ("proactive", "admin_fees", "fee_amount_wan"), 4068.208)
    assert validate_report(r21).findings == []
    neg = with_value(r21, ("proactive", "admin_fees", "fee_amount_wan"), -1.5)
    assert rules_at(neg) == [("R-T2-NONNEG", "proactive", "admin_fees", "fee_amount_wan")]


def test_v2019_published_not_above_total() -> None:
    r = consistent("v2019")
    bad = with_value(r, ("proactive", "normative_docs", "new_published"),
                     r.value("proactive", "normative_docs", "total_published") + 1)
    res = validate_report(bad)
    assert [(f.rule, f.severity, f.row) for f in res.findings] == [("R-T2-PUBLISHED", "warning", "normative_docs")]


def test_ambiguous_cells_are_warnings() -> None:
    r = copy.deepcopy(consistent())
    r.cells[0].ambiguous = True
    res = validate_report(r)
    assert [(f.rule, f.severity) for f in res.findings] == [("R-AMBIGUOUS", "warning")] and not res.has_errors


def _chain(version_prev: str, version_cur: str, seed: int = 3) -> tuple[ParsedReport, ParsedReport]:
    rng = random.Random(seed)
    stock = ("proactive", "normative_docs", "in_force") if version_cur == "v2021" else ("proactive", "licensing", "prev_year_items")
    for _ in range(1000):
        prev = generate_report(rng, version_prev, year=2019 if version_prev == "v2019" else 2022, scale="office",
                               blank_style="zero")
        cur = generate_report(rng, version_cur, previous=prev, scale="office", blank_style="zero")
        if prev.value("requests", "carry_forward", "total") and cur.value(*stock):
            cur.sections = {k: "" for k in cur.sections}  # the narrative would (rightly) flag the changed figures
            return prev, cur
    raise AssertionError("the generator gave no report with a carry-forward and a stock figure")


@pytest.mark.parametrize("versions", [("v2021", "v2021"), ("v2019", "v2021"), ("v2019", "v2019")])
def test_cross_year_chain_is_clean(versions: tuple[str, str]) -> None:
    prev, cur = _chain(*versions)
    assert cur.meta.year == prev.meta.year + 1
    assert validate_report(cur, previous=prev).findings == []


def test_carry_over_against_last_year() -> None:
    prev, cur = _chain("v2019", "v2021")
    col = next(c for c in voc.cols("requests", "v2021") if c != "total" and prev.value("requests", "carry_forward", c))
    bad = cur  # one more carried over, and one more carried forward: table 三 still adds up
    for key in [("requests", row, c) for row in ("carried_over", "carry_forward") for c in (col, "total")]:
        bad = with_value(bad, key, bad.value(*key) + 1)
    res = validate_report(bad, previous=prev)
    assert [(f.rule, f.severity, f.row, f.col, f.expected) for f in res.findings] == [
        ("R-T3-CARRY", "warning", "carried_over", col, prev.value("requests", "carry_forward", col))]
    assert validate_report(bad).findings == []  # without last year's report nothing to compare
    older = copy.deepcopy(prev)
    older.meta.year = prev.meta.year - 1  # not the year before: not comparable
    assert validate_report(bad, previous=older).findings == []


def test_in_force_roll_forward() -> None:
    prev, cur = _chain("v2021", "v2021")
    key = ("proactive", "normative_docs", "in_force")
    bad = with_value(cur, key, cur.value(*key) + 5)
    res = validate_report(bad, previous=prev)
    assert [(f.rule, f.severity, f.row, f.col, f.expected, f.actual) for f in res.findings] == [
        ("R-T2-INFORCE", "warning", "normative_docs", "in_force", cur.value(*key), cur.value(*key) + 5)]


def test_v2019_items_roll_forward() -> None:
    prev, cur = _chain("v2019", "v2019")
    key = ("proactive", "licensing", "prev_year_items")
    bad = with_value(cur, key, cur.value(*key) + 1)
    assert rules_at(bad, previous=prev) == [("R-T2-ITEMS", "proactive", "licensing", "prev_year_items")]


def test_batch_equals_one_by_one() -> None:
    reports = [consistent(v, single_other=s, seed=i) for i, (v, s) in
               enumerate([("v2019", False), ("v2021", False), ("v2021", True)] * 2)]
    reports[1] = with_value(reports[1], ("appeals", "review", "total"), 99)
    reports[4] = with_value(reports[4], ("requests", "total", "total"), None)
    batch = validate_reports(reports)
    assert [b.findings for b in batch] == [validate_report(r).findings for r in reports]
    assert [bool(b.findings) for b in batch] == [False, True, False, False, True, False]


def test_policy_names_are_checked() -> None:
    with pytest.raises(ValueError):
        validate_report(consistent(), policy="loose")  # type: ignore[arg-type]


def test_blank_result_total_among_blank_zero_cells_is_the_root_cause() -> None:
    """Zeros printed blank, and the （七）总计 of one applicant column left blank too: fill that cell in."""
    r = copy.deepcopy(consistent())
    col = "natural_person"
    for c in r.cells:
        if c.table == "requests" and c.value == 0:
            c.value = None
    key = ("requests", "total", col)
    r = with_value(r, key, None)
    found = validate_report(r).findings
    assert [(f.rule, f.row, f.col, f.expected) for f in found] == [("R-BLANK", "total", col, consistent().value(*key))]


def test_cells_of_no_template_are_warned_about_not_crashed_on() -> None:
    r = copy.deepcopy(consistent())
    r.cells += [Cell("requests", "local_row", "total", 1, "1"), Cell("misc", "a", "b", 2, "2")]
    r = with_value(r, ("appeals", "review", "pending"), True)  # a bool is not a count
    found = {(f.rule, f.severity, f.table, f.row) for f in validate_report(r).findings}
    assert found == {("R-CELLS-EXTRA", "warning", "requests", "local_row"), ("R-CELLS-EXTRA", "warning", "misc", "a"),
                     ("R-TYPE", "error", "appeals", "review")}
