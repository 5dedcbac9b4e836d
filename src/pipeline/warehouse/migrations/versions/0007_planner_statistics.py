"""Query plans that hold at national scale: a fact table's report has ~200 cells, an agency-year's history.

Frozen: shapes spelled out here (no import of the live package).

* ``fact_cells.report_id`` — on PostgreSQL its number of distinct values is declared as a fraction of the
  rows (``n_distinct = -0.005``: a report has about 200 cells, whatever the template version). ANALYZE
  otherwise stores an absolute count that goes stale as the table grows during a large run, and the
  planner then believes each report has tens of thousands of cells and picks sequential scans for what
  are primary-key lookups. The table is analysed here so the declaration takes effect at once.
* ``ix_run_agencies_agency_id_year`` — an agency-year's ledger history (publishing reads it per district,
  ``pipeline status`` per agency) without scanning every run's rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("run_agencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_agencies_agency_id_year"), ["agency_id", "year"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # distinct report ids as a (negative) fraction of the fact table's rows: 1 / cells per report
        op.execute("ALTER TABLE fact_cells ALTER COLUMN report_id SET (n_distinct = -0.005)")
        op.execute("ANALYZE fact_cells")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE fact_cells ALTER COLUMN report_id RESET (n_distinct)")
    with op.batch_alter_table("run_agencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_agencies_agency_id_year"))
