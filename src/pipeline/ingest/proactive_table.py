"""Table 二 (主动公开政府信息情况): each row by its label, in any order.

Why any order: converters move blocks around (report 05 prints block （一） after （八）), but each
row label is distinct, so its numbers are the ones between it and the next label or caption.
Two repairs, both reported in warnings:

* cells that a converter pulled out of their row (a wrapped "22（其中修订 16 件）") are left as loose
  numbers under the block caption; when the loose numbers exactly make up the rows' shortfall they
  are put back, in order, into the inner cells of the short rows (a row's first and last printed
  numbers stay in its first and last columns);
* run-together digits ("8855698") have no identity in this table; figures quoted in the narrative
  ("现行有效行政规范性文件698件") settle them where they can, otherwise the most plausible reading
  is kept and the undecided cells are marked ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from pipeline import vocabulary as voc
from pipeline.ingest import labels as lb
from pipeline.ingest.numbers import Tok, shown, tokenize, trim_blanks, trim_furniture
from pipeline.ingest.reading import Reading, row_readings
from pipeline.ingest.search import Choice, Form, Plan, Values, choose, filled

Note = tuple[str, str, str | None, int | None]
#: A number glued to one of these on its right is a figure of a sentence ("类8条、"), not a cell.
_COUNTER_RE = re.compile(r"^[年月日件个项条人次名余类%]")


@dataclass(slots=True)
class Table2:
    """Row → its cells in the template's columns (blank tokens for cells not printed)."""

    rows: dict[str, list[Tok]]
    candidates: dict[tuple[str, int], list] = field(default_factory=dict)
    not_printed: set[tuple[str, int]] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)  # rows whose label is not found
    notes: list[Note] = field(default_factory=list)


#: Words of each column's header (to see which columns a block prints, kind: fewer columns).
_COL_HEADER: dict[str, str] = {
    "issued": "制发|发件", "repealed": "废止", "in_force": "现行有效", "new_made": "新制作", "new_published": "新公开",
    "total_published": "公开总", "prev_year_items": "上一年", "year_change": "增/减|增减", "decisions": "处理决定",
    "fee_amount_wan": "收费金额", "procurement_items": "采购项目", "procurement_amount": "采购总金额",
}


@lru_cache(maxsize=256)
def _printed_cols(header: str, cols: tuple[str, ...]) -> tuple[str, ...]:
    """The columns whose header words a block's header prints (all of them when it names none). Cached:
    every row of a block asks, and a template's headers recur from report to report."""
    squeezed = re.sub(r"\s+", "", header)
    present = tuple(c for c in cols if re.search(_COL_HEADER.get(c, "$^"), squeezed))
    return present if present else cols


def _in_sentence(toks: list[Tok], i: int) -> bool:
    """A number glued to a counter after it ("2020年", "480条"): a figure of a sentence, not a cell."""
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return bool(nxt and nxt.word and nxt.end - len(nxt.text) == toks[i].end and _COUNTER_RE.match(nxt.text))


def _prose(toks: list[Tok], label_end: int) -> bool:
    """A label quoted in a sentence: a word glued to the label before any number ("行政许可类358条"),
    or its first number glued to a counter ("8条、"). A bracketed remark ("（件）") is not prose."""
    for i, t in enumerate(toks):
        if t.word:
            if t.text.startswith("("):
                continue
            return i == 0 and t.end - len(t.text) == label_end
        if t.number:
            return _in_sentence(toks, i)
    return False


def read_proactive(text: str, start: int, end: int, version: str, narrative: str, *,
                   expand: bool = False, previous: dict | None = None) -> Table2:
    """Read table 二 from ``text[start:end]``: every row of the template comes back (blank tokens for a
    row or column not printed), with the ambiguous cells' candidates and the notes."""
    layout = {r: voc.row_cols("proactive", version, r) for b in voc.PROACTIVE_LAYOUT[version] for r in b.rows}
    marks: list[tuple[int, int, str | None]] = []  # (start, end, row code or None for a caption)
    for m in lb.T2_ROW_RE.finditer(text, start, end):
        marks.append((m.start(), m.end(), lb.row_code("proactive", m.lastgroup or "")))
    for m in lb.T2_CAPTION_RE.finditer(text, start, end):
        marks.append((m.start(), m.end(), None))
    marks.sort()
    segs: dict[str, list[tuple[list[Tok], bool, str]]] = {}
    loose: list[Tok] = []
    # numbers under a block that follow a word no label matches ("行政许司 12356": a misprinted label),
    # by the block's caption numeral: they stand in for a row of that block the labels do not find
    orphans: dict[str, list[tuple[str, list[Tok]]]] = {}
    block = ""
    bounds = [(start, start, None), *marks]
    caption_end: int | None = None
    header = ""
    out = Table2({})
    for i, (_s, e, code) in enumerate(bounds):
        seg_end = bounds[i + 1][0] if i + 1 < len(bounds) else end
        toks = tokenize(text[e:seg_end], base=e, words=True)
        if seg_end == end:  # blank lines before the next table's heading are page furniture
            toks = trim_furniture(toks)
        if code is None:
            if i:
                block = _numeral(text[_s:e])
                word_then_numbers = _orphan_rows(toks)
                orphans.setdefault(block, []).extend(word_then_numbers)
                taken = {id(t) for _w, ts in word_then_numbers for t in ts}
                loose += [t for k, t in enumerate(toks) if t.number and not _in_sentence(toks, k) and id(t) not in taken]
            else:
                loose += [t for k, t in enumerate(toks) if t.number and not _in_sentence(toks, k)]
            caption_end = e if i else None
            continue
        if caption_end is not None:
            header = text[caption_end:_s]
            caption_end = None
        row, rest = _row_cells(toks)
        prose = _prose(toks, e)
        segs.setdefault(code, []).append((row, prose, header))
        if any(t.number for t in rest) and not prose:
            orphans.setdefault(block, []).extend(_orphan_rows(rest))
            out.notes.append(("R-PARSE-SKIPPED", f"table 二: a row the template does not have "
                                                 f"({shown([t for t in rest if not t.blank])}) ignored",
                              code, None))

    rows: dict[str, list[Tok]] = {}
    cols_of: dict[str, tuple[str, ...]] = {}
    for code, cols in layout.items():
        cands = segs.get(code)
        label = voc.label("proactive", "row", code, version)
        stand_in = None if cands else _stand_in(code, cols, version, orphans)
        if stand_in is not None:
            word, toks = stand_in
            cands = [(toks, False, "")]
            out.notes.append(("R-PARSE-REPAIRED", f"table 二 row {label}: its label is not recognised; the numbers "
                                                  f"after 「{word[:20]}」 in its block are read as the row", code, None))
        if not cands:
            _left_out(out, code, len(cols), f"table 二 row {label} is not printed")
            continue
        clean = [(c, h) for c, prose, h in cands if not prose]
        quoted = [c for c, prose, _h in cands if prose and any(t.number for t in c)]
        if quoted:
            out.notes.append(("R-PARSE-SKIPPED", f"table 二 row {label}: a sentence quoting the label with a number "
                                                 f"({shown(quoted[0])}) is not the row", code, None))
        if not clean:
            _left_out(out, code, len(cols), f"table 二 row {label} is not printed (its label appears only in a sentence)")
            continue
        chosen, header_text = next(((c, h) for c, h in clean if any(t.number for t in c)), clean[0])
        printed = _printed_cols(header_text, cols)
        cols_of[code] = _fewer_columns(chosen, printed, cols, expand)
        rows[code] = chosen

    trimmed = {r: trim_blanks(t, len(cols_of[r]), leading=False) for r, t in rows.items()}
    short = {r: len(cols_of[r]) - len(t) for r, t in trimmed.items()
             if len(t) < len(cols_of[r]) and not any(o.cost == 0 for o in row_readings(
                 t, len(cols_of[r]), kinds=_kinds(cols_of[r])))}
    if short and loose and sum(short.values()) == len(loose):
        _put_back(rows, short, loose, cols_of, version, out.notes)

    figures: list[tuple[str, int]] | None = None
    for code, toks in rows.items():
        cols, full = cols_of[code], layout[code]
        label = voc.label("proactive", "row", code, version)
        kinds = _kinds(cols)
        opts = row_readings(toks, len(cols), expand=expand, kinds=kinds) if toks else []
        if not opts:
            out.notes.append(("R-PARSE-UNREAD", f"table 二 row {label}: its printed numbers ({shown(toks)}) cannot "
                                                f"be read as {len(cols)} cells; left blank", code, None))
            out.rows[code] = [Tok("", True, True, "", False, start) for _ in full]
            continue
        if len(opts) > 1 and figures is None:
            figures = _narrative_figures(narrative)
        if len(opts) == 1:  # one reading: nothing to choose (as choose() finds), no evidence to gather
            choice = Choice({code: opts[0]})
        else:
            choice = choose({code: opts}, [], _soft(code, cols, previous, version),
                            row_soft={code: _confirmations(code, cols, figures or [])},
                            plausibility=lambda _r, v, cs=cols: _plausibility(cs, v))
        reading: Reading = choice.chosen[code]
        index = {c: i for i, c in enumerate(cols)}
        cells = []
        for k, col in enumerate(full):
            if col in index:
                cells.append(reading.cells[index[col]])
            else:
                cells.append(Tok("", True, True, "", False, reading.cells[-1].end))
                out.not_printed.add((code, k))
        out.rows[code] = cells
        if cols != full:
            missing = "、".join(voc.label("proactive", "col", c, version) for c in full if c not in index)
            out.notes.append(("R-PARSE-NOT-PRINTED", f"table 二 row {label}: the block prints no column {missing}; "
                                                     f"read as not printed", code, None))
        read_as = "|".join(t.text or "·" for t in reading.cells)
        if reading.repairs:
            out.notes.append(("R-PARSE-REPAIRED", f"table 二 row {label}: {'; '.join(reading.repairs)} "
                                                  f"(read as {read_as})", code, None))
        for (_r, i), cands in choice.candidates.items():
            out.candidates[(code, full.index(cols[i]))] = cands
        if choice.tied:
            out.notes.append(("R-PARSE-AMBIGUOUS", f"table 二 row {label}: {choice.tied[code]} readings remain (no "
                                                   f"identity constrains this table); kept {read_as}, cells marked "
                                                   f"ambiguous", code, None))
        elif len(opts) > 1 and reading.cost == 0 and not toks_fixed(toks):
            out.notes.append(("R-PARSE-REPAIRED", f"table 二 row {label}: run-together digits read as {read_as} "
                                                  f"(settled by the narrative or last year's report)", code, None))
    for code in out.missing:
        out.rows[code] = [Tok("", True, True, "", False, start) for _ in layout[code]]
    for code in layout:
        if code not in out.rows:
            out.rows[code] = [Tok("", True, True, "", False, start) for _ in layout[code]]
    return out


@voc.derived
def _kinds(cols: tuple[str, ...]) -> tuple[str, ...]:
    """The value kind of each of ``cols`` (table 二)."""
    return tuple(voc.value_kind("proactive", c) for c in cols)


def _fewer_columns(toks: list[Tok], printed: tuple[str, ...], cols: tuple[str, ...], expand: bool) -> tuple[str, ...]:
    """The columns a row is read in: the ones its block's header prints, when that is fewer than the
    template's and the row reads in them about as cheaply (a header can be garbled; the numbers decide
    when they clearly disagree)."""
    if printed == cols:
        return cols

    def cost(cs: tuple[str, ...]) -> float:
        kinds = _kinds(cs)
        opts = row_readings(toks, len(cs), expand=expand, kinds=kinds)
        return min((r.cost for r in opts), default=float("inf"))

    # a header that names some columns and leaves others out is evidence too: its columns win unless
    # the row reads in them only by a dearer repair than one join
    mine = cost(printed)
    return printed if mine <= cost(cols) + 1 and mine != float("inf") else cols


_CAPTION_NUMERAL_RE = re.compile(r"\(\s*([一二三四五六七八九十]+)\s*\)")


def _left_out(out: Table2, code: str, ncols: int, why: str) -> None:
    """Every cell of ``code`` not printed, with the note saying why."""
    out.missing.append(code)
    out.not_printed |= {(code, i) for i in range(ncols)}
    out.notes.append(("R-PARSE-NOT-PRINTED", f"{why}; its cells are read as not printed", code, None))


def _numeral(caption: str) -> str:
    m = _CAPTION_NUMERAL_RE.search(caption)
    return m.group(1) if m else ""


def _orphan_rows(toks: list[Tok]) -> list[tuple[str, list[Tok]]]:
    """(word, the numbers after it) for each word that is followed by numbers: a row whose label no
    pattern matched. Header words have no numbers after them, so they give nothing."""
    out: list[tuple[str, list[Tok]]] = []
    for i, t in enumerate(toks):
        if not t.word or t.text.startswith("("):
            continue
        nums: list[Tok] = []
        for u in toks[i + 1:]:
            if u.word:
                break
            nums.append(u)
        if any(u.number for u in nums):
            out.append((t.text, nums))
    return out


def _stand_in(code: str, cols: tuple[str, ...], version: str,
              orphans: dict[str, list[tuple[str, list[Tok]]]]) -> tuple[str, list[Tok]] | None:
    """The orphan row of ``code``'s block that can be its row: the block's only one, with as many
    cells as the row has columns."""
    block = next((b for b in voc.PROACTIVE_LAYOUT[version] if code in b.rows), None)
    if block is None:
        return None
    candidates = orphans.get(_numeral(block.caption.replace("（", "(").replace("）", ")")), [])
    fitting = [(w, ts) for w, ts in candidates if len(ts) == len(cols)]
    if len(fitting) != 1:
        return None
    candidates.remove(fitting[0])
    return fitting[0]


def toks_fixed(toks: list[Tok]) -> bool:
    return all(t.fixed or t.blank for t in toks)


def _soft(code: str, cols: tuple[str, ...], previous: dict | None, version: str) -> list[Form]:
    """Last year's report as evidence for one row (R-T2-INFORCE, R-T2-ITEMS)."""
    if not previous:
        return []
    return [f for p in _soft_plans(code, cols, version) if (f := filled(p, previous, "proactive"))]


@voc.derived
def _soft_plans(code: str, cols: tuple[str, ...], version: str) -> tuple[Plan, ...]:
    """The plans (:data:`~pipeline.ingest.search.Plan`) of the cross-year identities of one row read in
    ``cols`` (an identity with a column the row does not print has none). Cached: only the previous year's
    values differ from report to report."""
    index = {c: i for i, c in enumerate(cols)}
    out = []
    for ident in voc.cross_year_identities(version):
        if ident.table != "proactive" or ident.over != code:
            continue
        if all(t.prev or t.col in index for t in ident.terms):
            out.append((Form(ident.rule, tuple((code, index[t.col], t.coef) for t in ident.terms if not t.prev)),
                        tuple((t.row, t.col, t.coef) for t in ident.terms if t.prev)))
    return tuple(out)


def _row_cells(toks: list[Tok]) -> tuple[list[Tok], list[Tok]]:
    """The cells of a row, and what follows them: after its first number, a word starts something
    else (a local row the template does not have, "其他主动公开文件 5 5 20", or the next heading)."""
    for i, t in enumerate(toks):
        if t.word and any(x.number for x in toks[:i]):
            return [x for x in toks[:i] if not x.word], toks[i:]
    return [x for x in toks if not x.word], []


def _put_back(rows: dict[str, list[Tok]], short: dict[str, int], loose: list[Tok],
              layout: dict[str, tuple[str, ...]], version: str, notes: list[Note]) -> None:
    it = iter(loose)
    for code in layout:
        k = short.get(code, 0)
        if not k:
            continue
        toks = trim_blanks(rows[code], len(layout[code]), leading=False)
        taken = [next(it) for _ in range(k)]
        head, tail = (toks[:-1], toks[-1:]) if toks else ([], [])
        rows[code] = [*head, *taken, *tail]
        label = voc.label("proactive", "row", code, version)
        notes.append(("R-PARSE-REPAIRED", f"table 二 row {label}: {len(toks)} of {len(layout[code])} numbers in the "
                                          f"row; loose number(s) {', '.join(t.raw for t in taken)} printed apart from "
                                          f"the row put back in order", code, None))


# -- narrative figures -----------------------------------------------------------------------------

_FIGURE_RE = re.compile(r"(?<!\d)(\d{1,12})\s*[件个项]")  # from the start of a run: linear on long digits
_CLAUSE_END_RE = re.compile(r"[。;,\n]")
_COL_WORDS: dict[str, tuple[str, ...]] = {
    "issued": ("制发", "印发", "出台", "制定"), "repealed": ("废止", "失效"), "in_force": ("现行有效",),
    "new_made": ("制作",), "new_published": ("新公开",), "total_published": ("公开总", "累计公开"),
    "decisions": ("决定",),
}
_ROW_WORDS: dict[str, tuple[str, ...]] = {
    "rules": ("规章",), "normative_docs": ("规范性文件",), "licensing": ("许可",), "penalties": ("处罚",),
    "coercion": ("强制",),
}


def _narrative_figures(narrative: str) -> list[tuple[str, int]]:
    """(the words before it in its clause, number) for every "N件/个/项" the narrative quotes."""
    out = []
    for m in _FIGURE_RE.finditer(narrative):
        ctx = narrative[max(0, m.start() - 24): m.start()]
        cut = list(_CLAUSE_END_RE.finditer(ctx))
        out.append((ctx[cut[-1].end():] if cut else ctx, int(m.group(1))))
    return out


def _confirmations(row: str, cols: tuple[str, ...], figures: list[tuple[str, int]]) -> Callable[[Values], int]:
    """A reading's score: how many of its cells the narrative quotes (the value, with the row's and
    the column's words before it). The quoted values per column are gathered once per row."""
    rw = _ROW_WORDS.get(row)
    quoted: list[set[int]] = []
    for col in cols:
        cw = _COL_WORDS.get(col)
        quoted.append({n for ctx, n in figures if any(w in ctx for w in cw) and any(w in ctx for w in rw)}
                      if cw and rw else set())

    def score(vals: Values) -> int:
        return sum(1 for q, v in zip(quoted, vals, strict=True) if v is not None and v in q)
    return score


@cache
def _positions(cols: tuple[str, ...]) -> tuple[int | None, ...]:
    """Where the columns the heuristics look at are (None where the row has no such column)."""
    return tuple(cols.index(c) if c in cols else None
                 for c in ("year_change", "prev_year_items", "new_published", "total_published", "in_force", "issued"))


def _plausibility(cols: tuple[str, ...], vals: Values) -> tuple[float, ...]:
    """Heuristics for a reading no identity settles (template.md §6.3): a year's change is usually
    small, new ≤ total, in force ≥ issued; then evenly sized numbers."""
    v = [0 if x is None else x for x in vals]
    change, prev, new, total, in_force, issued = _positions(cols)
    penalty = 0.0
    if change is not None:
        penalty += abs(v[change]) / (1 + abs(0 if prev is None else v[prev]))
    if new is not None and total is not None and v[new] > v[total]:
        penalty += 1
    if in_force is not None and v[in_force] < (0 if issued is None else v[issued]):
        penalty += 1
    lengths = [len(str(int(abs(x)))) for x in v]
    mean = sum(lengths) / len(lengths)
    return (penalty, sum((x - mean) ** 2 for x in lengths))
