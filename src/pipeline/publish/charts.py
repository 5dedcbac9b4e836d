"""Charts of a district-year as SVG, drawn directly (no matplotlib at publish time): text as glyph outlines.

Four charts: requests by outcome (the result groups of table 三), new requests by applicant type, year
over year (key figures of year − 1 and year), agencies by volume (本年新收, top 20). Same figures, layout and
look as the matplotlib charts they replace (7.5 in wide, bars #1f4e8c, title 11 pt, labels 8/10 pt, outward
ticks, top and right spines hidden, tight layout with a 10.8 pt pad, automatic "nice" value ticks, legend
placed where it covers fewest bars).

Chinese must show on any machine, with or without a CJK font: every text is drawn as paths. The glyph
outlines are read with fontTools from Noto Sans CJK SC shipped by the ``mplfonts`` package (a project
dependency, installed by ``make``), else from a CJK font file of the system (:func:`font_file`), and placed
with the font's advance widths. Each glyph's outline is read once per process (:class:`_Font` caches it) and
defined once per chart in ``<defs>``; every text is a group of ``<use>`` of those glyphs, with the text
itself in ``aria-label`` (and each bar's label and value in ``data-label``/``data-value``) for screen readers
and tests. Without a CJK font :class:`ChartFontError` is raised — never boxes for missing glyphs.
"""

from __future__ import annotations

import importlib.util
import math
import re
import warnings
from functools import cache
from html import escape
from pathlib import Path

from pipeline import vocabulary as voc
from pipeline.publish.figures import DistrictFigures
from pipeline.publish.kpis import RESULT_GROUPS, YOY_FIGURES, group_label

CHART_NAMES: tuple[str, ...] = ("outcomes", "applicants", "yoy", "agencies")
#: CJK font files of common systems, tried in order when mplfonts is not installed (name, font number in a .ttc).
_SYSTEM_CJK = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf", "wqy-microhei.ttc",
               "wqy-zenhei.ttc", "SourceHanSansSC-Regular.otf", "simhei.ttf", "SimHei.ttf")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "/System/Library/Fonts",
              "C:/Windows/Fonts")

BLUE, LIGHT = "#1f4e8c", "#9db4d6"
DPI = 72  # SVG user units are points


class ChartFontError(RuntimeError):
    """No font with Chinese glyphs is available to draw the charts."""


@cache
def font_file() -> Path:
    """The CJK font file whose outlines draw the charts' text (see the module docstring)."""
    spec = importlib.util.find_spec("mplfonts")  # found, not imported: importing it imports matplotlib
    for root in (spec.submodule_search_locations or []) if spec else []:
        shipped = Path(root) / "fonts" / "NotoSansCJKsc-Regular.otf"
        if shipped.is_file():
            return shipped
    for d in _FONT_DIRS:
        root = Path(d)
        if not root.is_dir():
            continue
        for name in _SYSTEM_CJK:
            for p in root.rglob(name):
                return p
    raise ChartFontError("no CJK font for the charts: install the project (pip install -e .) for mplfonts, "
                         "or a system font such as fonts-wqy-microhei / 图表缺少中文字体")


@cache
def cjk_font() -> str:
    """The family name of the font the charts are drawn with (raises :class:`ChartFontError` without one)."""
    return _font().family


class _Font:
    """A font's metrics and glyph outlines, each glyph read once (``glyph``)."""

    def __init__(self, path: Path):
        from fontTools.ttLib import TTFont

        self.tt = TTFont(str(path), lazy=True, fontNumber=0)
        self.family = self.tt["name"].getDebugName(1) or path.stem
        self.upem = self.tt["head"].unitsPerEm
        self.cmap = self.tt.getBestCmap()
        self.glyphset = self.tt.getGlyphSet()
        self.hmtx = self.tt["hmtx"]
        self._glyphs: dict[str, tuple[str, float, str, float, float]] = {}
        self.ids: dict[str, str] = {}
        os2 = self.tt["OS/2"]  # a line is at least the typographic ascent and descent high (CJK: the ideographic em box)
        self.lp_top, self.lp_bottom = float(os2.sTypoAscender), float(os2.sTypoDescender)

    def glyph(self, ch: str) -> tuple[str, float, str, float, float]:
        """(svg id, advance, path in font units, ink bottom, ink top) of a character (font units)."""
        g = self._glyphs.get(ch)
        if g is None:
            g = self._glyphs[ch] = self._read(ch)
        return g

    def _read(self, ch: str) -> tuple[str, float, str, float, float]:
        from fontTools.pens.boundsPen import BoundsPen
        from fontTools.pens.svgPathPen import SVGPathPen

        name = self.cmap.get(ord(ch))
        if name is None:
            warnings.warn(f"Glyph {ord(ch)} ({ch!r}) missing from font {self.family}", RuntimeWarning, stacklevel=4)
            name = ".notdef"
        pen, bounds = SVGPathPen(self.glyphset), BoundsPen(self.glyphset)
        glyph = self.glyphset[name]
        glyph.draw(pen)
        glyph.draw(bounds)
        b = bounds.bounds or (0, 0, 0, 0)
        gid = self.ids.setdefault(name, f"g{len(self.ids)}")
        return gid, float(self.hmtx[name][0]), pen.getCommands(), float(b[1]), float(b[3])


@cache
def _font() -> _Font:
    return _Font(font_file())


class _Text:
    """A laid-out line of text at ``size`` points: width, ascent, descent (points), its glyphs, and ``uses``:
    the ``<use>`` of each drawn glyph at its advance (font units) and the (svg id, path) of those glyphs."""

    __slots__ = ("ascent", "descent", "glyphs", "paths", "s", "size", "uses", "width")

    def __init__(self, s: str, size: float):
        f = _font()
        self.s, self.size = s, size
        self.glyphs = [f.glyph(ch) for ch in s]
        k = size / f.upem
        self.width = sum(g[1] for g in self.glyphs) * k
        self.ascent = max([f.lp_top, *(g[4] for g in self.glyphs)]) * k
        self.descent = -min([f.lp_bottom, *(g[3] for g in self.glyphs)]) * k
        uses, adv, self.paths = [], 0.0, []
        for gid, a, d, _, _ in self.glyphs:
            if d:
                self.paths.append((gid, d))
                uses.append(f'<use xlink:href="#{gid}" x="{_n(adv)}"/>')
            adv += a
        self.uses = "".join(uses)

    @property
    def height(self) -> float:
        return self.ascent + self.descent

    def box(self, x: float, y: float, ha: str, va: str) -> tuple[float, float, float, float, float]:
        """(left, baseline, top, right, bottom): the text's origin and box in SVG coordinates (y down)."""
        left = x - (self.width if ha == "right" else self.width / 2 if ha == "center" else 0)
        base = {"top": y + self.ascent, "bottom": y - self.descent, "baseline": y,
                "center": y + self.height / 2 - self.descent, "center_baseline": y + self.ascent / 2}[va]
        return left, base, base - self.ascent, left + self.width, base + self.descent


_TEXTS: dict[tuple[str, float], _Text] = {}


def _text(s: str, size: float) -> _Text:
    """``_Text(s, size)``, laid out once per process (labels and names recur in every district's charts)."""
    t = _TEXTS.get((s, size))
    if t is None:
        if len(_TEXTS) >= 20_000:
            _TEXTS.clear()
        t = _TEXTS[s, size] = _Text(s, size)
    return t


def _n(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


class _Canvas:
    """SVG elements of one chart, the glyphs they use, and the ink box of everything drawn."""

    def __init__(self):
        self.parts: list[str] = []
        self.glyphs: dict[str, str] = {}
        self.x0 = self.y0 = math.inf
        self.x1 = self.y1 = -math.inf

    def _grow(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.x0, self.y0, self.x1, self.y1 = min(self.x0, x0), min(self.y0, y0), max(self.x1, x1), max(self.y1, y1)

    def text(self, s: str, size: float, x: float, y: float, ha: str = "left", va: str = "baseline",
             in_layout: bool = True) -> None:
        t = _text(s, size)
        left, base, top, right, bottom = t.box(x, y, ha, va)
        if in_layout:
            self._grow(left, top, right, bottom)
        k = size / _font().upem
        for gid, d in t.paths:
            self.glyphs.setdefault(gid, d)
        self.parts.append(f'<g aria-label="{escape(s)}" transform="translate({_n(left)} {_n(base)}) scale({_n(k)} {_n(-k)})">'
                          + t.uses + "</g>")

    def rect(self, x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> None:
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"{extra}/>')

    def line(self, x0: float, y0: float, x1: float, y1: float, *, cap: str = "butt") -> None:
        self.parts.append(f'<path d="M{_n(x0)} {_n(y0)}L{_n(x1)} {_n(y1)}" stroke="#000" stroke-width="0.8" '
                          f'stroke-linecap="{cap}" fill="none"/>')

    def svg(self, width: float, height: float, title: str, kind: str) -> str:
        defs = "".join(f'<path id="{gid}" d="{d}"/>' for gid, d in self.glyphs.items())
        return ('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
                f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
                f'width="{_n(width)}pt" height="{_n(height)}pt" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
                f'aria-label="{escape(title)}" data-chart="{kind}">\n<title>{escape(title)}</title>\n'
                f"<defs>{defs}</defs>\n"
                f'<rect width="{_n(width)}" height="{_n(height)}" fill="#fff"/>\n' + "\n".join(self.parts) + "\n</svg>\n")


# --- value axis: matplotlib's AutoLocator (MaxNLocator, steps 1, 2, 2.5, 5, 10) and ScalarFormatter ----------

_STEPS = (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20)


def _ticks(vmin: float, vmax: float, nbins: int) -> list[float]:
    dv = abs(vmax - vmin)
    meanv = (vmax + vmin) / 2
    offset = 0.0 if abs(meanv) / dv < 100 else math.copysign(10 ** (math.log10(abs(meanv)) // 1), meanv)
    scale = 10 ** (math.log10(dv / nbins) // 1)
    lo, hi = vmin - offset, vmax - offset
    steps = [s * scale for s in _STEPS]
    raw = (hi - lo) / nbins
    istep = next(i for i, s in enumerate(steps) if s >= raw)
    ticks: list[float] = []
    for step in steps[:istep + 1][::-1]:
        best = (lo // step) * step
        tol = 1e-10 if offset <= 0 else min(0.4999, max(1e-10, 10 ** (math.log10(offset / step) - 12)))
        d, m = divmod(lo - best, step)
        low = d + 1 if abs(m / step - 1) < tol else d
        d, m = divmod(hi - best, step)
        high = d if abs(m / step) < tol else d + 1
        ticks = [i * step + best for i in range(int(low), int(high) + 1)]
        if sum(1 for t in ticks if lo <= t <= hi) >= 2:
            break
    return [t + offset for t in ticks]


def _tick_labels(ticks: list[float]) -> list[str]:
    decimals = 0
    for t in ticks:
        for d in range(0, 7):
            if abs(round(t, d) - t) < 1e-9 * max(1.0, abs(t)):
                decimals = max(decimals, d)
                break
    return [f"{0.0 if abs(t) < 1e-12 else t:.{decimals}f}" for t in ticks]


def _value_limits(values: list[float]) -> tuple[float, float]:
    lo, hi = min(0.0, *values), max(0.0, *values)
    if lo == hi:  # nothing to show: matplotlib's non-singular limits
        lo, hi = lo - 0.05, hi + 0.05
    span = hi - lo
    lo2, hi2 = lo - 0.05 * span, hi + 0.05 * span
    return (0.0 if lo >= 0 else lo2), (0.0 if hi <= 0 else hi2)  # bars stick to 0


# --- a bar chart --------------------------------------------------------------------------------------------

class _Series:
    __slots__ = ("color", "label", "offset", "texts", "values", "width")

    def __init__(self, offset: float, width: float, values: list[float], color: str, label: str = "",
                 texts: list[str] | None = None):
        self.offset, self.width, self.values, self.color, self.label, self.texts = offset, width, values, color, label, texts


_PAD = 1.08 * 10  # tight_layout's pad (1.08 × the default font size)
_TICK, _TICK_PAD = 3.5, 3.5


def _chart(kind: str, width_in: float, height_in: float, categories: list[str], series: list[_Series], title: str, *,
           horizontal: bool = False, category_size: float = 10, legend: bool = False,
           bar_labels: list[str] | None = None) -> str:
    """One bar chart (vertical or horizontal) laid out like matplotlib's ``tight_layout`` (see module docstring).

    ``categories`` in axis order (left to right, or bottom to top when ``horizontal``), each series' bars at
    category index + ``offset``.
    """
    W, H = width_in * DPI, height_in * DPI
    n = len(categories)
    cat_lo = min(s.offset - s.width / 2 for s in series) if n else -0.5
    cat_hi = (n - 1 + max(s.offset + s.width / 2 for s in series)) if n else 0.5
    span = cat_hi - cat_lo
    cat_lim = (cat_lo - 0.05 * span, cat_hi + 0.05 * span)
    val_lim = _value_limits([v for s in series for v in s.values])
    box = (0.125 * W, 0.12 * H, 0.9 * W, 0.89 * H)  # matplotlib's default subplot: left, top, right, bottom
    # tight_layout: measure everything drawn in matplotlib's default subplot box, then move the axes' edges so
    # that it fits the figure less the pad; the final draw picks the value ticks again for the final size
    canvas = _draw(box, categories, series, title, horizontal, category_size, legend, cat_lim, val_lim)
    left = _PAD + (box[0] - canvas.x0)
    top = _PAD + (box[1] - canvas.y0)
    right = W - _PAD - (canvas.x1 - box[2])
    bottom = H - _PAD - (canvas.y1 - box[3])
    canvas = _draw((left, top, right, bottom), categories, series, title, horizontal, category_size, legend,
                   cat_lim, val_lim)
    return canvas.svg(W, H, title, kind)


def _draw(box, categories, series, title, horizontal, category_size, legend, cat_lim, val_lim) -> _Canvas:
    left, top, right, bottom = box
    c = _Canvas()
    c._grow(left, top, right, bottom)  # the axes' box is part of the layout
    # axis transforms
    if horizontal:
        val_px = lambda v: left + (v - val_lim[0]) / (val_lim[1] - val_lim[0]) * (right - left)  # noqa: E731
        cat_px = lambda p: bottom - (p - cat_lim[0]) / (cat_lim[1] - cat_lim[0]) * (bottom - top)  # noqa: E731
        val_len, tick_size_factor = right - left, 3
    else:
        val_px = lambda v: bottom - (v - val_lim[0]) / (val_lim[1] - val_lim[0]) * (bottom - top)  # noqa: E731
        cat_px = lambda p: left + (p - cat_lim[0]) / (cat_lim[1] - cat_lim[0]) * (right - left)  # noqa: E731
        val_len, tick_size_factor = bottom - top, 2
    nbins = min(9, max(1, math.floor(val_len / (10 * tick_size_factor))))
    ticks = [t for t in _ticks(val_lim[0], val_lim[1], nbins) if val_lim[0] - 1e-9 <= t <= val_lim[1] + 1e-9]
    # bars
    bars: list[tuple[float, float, float, float]] = []
    for s in series:
        for i, v in enumerate(s.values):
            p0, p1 = cat_px(i + s.offset - s.width / 2), cat_px(i + s.offset + s.width / 2)
            z, e = val_px(0), val_px(v)
            label = escape(categories[i])
            extra = f' data-label="{label}" data-value="{_n(v)}"' + (f' data-series="{escape(s.label)}"' if s.label else "")
            if horizontal:
                c.rect(z, p1, e - z, p0 - p1, s.color, extra)
                bars.append((min(z, e), p1, max(z, e), p0))
            else:
                c.rect(p0, e, p1 - p0, z - e, s.color, extra)
                bars.append((p0, min(z, e), p1, max(z, e)))
            if s.texts is not None:
                if horizontal:
                    c.text(s.texts[i], 8, e + (2 if v >= 0 else -2), (p0 + p1) / 2, "left" if v >= 0 else "right", "center")
                else:
                    c.text(s.texts[i], 8, (p0 + p1) / 2, e - (2 if v >= 0 else -2), "center", "bottom" if v >= 0 else "top")
    # spines (left and bottom) and ticks
    c.line(left, top, left, bottom, cap="square")
    c.line(left, bottom, right, bottom, cap="square")
    tick_labels = _tick_labels(ticks)
    for i, name in enumerate(categories):
        p = cat_px(i)
        if horizontal:
            c.line(left, p, left - _TICK, p)
            c.text(name, category_size, left - _TICK - _TICK_PAD, p, "right", "center_baseline")
        else:
            c.line(p, bottom, p, bottom + _TICK)
            c.text(name, category_size, p, bottom + _TICK + _TICK_PAD, "center", "top")
    for t, label in zip(ticks, tick_labels, strict=True):
        p = val_px(t)
        if horizontal:
            c.line(p, bottom, p, bottom + _TICK)
            c.text(label, 10, p, bottom + _TICK + _TICK_PAD, "center", "top")
        else:
            c.line(left, p, left - _TICK, p)
            c.text(label, 10, left - _TICK - _TICK_PAD, p, "right", "center_baseline")
    c.text(title, 11, (left + right) / 2, top - 6, "center", "baseline")
    if legend:
        _legend(c, box, series, bars)
    return c


def _legend(c: _Canvas, box, series: list[_Series], bars) -> None:
    """matplotlib's legend at 8 pt, ``loc="best"``: the first of its candidate places overlapping fewest bars."""
    left, top, right, bottom = box
    fs = 8
    texts = [_text(s.label, fs) for s in series]
    pad, spacing, hl, hh, htp, axpad = 0.4 * fs, 0.5 * fs, 2.0 * fs, 0.7 * fs, 0.8 * fs, 0.5 * fs
    row_h = [max(t.height, hh) for t in texts]
    w = 2 * pad + hl + htp + max(t.width for t in texts)
    h = 2 * pad + sum(row_h) + spacing * (len(texts) - 1)
    xs = {"l": left + axpad, "c": (left + right - w) / 2, "r": right - axpad - w}
    ys = {"u": top + axpad, "c": (top + bottom - h) / 2, "b": bottom - axpad - h}
    # matplotlib's codes 1..10: upper right, upper left, lower left, lower right, right, center left, center right,
    # lower center, upper center, center
    places = [("r", "u"), ("l", "u"), ("l", "b"), ("r", "b"), ("r", "c"), ("l", "c"), ("r", "c"), ("c", "b"),
              ("c", "u"), ("c", "c")]
    best = None
    for i, (px, py) in enumerate(places):
        x0, y0 = xs[px], ys[py]
        bad = sum(1 for b in bars if b[0] < x0 + w and x0 < b[2] and b[1] < y0 + h and y0 < b[3])
        if best is None or bad < best[0]:
            best = (bad, i, x0, y0)
        if bad == 0:
            break
    _, _, x0, y0 = best
    c.parts.append(f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(0.2 * fs)}" '
                   'fill="#fff" fill-opacity="0.8" stroke="#ccc" stroke-width="1"/>')
    y = y0 + pad
    for s, rh in zip(series, row_h, strict=True):
        mid = y + rh / 2
        c.rect(x0 + pad, mid - hh / 2, hl, hh, s.color)
        c.text(s.label, fs, x0 + pad + hl + htp, mid, "left", "center", in_layout=False)
        y += rh + spacing


# --- the four charts ----------------------------------------------------------------------------------------

def _bars(kind: str, labels: list[str], values: list[float | None], title: str, *, horizontal: bool = False) -> str:
    vals = [0.0 if v is None else float(v) for v in values]
    texts = ["—" if v is None else f"{v:g}" for v in values]
    if horizontal:  # first label on top
        labels, vals, texts = labels[::-1], vals[::-1], texts[::-1]
        height = max(3.0, 0.32 * len(labels) + 1.2)
        return _chart(kind, 7.5, height, labels, [_Series(0, 0.8, vals, BLUE, texts=texts)], title, horizontal=True)
    return _chart(kind, 7.5, 3.6, labels, [_Series(0, 0.8, vals, BLUE, texts=texts)], title, category_size=8)


def chart_svgs(fig_: DistrictFigures) -> dict[str, str]:
    """{chart name: SVG text} for :data:`CHART_NAMES`."""
    k = fig_.kpis
    f = k["figures"]
    out = {}
    groups = list(RESULT_GROUPS)
    out["outcomes"] = _bars("outcomes", [_bare(group_label(g)) for g in groups],
                            [f[g] for g in groups], "办理结果 Requests by outcome")
    cols = ("natural_person", *voc.ORG_COLS)
    out["applicants"] = _bars("applicants", [voc.label("requests", "col", c) for c in cols],
                              [f[f"applicants_{c}"] for c in cols],
                              "本年新收申请 · 申请人情况 New requests by applicant type")
    out["yoy"] = _yoy(fig_)
    names, received = fig_.top_agencies(20)
    out["agencies"] = _bars("agencies", [_short(n, fig_.district.name) for n in names], received,
                            "各机关本年新收申请 Agencies by volume", horizontal=True)
    return out


def _yoy(fig_: DistrictFigures) -> str:
    names = {"new_received": voc.label("requests", "row", "new_received").split("、", 1)[-1][:6] + "申请",
             "results_total": "办理结果总计", "review_total": "行政复议", "suit_total": "行政诉讼",
             "granted": _bare(group_label("granted")), "partial": _bare(group_label("partial"))}
    keys = list(YOY_FIGURES)
    cur = [float(fig_.kpis["figures"][k] or 0) for k in keys]
    labels = [names[k] for k in keys]
    if fig_.kpis["yoy"]:
        prev = [float(fig_.kpis["yoy"][k]["prev"] or 0) for k in keys]
        series = [_Series(-0.2, 0.4, prev, LIGHT, f"{fig_.year - 1}年"), _Series(0.2, 0.4, cur, BLUE, f"{fig_.year}年")]
        title = f"同比 Year over year ({fig_.year - 1}年 {fig_.previous_loaded} 个机关 → {fig_.year}年)"
        return _chart("yoy", 7.5, 3.6, labels, series, title, category_size=8, legend=True)
    title = f"同比 Year over year：{fig_.year - 1}年无已加载数据 (no previous year loaded)"
    return _chart("yoy", 7.5, 3.6, labels, [_Series(0, 0.5, cur, BLUE, f"{fig_.year}年")], title, category_size=8)


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
