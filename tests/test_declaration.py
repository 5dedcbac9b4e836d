"""The identities are declared once (``pipeline/data/identities.toml``): the pandera checks, the validator
and the generator all follow the declaration, and every declared identity is exercised."""

from __future__ import annotations

import random
import tomllib
from dataclasses import replace
from importlib import resources

import pandera.pandas as pa
import pytest

from pipeline import forms
from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.synth import generate_report
from pipeline.validate import validate_reports
from pipeline.validate.frame import build_grid, wide_frame
from schemas.cells import IDENTITY_MODELS

TEXT = resources.files("pipeline").joinpath("data/identities.toml").read_text(encoding="utf-8")
DECLARED = tomllib.loads(TEXT)

#: (rule, table, the term as declared, the term mutated, the cell whose coefficient changes)
MUTATIONS = [
    ("R-T4-SUM", "appeals", '["@outcomes", -1]',
     '["upheld", -1], ["corrected", -1], ["other", -1], ["pending", -2]', "pending"),
    ("R-T3-ROW", "requests", '["@org", -1]',
     '["commercial", -2], ["research", -1], ["social_welfare", -1], ["legal_service", -1], ["org_other", -1]',
     "commercial"),
]


@pytest.fixture
def declaration():
    """Swap the declaration for a text; the packaged file is restored afterwards."""
    yield voc.use_declaration
    voc.use_declaration(None)


def reports(n: int = 120, seed: int = 3) -> list[ParsedReport]:
    rng = random.Random(seed)
    return [generate_report(rng, v, single_other=s, scale="office", blank_style="zero")
            for v, s in voc.VARIANTS * (n // 3)]


@pytest.mark.parametrize(("rule", "table", "declared", "mutated", "col"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_changed_coefficient_is_followed_everywhere(declaration, rule, table, declared, mutated, col) -> None:
    assert declared in TEXT
    declaration(TEXT.replace(declared, mutated))
    assert any(t.coef == -2 for i in voc.identities("v2021") if i.rule == rule for t in i.terms)

    batch = reports()
    # the generator: every total is what the changed form makes it
    touched = [r for r in batch if any(c.table == table and c.col == col and c.value for c in r.cells)]
    assert touched, "no generated report has a non-zero cell whose coefficient changed"
    for r in batch:
        values = {c.key: c.value for c in r.cells}
        assert all(forms.holds(i, values.get) for i in voc.identities(r.template, single_other=r.single_other))
    # the pandera check and the validator accept them under the changed declaration …
    IDENTITY_MODELS[table].validate(wide_frame(build_grid(batch), table), lazy=True)
    assert all(res.findings == [] for res in validate_reports(batch))

    # … and both reject the touched ones under the declaration as packaged
    declaration(None)
    with pytest.raises(pa.errors.SchemaErrors) as e:
        IDENTITY_MODELS[table].validate(wide_frame(build_grid(touched), table), lazy=True)
    assert set(e.value.failure_cases["check"]) == {rule}
    results = validate_reports(touched)
    assert all(any(f.rule == rule for f in res.errors) for res in results)


def test_a_form_of_the_declaration_is_one_generated_check_per_rule() -> None:
    for table, model in IDENTITY_MODELS.items():
        checks = {c.name for c in model.to_schema().checks}
        rules = {e["rule"] for e in DECLARED["identity"] if e["table"] == table}
        assert checks == rules
    assert {e["table"] for e in DECLARED["identity"]} <= set(IDENTITY_MODELS)


def _bumped(report: ParsedReport, key: tuple[str, str, str]) -> ParsedReport:
    cells = [replace(c, value=(c.value or 0) + 1, raw=str((c.value or 0) + 1)) if c.key == key else c
             for c in report.cells]
    return ParsedReport(report.template, report.meta, cells, [], report.sections)


@pytest.mark.parametrize("kind", ["identity", "cross_year"])
def test_every_declared_identity_is_exercised(kind: str) -> None:
    """For each [[identity]] and [[cross_year]] entry: the generator satisfies its forms, and a report
    whose anchor cell of one of its forms is changed by one gets a finding of that rule at that cell."""
    rng = random.Random(8)
    cases, expected = [], []
    for entry in DECLARED[kind]:
        rule = entry["rule"]
        for version, single in voc.VARIANTS:
            if entry.get("version", version) != version:
                continue
            prev = generate_report(rng, version, single_other=single, scale="office", blank_style="zero",
                                   year=2020 if version == "v2019" else 2022)
            cur = generate_report(rng, version, single_other=single, previous=prev, scale="office", blank_style="zero")
            cur.sections = {k: "" for k in cur.sections}
            declared = voc.identities if kind == "identity" else voc.cross_year_identities
            instances = [i for i in declared(version, single_other=single) if i.rule == rule]
            assert instances, f"{rule} has no form in {version}"
            values, old = {c.key: c.value for c in cur.cells}, {c.key: c.value for c in prev.cells}
            assert all(forms.holds(i, values.get, old) for i in instances), f"generated {version} breaks {rule}"
            for ident in instances:
                a = ident.anchor
                cases.append((prev, _bumped(cur, (ident.table, a.row, a.col))))
                expected.append((rule, ident.table, a.row, a.col))
    results = validate_reports([c for _, c in cases], previous=[p for p, _ in cases])
    caught = {rule: False for rule in (e["rule"] for e in DECLARED[kind])}
    for (rule, table, row, col), res in zip(expected, results, strict=True):
        assert res.findings, f"{rule}: changing {table}/{row}/{col} is not found"
        if any(f.rule == rule and f.table == table and (f.row == row or f.col == col) for f in res.findings):
            caught[rule] = True
    assert all(caught.values()), f"never reported at its own cell: {[r for r, ok in caught.items() if not ok]}"
