"""The annual job as plain library functions: plan the agencies, process each one, summarise the run.

The Prefect flow in ``flows/annual.py`` only wires these into tasks and decides states; everything here
runs (and is tested) without Prefect. One agency is processed end to end — ingest → validate → load —
in one call and one warehouse transaction, so its outcome is a single row in the run ledger that the
ops team can see and re-run.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from pipeline.ingest import IngestError, detect_form, parse_bytes, read_submission
from pipeline.registry import District, Registry, Submission, discover_submissions

#: Outcome statuses of one agency in one run (the run ledger uses the same words).
LOADED, UNCHANGED, FAILED, MISSING = "loaded", "unchanged", "failed", "missing"


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
    return RunPlan(jobs, [s for s in files if s.agency is None])


def process_agency(job: AgencyJob, *, run_id: str, warehouse_url: str, policy: str = "strict") -> AgencyOutcome:
    """Ingest, validate and load one agency's submission; record the outcome in the run ledger.

    Validation under ``policy`` covers the template's rules, the parse's notes and the submission itself
    (the registered agency's report of ``job.year``, not an empty template: :mod:`pipeline.validate.submission`).

    Returns the outcome when the agency was loaded, unchanged or missing (no file: recorded, nothing to
    re-run); raises :class:`AgencyFailed` after recording a failure. Database errors propagate untouched
    so the orchestrator can retry them.
    """
    from pipeline.validate.policy import should_load
    from pipeline.validate.submission import Claim, validate_submission
    from pipeline.warehouse import SourceFile, get_engine, load_report, previous_report, record_failure

    engine = get_engine(warehouse_url)
    base = dict(district=job.district, year=job.year, agency_id=job.agency_id, agency_name=job.agency_name)

    def fail(reason: str, source: SourceFile | None = None, findings: Sequence = ()) -> AgencyFailed:
        status = MISSING if job.path is None and job.problem is None else FAILED
        record_failure(engine, run_id=run_id, agency_id=job.agency_id, year=job.year, reason=reason,
                       source=source, findings=findings, status=status)
        errors = sum(1 for f in findings if f.severity == "error")
        return AgencyFailed(AgencyOutcome(**base, status=status, reason=reason,
                                          file=str(job.path) if job.path else None, errors=errors,
                                          warnings=len(findings) - errors, findings=list(findings)))

    if job.problem:
        raise fail(job.problem)
    if job.path is None:
        # Missing is not a failure of this run (there is nothing to re-run); it is recorded and shown.
        return fail("no submission in the drop folder").outcome
    try:
        data = read_submission(job.path)
    except IngestError as e:
        raise fail(str(e)) from None
    form = "unknown"
    previous = previous_report(engine, agency_id=job.agency_id, year=job.year)
    try:
        form = detect_form(data, job.path.name)
        report = parse_bytes(data, str(job.path), form=form, previous=previous)
    except IngestError as e:
        raise fail(str(e), SourceFile.from_bytes(job.path.name, data, form)) from None
    source = SourceFile.from_bytes(job.path.name, data, form)
    claim = Claim(job.agency_name, job.aliases, job.year)
    result = validate_submission(report, claim, previous=previous, policy=policy)
    if not should_load(result, policy):
        n = len(result.errors)
        raise fail(f"{n} validation error{'s' if n != 1 else ''} (policy {policy}); see findings", source, result.findings)
    loaded = load_report(engine, run_id=run_id, agency_id=job.agency_id, year=job.year, report=report,
                         source=source, findings=result.findings)
    return AgencyOutcome(**base, status=LOADED if loaded.changed else UNCHANGED, file=str(job.path),
                         errors=len(result.errors), warnings=len(result.warnings),
                         report_version=loaded.version, findings=list(result.findings))


def write_run_outputs(run_dir: Path, outcomes: Iterable[AgencyOutcome]) -> dict[str, Path]:
    """Per-run files for the ops team: every agency's outcome, and every finding, as CSV and JSON."""
    import pandas as pd

    from pipeline.validate.findings import FINDING_FIELDS, findings_to_frame, write_findings_csv, write_findings_json

    run_dir.mkdir(parents=True, exist_ok=True)
    outcomes = list(outcomes)
    paths = {"outcomes_csv": run_dir / "outcomes.csv", "outcomes_json": run_dir / "outcomes.json"}
    rows = [o.row() for o in outcomes]
    with paths["outcomes_csv"].open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(OUTCOME_FIELDS))
        w.writeheader()
        w.writerows(rows)
    paths["outcomes_json"].write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    frames = [findings_to_frame(o.findings, district=o.district, agency_id=o.agency_id) for o in outcomes if o.findings]
    findings = pd.concat(frames, ignore_index=True) if frames else findings_to_frame([], district="", agency_id="")
    findings = findings[["district", "agency_id", *FINDING_FIELDS]]
    paths["findings_csv"] = write_findings_csv(findings, run_dir / "findings.csv")
    paths["findings_json"] = write_findings_json(findings, run_dir / "findings.json")
    return paths


def summarise(outcomes: Sequence[AgencyOutcome]) -> dict[str, int]:
    counts = {LOADED: 0, UNCHANGED: 0, FAILED: 0, MISSING: 0}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return counts
