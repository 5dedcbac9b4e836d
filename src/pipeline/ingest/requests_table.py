"""Table 三 (收到和处理政府信息公开申请情况): rows found by their labels, or by their order.

Two readings of the same region, because converters break tables in two different ways:

* by label — each row label is found in template order and the numbers up to the next label are
  its cells. This survives one cell per line, wrapped labels, vertical group labels, page breaks
  and run-together digits (split later by the identities).
* by order — PDF-to-Markdown converters detach labels from their numbers (labels float before or
  after, rows lose their label). The rows of numbers themselves keep the template order, so when
  the region holds exactly as many rows of seven numbers as the template has rows, they are taken
  in order (checked against any label printed on the same line).

The label reading is used when it is complete; otherwise the order reading; otherwise the table is
incomplete and the error names the rows that were not found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.ingest import labels as lb
from pipeline.ingest.errors import IngestError
from pipeline.ingest.identities import resolve_requests
from pipeline.ingest.numbers import Tok, readings, tokenize, trim_blanks

NCOLS = 7
_DIGIT_RE = re.compile(r"\d")


@dataclass(slots=True)
class Table3:
    rows: dict[str, list[Tok]]
    ambiguous: set[tuple[str, int]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    end: int = 0  # offset after the last cell read



def read_requests(text: str, start: int, end: int, rows: tuple[str, ...], version: str, name: str) -> Table3:
    by_label, missing = _by_label(text, start, end, rows)
    if by_label is not None:
        res = resolve_requests(rows, by_label, version)
        last = max(t.end for r in rows for t in res.chosen[r]) if rows else start
        return Table3(res.chosen, res.ambiguous, res.warnings, last)
    by_order = _by_order(text, start, end, rows)
    if by_order is not None:
        table, last = by_order
        return Table3(table, set(), ["table 三: row labels are detached from their numbers; rows read in template order"], last)
    shown = ", ".join(lb.t3_label(r, version) for r in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    raise IngestError(name, f"table 三 is incomplete: rows {shown} not found")


def _by_label(text: str, start: int, end: int, rows: tuple[str, ...]) -> tuple[dict[str, list[list[Tok]]] | None, list[str]]:
    """Row → every reading of its cells, or None (and the rows missing) when a row is not found."""
    index = {r: i for i, r in enumerate(rows)}
    hits: list[tuple[str, int, int]] = []
    ptr = 0
    for m in lb.T3_ROW_RE.finditer(text, start, end):
        code = lb.row_code("requests", m.lastgroup or "")
        k = index.get(code)
        if k is None or k < ptr:
            continue  # a group label, a repeated label, or a header that reuses row words
        hits.append((code, m.start(), m.end()))
        ptr = k + 1
    found = {c for c, _, _ in hits}
    missing = [r for r in rows if r not in found]
    if missing:
        return None, missing
    out: dict[str, list[list[Tok]]] = {}
    bad: list[str] = []
    for i, (code, _s, e) in enumerate(hits):
        seg_end = hits[i + 1][1] if i + 1 < len(hits) else end
        toks = trim_blanks(tokenize(text[e:seg_end], base=e), NCOLS)
        opts = readings(toks, NCOLS)
        if not opts:
            bad.append(code)
        out[code] = opts
    if bad:
        return None, bad
    return out, []


def _by_order(text: str, start: int, end: int, rows: tuple[str, ...]) -> tuple[dict[str, list[Tok]], int] | None:
    """Rows of exactly seven cells, line by line, taken in template order when their count fits."""
    groups: list[tuple[list[Tok], str]] = []
    pos = start
    for line in text[start:end].split("\n"):
        if _DIGIT_RE.search(line):  # a line without a digit holds no number: not a row
            toks = trim_blanks(tokenize(line, edge_cells=True, base=pos), NCOLS)
            if len(toks) == NCOLS and any(t.number for t in toks):
                groups.append((toks, line))
        pos += len(line) + 1
    if len(groups) != len(rows):
        return None
    index = {r: i for i, r in enumerate(rows)}
    for i, (_toks, line) in enumerate(groups):
        for m in lb.T3_ROW_RE.finditer(line):
            k = index.get(lb.row_code("requests", m.lastgroup or ""))
            if k is not None and k != i:
                return None  # a label on the line contradicts the order
    table = {r: g[0] for r, g in zip(rows, groups, strict=True)}
    return table, groups[-1][0][-1].end

