"""The validation entry points: one report, or a whole batch in one vectorised pass.

Why one path for both: ``validate_report`` is ``validate_reports`` on a batch of one, so a clerk's
``pipeline check`` and a national-scale run report exactly the same findings. A batch is validated
with one pandera run per model over all reports' cells at once; only the (few) failure cases, the
narrative text and the wording of findings are handled report by report.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.validate.crossyear import crossyear_findings, previous_mask
from pipeline.validate.findings import Finding, ValidationResult
from pipeline.validate.frame import VARIANTS, Grid, KeySpace, build_grid
from pipeline.validate.narrative import narrative_findings
from pipeline.validate.parse_notes import parse_note_findings
from pipeline.validate.policy import Policy, check_policy
from pipeline.validate.rules import (
    TABLE_ORDER,
    ambiguous_findings,
    findings_from_failures,
    published_findings,
    schema_failures,
)

#: Reports per vectorised pass (bounds memory: the grid is reports × ~260 floats).
CHUNK = 20_000


def validate_report(report: ParsedReport, *, previous: ParsedReport | None = None,
                    policy: Policy = "strict") -> ValidationResult:
    """Every rule of template.md §6 on one report (``previous``: the same agency's report of the year before)."""
    return validate_reports([report], previous=[previous], policy=policy)[0]


def validate_reports(reports: Sequence[ParsedReport], *, previous: Sequence[ParsedReport | None] | None = None,
                     policy: Policy = "strict", chunk: int = CHUNK) -> list[ValidationResult]:
    """Validate a batch; result ``i`` belongs to ``reports[i]`` (``previous[i]`` is its previous year, or None).

    Use :func:`pipeline.validate.findings.results_to_frame` for one findings DataFrame keyed by report index.
    """
    check_policy(policy)
    if previous is not None and len(previous) != len(reports):
        raise ValueError(f"{len(previous)} previous reports for {len(reports)} reports")
    out: list[ValidationResult] = []
    for start in range(0, len(reports), chunk):
        part = reports[start:start + chunk]
        prev = None if previous is None else previous[start:start + chunk]
        out += _validate_chunk(part, prev, policy)
    return out


def _validate_chunk(reports: Sequence[ParsedReport], previous: Sequence[ParsedReport | None] | None,
                    policy: Policy) -> list[ValidationResult]:
    grid = build_grid(reports, KeySpace.base())
    per_report: list[list[Finding]] = [[] for _ in reports]

    def add(found: dict[int, list[Finding]]) -> None:
        for r, fs in found.items():
            per_report[r] += fs

    add(findings_from_failures(grid, schema_failures(grid), policy=policy))
    add(ambiguous_findings(grid))
    add(published_findings(grid))
    if previous is not None and any(p is not None for p in previous):
        mask = previous_mask(reports, previous)
        stand_in = ParsedReport("v2021")
        prev_grid = build_grid([p if p is not None else stand_in for p in previous], grid.keys.copy())
        add(crossyear_findings(grid, prev_grid, mask))
    _narrative(grid, reports, per_report)
    per_report = [parse_note_findings(r, fs) for r, fs in zip(reports, per_report, strict=True)]
    return [ValidationResult(sorted(fs, key=order_key(r)) if fs else []) for r, fs in zip(reports, per_report, strict=True)]


def _narrative(grid: Grid, reports: Sequence[ParsedReport], per_report: list[list[Finding]]) -> None:
    filled = None
    ids = grid.keys.ids
    t3_rows = [voc.rows("requests", v, single_other=s) for v, s in VARIANTS]
    for i, r in enumerate(reports):
        text = (r.sections or {}).get("overview") or ""
        if not text.strip():
            continue
        if filled is None:
            filled = grid.filled()
        row_vals = filled[i]
        row_blank = grid.blank[i]
        version, _single = VARIANTS[int(grid.variant[i])]

        def value(table: str, row: str, col: str, _v: np.ndarray = row_vals, _b: np.ndarray = row_blank) -> float:
            # A blank cell has no figure to compare with (NaN): the blank-cell finding already asks for it.
            j = ids.get((table, row, col))
            return 0.0 if j is None else (float("nan") if _b[j] else float(_v[j]))

        per_report[i] += narrative_findings(text, value, version, t3_rows[int(grid.variant[i])])


def order_key(report: ParsedReport):
    """Errors first, then findings about the whole report, then by table and printed position of row and column."""
    pos = _positions(report.template, report.single_other)

    def key(f: Finding) -> tuple:
        t = f.table or ""
        return (f.severity != "error", TABLE_ORDER.get(t, 9) if t else -1,
                pos.get((t, "r:" + (f.row or "")), 999), pos.get((t, "c:" + (f.col or "")), 999), f.rule)

    return key


@cache
def _positions(version: str, single_other: bool) -> dict[tuple[str, str], int]:
    pos: dict[tuple[str, str], int] = {}
    for t in voc.TABLES:
        for i, row in enumerate(voc.rows(t, version, single_other=single_other)):
            pos[(t, "r:" + row)] = i
        for i, col in enumerate(voc.cols(t, version)):
            pos[(t, "c:" + col)] = i
    return pos
