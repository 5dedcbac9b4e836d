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

import pandas as pd

from pipeline import vocabulary as voc
from pipeline.publish.members import Members

ANNEX_COLUMNS = ["table", "row", "col", "agency_id", "agency_name", "kind", "detail"]
KINDS: dict[str, tuple[str, str]] = {  # kind → (mark, Chinese name)
    "ambiguous": ("ᵃ", "读数存疑"),
    "corrected": ("ᶜ", "推算或更正"),
    "finding": ("ᶠ", "校验问题"),
}


def annex(members: Members) -> pd.DataFrame:
    """Every marked member cell of the district-year (see the module docstring), in vocabulary order."""
    names = members.names
    rows: list[tuple] = []
    cells = members.cells
    for r in cells[cells["ambiguous"]].itertuples():
        rows.append((r.table, r.row, r.col, r.agency_id, "ambiguous", f"读数存疑 ambiguous reading: {r.raw!r} → {_num(r.value)}"))
    fixed = members.corrections  # a district's corrections (pipeline.ops.corrections): printed → corrected, why, who
    done = set(zip(fixed["agency_id"], fixed["table"], fixed["row"], fixed["col"], strict=True))
    for r in fixed.itertuples():
        rows.append((r.table, r.row, r.col, r.agency_id, "corrected",
                     f"更正：原印 {_num(r.printed_value)} → {_num(r.corrected_value)}，{r.reason}（{r.author}） / "
                     f"corrected: printed {_num(r.printed_value)} → {_num(r.corrected_value)} ({r.kind}): {r.reason} — {r.author}"))
    for r in cells[cells["derived"]].itertuples():
        if (r.agency_id, r.table, r.row, r.col) in done:
            continue
        rows.append((r.table, r.row, r.col, r.agency_id, "corrected",
                     f"原表空白，按勾稽关系推算为 {_num(r.value)} / blank as printed, derived from the identities"))
    keys = set(zip(cells["table"], cells["row"], cells["col"], strict=True))
    for f in members.findings.itertuples():
        if f.severity != "error" or not f.table or not f.row:
            continue  # warnings (parse notes, narrative) and column-wide findings mark no single figure
        targets = [(f.table, f.row, f.col)] if f.col else _row_keys(cells, f.table, f.row)
        for t, r, c in targets:
            if (t, r, c) in keys:
                rows.append((t, r, c, f.agency_id, "finding", f"{f.rule}: {f.message_zh}"))
    out = pd.DataFrame(rows, columns=[c for c in ANNEX_COLUMNS if c != "agency_name"])
    out.insert(4, "agency_name", [names.get(a, a) for a in out["agency_id"]])
    order = {k: i for i, k in enumerate(voc.cell_keys("v2021") + voc.cell_keys("v2019") + voc.cell_keys("v2021", single_other=True))}
    out["_o"] = [order.get(k, 10**6) for k in zip(out["table"], out["row"], out["col"], strict=True)]
    return out.sort_values(["_o", "agency_id", "kind"], kind="stable").drop(columns="_o").reset_index(drop=True)


def mark(consolidated: pd.DataFrame, annex_rows: pd.DataFrame) -> pd.DataFrame:
    """``consolidated`` with a ``flags`` column: the kinds of marked member cells behind each figure."""
    kinds: dict[tuple[str, str, str], set[str]] = {}
    for t, r, c, k in zip(annex_rows["table"], annex_rows["row"], annex_rows["col"], annex_rows["kind"], strict=True):
        kinds.setdefault((t, r, c), set()).add(k)
    out = consolidated.copy()
    out["flags"] = [",".join(k for k in KINDS if k in kinds.get(key, ()))
                    for key in zip(out["table"], out["row"], out["col"], strict=True)]
    return out


def marks(flags: str) -> str:
    """The superscript marks printed after a figure, e.g. "ᵃᶠ"."""
    return "".join(KINDS[k][0] for k in flags.split(",") if k in KINDS)


def _row_keys(cells: pd.DataFrame, table: str, row: str) -> list[tuple[str, str, str]]:
    sel = cells[(cells["table"] == table) & (cells["row"] == row)]
    return sorted(set(zip(sel["table"], sel["row"], sel["col"], strict=True)))


def _num(v) -> str:
    if v is None or pd.isna(v):
        return "空白"
    return str(int(v)) if float(v).is_integer() else str(v)
