"""The district report as XLSX (openpyxl): the official layout per table, and one long sheet per agency.

Sheets: 说明 (title, provenance, coverage by name), 表二 / 表三 / 表四 (the official layout with merged
headers; figures are numeric cells — int for counts, float for amounts — and marked cells get a comment
naming their annex entries), 指标 (KPIs), 排名 (agency ranking), 附注 (annex), 汇总长表 (the long form),
then one sheet per loaded agency (its active cells in long form, sheet named after the agency).
Provenance is also in the workbook's document properties.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import vocabulary as voc
from pipeline.publish import view
from pipeline.publish.figures import DistrictFigures
from pipeline.publish.members import FAILED, LOADED, MISSING, WITHDRAWN
from pipeline.publish.provenance import Provenance
from pipeline.publish.tables import number, official_grids
from pipeline.render.layout import placed

SHEETS = {"proactive": "表二", "requests": "表三", "appeals": "表四"}
_BAD = set('[]:*?/\\')


def write_xlsx(fig: DistrictFigures, prov: Provenance, long: pd.DataFrame, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="F3F3F3")
    flag_fill = PatternFill("solid", fgColor="FFF6D6")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    info = wb.active
    info.title = "说明"
    info.append([fig.title])
    info["A1"].font = Font(bold=True, size=14)
    for k, v in prov.as_dict().items():
        info.append([k, v])
    c = fig.members.counts()
    info.append([])
    info.append(["登记 registered", c["registered"], "已纳入 loaded", c["loaded"], "未通过 failed", c["failed"],
                 "缺报 missing", c["missing"], "已撤销 withdrawn", c["withdrawn"]])
    info.append(["状态 status", "机关 agency", "id", "版本 version", "说明 reason"])
    for status in (LOADED, FAILED, MISSING, WITHDRAWN):
        for m in fig.members.by_status(status):
            info.append([status, m.name, m.agency_id, m.version, m.reason])
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 36

    annex = fig.annex
    for code, grid in official_grids(fig.table, fig.version).items():
        ws = wb.create_sheet(SHEETS[code])
        ws.append([voc.SECTIONS[code]])
        ws["A1"].font = Font(bold=True)
        flags = dict(zip(zip(fig.table["table"], fig.table["row"], fig.table["col"], strict=True), fig.table["flags"], strict=True))
        values = dict(zip(zip(fig.table["table"], fig.table["row"], fig.table["col"], strict=True), fig.table["value"], strict=True))
        width, cells = placed(grid)
        for r, col, cell in cells:
            row, column = r + 2, col + 1
            target = ws.cell(row=row, column=column)
            if cell.key:
                target.value = number(cell.key[0], cell.key[2], values.get(cell.key))
                target.alignment = Alignment(horizontal="right", vertical="center")
                if flags.get(cell.key):
                    target.fill = flag_fill
                    notes = annex[(annex["table"] == cell.key[0]) & (annex["row"] == cell.key[1]) & (annex["col"] == cell.key[2])]
                    target.comment = Comment("\n".join(f"{a.agency_name}: {a.detail}" for a in notes.itertuples())[:2000],
                                             "pipeline")
            else:
                target.value = cell.text
                target.alignment = center
                target.fill = head_fill
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    ws.cell(row=row + dr, column=column + dc).border = box
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=row, start_column=column, end_row=row + cell.rowspan - 1,
                               end_column=column + cell.colspan - 1)
        for i in range(1, width + 1):
            ws.column_dimensions[get_column_letter(i)].width = 16 if code != "appeals" else 9
        ws.append([])
        ws.append([prov.line_zh()])

    _rows(wb.create_sheet("指标"), ["指标", "indicator", f"{fig.year}", f"{fig.year - 1}", "增减", "增减%"],
          [[k["zh"], k["en"], k["raw"] if k["raw"] is not None else None, k["prev"], k["change"], k["pct"]] for k in view.kpi_rows(fig)])
    _rows(wb.create_sheet("排名"), ["名次", "机关", "本年新收", "办理结果总计", "公开率", "行政复议", "行政诉讼"],
          [[r.rank, r.agency_name, _py(r.new_received), _py(r.results_total), _py(r.disclosure_rate), _py(r.review_total),
            _py(r.suit_total)] for r in fig.ranking.itertuples()])
    _rows(wb.create_sheet("附注"), ["单元格", "机关", "类别", "说明"],
          [[a["cell"], a["agency_name"], a["kind"], a["detail"]] for a in view.annex_rows(fig)])
    _rows(wb.create_sheet("汇总长表"), list(long.columns), [[_py(x) for x in row] for row in long.itertuples(index=False)])

    cells = fig.members.cells
    used: set[str] = set(wb.sheetnames)
    for m in fig.members.by_status(LOADED):
        mine = cells[cells["agency_id"] == m.agency_id]
        ws = wb.create_sheet(_sheet_name(m.name, fig.district.name, used))
        ws.append([m.name, m.agency_id, f"第{m.version}版", m.template_version, m.source_name])
        ws.append(["table", "row", "row_label", "col", "col_label", "value", "raw", "ambiguous", "derived"])
        v = m.template_version or fig.version
        for r in mine.itertuples():
            ws.append([r.table, r.row, voc.label(r.table, "row", r.row, v), r.col, voc.label(r.table, "col", r.col, v),
                       number(r.table, r.col, r.value), r.raw, bool(r.ambiguous), bool(r.derived)])

    wb.properties.title = fig.title
    wb.properties.creator = "pipeline"
    wb.properties.subject = f"{fig.district.code} {fig.year} {prov.template_version}"
    wb.properties.description = prov.line_zh()
    wb.properties.keywords = f"run_id={prov.run_id}"
    wb.save(path)
    return path


def _rows(ws, header: list, rows: list[list]) -> None:
    from openpyxl.styles import Font

    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)


def _py(v):
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _sheet_name(name: str, district_name: str, used: set[str]) -> str:
    base = name[len(district_name):] if district_name and name.startswith(district_name) and len(name) > len(district_name) else name
    base = "".join(ch for ch in base if ch not in _BAD)[:28] or "机关"
    out, i = base, 2
    while out in used:
        out, i = f"{base[:26]}_{i}", i + 1
    used.add(out)
    return out
