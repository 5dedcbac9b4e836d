"""A report as the text of its published web page — the layout of report 00 (the project's origin).

Why: many submissions arrive as a page flattened to text: site chrome (breadcrumb, 索引号 block),
the title and 发布日期 line, the narrative paragraphs, then each table cell on a line of its own
with blank lines between cells; a merged cell appears once, where the page shows it. An empty cell
flattens to a line holding a no-break space, as an empty ``<td>&nbsp;</td>`` does.
"""

from __future__ import annotations

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.render.layout import Grid, halfwidth, paragraphs, period, preamble, publish_time, table_grids

INDENT = "\xa0 \xa0 \xa0 \xa0"
NBSP = "\xa0"


def render_page_text(report: ParsedReport, *, half_width: bool = False, wrap_headers: bool = True,
                     grids: dict[str, Grid] | None = None) -> str:
    """The page text of ``report``. ``half_width`` prints （）：，； half-width, as report 00 does;
    ``wrap_headers`` breaks header labels such as 商业企业 over two lines, as published pages do.
    ``grids`` replaces the tables' layout (as :func:`~pipeline.render.layout.table_grids` draws
    it) with a changed one, e.g. a damaged copy (:mod:`pipeline.synth.damage`)."""
    m = report.meta
    out: list[str] = ["当前位置:首页", f"> 政务公开 > 信息公开年报 > {period(report)}"]
    if m.index_no:
        out.append(f"索引号: {m.index_no} 公开方式: 主动公开")
    if m.published_on:
        out.append(f"文号: 公开日期: {m.published_on}")
    if m.agency:
        out.append(f"发布单位: {m.agency} 有效性:")
    out.append("统一编号:")
    for key, value in (("信息索引号", m.index_no), ("公开方式", "主动公开"), ("文号", None), ("公开日期", m.published_on),
                       ("发布单位", m.agency), ("有效性", None), ("统一编号", None)):
        out += [f"  • {key}:", ""]
        if value:
            out += [f"    {value}", ""]
    if m.title:
        out.append(m.title)
    if m.published_on:
        out.append(f"发布日期:{m.published_on} {publish_time(report)} 信息来源:{m.agency or ''} 浏览次数:")
    out += ["", INDENT + preamble(report), ""]

    grids = grids if grids is not None else table_grids(report, wrap=wrap_headers)
    for code, heading in voc.SECTIONS.items():
        if code in voc.NARRATIVE_SECTIONS:
            out += [f"{NBSP} {NBSP}{heading}", ""]
            body = paragraphs(report.sections.get(code, "")) or ["无。"]
            for p in body:
                out += [INDENT + p, ""]
            continue
        out += [NBSP, "", heading, "", NBSP, ""]
        for line in grids[code]:
            for cell in line:
                text = cell.text if cell.text.strip() else NBSP
                for part in text.split("\n"):
                    out += [part, ""]
    out += ["", "关闭", "打印"]
    text = "\n".join(out)
    return halfwidth(text) if half_width else text
