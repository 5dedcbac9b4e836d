"""The printed layout of the three tables and the report around them, shared by every renderer.

Why one layout: page text, HTML and DOCX must show the same tables the way agencies publish them
(block captions of table 二, the 3-row header of table 三 with its merged group labels, the 3-row
header of table 四). The layout is a grid of rows of cells with rowspan/colspan, as in an HTML
table; HTML and DOCX draw it with merged cells and the page text reads it in row-major order, one
cell per line, which is exactly how a published page flattens to text (report 00).
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

from pipeline import vocabulary as voc
from pipeline.model import Cell, ParsedReport

#: Notice of each template version, as cited in the preamble.
NOTICES: dict[str, str] = {
    "v2019": "《国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知》（国办公开办函〔2019〕60号）",
    "v2021": "《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）",
}
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
#: Header labels as they often wrap in published tables (template.md §4.1, §5).
_WRAPPED = {"商业企业": "商业\n企业", "科研机构": "科研\n机构", "结果维持": "结果\n维持", "结果纠正": "结果\n纠正",
            "其他结果": "其他\n结果", "尚未审结": "尚未\n审结"}
_HALF = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "！": "!", "？": "?"})


@dataclass(slots=True)
class GridCell:
    """One printed cell: its text (``\\n`` = a line break inside the cell), spans, and the data key."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    key: tuple[str, str, str] | None = None


Grid = list[list[GridCell]]


def halfwidth(text: str) -> str:
    """Full-width brackets and punctuation as half-width ones, as many published pages print them."""
    return text.translate(_HALF)


def cell_text(cell: Cell | None) -> str:
    """The printed form of a cell: its ``raw`` text, else its value, else blank."""
    if cell is None:
        return ""
    if cell.raw:
        return cell.raw
    return "" if cell.value is None else str(cell.value)


def _label(text: str, wrap: bool) -> str:
    return _WRAPPED.get(text, text) if wrap else text


def proactive_grid(report: ParsedReport) -> Grid:
    """Table 二: per block a caption row (colspan 4), a 信息内容 header row and its data rows."""
    v, cells = report.template, report.cell_map()
    grid: Grid = []
    for block in voc.PROACTIVE_LAYOUT[v]:
        spans = [1] * (len(block.cols) - 1) + [4 - len(block.cols)]  # the last column fills the 3 value columns
        grid.append([GridCell(block.caption, colspan=4, header=True)])
        grid.append([GridCell("信息内容", header=True)]
                    + [GridCell(voc.label("proactive", "col", c, v), colspan=s, header=True) for c, s in zip(block.cols, spans, strict=True)])
        for row in block.rows:
            grid.append([GridCell(voc.label("proactive", "row", row, v), header=True)]
                        + [GridCell(cell_text(cells.get(("proactive", row, c))), colspan=s, key=("proactive", row, c))
                           for c, s in zip(block.cols, spans, strict=True)])
    return grid


def requests_grid(report: ParsedReport, *, wrap: bool = False) -> Grid:
    """Table 三: 3 label columns and 7 number columns, the merged group labels of the template."""
    v, cells = report.template, report.cell_map()
    cols = voc.cols("requests", v)
    rows = voc.rows("requests", v, single_other=report.single_other)

    def values(row: str) -> list[GridCell]:
        return [GridCell(cell_text(cells.get(("requests", row, c))), key=("requests", row, c)) for c in cols]

    grid: Grid = [
        [GridCell(T3_NOTE, rowspan=3, colspan=3, header=True), GridCell("申请人情况", colspan=7, header=True)],
        [GridCell("自然人", rowspan=2, header=True), GridCell("法人或其他组织", colspan=5, header=True),
         GridCell("总计", rowspan=2, header=True)],
        [GridCell(_label(voc.label("requests", "col", c, v), wrap), header=True) for c in voc.ORG_COLS],
    ]
    result_rows = [r for r in rows if r not in ("new_received", "carried_over", "carry_forward")]
    group_done: set[str] = set()
    for row in rows:
        line: list[GridCell] = []
        if row in ("new_received", "carried_over", "carry_forward"):
            grid.append([GridCell(voc.label("requests", "row", row, v), colspan=3, header=True), *values(row)])
            continue
        if row == result_rows[0]:
            line.append(GridCell("三、本年度办理结果", rowspan=len(result_rows), header=True))
        group = row.split(".", 1)[0]
        if "." in row:
            members = [r for r in rows if r.startswith(group + ".")]
            if group not in group_done:
                group_done.add(group)
                title = voc.label("requests", "row", row, v).split(" ", 1)[0]
                line.append(GridCell(title, rowspan=len(members), header=True))
            line.append(GridCell(voc.short_label("requests", "row", row, v), header=True))
        else:
            line.append(GridCell(voc.label("requests", "row", row, v), colspan=2, header=True))
        grid.append(line + values(row))
    return grid


def appeals_grid(report: ParsedReport, *, wrap: bool = False) -> Grid:
    """Table 四: 行政复议 (5) | 行政诉讼 (未经复议直接起诉 5, 复议后起诉 5) and one row of 15 numbers."""
    v, cells = report.template, report.cell_map()
    parts = voc.cols("appeals", v)

    def leaf(c: str, **kw: int) -> GridCell:
        return GridCell(_label(voc.label("appeals", "col", c, v), wrap), header=True, **kw)

    return [
        [GridCell("行政复议", colspan=5, header=True), GridCell("行政诉讼", colspan=10, header=True)],
        [*(leaf(c, rowspan=2) for c in parts), GridCell("未经复议直接起诉", colspan=5, header=True),
         GridCell("复议后起诉", colspan=5, header=True)],
        [leaf(c) for c in parts] * 2,
        [GridCell(cell_text(cells.get(("appeals", r, c))), key=("appeals", r, c))
         for r in voc.rows("appeals", v) for c in parts],
    ]


def table_grids(report: ParsedReport, *, wrap: bool = False) -> dict[str, Grid]:
    """The three tables by section code, in printed order."""
    return {"proactive": proactive_grid(report), "requests": requests_grid(report, wrap=wrap),
            "appeals": appeals_grid(report, wrap=wrap)}


def placed(grid: Grid) -> tuple[int, list[tuple[int, int, GridCell]]]:
    """(number of columns, [(row, column, cell)]) — each cell at its top-left grid position."""
    taken: set[tuple[int, int]] = set()
    out = []
    width = 0
    for r, line in enumerate(grid):
        c = 0
        for cell in line:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
            width = max(width, c)
    return width, out


def preamble(report: ParsedReport) -> str:
    """The opening paragraph: basis, statistical period (template.md §2)."""
    m = report.meta
    who = m.agency or "本机关"
    year = m.year or ""
    return (f"根据《中华人民共和国政府信息公开条例》和{NOTICES[report.template]}要求，现公布{who}{year}年政府信息公开工作"
            f"年度报告。本报告中所列数据的统计期限为{year}年1月1日起至{year}年12月31日止。如对报告内容有疑问，"
            f"请与{who}联系。")


def publish_time(report: ParsedReport) -> str:
    """A stable HH:MM for the "发布日期" line (pages print a time; the parse keeps only the date)."""
    h = zlib.crc32((report.meta.title or "").encode("utf-8"))
    return f"{8 + h % 10:02d}:{(h >> 8) % 60:02d}"


def period(report: ParsedReport) -> str:
    """"2021年" for the breadcrumb, from the year or the publication date."""
    if report.meta.year:
        return f"{report.meta.year}年"
    if report.meta.published_on:
        return f"{dt.date.fromisoformat(report.meta.published_on).year - 1}年"
    return ""


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").splitlines() if p.strip()]
