"""pandera dataframe checks generated from the declared identities (``pipeline/data/identities.toml``).

A table's wide frame has one row per (report, data row) and one column per column code, blanks
counted as 0. Every declared form of a rule becomes vectorised arithmetic over that frame:

- ``each = "row"`` (e.g. R-T3-ROW, R-T4-SUM): Σ coef·column in each frame row the form is over;
- ``each = "col"`` (e.g. R-T3-SUM, R-T3-BAL): Σ coef·(the term rows of one report) in each column.

The check marks the form's anchor cell (:attr:`pipeline.vocabulary.Identity.anchor`) where the form
fails, so a failure case names its report, row and column. One frame holds every template variant:
the forms of a rule over the same row (or column) are merged across variants into one sum over the
union of their terms — a report's frame holds only the rows of its own variant, so the rows of the
other variants count 0 (R-T3-SUM adds ``other`` or its three sub-rows, whichever the report has).

The check functions read the forms when they run, so a changed declaration
(:func:`pipeline.vocabulary.use_declaration`) is followed at once; a declaration with new rules needs
:func:`wide_model` to build the model again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline import vocabulary as voc

#: Tolerance of the identities (counts are integers held as floats).
ATOL = 1e-6


@dataclass(frozen=True, slots=True)
class FrameForm:
    """The forms of one rule with the same anchor and terms, over a set of rows (``each = "row"``) or
    columns (``each = "col"``) of the wide frame; ``terms`` are (column or row code, coef)."""

    each: str
    anchor: str
    terms: tuple[tuple[str, float], ...]
    over: frozenset[str]


def table_rows(table: str) -> tuple[str, ...]:
    """Every data-row code of ``table`` in any template variant, in printed order."""
    return tuple(dict.fromkeys(r for v, s in voc.VARIANTS for r in voc.rows(table, v, single_other=s)))


def table_cols(table: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for v, _ in voc.VARIANTS for c in voc.cols(table, v)))


@voc.derived
def identity_tables() -> tuple[str, ...]:
    """The tables with declared identities within one report, in template order."""
    found = {i.table for v, s in voc.VARIANTS for i in voc.identities(v, single_other=s)}
    return tuple(t for t in voc.TABLES if t in found)


@voc.derived
def table_rules(table: str) -> tuple[str, ...]:
    """The declared rules of ``table``, in declaration order."""
    return tuple(dict.fromkeys(i.rule for v, s in voc.VARIANTS for i in voc.identities(v, single_other=s)
                               if i.table == table))


@voc.derived
def frame_forms(table: str, rule: str) -> tuple[FrameForm, ...]:
    """The forms of ``rule`` over ``table``'s wide frame, merged across the template variants."""
    merged: dict[tuple[str, str, str], dict[str, float]] = {}
    for v, s in voc.VARIANTS:
        for ident in voc.identities(v, single_other=s):
            if ident.table != table or ident.rule != rule:
                continue
            terms = merged.setdefault((ident.each, ident.along(ident.anchor), ident.over), {})
            for t in ident.terms:
                code, coef = ident.along(t), float(t.coef)
                if terms.setdefault(code, coef) != coef:
                    raise ValueError(f"{rule}: {code} has coefficient {terms[code]} in one template variant and "
                                     f"{coef} in another; one wide frame cannot check both")
    grouped: dict[tuple[str, str, tuple[tuple[str, float], ...]], set[str]] = {}
    for (each, anchor, over), terms in merged.items():
        grouped.setdefault((each, anchor, tuple(terms.items())), set()).add(over)
    return tuple(FrameForm(each, anchor, terms, frozenset(over)) for (each, anchor, terms), over in grouped.items())


@voc.derived
def row_totals() -> tuple[tuple[str, str], ...]:
    """(table, column) of every cell that is the total of a declared row form (e.g. 总计 of R-T3-ROW):
    a blank there, in a row otherwise filled in, is a finding of its own (R-BLANK)."""
    return tuple(dict.fromkeys((i.table, i.total.col) for v, s in voc.VARIANTS for i in voc.identities(v, single_other=s)
                               if i.each == "row" and i.total is not None))


def identity_marks(df: pd.DataFrame, table: str, rule: str) -> pd.DataFrame:
    """The table-shaped result of ``rule`` over a wide frame: False at the anchor cell of each failing form."""
    ok = np.ones(df.shape, dtype=bool)
    if len(df):
        where = {c: j for j, c in enumerate(df.columns)}
        rows = df["row"].to_numpy()
        for form in frame_forms(table, rule):
            (_row_form if form.each == "row" else _col_form)(df, rows, form, ok, where)
    return pd.DataFrame(ok, index=df.index, columns=df.columns)


def _row_form(df: pd.DataFrame, rows: np.ndarray, form: FrameForm, ok: np.ndarray, where: dict[str, int]) -> None:
    total = np.zeros(len(df))
    for col, coef in form.terms:
        total += coef * df[col].to_numpy(dtype=float)
    holds = np.abs(total) <= ATOL
    if not form.over >= set(rows):
        holds |= ~np.isin(rows, list(form.over))
    ok[:, where[form.anchor]] &= holds


def _col_form(df: pd.DataFrame, rows: np.ndarray, form: FrameForm, ok: np.ndarray, where: dict[str, int]) -> None:
    coefs = pd.Series(rows).map(dict(form.terms)).fillna(0.0).to_numpy()
    used = coefs != 0
    is_anchor = rows == form.anchor
    if not is_anchor.any():
        return
    report = df["report"].to_numpy()
    n = int(report.max()) + 1
    at = report[is_anchor]
    for col in form.over:
        if col not in where:
            continue
        sums = np.bincount(report[used], weights=coefs[used] * df[col].to_numpy(dtype=float)[used], minlength=n)
        ok[is_anchor, where[col]] &= np.abs(sums[at]) <= ATOL


def _identity_check(table: str, rule: str) -> classmethod:
    def check(cls, df: pd.DataFrame) -> pd.DataFrame:
        return identity_marks(df, table, rule)

    check.__name__ = "check_" + rule.lower().replace("-", "_")
    check.__doc__ = f"{rule}: {voc.statement(rule)} (declared in data/identities.toml; marks the anchor cell)."
    return pa.dataframe_check(name=rule)(check)


def wide_model(name: str, table: str, doc: str) -> type[pa.DataFrameModel]:
    """A pandera model of ``table``'s wide frame with one dataframe check per declared rule of the table."""
    cols = table_cols(table)
    annotations = {"report": Series[int], "row": Series[str], **dict.fromkeys(cols, Series[float])}

    class Config:
        strict = True
        coerce = False

    namespace: dict = {"__annotations__": annotations, "__doc__": doc, "__module__": "schemas.cells",
                       "__qualname__": name, "Config": Config,
                       "report": pa.Field(ge=0), "row": pa.Field(isin=list(table_rows(table)))}
    for rule in table_rules(table):
        namespace["check_" + rule.lower().replace("-", "_")] = _identity_check(table, rule)
    return type(name, (pa.DataFrameModel,), namespace)
