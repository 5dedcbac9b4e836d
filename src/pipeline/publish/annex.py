"""Member cells that make a consolidated figure less than plain: the annex of the published report.

A consolidated cell is *marked* when at least one member cell behind it is

* ``ambiguous`` — the parser found several readings of the printed digits and kept the most plausible;
* ``corrected`` — not printed as such: the agency left it blank and the parser derived the figure from the
  template's identities (``raw`` empty, value present), or the district corrected it (``cell_corrections``:
  printed and corrected value, reason, author);
* ``finding``   — named (cell or row) by an error finding of the member's loaded version (an identity that
  fails as printed, loaded under the lenient policy). Warnings mark nothing: they stay in the run outputs.

:func:`annex` returns one row per (consolidated cell, member, kind): columns table, row, col, agency_id,
agency_name, kind, detail. :func:`mark` adds a ``flags`` column ("" or kinds joined by ",") to a
consolidated frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

import pandas as pd

from pipeline.publish.consolidate import cell_order
from pipeline.publish.members import Members

ANNEX_COLUMNS = ["table", "row", "col", "agency_id", "agency_name", "kind", "detail"]
KINDS: dict[str, tuple[str, str]] = {  # kind → (mark, Chinese name)
    "ambiguous": ("ᵃ", "读数存疑"),
    "corrected": ("ᶜ", "推算或更正"),
    "finding": ("ᶠ", "校验问题"),
}


_AMBIGUOUS, _DERIVED = itemgetter(8), itemgetter(9)  # of a cell row (Members.cell_rows)


def annex(members: Members) -> pd.DataFrame:
    """Every marked member cell of the district-year (see the module docstring), in vocabulary order."""
    return pd.DataFrame(annex_rows(members), columns=ANNEX_COLUMNS)


def annex_rows(members: Members) -> list[tuple]:
    """:func:`annex` as tuples in :data:`ANNEX_COLUMNS` order."""
    names = members.names
    rows: list[tuple] = []
    cells = members.cell_rows  # agency_id, report_id, table, row, col, value, raw, blank, ambiguous, derived
    for aid, _, t, r, c, v, raw, _, _, _ in filter(_AMBIGUOUS, cells):  # the few marked cells, picked out in C
        rows.append((t, r, c, aid, "ambiguous", f"读数存疑 ambiguous reading: {raw!r} → {_num(v)}"))
    done = set()
    for (aid, t, r, c, printed, _, _, corrected, kind, reason, author) in members.correction_rows:
        done.add((aid, t, r, c))
        rows.append((t, r, c, aid, "corrected",
                     f"更正：原印 {_num(printed)} → {_num(corrected)}，{reason}（{author}） / "
                     f"corrected: printed {_num(printed)} → {_num(corrected)} ({kind}): {reason} — {author}"))
    for aid, _, t, r, c, v, _, _, _, _ in filter(_DERIVED, cells):
        if (aid, t, r, c) not in done:
            rows.append((t, r, c, aid, "corrected", f"原表空白，按勾稽关系推算为 {_num(v)} / blank as printed, derived from the identities"))
    keys: set[tuple[str, str, str]] | None = None
    for aid, rule, severity, t, r, c, message_zh, _ in members.finding_rows:
        if severity != "error" or not t or not r:
            continue  # warnings (parse notes, narrative) and column-wide findings mark no single figure
        if keys is None:
            keys = {(x[2], x[3], x[4]) for x in cells}
        targets = [(t, r, c)] if c else sorted(k for k in keys if k[0] == t and k[1] == r)
        for k in targets:
            if k in keys:
                rows.append((*k, aid, "finding", f"{rule}: {message_zh}"))
    order = cell_order()
    rows.sort(key=lambda x: (order.get((x[0], x[1], x[2]), 10**6), x[3], x[4]))
    return [(*x[:4], names.get(x[3], x[3]), *x[4:]) for x in rows]


def mark(consolidated: pd.DataFrame, annex_rows: pd.DataFrame) -> pd.DataFrame:
    """``consolidated`` with a ``flags`` column: the kinds of marked member cells behind each figure."""
    out = consolidated.copy()
    out["flags"] = flag_column(zip(out["table"], out["row"], out["col"], strict=True),
                               zip(annex_rows["table"], annex_rows["row"], annex_rows["col"], annex_rows["kind"],
                                   strict=True))
    return out


def flag_column(keys: Iterable[tuple[str, str, str]], marked: Iterable[tuple[str, str, str, str]]) -> list[str]:
    """The ``flags`` of the consolidated cells ``keys`` from the marked cells' (table, row, col, kind)."""
    kinds: dict[tuple[str, str, str], set[str]] = {}
    for t, r, c, k in marked:
        kinds.setdefault((t, r, c), set()).add(k)
    return [",".join(k for k in KINDS if k in kinds.get(key, ())) for key in keys]


def marks(flags: str) -> str:
    """The superscript marks printed after a figure, e.g. "ᵃᶠ"."""
    return "".join(KINDS[k][0] for k in flags.split(",") if k in KINDS)


def _num(v) -> str:
    if v is None or v != v:
        return "空白"
    return str(int(v)) if float(v).is_integer() else str(v)
