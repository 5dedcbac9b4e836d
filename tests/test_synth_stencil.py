"""Stencil XLSX/DOCX (the generator's fast renderers) read back exactly as the project's own renderers."""

from __future__ import annotations

import random

import pytest

from pipeline.ingest import parse_bytes
from pipeline.render.docx import render_docx
from pipeline.render.xlsx_template import render_xlsx
from pipeline.synth import generate_report
from pipeline.synth.stencil import fast_docx, fast_xlsx, render_form

VARIANTS = [("v2019", False, 2020), ("v2021", False, 2022), ("v2021", True, 2023)]


@pytest.mark.parametrize(("version", "single_other", "year"), VARIANTS)
def test_fast_xlsx_and_docx_parse_like_the_renderers(version: str, single_other: bool, year: int) -> None:
    rng = random.Random(f"stencil-{version}-{single_other}")
    for i in range(4):
        report = generate_report(rng, version, single_other=single_other, agency="某县某某局 & <测试>", year=year,
                                 blank_style=("zero", "blank", "slash", "org_blank")[i])
        for slow, fast, name in ((render_xlsx, fast_xlsx, "r.xlsx"), (render_docx, fast_docx, "r.docx")):
            assert parse_bytes(fast(report), name).to_dict() == parse_bytes(slow(report), name).to_dict(), name


def test_stencil_bytes_are_deterministic() -> None:
    report = generate_report(random.Random(5), "v2021", agency="某县财政局", year=2022)
    for form in ("xlsx", "docx", "json", "txt", "html"):
        assert render_form(form, report) == render_form(form, report)
    fast_xlsx.__globals__["_xlsx_stencil"].cache_clear()  # a new process builds its stencils again: same bytes
    fast_docx.__globals__["_docx_stencil"].cache_clear()
    assert fast_xlsx(report) == render_form("xlsx", report) and fast_docx(report) == render_form("docx", report)


def test_docx_without_a_table() -> None:
    report = generate_report(random.Random(6), "v2021", agency="某县财政局", year=2022)
    parsed = parse_bytes(fast_docx(report, drop_table=2), "r.docx")
    assert all(c.status == "not_printed" for c in parsed.cells if c.table == "appeals")
