"""Published marts: the district figures each publication writes, and thin BI views over them.

Frozen: table shapes, comments and view SQL are spelled out here (no import of the live package), so this
revision creates the same objects whatever later code says. Column comments (the data dictionary, also in
docs/marts.md) are PostgreSQL column comments; SQLite ignores them.

Views (plain SQL, SQLite and PostgreSQL): ``bi_district_cells`` (mart cells with Chinese labels in the
year's template version), ``bi_district_kpis`` (totals and rates per district-year, integer counts),
``bi_district_coverage`` (the latest publication's coverage per district-year).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _code(length: int) -> sa.String:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mart_district_cells",
        sa.Column("district_code", sa.String(12), nullable=False, comment="行政区划代码 district division code"),
        sa.Column("year", sa.Integer(), nullable=False, comment="报告年度 reporting year"),
        sa.Column("table_code", _code(16), nullable=False, comment="表代码 table code (proactive/requests/appeals)"),
        sa.Column("row_code", _code(48), nullable=False, comment="行代码 row code (dim_rows.code)"),
        sa.Column("col_code", _code(48), nullable=False, comment="列代码 column code (dim_cols.code)"),
        sa.Column("template_version", sa.String(8), nullable=False,
                  comment="模板版本 template version of the year (v2019/v2021)"),
        sa.Column("value_count", sa.BigInteger(), nullable=True,
                  comment="汇总件数 summed count (counts and signed counts); NULL if no agency printed it"),
        sa.Column("value_amount", sa.Numeric(20, 4), nullable=True,
                  comment="汇总金额 summed amount (fee 万元, procurement 元); NULL for counts"),
        sa.Column("agencies_reporting", sa.Integer(), nullable=False, comment="填报机关数 agencies whose figure is in the sum"),
        sa.Column("official", sa.Boolean(), nullable=False,
                  comment="是否本年度模板单元格 cell of the year's template (false: reported in the other version)"),
        sa.Column("flags", sa.String(64), nullable=False,
                  comment="标注 kinds of marked member cells: ambiguous, corrected, finding (comma-separated)"),
        sa.Column("run_id", sa.String(64), nullable=False, comment="运行编号 run id of the publication"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, comment="发布时间 generation time (UTC)"),
        sa.PrimaryKeyConstraint("district_code", "year", "table_code", "row_code", "col_code",
                                name="pk_mart_district_cells"),
        comment="区县年度汇总数据（每格一行）Published district figures, one row per cell",
    )
    op.create_table(
        "mart_publications",
        sa.Column("run_id", sa.String(64), nullable=False, comment="运行编号 run id"),
        sa.Column("district_code", sa.String(12), nullable=False, comment="行政区划代码 district division code"),
        sa.Column("year", sa.Integer(), nullable=False, comment="报告年度 reporting year"),
        sa.Column("template_version", sa.String(8), nullable=False, comment="模板版本 template version (v2019/v2021)"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, comment="发布时间 generation time (UTC)"),
        sa.Column("agencies_registered", sa.Integer(), nullable=False, comment="登记机关数 agencies registered"),
        sa.Column("agencies_loaded", sa.Integer(), nullable=False, comment="纳入汇总机关数 agencies in the figures"),
        sa.Column("agencies_failed", sa.Integer(), nullable=False, comment="未通过机关数 agencies failed (not in the figures)"),
        sa.Column("agencies_missing", sa.Integer(), nullable=False, comment="缺报机关数 agencies missing (never zero)"),
        sa.Column("agencies_withdrawn", sa.Integer(), nullable=False, comment="撤销登记机关数 agencies no longer registered"),
        sa.Column("agencies_older_version", sa.Integer(), nullable=False,
                  comment="采用较早版本机关数 agencies whose newest submission failed, older version used"),
        sa.Column("folder", sa.Text(), nullable=False, comment="文件目录 folder of the published files"),
        sa.PrimaryKeyConstraint("run_id", "district_code", "year", name="pk_mart_publications"),
        comment="区县年度汇总发布记录 Publications of district figures, with coverage",
    )
    for name, select in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS{select}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_table("mart_publications")
    op.drop_table("mart_district_cells")


def _count(table: str, rows: str, col: str = "total") -> str:
    """CAST(SUM(...) AS BIGINT) of the mart's counts over ``rows`` (an SQL condition on m.row_code)."""
    return (f"CAST(SUM(CASE WHEN m.table_code = '{table}' AND ({rows}) AND m.col_code = '{col}' "
            f"THEN m.value_count END) AS BIGINT)")


_FIGURES = {
    "new_received": _count("requests", "m.row_code = 'new_received'"),
    "carried_over": _count("requests", "m.row_code = 'carried_over'"),
    "granted": _count("requests", "m.row_code = 'granted'"),
    "partial": _count("requests", "m.row_code = 'partial'"),
    "denied": _count("requests", "m.row_code LIKE 'denied.%'"),
    "unable": _count("requests", "m.row_code LIKE 'unable.%'"),
    "not_processed": _count("requests", "m.row_code LIKE 'not_processed.%'"),
    "other_processed": _count("requests", "m.row_code = 'other' OR m.row_code LIKE 'other.%'"),
    "results_total": _count("requests", "m.row_code = 'total'"),
    "carry_forward": _count("requests", "m.row_code = 'carry_forward'"),
    "review_total": _count("appeals", "m.row_code = 'review'"),
    "review_corrected": _count("appeals", "m.row_code = 'review'", "corrected"),
    "review_pending": _count("appeals", "m.row_code = 'review'", "pending"),
    "suit_total": _count("appeals", "m.row_code IN ('suit_direct', 'suit_after_review')"),
    "suit_corrected": _count("appeals", "m.row_code IN ('suit_direct', 'suit_after_review')", "corrected"),
    "suit_pending": _count("appeals", "m.row_code IN ('suit_direct', 'suit_after_review')", "pending"),
}


def _rate(num: str, den: str) -> str:
    return f"1.0 * ({num}) / NULLIF({den}, 0)"


_FIGURE_LIST = ",\n           ".join(f"{expr} AS {name}" for name, expr in _FIGURES.items())

VIEWS: dict[str, str] = {
    "bi_district_cells": """
SELECT m.district_code, d.name AS district_name, m.year, m.template_version,
       m.table_code, t.title_zh AS table_title_zh, t.ordinal AS table_ordinal,
       m.row_code, CASE WHEN m.template_version = 'v2019' THEN COALESCE(r.label_v2019, r.label_v2021)
                        ELSE COALESCE(r.label_v2021, r.label_v2019) END AS row_label_zh, r.ordinal AS row_ordinal,
       m.col_code, CASE WHEN m.template_version = 'v2019' THEN COALESCE(c.label_v2019, c.label_v2021)
                        ELSE COALESCE(c.label_v2021, c.label_v2019) END AS col_label_zh, c.ordinal AS col_ordinal,
       c.value_kind, m.value_count, m.value_amount, m.agencies_reporting, m.official, m.flags, m.run_id, m.published_at
FROM mart_district_cells m
JOIN districts d ON d.code = m.district_code
LEFT JOIN dim_tables t ON t.code = m.table_code
LEFT JOIN dim_rows r ON r.table_code = m.table_code AND r.code = m.row_code
LEFT JOIN dim_cols c ON c.table_code = m.table_code AND c.code = m.col_code""",
    "bi_district_kpis": f"""
SELECT k.*,
       {_rate("COALESCE(k.granted, 0) + COALESCE(k.partial, 0)", "k.results_total")} AS disclosure_rate,
       {_rate("k.denied", "k.results_total")} AS denied_share,
       {_rate("k.unable", "k.results_total")} AS unable_share,
       {_rate("k.not_processed", "k.results_total")} AS not_processed_share,
       {_rate("COALESCE(k.review_corrected, 0)", "k.review_total - COALESCE(k.review_pending, 0)")} AS review_correction_rate,
       {_rate("COALESCE(k.suit_corrected, 0)", "k.suit_total - COALESCE(k.suit_pending, 0)")} AS litigation_correction_rate
FROM (
    SELECT m.district_code, d.name AS district_name, m.year, MIN(m.template_version) AS template_version,
           MIN(m.run_id) AS run_id,
           {_FIGURE_LIST}
    FROM mart_district_cells m
    JOIN districts d ON d.code = m.district_code
    GROUP BY m.district_code, d.name, m.year
) k""",
    "bi_district_coverage": """
SELECT p.district_code, d.name AS district_name, p.year, p.run_id, p.published_at, p.template_version,
       p.agencies_registered, p.agencies_loaded, p.agencies_failed, p.agencies_missing, p.agencies_withdrawn,
       p.agencies_older_version, p.folder
FROM mart_publications p
JOIN districts d ON d.code = p.district_code
WHERE p.published_at = (SELECT MAX(q.published_at) FROM mart_publications q
                        WHERE q.district_code = p.district_code AND q.year = p.year)""",
}
