"""Validation speed: seconds to validate N generated reports in one vectorised batch.

usage: python benchmarks/validate_bench.py [--n 10000] [--repeat 3] [--seed 1] [--broken 0.1] [--budget 10] [--check]

``--n`` reports are generated first (not timed): both template versions and the single-（六） variant,
every blank style, each with a narrative that quotes its tables, and — for ``--broken`` of them — one
cell changed, so that the failure path (pandera failure cases → findings) is measured too. Each is
paired with its previous year's report, so the cross-year checks run as well. Then
``validate_reports`` runs ``--repeat`` times over the whole batch; best and median are printed with a
breakdown of the best run's stages (grid, pandera models, narrative). Target: 10,000 reports ≤ 10 s;
``--check`` exits 1 when the best run misses ``--budget``.

Measured on the development machine (2 vCPUs shared with other jobs, load average ≈ 1.8–2.0), 10,000
reports (1,946,670 cells, 10% with one cell changed), best / median of 3 — figures move by ±30% with load:

    validate_reports: best 5.83 s, median 6.08 s (1,717 reports/s, 334,188 cells/s); 914 reports with errors
    stages: grid 1.37 s, frames 0.21 s, pandera 0.24 + 0.24 + 0.02 s, narrative 2.21 s
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import time
from dataclasses import replace

import pandera.pandas as pa

from pipeline.model import ParsedReport
from pipeline.synth import generate_report
from pipeline.validate import engine, validate_reports
from pipeline.validate.frame import KeySpace, appeals_frame, build_grid, cells_frame, requests_frame
from schemas.cells import AppealsFrame, CellsFrame, RequestsFrame

VARIANTS = (("v2019", False), ("v2021", False), ("v2021", True))


def batch(n: int, seed: int, broken: float) -> tuple[list[ParsedReport], list[ParsedReport]]:
    """``n`` (report, previous year) pairs; ``broken`` of the reports have one cell changed."""
    rng = random.Random(seed)
    reports, previous = [], []
    for i in range(n):
        version, single = VARIANTS[i % 3]
        prev = generate_report(rng, version, single_other=single, year=2019 if version == "v2019" else 2022,
                               blank_style="zero")
        cur = generate_report(rng, version, single_other=single, previous=prev)
        if rng.random() < broken:
            j = rng.randrange(len(cur.cells))
            cells = list(cur.cells)
            cells[j] = replace(cells[j], value=(cells[j].value or 0) + rng.choice((1, 2, 5)))
            cur = ParsedReport(cur.template, cur.meta, cells, [], cur.sections)
        reports.append(cur)
        previous.append(prev)
    return reports, previous


def stages(reports: list[ParsedReport]) -> dict[str, float]:
    """Seconds of each stage of one batch (for the breakdown; the total is measured separately)."""
    out: dict[str, float] = {}
    t = time.perf_counter()
    grid = build_grid(reports, KeySpace.base())
    out["grid (read the cells)"] = time.perf_counter() - t
    t = time.perf_counter()
    frames = (cells_frame(grid).drop(columns="key"), requests_frame(grid), appeals_frame(grid))
    out["frames"] = time.perf_counter() - t
    for model, frame in zip((CellsFrame, RequestsFrame, AppealsFrame), frames, strict=True):
        t = time.perf_counter()
        with contextlib.suppress(pa.errors.SchemaErrors):  # failures are expected in the broken reports
            model.validate(frame, lazy=True)
        out[f"pandera {model.__name__}"] = time.perf_counter() - t
    per: list[list] = [[] for _ in reports]
    t = time.perf_counter()
    engine._narrative(grid, reports, per)
    out["narrative"] = time.perf_counter() - t
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--broken", type=float, default=0.1)
    ap.add_argument("--budget", type=float, default=10.0)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()

    t = time.perf_counter()
    reports, previous = batch(a.n, a.seed, a.broken)
    cells = sum(len(r.cells) for r in reports)
    print(f"generated {a.n:,} reports ({cells:,} cells) with their previous years in {time.perf_counter() - t:.1f} s")

    times = []
    results = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        results = validate_reports(reports, previous=previous)
        times.append(time.perf_counter() - t)
    with_errors = sum(r.has_errors for r in results)
    findings = sum(len(r.findings) for r in results)
    best, median = min(times), statistics.median(times)
    print(f"validate_reports: best {best:.2f} s, median {median:.2f} s over {a.repeat} runs "
          f"({a.n / best:,.0f} reports/s, {cells / best:,.0f} cells/s)")
    print(f"  {with_errors:,} reports with errors, {findings:,} findings")
    for name, secs in stages(reports).items():
        print(f"  {name:28s} {secs:6.2f} s")
    ok = best <= a.budget
    print(f"{a.n:,} reports in {best:.2f} s — budget {a.budget:.0f} s: {'OK' if ok else 'MISSED'}")
    return 0 if ok or not a.check else 1


if __name__ == "__main__":
    sys.exit(main())
