"""Operations: cell corrections with provenance, withdrawals, and the drop folder a run read.

Frozen: shapes spelled out here (no import of the live package).

* ``cell_corrections`` — one row per corrected cell of a report version: printed value, raw text and status
  beside the corrected value, the kind (candidate / replace), reason, author, origin;
* ``withdrawals`` — one row per ``pipeline withdraw`` of an agency-year (the withdrawn version stays);
* ``runs.submissions_dir`` — the drop folder the run read (``pipeline rerun``'s default).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _code(length: int) -> sa.String:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("runs", sa.Column("submissions_dir", sa.Text(), nullable=True))
    op.create_table(
        "cell_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("table_code", _code(16), nullable=False),
        sa.Column("row_code", _code(48), nullable=False),
        sa.Column("col_code", _code(48), nullable=False),
        sa.Column("printed_value", sa.Double(), nullable=True),
        sa.Column("printed_raw", sa.Text(), nullable=False),
        sa.Column("printed_status", sa.String(16), nullable=False),
        sa.Column("corrected_value", sa.Double(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("corrected_at", sa.String(40), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_cell_corrections_agency_id_agencies")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_cell_corrections_report_id_reports"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_cell_corrections_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cell_corrections")),
        sa.UniqueConstraint("report_id", "table_code", "row_code", "col_code",
                            name=op.f("uq_cell_corrections_report_id_table_code_row_code_col_code")),
    )
    op.create_index(op.f("ix_cell_corrections_report_id"), "cell_corrections", ["report_id"], unique=False)
    op.create_table(
        "withdrawals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("source_sha256", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_withdrawals_agency_id_agencies")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_withdrawals_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawals")),
    )
    op.create_index(op.f("ix_withdrawals_agency_id_year"), "withdrawals", ["agency_id", "year"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_withdrawals_agency_id_year"), table_name="withdrawals")
    op.drop_table("withdrawals")
    op.drop_index(op.f("ix_cell_corrections_report_id"), table_name="cell_corrections")
    op.drop_table("cell_corrections")
    # A plain DROP COLUMN (SQLite >= 3.35): a batch rebuild of ``runs`` would break the views that read it.
    op.drop_column("runs", "submissions_dir")
