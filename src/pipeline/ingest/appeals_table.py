"""Table 四 (行政复议、行政诉讼): one row of 15 numbers in a fixed order.

Why no labels: the header of this table is broken in every converted copy ("结 结 其 尚 / 果 果 他
未…", split into three tables, scrambled), but the 15 numbers always come in template order
(template.md §5). So the numbers after the table's title are taken in order, skipping header words,
until a word that is not part of the header (the next section) ends the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.ingest import labels as lb
from pipeline.ingest.errors import IngestError
from pipeline.ingest.identities import appeals_score, resolve_flat
from pipeline.ingest.numbers import Tok, readings, tokenize

NCELLS = 15


@dataclass(slots=True)
class Table4:
    cells: list[Tok]
    ambiguous: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    end: int = 0


def _header_word(word: str) -> bool:
    return all(ch in lb.T4_HEADER_CHARS for ch in word)


def _tokens(text: str, start: int) -> Iterator[Tok]:
    """Tokens (with words) of the text from ``start``, a line at a time (the table is short; the
    rest of the report need not be tokenised)."""
    pos = start
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        yield from tokenize(text[pos:end], words=True, edge_cells=True, base=pos)
        pos = end + 1


def read_appeals(text: str, start: int, name: str) -> Table4:
    toks: list[Tok] = []
    pending: list[Tok] = []  # blank cells before the first number: cells, unless a header word follows
    started = done = False
    for t in _tokens(text, start):
        if t.word:
            header = _header_word(t.text)
            if started and not header:
                done = True
            elif not header and len(pending) >= NCELLS:
                toks, done = pending, True  # a table of blank cells only, ended by the next section
            else:
                pending.clear()
        elif t.blank and not started:
            pending.append(t)
        else:
            if not started:
                started = True
                toks += pending
            toks.append(t)
            done = len(toks) >= NCELLS and all(x.fixed or x.blank for x in toks)
        if done:
            break
    else:
        if not started and len(pending) >= NCELLS:
            toks = pending
    while len(toks) > NCELLS and toks[-1].blank:
        toks.pop()
    found = sum(1 for t in toks if t.number)
    if not toks or (len(toks) < NCELLS and all(t.fixed or t.blank for t in toks)):
        raise IngestError(name, f"table 四 is incomplete: {found} of its 15 numbers found")
    if len(toks) > NCELLS:
        raise IngestError(name, f"table 四 has {len(toks)} numbers where the template has 15")
    opts = readings(toks, NCELLS)
    if not opts:
        raise IngestError(name, f"table 四 is incomplete: its digits cannot be read as 15 numbers ({found} found)")
    cells, amb, n = resolve_flat(opts, appeals_score)
    warnings = []
    if n > 1:
        warnings.append(f"table 四: digits run together and {n} readings fit R-T4-SUM equally; cells marked ambiguous")
    return Table4(cells, amb, warnings, cells[-1].end)
