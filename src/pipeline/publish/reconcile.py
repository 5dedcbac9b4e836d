"""Hold a district's own published consolidated report against the sum of its members in the warehouse.

The district's (or city's) report is read by the same parser as any submission. Every cell it prints is
compared with the consolidated sum of the district's loaded members (:mod:`pipeline.publish.figures`):
equal when both are the same number (a blank counts as 0 on either side, as the template's identities
do, template.md §8.4). For each differing cell the members behind the difference are named, strongest
evidence first:

1. ``finding``   — an error finding of the member's loaded version names the cell, its row or its column
   (e.g. a printing error the district left out when it added up);
2. ``ambiguous`` / ``corrected`` — the member's figure was an ambiguous reading or derived by the parser;
   ``revised`` — the member's active version changed the cell against its previous version;
3. ``left_out``  — the member's own figure equals the difference (the district left it out);
4. ``same_row`` / ``same_col`` — the member explains another difference in the same row or column
   (a figure the district moved from one column to another, e.g. a pending case counted as closed);
5. ``contributor`` — otherwise, every member with a non-zero figure in the cell.

Which tables: by default tables 三 and 四 (:data:`DEFAULT_TABLES`). Each application and each appeal is
handled by exactly one agency, so a district's tables 三 and 四 are by definition the sums of its members'. Table 二
is not: a document issued jointly by several departments is counted by each of them, and the district's stock of
documents in force (现行有效件数) includes the district government's own, so a district's table 二 may differ from
its members' sum without any error. Its differences are still counted (``not_compared``) so the caller can say
how many there are, and ``tables=voc.TABLES`` compares it cell by cell like the others.

Shapes: :func:`reconcile` returns :class:`Reconciliation` (``equal`` keys, ``differing`` :class:`CellDiff`
with values and explanations, ``only_in_report`` keys the warehouse has no figure for, ``not_compared``
{table: differing cells} of the tables left out).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, text

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.publish.figures import DistrictFigures, district_figures
from pipeline.publish.tables import fmt
from pipeline.registry import District

Key = tuple[str, str, str]
#: The tables compared unless the caller asks for others (module docstring: why not table 二).
DEFAULT_TABLES: tuple[str, ...] = ("requests", "appeals")
TABLE_ZH = {"proactive": "表二", "requests": "表三", "appeals": "表四"}
KIND_ZH = {"finding": "校验问题", "ambiguous": "读数存疑", "corrected": "解析推算", "revised": "更正版本",
           "left_out": "区报告未计入", "same_row": "同行差异", "same_col": "同列差异", "contributor": "填报该格"}


@dataclass(slots=True)
class Explanation:
    agency_id: str
    agency_name: str
    kind: str
    detail: str


@dataclass(slots=True)
class CellDiff:
    """One cell where the district's report and the members' sum differ (``difference`` = reported − summed)."""

    key: Key
    label: str
    reported: float | None
    summed: float | None
    explanations: list[Explanation] = field(default_factory=list)

    @property
    def difference(self) -> float:
        return (self.reported or 0) - (self.summed or 0)

    def members(self) -> list[str]:
        return sorted({e.agency_name for e in self.explanations})


@dataclass(slots=True)
class Reconciliation:
    district: str
    year: int
    template: str
    agencies_loaded: int
    equal: list[Key]
    differing: list[CellDiff]
    only_in_report: list[Key]
    tables: tuple[str, ...] = DEFAULT_TABLES
    not_compared: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differing

    def to_dict(self) -> dict:
        return {
            "district": self.district, "year": self.year, "template": self.template,
            "agencies_loaded": self.agencies_loaded, "tables": list(self.tables), "equal": len(self.equal),
            "only_in_report": ["/".join(k) for k in self.only_in_report],
            "differing": [{"cell": "/".join(d.key), "label": d.label, "reported": d.reported, "summed": d.summed,
                           "difference": d.difference,
                           "explanations": [{"agency_id": e.agency_id, "agency_name": e.agency_name, "kind": e.kind,
                                             "detail": e.detail} for e in d.explanations]} for d in self.differing],
            "not_compared": dict(self.not_compared),
        }


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def reconcile(engine: Engine, district: District, year: int, report: ParsedReport,
              tables: Collection[str] = DEFAULT_TABLES) -> Reconciliation:
    """Compare ``report`` (the district's own, parsed) with the warehouse in ``tables`` (module docstring).

    Cells of the other tables are not compared; how many of them differ is ``not_compared``.
    """
    unknown = set(tables) - set(voc.TABLES)
    if unknown or not tables:
        raise ValueError(f"unknown table code {', '.join(sorted(unknown))}; use {', '.join(voc.TABLES)}")
    fig = district_figures(engine, district, year)
    summed = {(t, r, c): (_num(v), n) for t, r, c, v, n in
              zip(fig.table["table"], fig.table["row"], fig.table["col"], fig.table["value"], fig.table["agencies"], strict=True)}
    equal, differing, only = [], [], []
    not_compared: dict[str, int] = {}
    for cell in report.cells:
        key = cell.key
        mine = summed.get(key, (None, 0))[0]
        same = abs((_num(cell.value) or 0) - (mine or 0)) < 1e-6
        if cell.table not in tables:
            if not same or (key not in summed and cell.value is not None):
                not_compared[cell.table] = not_compared.get(cell.table, 0) + 1
            continue
        if key not in summed:
            (only if cell.value is not None else equal).append(key)
        elif same:
            equal.append(key)
        else:
            differing.append(CellDiff(key, voc.cell_label(*key, report.template), _num(cell.value), mine))
    _explain(differing, fig, engine)
    order = [t for t in voc.TABLES if t in tables]
    return Reconciliation(district.code, year, report.template, len(fig.members.by_status("loaded")), equal, differing,
                          only, tuple(order), not_compared)


def _explain(diffs: list[CellDiff], fig: DistrictFigures, engine: Engine) -> None:
    names = fig.members.names
    cells = fig.members.cells
    member_value = {(a, t, r, c): _num(v) for a, t, r, c, v in
                    zip(cells["agency_id"], cells["table"], cells["row"], cells["col"], cells["value"], strict=True)}
    flagged = {}
    for a in fig.annex.itertuples():
        if a.kind != "finding":
            flagged.setdefault((a.table, a.row, a.col), []).append(Explanation(a.agency_id, a.agency_name, a.kind, a.detail))
    findings = fig.members.findings
    errors = findings[findings["severity"] == "error"] if not findings.empty else findings
    revised = _revisions(engine, fig)
    suspects: dict[str, set[str]] = {}  # table → members with an error finding in it
    for f in errors.itertuples():
        suspects.setdefault(f.table, set()).add(f.agency_id)
    for d in diffs:
        t, r, c = d.key
        for f in errors.itertuples():
            if f.table == t and (f.row in (r, None)) and (f.col in (c, None)) and (f.row or f.col):
                d.explanations.append(Explanation(f.agency_id, names.get(f.agency_id, f.agency_id), "finding",
                                                  f"{f.rule}: {f.message_zh}"))
        d.explanations += flagged.get(d.key, [])
        d.explanations += [Explanation(a, names.get(a, a), "revised", msg) for a, msg in revised.get(d.key, [])]
        named = {e.agency_id for e in d.explanations}
        d.explanations += [e for e in _left_out(d, member_value, suspects.get(t, set()), names, exact_group=bool(named))
                           if e.agency_id not in named]
    for d in diffs:  # second pass: differences that move a figure within a row or a column
        if d.explanations:
            continue
        for other in diffs:
            if other is d or not other.explanations:
                continue
            same = "same_row" if other.key[:2] == d.key[:2] else "same_col" if (other.key[0], other.key[2]) == (d.key[0], d.key[2]) else None
            if same:
                for e in other.explanations:
                    if suspects.get(d.key[0]) and e.agency_id not in suspects[d.key[0]]:
                        continue  # members with printing errors in this table explain it first
                    if e.kind != same and all(x.agency_id != e.agency_id for x in d.explanations):
                        d.explanations.append(Explanation(e.agency_id, e.agency_name, same,
                                                          f"与「{other.label}」的差异同源 / same source as the difference in {'/'.join(other.key)}"))
    for d in diffs:
        if not d.explanations:
            for (a, tt, rr, cc), v in member_value.items():
                if (tt, rr, cc) == d.key and v:
                    d.explanations.append(Explanation(a, names.get(a, a), "contributor", f"本机关该格 {fmt(d.key[0], d.key[2], v)}"))


def _left_out(d: CellDiff, member_value: dict, suspects: set[str], names: dict[str, str], *,
              exact_group: bool = False) -> list[Explanation]:
    """Members whose own figures make up the difference (the district left them out).

    First the members with printing errors in the table, together, when their figures add up to the
    difference; else (unless ``exact_group``) any single member whose figure equals it.
    """
    t, _r, c = d.key
    mine = {a: v for (a, tt, rr, cc), v in member_value.items() if (tt, rr, cc) == d.key and v}
    group = {a: v for a, v in mine.items() if a in suspects}
    if not (group and abs(sum(group.values()) + d.difference) < 1e-6):
        if exact_group:
            return []
        group = {a: v for a, v in mine.items() if abs(v + d.difference) < 1e-6}
        preferred = {a: v for a, v in group.items() if a in suspects}
        group = preferred or group
    return [Explanation(a, names.get(a, a), "left_out",
                        f"本机关该格 {fmt(t, c, v)} 未计入区报告 / the district left out this member's {fmt(t, c, v)}")
            for a, v in sorted(group.items())]


_PREVIOUS = text(
    "SELECT r.agency_id, r.version, f.table_code, f.row_code, f.col_code, f.value FROM fact_cells f "
    "JOIN reports r ON r.id = f.report_id JOIN agencies a ON a.id = r.agency_id "
    "WHERE a.district_code = :d AND r.year = :y AND NOT r.is_active")


def _revisions(engine: Engine, fig: DistrictFigures) -> dict[Key, list[tuple[str, str]]]:
    """Cells a loaded member changed in its active version against the version before it."""
    active = {m.agency_id: m.version for m in fig.members.by_status("loaded") if m.version and m.version > 1}
    if not active:
        return {}
    with engine.connect() as conn:
        prev = pd.DataFrame(conn.execute(_PREVIOUS, {"d": fig.district.code, "y": fig.year}).all(),
                            columns=["agency_id", "version", "table", "row", "col", "value"])
    prev = prev[[active.get(a) == v + 1 for a, v in zip(prev["agency_id"], prev["version"], strict=True)]]
    cells = fig.members.cells
    now = {(a, t, r, c): _num(v) for a, t, r, c, v in
           zip(cells["agency_id"], cells["table"], cells["row"], cells["col"], cells["value"], strict=True)}
    out: dict[Key, list[tuple[str, str]]] = {}
    for p in prev.itertuples():
        before, after = _num(p.value), now.get((p.agency_id, p.table, p.row, p.col))
        if (before or 0) != (after or 0):
            out.setdefault((p.table, p.row, p.col), []).append(
                (p.agency_id, f"第{p.version}版 {fmt(p.table, p.col, before) or '空白'} → 第{p.version + 1}版 "
                              f"{fmt(p.table, p.col, after) or '空白'} / revised in version {p.version + 1}"))
    return out
