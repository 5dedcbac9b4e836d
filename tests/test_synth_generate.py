"""The generator: complete reports in both templates whose numbers satisfy every identity of template.md §6."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.registry import load_registry
from pipeline.synth import generate_report, version_for_year
from pipeline.synth.demo import REAL_AGENCY, agency_report, build_demo

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = [("v2019", False), ("v2021", False), ("v2021", True)]


def identity_failures(report: ParsedReport) -> list[str]:
    """Every broken identity of template.md §6 (blank cells count as 0)."""
    v = {k: (c.value or 0) for k, c in report.cell_map().items()}
    out = []
    rows = voc.rows("requests", report.template, single_other=report.single_other)
    other_part = ["other"] if "other" in rows else list(voc.T3_OTHER_SPLIT)
    for key, value in v.items():
        if voc.value_kind(key[0], key[2]) != "signed_count" and value < 0:
            out.append(f"negative {key}")
    for r in rows:
        if v["requests", r, "total"] != sum(v["requests", r, c] for c in ("natural_person", *voc.ORG_COLS)):
            out.append(f"R-T3-ROW {r}")
    for c in voc.cols("requests", report.template):
        if v["requests", "total", c] != sum(v["requests", r, c] for r in (*voc.T3_RESULT_ROWS, *other_part)):
            out.append(f"R-T3-SUM {c}")
        if v["requests", "new_received", c] + v["requests", "carried_over", c] != v["requests", "total", c] + v["requests", "carry_forward", c]:
            out.append(f"R-T3-BAL {c}")
    for g in voc.rows("appeals", report.template):
        if v["appeals", g, "total"] != sum(v["appeals", g, p] for p in voc.T4_PARTS):
            out.append(f"R-T4-SUM {g}")
    return out


@pytest.mark.parametrize(("version", "single_other"), VARIANTS)
def test_generated_reports_are_complete_and_consistent(version: str, single_other: bool) -> None:
    rng = random.Random(f"gen-{version}-{single_other}")
    for _ in range(300):
        report = generate_report(rng, version, single_other=single_other)
        assert report.template == version
        assert report.single_other == single_other
        assert [c.key for c in report.cells] == list(voc.cell_keys(version, single_other=single_other))
        assert identity_failures(report) == []
        for c in report.cells:
            assert (c.value is None) == (c.raw in ("", "/")), c
            if voc.value_kind(c.table, c.col) == "count" and c.value is not None:
                assert isinstance(c.value, int)


def test_meta_title_date_and_index() -> None:
    rng = random.Random(7)
    for _ in range(100):
        r = generate_report(rng, "v2021", agency="衢州市衢江区教育局", year=2021)
        assert r.meta.agency == "衢州市衢江区教育局" and r.meta.year == 2021
        assert re.fullmatch(r"衢州市衢江区教育局2021年度?政府信息公开工作年度报告", r.meta.title)
        assert re.fullmatch(r"2022-0[12]-\d\d", r.meta.published_on)
        assert r.meta.index_no and "/2022-" in r.meta.index_no


def test_realistic_shape_over_many_reports() -> None:
    """Mostly natural persons, few legal persons, many all-zero result rows, amounts with decimals."""
    rng = random.Random(11)
    natural = org = zero_rows = rows = 0
    fees_with_decimals = procurement_with_cents = 0
    for i in range(400):
        version = "v2019" if i % 2 else "v2021"
        r = generate_report(rng, version, blank_style="zero")
        natural += r.value("requests", "new_received", "natural_person")
        org += sum(r.value("requests", "new_received", c) for c in voc.ORG_COLS)
        for row in voc.T3_RESULT_ROWS:
            rows += 1
            zero_rows += r.value("requests", row, "total") == 0
        fee = r.value("proactive", "admin_fees", "fee_amount_wan") if version == "v2021" else 0
        fees_with_decimals += isinstance(fee, float)
        amount = r.value("proactive", "central_procurement", "procurement_amount") if version == "v2019" else 0
        procurement_with_cents += isinstance(amount, float)
    assert natural > 5 * org > 0
    assert zero_rows / rows > 0.6
    assert fees_with_decimals > 5 and procurement_with_cents > 20


def test_narrative_quotes_the_tables() -> None:
    rng = random.Random(5)
    for _ in range(100):
        r = generate_report(rng, "v2021", blank_style="zero")
        text = r.sections["overview"]
        new = r.value("requests", "new_received", "total")
        if new:
            assert f"收到政府信息公开申请{new}件" in text
            assert f"办结{r.value('requests', 'total', 'total')}件" in text
            granted = r.value("requests", "granted", "total")
            assert (f"予以公开{granted}件" in text) == bool(granted)
        assert f"行政复议{r.value('appeals', 'review', 'total')}件" in text
        assert r.sections["problems"] and r.sections["other_matters"]


def test_signed_change_and_blank_styles() -> None:
    rng = random.Random(3)
    raws = {c.raw for _ in range(200) for c in generate_report(rng, "v2019").cells if c.col == "year_change"}
    assert any(x.startswith("+") for x in raws) and any(x.startswith("-") for x in raws)
    r = generate_report(random.Random(1), "v2021", blank_style="slash")
    assert {c.raw for c in r.cells if c.value is None} == {"/"}
    r = generate_report(random.Random(1), "v2021", blank_style="org_blank")
    assert all(c.col in voc.ORG_COLS for c in r.cells if c.value is None)


def test_previous_year_carries_over() -> None:
    rng = random.Random(9)
    last = generate_report(rng, "v2021", year=2021, scale="office")
    for _ in range(20):
        this = generate_report(rng, "v2021", previous=last)
        assert this.meta.year == last.meta.year + 1
        for c in ("natural_person", *voc.ORG_COLS, "total"):
            assert (this.value("requests", "carried_over", c) or 0) == (last.value("requests", "carry_forward", c) or 0)
        for row in ("rules", "normative_docs"):
            v = this.cell_map()
            assert (v["proactive", row, "in_force"].value or 0) == (last.value("proactive", row, "in_force") or 0) + (
                v["proactive", row, "issued"].value or 0) - (v["proactive", row, "repealed"].value or 0)
        assert identity_failures(this) == []
        last = this


def test_same_seed_same_report_and_bad_arguments() -> None:
    a = generate_report(random.Random(42), "v2019")
    b = generate_report(random.Random(42), "v2019")
    assert a.to_json() == b.to_json()
    with pytest.raises(ValueError, match="version"):
        generate_report(random.Random(1), "v2020")
    with pytest.raises(ValueError, match="scale"):
        generate_report(random.Random(1), scale="city")
    assert version_for_year(2020) == "v2019" and version_for_year(2021) == "v2021"


def test_build_demo_is_deterministic_and_uses_the_real_report(tmp_path: Path) -> None:
    registry = load_registry(ROOT / "config")
    first = build_demo(tmp_path / "a", registry)
    second = build_demo(tmp_path / "b", registry)
    agencies = registry.district("330803").agencies
    assert [p.name.split(".")[0] for p in first] == [a.id for a in agencies]
    assert all(p.parent == tmp_path / "a" / "2021" / "330803" for p in first)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    real = next(p for p in first if p.name.startswith(REAL_AGENCY))
    assert real.name == f"{REAL_AGENCY}.txt"
    assert real.read_bytes() == (ROOT / "tests" / "fixtures" / "00_qujiang_govoffice_2021.txt").read_bytes()
    generated = [p.suffix for p in first if not p.name.startswith(REAL_AGENCY)]
    assert generated[:4] == [".txt", ".html", ".txt", ".html"]
    assert build_demo(tmp_path / "c", registry, seed=7)[1].read_bytes() != first[1].read_bytes()


def test_demo_years_chain() -> None:
    """2020 and 2021 demo reports of one agency agree on 结转 (R-T3-CARRY) and switch template."""
    agency = load_registry(ROOT / "config").district("330803").agency("330803-edu")
    y2020, y2021 = agency_report(agency, 2020, 2021), agency_report(agency, 2021, 2021)
    assert (y2020.template, y2021.template) == ("v2019", "v2021")
    for c in ("natural_person", "total"):
        assert (y2021.value("requests", "carried_over", c) or 0) == (y2020.value("requests", "carry_forward", c) or 0)
