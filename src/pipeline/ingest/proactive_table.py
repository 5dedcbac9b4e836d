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
from functools import cache

from pipeline import vocabulary as voc
from pipeline.ingest import labels as lb
from pipeline.ingest.errors import IngestError
from pipeline.ingest.identities import Values, resolve_flat
from pipeline.ingest.numbers import Tok, readings, tokenize, trim_blanks


@dataclass(slots=True)
class Table2:
    rows: dict[str, list[Tok]]
    ambiguous: set[tuple[str, int]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)



def read_proactive(text: str, start: int, end: int, version: str, narrative: str, name: str) -> Table2:
    layout = {r: voc.row_cols("proactive", version, r) for b in voc.PROACTIVE_LAYOUT[version] for r in b.rows}
    marks: list[tuple[int, int, str | None]] = []  # (start, end, row code or None for a caption)
    for m in lb.T2_ROW_RE.finditer(text, start, end):
        marks.append((m.start(), m.end(), lb.row_code("proactive", m.lastgroup or "")))
    for m in lb.T2_CAPTION_RE.finditer(text, start, end):
        marks.append((m.start(), m.end(), None))
    marks.sort()
    segs: dict[str, list[list[Tok]]] = {}
    loose: list[Tok] = []
    bounds = [(start, start, None), *marks]
    extra: list[str] = []
    for i, (_s, e, code) in enumerate(bounds):
        seg_end = bounds[i + 1][0] if i + 1 < len(bounds) else end
        toks = tokenize(text[e:seg_end], base=e, words=True)
        if code is None:
            loose += [t for t in toks if t.number]
            continue
        row, rest = _row_cells(toks)
        segs.setdefault(code, []).append(row)
        if any(t.number for t in rest):
            extra.append(" ".join(t.raw for t in rest if not t.blank))

    out = Table2({})
    out.warnings += [f"table 二: a row the template does not have ({x}) ignored" for x in extra]
    rows: dict[str, list[Tok]] = {}
    for code, n in ((r, len(c)) for r, c in layout.items()):
        cands = segs.get(code)
        if not cands:
            raise IngestError(name, f"table 二 is incomplete: row {voc.label('proactive', 'row', code, version)} not found")
        rows[code] = trim_blanks(next((c for c in cands if any(t.number for t in c)), cands[0]), n)

    short = {r: len(layout[r]) - len(t) for r, t in rows.items() if len(t) < len(layout[r])}
    fixed_short = {r: k for r, k in short.items() if all(t.fixed or t.blank for t in rows[r])}
    if short and loose and sum(short.values()) == len(loose):
        _put_back(rows, short, loose, layout, version, out.warnings)
        short = {}
    elif fixed_short:
        r = next(iter(fixed_short))
        raise IngestError(name, f"table 二 is incomplete: row {voc.label('proactive', 'row', r, version)} has "
                                f"{len(rows[r])} of its {len(layout[r])} numbers")

    figures: list[tuple[str, int]] | None = None
    for code, toks in rows.items():
        cols = layout[code]
        if len(toks) > len(cols):
            raise IngestError(name, f"table 二 row {voc.label('proactive', 'row', code, version)} has {len(toks)} "
                                    f"numbers where the template has {len(cols)}")
        if len(toks) == len(cols):
            out.rows[code] = toks
            continue
        opts = readings(toks, len(cols))
        if not opts:
            raise IngestError(name, f"table 二 row {voc.label('proactive', 'row', code, version)}: its digits "
                                    f"cannot be read as {len(cols)} numbers")
        if figures is None:
            figures = _narrative_figures(narrative)
        chosen, amb, n = resolve_flat(opts, _confirmations(code, cols, figures), lambda v, cs=cols: _plausibility(cs, v))
        out.rows[code] = chosen
        out.ambiguous |= {(code, i) for i in amb}
        label = voc.label("proactive", "row", code, version)
        shown = "|".join(t.text for t in chosen)
        if n > 1:
            out.warnings.append(f"table 二 row {label}: digits run together and {n} readings remain "
                                f"(no identity constrains this table); kept {shown}, cells marked ambiguous")
        elif len(opts) > 1:
            out.warnings.append(f"table 二 row {label}: run-together digits read as {shown} (settled by the narrative)")
    return out


def _row_cells(toks: list[Tok]) -> tuple[list[Tok], list[Tok]]:
    """The cells of a row, and what follows them: after its first number, a word starts something
    else (a local row the template does not have, "其他主动公开文件 5 5 20", or the next heading)."""
    for i, t in enumerate(toks):
        if t.word and any(x.number for x in toks[:i]):
            return [x for x in toks[:i] if not x.word], toks[i:]
    return [x for x in toks if not x.word], []


def _put_back(rows: dict[str, list[Tok]], short: dict[str, int], loose: list[Tok],
              layout: dict[str, tuple[str, ...]], version: str, warnings: list[str]) -> None:
    it = iter(loose)
    for code in layout:
        k = short.get(code, 0)
        if not k:
            continue
        toks = rows[code]
        taken = [next(it) for _ in range(k)]
        head, tail = (toks[:-1], toks[-1:]) if toks else ([], [])
        rows[code] = [*head, *taken, *tail]
        label = voc.label("proactive", "row", code, version)
        warnings.append(f"table 二 row {label}: {len(toks)} of {len(layout[code])} numbers in the row; loose "
                        f"number(s) {', '.join(t.raw for t in taken)} printed apart from the row put back in order")


# -- narrative figures -----------------------------------------------------------------------------

_FIGURE_RE = re.compile(r"(\d+)\s*[件个项]")
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
