"""``pipeline status``: the year's last run and every agency's state, and the version each publication uses.

:func:`year_status` returns a JSON-ready dict::

    {"year", "last_run": {"id", "status", "started_at", "finished_at", "districts", "policy",
                          "submissions_dir", "counts"} | null,
     "districts": [{"code", "name", "published": {"run_id", "generated_at"} | null,
                    "agencies": [{"agency_id", "name", "state", "version", "reason", "findings",
                                  "corrections", "published_version", "run_id"}, …]}, …]}

``state`` per agency: ``loaded`` (the latest run loaded a new version), ``unchanged`` (same file and parse),
``failed`` (reason; ``version`` the older version still in the figures, if any), ``missing``,
``withdrawn`` (``pipeline withdraw``, or no longer in the registry) or ``never run``. ``findings`` counts the
findings of the latest outcome (the failed attempt's, or the loaded version's); ``corrections`` the corrected
cells of the active version; ``published_version`` the version the district's latest publication counts
(from its ``kpis.json``; null when it counts none).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from pipeline.registry import Registry

_RUN = text("SELECT id, status, started_at, finished_at, districts, policy, submissions_dir, n_loaded, n_unchanged, "
            "n_failed, n_missing FROM runs WHERE year = :y ORDER BY started_at DESC")
_LEDGER = text(
    "SELECT ra.agency_id, ra.run_id, ra.status, ra.reason, ra.report_id FROM run_agencies ra JOIN runs ru ON ru.id = ra.run_id "
    "WHERE ra.year = :y ORDER BY ru.started_at, ra.recorded_at")
_ACTIVE = text("SELECT agency_id, id, version FROM reports WHERE year = :y AND is_active")
_FAILED_FINDINGS = text("SELECT run_id, agency_id, COUNT(*) FROM findings WHERE year = :y AND report_id IS NULL "
                        "GROUP BY run_id, agency_id")
_REPORT_FINDINGS = text("SELECT f.report_id, COUNT(*) FROM findings f JOIN reports r ON r.id = f.report_id "
                        "WHERE r.year = :y GROUP BY f.report_id")
_CORRECTIONS = text("SELECT c.report_id, COUNT(*) FROM cell_corrections c WHERE c.year = :y GROUP BY c.report_id")
_WITHDRAWN = text("SELECT agency_id, version, reason, author FROM withdrawals WHERE year = :y ORDER BY id")
_AGENCIES = text("SELECT id, name, district_code, registered FROM agencies")
#: A run the ledger says is ``running`` whose year's run lock nobody holds: its process is gone.
ABANDONED = "abandoned (process gone) / 已中断"


def year_status(engine: Engine, registry: Registry, year: int, *, districts: list[str] | None = None,
                published_dir: Path | None = None) -> dict:
    """The status document of ``year`` (module docstring) over ``districts`` (default: every registered one)."""
    codes = list(dict.fromkeys(districts or registry.districts))
    p = {"y": year}
    with engine.connect() as conn:
        runs = [r for r in conn.execute(_RUN, p) if not districts or set(codes) & set(_codes(r.districts))]
        ledger = {r.agency_id: r for r in conn.execute(_LEDGER, p)}  # the last row per agency wins
        active = {r.agency_id: r for r in conn.execute(_ACTIVE, p)}
        failed_findings = {(r[0], r[1]): r[2] for r in conn.execute(_FAILED_FINDINGS, p)}
        report_findings = dict(conn.execute(_REPORT_FINDINGS, p).all())
        corrections = dict(conn.execute(_CORRECTIONS, p).all())
        withdrawn = {r.agency_id: r for r in conn.execute(_WITHDRAWN, p)}
        known = {r.id: r for r in conn.execute(_AGENCIES)}
    last = runs[0] if runs else None
    shown = last.status if last is not None else None
    if shown == "running":  # shown, not written: a read-only command leaves the ledger to the next run
        from pipeline.warehouse.runlock import year_is_running

        if not year_is_running(engine, year):
            shown = ABANDONED
    out: dict = {"year": year, "last_run": None if last is None else {
        "id": last.id, "status": shown, "started_at": _iso(last.started_at), "finished_at": _iso(last.finished_at),
        "districts": _codes(last.districts), "policy": last.policy, "submissions_dir": last.submissions_dir,
        "counts": {"loaded": last.n_loaded, "unchanged": last.n_unchanged, "failed": last.n_failed,
                   "missing": last.n_missing}}, "districts": []}
    for code in codes:
        d = registry.district(code)
        pub, used = _published(published_dir, year, code)
        ids = [a.id for a in d.agencies]
        ids += sorted(a for a, r in known.items() if r.district_code == code and a not in set(ids))
        rows = []
        for aid in ids:
            led, act, w = ledger.get(aid), active.get(aid), withdrawn.get(aid)
            name = d.agency(aid).name if aid in {a.id for a in d.agencies} else known[aid].name
            row = {"agency_id": aid, "name": name, "state": "never run", "version": act.version if act else None,
                   "reason": "", "findings": 0, "corrections": corrections.get(act.id, 0) if act else 0,
                   "published_version": used.get(aid), "run_id": led.run_id if led else None}
            if led is not None:
                row["state"], row["reason"] = led.status, led.reason or ""
                row["findings"] = (failed_findings.get((led.run_id, aid), 0) if led.report_id is None
                                   else report_findings.get(led.report_id, 0))
            if act is None and w is not None:
                row["state"], row["version"] = "withdrawn", w.version
                row["reason"] = f"{w.reason} ({w.author})"
            elif aid in known and not known[aid].registered:
                row["state"], row["reason"] = "withdrawn", "no longer in the registry / 已不在登记名单"
            rows.append(row)
        out["districts"].append({"code": code, "name": d.name, "published": pub, "agencies": rows})
    return out


def _published(published_dir: Path | None, year: int, code: str) -> tuple[dict | None, dict[str, int]]:
    """The district's latest publication (run id, time) and agency → the version its figures count."""
    if published_dir is None:
        return None, {}
    top = Path(published_dir) / str(year) / code
    try:
        latest = json.loads((top / "latest.json").read_text(encoding="utf-8"))
        kpis = json.loads((top / latest["folder"] / "kpis.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return None, {}
    used = {m["agency_id"]: m["version"] for m in kpis.get("members", []) if m.get("status") == "loaded"}
    return {"run_id": latest.get("run_id"), "generated_at": latest.get("generated_at")}, used


def _codes(v) -> list[str]:
    """A run's ``districts`` column as read by a text() query: a list on PostgreSQL (JSON decoded by the
    driver), a JSON string on SQLite; null or unreadable is no district."""
    if isinstance(v, (bytes, str)):
        try:
            v = json.loads(v)
        except ValueError:
            return []
    return [str(c) for c in v] if isinstance(v, list) else []


def _iso(v) -> str | None:
    if v is None:
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)
