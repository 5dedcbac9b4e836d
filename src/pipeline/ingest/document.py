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
_TRAILING_RE = re.compile(r"(?m) +$")


def normalise(lines: Sequence[str]) -> str:
    """NFKC text of ``lines`` joined by newlines; nbsp-only lines become CELL_BLANK; page footers go."""
    text = "\n".join(lines)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BLANK_LINE_RE.sub(CELL_BLANK, text)
    text = unicodedata.normalize("NFKC", text)
    text = _TRAILING_RE.sub("", text)
    return lb.PAGE_FOOTER_RE.sub("", text)


@dataclass(slots=True)
class Regions:
    """Offsets in the normalised text: table 二 [t2, t3), table 三 [t3, t4), table 四 from t4.
    ``t3``/``t4`` are None when the document ends before that table's anchor (a truncated page)."""

    t2: int
    t3: int | None
    t4: int | None


def locate(text: str, name: str) -> Regions:
    """Find the three tables by their anchors; a document without any is not an annual report."""
    m2 = lb.T2_START_RE.search(text)
    m3 = lb.T3_START_RE.search(text, m2.start() if m2 else 0)
    if not m2 and not m3:
        raise IngestError(name, "not an annual report: no 主动公开政府信息情况 / 收到和处理政府信息公开申请情况 tables found")
    if not m2:
        raise IngestError(name, "table 二 (主动公开政府信息情况) not found")
    if not m3:
        return Regions(m2.start(), None, None)
    m4 = lb.T4_START_RE.search(text, m3.end())
    return Regions(m2.start(), m3.start(), m4.start() if m4 else None)
