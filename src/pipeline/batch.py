"""A batch of agencies as the unit of work: parse in processes, validate in one call, load in bulk.

Why batches: per agency, orchestration, a transaction, a previous-year read and a one-report
validation each cost more than the agency's own work. A :class:`Batch` is a whole district, several
small districts, or a bounded chunk of a large one (:func:`make_batches`, ``PIPELINE_BATCH_SIZE``);
:func:`process_batch` takes it through

0. its files asked into the page cache in the background (:func:`pipeline.parallel.prefetch`: a drop
   folder is rarely still cached, and each cold read would idle a core);
1. one query for every previous-year report it needs (:func:`pipeline.warehouse.bulk.previous_reports`);
2. parsing in worker processes, each file with its agency's previous year as evidence
   (:func:`pipeline.parallel.parse_submissions`);
3. one validation call over every parsed report (:func:`pipeline.validate.submission.validate_submissions`);
4. one bulk load of the loadable reports and the ledger rows of all (:func:`pipeline.warehouse.bulk.load_batch`).

Per-agency visibility is kept: every agency of the batch gets its own :class:`~pipeline.annual.AgencyOutcome`,
ledger row and findings, and its own all-or-nothing load — a bad file fails its agency alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.annual import FAILED, LOADED, MISSING, UNCHANGED, WITHDRAWN, AgencyJob, AgencyOutcome
from pipeline.failpoints import failpoint

#: The reason of a registered agency without a file in the drop folder.
NO_SUBMISSION = "未收到报送文件 / no submission in the drop folder"


@dataclass(frozen=True, slots=True)
class Batch:
    """Agencies of one year processed together (whole districts, or one chunk of a large district)."""

    year: int
    jobs: tuple[AgencyJob, ...]

    @property
    def districts(self) -> list[str]:
        return list(dict.fromkeys(j.district for j in self.jobs))

    @property
    def label(self) -> str:
        """What the batch covers, for task-run names: ``330803 (14 agencies: 330803-gov-office…330803-zt)``."""
        ds = self.districts
        where = ds[0] if len(ds) == 1 else f"{ds[0]}…{ds[-1]} ({len(ds)} districts)"
        n = len(self.jobs)
        first, last = self.jobs[0].agency_id, self.jobs[-1].agency_id
        return f"{self.year}/{where}: {n} agenc{'y' if n == 1 else 'ies'} {first}…{last}"


def make_batches(jobs: Sequence[AgencyJob], size: int) -> list[Batch]:
    """Group ``jobs`` (in district order) into batches of at most ``size`` agencies.

    Whole districts are packed together while they fit; a district larger than ``size`` is split into
    chunks of ``size``. Every job is in exactly one batch, in the given order. Raises ``ValueError``
    for ``size`` < 1 or jobs of more than one year.
    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    if len({j.year for j in jobs}) > 1:
        raise ValueError("a batch holds agencies of one year")
    by_district: dict[str, list[AgencyJob]] = {}
    for j in jobs:
        by_district.setdefault(j.district, []).append(j)
    batches: list[Batch] = []
    current: list[AgencyJob] = []
    for district_jobs in by_district.values():
        if len(district_jobs) > size:
            for i in range(0, len(district_jobs), size):
                part = district_jobs[i:i + size]
                if current and len(current) + len(part) > size:
                    batches.append(Batch(current[0].year, tuple(current)))
                    current = []
                current += part
            continue
        if current and len(current) + len(district_jobs) > size:
            batches.append(Batch(current[0].year, tuple(current)))
            current = []
        current += district_jobs
    if current:
        batches.append(Batch(current[0].year, tuple(current)))
    return batches


def process_batch(batch: Batch, *, run_id: str, warehouse_url: str, policy: str = "strict",
                  workers: int = 1, corrections=None) -> list[AgencyOutcome]:
    """Ingest, validate and load every agency of ``batch``; one outcome per job, in job order.

    ``corrections`` (:class:`pipeline.ops.corrections.Corrections`) are applied after parsing, before
    validation; a file withdrawn for the year is not loaded again (status ``withdrawn``).

    Statuses: ``loaded``/``unchanged``, ``missing`` (no file), ``failed`` (ambiguous drop folder,
    unreadable file, errors under ``policy`` — :func:`pipeline.validate.policy.should_load` — or a
    report the warehouse refused). Every outcome is recorded in the run ledger. Raises only for what is
    not an agency's fault: transient database errors (retry the batch), an unknown run or agency.
    """
    from pipeline.parallel import parse_submissions, prefetch
    from pipeline.stages import timed
    from pipeline.validate.policy import check_policy, should_load
    from pipeline.validate.submission import Claim, validate_submissions
    from pipeline.warehouse import get_engine
    from pipeline.warehouse.bulk import FailItem, LoadItem, load_batch, previous_reports

    failpoint("batch.start")
    check_policy(policy)
    engine = get_engine(warehouse_url)
    year = batch.year
    outcomes: dict[str, AgencyOutcome] = {}
    fails: list[FailItem] = []

    def fail(job: AgencyJob, status: str, reason: str, source=None, findings: Sequence = ()) -> None:
        errors = sum(1 for f in findings if f.severity == "error")
        outcomes[job.agency_id] = AgencyOutcome(job.district, year, job.agency_id, job.agency_name, status, reason,
                                                str(job.path) if job.path else None, errors, len(findings) - errors,
                                                findings=list(findings))
        fails.append(FailItem(job.agency_id, status, reason, source, findings))

    todo: list[AgencyJob] = []
    for job in batch.jobs:
        if job.problem:
            fail(job, FAILED, job.problem)
        elif job.path is None:
            fail(job, MISSING, NO_SUBMISSION + (
                f"; likely submission / 疑似报送文件: {job.likely.name} — rename it to {job.agency_id}{job.likely.suffix.lower()}"
                if job.likely else ""))
        else:
            todo.append(job)
    prefetch([str(j.path) for j in todo])  # the files read into the page cache while last year is read
    with timed("previous-year read"):
        previous = previous_reports(engine, [j.agency_id for j in todo], year)
    prev = [previous.get(j.agency_id) for j in todo]
    with timed("ingest (parse)"):
        parsed = parse_submissions([str(j.path) for j in todo], prev, workers=workers)
    failpoint("batch.after-parse")
    ok = [(j, p, q) for j, p, q in zip(todo, parsed, prev, strict=True) if p.error is None]
    for j, p in zip(todo, parsed, strict=True):
        if p.error is not None:
            fail(j, FAILED, p.error, p.source)
    # Operations (pipeline.ops.hooks): a withdrawn file is set aside, the year's corrections are applied.
    from pipeline.ops import hooks

    with timed("corrections and withdrawals"):
        screened = hooks.screen(engine, year, ok, corrections)
    ok = screened.ok
    for j, p, reason in screened.failed:
        fail(j, FAILED, reason, p.source)
    for j, _p, reason in screened.withdrawn:  # no ledger row: the withdrawal is the record
        outcomes[j.agency_id] = AgencyOutcome(j.district, year, j.agency_id, j.agency_name, WITHDRAWN, reason,
                                              str(j.path))
    with timed("validate"):
        results = validate_submissions([p.report for _, p, _ in ok],
                                       [Claim(j.agency_name, j.aliases, year) for j, _, _ in ok],
                                       previous=[q for _, _, q in ok], policy=policy)
    failpoint("batch.before-load")
    loads: list[LoadItem] = []
    for (j, p, _), result in zip(ok, results, strict=True):
        if should_load(result, policy):
            loads.append(LoadItem(j.agency_id, p.report, p.source, p.digest, result.findings))
            outcomes[j.agency_id] = AgencyOutcome(j.district, year, j.agency_id, j.agency_name, LOADED, "", str(j.path),
                                                  len(result.errors), len(result.warnings),
                                                  findings=list(result.findings))
        else:
            n = len(result.errors)
            fail(j, FAILED, f"{n} validation error{'s' if n != 1 else ''} (policy {policy}); see findings", p.source,
                 result.findings)
    with timed("load"):
        done = load_batch(engine, run_id=run_id, year=year, loads=loads, failures=fails)
    for agency_id, reason in done.refused.items():
        o = outcomes[agency_id]
        o.status, o.reason = FAILED, reason
    for agency_id, (_rid, version, changed) in done.loaded.items():
        o = outcomes[agency_id]
        o.status, o.report_version = (LOADED if changed else UNCHANGED), version
        o.reason = hooks.summary(screened.applied.get(agency_id, ()))
    with timed("load"):
        hooks.record(engine, run_id=run_id, year=year, loaded=done.loaded, applied=screened.applied)
    return [outcomes[j.agency_id] for j in batch.jobs]


class DistrictTracker:
    """Which districts are complete as batches settle: a district is published once its last batch is done.

    ``settle(batch, loaded_districts)`` returns the districts of ``batch`` whose every batch is now done
    and which have at least one loaded or unchanged agency (``loaded_districts``, e.g.
    :attr:`pipeline.runoutputs.RunOutputs.loaded_districts`), in batch order. Memory: one counter per district.
    """

    def __init__(self, batches: Sequence[Batch]) -> None:
        self.pending: dict[str, int] = {}
        for b in batches:
            for d in b.districts:
                self.pending[d] = self.pending.get(d, 0) + 1

    def settle(self, batch: Batch, loaded_districts: set[str] | frozenset[str]) -> list[str]:
        ready = []
        for d in batch.districts:
            self.pending[d] -= 1
            if self.pending[d] == 0:
                del self.pending[d]
                if d in loaded_districts:
                    ready.append(d)
        return ready


def publish_ready(warehouse_url: str, districts: Sequence, year: int, out_root, *,
                  run_id: str | None = None) -> tuple[list, list[str]]:
    """Publish ``districts`` (:class:`~pipeline.registry.District`) for ``year``; one district's error spares the rest.

    Returns ``(published, errors)``: the :class:`~pipeline.publish.PublishedDistrict` of each district
    published, and one line ``"<code>: <error>"`` per district that could not be. The warehouse is read
    once for all of them (:func:`pipeline.publish.district.publish_districts`); its errors propagate
    (transient ones are retried by the orchestrator).
    """
    from pathlib import Path

    from pipeline.publish.district import publish_districts
    from pipeline.stages import timed

    with timed("publish"):
        results = publish_districts(warehouse_url, list(districts), year, Path(out_root), run_id=run_id)
    return [r for r in results if not r.error], [f"{r.district}: {r.error}" for r in results if r.error]


def run_batch(batch: Batch, *, run_id: str, warehouse_url: str, policy: str = "strict", workers: int = 1,
              corrections=None, in_workers: bool = False) -> list[AgencyOutcome]:
    """:func:`process_batch`, placed where it uses the cores best.

    ``in_workers`` (a run of several batches): the whole batch — previous-year read, parsing, validation,
    load — runs in one worker process of the pool of ``workers`` (:func:`pipeline.parallel.in_worker`),
    so that as many batches as there are workers proceed at once, each on its own core, and the
    orchestrating process only waits. Otherwise (a single batch) it runs here with its parsing spread
    over ``workers`` processes. Same outcomes either way; exceptions (transient database errors) propagate.
    """
    if in_workers and workers > 1:
        from pipeline.parallel import in_worker

        return in_worker(workers, process_batch, batch, run_id=run_id, warehouse_url=warehouse_url, policy=policy,
                         workers=1, corrections=corrections)
    return process_batch(batch, run_id=run_id, warehouse_url=warehouse_url, policy=policy, workers=workers,
                         corrections=corrections)
