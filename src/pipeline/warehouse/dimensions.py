"""The code dimension tables, filled from :mod:`pipeline.vocabulary` (one vocabulary, nothing re-typed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pipeline import vocabulary as voc
from pipeline.warehouse.models import DimCol, DimRow, DimSection, DimTable
from pipeline.warehouse.upsert import upsert


def dimension_rows() -> dict[str, list[dict[str, Any]]]:
    """The rows of every ``dim_*`` table as the vocabulary defines them (table name → rows)."""
    tables = [{"code": t, "title_zh": voc.TABLE_TITLES[t], "ordinal": i} for i, t in enumerate(voc.TABLES, 1)]
    rows: list[dict[str, Any]] = []
    cols: list[dict[str, Any]] = []
    ordinal: dict[tuple[str, str], int] = {}
    for c in voc.codes():
        n = ordinal[(c.table, c.axis)] = ordinal.get((c.table, c.axis), 0) + 1
        d = {"table_code": c.table, "code": c.code, "label_v2019": c.label_v2019 or None,
             "label_v2021": c.label_v2021 or None, "versions": c.versions, "ordinal": n, "note": c.note}
        if c.axis == "row":
            rows.append(d)
        else:
            cols.append({**d, "value_kind": voc.value_kind(c.table, c.code)})
    sections = [{"code": k, "heading_zh": v, "ordinal": i, "narrative": k in voc.NARRATIVE_SECTIONS}
                for i, (k, v) in enumerate(voc.SECTIONS.items(), 1)]
    return {"dim_tables": tables, "dim_rows": rows, "dim_cols": cols, "dim_sections": sections}


def sync_dimensions(conn: Connection) -> None:
    """Upsert the dimension rows (codes are never deleted: old reports may still use them)."""
    data = dimension_rows()
    upsert(conn, DimTable.__table__, data["dim_tables"], ["code"])
    upsert(conn, DimRow.__table__, data["dim_rows"], ["table_code", "code"])
    upsert(conn, DimCol.__table__, data["dim_cols"], ["table_code", "code"])
    upsert(conn, DimSection.__table__, data["dim_sections"], ["code"])
