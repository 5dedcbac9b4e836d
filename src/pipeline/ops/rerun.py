"""Re-runs: which agencies a re-run processes, which districts it republishes, which drop folder it reads.

``pipeline rerun --failed`` re-processes every agency whose latest outcome for the year is *failed*;
``--agency ID …`` the ones named. Only those agencies are parsed, validated and loaded; the districts where
one of them loaded are republished (their other members' figures are read from the warehouse as they are).
The drop folder defaults to the one the year's latest run read (``runs.submissions_dir``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, text, update

from pipeline.ops import OpsError
from pipeline.registry import Registry

TIMEZONE = "Asia/Shanghai"

_LATEST_STATUS = text(
    "SELECT ra.agency_id, ra.status FROM run_agencies ra JOIN runs ru ON ru.id = ra.run_id "
    "WHERE ra.year = :y ORDER BY ru.started_at, ra.recorded_at")


def default_year(now: dt.datetime | None = None) -> int:
    """The year the scheduled run reports on: the previous calendar year in Asia/Shanghai."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(TIMEZONE)).year - 1


def failed_agencies(engine: Engine, year: int) -> list[str]:
    """Agencies whose latest outcome for ``year`` (any run) is ``failed``, sorted."""
    with engine.connect() as conn:
        latest = {a: s for a, s in conn.execute(_LATEST_STATUS, {"y": year})}  # ordered: the last row wins
    return sorted(a for a, s in latest.items() if s == "failed")


def select_agencies(registry: Registry, agency_ids: Sequence[str], districts: Sequence[str] | None = None
                    ) -> tuple[list[str], list[str]]:
    """The registered agencies among ``agency_ids`` (and ``districts`` when given) and their districts, in
    registry order. :class:`OpsError` naming an id the registry does not know."""
    where = {a.id: d.code for d in registry.districts.values() for a in d.agencies}
    unknown = [a for a in dict.fromkeys(agency_ids) if a not in where]
    if unknown:
        raise OpsError(f"登记名单中没有该机关 / agency {', '.join(unknown)} is not in the registry")
    wanted = set(agency_ids)
    if districts:
        wanted = {a for a in wanted if where[a] in set(districts)}
    ids = [a for a in where if a in wanted]
    return ids, list(dict.fromkeys(where[a] for a in ids))


def last_submissions_dir(engine: Engine, year: int) -> Path | None:
    """The drop folder the year's latest run read (None when no run recorded one)."""
    from pipeline.warehouse.models import Run

    r = Run.__table__
    with engine.connect() as conn:
        got = conn.execute(select(r.c.submissions_dir).where(r.c.year == year, r.c.submissions_dir.is_not(None))
                           .order_by(r.c.started_at.desc()).limit(1)).scalar()
    return Path(got) if got else None


def note_submissions_dir(engine: Engine, run_id: str, submissions_dir: Path | str) -> None:
    """Record on the run the drop folder it reads (``pipeline rerun``'s default)."""
    from pipeline.warehouse.engine import write_transaction
    from pipeline.warehouse.models import Run

    r = Run.__table__
    with write_transaction(engine) as conn:
        conn.execute(update(r).where(r.c.id == run_id).values(submissions_dir=str(Path(submissions_dir).resolve())))


def plan(warehouse_url: str, registry: Registry, year: int, agencies: Sequence[str], failed_only: bool,
         districts: Sequence[str] | None, submissions_dir: str | Path | None) -> tuple[list[str], list[str], Path]:
    """A re-run's agencies, districts and drop folder.

    ``agencies`` named and/or, with ``failed_only``, every agency whose latest outcome is failed — within
    ``districts`` when given. The drop folder: ``submissions_dir``, else the year's latest run's, else the
    settings' default. :class:`OpsError` for an unknown agency.
    """
    from pipeline.settings import get_settings
    from pipeline.warehouse import get_engine

    engine = get_engine(warehouse_url)
    wanted = list(agencies)
    if failed_only:
        wanted += failed_agencies(engine, year)
    ids, codes = select_agencies(registry, wanted, districts)
    folder = Path(submissions_dir) if submissions_dir else (last_submissions_dir(engine, year)
                                                            or get_settings().submissions_dir)
    return ids, codes, folder
