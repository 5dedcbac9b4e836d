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
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, bindparam, text

from pipeline.registry import District

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


@dataclass(slots=True)
class Members:
    """Members of a district-year, their active cells and the findings of those versions."""

    district: District
    year: int
    members: list[Member]
    cells: pd.DataFrame = field(repr=False)
    findings: pd.DataFrame = field(repr=False)
    #: corrected cells of the included versions (pipeline.ops.corrections): CORRECTION_COLUMNS
    corrections: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CORRECTION_COLUMNS), repr=False)

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
    "f.ambiguous FROM fact_cells f JOIN reports r ON r.id = f.report_id JOIN agencies a ON a.id = r.agency_id "
    f"WHERE {_IN} AND r.year = :y AND r.is_active AND a.registered ORDER BY r.agency_id, f.seq")
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
            for row in conn.execute(q, p):
                grouped[row[0]][name].append(row)
    return {d.code: _members(d, year, grouped[d.code]) for d in districts}


def _members(district: District, year: int, rows: dict[str, list]) -> Members:
    agencies = {r.id: r for r in rows["agencies"]}
    active = {r.agency_id: r for r in rows["active"]}
    latest = {r.agency_id: r for r in rows["latest"]}  # ordered: the last row per agency wins
    cells = pd.DataFrame([r[1:] for r in rows["cells"]], columns=CELL_COLUMNS[:-1])
    findings = pd.DataFrame([r[1:] for r in rows["findings"]], columns=FINDING_COLUMNS)
    withdrawn = {r.agency_id: r for r in rows["withdrawn"]}  # the last withdrawal per agency
    corrections = pd.DataFrame([r[1:] for r in rows["corrections"]], columns=CORRECTION_COLUMNS)
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
    findings = findings.astype(object).where(findings.notna(), None)
    cells["value"] = pd.to_numeric(cells["value"], errors="coerce").astype("float64")
    cells["blank"] = cells["blank"].astype(bool)
    cells["ambiguous"] = cells["ambiguous"].astype(bool)
    cells["raw"] = cells["raw"].fillna("")
    cells["derived"] = (~cells["blank"]) & (cells["raw"] == "")
    return Members(district, year, members, cells, findings, corrections)


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
