"""Table 三 (收到和处理政府信息公开申请情况): rows found by their labels, or by their order.

Two readings of the same region, because converters break tables in two different ways:

* by label — each row label is found in template order and the numbers up to the next label are
  its cells. This survives one cell per line, wrapped labels, vertical group labels, page breaks
  and run-together digits. A row whose label is not printed, or whose label is printed without
  cells (sub-rows merged into the first one on the page), comes back **not printed**; a row that
  prints too few or too many numbers is re-assembled (``pipeline.ingest.reading``);
* by order — PDF-to-Markdown converters detach labels from their numbers (labels float before or
  after, rows lose their label). The rows of numbers themselves keep the template order, so when
  the region holds exactly as many rows of seven numbers as the template has rows, and the label
  reading finds few rows, they are taken in order (checked against any label printed on the line).

The rows' readings are then chosen together by the identities (``pipeline.ingest.search``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline import vocabulary as voc
from pipeline.ingest import labels as lb
from pipeline.ingest.numbers import Tok, cell_value, shown, tokenize, trim_blanks, trim_furniture
from pipeline.ingest.reading import Reading, row_readings
from pipeline.ingest.search import Form, Plan, choose, filled

NCOLS = 7
_DIGIT_RE = re.compile(r"\d")

#: A local problem: (rule, message, row code or None, column index or None).
Note = tuple[str, str, str | None, int | None]


@dataclass(slots=True)
class Table3:
    rows: dict[str, list[Tok]]
    candidates: dict[tuple[str, int], list] = field(default_factory=dict)
    not_printed: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)  # rows whose label is not found, in template order
    notes: list[Note] = field(default_factory=list)
    end: int = 0  # offset after the last cell read


def _blank_row(at: int) -> list[Tok]:
    return [Tok("", True, True, "", False, at) for _ in range(NCOLS)]


def forms(rows: tuple[str, ...], version: str, single_other: bool, previous: dict | None) -> tuple[list[Form], list[Form]]:
    """Table 三's identities as search forms (hard), and the previous-year ones (soft)."""
    if previous is None:
        return list(_forms(rows, version, single_other)), []
    hard, soft = _plans(rows, version, single_other)
    return ([f for p in hard if (f := filled(p, previous, "requests"))],
            [f for p in soft if (f := filled(p, previous, "requests"))] if previous else [])


@voc.derived
def _forms(rows: tuple[str, ...], version: str, single_other: bool) -> tuple[Form, ...]:
    return tuple(f for p in _plans(rows, version, single_other)[0] if (f := filled(p, {}, "requests")))


@voc.derived
def _plans(rows: tuple[str, ...], version: str, single_other: bool) -> tuple[tuple[Plan, ...], tuple[Plan, ...]]:
    """(hard, soft) plans of table 三's identities for one layout; an identity with a term outside the
    layout has none. Cached: what a form needs of the previous year is filled in per report."""
    cols = voc.cols("requests", version)
    index = {c: i for i, c in enumerate(cols)}

    def plan(ident: voc.Identity) -> Plan | None:
        terms, prev = [], []
        for t in ident.terms:
            if t.prev:
                prev.append((t.row, t.col, t.coef))
            elif t.row in rows and t.col in index:
                terms.append((t.row, index[t.col], t.coef))
            else:
                return None
        return Form(ident.rule, tuple(terms)), tuple(prev)

    hard = tuple(p for i in voc.identities(version, single_other=single_other) if i.table == "requests" if (p := plan(i)))
    soft = tuple(p for i in voc.cross_year_identities(version, single_other=single_other)
                 if i.table == "requests" if (p := plan(i)))
    return hard, soft


def read_requests(text: str, start: int, end: int, rows: tuple[str, ...], version: str, *,
                  single_other: bool, expand: bool = False, previous: dict | None = None) -> Table3:
    """Read table 三 from ``text[start:end]``: every row of ``rows`` comes back (blank cells for a row
    not printed), with the ambiguous cells' candidates and the notes of every local problem."""
    hits = _hits(text, start, end, rows)
    out = Table3({})
    found = {c for c, _, _ in hits}
    out.missing = [r for r in rows if r not in found]
    if out.missing:
        by_order = _by_order(text, start, end, rows)
        if by_order is not None:
            table, last = by_order
            out.rows, out.end, out.missing = table, last, []
            out.notes.append(("R-PARSE-LAYOUT", "table 三: row labels are detached from their numbers; rows read in "
                                                "template order", None, None))
            return out
    options: dict[str, list[Reading]] = {}
    for i, (code, _s, e) in enumerate(hits):
        seg_end = hits[i + 1][1] if i + 1 < len(hits) else end
        toks, prose = _cells_only(tokenize(text[e:seg_end], base=e, words=True))
        toks = trim_blanks(toks, NCOLS, leading=False)
        if prose:
            out.notes.append(("R-PARSE-SKIPPED", f"table 三 row {lb.t3_label(code, version)}: figures of a sentence "
                                                 f"inside the table ({shown(prose)}) are not cells", code, None))
        if seg_end == end:  # blank lines before the next table's heading are page furniture
            toks = trim_furniture(toks)
        label = lb.t3_label(code, version)
        toks = _take_unlabelled(code, toks, rows, found, options, out, version)
        if not any(t.number for t in toks):
            if toks and all(t.blank for t in toks):
                options[code] = [Reading(toks if len(toks) == NCOLS else _blank_row(e))]
                continue
            out.not_printed.add(code)
            out.notes.append(("R-PARSE-NOT-PRINTED", f"table 三 row {label}: the label is printed without cells "
                                                     f"(merged into a neighbouring row on the page); read as not printed",
                              code, None))
            options[code] = [Reading(_blank_row(e))]
            continue
        opts = row_readings(toks, NCOLS, expand=expand, accept=_row_total)
        if not opts:
            out.notes.append(("R-PARSE-UNREAD", f"table 三 row {label}: its printed numbers "
                                                f"({shown(toks)}) cannot be read as 7 cells; left blank", code, None))
            options[code] = [Reading(_blank_row(e))]
            continue
        options[code] = opts
    for code in rows:
        if code not in found:
            out.not_printed.add(code)
            out.notes.append(("R-PARSE-NOT-PRINTED", f"table 三 row {lb.t3_label(code, version)} is not printed; "
                                                     f"its cells are read as not printed", code, None))
            options[code] = [Reading(_blank_row(start))]

    hard, soft = forms(rows, version, single_other, previous)
    choice = choose({r: options[r] for r in rows}, hard, soft, plausibility=_plausibility)
    for r in rows:
        reading = choice.chosen[r]
        out.rows[r] = reading.cells
        if reading.repairs and r not in out.not_printed:
            out.notes.append(("R-PARSE-REPAIRED", f"table 三 row {lb.t3_label(r, version)}: "
                                                  f"{'; '.join(reading.repairs)} (read as {_shown(reading)})", r, None))
    for (r, c), cands in choice.candidates.items():
        out.candidates[(r, c)] = cands
    for r, n in choice.tied.items():
        cols = sorted(c for rr, c in choice.candidates if rr == r)
        out.notes.append(("R-PARSE-AMBIGUOUS", f"table 三 row {lb.t3_label(r, version)}: {n} readings fit the "
                                               f"identities equally; kept {_shown(choice.chosen[r])}, "
                                               f"{len(cols)} cell(s) marked ambiguous", r, cols[0] if len(cols) == 1 else None))
    printed = [t.end for r in rows if r not in out.not_printed for t in out.rows[r]]
    out.end = max(printed) if printed else start
    return out


def _take_unlabelled(code: str, toks: list[Tok], rows: tuple[str, ...], found: set[str],
                     options: dict[str, list[Reading]], out: Table3, version: str) -> list[Tok]:
    """A row printing k × 7 cells followed by k − 1 rows whose labels are not found (a misprinted
    label, "上年结专"): the extra sevens are those rows, in template order. Returns this row's cells."""
    if len(toks) < 2 * NCOLS or len(toks) % NCOLS or not all(t.fixed or t.alone or t.blank for t in toks):
        return toks
    k = len(toks) // NCOLS
    following = rows[rows.index(code) + 1: rows.index(code) + k]
    if len(following) != k - 1 or any(r in found for r in following):
        return toks
    for j, r in enumerate(following, start=1):
        chunk = toks[j * NCOLS:(j + 1) * NCOLS]
        options[r] = row_readings(chunk, NCOLS) or [Reading(chunk)]
        found.add(r)
        out.missing.remove(r)
        out.notes.append(("R-PARSE-REPAIRED", f"table 三 row {lb.t3_label(r, version)}: its label is not "
                                              f"recognised; the seven numbers after row {lb.t3_label(code, version)} "
                                              f"are read as the row", r, None))
    return toks[:NCOLS]


#: A number glued to one of these on its right is a figure of a sentence ("73件", "2023年"), not a cell.
_COUNTER_RE = re.compile(r"^[年月日件个项条人次名余类%]")


def _cells_only(toks: list[Tok]) -> tuple[list[Tok], list[Tok]]:
    """(the tokens that can be cells, the figures of a sentence dropped): words go, and numbers of a
    sentence that strayed into the table (a note "注：其中予以公开73件…", a footnote with dates)."""
    out, prose = [], []
    last = len(toks) - 1
    for i, t in enumerate(toks):
        if t.word:
            continue
        if i < last and not t.blank:  # a number, with a token after it
            nxt = toks[i + 1]
            if nxt.word and nxt.end - len(nxt.text) == t.end and _COUNTER_RE.match(nxt.text):
                prose.append(t)
                continue
        out.append(t)
    return out, prose


def _row_total(cells: list[Tok]) -> bool:
    """R-T3-ROW on one reading of a row (a blank counting as 0)."""
    vals = [0 if t.blank else cell_value(t.text, "count", "") or 0 for t in cells]
    return vals[-1] == sum(vals[:-1])


def _shown(reading: Reading) -> str:
    return "|".join(t.text or "·" for t in reading.cells)


def _plausibility(_row: str, vals: tuple) -> tuple[float, ...]:
    """Among readings that fit equally: prefer small, evenly sized numbers (a stable choice; the cells
    stay marked ambiguous)."""
    nums = [abs(0 if v is None else v) for v in vals]
    return (max(nums), sum(nums))


def _hits(text: str, start: int, end: int, rows: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """(row, label start, label end) of every row label found, in template order."""
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
    return hits


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
