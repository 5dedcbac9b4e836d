"""Loading: the registry, and one agency's parsed report as a new version — or as nothing, if unchanged.

One transaction per agency. A submission whose file (sha256) and parse (sha256 of the canonical JSON)
are those of the active version changes nothing in the data tables; only the run ledger records the
agency as ``unchanged``. Anything else becomes version n+1: the old version is deactivated (it stays,
with its cells, sections and findings) and the new one is active.

Cells are written in bulk: COPY through psycopg on PostgreSQL, ``executemany`` of plain tuples on
SQLite, in chunks (see :func:`write_cells`; ``benchmarks/load_bench.py`` measures it).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, islice
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

import pipeline
from pipeline import vocabulary as voc
from pipeline.model import Cell, Meta, ParsedReport, ParseNote
from pipeline.registry import Registry
from pipeline.warehouse.engine import write_transaction
from pipeline.warehouse.ledger import (
    WarehouseError,
    record_outcome,
    require_agency,
    require_run,
    utcnow,
    write_findings,
)
from pipeline.warehouse.models import Agency, District, FactCell, Report, ReportSection
from pipeline.warehouse.upsert import upsert

FACT_COLUMNS: tuple[str, ...] = ("report_id", "table_code", "row_code", "col_code", "value", "raw", "blank", "ambiguous", "seq")
#: PostgreSQL types of :data:`FACT_COLUMNS` for binary COPY (cheaper to encode and to parse than text).
_PG_FACT_TYPES: tuple[str, ...] = ("int4", "text", "text", "text", "float8", "text", "bool", "bool", "int4")
CHUNK_ROWS = 50_000
#: SQLite: rows per INSERT statement (9 parameters each: 900 stays under the oldest SQLite limit of 999).
#: ``executemany`` of 100-row tuples costs about a third less CPU than of one-row tuples.
_ROWS_PER_STATEMENT = 100
_MAX_EXACT = 2**53  # integers above this do not survive a double


# Statements of load_report, built once (building a statement costs more than running it on SQLite).
_r = Report.__table__
_THIS_AGENCY_YEAR = (_r.c.agency_id == bindparam("agency_id"), _r.c.year == bindparam("year"))
_ACTIVE = select(_r.c.id, _r.c.version, _r.c.source_sha256, _r.c.parse_sha256).where(*_THIS_AGENCY_YEAR, _r.c.is_active)
_LAST_VERSION = select(func.max(_r.c.version)).where(*_THIS_AGENCY_YEAR)
_DEACTIVATE = _r.update().where(_r.c.id == bindparam("old_id")).values(is_active=False)
_INSERT_REPORT = insert(_r).returning(_r.c.id)
_INSERT_SECTIONS = insert(ReportSection.__table__)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """The submitted file a report was parsed from: its name, content hash, size and form."""

    name: str
    sha256: str
    size: int
    form: str

    @classmethod
    def from_path(cls, path: str | Path, form: str) -> SourceFile:
        path = Path(path)
        h = hashlib.sha256()
        size = 0
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
        return cls(path.name, h.hexdigest(), size, form)

    @classmethod
    def from_bytes(cls, name: str, data: bytes, form: str) -> SourceFile:
        return cls(name, hashlib.sha256(data).hexdigest(), len(data), form)


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    """Result of :func:`load_report`: the active report version and whether this call created it."""

    report_id: int
    version: int
    changed: bool


# -- registry ------------------------------------------------------------------------------------------


def sync_registry(engine: Engine, registry: Registry) -> None:
    """Upsert the registry's districts and agencies; agencies it no longer lists become unregistered.

    Rows already equal to the registry are not written (see :mod:`pipeline.warehouse.upsert`).
    """
    districts = [{"code": d.code, "name": d.name, "full_name": d.full_name or ""} for d in registry.districts.values()]
    agencies = [{"id": a.id, "name": a.name, "kind": a.kind, "district_code": d.code, "registered": True}
                for d in registry.districts.values() for a in d.agencies]
    at = Agency.__table__
    with write_transaction(engine) as conn:
        upsert(conn, District.__table__, districts, ["code"])
        upsert(conn, at, agencies, ["id"])
        listed = {a["id"] for a in agencies}
        gone = [i for (i,) in conn.execute(select(at.c.id).where(at.c.registered)) if i not in listed]
        if gone:
            conn.execute(update(at).where(at.c.id.in_(gone)).values(registered=False))


# -- reports -------------------------------------------------------------------------------------------


def parse_digest(report: ParsedReport) -> str:
    """sha256 of the report's canonical JSON (sorted keys, no spaces, UTF-8): equal digests mean the same parse.

    The canonical JSON is ``json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True,
    separators=(",", ":"))`` — the digests stored in the warehouse are of exactly those bytes. orjson
    writes the same bytes several times faster, from :func:`_canonical_dict` (what ``to_dict`` holds, every
    dict already in sorted key order, no ``asdict``), when every value is of a kind it spells alike
    (:func:`_orjson_spells_alike`); any other report, and anything orjson refuses (integers beyond 64
    bits), takes the standard library's path.
    """
    if _FAST_DIGEST and _orjson_spells_alike(report):
        try:
            return hashlib.sha256(orjson.dumps(_canonical_dict(report))).hexdigest()
        except orjson.JSONEncodeError:
            pass
    text = json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical_dict(report: ParsedReport) -> dict[str, Any]:
    """``report.to_dict()`` read the same way (the same attributes, lists copied alike), every dict's keys
    in sorted order: orjson then writes them as ``sort_keys`` would, without sorting."""
    m = report.meta
    sections = report.sections
    return {
        "cells": [{"ambiguous": c.ambiguous, "candidates": list(c.candidates), "col": c.col, "raw": c.raw,
                   "row": c.row, "status": c.status, "table": c.table, "value": c.value} for c in report.cells],
        "meta": {"agency": m.agency, "index_no": m.index_no, "published_on": m.published_on, "title": m.title,
                 "year": m.year},
        "notes": [{"col": n.col, "message": n.message, "message_zh": n.message_zh, "row": n.row, "rule": n.rule,
                   "table": n.table} for n in report.notes],
        "sections": {k: sections.get(k, "") for k in _SORTED_SECTIONS},
        "template": report.template,
        "warnings": list(report.warnings),
    }


_SORTED_SECTIONS = tuple(sorted(voc.NARRATIVE_SECTIONS))
_VALUE, _AMBIGUOUS, _CANDIDATES = attrgetter("value"), attrgetter("ambiguous"), attrgetter("candidates")


def _orjson_spells_alike(report: ParsedReport) -> bool:
    """True when orjson writes the values of the report's canonical JSON as ``json`` does.

    The two differ only on floats (orjson: ``1e-5``, ``1e16``, ``null`` for NaN and infinities; json:
    ``1e-05``, ``1e+16``, ``NaN``, ``Infinity``) — strings, ``None``, booleans and integers are spelled
    alike, and integers beyond 64 bits orjson refuses (:func:`parse_digest` then takes the standard path).
    Looked at: the cells' values, candidates and flags (in the common case settled in C: the non-zero values
    and flags sum to an integer, so none is a float or anything else), and every value of the meta, notes,
    sections and warnings; the cells' texts (``table``, ``row``, ``col``, ``raw``, ``status``) are the
    model's strings. The report, its meta and its notes must be the model's own classes (``to_dict`` reads
    them with ``asdict``)."""
    if type(report) is not ParsedReport or type(report.meta) is not Meta:
        return False
    notes = report.notes
    if any(type(n) is not ParseNote for n in notes):
        return False
    cells = report.cells
    try:
        plain_cells = type(sum(filter(None, chain(map(_VALUE, cells), map(_AMBIGUOUS, cells))))) is int
    except TypeError:
        plain_cells = False
    if not plain_cells and not _plain_values(chain(map(_VALUE, cells), map(_AMBIGUOUS, cells))):
        return False
    for cands in filter(None, map(_CANDIDATES, cells)):
        if not _plain_values(cands):
            return False
    m = report.meta
    sections = report.sections
    return (_plain_values((m.agency, m.index_no, m.published_on, m.title, m.year, report.template))
            and _plain_values(report.warnings) and _plain_values(sections.get(k, "") for k in _SORTED_SECTIONS)
            and _plain_values(chain.from_iterable((n.col, n.message, n.message_zh, n.row, n.rule, n.table) for n in notes)))


def _plain_values(values: Iterable[Any]) -> bool:
    """Every value is a str, None, bool, int, or a float both write as a plain decimal: zero or
    1e-4 ≤ |v| < 1e16 (exponent forms and non-finite values: False)."""
    for v in values:
        if isinstance(v, float):
            if v != 0.0 and not 1e-4 <= abs(v) < 1e16:
                return False
        elif not (v is None or isinstance(v, (str, int))):
            return False
    return True


def _fast_digest_agrees() -> bool:
    """Whether :func:`_canonical_dict` still holds exactly what ``to_dict`` holds (checked once on import: a
    field added to the model and not here turns the fast path off instead of changing digests)."""
    sample = ParsedReport(
        "v2021", Meta("机关", 2022, "标题", "2023-01-31", "idx"),
        [Cell("requests", "r", "c", 3, "3"), Cell("appeals", "r2", "c2", 1.5, "", True, "ambiguous", [1.5, None, 2])],
        ["警告 \"w\""], notes=[ParseNote("R-PARSE-LAYOUT", "m", "t", "r", "c", "中")])
    sample.sections = {k: f"{k} 文字" for k in voc.NARRATIVE_SECTIONS}
    canonical = json.dumps(sample.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _orjson_spells_alike(sample) and orjson.dumps(_canonical_dict(sample)) == canonical.encode("utf-8")


_FAST_DIGEST = _fast_digest_agrees()


def load_report(
    engine: Engine,
    *,
    run_id: str,
    agency_id: str,
    year: int,
    report: ParsedReport,
    source: SourceFile,
    findings: Sequence = (),
    status: str = "loaded",
    parser_version: str | None = None,
) -> LoadOutcome:
    """Load one agency's report for ``year`` in one transaction and record the outcome in the ledger.

    Unchanged (same file sha256 and same parse as the active version): nothing is written but the ledger
    row (status ``unchanged``). Otherwise a new version with its cells, sections and ``findings`` becomes
    the active one (ledger status ``loaded``). Raises :class:`WarehouseError` naming the agency, file,
    table, row and column for a report it cannot store.
    """
    digest = parse_digest(report)
    where = {"agency_id": agency_id, "year": year}
    with write_transaction(engine) as conn:
        require_run(conn, run_id)
        require_agency(conn, agency_id, lock=True)  # serialises loads of one agency on PostgreSQL
        active = conn.execute(_ACTIVE, where).first()
        if active is not None and active.source_sha256 == source.sha256 and active.parse_sha256 == digest:
            record_outcome(conn, run_id=run_id, agency_id=agency_id, year=year, status="unchanged",
                           reason=f"same file and parse as version {active.version}", report_id=active.id,
                           source=source)
            return LoadOutcome(active.id, active.version, False)
        version = (conn.execute(_LAST_VERSION, where).scalar() or 0) + 1
        if active is not None:
            conn.execute(_DEACTIVATE, {"old_id": active.id})
        m = report.meta
        report_id = conn.execute(_INSERT_REPORT, {
            "agency_id": agency_id, "year": year, "version": version, "is_active": True, "status": status,
            "template_version": report.template, "parser_version": parser_version or pipeline.__version__,
            "source_name": source.name, "source_sha256": source.sha256, "source_size": source.size,
            "source_form": source.form, "parse_sha256": digest, "run_id": run_id, "loaded_at": utcnow(),
            "meta_agency": m.agency, "meta_year": m.year, "title": m.title, "published_on": m.published_on,
            "index_no": m.index_no, "warnings": list(report.warnings),
        }).scalar_one()
        write_cells(conn, cell_rows(report, report_id=report_id, where=f"agency {agency_id} {year}, file {source.name}"))
        sections = [{"report_id": report_id, "section_code": k, "text": v}
                    for k, v in report.sections.items() if v]
        unknown = [s["section_code"] for s in sections if s["section_code"] not in voc.SECTIONS]
        if unknown:
            raise WarehouseError(f"agency {agency_id} {year}, file {source.name}: unknown section code(s) {unknown}")
        if sections:
            conn.execute(_INSERT_SECTIONS, sections)
        write_findings(conn, findings, run_id=run_id, agency_id=agency_id, year=year, report_id=report_id)
        reason = "first version" if active is None else f"replaces version {active.version}"
        record_outcome(conn, run_id=run_id, agency_id=agency_id, year=year, status="loaded", reason=reason,
                       report_id=report_id, source=source)
        return LoadOutcome(report_id, version, True)


@cache
def _valid_keys() -> frozenset[tuple[str, str, str]]:
    """Every (table, row, col) whose codes the vocabulary knows (either template version)."""
    out = set()
    for t in voc.TABLES:
        rows = [c.code for c in voc.codes() if c.table == t and c.axis == "row"]
        cols = [c.code for c in voc.codes() if c.table == t and c.axis == "col"]
        out.update((t, r, c) for r in rows for c in cols)
    return frozenset(out)


def cell_rows(report: ParsedReport, *, report_id: int, where: str = "report") -> list[tuple]:
    """The report's cells as fact tuples (:data:`FACT_COLUMNS`), every code and value checked.

    Written for speed (it runs once per loaded cell): plain ints and floats take the fast path, and
    an error message is only formatted when there is an error.
    """
    valid = _valid_keys()
    out: list[tuple] = []
    append = out.append
    seen: set[tuple[str, str, str]] = set()
    for seq, c in enumerate(report.cells):
        key = (c.table, c.row, c.col)
        if key not in valid or key in seen:
            raise WarehouseError(_key_problem(c, where, seen))
        seen.add(key)
        v = c.value
        if v is not None:
            t = type(v)
            if not ((t is int or (t is float and math.isfinite(v))) and -_MAX_EXACT <= v <= _MAX_EXACT):
                v = _odd_number(c, where)
        append((report_id, c.table, c.row, c.col, v, c.raw or "", v is None, bool(c.ambiguous), seq))
    return out


def _place(c, where: str) -> str:
    return f"{where}: table {c.table}, row {c.row}, column {c.col}"


def _key_problem(c, where: str, seen: set) -> str:
    if c.table not in voc.TABLES:
        return f"{where}: unknown table {c.table!r} (row {c.row}, column {c.col})"
    if not any(k[0] == c.table and k[1] == c.row for k in _valid_keys()):
        return f"{_place(c, where)}: unknown row code {c.row!r}"
    if not any(k[0] == c.table and k[2] == c.col for k in _valid_keys()):
        return f"{_place(c, where)}: unknown column code {c.col!r}"
    return f"{_place(c, where)}: the cell appears twice"


def _odd_number(c, where: str) -> float:
    """A value that is not a plain int/float: accept other real numbers (numpy, Decimal), refuse the rest."""
    v = c.value
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise WarehouseError(f"{_place(c, where)}: value {v!r} is not a number")
    f = float(v)
    if not math.isfinite(f):
        raise WarehouseError(f"{_place(c, where)}: value {v!r} is not finite")
    if abs(f) > _MAX_EXACT:
        raise WarehouseError(f"{_place(c, where)}: value {v!r} is too large to store exactly")
    return f


def write_cells(conn: Connection, rows: Iterable[tuple], *, chunk: int = CHUNK_ROWS) -> int:
    """Bulk-insert fact tuples (:data:`FACT_COLUMNS` order) in the connection's open transaction.

    PostgreSQL: binary ``COPY … FROM STDIN`` through psycopg, one COPY per ``chunk`` rows, streaming
    (``rows`` may be a generator: the server works while the rest are produced). SQLite and others:
    ``executemany`` per chunk of plain tuples, 100 rows to a statement. Returns the number of rows written.
    """
    it = iter(rows)
    written = 0
    cols = ", ".join(FACT_COLUMNS)
    table = FactCell.__tablename__
    if conn.dialect.name == "postgresql":
        dbapi = conn.connection.driver_connection
        with dbapi.cursor() as cur:
            while True:
                first = next(it, None)
                if first is None:
                    return written
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as cp:
                    cp.set_types(_PG_FACT_TYPES)
                    cp.write_row(first)
                    written += 1
                    for r in islice(it, chunk - 1):
                        cp.write_row(r)
                        written += 1
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join(mark for _ in FACT_COLUMNS) + ")"
    single = f"INSERT INTO {table} ({cols}) VALUES {one}"
    multi = f"INSERT INTO {table} ({cols}) VALUES " + ", ".join([one] * _ROWS_PER_STATEMENT)
    while part := list(islice(it, chunk)):
        whole = len(part) - len(part) % _ROWS_PER_STATEMENT
        if whole:
            grouped = iter(part[:whole])
            groups = [tuple(chain.from_iterable(g)) for g in zip(*[grouped] * _ROWS_PER_STATEMENT, strict=True)]
            conn.exec_driver_sql(multi, groups)
        if whole < len(part):
            conn.exec_driver_sql(single, part[whole:])
        written += len(part)
    return written
