"""The annual run as a plain Python loop, without Prefect: the same library calls as ``flows/annual.py``.

Why: the benchmark's orchestration-overhead ratio (flow ÷ plain loop on the same data) and tests that
the results do not depend on the batch size need the run without a Prefect server. The order of work
is the flow's: migrate and sync the registry, open the run, each batch (:mod:`pipeline.batch`) with its
outcomes appended to the run folder (:mod:`pipeline.runoutputs`), each district published once its last
batch is done (if an agency of it loaded), close the run — closed ``failed`` when anything raises.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline import annual
from pipeline.annual import AgencyJob
from pipeline.registry import Registry, load_registry
from pipeline.retrying import retry_transient
from pipeline.warehouse.engine import mask_url


def plan_year(registry: Registry, submissions_dir: Path, year: int, codes: list[str]) -> list[AgencyJob]:
    """Every registered agency of ``codes`` as a job, district by district (the drop folder read once)."""
    jobs: list[AgencyJob] = []
    for code in codes:
        jobs += annual.plan_district(registry, submissions_dir, year, code).jobs
    return jobs


def run_plain(*, year: int, submissions_dir: Path, warehouse_url: str, config_dir: Path, data_dir: Path,
              districts: list[str] | None = None, policy: str = "strict", batch_size: int = 500,
              workers: int = 1, publish: bool = True, agencies: list[str] | None = None) -> dict:
    """Run the annual job; returns the flow's summary dict (run_id, counts, run_dir, published, outcomes).

    ``data_dir``: published files go to ``<data_dir>/published``, run outputs to ``<data_dir>/runs``.
    ``agencies``: process only these (a re-run); the year's corrections file beside the drop folder is applied.
    """
    from pipeline.batch import DistrictTracker, make_batches, publish_ready, run_batch
    from pipeline.ops.corrections import corrections_path, load_corrections
    from pipeline.ops.rerun import note_submissions_dir
    from pipeline.parallel import in_worker
    from pipeline.runoutputs import RunOutputs
    from pipeline.warehouse import finish_run, get_engine, start_run, sync_registry, upgrade

    registry = load_registry(config_dir)
    codes = list(districts or registry.districts)
    upgrade(warehouse_url)
    engine = get_engine(warehouse_url)
    sync_registry(engine, registry)
    corrections = load_corrections(corrections_path(submissions_dir, year), year)
    run_id = start_run(engine, year=year, districts=codes, policy=policy)
    note_submissions_dir(engine, run_id, submissions_dir)
    run_dir = data_dir / "runs" / run_id
    try:
        jobs = plan_year(registry, submissions_dir, year, codes)
        if agencies is not None:
            jobs = [j for j in jobs if j.agency_id in set(agencies)]
        batches = make_batches(jobs, batch_size)
        several = len(batches) > 1 and workers > 1  # whole batches in worker processes, one per core
        tracker = DistrictTracker(batches)
        published, errors = [], []
        window: deque = deque()  # batches in flight
        publishing: deque = deque()  # groups of districts being published
        with RunOutputs(run_dir) as outputs, ThreadPoolExecutor(max(1, workers)) as threads:

            def collect() -> None:
                done, failed = publishing.popleft().result()
                published.extend(done)
                errors.extend(failed)

            def settle() -> None:
                batch, future = window.popleft()
                outputs.add(future.result())
                ready = tracker.settle(batch, outputs.loaded_districts)
                if publish and ready:
                    publishing.append(threads.submit(retry_transient, in_worker, workers if several else 1,
                                                     publish_ready, warehouse_url,
                                                     [registry.district(d) for d in ready], year,
                                                     data_dir / "published", run_id=run_id))
                while len(publishing) > max(1, workers):
                    collect()

            for batch in batches:
                if len(window) >= max(1, workers):
                    settle()
                window.append((batch, threads.submit(retry_transient, run_batch, batch, run_id=run_id,
                                                     warehouse_url=warehouse_url, policy=policy, workers=workers,
                                                     corrections=corrections, in_workers=several)))
            while window:
                settle()
            while publishing:
                collect()
        counts = outputs.counts
        finish_run(engine, run_id, status="failed" if counts[annual.FAILED] or errors else "completed")
    except BaseException:
        finish_run(engine, run_id, status="failed")
        raise
    return {"run_id": run_id, "counts": counts, "run_dir": str(run_dir), "warehouse_url": mask_url(warehouse_url),
            "published": [str(p.markdown) for p in published], "outcomes": outputs.result_rows(),
            "outcomes_complete": outputs.small is not None, "publish_errors": errors}
