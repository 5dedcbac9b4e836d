"""Fast XLSX and DOCX submissions for generated drop folders: each package built once, then filled in.

Why: openpyxl and python-docx build a whole package per report (≈ 45 ms an XLSX, ≈ 35 ms a DOCX, most
of it re-creating and re-compressing parts that never change: styles, themes, settings). A national
drop folder has 60,000+ of them. Here the package of a template variant is rendered **once** per
process by the project's own renderers (:func:`pipeline.render.xlsx_template.build_template`,
:func:`pipeline.render.docx.render_docx` of a report whose texts are placeholders) and cut into static
XML and slots; a report then only fills the slots and re-compresses the one or two parts that change
(the static parts are stored compressed once). The documents read back exactly as the renderers'
own (``tests/test_synth_stencil.py`` parses both and compares).

Bytes are deterministic: fixed ZIP timestamps and fixed document dates (the renderers stamp the
time of day), so the same report always gives the same bytes, in any process.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from pipeline import vocabulary as voc
from pipeline.model import Cell, Meta, ParsedReport

#: The DOS date of every entry (1980-01-01 00:00) and the document dates written into core.xml.
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1
_STAMP = "2000-01-01T00:00:00Z"
_LEVEL = 6


# -- a ZIP writer with parts compressed once ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Entry:
    name: bytes
    crc: int
    size: int
    data: bytes  # raw deflate stream


def _entry(name: str, content: bytes) -> _Entry:
    c = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return _Entry(name.encode("utf-8"), zlib.crc32(content), len(content), c.compress(content) + c.flush())


def _zip(entries: list[_Entry]) -> bytes:
    """A ZIP archive of ``entries`` (deflated, fixed timestamps), in order."""
    out, central, offset = [], [], 0
    for e in entries:
        flag = 0x800 if any(b > 127 for b in e.name) else 0
        head = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flag, 8, _DOS_TIME, _DOS_DATE, e.crc, len(e.data),
                           e.size, len(e.name), 0)
        central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, flag, 8, _DOS_TIME, _DOS_DATE, e.crc,
                                   len(e.data), e.size, len(e.name), 0, 0, 0, 0, 0, offset) + e.name)
        out += [head, e.name, e.data]
        offset += len(head) + len(e.name) + len(e.data)
    cd = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(cd), offset, 0)
    return b"".join(out) + cd + end


def _parts(package: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def _fix_dates(core: bytes) -> bytes:
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + _STAMP.encode() + rb"\2", core)


@dataclass(slots=True)
class _Package:
    """A package of static parts (compressed once) and the names of the parts filled per report."""

    entries: list[_Entry | str]  # a str is the name of a part given per report

    def build(self, parts: dict[str, bytes]) -> bytes:
        return _zip([_entry(e, parts[e]) if isinstance(e, str) else e for e in self.entries])


def _package(package: bytes, dynamic: dict[str, bytes]) -> tuple[_Package, dict[str, bytes]]:
    """Split ``package``: parts named in ``dynamic`` are returned (their text), the rest compressed now."""
    entries: list[_Entry | str] = []
    texts = {}
    for name, content in _parts(package):
        if name == "docProps/core.xml":
            content = _fix_dates(content)
        if name in dynamic:
            entries.append(name)
            texts[name] = content
        else:
            entries.append(_entry(name, content))
    return _Package(entries), texts


# -- XLSX ----------------------------------------------------------------------------------------------
_XLSX_EMPTY = re.compile(r'<c r="([A-Z]+\d+)" s="(\d+)" t="n"></c>')


@dataclass(slots=True)
class _Sheet:
    pieces: list[str]  # static XML between the slots
    slots: list[tuple[str, str, object]]  # (coordinate, style, key): key = (table, row, col) or a meta field

    def fill(self, values: dict) -> bytes:
        out = [self.pieces[0]]
        for (coord, style, key), after in zip(self.slots, self.pieces[1:], strict=True):
            out.append(_xlsx_cell(coord, style, values.get(key)))
            out.append(after)
        return "".join(out).encode("utf-8")


def _xlsx_cell(coord: str, style: str, value: object) -> str:
    if value is None or value == "":
        return f'<c r="{coord}" s="{style}" t="n"></c>'
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = escape(str(value))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{coord}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    return f'<c r="{coord}" s="{style}" t="n"><v>{value!r}</v></c>'


@dataclass(slots=True)
class _XlsxStencil:
    package: _Package
    sheets: dict[str, _Sheet]  # part name → sheet


@lru_cache(maxsize=64)
def _xlsx_stencil(version: str, single_other: bool, year: int | None) -> _XlsxStencil:
    from pipeline.render.xlsx_template import DATA_COL, SHEETS, TEMPLATE_CODE, _save, build_template, cell_slots

    wb = build_template(version, single_other=single_other, year=year)
    slots: dict[int, dict[str, object]] = {}  # sheet index → coordinate → key
    meta = wb[SHEETS["meta"]]
    slots[0] = {}
    for r in range(1, meta.max_row + 1):
        code = meta.cell(r, 1).value
        if isinstance(code, str) and code.startswith("meta:") and code not in (TEMPLATE_CODE, "meta:year"):
            slots[0][meta.cell(r, DATA_COL).coordinate] = code[5:]
    for table in voc.TABLES:
        slots[wb.worksheets.index(wb[SHEETS[table]])] = {}
    for ws, target, key in cell_slots(wb, version):
        slots[wb.worksheets.index(ws)][target.coordinate] = key
    names = {f"xl/worksheets/sheet{i + 1}.xml": i for i in slots}
    package, texts = _package(_save(wb), dict.fromkeys(names, b""))
    sheets = {}
    for name, i in names.items():
        xml, pieces, found, at = texts[name].decode("utf-8"), [], [], 0
        for m in _XLSX_EMPTY.finditer(xml):
            key = slots[i].get(m.group(1))
            if key is None:
                continue
            pieces.append(xml[at:m.start()])
            found.append((m.group(1), m.group(2), key))
            at = m.end()
        pieces.append(xml[at:])
        if len(found) != len(slots[i]):
            raise RuntimeError(f"xlsx stencil: {len(found)} of {len(slots[i])} input cells found in {name}")
        sheets[name] = _Sheet(pieces, found)
    return _XlsxStencil(package, sheets)


def fast_xlsx(report: ParsedReport) -> bytes:
    """``report`` in the XLSX filing template (as :func:`pipeline.render.xlsx_template.render_xlsx`)."""
    st = _xlsx_stencil(report.template, report.single_other, report.meta.year)
    values: dict[object, object] = {"agency": report.meta.agency, "title": report.meta.title,
                                    "published_on": report.meta.published_on, "index_no": report.meta.index_no,
                                    **report.sections}
    for c in report.cells:
        values[c.key] = c.value if c.value is not None else (c.raw or None)
    return st.package.build({name: sheet.fill(values) for name, sheet in st.sheets.items()})


# -- DOCX ----------------------------------------------------------------------------------------------
_MARK = "\ue000{}\ue001"
_DATE = "1901-02-03"  # the placeholder publication date (the signature prints it as 1901年2月3日)
_YEAR = "\ue0021901\ue003"
_FIELD = re.compile("\ue000([^\ue001]*)\ue001|\ue0021901\ue003|发布日期：1901-02-03|1901年2月3日")


@dataclass(slots=True)
class _DocxStencil:
    package: _Package
    pieces: list[str]  # document.xml between placeholders
    fields: list[str]  # what each placeholder is: a field name or a cell key "t|r|c"
    sections: dict[str, tuple[str, str]]  # section code → (paragraph XML before, after the text)
    core: str


@lru_cache(maxsize=16)
def _docx_stencil(version: str, single_other: bool) -> _DocxStencil:
    from pipeline.render.docx import render_docx

    cells = [Cell(t, r, c, None, _MARK.format(f"{t}|{r}|{c}"))
             for t, r, c in voc.cell_keys(version, single_other=single_other)]
    meta = Meta(agency=_MARK.format("agency"), year=_YEAR, title=_MARK.format("title"), published_on=_DATE,  # type: ignore[arg-type]
                index_no=_MARK.format("index_no"))
    report = ParsedReport(version, meta, cells)
    report.sections = {code: _MARK.format("section:" + code) for code in voc.NARRATIVE_SECTIONS}
    package, texts = _package(render_docx(report), {"word/document.xml": b"", "docProps/core.xml": b""})
    xml = texts["word/document.xml"].decode("utf-8")
    sections = {}
    for code in voc.NARRATIVE_SECTIONS:  # a section's one placeholder paragraph, repeated per paragraph
        mark = _MARK.format("section:" + code)
        i = xml.index(mark)
        start = max(xml.rfind("<w:p>", 0, i), xml.rfind("<w:p ", 0, i))
        end = xml.index("</w:p>", i) + len("</w:p>")
        para = xml[start:end]
        sections[code] = tuple(para.split(mark))
        xml = xml[:start] + mark + xml[end:]
    pieces, fields, at = [], [], 0
    for m in _FIELD.finditer(xml):
        pieces.append(xml[at:m.start()])
        fields.append(m.group(1) if m.group(1) is not None else m.group(0))
        at = m.end()
    pieces.append(xml[at:])
    return _DocxStencil(package, pieces, fields, sections, texts["docProps/core.xml"].decode("utf-8"))


def fast_docx(report: ParsedReport, *, drop_table: int | None = None) -> bytes:
    """``report`` as the .docx of :func:`pipeline.render.docx.render_docx` (``drop_table``: leave out
    the document's table of that index, 0–2 — a fault of generated drop folders)."""
    m = report.meta
    if drop_table is None and not (m.agency and m.title and m.index_no and m.published_on and m.year):
        from pipeline.render.docx import render_docx

        return render_docx(report)
    from pipeline.render.docx import _chinese_date
    from pipeline.render.layout import cell_text, paragraphs

    st = _docx_stencil(report.template, report.single_other)
    values = {"agency": escape(m.agency), "title": escape(m.title), "index_no": escape(m.index_no),
              _YEAR: str(m.year), "发布日期：1901-02-03": f"发布日期：{escape(m.published_on)}",
              "1901年2月3日": _chinese_date(m.published_on)}
    for c in report.cells:
        values["|".join(c.key)] = escape(cell_text(c))
    for code, (before, after) in st.sections.items():
        texts = paragraphs(report.sections.get(code, "")) or ["无。"]
        values["section:" + code] = "".join(before + escape(t) + after for t in texts)
    out = [st.pieces[0]]
    for f, after in zip(st.fields, st.pieces[1:], strict=True):
        out.append(values.get(f, ""))
        out.append(after)
    xml = "".join(out)
    if drop_table is not None:
        starts = [i.start() for i in re.finditer("<w:tbl>", xml)]
        ends = [i.end() for i in re.finditer("</w:tbl>", xml)]
        xml = xml[:starts[drop_table]] + xml[ends[drop_table]:]
    core = st.core.replace(_MARK.format("title"), escape(m.title)).replace(_MARK.format("agency"), escape(m.agency))
    return st.package.build({"word/document.xml": xml.encode("utf-8"), "docProps/core.xml": core.encode("utf-8")})



def render_form(form: str, report: ParsedReport) -> bytes:
    """``report`` in a drop-folder form: ``txt`` / ``txt_half`` (page text, full- or half-width digits),
    ``html``, ``xlsx``, ``docx``, ``json``."""
    if form in ("txt", "txt_half"):
        from pipeline.render.page_text import render_page_text

        return render_page_text(report, half_width=form == "txt_half").encode("utf-8")
    if form == "html":
        from pipeline.render.html import render_html

        return render_html(report).encode("utf-8")
    if form == "xlsx":
        return fast_xlsx(report)
    if form == "docx":
        return fast_docx(report)
    if form == "json":  # compact: the C encoder (``indent`` falls back to the pure-Python one, ≈ 10× slower)
        return json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    raise ValueError(f"unknown form {form!r}")
