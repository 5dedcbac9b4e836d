"""The whole annual run on a generated drop folder: submissions per second, peak memory, faults caught.

usage: python benchmarks/annual_bench.py [--districts 10] [--agencies 60] [--year 2022] [--years 2]
                                         [--faults 0.05] [--db sqlite|postgres] [--mode flow|loop]
                                         [--json out.json] [--keep DIR]

A drop folder of ``--districts × --agencies`` submissions (:mod:`pipeline.synth.dropfolder`: every
form, both template versions, ``--faults`` of the last year's agencies with an injected fault) is
generated first (not timed). With ``--years 2`` the year before is run first (timed, printed) so that
the measured year fetches every agency's previous-year report. Then the annual run for ``--year``:
``--mode flow`` through the Prefect flow (a temporary Prefect server, as ``pipeline run`` does),
``--mode loop`` the same library work in a plain Python loop without Prefect.

Prints one line per run and writes ``--json``: submissions, seconds, submissions/s, peak RSS of this
process (MiB, ``ru_maxrss``; the Prefect server and the parse workers are separate processes, their
peak is ``children_peak_rss_mib`` once they have exited), and whether the failed agencies are exactly
the injected faults (``faults_ok``). PostgreSQL: a throw-away database on ``PIPELINE_TEST_PG_URL``
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

PG_ADMIN = os.environ.get("PIPELINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _pg_database() -> tuple[str, callable]:
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(sa.text(f'create database "{name}"'))
    url = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        from pipeline.warehouse import dispose_engines

        dispose_engines()
        with admin.connect() as c:
            c.execute(sa.text(f'drop database if exists "{name}" with (force)'))

    return url, drop


def _run(mode: str, year: int, url: str, subs: Path) -> dict:
    t0 = time.perf_counter()
    if mode == "flow":
        from flows.annual import annual_run, run_summary

        state = annual_run(year=year, submissions_dir=str(subs), policy="strict", warehouse_url=url, return_state=True)
        summary = run_summary(state) or {}
    else:
        from pipeline.plainrun import run_plain
        from pipeline.settings import get_settings

        st = get_settings()
        summary = run_plain(year=year, submissions_dir=subs, warehouse_url=url, config_dir=st.config_dir,
                            data_dir=st.data_dir, batch_size=st.batch_size, workers=st.workers)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=10)
    ap.add_argument("--agencies", type=int, default=60)
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--years", type=int, default=2, help="years generated and run, ending with --year")
    ap.add_argument("--faults", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--mode", choices=("flow", "loop"), default="flow")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="generate into (and keep) this folder")
    args = ap.parse_args(argv)

    from pipeline.synth.dropfolder import build_drop_folder

    work = args.keep or Path(tempfile.mkdtemp(prefix="annual_bench_"))
    years = list(range(args.year - args.years + 1, args.year + 1))
    t0 = time.perf_counter()
    drop = build_drop_folder(work, districts=args.districts, agencies=args.agencies, years=years,
                             faults=args.faults, seed=args.seed)
    print(f"generated {drop.submissions} submissions for {args.year} ({len(years)} year(s)) in "
          f"{time.perf_counter() - t0:.1f} s: {work}", flush=True)
    os.environ["PIPELINE_CONFIG_DIR"] = str(drop.config_dir)
    os.environ["PIPELINE_DATA_DIR"] = str(work / "data")
    drop_db = None
    if args.db == "postgres":
        url, drop_db = _pg_database()
    else:
        url = f"sqlite:///{work / 'warehouse.sqlite'}"
    results = []
    try:
        for y in years:
            r = _run(args.mode, y, url, drop.submissions_dir)
            counts = r["summary"].get("counts", {})
            n = sum(counts.values()) or drop.submissions
            failed = {o["agency_id"] for o in r["summary"].get("outcomes", []) if o["status"] == "failed"}
            faults_ok = failed == set(drop.manifest) if y == args.year else not failed
            row = {"year": y, "mode": args.mode, "db": args.db, "districts": args.districts,
                   "agencies_per_district": args.agencies, "submissions": n, "seconds": round(r["seconds"], 2),
                   "submissions_per_s": round(n / r["seconds"], 1), "peak_rss_mib": round(_rss_mib(), 1),
                   "counts": counts, "faults_injected": len(drop.manifest) if y == args.year else 0,
                   "faults_ok": faults_ok}
            if not faults_ok:
                row["unexpected_failed"] = sorted(failed - set(drop.manifest))[:20]
                row["faults_missed"] = sorted(set(drop.manifest) - failed)[:20] if y == args.year else []
            results.append(row)
            print(f"{y} {args.mode}/{args.db}: {n} submissions in {r['seconds']:.1f} s = "
                  f"{n / r['seconds']:.1f}/s, peak RSS {row['peak_rss_mib']:.0f} MiB, counts {counts}, "
                  f"faults ok {faults_ok}", flush=True)
    finally:
        if drop_db:
            drop_db()
    out = {"runs": results, "children_peak_rss_mib": round(_rss_mib(resource.RUSAGE_CHILDREN), 1),
           "cpus": os.cpu_count()}
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0 if all(r["faults_ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
