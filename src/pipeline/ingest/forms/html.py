"""HTML: a published report page, saved whole (report 15) or rendered by our own demo.

Why a walker of our own instead of ``text_content()``: the core needs table rows as rows — one line
per ``<tr>``, cells separated by tabs, an empty ``<td>&nbsp;</td>`` kept as a blank cell — and the
text around the tables as lines. Word-pasted pages split labels into many ``<span>``s, which the
per-cell text join undoes. Pages that carry the report inside a JavaScript string (with escaped
quotes) get that string unescaped and read in place. Layout tables (a ``<td>`` holding a whole
article or another table) are walked into, not flattened into one cell.

Encodings: UTF-8, GBK/GB18030 (with or without a ``<meta charset>``, sometimes two of them that
disagree) — decoded strictly: a byte-order mark's encoding, else UTF-8, then the declared charset,
then GB18030; never with replacement characters.

The page's ``<title>`` fills the title, agency and year the body does not name (sites that keep the
report's title in the head only), without the site's name after it.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from pipeline.ingest.errors import IngestError
from pipeline.ingest.forms.text import decode_bom
from pipeline.ingest.meta import fill_missing, meta_from_page_title
from pipeline.ingest.recognize import parse_lines
from pipeline.model import ParsedReport

_BLOCK = frozenset({
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "section", "article", "header",
    "footer", "blockquote", "pre", "dd", "dt", "dl", "title", "hr", "center", "main", "nav", "aside", "form",
    "caption", "body", "html",
})
_SKIP = frozenset({"style", "noscript", "template", "head", "iframe", "svg", "select", "option", "button", "input"})
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_JS_ESCAPE_RE = re.compile(r"""\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[nrt"'/\\])""")
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
_UTF8_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, encoding="utf-8")


def decode_html(data: bytes, name: str) -> str:
    """The text of an HTML page: BOM, strict UTF-8, the declared charset, then GB18030."""
    return _decode(data, name)[0]


def _decode(data: bytes, name: str) -> tuple[str, bool]:
    """(text, whether ``data`` is exactly that text in UTF-8 — then the parser can take the bytes)."""
    text = decode_bom(data, name)
    if text is not None:
        return text, False
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    for m in _CHARSET_RE.finditer(data[:8192]):
        enc = m.group(1).decode("ascii").lower()
        if enc in ("gbk", "gb2312", "gb_2312-80", "x-gbk", "cp936"):
            enc = "gb18030"
        try:
            codecs.lookup(enc)
            return data.decode(enc), False
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode("gb18030"), False
    except UnicodeDecodeError:
        raise IngestError(name, "cannot decode the page: neither UTF-8, its declared charset nor GB18030") from None


def _unescape_js(s: str) -> str:
    def sub(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "ux":
            return chr(int(e[1:], 16))
        return {"n": "\n", "r": "", "t": " "}.get(e, e)
    return _JS_ESCAPE_RE.sub(sub, s)


class _Lines:
    """Collects the page as lines: text runs between block boundaries, one line per table row."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.cur: list[str] = []

    def flush(self) -> None:
        cur = self.cur
        if cur:
            s = " ".join("".join(cur).split())  # whitespace runs → one space, ends stripped
            if s:
                self.out.append(s)
            cur.clear()

    def walk(self, el: etree._Element) -> None:
        tag = el.tag
        if type(tag) is not str or tag in _SKIP:
            return  # comments, processing instructions, page furniture
        if tag == "script":
            body = el.text or ""
            low = body.lower()
            if "<table" in low or "&lt;table" in low:
                self.flush()
                self.fragment(_unescape_js(body))
            return
        if tag == "table":
            self.flush()
            self.table(el)
            self.flush()
            return
        block = tag in _BLOCK
        cur = self.cur
        if block:
            self.flush()
        text = el.text
        if text:
            cur.append(text)
        walk = self.walk
        for child in el:
            walk(child)
            tail = child.tail
            if tail:
                cur.append(tail)
        if block:
            self.flush()

    def fragment(self, html: str) -> None:
        root = _parse(f"<div>{html}</div>")
        if root is not None:
            self.walk(root)

    def table(self, table: etree._Element) -> None:
        # one look for a nested table saves a look in every cell of an ordinary table
        nested = _nests_table(table)
        out = self.out
        for tr in _rows(table):
            cells = [c for c in tr if c.tag in _CELL_TAGS]
            if nested and any(_has_table(c) for c in cells):
                for c in cells:  # a layout table: walk into its cells
                    self.walk(c)
                    self.flush()
                continue
            texts: list[str] = []
            for c in cells:
                texts.append(_cell_text(c))
                if c.get("colspan") is not None:
                    texts += [""] * (_span(c) - 1)  # a merged cell covers its columns: the others are empty
            if len(texts) > 1:
                out.append("\t".join(texts))  # blank cells kept: a row of empty cells is data
            elif texts and texts[0]:
                out.append(texts[0])


_CELL_TAGS = frozenset({"td", "th"})


def _nests_table(table: etree._Element) -> bool:
    """Whether a table holds another table (its own ``iter`` yields itself first)."""
    it = table.iter("table")
    next(it, None)
    return next(it, None) is not None


def _rows(table: etree._Element) -> list[etree._Element]:
    out = []
    for child in table:
        tag = child.tag
        if tag == "tr":
            out.append(child)
        elif tag in ("tbody", "thead", "tfoot"):
            out.extend(r for r in child if r.tag == "tr")
    return out


def _span(cell: etree._Element) -> int:
    try:
        return max(1, min(int(cell.get("colspan") or 1), 64))
    except ValueError:
        return 1


def _has_table(cell: etree._Element) -> bool:
    return next(cell.iter("table"), None) is not None


def _cell_text(cell: etree._Element) -> str:
    """The words of a cell, joined: labels split over spans or lines meet again ("22<br>（其中…）")."""
    if not len(cell):  # a cell of text only (the usual one): its text is all there is
        return " ".join((cell.text or "").split())
    return " ".join(etree.tostring(cell, method="text", encoding="unicode", with_tail=False).split())


def _parse(text: str | bytes) -> etree._Element | None:
    try:
        return etree.fromstring(text, _UTF8_PARSER if isinstance(text, bytes) else _PARSER)
    except (etree.ParserError, ValueError):
        return None


def html_lines(text: str, name: str) -> list[str]:
    """The page as lines for :func:`pipeline.ingest.recognize.parse_lines`."""
    return _lines(_parse(_XML_DECL_RE.sub("", text, count=1)), name)


def _lines(root: etree._Element | None, name: str) -> list[str]:
    if root is None:
        raise IngestError(name, "cannot parse the HTML page")
    lines = _Lines()
    lines.walk(root)
    lines.flush()
    return lines.out


def page_title(root: etree._Element | None) -> str | None:
    """The text of the page's ``<title>`` (None when it has none)."""
    if root is None:
        return None
    el = next(root.iter("title"), None)
    text = " ".join("".join(el.itertext()).split()) if el is not None else ""
    return text or None


def parse(data: bytes, name: str) -> ParsedReport:
    text, utf8 = _decode(data, name)
    # UTF-8 without an XML declaration: the same characters parsed from the bytes (no re-encoding)
    plain_utf8 = utf8 and not _XML_DECL_RE.match(text)
    root = _parse(data) if plain_utf8 else _parse(_XML_DECL_RE.sub("", text, count=1))
    report = parse_lines(_lines(root, name), name)
    title = page_title(root)
    if title:
        fill_missing(report.meta, meta_from_page_title(title))
    return report
