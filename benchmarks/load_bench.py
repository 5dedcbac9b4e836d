"""Warehouse load speed: fact rows per second on SQLite and PostgreSQL.

usage: python benchmarks/load_bench.py [--rows 1000000] [--repeat 3] [--reports 300]
                                       [--pg-url URL] [--no-pg] [--no-sqlite] [--check]

Bulk path (the acceptance figure): ``--rows`` fact rows of generated reports (both template versions)
go through the loader's cell path — :func:`cell_rows` (checks every code and value, builds plain
tuples) and :func:`write_cells` (COPY via psycopg on PostgreSQL, ``executemany`` on SQLite), one
transaction per 50,000-row chunk, streamed (tuples are built while the database
works) — into the migrated schema with its primary key and constraints.
Repeated ``--repeat`` times on an emptied table; best and median are printed. Target ≥ 200,000 rows/s;
``--check`` exits 1 when the best run of a database misses it. Each run also prints the CPU time of
this process and (PostgreSQL on this machine) of the server backend: on a machine shared with other
work, rows per CPU-second of the busier side show what the path sustains when it has the cores.

End to end: ``--reports`` calls of :func:`load_report` (one agency each, one transaction each: the
version lookup, report row, cells, sections, findings and ledger row), then the same reports again
(all unchanged). Printed as reports/s and cells/s.

Each database is fresh: a temporary SQLite file, and a uniquely named PostgreSQL database on the
server of ``--pg-url`` (default ``PIPELINE_TEST_PG_URL`` or postgres@127.0.0.1:5432), dropped afterwards.

Measured on the development machine (2 vCPUs shared with other jobs, load average ≈ 2.7; PostgreSQL
15 local), best / median of 3 — figures move by ±30% with the machine's load:

    SQLite      bulk 226,758 / 210,857 rows/s; load_report 227 reports/s new, 505 unchanged
    PostgreSQL  bulk 228,011 / 214,465 rows/s; load_report 119 reports/s new, 256 unchanged
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from itertools import islice
from pathlib import Path

import sqlalchemy as sa

from pipeline.model import ParsedReport
from pipeline.registry import Agency, District, Registry
from pipeline.synth import generate_report
from pipeline.warehouse import (
    SourceFile,
    dispose_engine,
    finish_run,
    get_engine,
    load_report,
    start_run,
    sync_registry,
    upgrade,
)
from pipeline.warehouse.engine import write_transaction
from pipeline.warehouse.load import CHUNK_ROWS, cell_rows, parse_digest, write_cells
from pipeline.warehouse.models import Report

TARGET = 200_000
DISTRICT = "999001"
PG_DEFAULT = os.environ.get("PIPELINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def sample_reports(n: int = 40) -> list[ParsedReport]:
    rng = random.Random(20261125)
    out = []
    for i in range(n):
        version, single = (("v2019", False), ("v2021", False), ("v2021", True))[i % 3]
        out.append(generate_report(rng, version, single_other=single, year=2020 if version == "v2019" else 2022))
    return out


def registry(n_agencies: int) -> Registry:
    agencies = tuple(Agency(f"{DISTRICT}-a{i:04d}", f"基准机关{i}", "department", DISTRICT) for i in range(n_agencies))
    return Registry({DISTRICT: District(DISTRICT, "基准区", "基准市基准区", agencies)})


def bulk(engine, reports: list[ParsedReport], rows: int, repeat: int) -> list[float]:
    """Rows/s of ``repeat`` bulk loads of ``rows`` fact rows (report rows made beforehand, untimed)."""
    run_id = start_run(engine, year=2022, districts=[DISTRICT], policy="bench")
    per = [len(r.cells) for r in reports]
    plan: list[ParsedReport] = []
    total = 0
    while total < rows:
        i = len(plan) % len(reports)
        plan.append(reports[i])
        total += per[i]
    agency = f"{DISTRICT}-a0000"
    rt = Report.__table__
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(rt).where(rt.c.agency_id == agency, rt.c.year == 1900))
        now = time.time()
        ids = []
        for i, r in enumerate(plan):
            ids.append(conn.execute(sa.insert(rt).values(
                agency_id=agency, year=1900, version=i + 1, is_active=False, status="bench",
                template_version=r.template, parser_version="bench", source_name=f"bench{i}", source_sha256="0" * 64,
                source_size=0, source_form="json", parse_sha256=parse_digest(r), run_id=run_id,
                loaded_at=sa.func.current_timestamp(), warnings=[],
            ).returning(rt.c.id)).scalar_one())
    print(f"  prepared {len(plan):,} report rows in {time.time() - now:.1f}s", flush=True)
    rates = []
    for k in range(repeat):
        _empty_facts(engine)
        written = 0
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn = conn.execution_options(sqlite_immediate=True)
            server = _server_pid(conn)
            t0, c0, s0 = time.perf_counter(), time.process_time(), _cpu_seconds(server)
            stream = islice((row for rid, r in zip(ids, plan, strict=True) for row in cell_rows(r, report_id=rid)), rows)
            while True:
                with conn.begin():
                    n = write_cells(conn, islice(stream, CHUNK_ROWS))
                if not n:
                    break
                written += n
            elapsed, client = time.perf_counter() - t0, time.process_time() - c0
            server_cpu = None if server is None else _cpu_seconds(server) - s0
        rates.append(written / elapsed)
        cpu = f"client CPU {client:.2f}s" + ("" if server_cpu is None else f", server CPU {server_cpu:.2f}s")
        busiest = max(client, server_cpu or 0.0)
        print(f"  run {k + 1}: {written:,} rows in {elapsed:.2f}s = {written / elapsed:,.0f} rows/s "
              f"({cpu}: {written / busiest:,.0f} rows per CPU-second of the busier side)", flush=True)
    with write_transaction(engine) as conn:
        conn.execute(sa.text("DELETE FROM fact_cells"))
        conn.execute(sa.delete(rt).where(rt.c.year == 1900))
    finish_run(engine, run_id, status="completed")
    return rates


def _server_pid(conn) -> int | None:
    """The PostgreSQL backend's process id when the server runs on this machine (to read its CPU time)."""
    if conn.dialect.name != "postgresql":
        return None
    pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    conn.commit()
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def _cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _empty_facts(engine) -> None:
    """An empty fact table for each repeat (TRUNCATE on PostgreSQL: a DELETE would leave dead rows behind)."""
    with write_transaction(engine) as conn:
        conn.execute(sa.text("TRUNCATE fact_cells" if engine.dialect.name == "postgresql" else "DELETE FROM fact_cells"))


def end_to_end(engine, reports: list[ParsedReport], n: int) -> None:
    reg = registry(n)
    agencies = reg.district(DISTRICT).agencies
    jobs = [(a.id, reports[i % len(reports)]) for i, a in enumerate(agencies)]
    for label in ("new versions", "unchanged"):
        run_id = start_run(engine, year=2022, districts=[DISTRICT], policy="bench")
        cells = 0
        t0 = time.perf_counter()
        for aid, r in jobs:
            src = SourceFile(f"{aid}.json", parse_digest(r), 1, "json")
            load_report(engine, run_id=run_id, agency_id=aid, year=2022, report=r, source=src)
            cells += len(r.cells)
        el = time.perf_counter() - t0
        finish_run(engine, run_id, status="completed")
        print(f"  load_report, {label}: {n} reports in {el:.2f}s = {n / el:,.0f} reports/s, "
              f"{cells / el:,.0f} cells/s", flush=True)


def bench(name: str, url: str, args, reports: list[ParsedReport]) -> float:
    print(f"{name}: {url.split('@')[-1]}", flush=True)
    engine = get_engine(url)
    upgrade(engine)
    sync_registry(engine, registry(max(args.reports, 1)))
    rates = bulk(engine, reports, args.rows, args.repeat)
    best = max(rates)
    print(f"  bulk {args.rows:,} fact rows: best {best:,.0f} rows/s, median {statistics.median(rates):,.0f} rows/s "
          f"(target {TARGET:,}: {'met' if best >= TARGET else 'MISSED'})", flush=True)
    if args.reports:
        end_to_end(engine, reports, args.reports)
    return best


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--reports", type=int, default=300, help="load_report calls for the end-to-end figure (0: skip)")
    p.add_argument("--pg-url", default=PG_DEFAULT, help="a database on the server to use (a fresh one is created)")
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--no-sqlite", action="store_true")
    p.add_argument("--check", action="store_true", help="exit 1 if a database misses the target")
    args = p.parse_args()
    reports = sample_reports()
    results: dict[str, float] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
            results["sqlite"] = bench("SQLite", url, args, reports)
            dispose_engine(url)
    if not args.no_pg:
        admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        name = f"pipeline_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
        try:
            results["postgresql"] = bench("PostgreSQL", url, args, reports)
        finally:
            dispose_engine(url)
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print("summary: " + ", ".join(f"{k} {v:,.0f} rows/s" for k, v in results.items()))
    return 1 if args.check and any(v < TARGET for v in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
