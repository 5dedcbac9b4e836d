"""Consolidation: sum every cell over the agencies whose reports are loaded (active versions).

Grain of the result: one row per (table, row, col) of the district-year. ``value`` is the sum over the
agencies that printed a number in that cell; a cell no agency filled stays missing (never a made-up 0),
and ``agencies`` says how many agencies each figure covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from operator import itemgetter

import numpy as np
import pandas as pd

from pipeline import vocabulary as voc

CONSOLIDATED_COLUMNS = ["table", "row", "col", "row_label", "col_label", "value", "agencies", "official"]


def layout_version(year: int) -> str:
    """The template version a district publishes in: the 2019 trial format for 2019–2020, else 2021."""
    return "v2019" if year <= 2020 else "v2021"


@cache
def _layout(version: str) -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...], tuple[str, ...]]:
    """The official cells of ``version`` in printed order with their row and column labels (once per version)."""
    keys = voc.cell_keys(version)
    return keys, tuple(voc.label(t, "row", r, version) for t, r, _ in keys), tuple(voc.label(t, "col", c, version)
                                                                                  for t, _, c in keys)


@cache
def cell_order() -> dict[tuple[str, str, str], int]:
    """Where a cell of either template version sorts (v2021, then v2019, then v2021's single （六） row)."""
    return {k: i for i, k in enumerate(voc.cell_keys("v2021") + voc.cell_keys("v2019")
                                       + voc.cell_keys("v2021", single_other=True))}


def sums(rows: Iterable[tuple]) -> dict[tuple[str, str, str], list]:
    """{(table, row, col): [sum or None, agencies]} of cell rows (agency_id, report_id, table, row, col, value, …),
    in the order cells first appear; a NaN value is not counted."""
    out: dict[tuple[str, str, str], list] = {}
    rows = rows if isinstance(rows, list) else list(rows)
    for key, v in zip(map(_KEY, rows), map(_VALUE, rows), strict=True):
        acc = out.get(key)
        if acc is None:
            acc = out[key] = [None, 0]
        if v == v:  # not NaN
            acc[0] = v if acc[0] is None else acc[0] + v
            acc[1] += 1
    return out


_KEY, _VALUE = itemgetter(2, 3, 4), itemgetter(5)


def consolidate_rows(rows: Iterable[tuple], year: int) -> pd.DataFrame:
    """:func:`consolidate` of cell rows as :class:`~pipeline.publish.members.Members` keeps them (plain Python)."""
    return frame(consolidate_columns(rows, year))


def consolidate_columns(rows: Iterable[tuple], year: int) -> dict[str, list]:
    """:func:`consolidate_rows` as plain lists: {column of :data:`CONSOLIDATED_COLUMNS`: values}."""
    version = layout_version(year)
    keys, row_labels, col_labels = _layout(version)
    agg = sums(rows)
    cols: dict[str, list] = {c: [] for c in CONSOLIDATED_COLUMNS}
    nan = float("nan")
    for k, rl, cl in zip(keys, row_labels, col_labels, strict=True):
        acc = agg.get(k)
        _append(cols, k, rl, cl, nan if acc is None or acc[0] is None else acc[0], 0 if acc is None else acc[1], True)
    official = set(keys)
    order = cell_order()
    extra = sorted((k for k in agg if k not in official), key=lambda k: order.get(k, 10**6))
    for k in extra:
        t, r, c = k
        acc = agg[k]
        _append(cols, k, voc.label(t, "row", r, version), voc.label(t, "col", c, version),
                nan if acc[0] is None else acc[0], acc[1], False)
    return cols


def frame(cols: dict[str, list]) -> pd.DataFrame:
    """The consolidated frame of :func:`consolidate_columns` (and any further columns, e.g. ``flags``), typed."""
    typed = {**cols, "value": np.array(cols["value"], dtype="float64"), "agencies": np.array(cols["agencies"], dtype=int),
             "official": np.array(cols["official"], dtype=bool)}
    return pd.DataFrame(typed, columns=[*CONSOLIDATED_COLUMNS, *(c for c in cols if c not in CONSOLIDATED_COLUMNS)])


def _append(cols: dict[str, list], k, row_label: str, col_label: str, value: float, agencies: int, official: bool) -> None:
    cols["table"].append(k[0])
    cols["row"].append(k[1])
    cols["col"].append(k[2])
    cols["row_label"].append(row_label)
    cols["col_label"].append(col_label)
    cols["value"].append(value)
    cols["agencies"].append(agencies)
    cols["official"].append(official)


def consolidate(cells: pd.DataFrame, year: int) -> pd.DataFrame:
    """Consolidate long-form agency cells (columns agency_id, table, row, col, value) for ``year``.

    The official rows and columns of the year's template come first, in printed order, even where no
    agency reported them (value missing, agencies 0). Cells that agencies reported outside that layout
    (an agency using the other template version, or one （六）其他处理 row in a 2021 report) follow,
    marked ``official`` False, so nothing an agency reported is dropped from the sums.
    """
    values = pd.to_numeric(cells["value"], errors="coerce").astype("float64") if len(cells) else []
    rows = zip(cells["agency_id"], cells["agency_id"], cells["table"], cells["row"], cells["col"], values, strict=True)
    return consolidate_rows(list(rows), year)
