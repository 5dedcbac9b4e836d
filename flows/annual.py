"""The annual run as a Prefect flow: ingest → validate → load per agency, then publish per district.

Thin by design: every step is a function of :mod:`pipeline`; this module only makes tasks of them,
names the runs after the agency, bounds the workers, decides the final state and writes artifacts.

Granularity: one task run per agency (ingest, validate and load in one warehouse transaction), one per
district for publishing — each agency's outcome is visible and re-runnable without a task per stage.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.runtime import flow_run
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import annual
from pipeline.annual import AgencyFailed, AgencyJob, AgencyOutcome
from pipeline.publish import PublishedDistrict, publish_district
from pipeline.registry import load_registry
from pipeline.settings import get_settings
from pipeline.transient import is_transient_state

MAX_WORKERS = 2  # the machine has 2 cores; SQLite takes one writer at a time anyway


@task(name="prepare-warehouse", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=2,
      retry_condition_fn=is_transient_state)
def prepare_warehouse(warehouse_url: str, config_dir: str) -> None:
    """Migrate the warehouse to head and upsert the registry's districts and agencies."""
    from pipeline.warehouse import get_engine, sync_registry, upgrade

    upgrade(warehouse_url)
    sync_registry(get_engine(warehouse_url), load_registry(Path(config_dir)))


@task(name="start-run", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=2, retry_condition_fn=is_transient_state)
def start_run(warehouse_url: str, year: int, districts: list[str], policy: str) -> str:
    from pipeline.warehouse import get_engine
    from pipeline.warehouse import start_run as _start

    return _start(get_engine(warehouse_url), year=year, districts=districts, policy=policy,
                  flow_run_id=str(flow_run.get_id() or "") or None)


@task(name="process-agency", task_run_name="{job.district}/{job.agency_id}", cache_policy=NO_CACHE,
      retries=3, retry_delay_seconds=2, retry_condition_fn=is_transient_state)
def process_agency(job: AgencyJob, run_id: str, warehouse_url: str, policy: str) -> AgencyOutcome:
    """One agency end to end; fails (without retry) when its submission cannot be loaded."""
    return annual.process_agency(job, run_id=run_id, warehouse_url=warehouse_url, policy=policy)


@task(name="publish-district", task_run_name="publish/{district_code}", cache_policy=NO_CACHE,
      retries=3, retry_delay_seconds=2, retry_condition_fn=is_transient_state)
def publish(warehouse_url: str, config_dir: str, district_code: str, year: int, out_root: str,
            run_id: str | None = None) -> PublishedDistrict:
    district = load_registry(Path(config_dir)).district(district_code)
    return publish_district(warehouse_url, district, year, Path(out_root), run_id=run_id)


@task(name="finish-run", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=2, retry_condition_fn=is_transient_state)
def finish_run(warehouse_url: str, run_id: str, status: str) -> None:
    from pipeline.warehouse import finish_run as _finish
    from pipeline.warehouse import get_engine

    _finish(get_engine(warehouse_url), run_id, status=status)


def _outcome(future, job: AgencyJob) -> AgencyOutcome:
    """The agency's outcome from its task state: the result, or the failure the library recorded."""
    state = future.state
    if state.is_completed():
        return state.result()
    exc = state.result(raise_on_failure=False)
    if isinstance(exc, AgencyFailed):
        return exc.outcome
    return AgencyOutcome(job.district, job.year, job.agency_id, job.agency_name, annual.FAILED,
                         reason=f"crashed: {type(exc).__name__}: {exc}", file=str(job.path) if job.path else None)


@flow(name="annual-run", flow_run_name="annual-{year}", task_runner=ThreadPoolTaskRunner(max_workers=MAX_WORKERS),
      validate_parameters=True)
def annual_run(year: int, districts: list[str] | None = None, submissions_dir: str | None = None,
               policy: str = "strict", warehouse_url: str | None = None):
    """Run the annual job for ``year`` over ``districts`` (default: every district in the registry)."""
    logger = get_run_logger()
    settings = get_settings()
    if policy not in ("strict", "lenient"):
        return Failed(message=f"unknown policy {policy!r}: use strict or lenient")
    url = warehouse_url or settings.warehouse_url
    registry = load_registry(settings.config_dir)
    codes = list(districts or registry.districts)
    sub_dir = Path(submissions_dir) if submissions_dir else settings.submissions_dir
    unknown = [c for c in codes if c not in registry.districts]
    if unknown:  # a clear error before anything runs
        return Failed(message=f"district {', '.join(unknown)} not in the registry {settings.config_dir / 'registry.toml'} "
                              f"(known: {registry.known()})")

    prepare_warehouse(url, str(settings.config_dir))
    run_id = start_run(url, year, codes, policy)
    logger.info("run %s: year %s, districts %s, submissions %s, policy %s", run_id, year, codes, sub_dir, policy)

    try:
        return _run_districts(logger, settings, registry, codes, sub_dir, year, url, run_id, policy)
    except BaseException:
        # Whatever raised, the run is closed in the ledger (never left "running"), then the error propagates.
        finish_run(url, run_id, "failed")
        raise


def _run_districts(logger, settings, registry, codes, sub_dir, year, url, run_id, policy):
    outcomes: list[AgencyOutcome] = []
    published: list[PublishedDistrict] = []
    publish_errors: list[str] = []
    for code in codes:
        plan = annual.plan_district(registry, sub_dir, year, code)
        for s in plan.unregistered:
            logger.warning("%s: matches no registered agency of district %s; not loaded", s.path, code)
        futures = [process_agency.submit(job, run_id, url, policy) for job in plan.jobs]
        wait(futures)
        district_outcomes = [_outcome(f, job) for f, job in zip(futures, plan.jobs, strict=True)]
        for o in district_outcomes:
            if o.status == annual.MISSING:
                logger.warning("%s %s: no submission in %s", o.agency_id, o.agency_name, sub_dir / str(year) / code)
        outcomes += district_outcomes
        if any(o.status in (annual.LOADED, annual.UNCHANGED) for o in district_outcomes):
            try:
                published.append(publish(url, str(settings.config_dir), code, year, str(settings.published_dir), run_id))
            except Exception as e:  # one district's publishing error neither stops the others nor hides
                logger.error("publishing %s failed: %s: %s", code, type(e).__name__, e)
                publish_errors.append(f"{code}: {type(e).__name__}: {e}")

    counts = annual.summarise(outcomes)
    run_dir = settings.runs_dir / run_id
    annual.write_run_outputs(run_dir, outcomes)
    create_table_artifact(key=f"annual-{year}-outcomes", table=[o.row() for o in outcomes],
                          description=f"Agency outcomes of run {run_id}")
    failed = [o for o in outcomes if o.status == annual.FAILED]
    missing = [o for o in outcomes if o.status == annual.MISSING]
    md = [f"# Annual run {year} ({run_id})", "", ", ".join(f"{k}: {v}" for k, v in counts.items()), ""]
    md += [f"- published {p.district}: {p.markdown} ({p.agencies_covered}/{p.agencies_registered} agencies)" for p in published]
    md += [f"- FAILED {o.agency_id} {o.agency_name}: {o.reason}" for o in failed]
    md += [f"- missing {o.agency_id} {o.agency_name}" for o in missing]
    md += [f"- PUBLISH FAILED {e}" for e in publish_errors]
    create_markdown_artifact(key=f"annual-{year}-summary", markdown="\n".join(md))
    finish_run(url, run_id, "failed" if failed or publish_errors else "completed")

    result = {"run_id": run_id, "counts": counts, "run_dir": str(run_dir), "warehouse_url": url,
              "published": [str(p.markdown) for p in published], "outcomes": [o.row() for o in outcomes]}
    if publish_errors:
        return Failed(message=f"publishing failed for {len(publish_errors)} district(s): {'; '.join(publish_errors)}",
                      data=result)
    if failed:
        names = ", ".join(o.agency_id for o in failed)
        return Failed(message=f"{len(failed)} agenc{'ies' if len(failed) > 1 else 'y'} failed: {names}", data=result)
    return Completed(message=f"{counts[annual.LOADED]} loaded, {counts[annual.UNCHANGED]} unchanged, "
                             f"{counts[annual.MISSING]} missing", data=result)


def run_summary(state) -> dict | None:
    """The summary dict the flow returned with its final state (Completed or Failed), or None if it crashed."""
    try:
        result = state.result(raise_on_failure=False)
    except Exception:  # the flow failed before it could return its summary
        return None
    return result if isinstance(result, dict) else None
