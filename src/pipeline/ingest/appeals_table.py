"""Table 四 (行政复议、行政诉讼): one row of 15 numbers in a fixed order.

Why no labels: the header of this table is broken in every converted copy ("结 结 其 尚 / 果 果 他
未…", split into three tables, scrambled), but the 15 numbers always come in template order
(template.md §5). So the numbers after the table's title are taken in order, skipping header words,
until a word that is not part of the header (the next section) ends the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from pipeline import vocabulary as voc
from pipeline.ingest import labels as lb
from pipeline.ingest.errors import IngestError
from pipeline.ingest.numbers import Tok, cell_value, lone_word, readings, shown, tokenize
from pipeline.ingest.reading import Reading, row_readings
from pipeline.ingest.search import Form, choose

NCELLS = 15
#: A number glued to one of these on its right is a figure of a sentence ("2023年", "3件"), not a cell.
_COUNTER_RE = re.compile(r"^[年月日件个项条人次名余%]")

Note = tuple[str, str, str | None, int | None]


@dataclass(slots=True)
class Table4:
    cells: list[Tok]
    candidates: dict[int, list] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    end: int = 0
    printed: bool = True


def not_printed_appeals(at: int, why: str = "the report prints no table 四") -> Table4:
    """Table 四 with every cell not printed (a report stating in words that nothing happened)."""
    blank = [Tok("", True, True, "", False, at) for _ in range(NCELLS)]
    return Table4(blank, notes=[("R-PARSE-NOT-PRINTED", f"{why}; its cells are read as not printed", None, None)],
                  end=at, printed=False)


def _header_word(word: str) -> bool:
    return lb.T4_HEADER_CHARS.issuperset(word)


def _tokens(text: str, start: int) -> Iterator[Tok]:
    """Tokens (with words) of the text from ``start``, a line at a time (the table is short; the
    rest of the report need not be tokenised). Numbers that belong to a sentence — glued on the right
    to a counter ("2023年，未发生…", "3件") — are dropped."""
    pos = start
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        if end == pos:  # an empty line: no token (page text prints one between any two cells)
            pos += 1
            continue
        line = text[pos:end]
        if line.isdecimal():  # one number alone on its line (page text): what tokenize() makes of it
            yield Tok(line, False, False, "", False, end, True)
            pos = end + 1
            continue
        if lone_word(line):  # a header word, or the heading after the table: what tokenize() makes of it
            yield Tok(line, False, True, "", True, end)
            pos = end + 1
            continue
        toks = tokenize(line, words=True, edge_cells=True, base=pos)
        for i, t in enumerate(toks):
            if t.number and not t.fixed:
                right = toks[i + 1] if i + 1 < len(toks) else None
                if right is not None and right.word and right.end - len(right.text) == t.end and \
                        _COUNTER_RE.match(right.text):
                    continue
            yield t
        pos = end + 1


@cache
def forms() -> tuple[Form, ...]:
    """R-T4-SUM as forms over the 15 cells of the table read as one row ``t4``."""
    rows, cols = voc.rows("appeals", "v2021"), voc.cols("appeals", "v2021")
    out = []
    for ident in voc.identities("v2021"):
        if ident.table == "appeals":
            out.append(Form(ident.rule, tuple(("t4", rows.index(t.row) * 5 + cols.index(t.col), t.coef)
                                              for t in ident.terms)))
    return tuple(out)


def read_appeals(text: str, start: int, name: str, *, expand: bool = False) -> Table4:
    """The 15 cells of table 四 from ``start`` (its anchor). Raises :class:`IngestError` only when the
    document ends inside the table (a truncated page)."""
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
        elif not readings(toks, NCELLS) and not lb.AFTER_T4_RE.search(text, start):
            # the document ends inside the table: a truncated page (a report that goes on to its
            # sections 五/六 printed table 四 as a sentence, or not at all)
            raise IngestError(name, f"table 四 is incomplete: {sum(1 for t in toks if t.number)} of its 15 numbers "
                                    f"found before the document ends")
    while len(toks) > NCELLS and toks[-1].blank:
        toks.pop()
    found = sum(1 for t in toks if t.number)
    if not found and len(toks) < NCELLS:
        return not_printed_appeals(start, "table 四 prints no numbers")
    sums = forms()
    opts = row_readings(toks, NCELLS, expand=expand,
                        accept=lambda cells: all(_holds(f, cells) for f in sums))
    if not opts:
        blank = [Tok("", True, True, "", False, start) for _ in range(NCELLS)]
        return Table4(blank, notes=[("R-PARSE-UNREAD", f"table 四: its printed numbers ({shown(toks)}) cannot be "
                                                       f"read as 15 cells; left blank", None, None)], end=toks[-1].end)
    choice = choose({"t4": opts}, forms(), plausibility=lambda _r, v: _plausibility(v))
    reading: Reading = choice.chosen["t4"]
    out = Table4(reading.cells, end=reading.cells[-1].end)
    if reading.repairs:
        read_as = "|".join(t.text or "·" for t in reading.cells)
        out.notes.append(("R-PARSE-REPAIRED", f"table 四: {'; '.join(reading.repairs)} (read as {read_as})", None, None))
    out.candidates = {i: c for (_r, i), c in choice.candidates.items()}
    if choice.tied:
        out.notes.append(("R-PARSE-AMBIGUOUS", f"table 四: {choice.tied['t4']} readings fit R-T4-SUM equally; "
                                               f"{len(out.candidates)} cell(s) marked ambiguous", None, None))
    return out


def _holds(form: Form, cells: list[Tok]) -> bool:
    vals = [0 if t.blank else cell_value(t.text, "count", "") or 0 for t in cells]
    return sum(c * vals[i] for _r, i, c in form.terms) == 0


def _plausibility(vals: tuple) -> tuple[float, ...]:
    nums = [abs(0 if v is None else v) for v in vals]
    return (max(nums), sum(nums))
