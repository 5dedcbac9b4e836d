"""The publication as plain rows for the writers (HTML, Markdown, XLSX): one place that words it.

Every label comes from :mod:`pipeline.vocabulary` or from the KPI definitions; numbers are formatted
here (counts as integers, rates as percentages with one decimal, "—" for a missing figure). Each view is
computed once per :class:`~pipeline.publish.figures.DistrictFigures` (kept in its ``memo``) and shared by
the writers, which only read it.
"""

from __future__ import annotations

from functools import wraps

import pandas as pd

from pipeline import vocabulary as voc
from pipeline.publish.annex import KINDS, marks
from pipeline.publish.figures import DistrictFigures
from pipeline.publish.kpis import RESULT_GROUPS, group_label
from pipeline.publish.tables import fmt, grids_of
from pipeline.render.layout import Grid

#: KPI rows: (key in kpis["figures"] or kpis["rates"], Chinese, English).
KPI_ROWS: tuple[tuple[str, str, str], ...] = (
    ("new_received", voc.label("requests", "row", "new_received"), "new requests"),
    ("carried_over", voc.label("requests", "row", "carried_over"), "carried over from last year"),
    ("results_total", "三、本年度办理结果 " + voc.label("requests", "row", "total"), "requests concluded (total)"),
    ("carry_forward", voc.label("requests", "row", "carry_forward"), "carried forward"),
    ("granted", group_label("granted"), "granted"),
    ("partial", group_label("partial"), "partly granted"),
    ("disclosure_rate", "公开率（予以公开＋部分公开）÷（七）总计", "disclosure rate"),
    ("review_total", "行政复议 总计", "administrative reviews"),
    ("review_corrected", "行政复议 结果纠正", "reviews corrected"),
    ("review_correction_rate", "行政复议纠错率 结果纠正÷（总计−尚未审结）", "review correction rate"),
    ("suit_total", "行政诉讼 总计", "lawsuits"),
    ("suit_corrected", "行政诉讼 结果纠正", "lawsuits corrected"),
    ("litigation_correction_rate", "行政诉讼纠错率 结果纠正÷（总计−尚未审结）", "litigation correction rate"),
)


def num(v) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return "—"
    return f"{v:g}" if isinstance(v, float) else str(v)


def pct(v) -> str:
    return "—" if v is None or v != v else f"{100 * v:.1f}%"


class Row(dict):
    """A view row: a dict whose keys also read as attributes (``row.key``), as the HTML template reads them.

    Jinja2 tries an attribute before an item; on a plain dict each of those lookups raises and catches an
    AttributeError first (thousands per page).
    """

    __slots__ = ()

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _memo(view):
    """``view(fig)`` computed once per figures (kept in ``fig.memo`` under the view's name)."""
    @wraps(view)
    def once(fig: DistrictFigures):
        return fig.once(f"view.{view.__name__}", lambda: view(fig))
    return once


@_memo
def kpi_rows(fig: DistrictFigures) -> list[dict]:
    k = fig.kpis
    out = []
    for key, zh, en in KPI_ROWS:
        is_rate = key in k["rates"]
        value = k["rates"][key] if is_rate else k["figures"][key]
        row = Row(key=key, zh=zh, en=en, value=pct(value) if is_rate else num(value), raw=value, prev="", change="",
                  pct="")
        if key in k["yoy"]:
            y = k["yoy"][key]
            row.update(prev=num(y["prev"]), change=num(y["change"]), pct=pct(y["change_pct"]))
        out.append(row)
    return out


@_memo
def mix_rows(fig: DistrictFigures) -> list[dict]:
    f, m = fig.kpis["figures"], fig.kpis["mix"]
    return [Row(label=group_label(g), count=num(f[g]), share=pct(m[g])) for g in RESULT_GROUPS]


@_memo
def reason_rows(fig: DistrictFigures) -> list[dict]:
    t = fig.columns()
    vals = {(tb, r, c): v for tb, r, c, v in zip(t["table"], t["row"], t["col"], t["value"], strict=True)}
    out = []
    for g, shares in fig.kpis["reasons"].items():
        for r, share in shares.items():
            v = vals.get(("requests", r, "total"))
            out.append(Row(group=group_label(g), label=voc.short_label("requests", "row", r, fig.version),
                           count=num(None if v is None or v != v else round(v)), share=pct(share)))
    return out


@_memo
def ranking_rows(fig: DistrictFigures) -> list[dict]:
    return [Row(rank=rank, agency_name=name, new_received=num(received), results_total=num(total),
                disclosure_rate=pct(rate), review_total=num(review), suit_total=num(suit))
            for rank, _, name, received, total, rate, review, suit in fig.ranking_rows()]


@_memo
def annex_rows(fig: DistrictFigures) -> list[dict]:
    return [Row(cell=voc.cell_label(t, r, c, fig.version), agency_id=aid, agency_name=name,
                kind=f"{KINDS[kind][0]} {KINDS[kind][1]}", detail=detail, key=f"{t}/{r}/{c}")
            for t, r, c, aid, name, kind, detail in fig.annex_rows()]


@_memo
def grids(fig: DistrictFigures) -> dict[str, Grid]:
    """{section code: grid} of the official cells (:func:`~pipeline.publish.tables.official_grids`)."""
    return grids_of(fig.columns(), fig.version)


@_memo
def table_views(fig: DistrictFigures) -> list[dict]:
    """The three tables: {code, heading, grid: [[{text, lines, rowspan, colspan, key, flags, marks}]]}."""
    t = fig.columns()
    flags = {(tb, r, c): f for tb, r, c, f in zip(t["table"], t["row"], t["col"], t["flags"], strict=True)}
    out = []
    for code, grid in grids(fig).items():
        lines = []
        for line in grid:
            row = []
            for c in line:
                f = flags.get(c.key, "") if c.key else ""
                row.append(Row(text=c.text, lines=c.text.split("\n"), rowspan=c.rowspan, colspan=c.colspan,
                               key="/".join(c.key) if c.key else "", flags=f, marks=marks(f)))
            lines.append(row)
        out.append(Row(code=code, heading=voc.SECTIONS[code], grid=lines))
    return out


@_memo
def extra_rows(fig: DistrictFigures) -> list[dict]:
    t = fig.columns()
    return [Row(table=voc.SECTIONS[tb].split("、")[0] + "、" + voc.TABLE_TITLES[tb], row_label=rl, col_label=cl,
                text=fmt(tb, c, v), agencies=n, key=f"{tb}/{r}/{c}")
            for tb, r, c, rl, cl, v, n, official in zip(t["table"], t["row"], t["col"], t["row_label"], t["col_label"],
                                                         t["value"], t["agencies"], t["official"], strict=True)
            if not official]
