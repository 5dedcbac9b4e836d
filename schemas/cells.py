"""pandera models of the parsed cells: types, ranges, completeness and the identities of template.md §6.

Why pandera: the same declarative models validate one clerk's file and a national batch of reports in
one vectorised pass, and their ``failure_cases`` (collected with ``lazy=True``) are turned into
findings a clerk can act on by :mod:`pipeline.validate.rules`. Each check is named after the rule it
enforces (``R-T3-ROW`` …); a table-shaped check marks exactly the cell that is wrong, so the failure
case names its report, row and column.

The identity checks are not written here: they are generated from the one declaration of the
identities, ``pipeline/data/identities.toml`` (:func:`pipeline.vocabulary.identities`), one
dataframe check per declared rule of the table, marking each failing form's anchor cell
(:mod:`schemas.identity_checks`). Three frames are validated (built by :mod:`pipeline.validate.frame`):

- :class:`CellsFrame` — one row per (report, cell) of the report's template, plus any cell the
  template does not have: presence, type, non-negativity and blank-总计 checks;
- :class:`RequestsFrame` — table 三 wide, one row per (report, data row), blanks counted as 0:
  the declared table-三 identities (R-T3-ROW, R-T3-SUM, R-T3-BAL) in every template variant;
- :class:`AppealsFrame` — table 四 wide, one row per (report, row), blanks counted as 0: R-T4-SUM.

:data:`IDENTITY_MODELS` maps each table with declared identities to its wide model.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline import vocabulary as voc
from schemas.identity_checks import ATOL, row_totals, wide_model

#: Column codes of table 三 and 四 (the same in both template versions).
T3_COLS: tuple[str, ...] = voc.cols("requests", "v2021")
T4_COLS: tuple[str, ...] = voc.cols("appeals", "v2021")
#: Every table-三 row code of any variant, in printed order.
T3_ROWS: tuple[str, ...] = tuple(dict.fromkeys(voc.rows("requests", "v2019") + voc.rows("requests", "v2021")))
T4_ROWS: tuple[str, ...] = voc.rows("appeals", "v2021")
KINDS: tuple[str, ...] = ("count", "signed_count", "amount")

__all__ = [
    "ATOL",
    "IDENTITY_MODELS",
    "T3_COLS",
    "T3_ROWS",
    "T4_COLS",
    "T4_ROWS",
    "AppealsFrame",
    "CellsFrame",
    "RequestsFrame",
]


class CellsFrame(pa.DataFrameModel):
    """Every cell of every report in the batch, long form."""

    report: Series[int] = pa.Field(ge=0)
    table: Series[pa.Category]  # a name outside voc.TABLES is an unexpected cell (R-CELLS-EXTRA)
    row: Series[pa.Category]
    col: Series[pa.Category]
    kind: Series[pa.Category] = pa.Field(isin=KINDS)
    value: Series[float] = pa.Field(nullable=True)  # NaN where blank, missing or not a number
    blank: Series[bool]  # given, with no value (empty, "/", "—" …)
    present: Series[int] = pa.Field(ge=0)  # how many times the parse gives the cell
    expected: Series[bool]  # the report's template has the cell
    numeric: Series[bool]  # the value is a number (or blank)
    row_filled: Series[bool]  # some other cell of the same row carries a value

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(name="R-CELLS-MISSING")
    def required_cell_present(cls, df: pd.DataFrame) -> pd.Series:
        """Every (table, row, col) of the detected template (vocabulary.cell_keys) is in the parse."""
        return ~df["expected"] | (df["present"] > 0)

    @pa.dataframe_check(name="R-CELLS-EXTRA")
    def no_cell_outside_template(cls, df: pd.DataFrame) -> pd.Series:
        """A cell the template does not have (wrong version detected, or a stray local row)."""
        return df["expected"] | (df["present"] == 0)

    @pa.dataframe_check(name="R-CELLS-DUPLICATE")
    def cell_given_once(cls, df: pd.DataFrame) -> pd.Series:
        return df["present"] <= 1

    @pa.dataframe_check(name="R-TYPE")
    def value_is_number(cls, df: pd.DataFrame) -> pd.Series:
        return df["numeric"]

    @pa.dataframe_check(name="R-NONNEG")
    def value_in_range(cls, df: pd.DataFrame) -> pd.Series:
        """Counts are integers ≥ 0, the v2019 本年增/减 is a (signed) integer, amounts are ≥ 0."""
        v = df["value"]
        kind = df["kind"]
        integral = (v % 1).abs() <= ATOL
        ok = (
            ((kind == "count") & (v >= 0) & integral)
            | ((kind == "signed_count") & integral)
            | ((kind == "amount") & (v >= 0))
        )
        return ok | v.isna() | ~df["expected"]

    @pa.dataframe_check(name="R-BLANK")
    def total_filled_in(cls, df: pd.DataFrame) -> pd.Series:
        """A blank 总计 in a row that is otherwise filled in: the clerk must write the total (a 总计 is the
        total of a declared row form, e.g. R-T3-ROW, R-T4-SUM)."""
        is_total = pd.Series(False, index=df.index)
        for table, col in row_totals():
            is_total |= (df["table"] == table) & (df["col"] == col)
        return ~(df["blank"] & is_total & df["row_filled"] & df["expected"])


RequestsFrame = wide_model(
    "RequestsFrame", "requests",
    "Table 三 of every report, one row per (report, data row); blank and missing cells count as 0.")
AppealsFrame = wide_model(
    "AppealsFrame", "appeals",
    "Table 四 of every report, one row per (report, row); blank and missing cells count as 0.")

#: The wide model of each table that has declared identities.
IDENTITY_MODELS: dict[str, type[pa.DataFrameModel]] = {"requests": RequestsFrame, "appeals": AppealsFrame}
