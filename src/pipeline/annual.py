"""The annual job as plain library functions: plan the agencies, process each one, summarise the run.

The Prefect flow in ``flows/annual.py`` only wires these into tasks and decides states; everything here
runs (and is tested) without Prefect. The annual run processes agencies in batches
(:mod:`pipeline.batch`); :func:`process_agency` is a batch of one. Every agency's outcome is a single
row in the run ledger that the ops team can see and re-run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from pipeline.registry import District, Registry, Submission, discover_submissions

#: Outcome statuses of one agency in one run (the run ledger uses the same words).
LOADED, UNCHANGED, FAILED, MISSING = "loaded", "unchanged", "failed", "missing"
#: A file withdrawn for the year (``pipeline withdraw``) and submitted again: not loaded, no ledger row.
WITHDRAWN = "withdrawn"


class AgencyFailed(Exception):
    """An agency's submission cannot be loaded (unreadable, or errors under the strict policy).

    Not transient: the orchestrator must not retry it. ``outcome`` carries what the ledger recorded.
    """

    def __init__(self, outcome: AgencyOutcome) -> None:
        super().__init__(f"{outcome.agency_id}: {outcome.reason}")
        self.outcome = outcome


@dataclass(frozen=True, slots=True)
class AgencyJob:
    """One registered agency of one district-year, with its submission file if it sent one."""

    district: str
    year: int
    agency_id: str
    agency_name: str
    path: Path | None
    problem: str | None = None  # set when the drop folder is ambiguous for this agency
    aliases: tuple[str, ...] = ()  # other registered names of the agency (the report may carry one)
    likely: Path | None = None  # no file of its own: an unmatched file that is probably its submission


@dataclass(slots=True)
class AgencyOutcome:
    """What happened to one agency in one run."""

    district: str
    year: int
    agency_id: str
    agency_name: str
    status: str
    reason: str = ""
    file: str | None = None
    errors: int = 0
    warnings: int = 0
    report_version: int | None = None
    findings: list = field(default_factory=list, repr=False)

    def row(self) -> dict:
        """The outcome as one flat record (everything but the findings), for CSV, JSON and artifacts."""
        return {k: getattr(self, k) for k in OUTCOME_FIELDS}


OUTCOME_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(AgencyOutcome) if f.name != "findings")


@dataclass(slots=True)
class RunPlan:
    jobs: list[AgencyJob]
    unregistered: list[Submission]  # files in the drop folder that match no registered agency


def plan_district(registry: Registry, submissions_dir: Path, year: int, district_code: str) -> RunPlan:
    """Every registered agency of the district becomes a job; missing files are jobs too (status missing)."""
    district: District = registry.district(district_code)
    files = discover_submissions(submissions_dir, year, district)
    by_agency: dict[str, list[Path]] = {}
    for s in files:
        if s.agency is not None:
            by_agency.setdefault(s.agency.id, []).append(s.path)
    jobs = []
    for a in district.agencies:
        paths = by_agency.get(a.id, [])
        problem = None
        if len(paths) > 1:
            problem = "more than one submission in the drop folder: " + ", ".join(p.name for p in paths) + "; keep one"
        jobs.append(AgencyJob(district.code, year, a.id, a.name, paths[0] if len(paths) == 1 else None, problem,
                              a.aliases))
    unregistered = [s for s in files if s.agency is None]
    if unregistered:  # a near-miss name (330803-finance (1).txt) is named instead of a bare "missing"
        from dataclasses import replace

        from pipeline.ops.guards import likely_submission

        taken: set[str] = set()
        for i, j in enumerate(jobs):
            if j.path is None and not j.problem:
                hit = likely_submission(j.agency_id, [s.path for s in unregistered], taken)
                if hit is not None:
                    taken.add(hit.name)
                    jobs[i] = replace(j, likely=hit)
    return RunPlan(jobs, unregistered)


def process_agency(job: AgencyJob, *, run_id: str, warehouse_url: str, policy: str = "strict") -> AgencyOutcome:
    """Ingest, validate and load one agency's submission; record the outcome in the run ledger.

    A batch of one (:func:`pipeline.batch.process_batch`: the same code path as the annual run), parsed
    in this process. Validation under ``policy`` covers the template's rules, the parse's notes and the
    submission itself (the registered agency's report of ``job.year``: :mod:`pipeline.validate.submission`).

    Returns the outcome when the agency was loaded, unchanged or missing (no file: recorded, nothing to
    re-run); raises :class:`AgencyFailed` after recording a failure. Transient database errors
    propagate untouched so the orchestrator can retry them.
    """
    from pipeline.batch import Batch, process_batch

    (outcome,) = process_batch(Batch(job.year, (job,)), run_id=run_id, warehouse_url=warehouse_url, policy=policy)
    if outcome.status == FAILED:
        raise AgencyFailed(outcome)
    return outcome
