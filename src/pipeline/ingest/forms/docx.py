"""Reader of Word reports (.docx): the document's text in reading order, handed to the recognizer.

Why text, not table objects: agencies draft their tables by hand — extra rows, split headers, tables
broken in two, numbers typed into merged cells — so the one robust path is the one every other
text form takes: paragraphs and table cells turned into lines in reading order and recognised by
:func:`pipeline.ingest.recognize.parse_lines`. Each table cell becomes its own lines (a line break
inside a cell starts a new line), a merged cell appears once (Word repeats it as ``vMerge``
continuation cells, which are skipped), and an empty cell becomes a line holding a no-break space —
the same convention as the page text of a published report.

The package is read with ``zipfile`` and ``lxml`` directly: faster than opening it with python-docx, and
a damaged or encrypted file fails with one clear line. Before any XML is parsed the package passes
:func:`pipeline.ingest.forms.package.check_package` (zip bombs, lying sizes and any DOCTYPE refused);
the parser resolves no entities and reads no network either way.

The body is read in one pass over the few tags that matter when it has the plain layout (paragraphs and
tables in the body, text in paragraphs: :func:`_plain_lines`), else by the general walk
(:func:`_block_lines`); both give the same lines.
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache

from lxml import etree

from pipeline.ingest.errors import IngestError
from pipeline.ingest.forms.package import check_package, read_part
from pipeline.model import ParsedReport

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OLE2 = b"\xd0\xcf\x11\xe0"
NBSP = "\xa0"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_OFFICE_DOC = re.compile(r"/officeDocument$")


def parse(data: bytes, name: str) -> ParsedReport:
    from pipeline.ingest.recognize import parse_lines

    lines, title = read_lines(data, name)
    report = parse_lines(lines, name)
    if not report.meta.title and title:
        report.meta.title = title
    return report


def read_lines(data: bytes, name: str) -> tuple[list[str], str | None]:
    """(lines in reading order, the document's core-properties title)."""
    if data[:4] == OLE2:
        raise IngestError(name, "encrypted or legacy (.doc) Word file; remove the password and save as .docx")
    parts = check_package(data, name, ".docx")  # every XML part, inflated (and checked) once
    try:
        body = _xml(data, parts, _main_part(data, parts), name).find(_BODY)
        title = None
        if "docProps/core.xml" in parts:
            core = _xml(data, parts, "docProps/core.xml", name)
            title = (core.findtext("{http://purl.org/dc/elements/1.1/}title") or "").strip() or None
    except zipfile.BadZipFile as e:
        raise IngestError(name, f"not a readable .docx (damaged or not a Word file): {e}") from None
    except (KeyError, OSError, EOFError, zipfile.LargeZipFile, NotImplementedError) as e:
        raise IngestError(name, f"damaged .docx package: {type(e).__name__}: {e}") from None
    if body is None:
        raise IngestError(name, "damaged .docx: the document has no body")
    lines = _plain_lines(body)
    if lines is None:  # not the plain layout: the general walk
        lines = []
        _block_lines(body, lines, _with_marks(body))
    return lines, title


def _read(data: bytes, parts: dict[str, bytes], part: str, name: str = "") -> bytes:
    """A part's bytes: as :func:`check_package` inflated them, else from the package under the same checks
    (:func:`~pipeline.ingest.forms.package.read_part`: a part whose name is no XML part's, such as a main
    document named without ``.xml``). ``KeyError`` when the package has no such part."""
    got = parts.get(part)
    if got is not None:
        return got
    return read_part(data, part, name, ".docx")


def _main_part(data: bytes, parts: dict[str, bytes]) -> str:
    """The main document part named by the package relationships (normally word/document.xml)."""
    try:
        rels = _read(data, parts, "_rels/.rels")
    except KeyError:
        return "word/document.xml"
    return _main_part_named(rels)


@lru_cache(maxsize=64)
def _main_part_named(rels_xml: bytes) -> str:
    """The main document part named in the package relationships ``rels_xml`` (the same in every file
    of a template: read once)."""
    rels = etree.fromstring(rels_xml, _PARSER)
    for rel in rels:
        if _OFFICE_DOC.search(rel.get("Type", "")):
            return rel.get("Target", "word/document.xml").lstrip("/")
    return "word/document.xml"


def _xml(data: bytes, parts: dict[str, bytes], part: str, name: str) -> etree._Element:
    try:
        return etree.fromstring(_read(data, parts, part, name), _PARSER)
    except etree.XMLSyntaxError as e:
        raise IngestError(name, f"damaged .docx: {part} is not well-formed XML: {e}") from None


_BODY, _P, _TBL, _TR, _TC, _TCPR, _SDT_CONTENT = (f"{W}{t}" for t in ("body", "p", "tbl", "tr", "tc", "tcPr", "sdtContent"))
_WRAPPERS = (f"{W}sdt", f"{W}customXml", f"{W}ins")
_RUN_TAGS = (f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen")
_T, _TAB, _HYPHEN = f"{W}t", f"{W}tab", f"{W}noBreakHyphen"
_MARK_TAGS = tuple(t for t in _RUN_TAGS if t != _T)
_MERGES = (f"{W}vMerge", f"{W}hMerge")
_VAL = f"{W}val"
_BR, _CR = f"{W}br", f"{W}cr"


def _block_lines(container: etree._Element, out: list[str], marks: set[etree._Element]) -> None:
    """Append the lines of the paragraphs and tables of a body, cell or content control, in document order.
    ``marks``: the paragraphs holding a tab, break or hyphen (:func:`_with_marks`)."""
    for el in container:
        _block(el, out, marks)


def _block(el: etree._Element, out: list[str], marks: set[etree._Element]) -> None:
    """Append the lines of one block: a paragraph, a table, or a content control's blocks (else nothing)."""
    tag = el.tag
    if tag == _P:
        text = _para_text(el, marks).strip()
        if text:
            out.extend(text.split("\n"))
            out.append("")
    elif tag == _TBL:
        _table_lines(el, out, marks)
    elif tag in _WRAPPERS:
        content = el.find(_SDT_CONTENT)
        _block_lines(content if content is not None else el, out, marks)


def _table_lines(tbl: etree._Element, out: list[str], marks: set[etree._Element]) -> None:
    for tr in tbl.iter(_TR):
        parent = tr.getparent()
        if parent is not tbl and parent.tag != _SDT_CONTENT:
            continue  # a row of a nested table: emitted with its cell
        for tc in tr.iter(_TC):
            if tc.getparent() is not tr and _owner_row(tc) is not tr:
                continue
            lines = _cell_lines(tc, marks)
            if lines is None:
                continue
            if lines:
                out.extend(lines)
            else:
                out.append(NBSP)
            out.append("")


def _cell_lines(tc: etree._Element, marks: set[etree._Element]) -> list[str] | None:
    """A cell's lines, stripped, empty ones left out — None for the continuation part of a merged cell.

    One walk over the cell's children: its (first) properties say whether it continues a merge, its
    paragraphs (the common case, read here) and other blocks give its lines in document order."""
    lines: list[str] = []
    props_seen = False
    for el in tc:
        tag = el.tag
        if tag == _P:
            text = _para_text(el, marks).strip()
            if "\n" not in text:
                if text:
                    lines.append(text)
            else:
                lines.extend(t for x in text.split("\n") if (t := x.strip()))
        elif tag == _TCPR:
            if not props_seen:
                props_seen = True
                if len(el) and _continued(el):
                    return None
        else:
            inner: list[str] = []
            _block(el, inner, marks)
            lines.extend(t for x in inner if (t := x.strip()))
    return lines


def _owner_row(tc: etree._Element) -> etree._Element | None:
    p = tc.getparent()
    while p is not None and p.tag != _TR:
        p = p.getparent()
    return p


def _continued(props: etree._Element) -> bool:
    """True when a cell's properties make it the continuation part of a merged cell (vertical vMerge, or
    legacy horizontal hMerge): the first of each in the properties decides."""
    seen = []
    for m in props:
        tag = m.tag
        if tag in _MERGES and tag not in seen:
            if m.get(_VAL, "continue") == "continue":
                return True
            seen.append(tag)
    return False


def _with_marks(body: etree._Element) -> set[etree._Element]:
    """The paragraphs (with every paragraph around them) holding a tab, break or hyphen: few, found by
    walking up from each mark, so that every other paragraph's text is just its ``<w:t>`` texts."""
    out: set[etree._Element] = set()
    for mark in body.iter(_MARK_TAGS):
        el = mark.getparent()
        while el is not None and el is not body:
            if el.tag == _P:
                out.add(el)
            el = el.getparent()
    return out


def _para_text(p: etree._Element, marks: set[etree._Element]) -> str:
    if p not in marks:  # the common case: text runs only, matched by lxml alone
        return "".join([t.text or "" for t in p.iter(_T)])
    out: list[str] = []
    for el in p.iter():  # every element, its tag compared here: cheaper than lxml's matcher of five tags
        tag = el.tag
        if tag in _RUN_TAGS:
            if tag == _T:
                out.append(el.text or "")
            elif tag == _TAB:
                out.append("\t")
            elif tag == _HYPHEN:
                out.append("-")
            else:
                out.append("\n")
    return "".join(out)


# -- the plain layout in one pass ------------------------------------------------------------------
# Most documents are paragraphs and tables directly in the body, rows directly in their table, cells
# directly in their row, and text in the cells' paragraphs. Such a body gives the same lines in one
# ``iter`` over the few tags that matter (lxml matches them in C) as the walk above: each paragraph's text
# is its text runs and marks in document order, a cell's lines are its paragraphs', and a merge mark
# counts only as a child of the cell's first properties. Anything else — a content control or
# ``customXml`` around blocks or cells, a nested table, a text box's paragraphs, text outside a
# paragraph — and :func:`_plain_lines` gives up (None) before the walk reads the body again.
_PLAIN_TAGS = (_P, _TBL, _TR, _TC, *_RUN_TAGS, *_MERGES)
_PIECES = {_TAB: "\t", _HYPHEN: "-", _BR: "\n", _CR: "\n"}


def _plain_lines(body: etree._Element) -> list[str] | None:
    """The body's lines as :func:`_block_lines` gives them, in one pass; None when the body is not the
    plain layout (see above)."""
    out: list[str] = []
    tbl = tr = tc = para = None  # the open table, row, cell and paragraph
    cell: list[str] | None = None  # the open cell's lines (None: no cell open)
    pieces: list[str] = []  # the open paragraph's text
    continued = False  # the open cell continues a merged cell
    merges: list[str] = []  # the merge marks of the open cell's first properties seen so far
    for el in body.iter(_PLAIN_TAGS):
        tag = el.tag
        if tag == _T:  # text of the open paragraph
            if el.getparent().getparent() is not para and not _inside(el, para, body):
                return None
            pieces.append(el.text or "")
            continue
        if tag in _PIECES:  # a tab, break or hyphen of the open paragraph
            if el.getparent().getparent() is not para and not _inside(el, para, body):
                return None
            pieces.append(_PIECES[tag])
            continue
        if tag in _MERGES:
            if not continued and _continues(el, tc, merges):
                continued = True
            continue
        if para is not None:  # any other tag closes the open paragraph
            text = "".join(pieces).strip()
            if cell is None or "\n" in text:
                _para_lines(text, out if cell is None else cell, cell is None)
            elif text:
                cell.append(text)
            para = None
        parent = el.getparent()  # never None here: ``el`` is inside the body
        if tag == _P:
            if parent is not body and parent is not tc:
                return None
            para, pieces = el, []
            if parent is tc:
                continue
        elif parent is not (tr if tag == _TC else tbl if tag == _TR else body):
            return None
        if cell is not None:  # a cell, row, table or body paragraph closes the open cell
            if not continued:
                _cell_out(out, cell)
            cell = tc = None
        if tag == _TC:
            tc, cell, continued, merges = el, [], False, []
        elif tag == _TR:
            tr = el
        elif tag == _TBL:
            tbl = el
        else:  # a body paragraph: the table before it is over
            tbl = tr = None
    if para is not None:
        _para_lines("".join(pieces).strip(), out if cell is None else cell, cell is None)
    if cell is not None and not continued:
        _cell_out(out, cell)
    return out


def _cell_out(out: list[str], cell: list[str]) -> None:
    """Append a cell's lines (a no-break space when it has none) and a blank after them."""
    if cell:
        out.extend(cell)
    else:
        out.append(NBSP)
    out.append("")


def _para_lines(text: str, out: list[str], body: bool) -> None:
    """Append a paragraph's lines (``text``: stripped): a body paragraph's lines and a blank after them,
    or a cell's paragraph's lines each stripped, empty ones left out (as :func:`_cell_lines`)."""
    if body:
        if text:
            out.extend(text.split("\n"))
            out.append("")
    elif "\n" not in text:
        if text:
            out.append(text)
    else:
        out.extend(t for x in text.split("\n") if (t := x.strip()))


def _inside(el: etree._Element, para: etree._Element | None, body: etree._Element) -> bool:
    """Whether ``el`` is inside the paragraph ``para`` (not when there is no open paragraph)."""
    up = el.getparent()
    while up is not para:
        if up is None or up is body:
            return False
        up = up.getparent()
    return True


def _continues(mark: etree._Element, tc: etree._Element | None, merges: list[str]) -> bool:
    """Whether a merge mark makes the open cell ``tc`` continue a merged cell: it does when it is a child
    of the cell's first properties, the first of its kind there (``merges``: the kinds seen), and says
    ``continue`` or nothing (as :func:`_continued`)."""
    props = mark.getparent()
    if tc is None or props.tag != _TCPR or props.getparent() is not tc or tc.find(_TCPR) is not props:
        return False
    if mark.tag in merges:
        return False
    merges.append(mark.tag)
    return mark.get(_VAL, "continue") == "continue"
