"""Validation of parsed reports against every consistency rule of template.md §6.

Public API::

    validate_report(report, *, previous=None, policy="strict") -> ValidationResult
    validate_reports(reports, *, previous=None, policy="strict") -> list[ValidationResult]
    Finding, ValidationResult, findings_to_frame, results_to_frame, write_findings_csv, write_findings_json
    Policy, should_load
    Claim, validate_submission, submission_findings   (the submission itself: agency, year, not empty)

The pandera models are in :mod:`schemas.cells`; :mod:`.rules` turns their failure cases into findings.
"""

from pipeline.validate.engine import validate_report, validate_reports
from pipeline.validate.findings import (
    FINDING_FIELDS,
    Finding,
    ValidationResult,
    findings_to_frame,
    findings_to_records,
    read_findings_json,
    results_to_frame,
    write_findings_csv,
    write_findings_json,
)
from pipeline.validate.policy import Policy, should_load
from pipeline.validate.rules import RULES
from pipeline.validate.submission import Claim, submission_findings, validate_submission

__all__ = [
    "FINDING_FIELDS",
    "RULES",
    "Claim",
    "Finding",
    "Policy",
    "ValidationResult",
    "findings_to_frame",
    "findings_to_records",
    "read_findings_json",
    "results_to_frame",
    "should_load",
    "submission_findings",
    "validate_report",
    "validate_reports",
    "validate_submission",
    "write_findings_csv",
    "write_findings_json",
]
