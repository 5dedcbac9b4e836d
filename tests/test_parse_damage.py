"""Property test of issue 8: damaged reports never fail whole, and no cell is read wrong without a flag.

Each generated report is printed in one form (page text, the crawler's run-together page text, HTML,
Markdown) with one or more damage kinds 1–10 of :mod:`pipeline.synth.damage`, and parsed. The parse
must not raise, and every cell must meet its expectation: read exactly where the text settles it,
None or 0 where nothing is printed, and where several readings fit the text and the identities,
either the true value or a flag with the truth among the candidates. A needless flag on a cell the
text settles counts as a failure too. ``scripts/damage_report.py`` prints the same failures by kind
and form.
"""

from __future__ import annotations

import pytest

from pipeline.ingest import IngestError, parse_bytes
from pipeline.synth.damage import FORM_KINDS, FORMS, KINDS, Damaged, check, damaged_report

N_PROPERTY = 2000
N_PER_KIND = 40
N_CLEAN = 60


def failures(cases: list[Damaged]) -> list[str]:
    """One line per failing document (seed, form, kinds, the first misses)."""
    out = []
    for d in cases:
        head = f"seed {d.seed} {d.form} kinds {list(d.kinds)} ({d.report.template})"
        try:
            parsed = parse_bytes(d.data, d.name)
        except IngestError as e:
            out.append(f"{head}: whole report failed: {e}")
            continue
        misses = check(parsed, d)
        if misses:
            out.append(f"{head}: {len(misses)} cell(s): " + "; ".join(str(m) for m in misses[:3]))
    return out


def summary(bad: list[str], n: int) -> str:
    return f"{len(bad)}/{n} damaged reports fail:\n" + "\n".join(bad[:12])


@pytest.mark.parametrize("form", FORMS)
def test_undamaged_forms_parse_exactly(form: str) -> None:
    """The control: without damage every form reads back to the generated report."""
    cases = [damaged_report(f"clean-{i}", form, ()) for i in range(N_CLEAN)]
    bad = failures(cases)
    assert not bad, summary(bad, len(cases))


@pytest.mark.parametrize(("kind", "form"), [(k, f) for k in KINDS for f in FORMS if k in FORM_KINDS[f]])
def test_each_kind_on_its_own(kind: int, form: str) -> None:
    cases = [damaged_report(f"kind{kind}-{i}", form, (kind,)) for i in range(N_PER_KIND)]
    # a report with nothing the kind can damage (no two-digit number to split, no run to blank) is
    # left as it is; the kind must still reach most reports, or the test would prove nothing
    assert sum(1 for d in cases if d.done) >= 0.75 * len(cases), "the damage must change most documents"
    bad = failures(cases)
    assert not bad, summary(bad, len(cases))


@pytest.mark.slow
def test_damaged_reports_property() -> None:
    """2,000 reports, the four forms in turn, one to three kinds each at random.

    Marked slow: about 17 s to generate and 30–70 s to parse (the reading search), over a minute
    on a busy machine; ``-m "not slow"`` leaves the per-kind tests, which cover every kind and form."""
    cases = [damaged_report(i, FORMS[i % len(FORMS)]) for i in range(N_PROPERTY)]
    assert {k for d in cases for k in d.kinds} == set(KINDS)
    bad = failures(cases)
    assert not bad, summary(bad, len(cases))


# -- the damage model itself -----------------------------------------------------------------------
def test_damage_is_deterministic() -> None:
    a, b = damaged_report(17, "crawler_text"), damaged_report(17, "crawler_text")
    assert a.data == b.data and a.expected == b.expected and a.kinds == b.kinds


def test_expectations_follow_the_printed_text() -> None:
    """Spot checks of the expectations on hand-picked shapes (see the kinds README for S01–S10)."""
    from pipeline.synth.damage import _line_readings, _run_readings

    # S01: 6·6·38 collapsed to "6","38": issued and in_force settled, repealed not.
    readings = _line_readings(["6", "38"], ["count"] * 3, collapse=True, split=False)
    assert sorted(readings) == [(6, 6, 38), (6, 38, 38)]
    # S05: 6638 as three run-together cells.
    readings = [r for r in _run_readings("6638", ["count"] * 3, 1) if None not in r]
    assert sorted(readings) == [(6, 6, 38), (6, 63, 8), (66, 3, 8)]
    # S02: 行政许可 12 / 356 must join.
    assert _line_readings(["12", "356"], ["count"], collapse=False, split=True) == [(12356,)]
    # S08: a grouped number is one cell; its comma is never a cell boundary.
    assert _run_readings("1,209", ["count"], 1) == [(1209,)]


def test_every_kind_changes_what_it_says() -> None:
    d = damaged_report("look-2", "page_text", (2,))
    assert d.expected["requests", "other.fee_unpaid", "total"].how == "blank"
    sub = [d.expected["requests", s, "total"].value or 0 for s in ("other.no_correction",)]
    whole = sum(d.report.value("requests", s, "total") or 0
                for s in ("other.no_correction", "other.fee_unpaid", "other.misc"))
    assert sub == [whole]
    d = damaged_report("look-8", "html", (8,))
    assert any("," in x or "，" in x for x in d.done)
    d = damaged_report("look-7", "markdown", (7,))
    assert "目录" in d.text
