"""Everything a district-year publication shows, computed once and handed to every writer.

:func:`district_figures` reads the warehouse (members, their active cells and findings; the same for
year − 1 when any agency is loaded there) and returns :class:`DistrictFigures`:

* ``table`` — :func:`~pipeline.publish.consolidate.consolidate` of the loaded members' cells with
  ``flags`` (:mod:`pipeline.publish.annex`): one row per (table, row, col), official cells of the year's
  template version first;
* ``annex`` — the marked member cells; ``kpis`` / ``ranking`` — :mod:`pipeline.publish.kpis`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from pipeline import vocabulary as voc
from pipeline.publish.annex import annex, mark
from pipeline.publish.consolidate import consolidate_rows, layout_version
from pipeline.publish.kpis import kpis, ranking_rows
from pipeline.publish.members import Members, read_members_many
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
        top = self.ranking.head(n)
        return (list(top["agency_name"]),
                [None if v is None or v != v else float(v) for v in top["new_received"].astype("float")])

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
    before = read_members_many(engine, districts, year - 1)
    out: dict[str, DistrictFigures | Exception] = {}
    for d in districts:
        try:
            out[d.code] = _figures(now[d.code], before[d.code], year)
        except Exception as e:  # one district's bad data must not stop the others
            out[d.code] = e
    return out


def _figures(members: Members, prev_members: Members, year: int) -> DistrictFigures:
    table = consolidate_rows(members.cell_rows, year)
    notes = annex(members)
    table = mark(table, notes)
    previous = None
    if prev_members.cell_rows:
        previous = consolidate_rows(prev_members.cell_rows, year - 1)
    return DistrictFigures(
        members, layout_version(year), table, notes, kpis(table, previous),
        ranking_rows(members.cell_rows, members.names), previous, len(prev_members.by_status("loaded")),
    )


def cell_name(table: str, row: str, col: str, version: str) -> str:
    """"三、（一）予以公开 / 自然人" — the human name of a cell in ``version``."""
    return voc.cell_label(table, row, col, version)
