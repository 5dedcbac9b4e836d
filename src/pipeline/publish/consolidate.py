"""Consolidation: sum every cell over the agencies whose reports are loaded (active versions).

Grain of the result: one row per (table, row, col) of the district-year. ``value`` is the sum over the
agencies that printed a number in that cell; a cell no agency filled stays missing (never a made-up 0),
and ``agencies`` says how many agencies each figure covers.
"""

from __future__ import annotations

import pandas as pd

from pipeline import vocabulary as voc

CONSOLIDATED_COLUMNS = ["table", "row", "col", "row_label", "col_label", "value", "agencies", "official"]


def layout_version(year: int) -> str:
    """The template version a district publishes in: the 2019 trial format for 2019–2020, else 2021."""
    return "v2019" if year <= 2020 else "v2021"


def consolidate(cells: pd.DataFrame, year: int) -> pd.DataFrame:
    """Consolidate long-form agency cells (columns agency_id, table, row, col, value) for ``year``.

    The official rows and columns of the year's template come first, in printed order, even where no
    agency reported them (value missing, agencies 0). Cells that agencies reported outside that layout
    (an agency using the other template version, or one （六）其他处理 row in a 2021 report) follow,
    marked ``official`` False, so nothing an agency reported is dropped from the sums.
    """
    version = layout_version(year)
    official = list(voc.cell_keys(version))
    keys = pd.DataFrame(official, columns=["table", "row", "col"])
    if cells.empty:
        agg = pd.DataFrame(columns=["table", "row", "col", "value", "agencies"])
    else:
        df = cells[["agency_id", "table", "row", "col", "value"]].copy()
        df["value"] = pd.to_numeric(df["value"], errors="coerce")
        agg = (
            df.groupby(["table", "row", "col"], sort=False)
            .agg(value=("value", lambda s: s.sum(min_count=1)), agencies=("value", "count"))
            .reset_index()
        )
    out = keys.merge(agg, on=["table", "row", "col"], how="left")
    out["official"] = True
    official_set = set(official)
    extra = agg[[k not in official_set for k in zip(agg["table"], agg["row"], agg["col"], strict=True)]].copy()
    if not extra.empty:
        order = {k: i for i, k in enumerate(voc.cell_keys("v2021") + voc.cell_keys("v2019") + voc.cell_keys("v2021", single_other=True))}
        extra["_o"] = [order.get(k, 10**6) for k in zip(extra["table"], extra["row"], extra["col"], strict=True)]
        extra = extra.sort_values("_o").drop(columns="_o")
        extra["official"] = False
        out = pd.concat([out, extra], ignore_index=True)
    out["agencies"] = out["agencies"].fillna(0).astype(int)
    out["row_label"] = [voc.label(t, "row", r, version) for t, r in zip(out["table"], out["row"], strict=True)]
    out["col_label"] = [voc.label(t, "col", c, version) for t, c in zip(out["table"], out["col"], strict=True)]
    return out[CONSOLIDATED_COLUMNS]

