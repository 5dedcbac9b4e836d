"""KPIs of a district-year from its consolidated cells, year over year, and the agency ranking.

Definitions (the same as the warehouse's ``v_kpi_*`` views, docs/warehouse.md):

* totals — 一 本年新收, 二 上年结转, （七）总计 (办理结果), 四 结转下年度, at the 总计 column of table 三;
  行政复议 and 行政诉讼 (both kinds) 总计;
* ``disclosure_rate`` = (予以公开 + 部分公开) / （七）总计;
* the outcome mix: each result group's share of （七）总计, and within 不予公开 / 无法提供 / 不予处理 each
  reason's share of its group (the denial and non-processing mix);
* ``review_correction_rate`` = 行政复议 结果纠正 / (总计 − 尚未审结), likewise ``litigation_correction_rate``
  over both kinds of 行政诉讼 — concluded cases only.

A figure no loaded agency printed is None (missing is never zero); a rate whose denominator is None or
0 is None. Rates are fractions in [0, 1] (floats), counts are ints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from operator import itemgetter

import numpy as np
import pandas as pd

from pipeline import vocabulary as voc

Key = tuple[str, str, str]
#: Result groups of table 三 in printed order: group code → its rows (v2021 split （六） or the one row).
RESULT_GROUPS: dict[str, tuple[str, ...]] = {
    "granted": ("granted",),
    "partial": ("partial",),
    "denied": tuple(r for r in voc.T3_RESULT_ROWS if r.startswith("denied.")),
    "unable": tuple(r for r in voc.T3_RESULT_ROWS if r.startswith("unable.")),
    "not_processed": tuple(r for r in voc.T3_RESULT_ROWS if r.startswith("not_processed.")),
    "other": ("other", *voc.T3_OTHER_SPLIT),
}
YOY_FIGURES: tuple[str, ...] = ("new_received", "results_total", "review_total", "suit_total", "granted", "partial")


def group_label(group: str) -> str:
    """Chinese label of a result group, e.g. "（三）不予公开" (from the vocabulary's row labels)."""
    row = RESULT_GROUPS[group][-1]
    return voc.label("requests", "row", row, "v2021").split(" ", 1)[0] if "." in row else voc.label("requests", "row", row)


def values(table: pd.DataFrame | Mapping[str, list]) -> dict[Key, float | None]:
    """{(table, row, col): value or None} of a consolidated frame (or its columns as lists)."""
    return {(t, r, c): (None if pd.isna(v) else float(v))
            for t, r, c, v in zip(table["table"], table["row"], table["col"], table["value"], strict=True)}


def _sum(vals: Mapping[Key, float | None], keys) -> float | None:
    got = [vals.get(k) for k in keys]
    got = [v for v in got if v is not None]
    return sum(got) if got else None


def _rate(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return num / den


def _int(v: float | None) -> int | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v)


def _figure_cells() -> dict[str, tuple[Key, ...]]:
    """{figure: the consolidated cells it sums} of :func:`figures`, in its order (see the module docstring)."""
    t3 = lambda rows, col="total": tuple(("requests", r, col) for r in rows)  # noqa: E731
    f: dict[str, tuple[Key, ...]] = {
        "new_received": t3(["new_received"]), "carried_over": t3(["carried_over"]),
        "results_total": t3(["total"]), "carry_forward": t3(["carry_forward"]),
    }
    for g, rows in RESULT_GROUPS.items():
        f[g] = t3(rows)
    for c in ("natural_person", *voc.ORG_COLS):
        f[f"applicants_{c}"] = t3(["new_received"], c)
    for what, rows in (("review", ["review"]), ("suit", ["suit_direct", "suit_after_review"])):
        for c in (*voc.T4_PARTS, "total"):
            f[f"{what}_{c}"] = tuple(("appeals", r, c) for r in rows)
    return f


#: figure → the (table, row, col) cells :func:`figures` sums for it (in the order of its result)
FIGURE_CELLS: dict[str, tuple[Key, ...]] = _figure_cells()
#: every cell any figure reads, once each: all that the year-over-year comparison needs of year − 1
FIGURE_KEYS: tuple[Key, ...] = tuple(dict.fromkeys(k for keys in FIGURE_CELLS.values() for k in keys))


def figures(vals: Mapping[Key, float | None]) -> dict[str, int | None]:
    """Key counts of one consolidated table: totals, result groups, appeals (the cells of :data:`FIGURE_CELLS`)."""
    return {name: _int(_sum(vals, keys)) for name, keys in FIGURE_CELLS.items()}


def kpis(table: pd.DataFrame | Mapping[str, list], previous: pd.DataFrame | Mapping[str, list] | None = None) -> dict:
    """KPIs of a consolidated frame (and of year − 1's, when loaded), or of their columns: see the module docstring.

    Returns {"figures": {...}, "rates": {...}, "mix": {group: share}, "reasons": {group: {row: share}},
    "yoy": {figure: {"prev", "change", "change_pct"}} or {} without a previous year}.
    """
    vals = values(table)
    fig = figures(vals)
    total = fig["results_total"]
    rates = {
        "disclosure_rate": _rate(None if fig["granted"] is None and fig["partial"] is None
                                 else (fig["granted"] or 0) + (fig["partial"] or 0), total),
        "review_correction_rate": _rate(fig["review_corrected"], _concluded(fig["review_total"], fig["review_pending"])),
        "litigation_correction_rate": _rate(fig["suit_corrected"], _concluded(fig["suit_total"], fig["suit_pending"])),
    }
    mix = {g: _rate(fig[g], total) for g in RESULT_GROUPS}
    reasons = {}
    for g in ("denied", "unable", "not_processed"):
        reasons[g] = {r: _rate(vals.get(("requests", r, "total")), fig[g]) for r in RESULT_GROUPS[g]}
    yoy: dict[str, dict] = {}
    if previous is not None:
        pf = figures(values(previous))
        for k in YOY_FIGURES:
            cur, prev = fig[k], pf[k]
            change = None if cur is None or prev is None else cur - prev
            yoy[k] = {"prev": prev, "change": change, "change_pct": _rate(change, prev)}
    return {"figures": fig, "rates": rates, "mix": mix, "reasons": reasons, "yoy": yoy}


def _concluded(total: int | None, pending: int | None) -> int | None:
    return None if total is None else total - (pending or 0)


RANKING_COLUMNS = ["rank", "agency_id", "agency_name", "new_received", "results_total", "disclosure_rate",
                   "review_total", "suit_total"]


def ranking(cells: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """One row per loaded agency, ranked by 本年新收 (desc; ties by name): the agency ranking table.

    ``cells`` is long form (agency_id, table, row, col, value). Columns: :data:`RANKING_COLUMNS`.
    """
    values = pd.to_numeric(cells["value"], errors="coerce").astype("float64") if len(cells) else []
    return ranking_rows(zip(cells["agency_id"], cells["agency_id"], cells["table"], cells["row"], cells["col"], values,
                            strict=True), names)


#: The cells of the ranking's figures (as :func:`figures` defines them): figure → cells summed.
RANKING_CELLS: dict[str, tuple[Key, ...]] = {
    "new_received": (("requests", "new_received", "total"),), "results_total": (("requests", "total", "total"),),
    "granted": (("requests", "granted", "total"),), "partial": (("requests", "partial", "total"),),
    "review_total": (("appeals", "review", "total"),),
    "suit_total": (("appeals", "suit_direct", "total"), ("appeals", "suit_after_review", "total")),
}
_RANKED: frozenset[Key] = frozenset(k for keys in RANKING_CELLS.values() for k in keys)
assert all(k[2] == "total" for k in _RANKED)  # ranking_tuples looks at the 总计 columns only


def ranking_rows(rows: Iterable[tuple], names: Mapping[str, str]) -> pd.DataFrame:
    """:func:`ranking` of cell rows (agency_id, report_id, table, row, col, value, …), in plain Python."""
    return ranking_frame(ranking_tuples(rows, names))


def ranking_tuples(rows: Iterable[tuple], names: Mapping[str, str]) -> list[tuple]:
    """:func:`ranking_rows` as tuples in :data:`RANKING_COLUMNS` order (None where missing).

    Only the cells of :data:`RANKING_CELLS` are kept per agency (the same figures as :func:`figures` of all).
    """
    rows = rows if isinstance(rows, list) else list(rows)
    per: dict[str, dict[Key, float | None]] = {aid: {} for aid in dict.fromkeys(map(itemgetter(0), rows))}
    ranked = _RANKED
    for r in rows:
        if r[4] == "total":  # every ranked cell is in a 总计 column: most rows are passed over here
            key = (r[2], r[3], "total")
            if key in ranked:
                v = r[5]
                per[r[0]][key] = None if v is None or v != v else float(v)
    out = []
    for aid in sorted(per):
        f = {name: _int(_sum(per[aid], keys)) for name, keys in RANKING_CELLS.items()}
        disclosed = None if f["granted"] is None and f["partial"] is None else (f["granted"] or 0) + (f["partial"] or 0)
        out.append((aid, names.get(aid, aid), f["new_received"], f["results_total"], _rate(disclosed, f["results_total"]),
                    f["review_total"], f["suit_total"]))
    out.sort(key=lambda x: x[1])  # ties by name …
    out.sort(key=lambda x: -1 if x[2] is None else x[2], reverse=True)  # … after 本年新收, descending (stable)
    return [(i, *x) for i, x in enumerate(out, 1)]


def ranking_frame(ranked: list[tuple]) -> pd.DataFrame:
    """The ranking frame of :func:`ranking_tuples` (nullable integer counts, the rate a float, NaN where missing)."""
    if not ranked:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    data: dict[str, object] = {c: list(v) for c, v in zip(RANKING_COLUMNS, zip(*ranked, strict=True), strict=True)}
    data["disclosure_rate"] = np.array([math.nan if v is None else v for v in data["disclosure_rate"]], dtype="float64")
    for c in ("new_received", "results_total", "review_total", "suit_total"):
        data[c] = pd.array(data[c], dtype="Int64")
    return pd.DataFrame(data, columns=RANKING_COLUMNS)
