"""The words of findings: the rule catalogue, where a cell is (as a clerk reads it), one finding made.

Shared by every module that reports findings (rules, identities, cross-year, narrative, parse notes,
the submission checks).
"""

from __future__ import annotations

import numpy as np

from pipeline import vocabulary as voc
from pipeline.model import PARSE_RULES
from pipeline.validate.findings import Finding, Severity, num

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
    # the declared identities (data/identities.toml): errors within a report, warnings across years
    **{rule: ("error", voc.description(rule)) for rule in voc.identity_rules()},
    **{rule: ("warning", voc.description(rule)) for rule in voc.identity_rules("cross_year")},
    "R-AMBIGUOUS": ("warning", "the document admits more than one reading of a cell"),
    "R-T2-PUBLISHED": ("warning", "v2019 table 2: 本年新公开数量 ≤ 对外公开总数量"),
    "R-NARRATIVE": ("warning", "a figure stated in 一、总体情况 disagrees with table 3 or 4"),
    # the parser's notes (pipeline.model.PARSE_RULES), shown by validate.parse_notes
    **{rule: ("warning", text) for rule, text in PARSE_RULES.items()},
    # the submission itself (validate.submission): errors under strict, warnings under lenient
    "R-SUBMIT-AGENCY": ("error", "the agency the report names (title, signature) is not the registered agency"),
    "R-SUBMIT-YEAR": ("error", "the report's year is not the year of the run"),
    "R-SUBMIT-EMPTY": ("error", "the report is empty: every cell blank or not printed (an untouched template)"),
    "R-SUBMIT-TABLE": ("error", "a table of the template is not in the report (left out, or no row of it readable)"),
}


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
