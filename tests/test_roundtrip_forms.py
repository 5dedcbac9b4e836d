"""Round trip: generated report → every form this project writes → ``parse_bytes`` → the same report.

200 generated reports per form, cycling through both template versions, the v2021-era single-（六）
variant, every way of printing zero cells (0, blank, "/", blank legal-person columns) and the print
options of each renderer. The parse must give back the template, every cell (table, row, column,
value) and the meta exactly. Seeded, so a failure names the seed that reproduces it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from pipeline.ingest import IngestError, parse_bytes
from pipeline.model import ParsedReport
from pipeline.render.docx import render_docx
from pipeline.render.html import render_html
from pipeline.render.page_text import render_page_text
from pipeline.render.xlsx_template import render_xlsx
from pipeline.synth import generate_report
from pipeline.synth.generate import BLANK_STYLES

N = 200
VARIANTS = (("v2019", False), ("v2021", False), ("v2021", True))

Render = Callable[[ParsedReport, random.Random], tuple[bytes, str]]
FORMS: dict[str, Render] = {
    "page_text": lambda r, rng: (render_page_text(r, half_width=rng.random() < 0.5, wrap_headers=rng.random() < 0.5).encode("utf-8"), "r.txt"),
    "html": lambda r, rng: (render_html(r, wrap_headers=rng.random() < 0.5).encode("utf-8"), "r.html"),
    "docx": lambda r, rng: (render_docx(r, wrap_headers=rng.random() < 0.5), "r.docx"),
    "xlsx": lambda r, _: (render_xlsx(r), "r.xlsx"),
    "json": lambda r, _: (r.to_json().encode("utf-8"), "r.json"),
}


def generated(n: int = N):
    """(seed, report, rng for render options) for ``n`` reports covering every variant and blank style."""
    for i in range(n):
        version, single = VARIANTS[i % len(VARIANTS)]
        style = BLANK_STYLES[(i // len(VARIANTS)) % len(BLANK_STYLES)]
        rng = random.Random(f"roundtrip-{i}")
        yield i, generate_report(rng, version, single_other=single, blank_style=style), rng


def differences(want: ParsedReport, got: ParsedReport) -> list[str]:
    out = []
    if got.template != want.template:
        out.append(f"template {got.template} != {want.template}")
    w = {c.key: c.value for c in want.cells}
    g = {c.key: c.value for c in got.cells}
    for key in list(w) + [k for k in g if k not in w]:
        if key not in g:
            out.append(f"{'/'.join(key)} missing (want {w[key]!r})")
        elif key not in w:
            out.append(f"{'/'.join(key)} extra ({g[key]!r})")
        elif g[key] != w[key] or type(g[key]) is bool:
            out.append(f"{'/'.join(key)} {g[key]!r} != {w[key]!r}")
    if got.meta != want.meta:
        out.append(f"meta {got.meta} != {want.meta}")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("form", list(FORMS))
def test_round_trip(form: str) -> None:
    failures = []
    for seed, report, rng in generated():
        data, name = FORMS[form](report, rng)
        try:
            back = parse_bytes(data, name)
        except IngestError as e:
            failures.append(f"seed {seed} ({report.template}, {report.cells[0].raw!r}…): {e}")
            continue
        if diff := differences(report, back):
            failures.append(f"seed {seed} ({report.template}{' single（六）' if report.single_other else ''}): " + "; ".join(diff[:4]))
    assert not failures, f"{len(failures)}/{N} reports did not survive {form}:\n" + "\n".join(failures[:10])


def test_exact_forms_keep_sections_and_raw_text() -> None:
    """The forms that store cells rather than print them (JSON, XLSX) also keep the narrative."""
    for _, report, _ in generated(30):
        assert parse_bytes(report.to_json().encode("utf-8"), "r.json").to_dict() == report.to_dict()
        assert parse_bytes(render_xlsx(report), "r.xlsx").sections == report.sections
