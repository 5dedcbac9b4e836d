"""A report as the full HTML page a government site publishes (UTF-8, tables with rowspan/colspan).

Why: HTML is the most common submission form; the page carries site chrome (breadcrumb, the 索引号
block, ArticleTitle/PubDate meta tags) around the article, and the three tables are drawn with the
merged cells of the template, so a reader must cope with exactly what it meets on real sites.
"""

from __future__ import annotations

from html import escape

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.render.layout import Grid, paragraphs, period, preamble, publish_time, table_grids


def _td(text: str, rowspan: int, colspan: int) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    body = "<br/>".join(escape(t) for t in text.split("\n")) if text.strip() else "&nbsp;"
    return f"<td{attrs}><p>{body}</p></td>"


def render_table(grid: Grid) -> str:
    rows = ("<tr>" + "".join(_td(c.text, c.rowspan, c.colspan) for c in line) + "</tr>" for line in grid)
    return ('<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse">'
            "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>")


def render_html(report: ParsedReport, *, wrap_headers: bool = True, grids: dict[str, Grid] | None = None) -> str:
    """The page of ``report`` as a UTF-8 HTML document (``grids``: a changed table layout, as in
    :func:`~pipeline.render.page_text.render_page_text`)."""
    m = report.meta
    title = escape(m.title or "")
    head = ['<!DOCTYPE html>', '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">', f"<title>{title}</title>",
            f'<meta name="ArticleTitle" content="{title}">']
    if m.published_on:
        head.append(f'<meta name="PubDate" content="{m.published_on} {publish_time(report)}">')
    if m.agency:
        head.append(f'<meta name="ContentSource" content="{escape(m.agency)}">')
    head += ['<link rel="stylesheet" href="/css/style.css">',
             "<style>.content table td{border:1px solid #000;text-align:center;padding:2px}</style>", "</head>"]

    body = ["<body>", '<div class="header"><div class="logo">政府信息公开</div></div>',
            f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; 信息公开年报 &gt; {period(report)}</div>',
            '<ul class="xxgk-info">']
    for key, value in (("信息索引号", m.index_no), ("公开方式", "主动公开"), ("文号", ""),
                       ("公开日期", m.published_on), ("发布单位", m.agency), ("有效性", ""), ("统一编号", "")):
        body.append(f"<li><b>{key}：</b><span>{escape(value or '')}</span></li>")
    body += ["</ul>", '<div class="article">', f"<h1>{title}</h1>"]
    if m.published_on:
        body.append(f'<div class="info"><span>发布日期：{m.published_on} {publish_time(report)}</span>'
                    f"<span>信息来源：{escape(m.agency or '')}</span><span>浏览次数：</span></div>")
    body += ['<div class="content" id="zoom">', f'<p style="text-indent:2em">{escape(preamble(report))}</p>']
    grids = grids if grids is not None else table_grids(report, wrap=wrap_headers)
    for code, heading in voc.SECTIONS.items():
        body.append(f"<p><strong>{escape(heading)}</strong></p>")
        if code in voc.NARRATIVE_SECTIONS:
            body += [f'<p style="text-indent:2em">{escape(p)}</p>' for p in paragraphs(report.sections.get(code, "")) or ["无。"]]
        else:
            body.append(render_table(grids[code]))
    body += ["</div>", "</div>", '<div class="footer"><a href="javascript:window.close()">关闭</a> '
             '<a href="javascript:window.print()">打印</a></div>', "</body>", "</html>"]
    return "\n".join(head + body) + "\n"
