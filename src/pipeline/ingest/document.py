"""The document as one normalised string, and where its three tables are.

Why one string: the same report reaches us as one cell per line, a row per line, or the whole
report on one line (crawler dumps), so anchors and labels are searched in the joined text and
everything downstream works with offsets into it. Normalisation is NFKC (full-width brackets,
digits and punctuation become half-width), with page furniture ("- 5 -") removed and a line that
holds only a no-break space kept as a blank-cell marker (that is how page text prints an empty
``<td>&nbsp;</td>``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.ingest import labels as lb
from pipeline.ingest.errors import IngestError
from pipeline.ingest.numbers import CELL_BLANK

#: A line of only spaces with at least one no-break (or ideographic) space: an empty table cell.
_BLANK_LINE_RE = re.compile(r"(?m)^[ \t]*[\xa0\u3000\u2002\u2003\u202f][ \t\xa0\u3000\u2002\u2003\u202f]*$")
_BLANK_CHAR_RE = re.compile(r"[\xa0\u3000\u2002\u2003\u202f]")
_TRAILING_RE = re.compile(r"(?m) +$")

#: Code points NFKC maps one at a time: each one's compatibility decomposition starts with a starter
#: that never combines with what precedes it (a normalisation boundary before it), so NFKC of a text
#: made only of these is the concatenation of NFKC of its characters. ASCII, Latin-1, punctuation,
#: CJK ideographs and symbols, full-width forms — the text of nearly every report.
#: ``tests/test_ingest_normalise.py`` checks the property against the Unicode database.
SIMPLE_NFKC_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x007F), (0x00A0, 0x00FF), (0x2000, 0x200A), (0x2010, 0x2027), (0x202F, 0x205E), (0x2160, 0x217F),
    (0x2460, 0x24FF), (0x3000, 0x3029), (0x3030, 0x303F), (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF), (0xFF01, 0xFF5E), (0xFFE0, 0xFFE6),
)


def _simple_nfkc_map() -> dict[str, str]:
    out = {}
    for lo, hi in SIMPLE_NFKC_RANGES:
        if lo >= 0x3400 and hi <= 0x9FFF:
            continue  # unified ideographs: no decomposition
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            norm = unicodedata.normalize("NFKC", ch)
            if norm != ch:
                out[ch] = norm
    return out


#: character → its NFKC, for the simple characters that change (full-width forms, ideographic space, …)
SIMPLE_NFKC_MAP: dict[str, str] = _simple_nfkc_map()
_NOT_SIMPLE_RE = re.compile(
    "[^" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in SIMPLE_NFKC_RANGES) + "]"
)
_CHANGES_RE = re.compile("[" + "".join(re.escape(ch) for ch in SIMPLE_NFKC_MAP) + "]")


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster on the usual text of a report.

    Why: NFKC of a whole report costs more than reading its tables. A line made only of simple
    characters is normalised by replacing the few that change (no mapping yields a character that
    changes again); other lines go through ``unicodedata`` (a line feed is a boundary on both sides).
    """
    if _NOT_SIMPLE_RE.search(text) is None:
        return _simple_nfkc(text)
    return "\n".join(unicodedata.normalize("NFKC", ln) if _NOT_SIMPLE_RE.search(ln) else _simple_nfkc(ln)
                     for ln in text.split("\n"))


def _simple_nfkc(text: str) -> str:
    for ch in set(_CHANGES_RE.findall(text)):
        text = text.replace(ch, SIMPLE_NFKC_MAP[ch])
    return text


def normalise(lines: Sequence[str]) -> str:
    """NFKC text of ``lines`` joined by newlines; nbsp-only lines become CELL_BLANK; page footers go."""
    text = "\n".join(lines)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_CHAR_RE.search(text):  # a blank-cell line needs one of these characters
        text = _BLANK_LINE_RE.sub(CELL_BLANK, text)
    text = nfkc(text)
    if " \n" in text or text.endswith(" "):
        text = _TRAILING_RE.sub("", text)
    return lb.PAGE_FOOTER_RE.sub("", text)


@dataclass(slots=True)
class Regions:
    """Offsets in the normalised text: table 二 [t2, t3), table 三 [t3, t4), table 四 from t4.
    ``t3``/``t4`` are None when the document ends before that table's anchor (a truncated page)."""

    t2: int
    t3: int | None
    t4: int | None


#: The rest of a contents line after a section title: dot leaders, then a page number ("……3").
_CONTENTS_TAIL_RE = re.compile(r"[^\n]{0,40}?(?:[.…·_—\-‥⋯]{3,}|…+|\t)[ \t]*\d{1,3}[ \t]*(?:\n|$)")


def _search(pattern: re.Pattern[str], text: str, pos: int = 0) -> re.Match[str] | None:
    """The first match of an anchor that is not an entry of a contents page (目录)."""
    for m in pattern.finditer(text, pos):
        if not _CONTENTS_TAIL_RE.match(text, m.end()):
            return m
    return None


def locate(text: str, name: str) -> Regions:
    """Find the three tables by their anchors; a document without any is not an annual report.
    Entries of a contents page ("三、收到和处理政府信息公开申请情况……3") are not anchors."""
    m2 = _search(lb.T2_START_RE, text)
    m3 = _search(lb.T3_START_RE, text, m2.start() if m2 else 0)
    if not m2 and not m3:
        raise IngestError(name, "不是政府信息公开工作年度报告（找不到「主动公开政府信息情况」「收到和处理政府信息公开申请情况」表格） / "
                                "not an annual report: no 主动公开政府信息情况 / 收到和处理政府信息公开申请情况 tables found")
    if not m2:
        raise IngestError(name, "table 二 (主动公开政府信息情况) not found")
    if not m3:
        return Regions(m2.start(), None, None)
    m4 = _search(lb.T4_START_RE, text, m3.end())
    return Regions(m2.start(), m3.start(), m4.start() if m4 else None)
