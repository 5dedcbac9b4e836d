"""The docs stay in step with the code: every validation rule the validator can raise is documented."""

from __future__ import annotations

from pathlib import Path

from pipeline.validate.rules import RULES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_rule_is_documented_with_its_severity():
    text = (DOCS / "validation.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| `R-")}
    documented = {rule.strip(" `") for cell in rows for rule in cell.split(",")}
    assert set(RULES) <= documented, f"undocumented rules: {sorted(set(RULES) - documented)}"
    for cell, line in rows.items():
        for rule in (r.strip(" `") for r in cell.split(",")):
            assert RULES[rule][0] in line.split("|")[2], f"{rule}: severity in docs differs from the code"
