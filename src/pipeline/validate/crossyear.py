"""Checks against the same agency's previous-year report (warnings: R-T3-CARRY and the table-二 roll-forward).

Why warnings: restructured agencies and a changed reporting scope break these legitimately
(template.md §6.2, §8.5); a clerk should confirm, not be blocked.

- R-T3-CARRY (§6.2): this year's 二、上年结转 = last year's 四、结转下年度继续办理, every column; holds
  across the 2020→2021 format switch. The 总计 column is reported only when no other column is.
- R-T2-INFORCE (§6.3, v2021 both years): 现行有效件数 = last year's + 本年制发件数 − 本年废止件数.
- R-T2-ITEMS (§6.3, v2019 both years): 上一年项目数量 = last year's 上一年项目数量 + last year's 本年增/减.

Comparisons run on both batches' grids at once (same key numbering), blanks counted as 0. When both
reports state their year and they are not consecutive, nothing is compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.validate.findings import Finding, fmt
from pipeline.validate.frame import VARIANTS, Grid
from pipeline.validate.rules import make_finding, where_en, where_zh
from schemas.cells import T3_COLS

_NOTE_ZH = "（机构调整或统计口径变化时可能合理，请核对）"
_ITEM_ROWS = ("licensing", "other_mgmt_services", "penalties", "coercion", "admin_fees")


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
    n_keys = min(cur.shape[1], old.shape[1])
    cur, old = cur[:, :n_keys], old[:, :n_keys]

    # R-T3-CARRY, all reports with a previous one, every column at once
    carried = cur[:, [ids[("requests", "carried_over", c)] for c in T3_COLS]]
    forward = old[:, [ids[("requests", "carry_forward", c)] for c in T3_COLS]]
    bad = (np.abs(carried - forward) > 1e-9) & with_previous[:, None]
    total_i = T3_COLS.index("total")
    others_bad = np.delete(bad, total_i, axis=1).any(axis=1)
    bad[:, total_i] &= ~others_bad
    for r, ci in zip(*np.nonzero(bad), strict=True):
        col = T3_COLS[ci]
        version = VARIANTS[int(grid.variant[r])][0]
        a, e = carried[r, ci], forward[r, ci]
        out[int(r)].append(make_finding(
            "R-T3-CARRY", version, "requests", "carried_over", col, e, a,
            f"{where_zh('requests', 'carried_over', col, version)}为 {fmt(a)}，但上一年度报告"
            f"「四、结转下年度继续办理」{voc.label('requests', 'col', col)}为 {fmt(e)}{_NOTE_ZH}。",
            f"{where_en('requests', 'carried_over', col)}: {fmt(a)}, but last year's carried-forward figure is {fmt(e)}."))

    v2019 = VARIANTS.index(("v2019", False))
    cur_2021 = grid.variant != v2019
    old_2021 = prev.variant != v2019
    same_version = with_previous & (cur_2021 == old_2021)

    # R-T2-INFORCE (v2021): in_force(Y) = in_force(Y−1) + issued(Y) − repealed(Y)
    for row in ("rules", "normative_docs"):
        k_in, k_is, k_re = (ids[("proactive", row, c)] for c in ("in_force", "issued", "repealed"))
        want = old[:, k_in] + cur[:, k_is] - cur[:, k_re]
        sel = same_version & cur_2021 & (np.abs(cur[:, k_in] - want) > 1e-9)
        for r in np.nonzero(sel)[0]:
            a, e = cur[r, k_in], want[r]
            out[int(r)].append(make_finding(
                "R-T2-INFORCE", "v2021", "proactive", row, "in_force", e, a,
                f"{where_zh('proactive', row, 'in_force', 'v2021')}为 {fmt(a)}，但上一年度现行有效 {fmt(old[r, k_in])} "
                f"+ 本年制发 {fmt(cur[r, k_is])} − 本年废止 {fmt(cur[r, k_re])} = {fmt(e)}{_NOTE_ZH}。",
                f"{where_en('proactive', row, 'in_force')}: {fmt(a)}, but last year's {fmt(old[r, k_in])} + issued "
                f"{fmt(cur[r, k_is])} − repealed {fmt(cur[r, k_re])} = {fmt(e)}."))

    # R-T2-ITEMS (v2019): prev_year_items(Y) = prev_year_items(Y−1) + year_change(Y−1)
    for row in _ITEM_ROWS:
        k_items, k_change = ids[("proactive", row, "prev_year_items")], ids[("proactive", row, "year_change")]
        want = old[:, k_items] + old[:, k_change]
        sel = same_version & ~cur_2021 & (np.abs(cur[:, k_items] - want) > 1e-9)
        for r in np.nonzero(sel)[0]:
            a, e = cur[r, k_items], want[r]
            out[int(r)].append(make_finding(
                "R-T2-ITEMS", "v2019", "proactive", row, "prev_year_items", e, a,
                f"{where_zh('proactive', row, 'prev_year_items', 'v2019')}为 {fmt(a)}，但上一年度报告的上一年项目数量 "
                f"{fmt(old[r, k_items])} + 本年增/减 {fmt(old[r, k_change])} = {fmt(e)}{_NOTE_ZH}。",
                f"{where_en('proactive', row, 'prev_year_items')}: {fmt(a)}, but last year's {fmt(old[r, k_items])} "
                f"+ change {fmt(old[r, k_change])} = {fmt(e)}."))
    return out


def previous_mask(reports: Sequence[ParsedReport], previous: Sequence[ParsedReport | None]) -> np.ndarray:
    """Which reports have a comparable previous-year report."""
    return np.fromiter((comparable(r, p) for r, p in zip(reports, previous, strict=True)), dtype=bool,
                       count=len(reports))
