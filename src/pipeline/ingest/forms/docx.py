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
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from lxml import etree

from pipeline.ingest.errors import IngestError
from pipeline.ingest.forms.package import check_package
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
    check_package(data, name, ".docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            body = _xml(z, _main_part(z), name).find(f"{W}body")
            title = None
            if "docProps/core.xml" in z.namelist():
                core = _xml(z, "docProps/core.xml", name)
                title = (core.findtext("{http://purl.org/dc/elements/1.1/}title") or "").strip() or None
    except zipfile.BadZipFile as e:
        raise IngestError(name, f"not a readable .docx (damaged or not a Word file): {e}") from None
    except (KeyError, OSError, EOFError, zipfile.LargeZipFile, NotImplementedError) as e:
        raise IngestError(name, f"damaged .docx package: {type(e).__name__}: {e}") from None
    if body is None:
        raise IngestError(name, "damaged .docx: the document has no body")
    return list(_block_lines(body)), title


def _main_part(z: zipfile.ZipFile) -> str:
    """The main document part named by the package relationships (normally word/document.xml)."""
    try:
        rels = etree.fromstring(z.read("_rels/.rels"), _PARSER)
    except KeyError:
        return "word/document.xml"
    for rel in rels:
        if _OFFICE_DOC.search(rel.get("Type", "")):
            return rel.get("Target", "word/document.xml").lstrip("/")
    return "word/document.xml"


def _xml(z: zipfile.ZipFile, part: str, name: str) -> etree._Element:
    try:
        return etree.fromstring(z.read(part), _PARSER)
    except etree.XMLSyntaxError as e:
        raise IngestError(name, f"damaged .docx: {part} is not well-formed XML: {e}") from None


def _block_lines(container: etree._Element) -> Iterator[str]:
    """Lines of the paragraphs and tables of a body, cell or content control, in document order."""
    for el in container:
        if el.tag == f"{W}p":
            text = _para_text(el).strip()
            if text:
                yield from text.split("\n")
                yield ""
        elif el.tag == f"{W}tbl":
            yield from _table_lines(el)
        elif el.tag in (f"{W}sdt", f"{W}customXml", f"{W}ins"):
            content = el.find(f"{W}sdtContent")
            yield from _block_lines(content if content is not None else el)


def _table_lines(tbl: etree._Element) -> Iterator[str]:
    for tr in tbl.iter(f"{W}tr"):
        if tr.getparent() is not tbl and tr.getparent().tag != f"{W}sdtContent":
            continue  # a row of a nested table: emitted with its cell
        for tc in tr.iter(f"{W}tc"):
            if _owner_row(tc) is not tr:
                continue
            props = tc.find(f"{W}tcPr")
            if props is not None and _continued(props):
                continue
            lines = [x.strip() for x in "\n".join(_block_lines(tc)).split("\n") if x.strip()]
            yield from lines or [NBSP]
            yield ""


def _owner_row(tc: etree._Element) -> etree._Element | None:
    p = tc.getparent()
    while p is not None and p.tag != f"{W}tr":
        p = p.getparent()
    return p


def _continued(props: etree._Element) -> bool:
    """True for the continuation part of a merged cell (vertical vMerge, or legacy horizontal hMerge)."""
    for tag in ("vMerge", "hMerge"):
        m = props.find(f"{W}{tag}")
        if m is not None and m.get(f"{W}val", "continue") == "continue":
            return True
    return False


def _para_text(p: etree._Element) -> str:
    out: list[str] = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen"):
        if el.tag == f"{W}t":
            out.append(el.text or "")
        elif el.tag == f"{W}tab":
            out.append("\t")
        elif el.tag == f"{W}noBreakHyphen":
            out.append("-")
        else:
            out.append("\n")
    return "".join(out)
