"""pandera models of the parsed cells: types, ranges, completeness and the identities of template.md §6.

Why pandera: the same declarative models validate one clerk's file and a national batch of reports in
one vectorised pass, and their ``failure_cases`` (collected with ``lazy=True``) are turned into
findings a clerk can act on by :mod:`pipeline.validate.rules`. Each check is named after the rule it
enforces (``R-T3-ROW`` …); a table-shaped check marks exactly the cell that is wrong, so the failure
case names its report, row and column.

Three frames are validated (built by :mod:`pipeline.validate.frame`):

- :class:`CellsFrame` — one row per (report, cell) of the report's template, plus any cell the
  template does not have: presence, type, non-negativity and blank-总计 checks;
- :class:`RequestsFrame` — table 三 wide, one row per (report, data row), blanks counted as 0:
  R-T3-ROW, R-T3-SUM (v2019, v2021 and the single-（六） variant alike) and R-T3-BAL;
- :class:`AppealsFrame` — table 四 wide, one row per (report, row), blanks counted as 0: R-T4-SUM.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline import vocabulary as voc

#: Column codes of table 三 and 四 (the same in both template versions).
T3_COLS: tuple[str, ...] = voc.cols("requests", "v2021")
T4_COLS: tuple[str, ...] = voc.cols("appeals", "v2021")
#: The six applicant columns that add up to 总计 (R-T3-ROW).
T3_PART_COLS: tuple[str, ...] = ("natural_person", *voc.ORG_COLS)
#: Every row that adds up to （七）总计 in any variant (a report has either ``other`` or its three
#: sub-rows, never both, so one sum serves v2019, v2021 and the single-（六） variant).
T3_RESULT_PARTS: tuple[str, ...] = (*voc.T3_RESULT_ROWS, "other", *voc.T3_OTHER_SPLIT)
#: Every table-三 row code of any variant, in printed order.
T3_ROWS: tuple[str, ...] = tuple(dict.fromkeys(voc.rows("requests", "v2019") + voc.rows("requests", "v2021")))
T4_ROWS: tuple[str, ...] = voc.rows("appeals", "v2021")
#: The 总计 column: a blank here is itself a finding when its row is otherwise filled in.
TOTAL_COL = "total"
KINDS: tuple[str, ...] = ("count", "signed_count", "amount")

#: Tolerance of the identities (counts are integers held as floats; amounts are not summed).
ATOL = 1e-6


def _close(a: pd.Series | pd.DataFrame | np.ndarray, b: pd.Series | pd.DataFrame | np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) <= ATOL


def _passing(df: pd.DataFrame) -> pd.DataFrame:
    """A table-shaped check result that passes everywhere (a check then marks the cells that fail)."""
    return pd.DataFrame(True, index=df.index, columns=df.columns)


def _per_report(df: pd.DataFrame, row: str) -> pd.DataFrame:
    """The numeric columns of data row ``row`` of every report, indexed by report."""
    sel = df["row"].to_numpy() == row
    out = df.loc[sel, list(T3_COLS)]
    out.index = df["report"].to_numpy()[sel]
    return out


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
        """A blank 总计 in a row that is otherwise filled in: the clerk must write the total."""
        is_total = (df["col"] == TOTAL_COL) & df["table"].isin(("requests", "appeals"))
        return ~(df["blank"] & is_total & df["row_filled"] & df["expected"])


class RequestsFrame(pa.DataFrameModel):
    """Table 三 of every report, one row per (report, data row); blank and missing cells count as 0."""

    report: Series[int] = pa.Field(ge=0)
    row: Series[str] = pa.Field(isin=T3_ROWS)
    natural_person: Series[float]
    commercial: Series[float]
    research: Series[float]
    social_welfare: Series[float]
    legal_service: Series[float]
    org_other: Series[float]
    total: Series[float]

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(name="R-T3-ROW")
    def row_total(cls, df: pd.DataFrame) -> pd.DataFrame:
        """总计 = 自然人 + the five 法人或其他组织 columns, in every data row (marks the 总计 cell)."""
        out = _passing(df)
        out["total"] = _close(df["total"], df[list(T3_PART_COLS)].sum(axis=1))
        return out

    @pa.dataframe_check(name="R-T3-SUM")
    def result_total(cls, df: pd.DataFrame) -> pd.DataFrame:
        """（七）总计 = (一) + (二) + Σ(三) + Σ(四) + Σ(五) + (六), in every column (marks the （七） cell)."""
        is_part = df["row"].isin(T3_RESULT_PARTS).to_numpy()
        parts = df.loc[is_part, list(T3_COLS)].groupby(df["report"].to_numpy()[is_part]).sum()
        total = _per_report(df, "total")
        ok = _close(total, parts.reindex(total.index, fill_value=0.0))
        out = _passing(df)
        out.loc[(df["row"] == "total").to_numpy(), list(T3_COLS)] = ok
        return out

    @pa.dataframe_check(name="R-T3-BAL")
    def balance(cls, df: pd.DataFrame) -> pd.DataFrame:
        """一 + 二 = （七） + 四, in every column (marks the 四、结转下年度 cell of the column)."""
        new, carried = _per_report(df, "new_received"), _per_report(df, "carried_over")
        total, forward = _per_report(df, "total"), _per_report(df, "carry_forward")
        ok = _close(new + carried.reindex(new.index), total.reindex(new.index) + forward.reindex(new.index))
        out = _passing(df)
        out.loc[(df["row"] == "carry_forward").to_numpy(), list(T3_COLS)] = ok
        return out


class AppealsFrame(pa.DataFrameModel):
    """Table 四 of every report, one row per (report, row); blank and missing cells count as 0."""

    report: Series[int] = pa.Field(ge=0)
    row: Series[str] = pa.Field(isin=T4_ROWS)
    upheld: Series[float]
    corrected: Series[float]
    other: Series[float]
    pending: Series[float]
    total: Series[float]

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(name="R-T4-SUM")
    def row_total(cls, df: pd.DataFrame) -> pd.DataFrame:
        """总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结, in every row (marks the 总计 cell)."""
        out = _passing(df)
        out["total"] = _close(df["total"], df[list(voc.T4_PARTS)].sum(axis=1))
        return out
