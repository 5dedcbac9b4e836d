"""Publishing cost per district (issue 9): ms of CPU and wall per district, for N districts.

    pipeline generate --districts 5 --agencies-per-district 60 --year 2022 --out /tmp/pubdrop
    PIPELINE_CONFIG_DIR=/tmp/pubdrop/config PIPELINE_DATA_DIR=/tmp/pubdata \
      PIPELINE_WAREHOUSE_URL=sqlite:////tmp/pubdata/w.sqlite pipeline run --year 2022 --submissions /tmp/pubdrop/submissions
    python benchmarks/publish_bench.py --warehouse sqlite:////tmp/pubdata/w.sqlite --config /tmp/pubdrop/config \
      --year 2022 --districts 5 --mode batch

``--mode single`` calls ``publish_district`` per district, ``--mode batch`` one ``publish_districts`` for all;
``--repeat`` publishes the same districts again (a warm process, as in a long run). The first call warms
imports, fonts and templates and is not counted.
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


if __name__ == "__main__":
    main()
