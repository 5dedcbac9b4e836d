"""The new parse through validation on the shared corpora: a local problem never fails a report.

Every kind of damage (``kinds``) and every member of a real district (``districts/pingtan-2022``), each
filed as its own agency and year: under ``strict`` the only reports with errors are those whose truth
lists printing errors (arithmetic failures), every parse note is shown as a warning finding, and no
submission check misfires.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, skip_or_fail

from pipeline.ingest import parse_file
from pipeline.registry import load_registry
from pipeline.validate.submission import Claim, validate_submission

SHARED = ROOT.parent / "shared" / "corpus"


def _cases(sub: str) -> list[str]:
    d = SHARED / sub / "truth"
    return sorted(p.stem for p in d.glob("*.json")) if d.is_dir() else ["(corpus absent)"]


def _truth(sub: str, stem: str) -> tuple[Path, dict]:
    d = SHARED / sub
    if not (d / "truth").is_dir():
        skip_or_fail(f"corpus not found at {d}")
    truth = json.loads((d / "truth" / f"{stem}.json").read_text(encoding="utf-8"))
    return next((d / "raw").glob(f"{stem}.*")), truth


def _check(raw: Path, truth: dict, claim: Claim) -> None:
    report = parse_file(raw)
    result = validate_submission(report, claim, policy="strict")
    shown = {(f.rule, f.table, f.row, f.col) for f in result.findings}
    assert {(n.rule, n.table, n.row, n.col) for n in report.notes} <= shown
    assert all(f.severity == "warning" for f in result.findings if f.rule.startswith("R-PARSE"))
    rules = {f.rule for f in result.errors}
    assert not rules & {"R-SUBMIT-AGENCY", "R-SUBMIT-YEAR", "R-SUBMIT-EMPTY", "R-CELLS-MISSING", "R-CELLS-EXTRA"}
    assert bool(result.errors) == bool(truth.get("arithmetic_failures")), [f.message_en for f in result.errors]
    lenient = validate_submission(report, Claim("某某县某某局", (), claim.year + 1), policy="lenient")
    assert {f.rule for f in lenient.warnings} >= {"R-SUBMIT-AGENCY", "R-SUBMIT-YEAR"}


@pytest.mark.parametrize("stem", _cases("kinds"))
def test_kinds_pass_strict_with_their_notes_shown(stem: str) -> None:
    raw, truth = _truth("kinds", stem)
    _check(raw, truth, Claim(truth["agency"], (), truth["report_year"]))


@pytest.mark.parametrize("stem", _cases("districts/pingtan-2022"))
def test_district_members_fail_strict_only_on_printing_errors(stem: str) -> None:
    raw, truth = _truth("districts/pingtan-2022", stem)
    code = re.match(r"\d+_.*_([a-z]+)$", stem).group(1)
    agency = load_registry(SHARED / "districts" / "pingtan-2022").agency(f"350128-{code}")
    _check(raw, truth, Claim(agency.name, agency.aliases, truth["report_year"]))
