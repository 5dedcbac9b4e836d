"""Which districts' published files no longer say what the warehouse holds — after a run, ``rerun`` or
``withdraw`` was killed between loading and publishing, or between the files and the mart.

A district-year is **stale** when (read-only; nothing is written here):

- some agency of it has an active report but the district has no ``latest.json`` (never published);
- ``latest.json``'s run id is not the run of the mart's latest publication (``mart_publications``): the files
  were made latest and the mart transaction never committed (or the other way round);
- a report of one of its agencies was loaded, or a withdrawal recorded, after ``latest.json``'s
  ``generated_at``: the warehouse changed and the district was not published again.

:func:`stale_districts` lists them; ``pipeline rerun`` and ``pipeline withdraw`` republish them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, text

_MART_LATEST = text("SELECT district_code, run_id, published_at FROM mart_publications WHERE year = :y "
                    "ORDER BY published_at")
_LAST_CHANGE = text(
    "SELECT a.district_code, MAX(r.loaded_at) FROM reports r JOIN agencies a ON a.id = r.agency_id "
    "WHERE r.year = :y GROUP BY a.district_code")
_LAST_WITHDRAWAL = text(
    "SELECT a.district_code, MAX(w.withdrawn_at) FROM withdrawals w JOIN agencies a ON a.id = w.agency_id "
    "WHERE w.year = :y GROUP BY a.district_code")


def latest_published(published_dir: Path, year: int, code: str) -> dict | None:
    """The district's ``latest.json`` (None when absent or unreadable)."""
    try:
        doc = json.loads((Path(published_dir) / str(year) / code / "latest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _utc(v) -> dt.datetime | None:
    if v is None:
        return None
    if isinstance(v, str):
        try:
            v = dt.datetime.fromisoformat(v)
        except ValueError:
            return None
    return v if v.tzinfo else v.replace(tzinfo=dt.UTC)


def stale_districts(engine: Engine, published_dir: Path, year: int, codes: Iterable[str]) -> list[str]:
    """The districts among ``codes`` whose published files are stale (module docstring), in order."""
    p = {"y": year}
    with engine.connect() as conn:
        mart = {r[0]: r[1] for r in conn.execute(_MART_LATEST, p)}  # ordered: the latest publication wins
        loaded = {r[0]: _utc(r[1]) for r in conn.execute(_LAST_CHANGE, p)}
        withdrawn = {r[0]: _utc(r[1]) for r in conn.execute(_LAST_WITHDRAWAL, p)}
    out = []
    for code in dict.fromkeys(codes):
        latest = latest_published(published_dir, year, code)
        if latest is None:
            if code in loaded or code in mart:
                out.append(code)
            continue
        generated = _utc(latest.get("generated_at"))
        changed = max((t for t in (loaded.get(code), withdrawn.get(code)) if t is not None), default=None)
        if mart.get(code) != latest.get("run_id") or (changed is not None and (generated is None or changed > generated)):
            out.append(code)
    return out
