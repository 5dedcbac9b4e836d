"""Checks against the same agency's previous-year report (warnings), generated from the declared
cross-year forms (``[[cross_year]]`` in ``data/identities.toml``: R-T3-CARRY, R-T2-INFORCE, R-T2-ITEMS).

Why warnings: restructured agencies and a changed reporting scope break these legitimately
(template.md §6.2, §8.5); a clerk should confirm, not be blocked.

A form is judged for a report when every cell it names is in the report's template variant and every
previous-year cell in the previous report's variant: R-T3-CARRY holds across the 2020→2021 format
switch, the table-二 roll-forwards only between two reports of the same version. Blanks count as 0.
A form along the total column of a row form (R-T3-CARRY in 总计) is reported only when the same rule
holds in every other column. Comparisons run on both batches' grids at once (same key numbering).
When both reports state their year and they are not consecutive, nothing is compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.validate.findings import Finding, fmt
from pipeline.validate.frame import VARIANTS, Grid
from pipeline.validate.identities import _total_cols
from pipeline.validate.wording import make_finding, where_en, where_zh

_NOTE_ZH = "（机构调整或统计口径变化时可能合理，请核对）"


@voc.derived
def _cross_forms() -> tuple[voc.Identity, ...]:
    """Every declared cross-year form of any template variant, once."""
    return tuple(dict.fromkeys(i for v, s in VARIANTS for i in voc.cross_year_identities(v, single_other=s)))


def comparable(report: ParsedReport, previous: ParsedReport | None) -> bool:
    """There is a previous report and, where both state a year, it is the year before."""
    if previous is None:
        return False
    y, p = report.meta.year, previous.meta.year
    return y is None or p is None or p == y - 1


def crossyear_findings(grid: Grid, prev: Grid, with_previous: np.ndarray) -> dict[int, list[Finding]]:
    """Warnings for the reports ``with_previous`` (bool per report); ``prev`` row i is report i's previous year."""
    out: dict[int, list[Finding]] = defaultdict(list)
    ids = grid.keys.ids
    cur, old = grid.filled(), prev.filled()
    mask_cur, mask_old = grid.keys.variant_mask()[grid.variant], prev.keys.variant_mask()[prev.variant]
    failing: list[tuple[voc.Identity, np.ndarray]] = []
    for ident in _cross_forms():
        here = [(ids[(ident.table, t.row, t.col)], t) for t in ident.terms]
        applies = with_previous.copy()
        residual = np.zeros(grid.n)
        for k, t in here:
            src, mask = (old, mask_old) if t.prev else (cur, mask_cur)
            applies &= mask[:, k]
            residual += t.coef * src[:, k]
        failing.append((ident, applies & (np.abs(residual) > 1e-9)))
    for ident, bad in failing:
        if (ident.table, ident.over) in _total_cols():  # e.g. 总计: reported when no other column is
            others = [b for i, b in failing if i.rule == ident.rule and i is not ident]
            bad = bad & ~np.logical_or.reduce(others) if others else bad
        for r in np.nonzero(bad)[0]:
            out[int(r)].append(_finding(ident, grid, int(r), cur[r], old[r]))
    return out


def _finding(ident: voc.Identity, grid: Grid, r: int, cur: np.ndarray, old: np.ndarray) -> Finding:
    """One cross-year form that fails, worded with its numbers, reported at its anchor."""
    ids = grid.keys.ids
    version = VARIANTS[int(grid.variant[r])][0]
    a = ident.anchor
    table = ident.table

    def value(t: voc.Term) -> float:
        return float((old if t.prev else cur)[ids[(table, t.row, t.col)]])

    actual = value(a)
    expected = -sum(t.coef * value(t) for t in ident.terms if t is not a) / a.coef
    parts = "，".join(f"{'上一年度' if t.prev else '本年度'}{_label(table, t, version)} {fmt(value(t))}"
                     for t in ident.terms if t is not a)
    parts_en = ", ".join(f"{'last year' if t.prev else 'this year'} {t.row}/{t.col} {fmt(value(t))}"
                         for t in ident.terms if t is not a)
    return make_finding(
        ident.rule, version, table, a.row, a.col, expected, actual,
        f"{where_zh(table, a.row, a.col, version)}为 {fmt(actual)}，但按「{voc.statement(ident.rule)}」"
        f"（{parts}）应为 {fmt(expected)}{_NOTE_ZH}。",
        f"{where_en(table, a.row, a.col)}: {fmt(actual)}, but {ident.rule} with {parts_en} implies {fmt(expected)}.")


def _label(table: str, t: voc.Term, version: str) -> str:
    """A term's cell in a few words: its column (table 二, whose row the finding names), else row and column."""
    if table == "proactive":
        return f"「{voc.label(table, 'col', t.col, version)}」"
    return f"「{voc.short_label(table, 'row', t.row, version)}」{voc.label(table, 'col', t.col, version)}"


def previous_mask(reports: Sequence[ParsedReport], previous: Sequence[ParsedReport | None]) -> np.ndarray:
    """Which reports have a comparable previous-year report."""
    return np.fromiter((comparable(r, p) for r, p in zip(reports, previous, strict=True)), dtype=bool,
                       count=len(reports))
