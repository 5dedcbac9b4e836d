"""The run ledger: every run of the annual job, and what happened to each agency in it.

``runs`` holds one row per run (year, districts, policy, state, outcome counts); ``run_agencies`` one
row per agency per run (loaded / unchanged / failed / missing, the reason, the report version). A failed
or missing agency gets its ledger row and its findings and nothing else: no report version, no cells.

A run's status: ``running`` while its process holds the year's run lock (:mod:`pipeline.warehouse.runlock`),
then ``completed`` or ``failed`` — or ``abandoned``, set by the next run of any year when the process died
without closing it (killed, machine lost).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update

from pipeline.failpoints import failpoint
from pipeline.warehouse import runlock
from pipeline.warehouse.engine import write_transaction
from pipeline.warehouse.models import OUTCOME_STATUSES, Agency, Finding, Run, RunAgency
from pipeline.warehouse.statistics import refresh_statistics
from pipeline.warehouse.upsert import upsert

FINDING_FIELDS: tuple[str, ...] = (
    "rule", "severity", "table", "row", "row_label", "col", "col_label", "expected", "actual", "message_zh", "message_en",
)


# Statements built once (building a statement costs more than running it on SQLite).
_rt, _at, _fd = Run.__table__, Agency.__table__, Finding.__table__
_RUN_EXISTS = select(_rt.c.id).where(_rt.c.id == bindparam("run_id"))
_AGENCY_EXISTS = select(_at.c.id).where(_at.c.id == bindparam("agency_id"))
_AGENCY_LOCK = _AGENCY_EXISTS.with_for_update()
_DROP_FAILURE_FINDINGS = delete(_fd).where(
    _fd.c.run_id == bindparam("run_id"), _fd.c.agency_id == bindparam("agency_id"), _fd.c.report_id.is_(None))
_INSERT_FINDING = insert(_fd)


class WarehouseError(ValueError):
    """A load or ledger call the warehouse cannot carry out (unknown run or agency, malformed report)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def start_run(engine: Engine, *, year: int, districts: list[str], policy: str, flow_run_id: str | None = None,
              lock_wait: float | None = None) -> str:
    """Open a run in the ledger (status ``running``); returns its id.

    Takes the (warehouse, year) run lock first (:mod:`pipeline.warehouse.runlock`): raises
    :class:`~pipeline.warehouse.runlock.RunLocked` (one line naming the running run) when another process
    runs the year, after waiting up to ``lock_wait`` / ``PIPELINE_RUN_LOCK_WAIT`` seconds. Then closes
    ``abandoned`` every run left ``running`` by a process that is gone (:func:`close_abandoned`).
    """
    if not isinstance(year, int) or isinstance(year, bool):
        raise WarehouseError(f"start_run: year must be an int, got {year!r}")
    run_id = str(uuid.uuid4())
    runlock.acquire(engine, year, run_id, lock_wait=lock_wait)
    try:
        close_abandoned(engine, year=year)
        refresh_statistics(engine, growth=0.1)  # a warehouse loaded since its last ANALYZE plans badly
        with write_transaction(engine) as conn:
            conn.execute(insert(Run.__table__).values(
                id=run_id, flow_run_id=flow_run_id, started_at=utcnow(), year=year,
                districts=[str(d) for d in districts], policy=policy, status="running",
            ))
    except BaseException:
        runlock.release(engine, year, run_id)
        raise
    failpoint("run.after-start")
    return run_id


def finish_run(engine: Engine, run_id: str, *, status: str) -> None:
    """Close a run: its final status, finish time and the count of agencies per outcome; then let go of its
    run lock."""
    failpoint("run.before-finish")
    refresh_statistics(engine, growth=0.1)  # leave the next run and BI readers statistics of what was loaded
    with write_transaction(engine) as conn:
        require_run(conn, run_id)
        year = conn.execute(select(Run.__table__.c.year).where(Run.__table__.c.id == run_id)).scalar_one()
        _close(conn, [run_id], status)
    runlock.release(engine, year, run_id)


def close_abandoned(engine: Engine, *, year: int | None = None) -> list[str]:
    """Close ``abandoned`` every run left ``running`` whose process is gone; returns their ids.

    A run is alive exactly when its year's run lock is held (:mod:`pipeline.warehouse.runlock`): a run of
    ``year`` (whose lock the caller holds) that this process does not run is dead; a run of another year
    is dead when nobody holds that year's lock. Counts are those of its ledger rows so far.
    """
    rt = Run.__table__
    with engine.connect() as conn:
        running = conn.execute(select(rt.c.id, rt.c.year).where(rt.c.status == "running")).all()
    alive = runlock.held_runs()
    free: dict[int, bool] = {}
    dead = []
    for rid, y in running:
        if rid in alive:
            continue
        if y != year and y not in free:
            free[y] = runlock.year_is_free(engine, y)
        if y == year or free[y]:
            dead.append(rid)
    if dead:
        with write_transaction(engine) as conn:
            _close(conn, dead, "abandoned", only_running=True)
    return dead


def _close(conn: Connection, run_ids: list[str], status: str, *, only_running: bool = False) -> None:
    ra, rt = RunAgency.__table__, Run.__table__
    for run_id in run_ids:
        counts = dict(conn.execute(
            select(ra.c.status, func.count()).where(ra.c.run_id == run_id).group_by(ra.c.status)
        ).all())
        where = [rt.c.id == run_id] + ([rt.c.status == "running"] if only_running else [])
        conn.execute(update(rt).where(*where).values(
            status=status, finished_at=utcnow(), **{f"n_{s}": int(counts.get(s, 0)) for s in OUTCOME_STATUSES},
        ))


def record_failure(
    engine: Engine,
    *,
    run_id: str,
    agency_id: str,
    year: int,
    reason: str,
    source: Any = None,
    findings: Sequence = (),
    status: str | None = None,
) -> None:
    """Record a failed or missing agency: its ledger row and findings; nothing is loaded.

    ``status`` defaults to ``missing`` when there is no ``source`` file and ``failed`` otherwise; pass
    ``failed`` explicitly for a failure without a file (e.g. an ambiguous drop folder).
    """
    status = status or ("missing" if source is None else "failed")
    if status not in ("failed", "missing"):
        raise WarehouseError(f"record_failure: status must be failed or missing, got {status!r}")
    with write_transaction(engine) as conn:
        require_run(conn, run_id)
        require_agency(conn, agency_id)
        record_outcome(conn, run_id=run_id, agency_id=agency_id, year=year, status=status, reason=reason,
                       report_id=None, source=source)
        write_findings(conn, findings, run_id=run_id, agency_id=agency_id, year=year, report_id=None)


def record_outcome(conn: Connection, *, run_id: str, agency_id: str, year: int, status: str, reason: str,
                   report_id: int | None, source: Any) -> None:
    """Upsert the agency's ledger row for this run (a retry within the run replaces the earlier outcome)
    and drop findings of an earlier failed attempt in this run."""
    upsert(conn, RunAgency.__table__, [{
        "run_id": run_id, "agency_id": agency_id, "year": year, "status": status, "reason": reason,
        "report_id": report_id, "source_name": getattr(source, "name", None),
        "source_sha256": getattr(source, "sha256", None), "recorded_at": utcnow(),
    }], ["run_id", "agency_id"])
    conn.execute(_DROP_FAILURE_FINDINGS, {"run_id": run_id, "agency_id": agency_id})


def write_findings(conn: Connection, findings: Sequence, *, run_id: str, agency_id: str, year: int,
                   report_id: int | None) -> None:
    rows = finding_rows(findings, run_id=run_id, agency_id=agency_id, year=year, report_id=report_id)
    if rows:
        conn.execute(_INSERT_FINDING, rows)


def finding_rows(findings: Sequence, *, run_id: str, agency_id: str, year: int, report_id: int | None) -> list[dict]:
    """The agency's findings as ``findings`` table rows (``seq`` in the given order).

    Raises :class:`WarehouseError` for a finding without a rule or a severity.
    """
    rows = []
    for i, f in enumerate(findings):
        d = finding_dict(f)
        if not d["rule"] or not d["severity"]:
            raise WarehouseError(f"finding #{i + 1} of agency {agency_id} has no rule or severity: {f!r}")
        rows.append({
            "report_id": report_id, "run_id": run_id, "agency_id": agency_id, "year": year, "seq": i,
            "rule": str(d["rule"]), "severity": str(d["severity"]), "table_code": d["table"], "row_code": d["row"],
            "row_label": d["row_label"], "col_code": d["col"], "col_label": d["col_label"],
            "expected": _text(d["expected"]), "actual": _text(d["actual"]),
            "message_zh": d["message_zh"] or "", "message_en": d["message_en"] or "",
        })
    return rows


def finding_dict(f: Any) -> dict[str, Any]:
    """The finding's fields from a ``Finding``-like object or a mapping (absent fields are None)."""
    if isinstance(f, Mapping):
        return {k: f.get(k) for k in FINDING_FIELDS}
    return {k: getattr(f, k, None) for k in FINDING_FIELDS}


def _text(v: Any) -> str | None:
    """Expected/actual as text: numbers without a spurious ``.0``; None stays NULL."""
    if v is None:
        return None
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return str(int(v))
    return str(v)


def require_run(conn: Connection, run_id: str) -> None:
    if conn.execute(_RUN_EXISTS, {"run_id": run_id}).first() is None:
        raise WarehouseError(f"run {run_id!r} is not in the ledger (call start_run first)")


def require_agency(conn: Connection, agency_id: str, *, lock: bool = False) -> None:
    if conn.execute(_AGENCY_LOCK if lock else _AGENCY_EXISTS, {"agency_id": agency_id}).first() is None:
        raise WarehouseError(f"agency {agency_id!r} is not in the warehouse (sync the registry first)")
