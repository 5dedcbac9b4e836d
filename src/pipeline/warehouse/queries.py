"""Reading the warehouse back: active cells of a district-year, a report version rebuilt, checks.

The annual flow uses :func:`active_cells` (to publish district summaries) and :func:`previous_report`
(for the cross-year checks of validation); tests and ``pipeline db check`` use the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, select, text

from pipeline import vocabulary as voc
from pipeline.model import Cell, Meta, ParsedReport
from pipeline.warehouse.models import DATA_TABLES, Agency, FactCell, Report, ReportSection, metadata

ACTIVE_CELL_COLUMNS: tuple[str, ...] = ("agency_id", "table", "row", "col", "value", "blank")


def active_cells(engine: Engine, *, district: str, year: int) -> pd.DataFrame:
    """Long-form cells of the district's active report versions for ``year``.

    Columns: agency_id, table, row, col, value (float, NaN where blank), blank (bool). Agencies without
    an active version have no rows — a missing agency is absent, never zeros.
    """
    r, f, a = Report.__table__, FactCell.__table__, Agency.__table__
    q = (
        select(r.c.agency_id, f.c.table_code, f.c.row_code, f.c.col_code, f.c.value, f.c.blank)
        .select_from(f.join(r, r.c.id == f.c.report_id).join(a, a.c.id == r.c.agency_id))
        .where(a.c.district_code == district, r.c.year == year, r.c.is_active)
        .order_by(r.c.agency_id, f.c.seq)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    df = pd.DataFrame(rows, columns=list(ACTIVE_CELL_COLUMNS))
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    df["blank"] = df["blank"].astype(bool)
    return df


def previous_report(engine: Engine, *, agency_id: str, year: int) -> ParsedReport | None:
    """The agency's active report of ``year - 1``, rebuilt from its cells and sections (None if none)."""
    r = Report.__table__
    with engine.connect() as conn:
        report_id = conn.execute(
            select(r.c.id).where(r.c.agency_id == agency_id, r.c.year == year - 1, r.c.is_active)
        ).scalar()
        return None if report_id is None else rebuild_report(conn, report_id)


def rebuild_report(conn: Connection, report_id: int) -> ParsedReport:
    """A stored report version as the :class:`ParsedReport` that was loaded (cells in parse order)."""
    r, f, s = Report.__table__, FactCell.__table__, ReportSection.__table__
    head = conn.execute(select(r).where(r.c.id == report_id)).one()
    cells = [
        Cell(t, row, col, _number(t, col, v), raw, bool(amb))
        for t, row, col, v, raw, amb in conn.execute(
            select(f.c.table_code, f.c.row_code, f.c.col_code, f.c.value, f.c.raw, f.c.ambiguous)
            .where(f.c.report_id == report_id).order_by(f.c.seq)
        )
    ]
    sections = {k: "" for k in voc.NARRATIVE_SECTIONS}
    sections.update(dict(conn.execute(select(s.c.section_code, s.c.text).where(s.c.report_id == report_id)).all()))
    meta = Meta(head.meta_agency, head.meta_year, head.title, head.published_on, head.index_no)
    return ParsedReport(head.template_version, meta, cells, list(head.warnings or []), sections)


def _number(table: str, col: str, v: float | None) -> int | float | None:
    """Counts come back as int, amounts as float (the store keeps every value as a double)."""
    if v is None:
        return None
    if voc.value_kind(table, col) != "amount" and float(v).is_integer():
        return int(v)
    return float(v)


def report_versions(engine: Engine, *, agency_id: str, year: int) -> list[dict[str, Any]]:
    """Every stored version of an agency-year, oldest first (id, version, is_active, source, loaded_at)."""
    r = Report.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(r.c.id, r.c.version, r.c.is_active, r.c.status, r.c.source_name, r.c.source_sha256, r.c.run_id,
                   r.c.loaded_at)
            .where(r.c.agency_id == agency_id, r.c.year == year).order_by(r.c.version)
        ).mappings().all()
    return [dict(x) for x in rows]


def table_checksums(engine: Engine, tables: Sequence[str] = DATA_TABLES) -> dict[str, str]:
    """sha256 of each table's full contents (rows normalised and sorted): equal means identical."""
    out = {}
    with engine.connect() as conn:
        for name in tables:
            t = metadata.tables[name]
            rows = sorted(json.dumps([_norm(v) for v in row], ensure_ascii=False) for row in conn.execute(select(t)))
            h = hashlib.sha256()
            for line in rows:
                h.update(line.encode("utf-8") + b"\n")
            out[name] = h.hexdigest()
    return out


def _norm(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None).isoformat()
    return v


def table_counts(engine: Engine, tables: Sequence[str] = (*DATA_TABLES, "runs", "run_agencies")) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}


INTEGRITY_CHECKS: dict[str, str] = {
    "cells of no report": "SELECT COUNT(*) FROM fact_cells f LEFT JOIN reports r ON r.id = f.report_id WHERE r.id IS NULL",
    "cells with a row code not in dim_rows": (
        "SELECT COUNT(*) FROM fact_cells f LEFT JOIN dim_rows d ON d.table_code = f.table_code AND d.code = f.row_code "
        "WHERE d.code IS NULL"),
    "cells with a column code not in dim_cols": (
        "SELECT COUNT(*) FROM fact_cells f LEFT JOIN dim_cols d ON d.table_code = f.table_code AND d.code = f.col_code "
        "WHERE d.code IS NULL"),
    "agency-years whose versions have no active one": (
        "SELECT COUNT(*) FROM (SELECT agency_id, year FROM reports GROUP BY agency_id, year "
        "HAVING SUM(CASE WHEN is_active THEN 1 ELSE 0 END) = 0) x"),
}


def integrity_problems(engine: Engine) -> list[str]:
    """What the schema cannot enforce by itself (fact_cells has no foreign keys, see its docstring)."""
    with engine.connect() as conn:
        return [f"{n} {what}" for what, sql in INTEGRITY_CHECKS.items() if (n := conn.execute(text(sql)).scalar_one())]
