"""The findings of the declared identities: from the anchors pandera marks to each root cause, once.

Every form comes from the one declaration (:func:`pipeline.vocabulary.identities`); nothing here names
a rule. A failure case names a rule and the form's anchor cell; the form is looked up by the two, and:

- a blank cell that explains a failing form gets the value the form implies and is reported as
  R-BLANK: the form's total when it is blank (e.g. a blank （七）总计), else the form's only blank
  term — expected = −(Σ coef·other terms) / coef of the blank term;
- a form that fails along the total column of a row form (e.g. R-T3-BAL or R-T3-SUM in the 总计
  column, the total of R-T3-ROW) follows from the other columns plus the row form (template.md §6.2
  "Redundancy"): it is reported only when the same rule holds in every other column and the row
  form holds in each of its rows;
- a cell the report does not print (status not_printed) is worded as such (未列出), not as a blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pipeline import vocabulary as voc
from pipeline.validate.findings import Finding, Severity, fmt
from pipeline.validate.frame import VARIANTS, Grid
from pipeline.validate.wording import TABLE_EN, TABLE_ZH, make_finding, where_en, where_zh

Key = tuple[str, str, str]
Terms = list[tuple[int, float]]


class Failed(Protocol):
    check: str
    key: int


@voc.derived
def _forms(version: str, single: bool) -> tuple[dict[tuple[str, Key], voc.Identity], dict[Key, voc.Identity]]:
    """The forms of a template variant by (rule, anchor cell), and the row forms by their total cell."""
    by_anchor: dict[tuple[str, Key], voc.Identity] = {}
    by_total: dict[Key, voc.Identity] = {}
    for ident in voc.identities(version, single_other=single):
        a = ident.anchor
        by_anchor[(ident.rule, (ident.table, a.row, a.col))] = ident
        if ident.each == "row" and ident.total is not None:
            by_total[(ident.table, ident.total.row, ident.total.col)] = ident
    return by_anchor, by_total


@voc.derived
def _total_cols() -> frozenset[tuple[str, str]]:
    """(table, column) of the totals of the row forms (e.g. 总计 of R-T3-ROW)."""
    return frozenset((i.table, i.total.col) for v, s in VARIANTS for i in voc.identities(v, single_other=s)
                     if i.each == "row" and i.total is not None)


def variant(grid: Grid, report: int) -> tuple[str, bool]:
    return VARIANTS[int(grid.variant[report])]


def form_at(grid: Grid, report: int, rule: str, key: Key) -> voc.Identity:
    """The declared form of ``rule`` whose anchor is cell ``key`` in the report's template variant."""
    return _forms(*variant(grid, report))[0][(rule, key)]


def row_form_of_total(grid: Grid, report: int, key: Key) -> voc.Identity | None:
    """The row form whose total is cell ``key`` (e.g. R-T3-ROW for a 总计 cell), if any."""
    return _forms(*variant(grid, report))[1].get(key)


def terms_of(grid: Grid, ident: voc.Identity) -> Terms:
    """The form as [(key id, coef)], its anchor first."""
    ids = grid.keys.ids
    a = ident.anchor
    return [(ids[(ident.table, a.row, a.col)], float(a.coef))] + [
        (ids[(ident.table, t.row, t.col)], float(t.coef)) for t in ident.terms if t is not a]


def identity_terms(grid: Grid, report: int, rule: str, key: Key) -> Terms:
    """The form of ``rule`` anchored at cell ``key`` as Σ coef·cell = 0: [(key id, coef)], anchor first."""
    return terms_of(grid, form_at(grid, report, rule, key))


def implied(terms: Terms, target: int, value) -> float:
    """The value of cell ``target`` that makes the form hold, the other cells as ``value(key id)``."""
    coef = next(c for k, c in terms if k == target)
    return -sum(c * value(k) for k, c in terms if k != target) / coef


def blank_words(grid: Grid, report: int, key: int) -> tuple[str, str, str]:
    """How a cell without a value is described, and what the clerk should do (zh, en, action zh):
    blank (为空白), or its row not printed (未列出)."""
    if grid.not_printed is not None and grid.not_printed[report, key]:
        return "未列出（报告中没有这一行）", "not printed (the report leaves the row out)", "请补列这一行并填写"
    return "为空白", "blank", "请填写"


def total_blank_finding(grid: Grid, r: int, key: int, version: str, severity: Severity) -> tuple[Finding, float]:
    """R-BLANK for a blank total of a row form in a row otherwise filled in, with the value the row implies."""
    table, row, col = grid.keys.keys[key]
    vals = grid.filled()[r]
    ident = row_form_of_total(grid, r, (table, row, col))
    value = implied(terms_of(grid, ident), key, lambda k: vals[k]) if ident is not None else None
    zh, en, do = blank_words(grid, r, key)
    w_zh, w_en = where_zh(table, row, col, version), where_en(table, row, col)
    return make_finding("R-BLANK", version, table, row, col, value, None,
                        f"{w_zh}{zh}，{do}；按同行各栏推算应为 {fmt(value)}。",
                        f"{w_en}: {en}; fill it in — the other cells of the row imply {fmt(value)}.",
                        severity=severity), value


def identity_findings(grid: Grid, r: int, failures: Sequence[Failed], broken: set[int], filled_in: dict[int, float],
                      severity: Severity) -> list[Finding]:
    """The findings of the failing forms of report ``r`` (``broken``: missing or unreadable cells, whose
    forms cannot be judged; ``filled_in``: blank cells already given their implied value)."""
    keys = grid.keys.keys
    version, _ = variant(grid, r)
    vals = grid.filled()[r]
    out: list[Finding] = []

    def value(k: int) -> float:
        return filled_in.get(k, vals[k])

    judged: list[tuple[Failed, voc.Identity, Terms]] = []
    for f in failures:
        ident = form_at(grid, r, f.check, keys[f.key])
        terms = terms_of(grid, ident)
        if broken & {k for k, _ in terms}:
            continue  # a missing or unreadable cell is the root cause, already reported
        judged.append((f, ident, terms))
        target = _blank_target(grid, r, ident, terms, filled_in)
        if target is None:
            continue
        v = implied(terms, target, value)
        if v >= 0 and abs(v - round(v)) <= 1e-9:
            filled_in[target] = v
            out.append(_blank_finding(grid, r, target, ident, v, version, severity))

    still = [(f, ident, terms) for f, ident, terms in judged if abs(sum(c * value(k) for k, c in terms)) > 1e-6]
    failing = {(f.check, keys[f.key]) for f, _, _ in still}
    row_failing = {(i.table, i.over) for _, i, _ in still if i.each == "row"}
    for f, ident, terms in still:
        if _redundant(ident, keys[f.key], failing, row_failing):
            continue
        with_blanks = any(grid.blank[r, k] and k not in filled_in for k, _ in terms)
        out.append(_identity_finding(ident, terms, {k: value(k) for k, _ in terms}, version, with_blanks))
    return out


def _blank_target(grid: Grid, r: int, ident: voc.Identity, terms: Terms, filled_in: dict[int, float]) -> int | None:
    """The blank cell that explains a failing form: its blank total, else its only blank term."""
    ids = grid.keys.ids
    total = ident.total
    if total is not None:
        k = ids[(ident.table, total.row, total.col)]
        if grid.blank[r, k]:
            return None if k in filled_in else k
    blanks = [k for k, _ in terms if grid.blank[r, k] and k not in filled_in]
    return blanks[0] if len(blanks) == 1 else None


def _redundant(ident: voc.Identity, key: Key, failing: set[tuple[str, Key]], row_failing: set[tuple[str, str]]) -> bool:
    """A column form along a row form's total column that the other columns and the row form explain."""
    if ident.each != "col" or (ident.table, ident.over) not in _total_cols():
        return False
    return any(rule == ident.rule and k != key for rule, k in failing) or any(
        (ident.table, t.row) in row_failing for t in ident.terms)


def _blank_finding(grid: Grid, r: int, k: int, ident: voc.Identity, v: float, version: str,
                   severity: Severity) -> Finding:
    bt, br, bc = grid.keys.keys[k]
    zh, en, do = blank_words(grid, r, k)
    w_zh, w_en = where_zh(bt, br, bc, version), where_en(bt, br, bc)
    return make_finding(
        "R-BLANK", version, bt, br, bc, v, None,
        f"{w_zh}{zh}，按 0 计时「{voc.statement(ident.rule)}」不成立；{do}，按其他单元格推算应为 {fmt(v)}。",
        f"{w_en}: {en}; counted as 0 it breaks {ident.rule} — fill it in, the other cells imply {fmt(v)}.",
        severity=severity)


def _identity_finding(ident: voc.Identity, terms: Terms, vals: dict[int, float], version: str,
                      with_blanks: bool) -> Finding:
    """The failure of one form, worded with its numbers (``vals``: each term's value, blanks as read)."""
    note_zh = "（空白单元格按 0 计）" if with_blanks else ""
    note_en = " (blank cells counted as 0)" if with_blanks else ""
    stmt = voc.statement(ident.rule)
    if ident.total is None and ident.each == "col":  # a balance: both sides, in the column's words
        return _balance_finding(ident, terms, vals, version, note_zh, note_en)
    a = ident.anchor
    anchor = terms[0][0]
    actual, expected = vals[anchor], implied(terms, anchor, vals.__getitem__)
    w_zh, w_en = where_zh(ident.table, a.row, a.col, version), where_en(ident.table, a.row, a.col)
    return make_finding(ident.rule, version, ident.table, a.row, a.col, expected, actual,
                        f"{w_zh}为 {fmt(actual)}，但按「{stmt}」应为 {fmt(expected)}{note_zh}。",
                        f"{w_en}: {fmt(actual)} printed, {ident.rule} implies {fmt(expected)}{note_en}.")


def _balance_finding(ident: voc.Identity, terms: Terms, vals: dict[int, float], version: str,
                     note_zh: str, note_en: str) -> Finding:
    by_row = dict(zip((t.row for t in _anchor_first(ident)), terms, strict=True))
    declared = [(t.row, *by_row[t.row]) for t in ident.terms]  # in the declared order
    sides = [[(row, c, vals[k]) for row, k, c in declared if (c > 0) == positive] for positive in (True, False)]
    left, right = (sum(abs(c) * v for _, c, v in side) for side in sides)
    cl = voc.label(ident.table, "col", ident.over, version)

    def zh(side: list) -> str:
        return " + ".join(f"{_row_zh(ident.table, row, version)} {fmt(v)}" for row, _, v in side)

    def en(side: list) -> str:
        return " + ".join(f"{row} {fmt(v)}" for row, _, v in side)

    return make_finding(
        ident.rule, version, ident.table, None, ident.over, right, left,
        f"{TABLE_ZH[ident.table]}「{cl}」列不平衡（{voc.statement(ident.rule)}）：{zh(sides[0])} = {fmt(left)}，"
        f"但 {zh(sides[1])} = {fmt(right)}；请核对这 {len(terms)} 个数{note_zh}。",
        f"{TABLE_EN[ident.table]}, column {ident.over}: {en(sides[0])} = {fmt(left)}, but "
        f"{en(sides[1])} = {fmt(right)} ({ident.rule}){note_en}.")


def _anchor_first(ident: voc.Identity) -> list[voc.Term]:
    a = ident.anchor
    return [a] + [t for t in ident.terms if t is not a]


def _row_zh(table: str, row: str, version: str) -> str:
    return voc.short_label(table, "row", row, version)
