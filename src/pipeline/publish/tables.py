"""The district's three tables in the official layout of the year's template version.

The layout is the one every renderer of the project uses (:mod:`pipeline.render.layout`): table 二 in its
blocks with captions, table 三 with its 3-row header (申请人情况 / 自然人 / 法人或其他组织 and the five
legal-person columns) and the merged group labels of its rows, table 四 as one block of 15 numbers under
行政复议 | 行政诉讼 (未经复议直接起诉, 复议后起诉). The consolidated figures are put into a
:class:`~pipeline.model.ParsedReport` of the year's template version and drawn by that layout, so the
district report looks exactly like an agency's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from pipeline import vocabulary as voc
from pipeline.model import Cell, ParsedReport
from pipeline.render.layout import Grid, table_grids


def fmt(table: str, col: str, value: float | None) -> str:
    """A figure as printed: counts as integers, amounts with up to 4 decimals, missing as ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if voc.value_kind(table, col) == "amount":
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(round(value))


def number(table: str, col: str, value: float | None) -> int | float | None:
    """A figure as a typed number (int for counts, float for amounts, None when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value) if voc.value_kind(table, col) == "amount" else round(value)


def official_grids(table: pd.DataFrame, version: str) -> dict[str, Grid]:
    """{section code: grid} of the official cells of a consolidated frame (see the module docstring)."""
    return grids_of({c: table[c].tolist() for c in ("table", "row", "col", "value", "official")}, version)


def grids_of(cols: Mapping[str, list], version: str) -> dict[str, Grid]:
    """:func:`official_grids` of a consolidated frame's columns as plain lists ({column: values})."""
    cells = [Cell(t, r, c, number(t, c, v), fmt(t, c, v))
             for t, r, c, v, official in zip(cols["table"], cols["row"], cols["col"], cols["value"], cols["official"],
                                             strict=True) if official]
    return table_grids(ParsedReport(version, cells=cells), wrap=False)
