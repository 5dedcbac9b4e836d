"""Everything a district-year publication shows, computed once and handed to every writer.

:func:`district_figures` reads the warehouse (members, their active cells and findings; of year − 1 only how
many members are loaded and the sums of the cells the year-over-year KPIs compare,
:data:`~pipeline.publish.kpis.FIGURE_KEYS`) and returns :class:`DistrictFigures`:

* ``table`` — :func:`~pipeline.publish.consolidate.consolidate` of the loaded members' cells with
  ``flags`` (:mod:`pipeline.publish.annex`): one row per (table, row, col), official cells of the year's
  template version first;
* ``annex`` — the marked member cells; ``kpis`` / ``ranking`` — :mod:`pipeline.publish.kpis`;
* ``previous`` — year − 1's consolidated cells of ``FIGURE_KEYS`` only (columns table, row, col, value, agencies;
  None when no included member of year − 1 printed any cell), ``previous_loaded`` — its loaded members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from pipeline import vocabulary as voc
from pipeline.publish.annex import ANNEX_COLUMNS, annex_rows, flag_column
from pipeline.publish.consolidate import consolidate_columns, frame, layout_version
from pipeline.publish.kpis import FIGURE_KEYS, RANKING_COLUMNS, kpis, ranking_frame, ranking_tuples
from pipeline.publish.members import Members, Previous, read_members_many, read_previous_many
from pipeline.registry import District


@dataclass(slots=True)
class DistrictFigures:
    """A district-year's consolidated figures with their coverage, annex, KPIs and ranking."""

    members: Members
    version: str
    table: pd.DataFrame = field(repr=False)
    annex: pd.DataFrame = field(repr=False)
    kpis: dict = field(repr=False)
    ranking: pd.DataFrame = field(repr=False)
    previous: pd.DataFrame | None = field(default=None, repr=False)
    previous_loaded: int = 0
    #: plain-Python forms of the frames and views computed from them, made once for every writer (see the methods)
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def district(self) -> District:
        return self.members.district

    @property
    def year(self) -> int:
        return self.members.year

    @property
    def title(self) -> str:
        d = self.district
        return f"{d.full_name or d.name}{self.year}年政府信息公开工作年度报告汇总数据"

    def value(self, table: str, row: str, col: str) -> float | None:
        sel = self.table[(self.table["table"] == table) & (self.table["row"] == row) & (self.table["col"] == col)]
        return None if sel.empty or pd.isna(sel["value"].iloc[0]) else float(sel["value"].iloc[0])

    def top_agencies(self, n: int) -> tuple[list[str], list[float | None]]:
        """Names and 本年新收 (None where not printed) of the first ``n`` agencies of the ranking."""
        top = self.ranking_rows()[:n]
        return [r[2] for r in top], [None if r[3] is None or r[3] != r[3] else float(r[3]) for r in top]

    def columns(self) -> dict[str, list]:
        """``table``'s columns as plain lists ({column: values}; far cheaper to walk than the frame's)."""
        return self.once("columns", lambda: {c: self.table[c].tolist() for c in self.table.columns})

    def annex_rows(self) -> list[tuple]:
        """``annex`` as tuples (:data:`~pipeline.publish.annex.ANNEX_COLUMNS` order)."""
        return self.once("annex", lambda: list(zip(*(self.annex[c].tolist() for c in ANNEX_COLUMNS), strict=True)))

    def ranking_rows(self) -> list[tuple]:
        """``ranking`` as tuples (:data:`~pipeline.publish.kpis.RANKING_COLUMNS` order), None where missing."""
        return self.once("ranking", lambda: [tuple(_none(v) for v in r) for r in zip(
            *(self.ranking[c].tolist() for c in RANKING_COLUMNS), strict=True)])

    def once(self, key: str, make):
        """``make()``, computed on the first call for ``key`` and kept in ``memo`` (the frames are not changed after)."""
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = make()
        return got

    def official(self) -> pd.DataFrame:
        return self.table[self.table["official"]]


def district_figures(engine: Engine, district: District, year: int) -> DistrictFigures:
    """Read and compute the district-year's publication (see the module docstring)."""
    fig = district_figures_many(engine, [district], year)[district.code]
    if isinstance(fig, Exception):
        raise fig
    return fig


def district_figures_many(engine: Engine, districts: Sequence[District], year: int) -> dict[str, DistrictFigures]:
    """:func:`district_figures` of several districts from one read of the warehouse per query (and year).

    Returns {district code: DistrictFigures}; a district whose figures cannot be computed maps to the
    exception instead (the others are unaffected).
    """
    now = read_members_many(engine, districts, year)
    before = read_previous_many(engine, districts, year - 1, FIGURE_KEYS)  # only what the comparison uses
    out: dict[str, DistrictFigures | Exception] = {}
    for d in districts:
        try:
            out[d.code] = _figures(now[d.code], before[d.code], year)
        except Exception as e:  # one district's bad data must not stop the others
            out[d.code] = e
    return out


def _figures(members: Members, prev: Previous, year: int) -> DistrictFigures:
    cols = consolidate_columns(members.cell_rows, year)
    notes = annex_rows(members)
    cols["flags"] = flag_column(zip(cols["table"], cols["row"], cols["col"], strict=True),
                                ((a[0], a[1], a[2], a[5]) for a in notes))
    prev_cols = previous_columns(prev) if prev.any_cells else None
    ranked = ranking_tuples(members.cell_rows, members.names)
    fig = DistrictFigures(
        members, layout_version(year), frame(cols), pd.DataFrame(notes, columns=ANNEX_COLUMNS), kpis(cols, prev_cols),
        ranking_frame(ranked), None if prev_cols is None else pd.DataFrame(prev_cols), prev.loaded,
    )
    fig.memo.update(columns=cols, annex=notes, ranking=ranked)
    return fig


def previous_columns(prev: Previous) -> dict[str, list]:
    """Year − 1's consolidated cells of :data:`~pipeline.publish.kpis.FIGURE_KEYS` as columns {table, row, col,
    value (float, NaN where no member printed a number), agencies (int)}: what :func:`kpis` compares with."""
    cols: dict[str, list] = {"table": [], "row": [], "col": [], "value": [], "agencies": []}
    for k in FIGURE_KEYS:
        value, agencies = prev.sums.get(k) or (float("nan"), 0)
        for c, v in zip(("table", "row", "col", "value", "agencies"), (*k, value, agencies), strict=True):
            cols[c].append(v)
    return cols


def _none(v):
    """A frame's missing value (NaN, pd.NA, None) as None; anything else as it is."""
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v


def cell_name(table: str, row: str, col: str, version: str) -> str:
    """"三、（一）予以公开 / 自然人" — the human name of a cell in ``version``."""
    return voc.cell_label(table, row, col, version)
