"""Validation of parsed reports against every consistency rule of template.md §6.

Public API::

    validate_report(report, *, previous=None, policy="strict") -> ValidationResult
    validate_reports(reports, *, previous=None, policy="strict") -> list[ValidationResult]
    Finding, ValidationResult, findings_to_frame, results_to_frame, write_findings_csv, write_findings_json
    Policy, should_load

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

__all__ = [
    "FINDING_FIELDS",
    "RULES",
    "Finding",
    "Policy",
    "ValidationResult",
    "findings_to_frame",
    "findings_to_records",
    "read_findings_json",
    "results_to_frame",
    "should_load",
    "validate_report",
    "validate_reports",
    "write_findings_csv",
    "write_findings_json",
]
