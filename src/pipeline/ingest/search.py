"""Choosing a table's reading: a search over its rows' readings for the ones its identities support.

Why a search: each printed row may admit several readings (``pipeline.ingest.reading``), and the
template's identities (template.md §6: row totals, result sums, column balances, table-四 totals) tie
the rows together. A combination of one reading per row is ranked by

1. how many **hard** identities hold (a published report may break some: its printed values still
   come back, and validation reports the break);
2. the total **cost** of the repairs it makes (the print as it stands beats a re-assembled one);
3. how much **soft** evidence confirms it — figures quoted in the narrative, and the same agency's
   previous-year report (this year's 上年结转 = last year's 结转下年度; last year's 现行有效 + 本年制发
   − 本年废止 = this year's 现行有效).

Combinations that tie on all three are equally good readings of the text: the cells that differ
among them are ambiguous, each with every value it takes (a blank and a 0 are the same figure), and
the most plausible combination supplies the value shown.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.ingest.numbers import Tok, cell_value
from pipeline.ingest.reading import Reading

Value = int | float | None
Values = tuple[Value, ...]

#: At most this many combinations are searched exhaustively; beyond, a local search.
MAX_COMBINATIONS = 100_000


@dataclass(frozen=True, slots=True)
class Form:
    """A linear identity over cells (row code, index in the row): Σ coef·value + const = 0, a blank
    counting as 0. ``rule`` names it for messages."""

    rule: str
    terms: tuple[tuple[str, int, int], ...]
    const: float = 0.0


#: A cross-year identity still to complete: its form over this year's cells, and its previous-year terms
#: (row, col, coef), whose values make the form's constant.
Plan = tuple[Form, tuple[tuple[str, str, float], ...]]


def filled(plan: Plan, previous: dict, table: str) -> Form | None:
    """The plan's form with its previous-year terms summed into the constant (``previous``: {(table, row, col):
    value}); None when one of those values is missing."""
    form, prev = plan
    if not prev:
        return form
    const = 0.0
    for row, col, coef in prev:
        v = previous.get((table, row, col))
        if v is None:
            return None
        const += coef * v
    return Form(form.rule, form.terms, const)


@dataclass(slots=True)
class Choice:
    """The reading chosen per row, the ambiguous cells with their candidate values, and the notes."""

    chosen: dict[str, Reading]
    candidates: dict[tuple[str, int], list[Value]] = field(default_factory=dict)
    tied: dict[str, int] = field(default_factory=dict)  # rows with several readings left → how many


def values_of(reading: Reading, kind: str = "amount") -> Values:
    return tuple(None if t.blank else cell_value(t.text, kind, "") for t in reading.cells)


def _z(v: Value) -> float:
    return 0 if v is None else v


def _holds(form: Form, vals: dict[str, Values]) -> bool:
    # the same sum as over c·_z(v) for every term: a blank adds an exact 0, which changes no sum
    return abs(sum([c * v for r, i, c in form.terms if (v := vals[r][i]) is not None]) + form.const) < 1e-9


def choose(rows: dict[str, list[Reading]], hard: Sequence[Form], soft: Sequence[Form] = (),
           row_soft: dict[str, Callable[[Values], int]] | None = None,
           plausibility: Callable[[str, Values], tuple[float, ...]] | None = None) -> Choice:
    """The best combination of one reading per row (rows with no reading are left out).

    ``hard``/``soft`` are the identities; ``row_soft`` scores one row's values against other evidence
    (the narrative); ``plausibility`` orders tied readings (smaller is more plausible).
    """
    row_soft = row_soft or {}
    names = [r for r, opts in rows.items() if opts]
    if all(len(rows[r]) == 1 for r in names):  # the common case: every row reads one way
        return Choice({r: rows[r][0] for r in names})
    vals = {r: [values_of(o) for o in rows[r]] for r in names}
    hard = [f for f in hard if all(r in vals for r, _, _ in f.terms)]
    soft = [f for f in soft if all(r in vals for r, _, _ in f.terms)]

    # one-row identities first: keep the readings of a row that satisfy most of them
    own_forms: dict[str, list[Form]] = {}
    for f in hard:
        first = f.terms[0][0]
        if all(t[0] == first for t in f.terms):
            own_forms.setdefault(first, []).append(f)
    keep: dict[str, list[int]] = {}
    for r in names:
        own = own_forms.get(r)
        if own and len(rows[r]) > 1:
            scores = [sum(_holds(f, {r: v}) for f in own) for v in vals[r]]
            top = max(scores)
            keep[r] = [i for i, s in enumerate(scores) if s == top]
        else:
            keep[r] = list(range(len(rows[r])))
    open_rows = [r for r in names if len(keep[r]) > 1]
    fixed = {r: keep[r][0] for r in names if r not in open_rows}

    open_set = set(open_rows)
    base = {r: vals[r][fixed[r]] for r in fixed}
    hard_fixed = sum(_holds(f, base) for f in hard if not any(t[0] in open_set for t in f.terms))
    hard_open = [f for f in hard if any(t[0] in open_set for t in f.terms)]
    cost_fixed = sum(rows[r][i].cost for r, i in fixed.items())

    def key(pick: dict[str, int]) -> tuple[int, int, int]:
        cur = {**base, **{r: vals[r][pick[r]] for r in open_rows}}
        h = hard_fixed + sum(_holds(f, cur) for f in hard_open)
        s = sum(_holds(f, cur) for f in soft) + sum(fn(cur[r]) for r, fn in row_soft.items() if r in cur)
        return (h, -(cost_fixed + sum(rows[r][pick[r]].cost for r in open_rows)), s)

    def sweep(pick: dict[str, int], r: str) -> list[tuple[int, int, int]] | None:
        """``[key({**pick, r: i}) for i in keep[r]]``, evaluating once what does not involve row ``r``
        (None where a score of other evidence is not a whole number: then key() does it all)."""
        hard_r, hard_rest, soft_r, soft_rest = involving[r]
        cur = {**base, **{q: vals[q][pick[q]] for q in open_rows}}
        h0 = hard_fixed + sum(_holds(f, cur) for f in hard_rest)
        s0 = sum(_holds(f, cur) for f in soft_rest)
        other_soft = [fn(cur[q]) for q, fn in row_soft.items() if q in cur and q != r]
        if any(type(x) not in (int, bool) for x in other_soft):
            return None
        s0 += sum(other_soft)
        fn_r = row_soft.get(r)
        costs = [rows[q][pick[q]].cost for q in open_rows]
        at = open_rows.index(r)
        out = []
        if whole:  # whole numbers: a form's sum is the sum over the other rows plus row r's part, exactly
            n = len(keep[r])
            hs, ss = [h0] * n, [s0] * n
            for forms_r, acc in ((hard_r, hs), (soft_r, ss)):
                for f in forms_r:
                    a = sum([c * v for q, j, c in f.terms if q != r and (v := cur[q][j]) is not None])
                    parts = _parts_of(r, f)
                    if f.const == 0:  # |a + b| < 1e-9 for whole numbers: b == -a (a float sum is never near 0)
                        for pos in _index_of(r, f, parts).get(-a, ()):
                            acc[pos] += 1
                    else:
                        k = f.const
                        for pos, b in enumerate(parts):
                            if abs(a + b + k) < 1e-9:
                                acc[pos] += 1
            rest = cost_fixed + sum(costs[:at]) + sum(costs[at + 1:])
            out = []
            for pos, i in enumerate(keep[r]):
                s = ss[pos]
                if fn_r is not None:
                    x = fn_r(vals[r][i])
                    if type(x) not in (int, bool):
                        return None
                    s += x
                out.append((hs[pos], -(rest + rows[r][i].cost), s))
            return out
        for i in keep[r]:
            cur[r] = vals[r][i]
            costs[at] = rows[r][i].cost
            s = s0 + sum(_holds(f, cur) for f in soft_r)
            if fn_r is not None:
                x = fn_r(cur[r])
                if type(x) not in (int, bool):
                    return None
                s += x
            out.append((h0 + sum(_holds(f, cur) for f in hard_r), -(cost_fixed + sum(costs)), s))
        return out

    part_cache: dict[tuple[str, int], list[int]] = {}
    index_cache: dict[tuple[str, int], dict[int, list[int]]] = {}

    def _parts_of(r: str, f: Form) -> list[int]:
        """Row ``r``'s part of form ``f`` for each of its kept readings (whole numbers)."""
        got = part_cache.get((r, id(f)))
        if got is None:
            terms = [(j, c) for q, j, c in f.terms if q == r]
            got = part_cache[(r, id(f))] = [sum([c * v for j, c in terms if (v := vals[r][i][j]) is not None])
                                            for i in keep[r]]
        return got

    def _index_of(r: str, f: Form, parts: list[int]) -> dict[int, list[int]]:
        got = index_cache.get((r, id(f)))
        if got is None:
            got = index_cache[(r, id(f))] = {}
            for pos, b in enumerate(parts):
                got.setdefault(b, []).append(pos)
        return got

    whole = all(type(c) is int for f in (*hard_open, *soft) for _, _, c in f.terms) and all(
        type(o.cost) is int for q in names for o in rows[q]) and all(
        v is None or type(v) is int for r in open_rows for o in vals[r] for v in o) and all(
        v is None or type(v) is int for v in itertools.chain.from_iterable(base.values()))
    involving = {}
    for r in open_rows:
        hit = [any(t[0] == r for t in f.terms) for f in hard_open]
        soft_hit = [any(t[0] == r for t in f.terms) for f in soft]
        involving[r] = ([f for f, x in zip(hard_open, hit, strict=True) if x],
                        [f for f, x in zip(hard_open, hit, strict=True) if not x],
                        [f for f, x in zip(soft, soft_hit, strict=True) if x],
                        [f for f, x in zip(soft, soft_hit, strict=True) if not x])

    best: list[dict[str, int]] = []
    combos = 1
    for r in open_rows:
        combos *= len(keep[r])
    if combos <= MAX_COMBINATIONS:
        best_key = None
        fast = _combo_key(open_rows, keep, base, vals, rows, hard_open, soft, hard_fixed, cost_fixed) \
            if whole and not row_soft else None
        for combo in itertools.product(*(keep[r] for r in open_rows)):
            pick = {**fixed, **dict(zip(open_rows, combo, strict=True))}
            k = key(pick) if fast is None else fast(combo)
            if best_key is None or k > best_key:
                best_key, best = k, [pick]
            elif k == best_key:
                best.append(pick)
    else:
        best = _local_search(open_rows, keep, fixed, key, sweep)

    scored: dict[tuple[str, int], tuple[float, ...]] = {}  # plausibility is a function of a row's values

    def plaus(pick: dict[str, int]) -> tuple[float, ...]:
        prior = sum(rows[r][i].prior for r, i in pick.items())
        if plausibility is None:
            return (prior,)
        parts = []
        for r, i in pick.items():
            got = scored.get((r, i))
            if got is None:
                got = scored[(r, i)] = plausibility(r, vals[r][i])
            parts.append(got)
        return (prior, *(sum(p[j] for p in parts) for j in range(len(parts[0])))) if parts else (prior,)

    keys = _plaus_keys(best, plaus, rows, scored, plausibility, vals)
    order = sorted(range(len(best)), key=keys.__getitem__)  # stable, as best.sort(key=plaus)
    best = [best[i] for i in order]
    top = best[0] if best else dict(fixed)
    # the readings each row takes in the best picks, each once (_settle_blanks asks only which there are)
    taken: dict[str, set[int]] = {r: set() for r in top}
    for p in best:
        for r, i in p.items():
            taken[r].add(i)
    out = Choice({r: _settle_blanks(r, rows[r][top[r]], [rows[r][i] for i in sorted(taken[r])]) for r in top})
    cur = {r: vals[r][i] for r, i in top.items()}
    for r in names:
        picks = sorted(taken[r]) if r in taken else sorted({p[r] for p in best})
        if len(picks) < 2:
            continue
        options = [vals[r][i] for i in picks]
        differ = False
        for c in range(len(options[0])):
            seen = {_z(o[c]) for o in options}
            if len(seen) > 1:
                differ = True
                first = cur[r][c]
                out.candidates[(r, c)] = [first, *sorted((v for v in seen if v != _z(first)), key=float)]
        if differ:
            out.tied[r] = len(picks)
    return out


def _combo_key(open_rows: list[str], keep: dict[str, list[int]], base: dict[str, Values], vals: dict,
               rows: dict[str, list[Reading]], hard_open: list[Form], soft: list[Form], hard_fixed: int,
               cost_fixed: int) -> Callable[[tuple[int, ...]], tuple[int, int, int]]:
    """``key`` of a combination (one reading index per open row) for whole numbers: each form is the sum
    over the fixed rows, computed once, plus each open row's part, looked up (the same sums, exactly)."""
    def spec(f: Form) -> tuple[int, list[tuple[int, dict[int, int]]], float]:
        fixed_sum = sum([c * v for q, j, c in f.terms if q in base and (v := base[q][j]) is not None])
        parts = []
        for pos, q in enumerate(open_rows):
            terms = [(j, c) for r, j, c in f.terms if r == q]
            if terms:
                parts.append((pos, {i: sum([c * v for j, c in terms if (v := vals[q][i][j]) is not None])
                                    for i in keep[q]}))
        return fixed_sum, parts, f.const

    hard_specs = [spec(f) for f in hard_open]
    soft_specs = [spec(f) for f in soft]
    costs = [{i: rows[q][i].cost for i in keep[q]} for q in open_rows]

    def key(combo: tuple[int, ...]) -> tuple[int, int, int]:
        h = hard_fixed
        for t, parts, k in hard_specs:
            for pos, part in parts:
                t += part[combo[pos]]
            if abs(t + k) < 1e-9:
                h += 1
        s = 0
        for t, parts, k in soft_specs:
            for pos, part in parts:
                t += part[combo[pos]]
            if abs(t + k) < 1e-9:
                s += 1
        return (h, -(cost_fixed + sum([costs[pos][i] for pos, i in enumerate(combo)])), s)

    return key


def _plaus_keys(best: list[dict[str, int]], plaus: Callable[[dict[str, int]], tuple], rows: dict[str, list[Reading]],
                scored: dict[tuple[str, int], tuple], plausibility: Callable | None, vals: dict) -> list[tuple]:
    """``[plaus(p) for p in best]``: where every prior and score is a whole number, each pick's sums are
    the first pick's plus the differences of the rows it changes (exact for whole numbers; the picks of
    a local search differ from each other in one row)."""
    if plausibility is None or len(best) < 64:
        return [plaus(p) for p in best]
    ref = best[0]
    ref_key = plaus(ref)

    def score(r: str, i: int) -> tuple:
        got = scored.get((r, i))
        if got is None:
            got = scored[(r, i)] = plausibility(r, vals[r][i])
        return got

    if not all(type(x) is int for x in ref_key) or not all(
            type(rows[r][i].prior) is int and all(type(x) is int for x in score(r, i)) for r, i in ref.items()):
        return [plaus(p) for p in best]
    out = []
    for p in best:
        key = list(ref_key)
        for r, i in p.items():
            j = ref[r]
            if i != j:
                new, old = score(r, i), score(r, j)
                prior = rows[r][i].prior
                if type(prior) is not int or not all(type(x) is int for x in new) or len(new) != len(old):
                    return [plaus(q) for q in best]
                key[0] += prior - rows[r][j].prior
                for k in range(len(new)):
                    key[k + 1] += new[k] - old[k]
        out.append(tuple(key))
    return out


def _settle_blanks(row: str, reading: Reading, tied: list[Reading]) -> Reading:
    """A cell that is blank in some tied readings and 0 in the others (where a blank sits among run-
    together zeros is not in the text) reads 0: the figure is the same either way."""
    cells = list(reading.cells)
    changed = False
    for c, t in enumerate(cells):
        if not t.blank:
            continue
        others = {o.cells[c].text for o in tied}
        if "0" in others and all(x in ("0", "") or o.cells[c].blank for o in tied for x in (o.cells[c].text,)):
            cells[c] = Tok("0", False, False, "", False, t.end)
            changed = True
    return Reading(cells, reading.cost, reading.repairs, reading.prior) if changed else reading


def _local_search(open_rows: list[str], keep: dict[str, list[int]], fixed: dict[str, int],
                  key: Callable[[dict[str, int]], tuple[int, int, int]],
                  sweep: Callable[[dict[str, int], str], list[tuple[int, int, int]] | None] | None = None,
                  ) -> list[dict[str, int]]:
    """Coordinate ascent from each row's first reading, then every single-row change that ties.

    ``sweep(pick, r)``: the keys of ``pick`` with each reading of row ``r`` (while one row changes, the
    others stand still: the same keys as calling ``key`` on each, computed faster)."""
    def keys_of(pick: dict[str, int], r: str) -> list[tuple[int, int, int]]:
        got = sweep(pick, r) if sweep is not None else None
        return got if got is not None else [key({**pick, r: i}) for i in keep[r]]

    pick = {**fixed, **{r: keep[r][0] for r in open_rows}}
    improved = True
    rounds = 0
    while improved and rounds < 20:
        improved, rounds = False, rounds + 1
        for r in open_rows:
            cur = key(pick)
            for i, k in zip(keep[r], keys_of(pick, r), strict=True):
                if k > cur:
                    pick, cur, improved = {**pick, r: i}, k, True
    k = key(pick)
    best = [pick]
    for r in open_rows:
        for i, ki in zip(keep[r], keys_of(pick, r), strict=True):
            if i != pick[r] and ki == k:
                best.append({**pick, r: i})
    return best
