"""The whole annual run at national scale: wall time, time per stage, submissions/s, peak memory, faults caught.

usage: python benchmarks/annual_bench.py [--sizes 1000,10000,100000] [--dbs sqlite,postgres]
                                         [--modes flow,loop] [--agencies 60] [--year 2022]
                                         [--faults 0.05] [--seed 1] [--work DIR] [--json FILE]
                                         [--keep-setup] [--setup-only] [--page-cache warm|cold|as-is]

For each size N a drop folder of ⌈N / agencies⌉ districts × ``--agencies`` submissions is generated for
two years (:mod:`pipeline.synth.dropfolder`: every form, both template versions, each agency's years
one chain, ``--faults`` of the last year's agencies with an injected fault and a manifest) — not timed,
kept under ``--work`` and reused by later runs with the same arguments. For each database the year
before is loaded first (set-up, timed and printed, not in the table), so that the measured year fetches
every agency's previous-year report; that warehouse is then copied (SQLite: the file; PostgreSQL:
``CREATE DATABASE … TEMPLATE``) so that every mode starts from the same state (``--keep-setup`` keeps that
warehouse and reuses it in later runs; ``--setup-only`` stops there). Each measured run is a child process:

- ``flow``: the Prefect flow ``flows/annual.py`` reporting to a Prefect server started for the run on
  loopback (as a deployment reports to the production server), its database in a fresh ``PREFECT_HOME``
  (its size after the run is reported; the server's memory counts in the peak RSS);
- ``loop``: the same library work as a plain Python loop (:func:`pipeline.plainrun.run_plain`).

The page cache is put in the same state before every measured run (``--page-cache``), so that modes
compare like with like: ``warm`` (default) reads the measured year's files once, untimed (a run right
after the drop folder was collected); ``cold`` drops the operating system's page cache (Linux, as root: a
drop folder collected long before, every file read from disk); ``as-is`` leaves it (whichever mode runs
second then finds the files the first one read).

Reported per run: wall seconds, submissions/s, seconds per stage (:mod:`pipeline.stages`; stages of
concurrent batches overlap), peak RSS of the run's whole process tree (the run, its worker processes and
the Prefect server; sampled every 0.2 s with psutil), the Prefect database's size, and the fault check
(:func:`pipeline.synth.faults.check_faults`: every injected fault reported on its agency, no clean agency
failed). Then the orchestration overhead (flow ÷ loop) and, per database and mode, a least-squares line
through the sizes with its prediction for 180,000 submissions. Writes everything to ``--json``.

PostgreSQL: throw-away databases on ``PIPELINE_TEST_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("PIPELINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NATIONAL = 180_000


# ---------------------------------------------------------------- the child: one measured run
def child(args: argparse.Namespace) -> int:
    """Run one year in this process (``--mode``), write the summary JSON to ``--out``."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    from pipeline import stages
    from pipeline.settings import get_settings

    stages.reset()
    t0 = time.perf_counter()
    if args.mode == "flow":
        from flows.annual import annual_run, run_summary

        state = annual_run(year=args.year, submissions_dir=args.subs, policy="strict", warehouse_url=args.url,
                           return_state=True)
        summary = run_summary(state) or {"error": state.message}
    else:
        from pipeline.plainrun import run_plain

        st = get_settings()
        summary = run_plain(year=args.year, submissions_dir=Path(args.subs), warehouse_url=args.url,
                            config_dir=st.config_dir, data_dir=st.data_dir, batch_size=st.batch_size,
                            workers=st.workers)
    seconds = time.perf_counter() - t0
    from pipeline.parallel import shutdown_pools

    shutdown_pools()
    out = {"seconds": seconds, "stages": stages.snapshot(), "counts": summary.get("counts"),
           "run_dir": summary.get("run_dir"), "published": len(summary.get("published", [])),
           "error": summary.get("error")}
    Path(args.out).write_text(json.dumps(out), encoding="utf-8")
    return 0


# ---------------------------------------------------------------- the parent: generate, set up, measure
def _tree_rss(pid: int) -> int:
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for q in procs:
        with contextlib.suppress(psutil.Error):
            total += q.memory_info().rss
    return total


def _measure(cmd: list[str], env: dict, also: int | None = None) -> tuple[int, float]:
    """Run ``cmd``; (exit code, peak RSS of its process tree plus the tree of pid ``also`` in MiB)."""
    proc = subprocess.Popen(cmd, env=env)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid) + (_tree_rss(also) if also else 0))
            stop.wait(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    rc = proc.wait()
    stop.set()
    t.join()
    return rc, peak / 2**20


class PrefectServer:
    """A Prefect server of its own on a free loopback port, its database in ``home`` (as in production,
    where the flow reports to a long-running server; a temporary server per run can lose its port to
    another process starting one at the same moment)."""

    def __init__(self, home: Path) -> None:
        import socket
        import urllib.request

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
                   PREFECT_UI_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
        env.pop("PREFECT_API_URL", None)
        self.log = (home / "server.log").open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                      "--port", str(self.port)], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.api = f"http://127.0.0.1:{self.port}/api"
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the Prefect server did not start: see {home / 'server.log'}")
            time.sleep(0.5)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Database:
    """A throw-away warehouse per (size, db) and copies of it for each measured run."""

    def __init__(self, kind: str, work: Path) -> None:
        self.kind, self.work, self.created = kind, work, []

    def kept(self, name: str) -> str | None:
        """The URL of a set-up warehouse ``name`` kept by an earlier ``--keep-setup`` run, if it is there."""
        if self.kind == "sqlite":
            path = self.work / f"{name}.sqlite"
            return f"sqlite:///{path}" if path.exists() else None
        import sqlalchemy as sa

        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            found = c.execute(sa.text("select 1 from pg_database where datname = :d"), {"d": name}).first()
        admin.dispose()
        self.last = name
        return sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False) if found else None

    def new(self, name: str, template: str | None = None, *, keep: bool = False) -> str:
        if self.kind == "sqlite":
            path = self.work / f"{name}.sqlite"
            # the file with its write-ahead log and shared memory: a -wal left by an earlier run beside a
            # fresh copy would be replayed into it (a "database disk image is malformed" run)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            if template:  # the database and, should it not have been checkpointed, its write-ahead log
                for suffix in ("", "-wal"):
                    src = self.work / f"{template}.sqlite{suffix}"
                    if src.exists():
                        shutil.copyfile(src, Path(f"{path}{suffix}"))
            return f"sqlite:///{path}"
        import sqlalchemy as sa

        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        db = name if keep else f"bench_{name}_{uuid.uuid4().hex[:6]}"
        with admin.connect() as c:
            if keep:
                c.execute(sa.text(f'drop database if exists "{db}" with (force)'))
            c.execute(sa.text(f'create database "{db}"' + (f' template "{template}"' if template else "")))
        admin.dispose()
        if not keep:
            self.created.append(db)
        self.last = db
        return sa.engine.make_url(PG_ADMIN).set(database=db).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.kind != "postgres":
            return
        import sqlalchemy as sa

        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            for db in self.created:
                c.execute(sa.text(f'drop database if exists "{db}" with (force)'))
        admin.dispose()


def _generate(work: Path, size: int, args) -> tuple[Path, object, int]:
    from pipeline.synth.dropfolder import build_drop_folder

    districts = math.ceil(size / args.agencies)
    folder = work / f"drop-{districts}x{args.agencies}-f{args.faults}-s{args.seed}"
    done = folder / ".complete"
    years = [args.year - 1, args.year]
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        build_drop_folder(folder, districts=districts, agencies=args.agencies, years=years, faults=args.faults,
                          seed=args.seed)
        print(f"generated {districts * args.agencies} submissions × 2 years in {time.perf_counter() - t0:.0f} s: "
              f"{folder}", flush=True)
        done.write_text("ok")
    return folder, districts, districts * args.agencies


def _env(folder: Path, data: Path, server: PrefectServer | None) -> dict:
    env = dict(os.environ)
    env.update(PIPELINE_CONFIG_DIR=str(folder / "config"), PIPELINE_DATA_DIR=str(data),
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]))
    if server is not None:
        env["PREFECT_HOME"] = str(server.home / "client")
        env["PREFECT_API_URL"] = server.api
    return env


def _child_cmd(mode: str, year: int, url: str, subs: Path, out: Path) -> list[str]:
    return [sys.executable, __file__, "--child", "--mode", mode, "--year", str(year), "--url", url,
            "--subs", str(subs), "--out", str(out)]


def _faults(folder: Path, run_dir: str | None) -> dict:
    from pipeline.synth.faults import check_faults

    if not run_dir:
        return {"ok": False, "summary": "the run wrote no outcomes"}
    check = check_faults(folder / "manifest.json", Path(run_dir))
    return {"ok": check.ok, "summary": check.summary()}


def _prefect_db_kib(home: Path) -> float:
    return round(sum(p.stat().st_size for p in home.glob("*.db*")) / 1024, 1) if home.exists() else 0.0


def run_matrix(args) -> dict:
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    rows, setups = [], []
    for size in args.sizes:
        folder, districts, n = _generate(work, size, args)
        for kind in args.dbs:
            db = Database(kind, work)
            try:
                kept_name = f"bench_keep_{folder.name.replace('-', '_').replace('.', '')}"
                setup_log = work / f"{kept_name}-{kind}.setup.json"
                base = db.kept(kept_name) if args.keep_setup and setup_log.exists() else None
                if base is not None:  # the year before, loaded by an earlier run with --keep-setup
                    base_name = db.last if kind == "postgres" else kept_name
                    setups.append(json.loads(setup_log.read_text(encoding="utf-8")) | {"reused": True})
                    print(f"set-up {args.year - 1} {kind}: reusing {kept_name} (loaded in "
                          f"{setups[-1]['seconds']} s)", flush=True)
                else:
                    name = kept_name if args.keep_setup else f"base{n}"
                    base = db.new(name, keep=args.keep_setup)
                    base_name = db.last if kind == "postgres" else name
                    data = work / f"data-setup-{n}-{kind}"
                    shutil.rmtree(data, ignore_errors=True)
                    out = work / f"setup-{n}-{kind}.json"
                    t0 = time.perf_counter()
                    rc, _ = _measure(_child_cmd("loop", args.year - 1, base, folder / "submissions", out),
                                     _env(folder, data, None))
                    if rc:
                        raise SystemExit(f"set-up run (year {args.year - 1}, {kind}) failed with exit code {rc}")
                    setups.append({"size": n, "db": kind, "year": args.year - 1,
                                   "seconds": round(time.perf_counter() - t0, 1)})
                    if args.keep_setup:
                        setup_log.write_text(json.dumps(setups[-1]), encoding="utf-8")
                    print(f"set-up {args.year - 1} {kind}: {n} submissions in {setups[-1]['seconds']} s", flush=True)
                if kind == "postgres":
                    from pipeline.warehouse import dispose_engines

                    dispose_engines()
                for mode in [] if args.setup_only else args.modes:
                    url = db.new(f"{mode}{n}", template=base_name)
                    data = work / f"data-{n}-{kind}-{mode}"
                    home = work / f"prefect-{n}-{kind}-{mode}"
                    for p in (data, home):
                        shutil.rmtree(p, ignore_errors=True)
                    out = work / f"run-{n}-{kind}-{mode}.json"
                    _page_cache(args.page_cache, folder / "submissions" / str(args.year))
                    server = PrefectServer(home) if mode == "flow" else None
                    try:
                        rc, peak = _measure(_child_cmd(mode, args.year, url, folder / "submissions", out),
                                            _env(folder, data, server), also=server.proc.pid if server else None)
                    finally:
                        if server:
                            server.stop()
                    r = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"seconds": math.nan}
                    faults = _faults(folder, r.get("run_dir"))
                    row = {"size": n, "districts": districts, "db": kind, "mode": mode, "exit": rc,
                           "seconds": round(r["seconds"], 1), "per_s": round(n / r["seconds"], 1),
                           "peak_rss_mib": round(peak), "stages": r.get("stages", {}), "counts": r.get("counts"),
                           "published": r.get("published"),
                           "prefect_db_kib": _prefect_db_kib(home) if mode == "flow" else None,
                           "faults_ok": faults["ok"], "faults": faults["summary"], "page_cache": args.page_cache,
                           "load_avg_5min_after": round(os.getloadavg()[1], 2)}
                    rows.append(row)
                    print(f"{n:>7} {kind:8} {mode:4}: {row['seconds']:8.1f} s  {row['per_s']:6.1f}/s  "
                          f"peak RSS {row['peak_rss_mib']} MiB  faults ok {row['faults_ok']}  {row['counts']}  "
                          f"page cache {row['page_cache']}",
                          flush=True)
                    if not row["faults_ok"]:
                        print(row["faults"], flush=True)
                    shutil.rmtree(data, ignore_errors=True)
            finally:
                db.drop_all()
    return {"machine": _machine(), "setups": setups, "runs": rows, "overhead": _overhead(rows),
            "extrapolation": _extrapolate(rows)}


def _overhead(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        if r["mode"] != "flow":
            continue
        loop = next((x for x in rows if x["mode"] == "loop" and x["size"] == r["size"] and x["db"] == r["db"]), None)
        if loop:
            out.append({"size": r["size"], "db": r["db"], "flow_s": r["seconds"], "loop_s": loop["seconds"],
                        "ratio": round(r["seconds"] / loop["seconds"], 2)})
    return out


def _extrapolate(rows: list[dict]) -> list[dict]:
    """Least squares seconds = a + b·n per (db, mode) over the sizes; the prediction at 180,000."""
    out = []
    for key in sorted({(r["db"], r["mode"]) for r in rows}):
        pts = [(r["size"], r["seconds"]) for r in rows if (r["db"], r["mode"]) == key]
        if len(pts) < 2:
            continue
        mx = sum(x for x, _ in pts) / len(pts)
        my = sum(y for _, y in pts) / len(pts)
        b = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
        a = my - b * mx
        worst = max(abs(a + b * x - y) / y for x, y in pts)
        out.append({"db": key[0], "mode": key[1], "fixed_s": round(a, 1), "ms_per_submission": round(1000 * b, 3),
                    "predicted_180k_s": round(a + b * NATIONAL), "worst_fit_error": round(worst, 3)})
    return out


def _machine() -> dict:
    import platform

    import psutil

    return {"cpus": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "cpu": platform.processor() or platform.machine(), "python": platform.python_version(),
            "load_at_start": os.getloadavg()[0]}


def table(result: dict) -> str:
    """The result as Markdown tables (runs, overhead, extrapolation)."""
    stage_names = list(dict.fromkeys(s for r in result["runs"] for s in r["stages"]))
    lines = ["| submissions | db | mode | wall s | subs/s | peak RSS MiB | Prefect DB KiB | faults | load | "
             + " | ".join(stage_names) + " |",
             "|---:|---|---|---:|---:|---:|---:|---|---:|" + "---:|" * len(stage_names)]
    for r in result["runs"]:
        st = " | ".join(f"{r['stages'].get(s, {}).get('seconds', 0):.1f}" for s in stage_names)
        lines.append(f"| {r['size']:,} | {r['db']} | {r['mode']} | {r['seconds']:.1f} | {r['per_s']:.1f} | "
                     f"{r['peak_rss_mib']} | {r['prefect_db_kib'] if r['prefect_db_kib'] is not None else '–'} | "
                     f"{'ok' if r['faults_ok'] else 'NOT OK'} | {r.get('load_avg_5min_after', '')} | {st} |")
    if result["overhead"]:
        lines += ["", "| submissions | db | flow s | loop s | flow ÷ loop |", "|---:|---|---:|---:|---:|"]
        lines += [f"| {o['size']:,} | {o['db']} | {o['flow_s']} | {o['loop_s']} | {o['ratio']} |"
                  for o in result["overhead"]]
    if result["extrapolation"]:
        lines += ["", "| db | mode | fixed s | ms per submission | 180,000 predicted | worst fit error |",
                  "|---|---|---:|---:|---:|---:|"]
        lines += [f"| {e['db']} | {e['mode']} | {e['fixed_s']} | {e['ms_per_submission']} | "
                  f"{e['predicted_180k_s']} s = {e['predicted_180k_s'] / 60:.1f} min | {100 * e['worst_fit_error']:.1f} % |"
                  for e in result["extrapolation"]]
    return "\n".join(lines)


def _page_cache(how: str, year_dir: Path) -> None:
    """Put the page cache in the state ``how`` says before a measured run (module docstring)."""
    if how in ("warm", "cold"):
        os.sync()  # the set-up warehouse just copied is written back now, not during the run
    if how == "warm":
        for path in sorted(year_dir.rglob("*")):
            if path.is_file():
                path.read_bytes()
    elif how == "cold":
        try:
            Path("/proc/sys/vm/drop_caches").write_text("3\n")
        except OSError as e:
            raise SystemExit(f"--page-cache cold: cannot drop the page cache ({e}); it needs Linux and root") from e


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="submissions per run, comma-separated (e.g. 1000,10000,100000)")
    ap.add_argument("--dbs", default="sqlite,postgres")
    ap.add_argument("--modes", default="flow,loop")
    ap.add_argument("--agencies", type=int, default=60, help="agencies per district")
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--faults", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None, help="generated data and warehouses (default: a temp folder)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep-setup", action="store_true",
                    help="keep each size's set-up warehouse (the year before) under --work / as a PostgreSQL "
                         "database and reuse it in later runs with the same arguments")
    ap.add_argument("--setup-only", action="store_true", help="generate and set up, measure nothing")
    ap.add_argument("--page-cache", choices=("warm", "cold", "as-is"), default="warm",
                    help="before each measured run: read the year's files once (warm), drop the OS page cache "
                         "(cold; Linux, root) or leave it (as-is)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--subs", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.page_cache == "cold" and not args.child and not (hasattr(os, "geteuid") and os.geteuid() == 0
                                                             and Path("/proc/sys/vm/drop_caches").exists()):
        ap.error("--page-cache cold drops the operating system's page cache: it needs Linux and root "
                 "(use warm or as-is)")  # before hours of generating and setting up, not after
    if args.child:
        return child(args)
    sys.path.insert(0, str(ROOT / "src"))
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.dbs = args.dbs.split(",")
    args.modes = args.modes.split(",")
    temp = args.work is None
    args.work = args.work or Path(tempfile.mkdtemp(prefix="annual_bench_"))
    try:
        result = run_matrix(args)
    finally:
        if temp:
            shutil.rmtree(args.work, ignore_errors=True)
    print()
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"\nwritten {args.json}")
    ok = all(r["faults_ok"] and r["exit"] in (0,) for r in result["runs"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
