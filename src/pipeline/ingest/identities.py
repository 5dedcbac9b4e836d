"""Choosing among the readings of run-together digits with the template's identities (template.md §6).

Why: crawler dumps lose cell boundaries ("713000074" is 71|3|0|0|0|0|74), so a row of digits can be
read several ways. The identities of tables 三 and 四 — row totals (R-T3-ROW), the result total
(R-T3-SUM), the column balance (R-T3-BAL) and the appeal totals (R-T4-SUM) — settle most of them.
A published report may itself break an identity, so readings that satisfy more identities are
preferred but a reading is always produced; when several still fit equally, the most plausible is
kept and the cells that differ between them are reported as ambiguous (never guessed silently).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline import vocabulary as voc
from pipeline.ingest.numbers import Tok, cell_value

Values = tuple[int | float | None, ...]

#: At most this many combinations of ambiguous rows are tried against the column identities.
MAX_COMBINATIONS = 200_000


def count_values(reading: Sequence[Tok]) -> Values:
    return tuple(None if t.blank else cell_value(t.text, "count", "") for t in reading)


def _n(v: int | float | None) -> float:
    return 0 if v is None else v


def row_total_ok(vals: Values) -> bool:
    """R-T3-ROW: 总计 = 自然人 + the five 法人或其他组织 columns."""
    return _n(vals[-1]) == sum(_n(v) for v in vals[:-1])


@dataclass(slots=True)
class Resolution:
    """The chosen reading per row, the (row, column index) cells left ambiguous, and why."""

    chosen: dict[str, list[Tok]]
    ambiguous: set[tuple[str, int]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def _differing(options: Sequence[Values]) -> set[int]:
    return {i for i in range(len(options[0])) if len({o[i] for o in options}) > 1}


def _shown(reading: Sequence[Tok]) -> str:
    return "|".join(t.text or "·" for t in reading)


def resolve_requests(rows: Sequence[str], options: dict[str, list[list[Tok]]], version: str) -> Resolution:
    """Pick one reading per table-三 row: R-T3-ROW first, then R-T3-SUM and R-T3-BAL over columns."""
    res = Resolution({})
    opts: dict[str, list[list[Tok]]] = {}
    for row in rows:
        readings = options[row]
        if len(readings) > 1:
            ok = [r for r in readings if row_total_ok(count_values(r))]
            if ok:
                readings = ok
            else:
                res.warnings.append(
                    f"table 三 row {voc.label('requests', 'row', row, version)}: no reading of its run-together "
                    f"digits satisfies the row total (R-T3-ROW); the printed row may itself be inconsistent"
                )
        opts[row] = readings
    open_rows = [r for r in rows if len(opts[r]) > 1]
    if not open_rows:
        res.chosen = {r: opts[r][0] for r in rows}
        return res

    fixed = {r: count_values(opts[r][0]) for r in rows if r not in open_rows}
    combos = 1
    for r in open_rows:
        combos *= len(opts[r])
    best: list[tuple[int, ...]] = []
    if combos <= MAX_COMBINATIONS:
        best_score = -1
        result_rows = [r for r in rows if r not in ("new_received", "carried_over", "total", "carry_forward")]
        open_vals = [[count_values(rd) for rd in opts[r]] for r in open_rows]
        for combo in itertools.product(*(range(len(opts[r])) for r in open_rows)):
            vals = dict(fixed)
            for r, rv, i in zip(open_rows, open_vals, combo, strict=True):
                vals[r] = rv[i]
            score = _t3_column_score(vals, result_rows)
            if score > best_score:
                best_score, best = score, [combo]
            elif score == best_score:
                best.append(combo)
    else:
        best = list(itertools.product(*(range(len(opts[r])) for r in open_rows)))[:1]
        res.warnings.append("table 三: too many readings of run-together digits to check against the column identities")

    for k, r in enumerate(open_rows):
        picks = sorted({combo[k] for combo in best})
        readings = [opts[r][i] for i in picks]
        readings.sort(key=lambda rd: _plausibility(count_values(rd)))
        res.chosen[r] = readings[0]
        if len(readings) > 1:
            cols = _differing([count_values(rd) for rd in readings])
            res.ambiguous |= {(r, c) for c in cols}
            res.warnings.append(
                f"table 三 row {voc.label('requests', 'row', r, version)}: digits run together and "
                f"{len(readings)} readings fit the identities equally ({', '.join(_shown(x) for x in readings[:4])}"
                f"{' …' if len(readings) > 4 else ''}); kept {_shown(readings[0])}, cells marked ambiguous"
            )
    for r in rows:
        res.chosen.setdefault(r, opts[r][0])
    return res


def _t3_column_score(vals: dict[str, Values], result_rows: Sequence[str]) -> int:
    """How many of the 14 column identities (R-T3-BAL and R-T3-SUM for 7 columns) hold."""
    score = 0
    new, carried, total, carry = vals["new_received"], vals["carried_over"], vals["total"], vals["carry_forward"]
    for c in range(7):
        if _n(new[c]) + _n(carried[c]) == _n(total[c]) + _n(carry[c]):
            score += 1
        if _n(total[c]) == sum(_n(vals[r][c]) for r in result_rows):
            score += 1
    return score


def _plausibility(vals: Values) -> tuple[float, ...]:
    """Among readings that fit equally: prefer small, evenly sized numbers (an arbitrary but stable
    choice; the cells stay marked ambiguous)."""
    nums = [abs(_n(v)) for v in vals]
    return (max(nums), sum(nums))


def resolve_flat(readings: list[list[Tok]], score: Callable[[Values], int],
                 plausibility: Callable[[Values], tuple[float, ...]] = _plausibility) -> tuple[list[Tok], set[int], int]:
    """Pick a reading of a flat sequence (table 四, a table-二 row): the best ``score`` wins; ties go
    to ``plausibility`` and the cells that differ among the tied readings come back as ambiguous."""
    values = [count_or_amount(r) for r in readings]
    scores = [score(v) for v in values]
    top = max(scores)
    tied = [(r, v) for r, v, s in zip(readings, values, scores, strict=True) if s == top]
    tied.sort(key=lambda rv: plausibility(rv[1]))
    amb = _differing([v for _, v in tied]) if len(tied) > 1 else set()
    return tied[0][0], amb, len(tied)


def count_or_amount(reading: Sequence[Tok]) -> Values:
    return tuple(None if t.blank else cell_value(t.text, "amount", "") for t in reading)


def appeals_score(vals: Values) -> int:
    """R-T4-SUM: how many of the three groups (复议, 直接起诉, 复议后起诉) add up."""
    return sum(1 for g in range(3) if _n(vals[g * 5 + 4]) == sum(_n(v) for v in vals[g * 5: g * 5 + 4]))
