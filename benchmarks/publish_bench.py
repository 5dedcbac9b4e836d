"""Publishing cost per district (issue 9): ms of CPU and wall per district, for N districts.

    pipeline generate --districts 5 --agencies-per-district 60 --year 2022 --out /tmp/pubdrop
    PIPELINE_CONFIG_DIR=/tmp/pubdrop/config PIPELINE_DATA_DIR=/tmp/pubdata \
      PIPELINE_WAREHOUSE_URL=sqlite:////tmp/pubdata/w.sqlite pipeline run --year 2022 --submissions /tmp/pubdrop/submissions
    python benchmarks/publish_bench.py --warehouse sqlite:////tmp/pubdata/w.sqlite --config /tmp/pubdrop/config \
      --year 2022 --districts 5 --mode batch

``--mode single`` calls ``publish_district`` per district, ``--mode batch`` one ``publish_districts`` for all;
``--repeat`` publishes the same districts again (a warm process, as in a long run). The first call warms
imports, fonts and templates and is not counted. ``--phases`` then prints where a district's CPU goes
(ms per district, thread CPU): the warehouse reads and figures (``district_figures_many`` per chunk, split into
this year's members, the previous year's comparison and computing) and each writer, in publishing's order.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--config", required=True, type=Path)
    ap.add_argument("--year", required=True, type=int)
    ap.add_argument("--districts", type=int, default=0, help="how many of the registry's districts (0: all)")
    ap.add_argument("--mode", choices=("single", "batch"), default="batch")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--phases", action="store_true", help="also print the CPU of each phase (ms per district)")
    a = ap.parse_args()

    from pipeline.publish import publish_district
    from pipeline.registry import load_registry

    reg = load_registry(a.config)
    districts = list(reg.districts.values())
    if a.districts:
        districts = districts[:a.districts]
    out = a.out or Path(tempfile.mkdtemp(prefix="publish-bench-"))
    publish_district(a.warehouse, districts[0], a.year, out, run_id="bench-warmup")
    cpu, wall = time.process_time(), time.perf_counter()
    n = 0
    for i in range(a.repeat):
        if a.mode == "batch":
            from pipeline.publish import publish_districts

            res = publish_districts(a.warehouse, districts, a.year, out, run_id=f"bench-{i}")
            bad = [r for r in res if r.error]
            if bad:
                raise SystemExit(f"{len(bad)} districts failed: {bad[0].error}")
        else:
            for d in districts:
                publish_district(a.warehouse, d, a.year, out, run_id=f"bench-{i}")
        n += len(districts)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    agencies = sum(len(d.agencies) for d in districts) / len(districts)
    print(f"{a.mode}: {n} district publications (≈{agencies:.0f} agencies each) in {wall:.2f} s wall, {cpu:.2f} s CPU: "
          f"{1000 * cpu / n:.1f} ms CPU and {1000 * wall / n:.1f} ms wall per district; output {out}")
    if a.phases:
        for name, ms in phases(a.warehouse, districts, a.year, out, max(1, a.repeat)).items():
            print(f"  {name:<28} {ms:7.1f} ms CPU per district")


def phases(url: str, districts: list, year: int, out: Path, repeat: int) -> dict[str, float]:
    """{phase: ms of thread CPU per district} of publishing ``districts`` ``repeat`` times (files to ``out``)."""
    import json

    from pipeline.publish.charts import chart_svgs
    from pipeline.publish.district import CHUNK_SIZE, kpis_document
    from pipeline.publish.figures import _figures
    from pipeline.publish.html import render_html
    from pipeline.publish.kpis import FIGURE_KEYS
    from pipeline.publish.longform import long_frame, write_csv, write_parquet
    from pipeline.publish.markdown import render_markdown
    from pipeline.publish.members import read_members_many, read_previous_many
    from pipeline.publish.provenance import Provenance, run_folder
    from pipeline.publish.xlsx import write_xlsx
    from pipeline.warehouse import get_engine

    engine = get_engine(url)
    spent: dict[str, float] = {}

    def timed(name: str, fn, *args):
        t = time.thread_time()
        got = fn(*args)
        spent[name] = spent.get(name, 0.0) + time.thread_time() - t
        return got

    for i in range(repeat):
        for k in range(0, len(districts), CHUNK_SIZE):
            chunk = districts[k:k + CHUNK_SIZE]
            now = timed("read: members, cells", read_members_many, engine, chunk, year)
            before = timed("read: previous year", read_previous_many, engine, chunk, year - 1, FIGURE_KEYS)
            for d in chunk:
                fig = timed("figures (compute)", _figures, now[d.code], before[d.code], year)
                prov = Provenance.new(run_id=f"phases-{i}", warehouse_url=url, template_version=fig.version,
                                      district=d.code, year=year)
                folder = run_folder(out, year, d.code, prov.run_id)
                svgs = timed("charts", chart_svgs, fig)
                long = timed("long form", long_frame, fig, prov)
                timed("html", render_html, fig, prov, svgs)
                timed("markdown", render_markdown, fig, prov)
                timed("csv", write_csv, long, folder / "consolidated.csv")
                timed("parquet", write_parquet, long, folder / "consolidated.parquet", prov)
                timed("xlsx", write_xlsx, fig, prov, long, folder / "report.xlsx")
                timed("kpis.json", lambda f, p: json.dumps(kpis_document(f, p), ensure_ascii=False, indent=1), fig, prov)
    n = repeat * len(districts)
    out_ms = {k: 1000 * v / n for k, v in spent.items()}
    out_ms["total (no marts, no copies)"] = sum(out_ms.values())
    return out_ms


if __name__ == "__main__":
    main()
