"""Arithmetic on the declared identities (:func:`pipeline.vocabulary.identities`) over cell values held
by key — (table, row, col) → value, a missing key being unknown.

Used where one report's values are at hand as a mapping: the generator completes its reports from the
forms (every total is whatever its form makes it), the parser derives a blank total from them.
A previous-year term reads ``previous`` (a blank or missing cell there counts as 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from pipeline.vocabulary import Identity, Term

Key = tuple[str, str, str]
Number = int | float


def key(ident: Identity, term: Term) -> Key:
    """The cell a term names (in its own year's report)."""
    return (ident.table, term.row, term.col)


def _number(x: float) -> Number:
    return round(x) if abs(x - round(x)) <= 1e-9 else x


def residual(ident: Identity, value: Callable[[Key], Number | None],
             previous: Mapping[Key, Number | None] | None = None) -> float:
    """Σ coef·value of the form (0 when it holds); blank (None) cells count as 0."""
    prev = previous or {}
    return sum(t.coef * ((prev.get(key(ident, t)) if t.prev else value(key(ident, t))) or 0) for t in ident.terms)


def implied(ident: Identity, cell: Key, value: Callable[[Key], Number | None],
            previous: Mapping[Key, Number | None] | None = None) -> Number:
    """The value of this-year cell ``cell`` that makes the form hold: −(Σ coef·other terms) / coef."""
    term = next(t for t in ident.terms if not t.prev and key(ident, t) == cell)
    rest = residual(ident, lambda k: 0 if k == cell else value(k), previous)
    return _number(-rest / term.coef)


def holds(ident: Identity, value: Callable[[Key], Number | None],
          previous: Mapping[Key, Number | None] | None = None) -> bool:
    return abs(residual(ident, value, previous)) <= 1e-6


def complete(values: dict[Key, Number], forms: Iterable[Identity],
             previous: Mapping[Key, Number | None] | None = None) -> dict[Key, Number]:
    """Fill in, in place, every cell a form determines: while a form has exactly one this-year cell not
    in ``values``, that cell is set to the value that makes the form hold. Returns ``values``."""
    pending = list(forms)
    progress = True
    while progress and pending:
        progress = False
        for ident in list(pending):
            unknown = {key(ident, t) for t in ident.terms if not t.prev and key(ident, t) not in values}
            if len(unknown) > 1:
                continue
            pending.remove(ident)
            if unknown:
                (cell,) = unknown
                values[cell] = implied(ident, cell, values.get, previous)
                progress = True
    return values
