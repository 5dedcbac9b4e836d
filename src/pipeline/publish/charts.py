"""Charts of a district-year as SVG (matplotlib, glyphs drawn as paths so no viewer needs a CJK font).

Four charts: requests by outcome (the result groups of table 三), new requests by applicant type, year
over year (key figures of year − 1 and year), agencies by volume (本年新收, top 20). Chinese labels need a
CJK font when the SVG is drawn: :func:`cjk_font` finds Noto Sans CJK SC shipped by the ``mplfonts``
package (a project dependency, installed by ``make``), else a CJK font of the system (e.g. Debian's
fonts-wqy-microhei); without one it raises :class:`ChartFontError` — never boxes for missing glyphs.
"""

from __future__ import annotations

import io
import re
from functools import cache
from importlib import resources
from pathlib import Path

from pipeline import vocabulary as voc
from pipeline.publish.figures import DistrictFigures
from pipeline.publish.kpis import RESULT_GROUPS, YOY_FIGURES, group_label

CHART_NAMES: tuple[str, ...] = ("outcomes", "applicants", "yoy", "agencies")
#: Chinese titles of the key figures shown year over year (labels of their rows from the vocabulary).
_SYSTEM_CJK = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei")


class ChartFontError(RuntimeError):
    """No font with Chinese glyphs is available to draw the charts."""


@cache
def cjk_font() -> str:
    """The family name of a CJK font registered with matplotlib (see the module docstring)."""
    from matplotlib import font_manager

    try:
        shipped = resources.files("mplfonts").joinpath("fonts", "NotoSansCJKsc-Regular.otf")
        if shipped.is_file():
            font_manager.fontManager.addfont(str(shipped))
            return font_manager.FontProperties(fname=str(shipped)).get_name()
    except ModuleNotFoundError:
        pass
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in _SYSTEM_CJK:
        if family in names:
            return family
    raise ChartFontError("no CJK font for the charts: install the project (pip install -e .) for mplfonts, "
                         "or a system font such as fonts-wqy-microhei / 图表缺少中文字体")


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": [cjk_font()], "svg.fonttype": "path", "axes.unicode_minus": False,
                         "svg.hashsalt": "pipeline"})  # stable ids: the same figures give the same file
    return plt.subplots(figsize=(width, height), dpi=100)


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.tight_layout()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _bars(labels: list[str], values: list[float | None], title: str, *, horizontal: bool = False) -> str:
    fig, ax = _figure(7.5, max(3.0, 0.32 * len(labels) + 1.2) if horizontal else 3.6)
    vals = [0 if v is None else v for v in values]
    if horizontal:
        bars = ax.barh(labels[::-1], vals[::-1], color="#1f4e8c")
    else:
        bars = ax.bar(labels, vals, color="#1f4e8c")
        ax.tick_params(axis="x", labelsize=8)
    ax.bar_label(bars, labels=[("—" if v is None else f"{v:g}") for v in (values[::-1] if horizontal else values)],
                 fontsize=8, padding=2)
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def chart_svgs(fig_: DistrictFigures) -> dict[str, str]:
    """{chart name: SVG text} for :data:`CHART_NAMES`."""
    k = fig_.kpis
    f = k["figures"]
    out = {}
    groups = list(RESULT_GROUPS)
    out["outcomes"] = _bars([_bare(group_label(g)) for g in groups],
                            [f[g] for g in groups], "办理结果 Requests by outcome")
    cols = ("natural_person", *voc.ORG_COLS)
    out["applicants"] = _bars([voc.label("requests", "col", c) for c in cols], [f[f"applicants_{c}"] for c in cols],
                              "本年新收申请 · 申请人情况 New requests by applicant type")
    out["yoy"] = _yoy(fig_)
    rank = fig_.ranking.head(20)
    out["agencies"] = _bars([_short(n, fig_.district.name) for n in rank["agency_name"]],
                            [None if v is None or v != v else float(v) for v in rank["new_received"].astype("float")],
                            "各机关本年新收申请 Agencies by volume", horizontal=True)
    return out


def _yoy(fig_: DistrictFigures) -> str:
    import numpy as np

    names = {"new_received": voc.label("requests", "row", "new_received").split("、", 1)[-1][:6] + "申请",
             "results_total": "办理结果总计", "review_total": "行政复议", "suit_total": "行政诉讼",
             "granted": _bare(group_label("granted")), "partial": _bare(group_label("partial"))}
    fig, ax = _figure(7.5, 3.6)
    keys = list(YOY_FIGURES)
    cur = [fig_.kpis["figures"][k] or 0 for k in keys]
    x = np.arange(len(keys))
    if fig_.kpis["yoy"]:
        prev = [fig_.kpis["yoy"][k]["prev"] or 0 for k in keys]
        ax.bar(x - 0.2, prev, 0.4, label=f"{fig_.year - 1}年", color="#9db4d6")
        ax.bar(x + 0.2, cur, 0.4, label=f"{fig_.year}年", color="#1f4e8c")
        ax.legend(fontsize=8)
        title = f"同比 Year over year ({fig_.year - 1}年 {fig_.previous_loaded} 个机关 → {fig_.year}年)"
    else:
        ax.bar(x, cur, 0.5, label=f"{fig_.year}年", color="#1f4e8c")
        title = f"同比 Year over year：{fig_.year - 1}年无已加载数据 (no previous year loaded)"
    ax.set_xticks(x, [names[k] for k in keys], fontsize=8)
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _bare(label: str) -> str:
    """"（二）部分公开（区分处理的…）" → "部分公开": without the numbering and the trailing note."""
    return re.sub(r"（[^）]*）$", "", re.sub(r"^（[一二三四五六七]）", "", label))


def _short(name: str, district_name: str) -> str:
    return name[len(district_name):] if district_name and name.startswith(district_name) and len(name) > len(district_name) else name


def write_charts(svgs: dict[str, str], folder: Path) -> dict[str, Path]:
    """Write ``<folder>/charts/<name>.svg``; returns {name: path}."""
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    out = {}
    for name, svg in svgs.items():
        p = folder / "charts" / f"{name}.svg"
        p.write_text(svg, encoding="utf-8")
        out[name] = p
    return out
