"""A batch of agencies in and out of the warehouse in a few set-based statements.

Why: one transaction and a previous-year read per agency cost 3–8 ms each, while the bulk path writes
400–500k cells a second. So a batch (one district, or a bounded chunk of agencies of one year):

- :func:`previous_reports` — every agency's active report of the year before, in one query;
- :func:`load_batch` — every report that may be loaded, and every failed or missing agency, in one
  transaction: the active versions of the batch read at once, unchanged ones only get their ledger
  row, the others' old versions deactivated in one UPDATE, the new versions inserted in one
  statement, their cells in one COPY (PostgreSQL) / bulk INSERT (SQLite), sections, findings and the
  ledger rows each in one statement.

Each agency keeps its own all-or-nothing load: a report the warehouse cannot store (an unknown code, a
value that is not a number) is found before the transaction and recorded as that agency's failure;
should the batch transaction still fail on something only the database sees, the batch is loaded
again agency by agency (:func:`pipeline.warehouse.load.load_report`), so one bad report never rolls
back its neighbours. Transient database errors (:mod:`pipeline.transient`) propagate: the whole
batch is retried and, the transaction having been rolled back, nothing is written twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    insert,
    select,
    update,
)

import pipeline
from pipeline import vocabulary as voc
from pipeline.failpoints import failpoint
from pipeline.model import Cell, Meta, ParsedReport
from pipeline.transient import is_transient
from pipeline.warehouse.engine import driver_rows, write_transaction
from pipeline.warehouse.ledger import WarehouseError, finding_rows, record_failure, utcnow
from pipeline.warehouse.load import SourceFile, cell_rows, load_report, write_cells
from pipeline.warehouse.models import Agency, FactCell, Finding, Report, ReportSection, RunAgency
from pipeline.warehouse.statistics import refresh_statistics_quietly
from pipeline.warehouse.upsert import upsert

_r, _f, _s, _a, _fd = (Report.__table__, FactCell.__table__, ReportSection.__table__, Agency.__table__,
                       Finding.__table__)


@dataclass(slots=True)
class LoadItem:
    """An agency's report that may be loaded: the parse, its file, its findings, its parse digest."""

    agency_id: str
    report: ParsedReport
    source: SourceFile
    digest: str  # pipeline.warehouse.load.parse_digest(report), computed where the report was parsed
    findings: Sequence = ()


@dataclass(slots=True)
class FailItem:
    """An agency that is not loaded: ``failed`` (with its reason, file and findings) or ``missing``."""

    agency_id: str
    status: str
    reason: str
    source: SourceFile | None = None
    findings: Sequence = ()


@dataclass(slots=True)
class BatchLoad:
    """What :func:`load_batch` did, by agency id.

    ``loaded``: agency → (report id, version, changed); ``refused``: agency → reason, for reports the
    warehouse could not store (recorded as failed, with their findings).
    """

    loaded: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


# -- previous year -------------------------------------------------------------------------------------


def previous_reports(engine: Engine, agency_ids: Sequence[str], year: int) -> dict[str, ParsedReport]:
    """Each agency's active report of ``year - 1``, rebuilt as loaded (absent: no key).

    Equal to :func:`pipeline.warehouse.queries.previous_report` agency by agency. Three lean queries on
    one connection and one snapshot, whatever the number of agencies: the heads, then the cells and the
    sections of those report ids (on the primary key). The cells come back as bare tuples of six columns,
    read in ``seq`` order, so a batch's previous year costs one round trip per kind and no per-row type
    processing beyond the driver's.
    """
    ids = sorted(set(agency_ids))
    if not ids:
        return {}
    where = (_r.c.agency_id.in_(bindparam("ids", expanding=True)), _r.c.year == year - 1, _r.c.is_active)
    heads = select(_r.c.id, _r.c.agency_id, _r.c.template_version, _r.c.meta_agency, _r.c.meta_year, _r.c.title,
                   _r.c.published_on, _r.c.index_no, _r.c.warnings).where(*where)
    # the report ids are read first and passed as a list: the cells are then found on the primary key
    # whatever the planner believes of a join (on a fast-growing table its statistics lag behind)
    rids = bindparam("rids", expanding=True)
    cells = (select(_f.c.report_id, _f.c.table_code, _f.c.row_code, _f.c.col_code, _f.c.value, _f.c.raw,
                    _f.c.ambiguous).where(_f.c.report_id.in_(rids)).order_by(_f.c.report_id, _f.c.seq))
    sections = select(_s.c.report_id, _s.c.section_code, _s.c.text).where(_s.c.report_id.in_(rids))
    with engine.connect() as conn, conn.begin():  # one snapshot on PostgreSQL (and on SQLite in WAL mode)
        head_rows = conn.execute(heads, {"ids": ids}).all()
        params = {"rids": [h[0] for h in head_rows]}
        if params["rids"]:
            cell_rows_ = driver_rows(conn, cells, params)  # ~200 rows a report: skip SQLAlchemy's Row objects
            section_rows = conn.execute(sections, params).tuples().all()
        else:
            cell_rows_, section_rows = [], []
    cell_lists: dict[int, list[Cell]] = {}
    amounts = voc.AMOUNT_COLS
    current, append = None, None
    for r, t, row, col, v, raw, amb in cell_rows_:  # in report_id order: one list per run of rows
        if r != current:
            current, append = r, cell_lists.setdefault(r, []).append
        if v is not None:  # as queries._number: counts come back as int, amounts as float
            if v.__class__ is not float:
                v = float(v)
            if v.is_integer() and not (col in amounts and t == "proactive"):
                v = int(v)
        append(Cell(t, row, col, v, raw, amb is True or bool(amb)))
    section_maps: dict[int, dict[str, str]] = {}
    for r, code, text in section_rows:
        section_maps.setdefault(r, {})[code] = text
    out: dict[str, ParsedReport] = {}
    for h in head_rows:
        sections_ = dict.fromkeys(voc.NARRATIVE_SECTIONS, "")
        sections_.update(section_maps.get(h[0], {}))
        out[h[1]] = ParsedReport(h[2], Meta(h[3], h[4], h[5], h[6], h[7]), cell_lists.get(h[0], []),
                                 list(h[8] or []), sections_)
    return out


# -- loading -------------------------------------------------------------------------------------------


def load_batch(engine: Engine, *, run_id: str, year: int, loads: Sequence[LoadItem], failures: Sequence[FailItem],
               parser_version: str | None = None) -> BatchLoad:
    """Load a batch of one year (module docstring); every agency of it gets its ledger row.

    Raises :class:`WarehouseError` for an unknown run or agency (the registry was not synced) and
    re-raises transient database errors; any other error of the bulk transaction falls back to
    loading agency by agency.
    """
    ids = [x.agency_id for x in loads] + [x.agency_id for x in failures]
    if len(set(ids)) != len(ids):
        raise WarehouseError(f"load_batch: an agency appears twice in the batch: {sorted({i for i in ids if ids.count(i) > 1})}")
    result = BatchLoad()
    fails = list(failures)
    ready: list[tuple[LoadItem, list[tuple]]] = []
    for item in loads:  # what only the report itself can be wrong about: found before the transaction
        try:
            where = f"agency {item.agency_id} {year}, file {item.source.name}"
            rows = cell_rows(item.report, report_id=0, where=where)
            unknown = [k for k, v in item.report.sections.items() if v and k not in voc.SECTIONS]
            if unknown:
                raise WarehouseError(f"{where}: unknown section code(s) {unknown}")
        except WarehouseError as e:
            result.refused[item.agency_id] = str(e)
            fails.append(FailItem(item.agency_id, "failed", str(e), item.source, item.findings))
            continue
        ready.append((item, rows))
    try:
        with write_transaction(engine) as conn:
            _load(conn, run_id, year, ready, fails, parser_version or pipeline.__version__, result)
    except Exception as e:
        if is_transient(e) or (isinstance(e, WarehouseError) and "not in the" in str(e)):
            raise
        result.loaded.clear()
        _one_by_one(engine, run_id, year, ready, fails, parser_version, result)
    failpoint("load.after-commit")
    refresh_statistics_quietly(engine, growth=1.0)  # a table that doubled since its last ANALYZE (a few times a run)
    return result


def _load(conn: Connection, run_id: str, year: int, ready: list[tuple[LoadItem, list[tuple]]],
          fails: list[FailItem], parser_version: str, result: BatchLoad) -> None:
    from pipeline.warehouse.ledger import require_run

    require_run(conn, run_id)
    ids = sorted([it.agency_id for it, _ in ready] + [f.agency_id for f in fails])
    q = select(_a.c.id).where(_a.c.id.in_(ids))
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()  # serialises loads of one agency, as load_report does
    known = set(conn.execute(q).scalars())
    if len(known) != len(ids):
        raise WarehouseError(f"agencies {sorted(set(ids) - known)[:10]} not in the warehouse (sync the registry first)")
    load_ids = [it.agency_id for it, _ in ready]
    active = {r.agency_id: r for r in conn.execute(
        select(_r.c.id, _r.c.agency_id, _r.c.version, _r.c.source_sha256, _r.c.parse_sha256)
        .where(_r.c.agency_id.in_(load_ids), _r.c.year == year, _r.c.is_active))} if load_ids else {}
    last = dict(conn.execute(select(_r.c.agency_id, func.max(_r.c.version))
                             .where(_r.c.agency_id.in_(load_ids), _r.c.year == year)
                             .group_by(_r.c.agency_id)).all()) if load_ids else {}
    now = utcnow()
    ledger: list[dict] = []
    new: list[tuple[LoadItem, list[tuple], int]] = []
    for item, rows in ready:
        a = active.get(item.agency_id)
        if a is not None and a.source_sha256 == item.source.sha256 and a.parse_sha256 == item.digest:
            result.loaded[item.agency_id] = (a.id, a.version, False)
            ledger.append(_ledger_row(run_id, item.agency_id, year, "unchanged",
                                      f"same file and parse as version {a.version}", a.id, item.source, now))
        else:
            new.append((item, rows, (last.get(item.agency_id) or 0) + 1))
    old = [active[it.agency_id].id for it, _, _ in new if it.agency_id in active]
    if old:
        conn.execute(update(_r).where(_r.c.id.in_(old)).values(is_active=False))
    report_ids: dict[str, int] = {}
    if new:
        heads = [_report_row(it, year, v, run_id, parser_version, now) for it, _, v in new]
        report_ids = dict((a, i) for i, a in conn.execute(insert(_r).returning(_r.c.id, _r.c.agency_id), heads))
    write_cells(conn, ((report_ids[it.agency_id], *r[1:]) for it, rows, _ in new for r in rows))
    failpoint("load.mid-transaction")
    sections = [{"report_id": report_ids[it.agency_id], "section_code": k, "text": v}
                for it, _, _ in new for k, v in it.report.sections.items() if v]
    if sections:
        conn.execute(insert(_s), sections)
    conn.execute(_fd.delete().where(_fd.c.run_id == run_id, _fd.c.agency_id.in_(ids), _fd.c.report_id.is_(None)))
    findings: list[dict] = []
    for it, _, v in new:
        rid = report_ids[it.agency_id]
        findings += finding_rows(it.findings, run_id=run_id, agency_id=it.agency_id, year=year, report_id=rid)
        a = active.get(it.agency_id)
        reason = "first version" if a is None else f"replaces version {a.version}"
        ledger.append(_ledger_row(run_id, it.agency_id, year, "loaded", reason, rid, it.source, now))
        result.loaded[it.agency_id] = (rid, v, True)
    for f in fails:
        findings += finding_rows(f.findings, run_id=run_id, agency_id=f.agency_id, year=year, report_id=None)
        ledger.append(_ledger_row(run_id, f.agency_id, year, f.status, f.reason, None, f.source, now))
    if findings:
        conn.execute(insert(_fd), findings)
    upsert(conn, RunAgency.__table__, ledger, ["run_id", "agency_id"])
    failpoint("load.before-commit")


def _report_row(item: LoadItem, year: int, version: int, run_id: str, parser_version: str, now) -> dict:
    m, s = item.report.meta, item.source
    return {"agency_id": item.agency_id, "year": year, "version": version, "is_active": True, "status": "loaded",
            "template_version": item.report.template, "parser_version": parser_version,
            "source_name": s.name, "source_sha256": s.sha256, "source_size": s.size, "source_form": s.form,
            "parse_sha256": item.digest, "run_id": run_id, "loaded_at": now, "meta_agency": m.agency,
            "meta_year": m.year, "title": m.title, "published_on": m.published_on, "index_no": m.index_no,
            "warnings": list(item.report.warnings)}


def _ledger_row(run_id: str, agency_id: str, year: int, status: str, reason: str, report_id: int | None,
                source: SourceFile | None, now) -> dict:
    return {"run_id": run_id, "agency_id": agency_id, "year": year, "status": status, "reason": reason,
            "report_id": report_id, "source_name": getattr(source, "name", None),
            "source_sha256": getattr(source, "sha256", None), "recorded_at": now}


def _one_by_one(engine: Engine, run_id: str, year: int, ready: list[tuple[LoadItem, list[tuple]]],
                fails: list[FailItem], parser_version: str | None, result: BatchLoad) -> None:
    """The fallback: each agency in its own transaction; a report the database refuses fails alone."""
    for item, _ in ready:
        try:
            out = load_report(engine, run_id=run_id, agency_id=item.agency_id, year=year, report=item.report,
                              source=item.source, findings=item.findings, parser_version=parser_version)
        except Exception as e:
            if is_transient(e):
                raise
            reason = f"the warehouse refused the report: {type(e).__name__}: {str(e).splitlines()[0][:300]}"
            result.refused[item.agency_id] = reason
            fails.append(FailItem(item.agency_id, "failed", reason, item.source, item.findings))
            continue
        result.loaded[item.agency_id] = (out.report_id, out.version, out.changed)
    for f in fails:
        record_failure(engine, run_id=run_id, agency_id=f.agency_id, year=year, reason=f.reason, source=f.source,
                       findings=f.findings, status=f.status)
