"""A report as the Word document an agency drafts (python-docx): headings, paragraphs, merged-cell tables.

Why: many agencies submit the .docx they drafted before publishing. The document carries the title,
the 索引号/发布日期 lines, the six sections with the three tables drawn with the template's merged
cells (the 3×3 note of table 三, its vertical group labels, the two-level header of table 四), and
the signature block (agency, date) that closes a printed report.
"""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.render.layout import Grid, GridCell, paragraphs, placed, preamble, table_grids

FONT = "仿宋_GB2312"


def render_docx(report: ParsedReport, *, wrap_headers: bool = True) -> bytes:
    """``report`` as .docx bytes."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    m = report.meta
    doc.core_properties.title = m.title or ""
    doc.core_properties.author = m.agency or ""

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(m.title or "政府信息公开工作年度报告")
    run.bold = True
    run.font.size = Pt(18)
    if m.index_no:
        doc.add_paragraph(f"索引号：{m.index_no}")
    if m.published_on:
        doc.add_paragraph(f"发布日期：{m.published_on}")
    _body(doc, preamble(report))

    grids = table_grids(report, wrap=wrap_headers)
    for code, heading in voc.SECTIONS.items():
        doc.add_paragraph().add_run(heading).bold = True
        if code in voc.NARRATIVE_SECTIONS:
            for text in paragraphs(report.sections.get(code, "")) or ["无。"]:
                _body(doc, text)
        else:
            _table(doc, grids[code])
    if m.agency:
        for text in (m.agency, _chinese_date(m.published_on)):
            if text:
                doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _body(doc: DocxDocument, text: str) -> None:
    p = doc.add_paragraph(text)
    p.paragraph_format.first_line_indent = Pt(24)


def _table(doc: DocxDocument, grid: Grid) -> None:
    """Append ``grid`` as a Word table, merged cells written as Word does (gridSpan, vMerge).

    Built as XML row by row: python-docx's cell merging re-scans the table on every call, which
    takes seconds for table 三."""
    width, cells = placed(grid)
    table = doc.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    at = {(r, c): cell for r, c, cell in cells}
    below: dict[tuple[int, int], GridCell] = {}  # grid positions continued from a cell above
    for r, c, cell in cells:
        for dr in range(1, cell.rowspan):
            below[(r + dr, c)] = cell
    for r in range(len(grid)):
        tcs = []
        c = 0
        while c < width:
            cell, cont = at.get((r, c)), False
            if cell is None:
                cell, cont = below[(r, c)], True
            props = (f'<w:gridSpan w:val="{cell.colspan}"/>' if cell.colspan > 1 else "") + (
                "<w:vMerge/>" if cont else ('<w:vMerge w:val="restart"/>' if cell.rowspan > 1 else ""))
            runs = "" if cont else '<w:r><w:br/></w:r>'.join(
                f'<w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r>' for line in cell.text.split("\n"))
            tcs.append(f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>{runs}</w:p></w:tc>")
            c += cell.colspan
        table._tbl.append(parse_xml(f"<w:tr {nsdecls('w')}>{''.join(tcs)}</w:tr>"))


def _chinese_date(iso: str | None) -> str:
    if not iso:
        return ""
    d = dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"
