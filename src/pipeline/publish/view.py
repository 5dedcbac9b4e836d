"""The publication as plain rows for the writers (HTML, Markdown, XLSX): one place that words it.

Every label comes from :mod:`pipeline.vocabulary` or from the KPI definitions; numbers are formatted
here (counts as integers, rates as percentages with one decimal, "—" for a missing figure).
"""

from __future__ import annotations

import pandas as pd

from pipeline import vocabulary as voc
from pipeline.publish.annex import KINDS, marks
from pipeline.publish.figures import DistrictFigures
from pipeline.publish.kpis import RESULT_GROUPS, group_label
from pipeline.publish.tables import fmt, official_grids

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


def kpi_rows(fig: DistrictFigures) -> list[dict]:
    k = fig.kpis
    out = []
    for key, zh, en in KPI_ROWS:
        is_rate = key in k["rates"]
        value = k["rates"][key] if is_rate else k["figures"][key]
        row = {"key": key, "zh": zh, "en": en, "value": pct(value) if is_rate else num(value), "raw": value,
               "prev": "", "change": "", "pct": ""}
        if key in k["yoy"]:
            y = k["yoy"][key]
            row.update(prev=num(y["prev"]), change=num(y["change"]), pct=pct(y["change_pct"]))
        out.append(row)
    return out


def mix_rows(fig: DistrictFigures) -> list[dict]:
    f, m = fig.kpis["figures"], fig.kpis["mix"]
    return [{"label": group_label(g), "count": num(f[g]), "share": pct(m[g])} for g in RESULT_GROUPS]


def reason_rows(fig: DistrictFigures) -> list[dict]:
    vals = {(t, r, c): v for t, r, c, v in zip(fig.table["table"], fig.table["row"], fig.table["col"], fig.table["value"],
                                               strict=True)}
    out = []
    for g, shares in fig.kpis["reasons"].items():
        for r, share in shares.items():
            v = vals.get(("requests", r, "total"))
            out.append({"group": group_label(g), "label": voc.short_label("requests", "row", r, fig.version),
                        "count": num(None if v is None or v != v else round(v)), "share": pct(share)})
    return out


def ranking_rows(fig: DistrictFigures) -> list[dict]:
    return [{"rank": r.rank, "agency_name": r.agency_name, "new_received": num(r.new_received),
             "results_total": num(r.results_total), "disclosure_rate": pct(r.disclosure_rate),
             "review_total": num(r.review_total), "suit_total": num(r.suit_total)}
            for r in fig.ranking.itertuples()]


def annex_rows(fig: DistrictFigures) -> list[dict]:
    return [{"cell": voc.cell_label(a.table, a.row, a.col, fig.version), "agency_id": a.agency_id,
             "agency_name": a.agency_name, "kind": f"{KINDS[a.kind][0]} {KINDS[a.kind][1]}", "detail": a.detail,
             "key": f"{a.table}/{a.row}/{a.col}"} for a in fig.annex.itertuples()]


def table_views(fig: DistrictFigures) -> list[dict]:
    """The three tables: {code, heading, grid: [[{text, lines, rowspan, colspan, key, flags, marks}]]}."""
    flags = {(t, r, c): f for t, r, c, f in zip(fig.table["table"], fig.table["row"], fig.table["col"], fig.table["flags"],
                                                strict=True)}
    out = []
    for code, grid in official_grids(fig.table, fig.version).items():
        lines = []
        for line in grid:
            row = []
            for c in line:
                f = flags.get(c.key, "") if c.key else ""
                row.append({"text": c.text, "lines": c.text.split("\n"), "rowspan": c.rowspan, "colspan": c.colspan,
                            "key": "/".join(c.key) if c.key else "", "flags": f, "marks": marks(f)})
            lines.append(row)
        out.append({"code": code, "heading": voc.SECTIONS[code], "grid": lines})
    return out


def extra_rows(fig: DistrictFigures) -> list[dict]:
    extra = fig.table[~fig.table["official"]]
    return [{"table": voc.SECTIONS[r.table].split("、")[0] + "、" + voc.TABLE_TITLES[r.table], "row_label": r.row_label,
             "col_label": r.col_label, "text": fmt(r.table, r.col, r.value), "agencies": r.agencies,
             "key": f"{r.table}/{r.row}/{r.col}"} for r in extra.itertuples()]
