"""The warehouse schema: registry, code dimensions, run ledger, report versions, facts, sections, findings.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:25:33.590690
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dim_sections',
    sa.Column('code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('heading_zh', sa.String(length=100), nullable=False),
    sa.Column('ordinal', sa.SmallInteger(), nullable=False),
    sa.Column('narrative', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_dim_sections'))
    )
    op.create_table('dim_tables',
    sa.Column('code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('title_zh', sa.String(length=100), nullable=False),
    sa.Column('ordinal', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_dim_tables'))
    )
    op.create_table('districts',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_districts'))
    )
    op.create_table('fact_cells',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('table_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('row_code', sa.String(length=48).with_variant(sa.String(length=48, collation='C'), 'postgresql'), nullable=False),
    sa.Column('col_code', sa.String(length=48).with_variant(sa.String(length=48, collation='C'), 'postgresql'), nullable=False),
    sa.Column('value', sa.Double(), nullable=True),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('blank', sa.Boolean(), nullable=False),
    sa.Column('ambiguous', sa.Boolean(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.CheckConstraint('(blank AND value IS NULL) OR (NOT blank AND value IS NOT NULL)', name=op.f('ck_fact_cells_blank_iff_null')),
    sa.PrimaryKeyConstraint('report_id', 'table_code', 'row_code', 'col_code', name=op.f('pk_fact_cells')),
    sqlite_with_rowid=False,
    )
    op.create_table('runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('flow_run_id', sa.String(length=64), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('policy', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n_loaded', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('n_unchanged', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('n_failed', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('n_missing', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs'))
    )
    op.create_table('agencies',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('district_code', sa.String(length=12), nullable=False),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('government_office', 'department', 'township')", name=op.f('ck_agencies_kind')),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_agencies_district_code_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies'))
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_district_code'), ['district_code'], unique=False)

    op.create_table('dim_cols',
    sa.Column('table_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('code', sa.String(length=48).with_variant(sa.String(length=48, collation='C'), 'postgresql'), nullable=False),
    sa.Column('label_v2019', sa.String(length=200), nullable=True),
    sa.Column('label_v2021', sa.String(length=200), nullable=True),
    sa.Column('versions', sa.String(length=8), nullable=False),
    sa.Column('ordinal', sa.SmallInteger(), nullable=False),
    sa.Column('value_kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['table_code'], ['dim_tables.code'], name=op.f('fk_dim_cols_table_code_dim_tables')),
    sa.PrimaryKeyConstraint('table_code', 'code', name=op.f('pk_dim_cols'))
    )
    op.create_table('dim_rows',
    sa.Column('table_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('code', sa.String(length=48).with_variant(sa.String(length=48, collation='C'), 'postgresql'), nullable=False),
    sa.Column('label_v2019', sa.String(length=200), nullable=True),
    sa.Column('label_v2021', sa.String(length=200), nullable=True),
    sa.Column('versions', sa.String(length=8), nullable=False),
    sa.Column('ordinal', sa.SmallInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['table_code'], ['dim_tables.code'], name=op.f('fk_dim_rows_table_code_dim_tables')),
    sa.PrimaryKeyConstraint('table_code', 'code', name=op.f('pk_dim_rows'))
    )
    op.create_table('reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('template_version', sa.String(length=8), nullable=False),
    sa.Column('parser_version', sa.String(length=32), nullable=False),
    sa.Column('source_name', sa.String(length=500), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_size', sa.BigInteger(), nullable=False),
    sa.Column('source_form', sa.String(length=16), nullable=False),
    sa.Column('parse_sha256', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('meta_agency', sa.String(length=200), nullable=True),
    sa.Column('meta_year', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('published_on', sa.String(length=32), nullable=True),
    sa.Column('index_no', sa.String(length=100), nullable=True),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.CheckConstraint("template_version IN ('v2019', 'v2021')", name=op.f('ck_reports_template_version')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_reports_version_positive')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_reports_agency_id_agencies')),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_reports_run_id_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('agency_id', 'year', 'version', name=op.f('uq_reports_agency_id_year_version'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ux_reports_active', ['agency_id', 'year'], unique=True, sqlite_where=sa.text('is_active'), postgresql_where=sa.text('is_active'))

    op.create_table('findings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('table_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=True),
    sa.Column('row_code', sa.String(length=48).with_variant(sa.String(length=48, collation='C'), 'postgresql'), nullable=True),
    sa.Column('row_label', sa.String(length=200), nullable=True),
    sa.Column('col_code', sa.String(length=48).with_variant(sa.String(length=48, collation='C'), 'postgresql'), nullable=True),
    sa.Column('col_label', sa.String(length=200), nullable=True),
    sa.Column('expected', sa.Text(), nullable=True),
    sa.Column('actual', sa.Text(), nullable=True),
    sa.Column('message_zh', sa.Text(), nullable=False),
    sa.Column('message_en', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_findings_agency_id_agencies')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_findings_report_id_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_findings_run_id_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_run_id_agency_id'), ['run_id', 'agency_id'], unique=False)

    op.create_table('report_sections',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('section_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_sections_report_id_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_code'], ['dim_sections.code'], name=op.f('fk_report_sections_section_code_dim_sections')),
    sa.PrimaryKeyConstraint('report_id', 'section_code', name=op.f('pk_report_sections'))
    )
    op.create_table('run_agencies',
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('source_name', sa.String(length=500), nullable=True),
    sa.Column('source_sha256', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('loaded', 'unchanged', 'failed', 'missing')", name=op.f('ck_run_agencies_status')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_run_agencies_agency_id_agencies')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_run_agencies_report_id_reports')),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_agencies_run_id_runs')),
    sa.PrimaryKeyConstraint('run_id', 'agency_id', name=op.f('pk_run_agencies'))
    )
    with op.batch_alter_table('run_agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_agencies_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('run_agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_agencies_report_id'))

    op.drop_table('run_agencies')
    op.drop_table('report_sections')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_run_id_agency_id'))
        batch_op.drop_index(batch_op.f('ix_findings_report_id'))

    op.drop_table('findings')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ux_reports_active', sqlite_where=sa.text('is_active'), postgresql_where=sa.text('is_active'))
        batch_op.drop_index(batch_op.f('ix_reports_run_id'))

    op.drop_table('reports')
    op.drop_table('dim_rows')
    op.drop_table('dim_cols')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_district_code'))

    op.drop_table('agencies')
    op.drop_table('runs')
    op.drop_table('fact_cells')
    op.drop_table('districts')
    op.drop_table('dim_tables')
    op.drop_table('dim_sections')
