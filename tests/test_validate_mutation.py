"""Mutation test: in a generated consistent report, changing any single cell that a rule of §6 constrains
trips at least one rule whose finding names that cell's row or column.

What §6 constrains: every cell of tables 三 and 四 (R-T3-ROW/SUM/BAL, R-T4-SUM — errors), and, given last
year's report, table 二's stock figures (v2021 本年制发/本年废止/现行有效 via R-T2-INFORCE, v2019 上一年项目数量
via R-T2-ITEMS — warnings). Nothing in §6 ties the other table-二 cells (decisions, fees, procurement,
v2019 本年新制作/本年增减 of this year) to anything else in the same report, so a different valid number
there must produce *no* finding; an invalid one (negative, fraction) must still be reported.

All mutants are validated in one batch (``validate_reports``), which also exercises the vectorised path.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.synth import generate_report
from pipeline.validate import validate_reports

BLANK_STYLES = ("zero", "blank", "slash", "org_blank")
VARIANTS = (("v2019", False), ("v2021", False), ("v2021", True))
#: Table-二 cells a previous-year report constrains (the roll-forward rules of §6.3).
CROSS_YEAR = {
    "v2021": {("proactive", r, c) for r in ("rules", "normative_docs") for c in ("issued", "repealed", "in_force")},
    "v2019": {("proactive", r, "prev_year_items") for r in ("licensing", "other_mgmt_services", "penalties", "coercion",
                                                           "admin_fees")},
}


def chains() -> list[tuple[ParsedReport, ParsedReport]]:
    """(last year, this year) for every variant and blank style; both years consistent, narrative removed."""
    rng = random.Random(20240101)
    out = []
    for version, single in VARIANTS:
        for style in BLANK_STYLES:
            # last year printed with zeros: the generator reads a blank stock figure of last year as "unknown"
            prev = generate_report(rng, version, single_other=single, year=2019 if version == "v2019" else 2022,
                                   scale="office", blank_style="zero")
            cur = generate_report(rng, version, single_other=single, previous=prev, scale="office", blank_style=style)
            cur.sections = {k: "" for k in cur.sections}
            out.append((prev, cur))
    return out


def mutant(report: ParsedReport, i: int, value: float | int | None) -> ParsedReport:
    cells = list(report.cells)
    cells[i] = replace(cells[i], value=value, raw="" if value is None else str(value))
    return ParsedReport(report.template, report.meta, cells, [], report.sections)


def changes(value: float | int | None, kind: str) -> list[float | int]:
    """Other valid values for a cell (non-negative where the kind requires it)."""
    v = value or 0
    if kind == "amount":
        return [round(v + 1.25, 2)] + ([round(v / 2, 2)] if v else [])
    return [v + 1, v + 7] + ([v - 1] if v >= 1 or kind == "signed_count" else [])


@pytest.fixture(scope="module")
def cases() -> list[tuple[ParsedReport, ParsedReport, tuple[str, str, str], object]]:
    out = []
    for prev, cur in chains():
        assert validate_reports([cur], previous=[prev])[0].findings == [], "the generated chain is not consistent"
        for i, c in enumerate(cur.cells):
            for v in changes(c.value, voc.value_kind(c.table, c.col)):
                out.append((prev, mutant(cur, i, v), c.key, v))
    return out


@pytest.fixture(scope="module")
def results(cases):
    return validate_reports([m for _, m, _, _ in cases], previous=[p for p, _, _, _ in cases])


def test_every_constrained_cell_is_caught_where_it_is(cases, results) -> None:
    missed, unnamed = [], []
    checked = 0
    for (_, m, key, v), res in zip(cases, results, strict=True):
        table, row, col = key
        if table == "proactive" and key not in CROSS_YEAR[m.template]:
            continue
        checked += 1
        if not res.findings:
            missed.append((m.template, m.single_other, key, v))
        elif not any(f.table == table and (f.row == row or f.col == col) for f in res.findings):
            unnamed.append((key, v, [(f.rule, f.row, f.col) for f in res.findings]))
        elif table != "proactive":
            assert res.has_errors, (key, v, res.findings)
    assert checked > 4000
    assert not missed, f"{len(missed)} changes not caught, e.g. {missed[:5]}"
    assert not unnamed, f"{len(unnamed)} changes caught elsewhere, e.g. {unnamed[:3]}"


def test_valid_changes_to_unconstrained_cells_are_not_findings(cases, results) -> None:
    checked = 0
    for (_, m, key, v), res in zip(cases, results, strict=True):
        if key[0] == "proactive" and key not in CROSS_YEAR[m.template]:
            if m.template == "v2019" and key[2] in ("new_published", "total_published"):
                continue  # bounded by each other (R-T2-PUBLISHED): checked in test_validate_rules
            checked += 1
            assert res.findings == [], (key, v, [f.message_zh for f in res.findings])
    assert checked > 150


def test_invalid_values_are_caught_in_every_cell() -> None:
    """A negative count, a fractional count, a non-number, or a blank where a value is needed."""
    _prev, cur = chains()[5]  # v2021, blank style "blank"
    cases = []
    for i, c in enumerate(cur.cells):
        kind = voc.value_kind(c.table, c.col)
        bad: list[object] = ["十二"]
        if kind == "count":
            bad += [-1, 2.5]
        elif kind == "amount":
            bad += [-0.5]
        cases += [(c.key, b, mutant(cur, i, b)) for b in bad]
        if c.table != "proactive" and c.value:  # blanking a non-zero figure of an identity
            cases.append((c.key, None, mutant(cur, i, None)))
    results = validate_reports([m for *_, m in cases])
    for (key, b, _), res in zip(cases, results, strict=True):
        if b is None:  # among other blank cells an identity cannot tell which blank is wrong: its row or column
            hit = any(f.table == key[0] and (f.row == key[1] or f.col == key[2]) for f in res.errors)
        else:
            hit = any(f.table == key[0] and f.row == key[1] and f.col == key[2] for f in res.errors)
        assert res.has_errors and hit, (key, b, [(f.rule, f.row, f.col) for f in res.findings])
