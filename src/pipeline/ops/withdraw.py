"""Withdraw an agency's report for a year: out of the figures, kept in history.

:func:`withdraw` deactivates the active version and records who withdrew it, when and why (``withdrawals``).
While the agency-year has no active version it shows as *withdrawn* (status, coverage list), and the same
file, submitted again, is not loaded again (:func:`withdrawn_files`); a different file is loaded as a new
version. Withdrawing an agency-year that is already withdrawn changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from pipeline.ops import OpsError
from pipeline.warehouse.engine import write_transaction
from pipeline.warehouse.models import Agency, Report, Withdrawal

_r, _w, _a = Report.__table__, Withdrawal.__table__, Agency.__table__


@dataclass(frozen=True, slots=True)
class Withdrawn:
    agency_id: str
    district: str
    year: int
    version: int | None
    already: bool  # True: nothing was active, the agency-year was withdrawn before
    reason: str


def withdraw(engine: Engine, *, year: int, agency_id: str, reason: str, author: str) -> Withdrawn:
    """Withdraw ``agency_id``'s active report of ``year`` (module docstring).

    Raises :class:`OpsError` for an agency the warehouse does not know, an empty reason, or an agency-year
    with nothing loaded and nothing withdrawn.
    """
    if not reason.strip():
        raise OpsError(f"撤回需要理由 / agency {agency_id} {year}: give a reason (--reason)")
    with write_transaction(engine) as conn:
        a = conn.execute(select(_a.c.id, _a.c.district_code).where(_a.c.id == agency_id)).first()
        if a is None:
            raise OpsError(f"数据仓库中没有该机关 / agency {agency_id} is not in the warehouse (check the id; run the year first)")
        active = conn.execute(select(_r.c.id, _r.c.version, _r.c.source_sha256)
                              .where(_r.c.agency_id == agency_id, _r.c.year == year, _r.c.is_active)).first()
        if active is None:
            last = conn.execute(select(_w.c.version, _w.c.reason).where(_w.c.agency_id == agency_id, _w.c.year == year)
                                .order_by(_w.c.id.desc()).limit(1)).first()
            if last is None:
                raise OpsError(f"该机关{year}年没有已加载的报告 / agency {agency_id} has no loaded report for {year}: "
                               f"nothing to withdraw")
            return Withdrawn(agency_id, a.district_code, year, last.version, True, last.reason)
        conn.execute(update(_r).where(_r.c.id == active.id).values(is_active=False))
        conn.execute(insert(_w).values(agency_id=agency_id, year=year, report_id=active.id, version=active.version,
                                       source_sha256=active.source_sha256, reason=reason.strip(),
                                       author=author.strip() or "unknown", withdrawn_at=dt.datetime.now(dt.UTC)))
    return Withdrawn(agency_id, a.district_code, year, active.version, False, reason.strip())


def withdrawn_files(engine: Engine, year: int, agency_ids) -> dict[str, dict[str, tuple[int | None, str]]]:
    """agency → {sha256 of a withdrawn file: (version, reason)} for ``year`` (agencies without one absent)."""
    ids = sorted(set(agency_ids))
    if not ids:
        return {}
    out: dict[str, dict[str, tuple[int | None, str]]] = {}
    with engine.connect() as conn:
        for r in conn.execute(select(_w.c.agency_id, _w.c.source_sha256, _w.c.version, _w.c.reason)
                              .where(_w.c.year == year, _w.c.agency_id.in_(ids)).order_by(_w.c.id)):
            if r.source_sha256:
                out.setdefault(r.agency_id, {})[r.source_sha256] = (r.version, r.reason)
    return out
