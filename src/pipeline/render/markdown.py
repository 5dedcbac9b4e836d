"""A report as the Markdown a PDF-to-Markdown converter makes of it (reports 05, 11, 12).

Why: many reports reach the project only as a PDF run through a converter. The converter keeps the
title and section headings as ``#`` headings, the prose as paragraphs, and each table as one pipe
table with every merged cell flattened: its text in its top-left grid position, the positions it
covered left empty. A cell whose text wraps onto a second line in the PDF (``"1\\n2"``) becomes a
continuation row holding only the wrapped part in the same column, as converters print it.
"""

from __future__ import annotations

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.render.layout import Grid, paragraphs, placed, preamble, table_grids


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render_table(grid: Grid) -> list[str]:
    """The pipe-table lines of ``grid``; header labels are joined onto one line, wrapped data cells
    continue on extra rows."""
    width, cells = placed(grid)
    matrix = [[""] * width for _ in grid]
    wrapped: dict[int, list[tuple[int, list[str]]]] = {}
    for r, c, cell in cells:
        if cell.header or "\n" not in cell.text:
            matrix[r][c] = cell.text.replace("\n", "").strip()
        else:
            first, *rest = cell.text.split("\n")
            matrix[r][c] = first.strip()
            wrapped.setdefault(r, []).append((c, rest))
    out: list[str] = []
    for r, line in enumerate(matrix):
        out.append(_pipe(line))
        if r == 0:
            out.append(_pipe(["---"] * width))
        depth = max((len(rest) for _, rest in wrapped.get(r, [])), default=0)
        for k in range(depth):
            extra = [""] * width
            for c, rest in wrapped[r]:
                if k < len(rest):
                    extra[c] = rest[k].strip()
            out.append(_pipe(extra))
    return out


def render_markdown(report: ParsedReport, *, grids: dict[str, Grid] | None = None) -> str:
    """The Markdown of ``report`` (``grids``: a changed table layout, as in the other renderers)."""
    m = report.meta
    out: list[str] = [f"# {m.title or '政府信息公开工作年度报告'}", ""]
    if m.index_no:
        out += [f"索引号：{m.index_no}", ""]
    if m.published_on:
        out += [f"发布日期：{m.published_on}", ""]
    out += [preamble(report), ""]
    grids = grids if grids is not None else table_grids(report, wrap=False)
    for code, heading in voc.SECTIONS.items():
        out += [f"## {heading}", ""]
        if code in voc.NARRATIVE_SECTIONS:
            for p in paragraphs(report.sections.get(code, "")) or ["无。"]:
                out += [p, ""]
        else:
            out += [*render_table(grids[code]), ""]
    if m.agency:
        out += [m.agency, ""]
    if m.published_on:
        y, mo, d = (int(x) for x in m.published_on.split("-"))
        out += [f"{y}年{mo}月{d}日", ""]
    return "\n".join(out)
