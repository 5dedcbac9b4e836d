"""Word reports: our DOCX renderer, and the reader that turns any .docx into lines in reading order."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from docx import Document

from pipeline.ingest import IngestError, parse_bytes, parse_file
from pipeline.ingest.forms.docx import NBSP, read_lines
from pipeline.render.docx import render_docx
from pipeline.render.layout import placed, table_grids
from pipeline.render.page_text import render_page_text
from pipeline.synth import generate_report

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "00_qujiang_govoffice_2021.txt"


def _content(lines: list[str], start: str, end: str) -> list[str]:
    i = next(k for k, x in enumerate(lines) if x.strip("\xa0 ") == start)
    j = next(k for k, x in enumerate(lines) if x.strip("\xa0 ") == end)
    return [x for x in lines[i:j] if x.strip("\xa0 ")]


@pytest.mark.parametrize(("version", "single_other"), [("v2019", False), ("v2021", False), ("v2021", True)])
def test_docx_lines_follow_the_page_reading_order(version: str, single_other: bool) -> None:
    """Table cells come out once each, in the order a published page flattens them (merged cells once)."""
    report = generate_report(random.Random(3), version, single_other=single_other, blank_style="zero")
    lines, title = read_lines(render_docx(report), "r.docx")
    assert title == report.meta.title
    page = render_page_text(report).splitlines()
    start, end = "二、主动公开政府信息情况", "五、存在的主要问题及改进情况"
    assert _content(lines, start, end) == _content(page, start, end)
    assert lines.count("三、本年度办理结果") == 1


def test_blank_cells_become_no_break_space_lines() -> None:
    report = generate_report(random.Random(4), "v2021", blank_style="blank")
    lines, _ = read_lines(render_docx(report), "r.docx")
    i = lines.index("一、本年新收政府信息公开申请数量")
    values = [x for x in lines[i + 1:] if x][:7]
    assert values == [c.raw or NBSP for c in report.cells if c.table == "requests" and c.row == "new_received"]


def test_a_word_document_drafted_with_merged_cells() -> None:
    """A document built the way Word users build it (python-docx merge API), not by our renderer."""
    report = generate_report(random.Random(5), "v2019", blank_style="zero")
    doc = Document()
    doc.core_properties.title = report.meta.title
    doc.add_paragraph(report.meta.title)
    doc.add_paragraph(f"发布日期：{report.meta.published_on}")
    doc.add_paragraph(f"索引号：{report.meta.index_no}")
    grids = table_grids(report, wrap=False)
    for heading, code in (("二、主动公开政府信息情况", "proactive"), ("三、收到和处理政府信息公开申请情况", "requests"),
                          ("四、政府信息公开行政复议、行政诉讼情况", "appeals")):
        doc.add_paragraph(heading)
        width, cells = placed(grids[code])
        table = doc.add_table(rows=len(grids[code]), cols=width)
        for r, c, cell in cells:
            target = table.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            target.text = cell.text
    doc.add_paragraph("五、存在的主要问题及改进情况")
    doc.add_paragraph("无。")
    buf = io.BytesIO()
    doc.save(buf)
    back = parse_bytes(buf.getvalue(), "drafted.docx")
    assert back.template == "v2019"
    assert [(c.key, c.value) for c in back.cells] == [(c.key, c.value) for c in report.cells]
    assert back.meta.title == report.meta.title


def test_real_report_pasted_into_word_reads_like_its_page_text(tmp_path: Path) -> None:
    doc = Document()
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc.add_paragraph(line)
    path = tmp_path / "00.docx"
    doc.save(path)
    from_docx, from_text = parse_file(path), parse_file(FIXTURE)
    assert [(c.key, c.value) for c in from_docx.cells] == [(c.key, c.value) for c in from_text.cells]
    assert from_docx.value("requests", "new_received", "total") == 11


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_damaged_and_encrypted_documents() -> None:
    good = render_docx(generate_report(random.Random(6)))
    with pytest.raises(IngestError, match=r"not a readable \.docx"):
        parse_bytes(good[: len(good) // 3], "cut.docx")
    with pytest.raises(IngestError, match="encrypted"):
        parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "locked.docx")
    with pytest.raises(IngestError, match=r"damaged \.docx package"):
        parse_bytes(_zip({"word/styles.xml": b"<x/>"}), "nodoc.docx")
    with pytest.raises(IngestError, match="not well-formed XML"):
        parse_bytes(_zip({"word/document.xml": b"<w:document><w:body>"}), "badxml.docx")
    entity = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
              b"<w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
    with pytest.raises(IngestError, match=r"^xxe\.docx: .*declares a DOCTYPE or XML entities; refused"):  # issue 12
        read_lines(_zip({"word/document.xml": entity}), "xxe.docx")
