"""Crash, fault and concurrency tests of the annual run (issue 12): a small drop folder, runs in child
processes killed at failpoints, and the warehouse compared row for row with a clean run's.

- :func:`make_drop` — 2 generated districts × 5 agencies for 2022 (2 of them faulty: they fail under
  ``strict``), batches of 5 (one per district, so a run has two batches and two publications);
- :func:`run_child` — the plain loop (:func:`pipeline.plainrun.run_plain`) in a forked child process with
  ``PIPELINE_FAILPOINT`` set (the imports are inherited, so a child costs only its work); its exit code
  (``-9`` when a failpoint killed it);
- :func:`snapshot` — every table as comparable rows: surrogate ids, run ids and timestamps left out, a
  report id replaced by (agency, year, version); history tables (``run_agencies``, ``mart_publications``,
  findings of failed agencies) restricted to the last run that was not abandoned;
- :func:`assert_no_half_loaded` — what a reader sees at any moment: every active report whole (its cells
  and sections those of the clean run, its ledger row there), at most one active version, the mart of a
  district all or nothing;
- :func:`assert_published_whole` — every ``latest.json`` points at a complete run folder (manifest, hashes)
  and every copy beside it is a whole file.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

YEAR = 2022
BATCH = 5
ROOT = Path(__file__).resolve().parents[2]

#: Columns that differ between two runs of the same input by design.
VOLATILE = {"id", "run_id", "loaded_at", "recorded_at", "published_at", "corrected_at", "withdrawn_at", "folder",
            "started_at", "finished_at", "flow_run_id"}


def make_drop(root: Path):
    from pipeline.synth.dropfolder import build_drop_folder

    return build_drop_folder(root / "drop", districts=2, agencies=5, years=[YEAR], faults=0.2, seed=3)


@contextmanager
def warehouse(kind: str, tmp: Path):
    """A fresh warehouse URL: a SQLite file under ``tmp`` or a new PostgreSQL database (dropped after)."""
    from pipeline.warehouse import dispose_engine

    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'wh' / 'warehouse.sqlite'}"
        try:
            yield url
        finally:
            dispose_engine(url)
        return
    from conftest import new_pg_database

    with new_pg_database("pipeline_rel") as url:
        yield url


def run_kwargs(url: str, data_dir: Path, drop) -> dict:
    return {"year": YEAR, "submissions_dir": drop.submissions_dir, "warehouse_url": url, "config_dir": drop.config_dir,
            "data_dir": data_dir, "policy": "strict", "batch_size": BATCH, "workers": 1}


def run_here(url: str, data_dir: Path, drop) -> dict:
    from pipeline.plainrun import run_plain

    return run_plain(**run_kwargs(url, data_dir, drop))


def _child(kwargs: dict, env: dict) -> None:  # pragma: no cover - runs in the child
    os.environ.update(env)
    from pipeline.plainrun import run_plain

    try:
        run_plain(**kwargs)
    except BaseException:
        os._exit(1)
    os._exit(0)


def run_child(url: str, data_dir: Path, drop, *, env: dict | None = None, timeout: float = 300) -> int:
    """The plain loop in a forked child with ``env`` (e.g. ``PIPELINE_FAILPOINT``); its exit code (-9: killed)."""
    from pipeline.warehouse import dispose_engines

    dispose_engines()  # the child opens its own connections
    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=_child, args=(run_kwargs(url, data_dir, drop), env or {}))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.kill()
        p.join()
        raise AssertionError(f"the run did not end within {timeout} s")
    return p.exitcode


RUN_SCRIPT = """
import json, sys
from pathlib import Path
from pipeline.plainrun import run_plain
a = json.loads(sys.argv[1])
try:
    r = run_plain(year=a["year"], submissions_dir=Path(a["subs"]), warehouse_url=a["url"], config_dir=Path(a["config"]),
                  data_dir=Path(a["data"]), policy="strict", batch_size=a["batch"], workers=1)
except Exception as e:
    print(f"{type(e).__name__}: {(str(e).splitlines() or [''])[0]}", file=sys.stderr)
    sys.exit(3)
print(json.dumps({"run_id": r["run_id"], "counts": r["counts"]}))
"""


def spawn(url: str, data_dir: Path, drop, *, env: dict | None = None) -> subprocess.Popen:
    """The plain loop in a new Python process (a real, separately started process), not waited for."""
    arg = json.dumps({"year": YEAR, "subs": str(drop.submissions_dir), "url": url, "config": str(drop.config_dir),
                      "data": str(data_dir), "batch": BATCH})
    e = {**os.environ, **(env or {})}
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT), e.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-c", RUN_SCRIPT, arg], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=e, cwd=ROOT)


# -- the warehouse as rows ---------------------------------------------------------------------------------


def _norm(v):
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, float) and v.is_integer():
        return v
    return v


def runs(url: str) -> list[dict]:
    from sqlalchemy import select

    from pipeline.warehouse import get_engine
    from pipeline.warehouse.models import Run

    rt = Run.__table__
    with get_engine(url).connect() as c:
        return [dict(r._mapping) for r in c.execute(select(rt).order_by(rt.c.started_at))]


def snapshot(url: str) -> dict[str, list]:
    from sqlalchemy import or_, select

    from pipeline.warehouse import get_engine
    from pipeline.warehouse.models import Base, Report

    rs = [r for r in runs(url) if r["status"] != "abandoned"]
    last = rs[-1]["id"] if rs else None
    rt = Report.__table__
    out: dict[str, list] = {}
    with get_engine(url).connect() as c:
        key = {r.id: (r.agency_id, r.year, r.version) for r in c.execute(select(rt.c.id, rt.c.agency_id, rt.c.year,
                                                                               rt.c.version))}
        for t in Base.metadata.sorted_tables:
            if t.name == "runs":
                continue
            q = select(*[col for col in t.columns if col.name not in VOLATILE])
            if t.name in ("run_agencies", "mart_publications"):
                q = q.where(t.c.run_id == last)
            elif t.name == "findings":
                q = q.where(or_(t.c.report_id.is_not(None), t.c.run_id == last))
            rows = []
            for r in c.execute(q):
                d = {k: _norm(v) for k, v in r._mapping.items()}
                if d.get("report_id") is not None:
                    d["report_id"] = key[d["report_id"]]
                if t.name == "run_agencies" and d["status"] in ("loaded", "unchanged"):
                    d["status"], d["reason"] = "ok", None  # loaded by the killed run, unchanged in the re-run
                rows.append(json.dumps(d, sort_keys=True, default=str, ensure_ascii=False))
            out[t.name] = sorted(rows)
    return out


def diff(a: dict[str, list], b: dict[str, list]) -> list[str]:
    """Tables whose rows differ, with a count of rows only in each side."""
    out = []
    for name in sorted(set(a) | set(b)):
        x, y = set(a.get(name, [])), set(b.get(name, []))
        if x != y or len(a.get(name, [])) != len(b.get(name, [])):
            out.append(f"{name}: {len(x - y)} rows only in the first, {len(y - x)} only in the second "
                       f"(e.g. {sorted(x - y)[:1]} / {sorted(y - x)[:1]})")
    return out


def _by_report(snap: dict, table: str) -> dict[str, list]:
    out = defaultdict(list)
    for row in snap[table]:
        d = json.loads(row)
        agency = d.pop("report_id")[0]
        out[agency].append(json.dumps(d, sort_keys=True))
    return {k: sorted(v) for k, v in out.items()}


def assert_no_half_loaded(url: str, clean: dict[str, list]) -> dict:
    """What a reader sees now: every active report whole, its ledger row there; the mart all or nothing.

    Returns {"active": n, "mart_districts": n} (how far the killed run had got).
    """
    from sqlalchemy import func, select

    from pipeline.warehouse import get_engine
    from pipeline.warehouse.models import MartDistrictCell, Report, RunAgency

    snap = snapshot(url)
    rt, ra, mc = Report.__table__, RunAgency.__table__, MartDistrictCell.__table__
    with get_engine(url).connect() as c:
        active = {r.id: r.agency_id for r in c.execute(select(rt.c.id, rt.c.agency_id).where(rt.c.is_active))}
        per_agency = c.execute(select(rt.c.agency_id, func.count()).where(rt.c.is_active)
                               .group_by(rt.c.agency_id, rt.c.year).having(func.count() > 1)).all()
        ledgered = set(c.execute(select(ra.c.report_id).where(ra.c.report_id.is_not(None))).scalars())
        marts = dict(c.execute(select(mc.c.district_code, func.count()).group_by(mc.c.district_code)).all())
    assert not per_agency, f"more than one active version: {per_agency}"
    assert set(active) <= ledgered, f"active reports without their ledger row: {sorted(set(active) - ledgered)}"
    cells, clean_cells = _by_report(snap, "fact_cells"), _by_report(clean, "fact_cells")
    sections, clean_sections = _by_report(snap, "report_sections"), _by_report(clean, "report_sections")
    for agency in active.values():
        assert cells.get(agency) == clean_cells.get(agency), f"{agency}: its cells are not all there"
        assert sections.get(agency, []) == clean_sections.get(agency, []), f"{agency}: its sections are not all there"
    clean_marts = defaultdict(int)
    for row in clean["mart_district_cells"]:
        clean_marts[json.loads(row)["district_code"]] += 1
    for code, n in marts.items():
        assert n == clean_marts[code], f"district {code}: {n} mart cells, a clean run has {clean_marts[code]}"
    return {"active": len(active), "mart_districts": len(marts)}


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def assert_published_whole(data_dir: Path, *, latest_is_copied: bool = True) -> int:
    """Every ``latest.json`` names a complete run folder whose files match its manifest; every copy beside
    it is a whole file of some complete run folder (after a finished run: of the latest). Returns the number
    of districts with a ``latest.json``."""
    n = 0
    for pointer in sorted((data_dir / "published").glob("*/*/latest.json")):
        n += 1
        district_dir = pointer.parent
        doc = json.loads(pointer.read_text(encoding="utf-8"))
        folder = district_dir / doc["folder"]
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["files"].values():
            assert _sha(folder / entry["path"]) == entry["sha256"], f"{folder / entry['path']} is not whole"
        whole: dict[str, set[str]] = defaultdict(set)  # relative path → hashes of complete run folders
        for m in district_dir.glob("runs/*/manifest.json"):
            for entry in json.loads(m.read_text(encoding="utf-8"))["files"].values():
                whole[entry["path"]].add(entry["sha256"])
        for entry in manifest["files"].values():
            copy = district_dir / entry["path"]
            if latest_is_copied:
                assert _sha(copy) == entry["sha256"], f"{copy} is not the latest run's file"
            elif copy.exists():
                assert _sha(copy) in whole[entry["path"]], f"{copy} is not a whole file of any complete run"
    return n


def durable(snap: dict[str, list]) -> dict[str, list]:
    """The snapshot without a run's own history (its ledger rows, publications, failure findings): what a
    run that did not finish must leave exactly as it found it."""
    out = {k: v for k, v in snap.items() if k not in ("run_agencies", "mart_publications")}
    out["findings"] = [r for r in snap["findings"] if json.loads(r)["report_id"] is not None]
    return out
