"""The annual run as a Prefect flow: ingest → validate → load per batch of agencies, then publish per district.

Thin by design: every step is a function of :mod:`pipeline`; this module only makes tasks of them,
names the runs after what they cover, bounds the workers, decides the final state and writes artifacts.

Granularity: one task run per batch (:mod:`pipeline.batch`: a district, several small districts, or a
chunk of a large one — ``PIPELINE_BATCH_SIZE``), named after its districts and agencies, and one per
district for publishing. Each agency still has its own outcome (ledger row, ``outcomes.csv|json``,
findings). At most ``PIPELINE_BATCH_CONCURRENCY`` batches are in flight (one loads while the next
parses); parsing runs in ``PIPELINE_WORKERS`` processes. A district is published as soon as its last
batch is done. The run is closed in the ledger whatever happens: ``failed`` when an agency failed,
a district could not be published, or a step raised.
"""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import annual
from pipeline.annual import AgencyOutcome
from pipeline.batch import Batch, DistrictTracker, make_batches, publish_ready
from pipeline.ops import OpsError, RunStopped, progress, rerun, stop_line
from pipeline.ops.corrections import corrections_path, load_corrections
from pipeline.ops.guards import check_drop_folder, check_year
from pipeline.ops.rerun import default_year
from pipeline.plainrun import plan_year
from pipeline.publish import PublishedDistrict
from pipeline.registry import District, load_registry
from pipeline.runoutputs import RunOutputs
from pipeline.settings import get_settings
from pipeline.transient import is_transient_state
from pipeline.warehouse import get_engine
from pipeline.warehouse.engine import mask_url

#: Upper bound of the flow's task threads; the batches in flight are bounded by the settings' batch concurrency.
MAX_THREADS = 4
#: Most failed agencies listed in the run's artifacts (all of them are in outcomes.csv|json).
ARTIFACT_ROWS = 500


def _expected(exc: BaseException | None) -> bool:
    """A stop that is not a bug: the run lock, a locked, unreachable or briefly absent warehouse."""
    from pipeline.transient import is_transient
    from pipeline.warehouse.engine import is_locked

    return exc is not None and (stop_line("", exc) is not None or is_transient(exc) or is_locked(exc))


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__}: {(str(orig).strip().splitlines() or [''])[0][:300]}"


class OneLineExpectedErrors(logging.Filter):
    """Prefect logs a failed task's or flow's exception with its traceback (and its repr, SQL included, at
    each retry): an expected stop (:func:`_expected`) is logged as one line instead; bugs keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        args = record.args if isinstance(record.args, tuple) else ()
        found = exc if _expected(exc) else next((a for a in args if isinstance(a, BaseException) and _expected(a)), None)
        if found is None:
            return True
        message = record.getMessage().replace(repr(found), _short(found))
        record.msg, record.args = (message.splitlines() or [""])[0], ()
        if exc is not None and _expected(exc):
            record.exc_info, record.exc_text = None, None
        return True


for _name in ("prefect.task_runs", "prefect.flow_runs"):
    if not any(isinstance(f, OneLineExpectedErrors) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(OneLineExpectedErrors())


def _stop(line: str, exit_code: int):
    """The flow's Failed state for an expected stop: one line, the exit code for the CLI."""
    return Failed(message=line, data=RunStopped(line, exit_code))


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


@task(name="process-batch", task_run_name="batch {batch.label}", cache_policy=NO_CACHE,
      retries=3, retry_delay_seconds=2, retry_condition_fn=is_transient_state)
def process_batch(batch: Batch, run_id: str, warehouse_url: str, policy: str, workers: int,
                  corrections=None, in_workers: bool = False) -> list[AgencyOutcome]:
    """A batch end to end (in a worker process when ``in_workers``); every agency's outcome (failed ones
    included) — raises only for transient errors."""
    from pipeline.batch import run_batch

    return run_batch(batch, run_id=run_id, warehouse_url=warehouse_url, policy=policy, workers=workers,
                     corrections=corrections, in_workers=in_workers)


@task(name="publish-districts", task_run_name="publish {year}/{label}", cache_policy=NO_CACHE,
      retries=3, retry_delay_seconds=2, retry_condition_fn=is_transient_state)
def publish(warehouse_url: str, districts: list[District], year: int, out_root: str, run_id: str | None = None,
            label: str = "", workers: int = 1) -> tuple[list[PublishedDistrict], list[str]]:
    """Publish the districts whose batches are all done, in a worker process when ``workers`` > 1;
    (published, one error line per district that failed)."""
    from pipeline.parallel import in_worker

    return in_worker(workers, publish_ready, warehouse_url, districts, year, out_root, run_id=run_id)


@task(name="finish-run", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=2, retry_condition_fn=is_transient_state)
def finish_run(warehouse_url: str, run_id: str, status: str) -> None:
    from pipeline.warehouse import finish_run as _finish
    from pipeline.warehouse import get_engine

    _finish(get_engine(warehouse_url), run_id, status=status)


def _batch_outcomes(future, batch: Batch) -> list[AgencyOutcome]:
    """The batch's outcomes from its task state; a batch that crashed fails each of its agencies with the cause."""
    future.wait()
    state = future.state
    if state.is_completed():
        return state.result()
    exc = state.result(raise_on_failure=False)
    reason = f"batch crashed: {_short(exc)}"
    return [AgencyOutcome(j.district, j.year, j.agency_id, j.agency_name, annual.FAILED, reason=reason,
                          file=str(j.path) if j.path else None) for j in batch.jobs]


def _run_name() -> str:
    """``annual-2024``, or ``rerun-2024`` for a re-run of some agencies (the year defaults to the previous one)."""
    params = flow_run.parameters or {}
    kind = "rerun" if params.get("agencies") or params.get("failed_only") else "annual"
    return f"{kind}-{params.get('year') or default_year()}"


@flow(name="annual-run", flow_run_name=_run_name, task_runner=ThreadPoolTaskRunner(max_workers=MAX_THREADS),
      validate_parameters=True)
def annual_run(year: int | None = None, districts: list[str] | None = None, submissions_dir: str | None = None,
               policy: str = "strict", warehouse_url: str | None = None, agencies: list[str] | None = None,
               failed_only: bool = False):
    """Run the annual job for ``year`` (default: the previous calendar year, Asia/Shanghai) over ``districts``
    (default: every district in the registry). A re-run: ``agencies`` and/or ``failed_only`` (the agencies
    whose latest outcome is failed) — only those are processed, their districts republished, and the drop
    folder defaults to the one the year's latest run read (:mod:`pipeline.ops.rerun`)."""
    logger = get_run_logger()
    settings = get_settings()
    year = year or default_year()
    if policy not in ("strict", "lenient"):
        return Failed(message=f"unknown policy {policy!r}: use strict or lenient")
    try:
        check_year(year)
    except OpsError as e:
        return Failed(message=str(e))
    url = warehouse_url or settings.warehouse_url
    if warehouse_url and mask_url(warehouse_url) != warehouse_url:  # Prefect stored it with the parameters
        logger.warning("the warehouse_url parameter carries a password, and Prefect stores flow parameters: "
                       "give the URL in PIPELINE_WAREHOUSE_URL (the worker's environment) instead")
    registry = load_registry(settings.config_dir)  # once per run: tasks get the District they need
    codes = list(dict.fromkeys(districts or registry.districts))
    sub_dir = Path(submissions_dir) if submissions_dir else settings.submissions_dir
    unknown = [c for c in codes if c not in registry.districts]
    if unknown:  # a clear error before anything runs
        return Failed(message=f"district {', '.join(unknown)} not in the registry {settings.config_dir / 'registry.toml'} "
                              f"(known: {registry.known()})")

    try:
        prepare_warehouse(url, str(settings.config_dir))
    except Exception as e:  # the warehouse locked or gone (after the retries): one line, nothing loaded
        if (line := stop_line(url, e)) is None:
            raise
        return _stop(line, 2)
    only = None
    if agencies or failed_only:  # a re-run (pipeline.ops.rerun)
        try:
            only, codes, sub_dir = rerun.plan(url, registry, year, agencies or [], failed_only,
                                              districts or None, submissions_dir)
        except OpsError as e:
            return Failed(message=str(e))
        except Exception as e:
            if (line := stop_line(url, e)) is None:
                raise
            return _stop(line, 2)
        if not only:
            return Completed(message=f"nothing to re-run for {year}: no failed agency / 没有需要重跑的机关")
        logger.info("re-run of %d agencies (%s) in %s, drop folder %s", len(only), ", ".join(only[:20]),
                    ", ".join(codes), sub_dir)
    jobs = plan_year(registry, sub_dir, year, codes)
    if only is not None:
        jobs = [j for j in jobs if j.agency_id in set(only)]
    try:
        check_drop_folder(sub_dir, year, jobs)  # every agency missing: alert, do not "succeed"
        corrections = load_corrections(corrections_path(sub_dir, year), year)
    except OpsError as e:
        return Failed(message=str(e))
    try:
        run_id = start_run(url, year, codes, policy)
    except Exception as e:  # another run holds the year (RunLocked: never retried), or the warehouse is locked
        if (line := stop_line(url, e)) is None:
            raise
        return _stop(line, 2)
    try:
        rerun.note_submissions_dir(get_engine(url), run_id, sub_dir)
        logger.info("run %s: year %s, %d districts, submissions %s, policy %s, batches of ≤%d, %d workers", run_id,
                    year, len(codes), sub_dir, policy, settings.batch_size, settings.workers)
        return _run_batches(logger, settings, registry, jobs, year, url, run_id, policy, corrections)
    except Exception as e:
        # The run is closed in the ledger (never left "running"); an expected stop is one line, a bug raises.
        line = stop_line(url, e)
        _close_failed(logger, url, run_id)
        if line is None:
            raise
        return _stop(line, 1 if _loaded_any(url, run_id) else 2)
    except BaseException:
        # Whatever raised, the run is closed in the ledger (never left "running"), then the error propagates.
        finish_run(url, run_id, "failed")
        raise


def _close_failed(logger, url: str, run_id: str) -> None:
    """Close the run ``failed``; if the warehouse will not let us (still locked), say so in one line — the
    next run closes it ``abandoned``, and ``pipeline status`` shows it so meanwhile."""
    try:
        finish_run(url, run_id, "failed")
    except Exception as e:
        logger.warning("run %s could not be closed (%s); the next run closes it abandoned", run_id,
                       stop_line(url, e) or _short(e))


def _loaded_any(url: str, run_id: str) -> bool:
    """Whether the run loaded any agency (True when that cannot be read: the safer exit code)."""
    from sqlalchemy import text

    try:
        with get_engine(url).connect() as conn:
            return bool(conn.execute(text("SELECT COUNT(*) FROM run_agencies WHERE run_id = :r AND status = 'loaded'"),
                                     {"r": run_id}).scalar())
    except Exception:
        return True


def _run_batches(logger, settings, registry, jobs, year, url, run_id, policy, corrections=None):
    """Submit the batches (at most ``batch_concurrency`` in flight), publish each district as its last batch
    settles, stream every outcome to the run folder, close the run; the flow's final state."""
    batches = make_batches(jobs, settings.batch_size)
    several = len(batches) > 1  # then whole batches run in worker processes, one per core (pipeline.batch.run_batch)
    tracker = DistrictTracker(batches)
    run_dir = settings.runs_dir / run_id
    outputs = RunOutputs(run_dir)
    published: list[PublishedDistrict] = []
    publish_errors: list[str] = []
    in_flight: deque = deque()
    publishing: deque = deque()

    def collect(future, codes: list[str]) -> None:
        future.wait()
        state = future.state
        if state.is_completed():
            done, errors = state.result()
            published.extend(done)
            publish_errors.extend(errors)
        else:
            exc = state.result(raise_on_failure=False)
            publish_errors.extend(f"{c}: {_short(exc)}" for c in codes)
        for e in publish_errors[-len(codes):]:
            logger.error("publishing failed: %s", e)

    def settle() -> None:
        batch, future = in_flight.popleft()
        outputs.add(_batch_outcomes(future, batch))
        progress.advance(outputs.total, len(jobs), outputs.counts[annual.FAILED])
        ready = tracker.settle(batch, outputs.loaded_districts)
        if ready:
            label = ready[0] if len(ready) == 1 else f"{ready[0]}…{ready[-1]} ({len(ready)} districts)"
            publishing.append((publish.submit(url, [registry.district(d) for d in ready], year,
                                              str(settings.published_dir), run_id, label,
                                              settings.workers if several else 1), ready))
        while len(publishing) > settings.batch_concurrency:
            collect(*publishing.popleft())

    progress.advance(0, len(jobs), 0)
    try:
        for batch in batches:
            if len(in_flight) >= settings.batch_concurrency:
                settle()
            in_flight.append((batch, process_batch.submit(batch, run_id, url, policy, settings.workers, corrections,
                                                          several)))
        while in_flight:
            settle()
        while publishing:
            collect(*publishing.popleft())
    finally:
        outputs.close()

    counts, failed, missing = outputs.counts, outputs.failed(), outputs.missing()
    _artifacts(year, run_id, counts, len(batches), published, failed, missing, publish_errors, run_dir)
    finish_run(url, run_id, "failed" if counts[annual.FAILED] or publish_errors else "completed")

    result = {"run_id": run_id, "counts": counts, "run_dir": str(run_dir), "warehouse_url": mask_url(url),
              "published": [str(p.markdown) for p in published], "outcomes": outputs.result_rows(),
              "outcomes_complete": outputs.small is not None}
    if publish_errors:
        return Failed(message=f"publishing failed for {len(publish_errors)} district(s): {'; '.join(publish_errors[:20])}",
                      data=result)
    if counts[annual.FAILED]:
        n = counts[annual.FAILED]
        names = ", ".join(o.agency_id for o in failed[:50]) + (f" and {n - 50} more" if n > 50 else "")
        return Failed(message=f"{n} agenc{'ies' if n > 1 else 'y'} failed: {names}", data=result)
    return Completed(message=f"{counts[annual.LOADED]} loaded, {counts[annual.UNCHANGED]} unchanged, "
                             f"{counts[annual.MISSING]} missing", data=result)


def _artifacts(year, run_id, counts, n_batches, published, failed, missing, publish_errors, run_dir) -> None:
    """Small artifacts whatever the run's size: the counts and the failed agencies (at most ARTIFACT_ROWS)."""
    keep = ("district", "agency_id", "agency_name", "status", "reason", "file")
    create_table_artifact(key=f"annual-{year}-failed", table=[{k: o.row()[k] for k in keep} for o in failed[:ARTIFACT_ROWS]],
                          description=f"Failed agencies of run {run_id} ({counts[annual.FAILED]}; all outcomes in {run_dir})")
    md = [f"# Annual run {year} ({run_id})", "", ", ".join(f"{k}: {v}" for k, v in counts.items()),
          f"; {n_batches} batches, {len(published)} districts published", "", f"Outcomes and findings: `{run_dir}`", ""]
    md += [f"- PUBLISH FAILED {e}" for e in publish_errors]
    md += [f"- FAILED {o.agency_id} {o.agency_name}: {o.reason}" for o in failed[:ARTIFACT_ROWS]]
    md += [f"- missing {o.agency_id} {o.agency_name}" for o in missing[:ARTIFACT_ROWS]]
    if counts[annual.FAILED] > ARTIFACT_ROWS or counts[annual.MISSING] > ARTIFACT_ROWS:
        md.append(f"- … the rest in {run_dir / 'outcomes.csv'}")
    create_markdown_artifact(key=f"annual-{year}-summary", markdown="\n".join(md))


def run_stopped(state) -> RunStopped | None:
    """The expected stop a Failed flow state carries (another run holds the year, the warehouse is locked or
    gone): one line and the exit code; None for anything else."""
    if not state.is_failed():
        return None
    try:
        exc = state.result(raise_on_failure=False)
    except Exception:
        return None
    return exc if isinstance(exc, RunStopped) else None


def run_summary(state) -> dict | None:
    """The summary dict the flow returned with its final state (Completed or Failed), or None if it crashed."""
    try:
        result = state.result(raise_on_failure=False)
    except Exception:  # the flow failed before it could return its summary
        return None
    return result if isinstance(result, dict) else None
