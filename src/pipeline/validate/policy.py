"""What to do with a report that has findings: ``strict`` (default) or ``lenient``.

- ``strict`` — the annual run's default: an agency whose report has any error is not loaded; its status
  is failed and its findings are recorded (the clerk fixes the file and resubmits). Blank cells the
  identities need (R-BLANK) are errors.
- ``lenient`` — load anyway and record the findings (e.g. to take in a back-catalogue of published
  reports whose printed errors cannot be corrected any more). R-BLANK findings are warnings.

Warnings never block loading under either policy.
"""

from __future__ import annotations

from typing import Literal, get_args

from pipeline.validate.findings import ValidationResult

Policy = Literal["strict", "lenient"]
POLICIES: tuple[str, ...] = get_args(Policy)


def check_policy(policy: str) -> Policy:
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    return policy  # type: ignore[return-value]


def should_load(result: ValidationResult, policy: Policy = "strict") -> bool:
    """True when the report may go into the warehouse under ``policy``."""
    return check_policy(policy) == "lenient" or not result.has_errors
