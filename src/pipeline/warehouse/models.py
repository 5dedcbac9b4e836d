"""The warehouse schema: SQLAlchemy 2 typed declarative models, the single definition of every table.

Alembic migrations create these tables (``migrations/versions``) and ``alembic check`` compares the
database with this module, so the two cannot drift apart unnoticed. Every constraint is named through
the naming convention on :data:`metadata` (stable names make migrations reproducible on SQLite's batch
mode and on PostgreSQL alike). Each model's docstring states its grain: what one row is.

Codes (table, row, column, section) are the project's machine codes from :mod:`pipeline.vocabulary`;
the ``dim_*`` tables hold their Chinese labels in both template versions and are filled from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Outcome statuses of one agency in one run (the annual flow uses the same words).
OUTCOME_STATUSES: tuple[str, ...] = ("loaded", "unchanged", "failed", "missing")

#: Tables that hold loaded data (as opposed to the run ledger and the dimensions): a re-load of an
#: unchanged submission must leave every one of them exactly as it was.
DATA_TABLES: tuple[str, ...] = ("districts", "agencies", "reports", "fact_cells", "report_sections", "findings",
                                "cell_corrections")
LEDGER_TABLES: tuple[str, ...] = ("runs", "run_agencies")
DIMENSION_TABLES: tuple[str, ...] = ("dim_tables", "dim_rows", "dim_cols", "dim_sections")


def code_type(length: int) -> String:
    """A machine code column: byte-order ("C") collation on PostgreSQL.

    Codes are ASCII, so nothing sorts differently, but the default locale collation makes every index
    comparison a ``strcoll`` call: with "C" bulk loads of ``fact_cells`` cost the server about a quarter
    less CPU. Every code column uses it, so joins between them never mix collations.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = metadata


# -- registry ------------------------------------------------------------------------------------------


class District(Base):
    """Grain: one row per district of the registry (keyed by its 6-digit division code)."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(200), default="")


class Agency(Base):
    """Grain: one row per agency ever registered, keyed by its stable id.

    ``registered`` is false for an agency the registry no longer lists; its reports stay queryable.
    """

    __tablename__ = "agencies"
    __table_args__ = (CheckConstraint(_in("kind", ("government_office", "department", "township")), name="kind"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), index=True)
    registered: Mapped[bool] = mapped_column(Boolean, default=True)


# -- code dimensions (from pipeline.vocabulary) -----------------------------------------------------


class DimTable(Base):
    """Grain: one row per statistical table of the report (proactive, requests, appeals)."""

    __tablename__ = "dim_tables"

    code: Mapped[str] = mapped_column(code_type(16), primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(100))
    ordinal: Mapped[int] = mapped_column(SmallInteger)


class DimRow(Base):
    """Grain: one row per row code of one table, with its label in each template version.

    ``label_v2019``/``label_v2021`` are NULL where the row does not exist in that version;
    ``versions`` is ``both``, ``v2019`` or ``v2021`` as in codes.csv.
    """

    __tablename__ = "dim_rows"

    table_code: Mapped[str] = mapped_column(ForeignKey("dim_tables.code"), primary_key=True)
    code: Mapped[str] = mapped_column(code_type(48), primary_key=True)
    label_v2019: Mapped[str | None] = mapped_column(String(200))
    label_v2021: Mapped[str | None] = mapped_column(String(200))
    versions: Mapped[str] = mapped_column(String(8))
    ordinal: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(200), default="")


class DimCol(Base):
    """Grain: one row per column code of one table, with its label in each template version.

    ``value_kind`` is count, signed_count or amount (the v2021 fee is in 万元, the v2019 procurement
    amount in 元).
    """

    __tablename__ = "dim_cols"

    table_code: Mapped[str] = mapped_column(ForeignKey("dim_tables.code"), primary_key=True)
    code: Mapped[str] = mapped_column(code_type(48), primary_key=True)
    label_v2019: Mapped[str | None] = mapped_column(String(200))
    label_v2021: Mapped[str | None] = mapped_column(String(200))
    versions: Mapped[str] = mapped_column(String(8))
    ordinal: Mapped[int] = mapped_column(SmallInteger)
    value_kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")


class DimSection(Base):
    """Grain: one row per section of the report (一 … 六), with its heading; ``narrative`` marks prose."""

    __tablename__ = "dim_sections"

    code: Mapped[str] = mapped_column(code_type(16), primary_key=True)
    heading_zh: Mapped[str] = mapped_column(String(100))
    ordinal: Mapped[int] = mapped_column(SmallInteger)
    narrative: Mapped[bool] = mapped_column(Boolean)


# -- run ledger ----------------------------------------------------------------------------------------


class Run(Base):
    """Grain: one row per run of the annual job (its parameters, state and outcome counts)."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    year: Mapped[int] = mapped_column(Integer)
    districts: Mapped[list[Any]] = mapped_column(JSON)
    policy: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    n_loaded: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    n_unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    n_failed: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    n_missing: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    submissions_dir: Mapped[str | None] = mapped_column(Text)  # the drop folder the run read (pipeline rerun's default)


class RunAgency(Base):
    """Grain: one row per agency per run — what happened to that agency's submission in that run.

    ``report_id`` is the report version loaded (status loaded) or found identical (unchanged); NULL for
    failed and missing agencies, whose ``reason`` says why.
    """

    __tablename__ = "run_agencies"
    __table_args__ = (CheckConstraint(_in("status", OUTCOME_STATUSES), name="status"),
                      Index(None, "agency_id", "year"))  # an agency-year's history (publishing, status)

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    source_name: Mapped[str | None] = mapped_column(String(500))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# -- loaded reports ------------------------------------------------------------------------------------


class Report(Base):
    """Grain: one row per version of one agency's report for one year.

    A submission that differs from the active version (another file, or another parse of it) becomes a
    new version; ``is_active`` marks the one version per agency-year that BI views read (a partial
    unique index enforces at most one). Old versions stay, with their cells and sections.
    """

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "version"),
        Index("ux_reports_active", "agency_id", "year", unique=True,
              sqlite_where=text("is_active"), postgresql_where=text("is_active")),
        CheckConstraint(_in("template_version", ("v2019", "v2021")), name="template_version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(32))
    template_version: Mapped[str] = mapped_column(String(8))
    parser_version: Mapped[str] = mapped_column(String(32))
    source_name: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_size: Mapped[int] = mapped_column(BigInteger)
    source_form: Mapped[str] = mapped_column(String(16))
    parse_sha256: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    meta_agency: Mapped[str | None] = mapped_column(String(200))
    meta_year: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[str | None] = mapped_column(String(32))
    index_no: Mapped[str | None] = mapped_column(String(100))
    warnings: Mapped[list[Any]] = mapped_column(JSON)


class FactCell(Base):
    """Grain: one row per printed cell of one report version (long form: table, row code, col code).

    ``value`` is NULL exactly when the cell was blank ("", "/", "—"), with ``blank`` true; a printed 0
    is a value. ``raw`` is the text as printed; ``seq`` the cell's position in the parse.

    Deliberately without foreign keys: PostgreSQL checks a foreign key with a trigger per inserted row,
    which cuts bulk loading to under half its speed (measured in ``benchmarks/load_bench.py``). The loader
    is the only writer: it inserts a report's cells in the transaction that inserts the report and
    rejects any code not in :mod:`pipeline.vocabulary` (which fills ``dim_rows``/``dim_cols``);
    :func:`pipeline.warehouse.queries.integrity_problems` (``pipeline db check``) verifies both.
    On SQLite the table is WITHOUT ROWID: the primary key is the table, with no second index.
    """

    __tablename__ = "fact_cells"
    __table_args__ = (
        CheckConstraint("(blank AND value IS NULL) OR (NOT blank AND value IS NOT NULL)", name="blank_iff_null"),
        {"sqlite_with_rowid": False},
    )

    report_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_code: Mapped[str] = mapped_column(code_type(16), primary_key=True)
    row_code: Mapped[str] = mapped_column(code_type(48), primary_key=True)
    col_code: Mapped[str] = mapped_column(code_type(48), primary_key=True)
    value: Mapped[float | None] = mapped_column(Double)
    raw: Mapped[str] = mapped_column(Text, default="")
    blank: Mapped[bool] = mapped_column(Boolean)
    ambiguous: Mapped[bool] = mapped_column(Boolean)
    seq: Mapped[int] = mapped_column(Integer)


class ReportSection(Base):
    """Grain: one row per non-empty narrative section (一、五、六) of one report version."""

    __tablename__ = "report_sections"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    section_code: Mapped[str] = mapped_column(ForeignKey("dim_sections.code"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class Finding(Base):
    """Grain: one row per validation finding, of a loaded report version or of a run's failed agency.

    A loaded version's findings carry its ``report_id`` (and stay with it, like its cells); a failed
    agency's findings have ``report_id`` NULL and belong to the ledger row (``run_id``, ``agency_id``).
    ``expected``/``actual`` are stored as text (numbers as printed, e.g. "12" or "3.5").
    """

    __tablename__ = "findings"
    __table_args__ = (Index(None, "run_id", "agency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    table_code: Mapped[str | None] = mapped_column(code_type(16))
    row_code: Mapped[str | None] = mapped_column(code_type(48))
    row_label: Mapped[str | None] = mapped_column(String(200))
    col_code: Mapped[str | None] = mapped_column(code_type(48))
    col_label: Mapped[str | None] = mapped_column(String(200))
    expected: Mapped[str | None] = mapped_column(Text)
    actual: Mapped[str | None] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")


# -- published marts (written by pipeline.publish; see docs/marts.md) ------------------------------------

MART_TABLES: tuple[str, ...] = ("mart_district_cells", "mart_publications")


class MartDistrictCell(Base):
    """Grain: one row per cell of a district-year's published consolidated tables (the latest publication).

    The same numbers as the published files: the sum over the district's loaded agencies. Counts are
    integers (``value_count``), amounts decimals (``value_amount``); both NULL where no agency printed the
    cell (missing is never zero). Replaced as a whole for the district-year by each publication.
    """

    __tablename__ = "mart_district_cells"
    __table_args__ = ({"comment": "区县年度汇总数据（每格一行）Published district figures, one row per cell"},)

    district_code: Mapped[str] = mapped_column(String(12), primary_key=True, comment="行政区划代码 district division code")
    year: Mapped[int] = mapped_column(Integer, primary_key=True, comment="报告年度 reporting year")
    table_code: Mapped[str] = mapped_column(code_type(16), primary_key=True, comment="表代码 table code (proactive/requests/appeals)")
    row_code: Mapped[str] = mapped_column(code_type(48), primary_key=True, comment="行代码 row code (dim_rows.code)")
    col_code: Mapped[str] = mapped_column(code_type(48), primary_key=True, comment="列代码 column code (dim_cols.code)")
    template_version: Mapped[str] = mapped_column(String(8), comment="模板版本 template version of the year (v2019/v2021)")
    value_count: Mapped[int | None] = mapped_column(BigInteger, comment="汇总件数 summed count (counts and signed counts); NULL if no agency printed it")
    value_amount: Mapped[Any | None] = mapped_column(Numeric(20, 4), comment="汇总金额 summed amount (fee 万元, procurement 元); NULL for counts")
    agencies_reporting: Mapped[int] = mapped_column(Integer, comment="填报机关数 agencies whose figure is in the sum")
    official: Mapped[bool] = mapped_column(Boolean, comment="是否本年度模板单元格 cell of the year's template (false: reported in the other version)")
    flags: Mapped[str] = mapped_column(String(64), comment="标注 kinds of marked member cells: ambiguous, corrected, finding (comma-separated)")
    run_id: Mapped[str] = mapped_column(String(64), comment="运行编号 run id of the publication")
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), comment="发布时间 generation time (UTC)")


class MartPublication(Base):
    """Grain: one row per publication of a district-year (every run that published it), with its coverage."""

    __tablename__ = "mart_publications"
    __table_args__ = ({"comment": "区县年度汇总发布记录 Publications of district figures, with coverage"},)

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True, comment="运行编号 run id")
    district_code: Mapped[str] = mapped_column(String(12), primary_key=True, comment="行政区划代码 district division code")
    year: Mapped[int] = mapped_column(Integer, primary_key=True, comment="报告年度 reporting year")
    template_version: Mapped[str] = mapped_column(String(8), comment="模板版本 template version (v2019/v2021)")
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), comment="发布时间 generation time (UTC)")
    agencies_registered: Mapped[int] = mapped_column(Integer, comment="登记机关数 agencies registered")
    agencies_loaded: Mapped[int] = mapped_column(Integer, comment="纳入汇总机关数 agencies in the figures")
    agencies_failed: Mapped[int] = mapped_column(Integer, comment="未通过机关数 agencies failed (not in the figures)")
    agencies_missing: Mapped[int] = mapped_column(Integer, comment="缺报机关数 agencies missing (never zero)")
    agencies_withdrawn: Mapped[int] = mapped_column(Integer, comment="撤销登记机关数 agencies no longer registered")
    agencies_older_version: Mapped[int] = mapped_column(Integer, comment="采用较早版本机关数 agencies whose newest submission failed, older version used")
    folder: Mapped[str] = mapped_column(Text, comment="文件目录 folder of the published files")


# -- operations: corrections and withdrawals (pipeline.ops; see docs/operations.md) --------------------


class CellCorrection(Base):
    """Grain: one row per corrected cell of one report version — the printed value beside the corrected one.

    ``fact_cells`` of the version hold the corrected value (what the figures and BI views use); this row keeps
    what was printed (``printed_value``/``printed_raw``/``printed_status``: read, blank, not_printed or
    ambiguous), the correction (``corrected_value``; NULL = blank), its ``kind`` (``candidate``: one of an
    ambiguous cell's readings; ``replace``: a printed value replaced), ``reason``, ``author`` and where it was
    written (``origin``: corrections file and entry). Rows stay with their version, like its cells.
    """

    __tablename__ = "cell_corrections"
    __table_args__ = (UniqueConstraint("report_id", "table_code", "row_code", "col_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    table_code: Mapped[str] = mapped_column(code_type(16))
    row_code: Mapped[str] = mapped_column(code_type(48))
    col_code: Mapped[str] = mapped_column(code_type(48))
    printed_value: Mapped[float | None] = mapped_column(Double)
    printed_raw: Mapped[str] = mapped_column(Text, default="")
    printed_status: Mapped[str] = mapped_column(String(16))
    corrected_value: Mapped[float | None] = mapped_column(Double)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    corrected_at: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(Text, default="")


class Withdrawal(Base):
    """Grain: one row per withdrawal of an agency's report for a year (``pipeline withdraw``).

    The withdrawn version (``report_id``, ``version``, its file's ``source_sha256``) is deactivated and stays in
    history; while the agency-year has no active version it shows as withdrawn and is not in the figures. The
    same file submitted again is not loaded again; a different file is (a new version, active).
    """

    __tablename__ = "withdrawals"
    __table_args__ = (Index(None, "agency_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    version: Mapped[int | None] = mapped_column(Integer)
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    withdrawn_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
