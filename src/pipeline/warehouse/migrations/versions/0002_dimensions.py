"""Fill the code dimension tables from pipeline.vocabulary (labels of both template versions).

The table shapes are spelled out here (not taken from the models) so that this revision keeps working
when later revisions change the models; the rows come from the one vocabulary.
``pipeline.warehouse.upgrade`` re-syncs them after every upgrade, so label fixes need no migration.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pipeline.warehouse.dimensions import dimension_rows

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LABELLED = ("table_code", "code", "label_v2019", "label_v2021", "versions", "ordinal", "note")
TABLES = {
    "dim_tables": ("code", "title_zh", "ordinal"),
    "dim_rows": _LABELLED,
    "dim_cols": (*_LABELLED, "value_kind"),
    "dim_sections": ("code", "heading_zh", "ordinal", "narrative"),
}


def upgrade() -> None:
    data = dimension_rows()
    for name, columns in TABLES.items():
        table = sa.table(name, *(sa.column(c) for c in columns))
        op.bulk_insert(table, [{c: row[c] for c in columns} for row in data[name]])


def downgrade() -> None:
    for name in reversed(list(TABLES)):
        op.execute(sa.text(f"DELETE FROM {name}"))
