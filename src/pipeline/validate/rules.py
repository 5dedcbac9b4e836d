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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline import vocabulary as voc
from pipeline.model import PARSE_RULES
from pipeline.validate.findings import Finding, Severity, fmt, num
from pipeline.validate.frame import VARIANTS, Grid, appeals_frame, cells_frame, requests_frame
from schemas.cells import T3_PART_COLS, T3_RESULT_PARTS, AppealsFrame, CellsFrame, RequestsFrame

TABLE_ZH = {"proactive": "表二", "requests": "表三", "appeals": "表四"}
TABLE_EN = {"proactive": "table 2 (proactive disclosure)", "requests": "table 3 (requests)",
            "appeals": "table 4 (review and litigation)"}
TABLE_ORDER = {"proactive": 0, "requests": 1, "appeals": 2}

#: Every rule a finding can carry: severity, and what it means (for --help, docs and the ops team).
RULES: dict[str, tuple[Severity, str]] = {
    "R-CELLS-MISSING": ("error", "a cell of the detected template is missing from the report"),
    "R-CELLS-DUPLICATE": ("error", "a cell is given more than once"),
    "R-CELLS-EXTRA": ("warning", "a cell the detected template does not have"),
    "R-TYPE": ("error", "a value is not a number"),
    "R-T2-NONNEG": ("error", "table 2: counts are integers ≥ 0, amounts ≥ 0, 本年增/减 an integer"),
    "R-T3-NONNEG": ("error", "table 3: every cell is an integer ≥ 0"),
    "R-T4-NONNEG": ("error", "table 4: every cell is an integer ≥ 0"),
    "R-BLANK": ("error", "a blank cell the identities need (a blank 总计, or the one blank of a failing identity)"),
    "R-T3-ROW": ("error", "table 3: 总计 = 自然人 + the five 法人或其他组织 columns, every row"),
    "R-T3-SUM": ("error", "table 3: （七）总计 = the sum of the result rows (一)…(六), every column"),
    "R-T3-BAL": ("error", "table 3: 一 + 二 = （七）总计 + 四, every column"),
    "R-T4-SUM": ("error", "table 4: 总计 = 维持 + 纠正 + 其他 + 尚未审结, every row"),
    "R-AMBIGUOUS": ("warning", "the document admits more than one reading of a cell"),
    "R-T2-PUBLISHED": ("warning", "v2019 table 2: 本年新公开数量 ≤ 对外公开总数量"),
    "R-NARRATIVE": ("warning", "a figure stated in 一、总体情况 disagrees with table 3 or 4"),
    "R-T3-CARRY": ("warning", "table 3: 上年结转 = last year's 结转下年度, every column"),
    "R-T2-INFORCE": ("warning", "v2021 table 2: 现行有效 = last year's 现行有效 + 本年制发 − 本年废止"),
    "R-T2-ITEMS": ("warning", "v2019 table 2: 上一年项目数量 = last year's 上一年项目数量 + 本年增/减"),
    # the parser's notes (pipeline.model.PARSE_RULES), shown by validate.parse_notes
    **{rule: ("warning", text) for rule, text in PARSE_RULES.items()},
    # the submission itself (validate.submission): errors under strict, warnings under lenient
    "R-SUBMIT-AGENCY": ("error", "the agency the report names (title, signature) is not the registered agency"),
    "R-SUBMIT-YEAR": ("error", "the report's year is not the year of the run"),
    "R-SUBMIT-EMPTY": ("error", "the report is empty: every cell blank or not printed (an untouched template)"),
}

_IDENTITIES = ("R-T3-ROW", "R-T3-SUM", "R-T3-BAL", "R-T4-SUM")
_CELL_CHECKS = ("R-CELLS-MISSING", "R-CELLS-EXTRA", "R-CELLS-DUPLICATE", "R-TYPE", "R-NONNEG", "R-BLANK")
_BAL_ROWS = ("new_received", "carried_over", "total", "carry_forward")


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
        unknown = fc[~fc["check"].isin((*_CELL_CHECKS, *_IDENTITIES))]
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
    for model, frame, table in ((RequestsFrame, requests_frame(grid), "requests"),
                                (AppealsFrame, appeals_frame(grid), "appeals")):
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


# -- identities as linear forms ----------------------------------------------------------------------
def _version(grid: Grid, report: int) -> tuple[str, bool]:
    return VARIANTS[int(grid.variant[report])]


def identity_terms(grid: Grid, report: int, rule: str, key: tuple[str, str, str]) -> list[tuple[int, float]]:
    """The identity ``rule`` anchored at cell ``key`` as Σ coef·cell = 0: [(key id, coef)], anchor first."""
    ids = grid.keys.ids
    _table, row, col = key
    version, single = _version(grid, report)
    if rule == "R-T3-ROW":
        return [(ids[key], 1.0)] + [(ids[("requests", row, c)], -1.0) for c in T3_PART_COLS]
    if rule == "R-T3-SUM":
        parts = [r for r in voc.rows("requests", version, single_other=single) if r in T3_RESULT_PARTS]
        return [(ids[("requests", "total", col)], 1.0)] + [(ids[("requests", r, col)], -1.0) for r in parts]
    if rule == "R-T3-BAL":
        return [(ids[("requests", r, col)], c) for r, c in zip(_BAL_ROWS, (1.0, 1.0, -1.0, -1.0), strict=True)]
    if rule == "R-T4-SUM":
        return [(ids[("appeals", row, "total")], 1.0)] + [(ids[("appeals", row, c)], -1.0) for c in voc.T4_PARTS]
    raise KeyError(rule)


# -- wording -----------------------------------------------------------------------------------------
def _label(table: str | None, axis: str, code: str | None, version: str) -> str | None:
    if not table or not code:
        return None
    try:
        return voc.label(table, axis, code, version)
    except KeyError:  # a code no template has (an unexpected cell): no label to show
        return None


def _labels(table: str | None, row: str | None, col: str | None, version: str) -> tuple[str | None, str | None]:
    return _label(table, "row", row, version), _label(table, "col", col, version)


def where_zh(table: str | None, row: str | None, col: str | None, version: str) -> str:
    """Where a cell is, as a clerk reads it: 表三「一、本年新收政府信息公开申请数量」行「总计」列."""
    rl, cl = _labels(table, row, col, version)
    parts = [TABLE_ZH.get(table or "", f"表 {table}")]
    if row:
        parts.append(f"「{rl or row}」行")
    if col:
        parts.append(f"「{cl or col}」列")
    return "".join(parts)


def where_en(table: str | None, row: str | None, col: str | None) -> str:
    s = TABLE_EN.get(table or "", f"table {table}")
    if row:
        s += f", row {row}"
    if col:
        s += f", column {col}"
    return s


def make_finding(rule: str, version: str, table: str | None, row: str | None, col: str | None,
                 expected: object, actual: object, zh: str, en: str, *, severity: Severity | None = None) -> Finding:
    rl, cl = _labels(table, row, col, version)
    return Finding(rule, severity or RULES[rule][0], table, row, rl, col, cl, _clean(expected), _clean(actual), zh, en)


def _clean(v: object) -> object:
    if isinstance(v, np.generic):
        v = v.item()
    return num(v) if isinstance(v, float | int) and not isinstance(v, bool) else v


# -- failure cases → findings ------------------------------------------------------------------------
def findings_from_failures(grid: Grid, failures: Sequence[Failure], *, policy: str = "strict") -> dict[int, list[Finding]]:
    """Group failures by report and word them, reporting each root cause once (see module docstring)."""
    by_report: dict[int, list[Failure]] = defaultdict(list)
    for f in failures:
        by_report[f.report].append(f)
    return {r: _report_findings(grid, r, fs, policy) for r, fs in by_report.items()}


def _report_findings(grid: Grid, r: int, failures: list[Failure], policy: str) -> list[Finding]:
    keys = grid.keys.keys
    version, _ = _version(grid, r)
    vals = grid.filled()[r]
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
            rule = "R-T3-ROW" if table == "requests" else "R-T4-SUM"
            implied = -sum(c * vals[k] for k, c in identity_terms(grid, r, rule, keys[f.key])[1:])
            filled_in[f.key] = implied
            out.append(make_finding("R-BLANK", version, table, row, col, implied, None,
                                    f"{w_zh}为空白，请填写；按同行各栏推算应为 {fmt(implied)}。",
                                    f"{w_en}: blank; fill it in — the other cells of the row imply {fmt(implied)}.",
                                    severity=blank_severity))
        else:
            idf.append(f)

    # identities: first the blanks that explain a failure (a blank total of the identity, else its only
    # blank) get the value the identity implies; then every failure is judged again with those values
    judged = []
    for f in idf:
        terms = identity_terms(grid, r, f.check, keys[f.key])
        if broken & {k for k, _ in terms}:
            continue  # a missing or unreadable cell is the root cause, already reported
        judged.append((f, terms))
        blanks = [(k, c) for k, c in terms if grid.blank[r, k] and k not in filled_in]
        anchor_blank = f.check != "R-T3-BAL" and grid.blank[r, terms[0][0]]
        target = terms[0] if anchor_blank else (blanks[0] if len(blanks) == 1 else None)
        if target is None or target[0] in filled_in:
            continue
        bk, bc = target
        rest = sum(c * filled_in.get(k, vals[k]) for k, c in terms if k != bk)
        implied = -rest / bc
        if implied >= 0 and abs(implied - round(implied)) <= 1e-9:
            filled_in[bk] = implied
            bt, br, bcol = keys[bk]
            w_zh, w_en = where_zh(bt, br, bcol, version), where_en(bt, br, bcol)
            out.append(make_finding(
                "R-BLANK", version, bt, br, bcol, implied, None,
                f"{w_zh}为空白，按 0 计时{_IDENTITY_ZH[f.check]}不成立；请填写，按其他单元格推算应为 {fmt(implied)}。",
                f"{w_en}: blank; counted as 0 it breaks {f.check} — fill it in, the other cells imply {fmt(implied)}.",
                severity=blank_severity))

    def holds(terms: list[tuple[int, float]]) -> bool:
        return abs(sum(c * filled_in.get(k, vals[k]) for k, c in terms)) <= 1e-6

    still = [(f, terms) for f, terms in judged if not holds(terms)]
    failing = {(f.check, keys[f.key]) for f, _ in still}
    row_fail_rows = {k[1] for c, k in failing if c == "R-T3-ROW"}
    for f, terms in still:
        _, _, col = keys[f.key]
        # R-T3-BAL / R-T3-SUM on 总计 follow from the other columns plus R-T3-ROW (§6.2 "Redundancy")
        if f.check == "R-T3-BAL" and col == "total" and (
            any(c == "R-T3-BAL" and k[2] != "total" for c, k in failing) or row_fail_rows & set(_BAL_ROWS)
        ):
            continue
        if f.check == "R-T3-SUM" and col == "total" and (
            any(c == "R-T3-SUM" and k[2] != "total" for c, k in failing) or row_fail_rows & {keys[k][1] for k, _ in terms}
        ):
            continue
        shown = {k: filled_in.get(k, vals[k]) for k, _ in terms}
        with_blanks = any(grid.blank[r, k] and k not in filled_in for k, _ in terms)
        out.append(_identity_finding(grid, r, f.check, keys[f.key], terms, shown, version, with_blanks))
    return out


_IDENTITY_ZH = {
    "R-T3-ROW": "「总计 = 自然人 + 各类法人或其他组织」",
    "R-T3-SUM": "「（七）总计 = （一）至（六）各项之和」",
    "R-T3-BAL": "「第一项 + 第二项 = 第三项（七）总计 + 第四项」",
    "R-T4-SUM": "「总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结」",
}


def _identity_finding(grid: Grid, r: int, rule: str, key: tuple[str, str, str], terms: list[tuple[int, float]],
                      vals: dict[int, float], version: str, with_blanks: bool) -> Finding:
    """The failure of one identity, worded with its numbers (``vals``: each term's value, blanks as read)."""
    table, row, col = key
    note_zh = "（空白单元格按 0 计）" if with_blanks else ""
    note_en = " (blank cells counted as 0)" if with_blanks else ""
    if rule == "R-T3-BAL":
        new, carried, total, forward = (vals[k] for k, _ in terms)
        cl = voc.label("requests", "col", col, version)
        return make_finding(
            rule, version, "requests", None, col, total + forward, new + carried,
            f"表三「{cl}」列不平衡：第一项本年新收 {fmt(new)} + 第二项上年结转 {fmt(carried)} = {fmt(new + carried)}，"
            f"但第三项（七）总计 {fmt(total)} + 第四项结转下年度 {fmt(forward)} = {fmt(total + forward)}；"
            f"请核对这四个数{note_zh}。",
            f"table 3, column {col}: new {fmt(new)} + carried over {fmt(carried)} = {fmt(new + carried)}, but "
            f"concluded {fmt(total)} + carried forward {fmt(forward)} = {fmt(total + forward)}{note_en}.",
        )
    actual = vals[terms[0][0]]
    expected = -sum(c * vals[k] for k, c in terms[1:])
    w_zh, w_en = where_zh(table, row, col, version), where_en(table, row, col)
    if rule == "R-T3-ROW":
        zh = f"{w_zh}为 {fmt(actual)}，但自然人与各类法人或其他组织之和为 {fmt(expected)}{note_zh}。"
        en = f"{w_en}: {fmt(actual)} printed, the applicant columns add up to {fmt(expected)}{note_en}."
    elif rule == "R-T3-SUM":
        zh = f"{w_zh}为 {fmt(actual)}，但（一）至（六）各项办理结果之和为 {fmt(expected)}{note_zh}。"
        en = f"{w_en}: {fmt(actual)} printed, the result rows add up to {fmt(expected)}{note_en}."
    else:
        zh = f"{w_zh}为 {fmt(actual)}，但结果维持、结果纠正、其他结果、尚未审结之和为 {fmt(expected)}{note_zh}。"
        en = f"{w_en}: {fmt(actual)} printed, upheld + corrected + other + pending = {fmt(expected)}{note_en}."
    return make_finding(rule, version, table, row, col, expected, actual, zh, en)


# -- checks that need no pandera: ambiguity flags and the v2019 published ≤ total plausibility ------
def ambiguous_findings(grid: Grid) -> dict[int, list[Finding]]:
    """Cells the parser marked ambiguous: the clerk (or the ops team) must read them in the original."""
    out: dict[int, list[Finding]] = defaultdict(list)
    for r, k in zip(*np.nonzero(grid.ambiguous), strict=True):
        version, _ = _version(grid, int(r))
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
