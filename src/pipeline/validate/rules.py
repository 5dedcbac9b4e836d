"""The consistency rules: run the pandera models over a batch and turn their failure cases into findings.

Why the post-processing: pandera says *which check failed where*; a clerk needs *the root cause once*,
in words, with the value the other cells imply. So:

- a missing or non-numeric cell is reported as such, and the identities it takes part in are not
  reported again (they cannot be judged);
- a blank 总计 in a row that is otherwise filled in is a finding of its own (R-BLANK) and counts as 0
  in the identities; the identity it breaks is not reported again. A blank total of a failing identity
  (e.g. a blank （七）总计 cell), or the only blank of a failing identity, is reported as R-BLANK with
  the value that would make the identity hold;
  blanks that the identities accept as 0 (e.g. empty legal-person columns, §8.4) are not findings;
- R-T3-BAL on the 总计 column follows from R-T3-BAL on the six other columns plus R-T3-ROW, and
  R-T3-SUM on 总计 from R-T3-SUM on the six others plus R-T3-ROW (template.md §6.2 "Redundancy"),
  so a failure there is reported only when nothing else explains it.

No rule is written here: the identity checks are generated from the declaration
(``data/identities.toml``, :mod:`schemas.identity_checks`) and their findings worded from the same
forms (:mod:`pipeline.validate.identities`); the words and the rule catalogue are in
:mod:`pipeline.validate.wording`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline import vocabulary as voc
from pipeline.validate.findings import Finding, Severity, fmt
from pipeline.validate.frame import VARIANTS, Grid, cells_frame, wide_frame
from pipeline.validate.identities import (
    identity_findings,
    identity_terms,
    total_blank_finding,
    variant,
)
from pipeline.validate.wording import (
    RULES,
    TABLE_EN,
    TABLE_ORDER,
    TABLE_ZH,
    make_finding,
    where_en,
    where_zh,
)
from schemas.cells import IDENTITY_MODELS, CellsFrame

__all__ = ["RULES", "TABLE_EN", "TABLE_ORDER", "TABLE_ZH", "Failure", "ambiguous_findings",
           "findings_from_failures", "identity_terms", "make_finding", "published_findings", "schema_failures",
           "where_en", "where_zh"]

_CELL_CHECKS = ("R-CELLS-MISSING", "R-CELLS-EXTRA", "R-CELLS-DUPLICATE", "R-TYPE", "R-NONNEG", "R-BLANK")


@dataclass(frozen=True, slots=True)
class Failure:
    """One failure case of one named check: which report, which cell (key id in the batch's KeySpace)."""

    check: str
    report: int
    key: int


# -- running the models ------------------------------------------------------------------------------
def _failure_cases(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame:
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as e:
        fc = e.failure_cases
        unknown = fc[~fc["check"].isin((*_CELL_CHECKS, *voc.identity_rules()))]
        if not unknown.empty:  # a dtype or structure problem is a bug of frame.py, not a finding
            raise RuntimeError(f"{model.__name__}: frame does not match the model:\n{unknown.to_string()}") from None
        return fc
    return pd.DataFrame(columns=["check", "index", "failure_case"])


def schema_failures(grid: Grid) -> list[Failure]:
    """Validate the batch with the three pandera models (lazy) and list every failure case by cell."""
    out: list[Failure] = []
    cells = cells_frame(grid)
    fc = _failure_cases(CellsFrame, cells.drop(columns="key"))
    if not fc.empty:
        pairs = fc[["check", "index"]].drop_duplicates()
        idx = pairs["index"].astype(np.int64).to_numpy()
        reps = cells["report"].to_numpy()[idx]
        keys = cells["key"].to_numpy()[idx]
        out += [Failure(c, int(r), int(k)) for c, r, k in zip(pairs["check"], reps, keys, strict=True)]
    ids = grid.keys.ids
    for table, model in IDENTITY_MODELS.items():
        frame = wide_frame(grid, table)
        fc = _failure_cases(model, frame)
        if fc.empty:
            continue
        # table-shaped checks report each failing frame row once, with {column: value} of the marked cells
        for check, index, case in zip(fc["check"], fc["index"], fc["failure_case"], strict=True):
            i = int(index)
            report, row = int(frame["report"].iat[i]), str(frame["row"].iat[i])
            cols = case.keys() if isinstance(case, dict) else ()
            out += [Failure(check, report, ids[(table, row, c)]) for c in cols]
    return out


# -- failure cases → findings ------------------------------------------------------------------------
def findings_from_failures(grid: Grid, failures: Sequence[Failure], *, policy: str = "strict") -> dict[int, list[Finding]]:
    """Group failures by report and word them, reporting each root cause once (see module docstring)."""
    by_report: dict[int, list[Failure]] = defaultdict(list)
    for f in failures:
        by_report[f.report].append(f)
    return {r: _report_findings(grid, r, fs, policy) for r, fs in by_report.items()}


def _report_findings(grid: Grid, r: int, failures: list[Failure], policy: str) -> list[Finding]:
    keys = grid.keys.keys
    version, _ = variant(grid, r)
    blank_severity: Severity = "error" if policy == "strict" else "warning"
    out: list[Finding] = []

    broken: set[int] = set()  # missing or non-numeric: identities over them cannot be judged
    filled_in: dict[int, float] = {}  # blank cell → the value the other cells imply (reported as R-BLANK)
    idf: list[Failure] = []
    for f in failures:
        table, row, col = keys[f.key]
        w_zh, w_en = where_zh(table, row, col, version), where_en(table, row, col)
        if f.check == "R-CELLS-MISSING":
            broken.add(f.key)
            out.append(make_finding(f.check, version, table, row, col, None, None,
                                    f"{w_zh}缺失：{version} 格式的报告应有此单元格，请补填。",
                                    f"{w_en}: missing; the {version} template has this cell."))
        elif f.check == "R-CELLS-EXTRA":
            out.append(make_finding(f.check, version, table, row, col, None, grid.values[r, f.key],
                                    f"{w_zh}不属于 {version} 格式的表格，未参与校核（请确认表格格式与行列）。",
                                    f"{w_en}: not a cell of the {version} template; ignored."))
        elif f.check == "R-CELLS-DUPLICATE":
            n = int(grid.present[r, f.key])
            out.append(make_finding(f.check, version, table, row, col, None, None,
                                    f"{w_zh}出现了 {n} 次，只能有一个值。",
                                    f"{w_en}: given {n} times."))
        elif f.check == "R-TYPE":
            broken.add(f.key)
            bad = grid.bad_values.get((r, f.key))
            out.append(make_finding(f.check, version, table, row, col, None, str(bad),
                                    f"{w_zh}的值「{bad}」不是数字。", f"{w_en}: {bad!r} is not a number."))
        elif f.check == "R-NONNEG":
            v = grid.values[r, f.key]
            kind = voc.value_kind(table, col)
            need_zh = {"count": "不小于 0 的整数", "signed_count": "整数", "amount": "不小于 0 的金额"}[kind]
            need_en = {"count": "an integer ≥ 0", "signed_count": "an integer", "amount": "an amount ≥ 0"}[kind]
            rule = {"proactive": "R-T2-NONNEG", "requests": "R-T3-NONNEG", "appeals": "R-T4-NONNEG"}[table]
            out.append(make_finding(rule, version, table, row, col, None, v,
                                    f"{w_zh}为 {fmt(v)}，应为{need_zh}。", f"{w_en}: {fmt(v)}; must be {need_en}."))
        elif f.check == "R-BLANK":
            finding, filled_in[f.key] = total_blank_finding(grid, r, f.key, version, blank_severity)
            out.append(finding)
        else:
            idf.append(f)

    out += identity_findings(grid, r, idf, broken, filled_in, blank_severity)
    return out


# -- checks that need no pandera: ambiguity flags and the v2019 published ≤ total plausibility ------
def ambiguous_findings(grid: Grid) -> dict[int, list[Finding]]:
    """Cells the parser marked ambiguous: the clerk (or the ops team) must read them in the original."""
    out: dict[int, list[Finding]] = defaultdict(list)
    for r, k in zip(*np.nonzero(grid.ambiguous), strict=True):
        version, _ = variant(grid, int(r))
        t, row, col = grid.keys.keys[int(k)]
        v = grid.values[r, k]
        out[int(r)].append(make_finding(
            "R-AMBIGUOUS", version, t, row, col, None, v,
            f"{where_zh(t, row, col, version)}的数字在原文中可有多种读法（读作 {fmt(v)}），请核对原件。",
            f"{where_en(t, row, col)}: the text admits several readings (read as {fmt(v)}); check the original."))
    return out


def published_findings(grid: Grid) -> dict[int, list[Finding]]:
    """v2019 table 2: 本年新公开数量 ≤ 对外公开总数量 (rules, normative documents), vectorised over the batch."""
    out: dict[int, list[Finding]] = defaultdict(list)
    ids = grid.keys.ids
    vals = grid.filled()
    is_2019 = grid.variant == VARIANTS.index(("v2019", False))
    for row in ("rules", "normative_docs"):
        pub, tot = ids[("proactive", row, "new_published")], ids[("proactive", row, "total_published")]
        for r in np.nonzero(is_2019 & (vals[:, pub] > vals[:, tot]))[0]:
            p, t = vals[r, pub], vals[r, tot]
            out[int(r)].append(make_finding(
                "R-T2-PUBLISHED", "v2019", "proactive", row, "new_published", t, p,
                f"{where_zh('proactive', row, 'new_published', 'v2019')}为 {fmt(p)}，大于对外公开总数量 {fmt(t)}。",
                f"{where_en('proactive', row, 'new_published')}: {fmt(p)} newly published exceeds the total "
                f"published {fmt(t)}."))
    return out
