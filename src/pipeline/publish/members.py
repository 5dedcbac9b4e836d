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
:func:`read_previous_many` returns, per district, only what the year-over-year comparison uses of a year
(:class:`Previous`: the loaded count, whether any cell, the sums of a few cells) — the same numbers, far less read.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
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
# A cell row names its report only (≈ 200 rows a report): district and agency come from the "active" rows (or, for a
# report activated between the two reads, from _OWNERS); ordered (agency_id, seq) in Python, no sort in SQL. The
# cell's (table, row, col) comes as one text "table|row|col" (one string for the driver to make, not three), read
# back through _KEYS; _CELLS_BY_COLUMN is the same read with the codes apart, for a code holding the separator.
_SEP = "|"
_CELLS_SQL = ("SELECT f.report_id, f.seq, {key}, f.value, f.raw, f.blank, f.ambiguous "
              "FROM fact_cells f JOIN reports r ON r.id = f.report_id JOIN agencies a ON a.id = r.agency_id "
              f"WHERE {_IN} AND r.year = :y AND r.is_active AND a.registered")
_CELLS = text(_CELLS_SQL.format(key=f"f.table_code || '{_SEP}' || f.row_code || '{_SEP}' || f.col_code"))
_CELLS_BY_COLUMN = text(_CELLS_SQL.format(key="f.table_code, f.row_code, f.col_code")).bindparams(
    bindparam("ds", expanding=True))
_OWNERS = text("SELECT r.id, a.district_code, r.agency_id FROM reports r JOIN agencies a ON a.id = r.agency_id "
               "WHERE r.id IN :ids").bindparams(bindparam("ids", expanding=True))
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

# The previous year, as little as the year-over-year comparison needs (read_previous_many): which agencies have an
# active version (and whether any registered one printed a cell at all), and the non-blank values of a few cells.
_PREV_ACTIVE = text(
    "SELECT a.district_code, r.agency_id, CASE WHEN a.registered AND EXISTS (SELECT 1 FROM fact_cells f "
    f"WHERE f.report_id = r.id) THEN 1 ELSE 0 END FROM reports r JOIN agencies a ON a.id = r.agency_id WHERE {_IN} "
    "AND r.year = :y AND r.is_active").bindparams(bindparam("ds", expanding=True))
# The asked cells are looked up by the whole primary key, each report's one by one (SQLite: a seek each, not a scan of
# the report's ≈ 200 cells probing a list); sorted in Python by agency_id: the order read_members_many sums in.
_PREV_CELLS = ("WITH k (t, r, c) AS (VALUES {keys}) SELECT a.district_code, r.agency_id, f.table_code, f.row_code, "
               "f.col_code, f.value FROM agencies a JOIN reports r ON r.agency_id = a.id CROSS JOIN k JOIN fact_cells f "
               "ON f.report_id = r.id AND f.table_code = k.t AND f.row_code = k.r AND f.col_code = k.c "
               f"WHERE {_IN} AND r.year = :y AND r.is_active AND a.registered AND f.value IS NOT NULL")


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
        cells: list[tuple] = []
        for name, q in _QUERIES.items():
            if name == "cells":  # ≈ 200 a member: the driver's own tuples
                cells = driver_rows(conn, q, p)
                continue
            for row in conn.execute(q, p).all():  # fetched at once: far cheaper than row by row
                grouped[row[0]][name].append(row)
        owners = {r[2]: (r[0], r[1]) for c in codes for r in grouped[c]["active"]}  # report id → (district, agency)
        try:
            by_district = _cells_by_district(conn, cells, owners)
        except _NotThreeCodes:  # a code holding the separator: the same cells read with the codes apart
            by_district = _cells_by_district(conn, [(rid, seq, (t, r, c), *rest) for rid, seq, t, r, c, *rest
                                                    in driver_rows(conn, _CELLS_BY_COLUMN, p)], owners)
        for code, rows in by_district.items():
            grouped[code]["cells"] = rows
    return {d.code: _members(d, year, grouped[d.code]) for d in districts}


@dataclass(slots=True)
class Previous:
    """What a district's publication uses of year − 1 (:func:`read_previous_many`).

    ``loaded`` — how many members :func:`read_members` would count as loaded; ``any_cells`` — whether its
    ``cell_rows`` would be non-empty; ``sums`` — {(table, row, col): [sum, agencies]} of the asked cells that any
    included member printed a number in: the same floats, summed in the same (agency) order, as
    :func:`~pipeline.publish.consolidate.sums` of those ``cell_rows`` gives for them.
    """

    loaded: int = 0
    any_cells: bool = False
    sums: dict[tuple[str, str, str], list] = field(default_factory=dict)


def read_previous_many(engine: Engine, districts: Sequence[District], year: int,
                       keys: Sequence[tuple[str, str, str]]) -> dict[str, Previous]:
    """{district code: :class:`Previous`} of ``year`` for the cells ``keys`` — without reading the members' cells,
    findings and corrections: two queries for all the districts, ≈ ``len(keys)`` rows an agency at most.

    Coverage as :func:`read_members_many` decides it: an agency the registry lists for the district with an active
    version is loaded (withdrawn reports are not active; agencies no longer listed never count); the cells are those
    of the active versions of agencies registered in the warehouse, as ``Members.cell_rows``.
    """
    codes = list(dict.fromkeys(d.code for d in districts))
    if not codes:
        return {}
    keys = list(dict.fromkeys(keys))
    p: dict = {"ds": codes, "y": year}
    for i, k in enumerate(keys):
        p[f"t{i}"], p[f"r{i}"], p[f"c{i}"] = k
    cells = text(_PREV_CELLS.format(keys=", ".join(f"(:t{i}, :r{i}, :c{i})" for i in range(len(keys)))))
    active: dict[str, set[str]] = {c: set() for c in codes}
    out = {c: Previous() for c in codes}
    with engine.connect() as conn:
        for code, aid, has_cells in conn.execute(_PREV_ACTIVE, p).all():
            active[code].add(aid)
            if has_cells:
                out[code].any_cells = True
        rows = driver_rows(conn, cells.bindparams(bindparam("ds", expanding=True)), p) if keys else []
    rows.sort(key=_AGENCY)  # agency ids are unique across districts: each district's rows in agency order
    for code, _, t, r, c, value in rows:
        if value.__class__ is not float:
            value = _value(value)
        if value != value:  # a stored NaN counts as no number, as in sums()
            continue
        acc = out[code].sums.get((t, r, c))
        if acc is None:
            out[code].sums[(t, r, c)] = [value, 1]
        else:
            acc[0] += value
            acc[1] += 1
    for d in districts:
        out[d.code].loaded = sum(1 for a in d.agencies if a.id in active[d.code])
    return out


def _cells_by_district(conn, rows: list[tuple], owners: dict[int, tuple[str, str]]) -> dict[str, list[tuple]]:
    """{district code: its cell rows in ORDER BY agency_id, seq, as :data:`CELL_COLUMNS` tuples} of ``_CELLS`` rows
    (report_id, seq, "table|row|col" — or the codes as a tuple —, value, raw, blank, ambiguous); ``owners``:
    {report id: (district, agency)}.

    The rows are taken per report (runs of the driver's order, in C) and each report's are sorted by seq: one
    active report an agency, so this is the agency_id, seq order without sorting every row on both. The codes are
    the process's one copy of each (:func:`_codes`: equal cells' codes are the same objects, so later comparisons
    and lookups of them are cheap). Values become floats (NaN where none), raw a string ("" where none),
    blank/ambiguous bools and derived = not blank and raw "". Raises :class:`_NotThreeCodes` for a key text that
    does not split into three codes.
    """
    runs: dict[int, list[tuple]] = {}
    for rid, run in groupby(rows, _REPORT):
        got = runs.get(rid)
        if got is None:
            runs[rid] = list(run)
        else:
            got.extend(run)
    unknown = [rid for rid in runs if rid not in owners]
    if unknown:  # activated by another writer after the "active" read: whose they are, as the cells read saw it
        owners = {**owners, **{r[0]: (r[1], r[2]) for r in conn.execute(_OWNERS, {"ids": unknown}).all()}}
    out: dict[str, list[tuple]] = {}
    known = _KEYS
    for rid in sorted(runs, key=lambda x: owners[x][1]):
        code, aid = owners[rid]
        dest = out.get(code)
        if dest is None:
            dest = out[code] = []
        run = runs[rid]
        run.sort(key=_SEQ)
        dest.extend([(aid, rid, *(known.get(key) or _codes(key)), value if value.__class__ is float else _value(value),
                      raw or "", bool(blank), bool(ambiguous), not blank and not raw)
                     for _, _, key, value, raw, blank, ambiguous in run])
    return out


class _NotThreeCodes(ValueError):
    """A cell's key text does not split into (table, row, col) at the separator (a code holds it)."""


#: the (table, row, col) codes of every cell key read so far, by its text "table|row|col" and by the codes' tuple
_KEYS: dict[str | tuple[str, str, str], tuple[str, str, str]] = {}
_MAX_KEYS = 20_000


def _codes(key: str | tuple[str, str, str]) -> tuple[str, str, str]:
    """The codes of ``key`` (a ``_CELLS`` key text, or the codes), interned, and kept in :data:`_KEYS`."""
    codes = key.split(_SEP) if isinstance(key, str) else key
    if len(codes) != 3:
        raise _NotThreeCodes(key)
    if len(_KEYS) >= _MAX_KEYS:
        _KEYS.clear()
    got = _KEYS[key] = tuple(map(sys.intern, codes))
    return got


def _members(district: District, year: int, rows: dict[str, list]) -> Members:
    agencies = {r.id: r for r in rows["agencies"]}
    active = {r.agency_id: r for r in rows["active"]}
    latest = {r.agency_id: r for r in rows["latest"]}  # ordered: the last row per agency wins
    cells = rows["cells"]  # CELL_COLUMNS tuples in ORDER BY agency_id, seq (_cells_by_district)
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
_AGENCY = itemgetter(1)  # of a _PREV_CELLS row
_REPORT, _SEQ = itemgetter(0), itemgetter(1)  # of a _CELLS row


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
