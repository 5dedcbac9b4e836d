"""Readings of one printed row: every way its tokens can be the template's ``n`` cells, with a cost.

Why a cost: what reaches us is the table as printed and then damaged on its way (template.md §8,
corpus/kinds). A row whose tokens are exactly its cells is read as printed (cost 0). Otherwise the
row is re-assembled by the repairs real copies need, each with a price that says how strong a claim
it makes about the print:

* **split** — digits run together ("3000003" → 3·0·0·0·0·0·3). Free only where cell boundaries were
  lost anyway (a token glued to others, or sharing a line); a number standing alone on its line is
  one cell in page text, so splitting it costs :data:`COST_SPLIT_ALONE`;
* **join** — a number broken over two lines or cells ("1\\n62" → 162): 1 per join;
* **expand** — a run of equal cells printed once (crawlers drop a line equal to the previous line:
  3·2·0·0·0·0·5 prints ``3 2 0 5``; an all-zero row prints one ``0``): 1 per number expanded. Only a
  number alone on its line can have lost its repeats, and only in a row where no two printed
  neighbours are equal (such a row was not de-duplicated);
* **blank** — a cell printed empty whose boundary was lost (six digits for seven cells): 1 per blank
  where boundaries were lost, :data:`COST_BLANK_ALONE` in a row printed one cell per line.

:func:`row_readings` returns the readings of the cheapest cost and the next one, so that the table's
identities can prefer a dearer reading that makes them hold; the table readers choose among them
(``pipeline.ingest.search``).
"""

from __future__ import annotations

import itertools
import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.ingest.numbers import NUMBER_RE, Tok, readings, trim_blanks

COST_SPLIT_ALONE = 2
COST_BLANK_ALONE = 2
#: Leaving out a printed number is a strong claim: only when the row's identities want it.
COST_SKIP = 2
#: At most this many blanks are inserted into one row, and this many numbers joined or expanded.
MAX_BLANKS = 2
MAX_JOINS = 3
MAX_EXPANDED = 4
#: Beyond this many digits per cell in the free runs of a row, or this many printed tokens, a row is
#: not re-assembled (a garbled or hostile row would take long and no repair is plausible).
MAX_RUN_DIGITS = 20
#: A row whose print splits more than this many ways is not searched for blanks as well.
SHORT_LIMIT = 500
MAX_TOKENS = 64
#: At most this many readings of one row are kept (a hostile or garbled row is not searched further).
LIMIT = 20_000


@dataclass(slots=True)
class Reading:
    """One reading of a printed row: its ``n`` cells, what it cost, and the repairs it made."""

    cells: list[Tok]
    cost: int = 0
    repairs: list[str] = field(default_factory=list)
    #: Tie-break among readings of equal cost (smaller first): where an inserted blank sits — in a gap
    #: between two printed numbers (a blank cell leaves a space: 0), at the row's edge (1), inside a run
    #: of digits (2).
    prior: int = 0


def _split_cost(toks: list[Tok], cells: list[Tok]) -> int:
    """What the splits of a reading cost: :data:`COST_SPLIT_ALONE` for each alone number cut (the
    cells cut from one token share its ``end``, as do the repeats restored by an expansion)."""
    if len(cells) == len(toks) or not any(t.alone for t in toks):
        return 0
    printed = Counter(t.end for t in toks)
    read = Counter(c.end for c in cells)
    return COST_SPLIT_ALONE * sum(1 for e in {t.end for t in toks if t.alone and t.number} if read[e] > printed[e])


def _exact(toks: list[Tok], n: int, limit: int) -> list[Reading]:
    out = []
    for cells in readings(toks, n, limit=limit):
        cost = _split_cost(toks, cells)
        # run-together digits split where boundaries were lost anyway is reading, not repairing
        out.append(Reading(cells, cost, ["a number standing alone on its line split"] if cost else []))
    return out


def _joins(toks: list[Tok], n: int) -> list[Reading]:
    """Readings that join ``len(toks) - n`` numbers broken over lines or cells with their neighbour."""
    extra = len(toks) - n
    if extra < 1 or extra > MAX_JOINS:
        return []
    gaps = [i for i in range(len(toks) - 1) if toks[i].number and toks[i + 1].number]
    out = []
    for chosen in itertools.combinations(gaps, extra):
        if any(b - a == 1 for a, b in itertools.pairwise(chosen)):
            continue  # a number is broken in two pieces, not three
        cells: list[Tok] = []
        joined: list[str] = []
        cut = set(chosen)
        i = 0
        while i < len(toks):
            t = toks[i]
            text, note, end = t.text, t.note, t.end
            parts = [t.raw]
            while i in cut:
                i += 1
                text, note, end = text + toks[i].text, note + toks[i].note, toks[i].end
                parts.append(toks[i].raw)
            if len(parts) > 1:
                if NUMBER_RE.match(text) is None or (len(text) > 1 and text[0] == "0" and text[1] != "."):
                    break
                joined.append("+".join(parts) + f" → {text}")
            # a joined number is re-assembled, not printed whole: a sign inside it is no cell's own
            cells.append(Tok(text, False, False, note, False, end, False) if len(parts) > 1 else t)
            i += 1
        else:
            out.append(Reading(cells, extra, [f"number broken over lines joined: {', '.join(joined)}"]))
    return out


def _expandable(toks: list[Tok]) -> list[int]:
    """Positions of numbers that may have lost repeats (alone on their line, no equal neighbour)."""
    printed = [t for t in toks if not t.blank]
    if any(a.text == b.text for a, b in itertools.pairwise(printed)):
        return []  # a row printing two equal neighbours was not de-duplicated
    return [i for i, t in enumerate(toks) if t.alone and t.number]


def _expansions(toks: list[Tok], extra: int, expand: bool) -> list[tuple[list[Tok], int, list[str]]]:
    """Token lists with ``extra`` repeats restored, over at most :data:`MAX_EXPANDED` numbers."""
    out: list[tuple[list[Tok], int, list[str]]] = [(toks, 0, [])]
    if extra <= 0 or not expand:
        return out
    where = _expandable(toks)
    for k in range(1, min(MAX_EXPANDED, len(where), extra) + 1):
        for pos in itertools.combinations(where, k):
            # compositions of ``extra`` into k positive parts
            for bars in itertools.combinations(range(1, extra), k - 1):
                sizes = [b - a for a, b in zip((0, *bars), (*bars, extra), strict=True)]
                rep = dict(zip(pos, sizes, strict=True))
                new: list[Tok] = []
                for i, t in enumerate(toks):
                    new.append(t)
                    new.extend(Tok(t.text, False, True, "", False, t.end, False) for _ in range(rep.get(i, 0)))
                shown = ", ".join(f"{toks[i].text}×{rep[i] + 1}" for i in pos)
                out.append((new, 1, [f"equal cells printed once, repeated: {shown}"]))
    return out


def _blank_prior(row: list[Tok]) -> int:
    prior = 0
    for k, t in enumerate(row):
        if not (t.blank and t.text == "" and t.fixed and not t.alone and t.note == "\x00"):
            continue
        before = next((x for x in reversed(row[:k]) if x.note != "\x00"), None)
        after = next((x for x in row[k + 1:] if x.note != "\x00"), None)
        if before is None or after is None:
            prior += 1
        elif before.end == after.end:
            prior += 2
    return prior


def _insert_blanks(cells: list[Tok], n: int, b: int) -> list[list[Tok]]:
    if b == 0:
        return [cells]
    out = []
    for pos in itertools.combinations(range(n), b):
        it = iter(cells)
        end = cells[0].end if cells else 0
        row = []
        for k in range(n):
            if k in pos:
                row.append(Tok("", True, True, "\x00", False, end, False))
            else:
                t = next(it)
                end = t.end
                row.append(t)
        out.append(row)
    return out


def _short(toks: list[Tok], n: int, limit: int, expand: bool) -> list[Reading]:
    """Readings of a row printing fewer cells than ``n``: repeats restored, blanks inserted, splits."""
    alone_row = bool(toks) and all(t.alone or t.blank for t in toks)
    blank_cost = COST_BLANK_ALONE if alone_row else 1
    out: list[Reading] = []
    for b in range(0, MAX_BLANKS + 1):
        if n - b < 1 or not any(t.number for t in toks):
            break
        for expanded, cost, why in _expansions(toks, n - b - len(toks), expand):
            if len(expanded) > n - b:
                continue
            for r in _exact(expanded, n - b, SHORT_LIMIT):  # a long run: too many ways to place blanks
                for cells in _insert_blanks(r.cells, n, b):
                    repairs = why + r.repairs + ([f"{b} blank cell(s) among run-together digits"] if b else [])
                    prior = _blank_prior(cells)
                    for t in cells:
                        if t.note == "\x00":
                            t.note = ""
                    out.append(Reading(cells, cost + r.cost + b * blank_cost, repairs, prior))
                if len(out) > limit:
                    return out
    return [r for r in out if r.cost > 0]


def _fits(cells: list[Tok], kinds: tuple[str, ...] | None) -> bool:
    """Every cell a value its column can hold: a sign only in a signed column (v2019 本年增/减),
    decimals only in an amount column."""
    if kinds is None:
        return True
    for t, kind in zip(cells, kinds, strict=True):
        if t.blank:
            continue
        if t.text.isdecimal():  # digits only (the common case): a number, unsigned, whole
            if len(t.text) > 1 and t.text[0] == "0":
                return False  # see below
            continue
        if NUMBER_RE.match(t.text) is None:
            return False  # "2,0" is no number: a broken thousands group belongs to its neighbour
        digits = t.text.lstrip("+-")
        if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
            return False  # "0005426.64" is no cell: a leading zero belongs to a number broken before it
        printed_whole = t.fixed or t.alone  # as printed: a sign or decimals there are the agency's (validation judges)
        if kind != "signed_count" and t.text[:1] in "+-" and not printed_whole:
            return False
        if kind != "amount" and "." in t.text and not printed_whole:
            return False
    return True


def row_readings(toks: list[Tok], n: int, *, expand: bool = False, kinds: tuple[str, ...] | None = None,
                 accept: Callable[[list[Tok]], bool] | None = None, limit: int = LIMIT) -> list[Reading]:
    """The readings of a printed row as ``n`` cells, of the cheapest cost and the next (``[]`` when the
    row cannot be read as ``n`` cells by any repair). ``expand``: the text was de-duplicated line by
    line (:func:`deduplicated`), so equal cells may have been printed once. ``kinds``: each column's
    value kind (``count``, ``signed_count``, ``amount``; default all counts). ``accept``: the row's
    own identities (its total); when no reading of the print as it stands satisfies them, the repaired
    readings are searched too (a blank inside run-together digits that still leaves seven digits)."""
    if not toks:
        return []
    kinds = kinds or ("count",) * n
    if len(toks) == n and not any(t.cont for t in toks) and _fits(toks, kinds) and (accept is None or accept(toks)):
        return [Reading(list(toks))]  # the common case: the print is the row
    if sum(len(t.text) for t in toks if not (t.fixed or t.blank)) > MAX_RUN_DIGITS * n or len(toks) > MAX_TOKENS:
        # far more digits or tokens than any row of the template holds: read only as printed
        return [r for r in _exact(toks, n, limit) if _fits(r.cells, kinds)][:1]
    # the readings without blank cells before the row first: the cheapest of them bounds the cost of any
    # reading _best can keep, so the dearer repairs (joins) need not be tried below
    before = _without_blanks_before(toks, n, expand, kinds, accept, limit)
    most = min(r.cost for r in before) + 1 if before else None
    found = []
    for variant in _line_variants(toks):
        trimmed = trim_blanks(variant, n, leading=False)
        dropped = sum(1 for t in variant[len(trimmed):] if t.alone)
        price = COST_BLANK_ALONE * dropped
        for r in _row_readings(trimmed, n, expand, limit, kinds, accept, None if most is None else most - price):
            # (no note: the blank line after a table's last row is page furniture, not news to a clerk)
            found.append(Reading(r.cells, r.cost + price, r.repairs, r.prior) if price else r)
        if price:  # in page text a blank line is a cell: keeping it may take a join before it
            found += _row_readings(variant, n, expand, limit, kinds, accept, most)
    return _best(found + before)


def _without_blanks_before(toks: list[Tok], n: int, expand: bool, kinds: tuple[str, ...],
                           accept: Callable[[list[Tok]], bool] | None, limit: int) -> list[Reading]:
    """The readings of a row printing blank cells before its own without them, priced (``[]`` when there
    are none to drop)."""
    toks = trim_blanks(toks, n, leading=False)
    if not (len(toks) > n and toks[0].blank):
        return []
    # blank cells before the row's: converter debris (an empty group cell of a rowspan) where cells
    # are explicit; in page text a blank line is a cell, and dropping it is a dear repair
    trimmed = trim_blanks(toks, n)
    dropped = len(toks) - len(trimmed)
    if not dropped:
        return []
    price = COST_BLANK_ALONE * sum(1 for t in toks[:dropped] if t.alone)
    return [Reading(r.cells, r.cost + price, [*r.repairs, f"{dropped} blank cell(s) before the row dropped"]
                    if price else r.repairs, r.prior)
            for r in row_readings(trimmed, n, expand=expand, kinds=kinds, accept=accept, limit=limit)]


def _best(found: list[Reading]) -> list[Reading]:
    """The readings of the cheapest cost and the next, each distinct reading once."""
    if not found:
        return []
    low = min(r.cost for r in found)
    out, seen = [], set()
    for r in sorted(found, key=lambda r: r.cost):
        sig = tuple(t.text for t in r.cells)
        if r.cost <= low + 1 and sig not in seen:
            seen.add(sig)
            out.append(r)
    return out


def _line_variants(toks: list[Tok]) -> list[list[Tok]]:
    """The token list as printed, and with each run of digits that a line break cut (``cont``) joined
    again: in crawler text the break may or may not be a cell boundary (at most 3 such breaks)."""
    breaks = [i for i, t in enumerate(toks) if t.cont and i][:3]
    if not breaks:
        return [toks]
    out = []
    for k in range(len(breaks) + 1):
        for chosen in itertools.combinations(breaks, k):
            cut = set(chosen)
            variant: list[Tok] = []
            for i, t in enumerate(toks):
                if i in cut:
                    a = variant.pop()
                    variant.append(Tok(a.text + t.text, False, False, a.note + t.note, False, t.end, False))
                else:
                    variant.append(t)
            out.append(variant)
    return out


def _skips(toks: list[Tok], n: int, most: int | None = None) -> list[Reading]:
    """Readings without one stray number (a page number, a figure of a sentence) — or, for a row
    printed twice, without its second copy. ``most``: as for :func:`_row_readings`."""
    out = []
    if n >= 3 and len(toks) == 2 * n and [t.text for t in toks[:n]] == [t.text for t in toks[n:]]:
        out.append(Reading(list(toks[:n]), 1, ["the row is printed twice; the second copy skipped"]))
    if len(toks) == n + 1 and (most is None or most >= COST_SKIP):
        for i, t in enumerate(toks):
            if t.number:
                out.append(Reading(toks[:i] + toks[i + 1:], COST_SKIP, [f"a stray number ({t.raw}) skipped"]))
    return out


def _row_readings(toks: list[Tok], n: int, expand: bool, limit: int, kinds: tuple[str, ...],
                  accept: Callable[[list[Tok]], bool] | None, most: int | None = None) -> list[Reading]:
    """The readings of one token list. ``most``: a cost no reading the caller keeps exceeds — joins
    (each costs one per number joined) and skips dearer than that are not tried."""
    found = [r for r in _exact(toks, n, limit) if _fits(r.cells, kinds)]
    if len(toks) > n:
        if most is None or len(toks) - n <= most:
            found += [r for r in _joins(toks, n) if _fits(r.cells, kinds)]
        found += [r for r in _skips(toks, n, most) if _fits(r.cells, kinds)]
    as_printed = [r for r in found if r.cost == 0]
    if not as_printed or (accept is not None and not any(accept(r.cells) for r in as_printed)):
        found += [r for r in _short(toks, n, limit, expand) if _fits(r.cells, kinds)]
    return found


def deduplicated(text: str) -> bool:
    """Whether a table region looks de-duplicated line by line (a crawler dropped every line equal to
    the line before): many lines holding one number, and never two equal lines in a row. Text that
    was not de-duplicated prints runs of equal cells (``0``, ``0``) on consecutive lines."""
    lines = list(filter(None, map(str.strip, text.split("\n"))))
    if any(map(operator.eq, lines, lines[1:])):  # the cheap test first: most text fails it early
        return False
    return sum(1 for ln in lines if NUMBER_RE.match(ln)) >= 20
