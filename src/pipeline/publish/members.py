"""What a district-year's consolidation is made of, read from the warehouse: members, their cells, findings.

Coverage is decided per registered agency from the run ledger and the active report versions:

* ``loaded``    — the agency has an active report version for the year (its cells are summed);
  ``older_version`` is True when its newest submission failed (or was absent) in the latest run that
  saw it, so an earlier loaded version is what the figures use;
* ``failed``    — its newest submission failed and no version was ever loaded (reason from the ledger);
* ``missing``   — no submission, no version: never counted as zero;
* ``withdrawn`` — the agency is in the warehouse for this district but the registry no longer lists it,
  or its report for the year was withdrawn (``pipeline withdraw``) and nothing newer is active; its
  reports stay queryable but are not part of the district's figures.

Shapes: :func:`read_members` returns a :class:`Members` with ``cells`` (one row per printed cell of an
included member's active version: agency_id, report_id, table, row, col, value float|NaN, raw, blank,
ambiguous, derived) and ``findings`` (agency_id, rule, severity, table, row, col, message_zh, message_en).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from operator import itemgetter

import pandas as pd
from sqlalchemy import Engine, bindparam, text

from pipeline.registry import District
from pipeline.warehouse.engine import driver_rows

LOADED, FAILED, MISSING, WITHDRAWN = "loaded", "failed", "missing", "withdrawn"
COVERAGE_STATUSES: tuple[str, ...] = (LOADED, FAILED, MISSING, WITHDRAWN)

CELL_COLUMNS = ["agency_id", "report_id", "table", "row", "col", "value", "raw", "blank", "ambiguous", "derived"]
FINDING_COLUMNS = ["agency_id", "rule", "severity", "table", "row", "col", "message_zh", "message_en"]
CORRECTION_COLUMNS = ["agency_id", "table", "row", "col", "printed_value", "printed_raw", "printed_status",
                      "corrected_value", "kind", "reason", "author"]


@dataclass(slots=True)
class Member:
    """One agency's place in the district-year's figures (see the module docstring for ``status``)."""

    agency_id: str
    name: str
    kind: str
    status: str
    reason: str = ""
    report_id: int | None = None
    version: int | None = None
    template_version: str | None = None
    source_name: str | None = None
    loaded_at: dt.datetime | None = None
    older_version: bool = False
    newest_status: str | None = None  # the latest ledger status (loaded/unchanged/failed/missing) or None
    registered: bool = True  # listed in the registry (False: withdrawn from the registry)

    @property
    def included(self) -> bool:
        return self.status == LOADED


@dataclass
class Members:
    """Members of a district-year, their active cells and the findings of those versions.

    The rows are kept as read (``cell_rows``: tuples in :data:`CELL_COLUMNS` order, value a float or NaN, raw a
    string, blank/ambiguous/derived bools; ``finding_rows``; ``correction_rows``): publishing computes from them
    in plain Python. ``cells``, ``findings`` and ``corrections`` are the same as DataFrames, built on first use.
    """

    district: District
    year: int
    members: list[Member]
    cell_rows: list[tuple] = field(default_factory=list, repr=False)
    finding_rows: list[tuple] = field(default_factory=list, repr=False)
    #: corrected cells of the included versions (pipeline.ops.corrections): CORRECTION_COLUMNS
    correction_rows: list[tuple] = field(default_factory=list, repr=False)

    @cached_property
    def cells(self) -> pd.DataFrame:
        cells = pd.DataFrame(self.cell_rows, columns=CELL_COLUMNS)
        cells["value"] = cells["value"].astype("float64")
        for k in ("blank", "ambiguous", "derived"):
            cells[k] = cells[k].astype(bool)
        return cells

    @cached_property
    def findings(self) -> pd.DataFrame:
        findings = pd.DataFrame(self.finding_rows, columns=FINDING_COLUMNS)
        return findings.astype(object).where(findings.notna(), None)

    @cached_property
    def corrections(self) -> pd.DataFrame:
        return pd.DataFrame(self.correction_rows, columns=CORRECTION_COLUMNS)

    def by_status(self, status: str) -> list[Member]:
        return [m for m in self.members if m.status == status]

    @property
    def names(self) -> dict[str, str]:
        return {m.agency_id: m.name for m in self.members}

    def counts(self) -> dict[str, int]:
        """{registered, loaded, failed, missing, withdrawn, older_version} as integers."""
        out = {s: len(self.by_status(s)) for s in COVERAGE_STATUSES}
        out["registered"] = sum(1 for m in self.members if m.registered)
        out["older_version"] = sum(1 for m in self.members if m.older_version)
        return out


_IN = "a.district_code IN :ds"
_AGENCIES = text(f"SELECT a.district_code, a.id, a.name, a.kind, a.registered FROM agencies a WHERE {_IN} ORDER BY a.id")
_ACTIVE = text(
    "SELECT a.district_code, r.agency_id, r.id, r.version, r.template_version, r.source_name, r.loaded_at FROM reports r "
    f"JOIN agencies a ON a.id = r.agency_id WHERE {_IN} AND r.year = :y AND r.is_active")
_LATEST = text(
    "SELECT a.district_code, ra.agency_id, ra.status, ra.reason, ru.started_at, ra.recorded_at FROM run_agencies ra "
    "JOIN runs ru ON ru.id = ra.run_id JOIN agencies a ON a.id = ra.agency_id "
    f"WHERE {_IN} AND ra.year = :y ORDER BY ru.started_at, ra.recorded_at")
_CELLS = text(
    "SELECT a.district_code, r.agency_id, f.report_id, f.table_code, f.row_code, f.col_code, f.value, f.raw, f.blank, "
    "f.ambiguous, f.seq FROM fact_cells f JOIN reports r ON r.id = f.report_id JOIN agencies a ON a.id = r.agency_id "
    f"WHERE {_IN} AND r.year = :y AND r.is_active AND a.registered")  # sorted in Python (agency_id, seq): no sort in SQL
_FINDINGS = text(
    "SELECT a.district_code, fi.agency_id, fi.rule, fi.severity, fi.table_code, fi.row_code, fi.col_code, fi.message_zh, "
    "fi.message_en FROM findings fi JOIN reports r ON r.id = fi.report_id JOIN agencies a ON a.id = r.agency_id "
    f"WHERE {_IN} AND r.year = :y AND r.is_active AND a.registered ORDER BY fi.agency_id, fi.seq")
_WITHDRAWALS = text(
    "SELECT a.district_code, w.agency_id, w.version, w.reason, w.author FROM withdrawals w "
    f"JOIN agencies a ON a.id = w.agency_id WHERE {_IN} AND w.year = :y ORDER BY w.id")
_CORRECTIONS = text(
    "SELECT a.district_code, c.agency_id, c.table_code, c.row_code, c.col_code, c.printed_value, c.printed_raw, "
    "c.printed_status, c.corrected_value, c.kind, c.reason, c.author FROM cell_corrections c "
    f"JOIN reports r ON r.id = c.report_id JOIN agencies a ON a.id = r.agency_id WHERE {_IN} AND r.year = :y "
    "AND r.is_active AND a.registered ORDER BY c.agency_id, c.id")
_QUERIES = {"agencies": _AGENCIES, "active": _ACTIVE, "latest": _LATEST, "cells": _CELLS, "findings": _FINDINGS,
            "withdrawn": _WITHDRAWALS, "corrections": _CORRECTIONS}
_QUERIES = {k: q.bindparams(bindparam("ds", expanding=True)) for k, q in _QUERIES.items()}


def read_members(engine: Engine, district: District, year: int) -> Members:
    """Coverage, active cells and findings of ``district`` in ``year``.

    Agencies of the registry that the warehouse does not know yet (never synced) count as missing.
    """
    return read_members_many(engine, [district], year)[district.code]


def read_members_many(engine: Engine, districts: Sequence[District], year: int) -> dict[str, Members]:
    """:func:`read_members` of several districts, each query run once for all of them: {district code: Members}.

    The rows of every query come back with their district code and are split per district in order, so each
    district's :class:`Members` is exactly what :func:`read_members` returns for it alone.
    """
    codes = list(dict.fromkeys(d.code for d in districts))
    if not codes:
        return {}
    p = {"ds": codes, "y": year}
    grouped: dict[str, dict[str, list]] = {c: {k: [] for k in _QUERIES} for c in codes}
    with engine.connect() as conn:
        for name, q in _QUERIES.items():
            if name == "cells":  # ≈ 200 a member: the driver's tuples, ordered and split per district in C
                for code, run in _by_district(driver_rows(conn, q, p)):
                    grouped[code][name].extend(run)
                continue
            for row in conn.execute(q, p).all():  # fetched at once: far cheaper than row by row
                grouped[row[0]][name].append(row)
    return {d.code: _members(d, year, grouped[d.code]) for d in districts}


def _by_district(rows: list[tuple]) -> Iterator[tuple[str, Iterator[tuple]]]:
    """Cell rows (district code first, agency_id second, seq last) in ORDER BY district, agency_id, seq, grouped
    by district: three stable sorts on one item each, cheaper than one on a tuple (no ORDER BY in the SQL)."""
    rows.sort(key=_SEQ)
    rows.sort(key=_AGENCY)
    rows.sort(key=_DISTRICT)
    return groupby(rows, _DISTRICT)


def _members(district: District, year: int, rows: dict[str, list]) -> Members:
    agencies = {r.id: r for r in rows["agencies"]}
    active = {r.agency_id: r for r in rows["active"]}
    latest = {r.agency_id: r for r in rows["latest"]}  # ordered: the last row per agency wins
    cells = _cells(rows["cells"])  # in ORDER BY agency_id, seq (_by_district)
    findings = [tuple(r[1:]) for r in rows["findings"]]
    withdrawn = {r.agency_id: r for r in rows["withdrawn"]}  # the last withdrawal per agency
    corrections = [tuple(r[1:]) for r in rows["corrections"]]
    members: list[Member] = []
    listed = {a.id for a in district.agencies}
    for a in district.agencies:
        m = _member(a.id, a.name, a.kind, active.get(a.id), latest.get(a.id))
        w = withdrawn.get(a.id)
        if w is not None and a.id not in active:  # pipeline withdraw: out of the figures, kept in history
            m.status, m.version = WITHDRAWN, w.version
            m.reason = f"第{w.version}版已撤回：{w.reason}（{w.author}） / version {w.version} withdrawn: {w.reason} ({w.author})"
        members.append(m)
    for aid, row in agencies.items():
        if aid not in listed:
            m = _member(aid, row.name, row.kind, active.get(aid), latest.get(aid))
            m.status, m.older_version, m.registered = WITHDRAWN, False, False
            m.reason = "no longer in the registry / 已不在登记名单" + (f"; version {m.version} not counted / 第{m.version}版未计入"
                                                                  if m.version else "")
            members.append(m)
    return Members(district, year, members, cells, findings, corrections)


_NAN = float("nan")
_DISTRICT, _AGENCY, _SEQ = itemgetter(0), itemgetter(1), itemgetter(10)


def _cells(rows: list) -> list[tuple]:
    """Cell rows as read (district code first, seq last) → CELL_COLUMNS: value float or NaN, raw "", bools, derived."""
    out = []
    append = out.append
    for _, aid, rid, t, row, col, value, raw, blank, ambiguous, _ in rows:
        if value.__class__ is not float:
            value = _value(value)
        raw = raw or ""
        blank = bool(blank)
        append((aid, rid, t, row, col, value, raw, blank, bool(ambiguous), (not blank) and raw == ""))
    return out


def _value(value) -> float:
    """A stored value (None, Decimal, int, text) as a float, NaN where there is none."""
    try:
        return _NAN if value is None else float(value)
    except (TypeError, ValueError):
        return _NAN


def _member(aid: str, name: str, kind: str, active, latest) -> Member:
    newest = latest.status if latest is not None else None
    if active is not None:
        older = newest in (FAILED, MISSING)
        reason = (f"newest submission {newest}: {latest.reason} — version {active.version} used / "
                  f"最新提交{_ZH[newest]}，采用第{active.version}版") if older else ""
        return Member(aid, name, kind, LOADED, reason, active.id, active.version, active.template_version,
                      active.source_name, active.loaded_at, older, newest)
    if newest == FAILED:
        return Member(aid, name, kind, FAILED, latest.reason, newest_status=newest)
    reason = latest.reason if latest is not None else "never submitted / 未报送"
    return Member(aid, name, kind, MISSING, reason, newest_status=newest)


_ZH = {FAILED: "未通过", MISSING: "缺报"}
