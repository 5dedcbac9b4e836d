"""The XLSX filing template: a labelled, protected workbook an agency fills in instead of drafting a report.

Why: a workbook with fixed cells is the one submission form that needs no recognition. Each sheet
carries the machine codes out of sight — column A holds the row code of every row (``requests:granted``),
row 1 the column code of every value column (``requests:natural_person``; ``proactive:#1``…``#3`` for
the positional columns of table 二) — so the reader maps cells by code even after rows are sorted,
moved or padded with blank rows, and falls back to the Chinese labels when the codes are gone.
Only the input cells are unlocked; sheet protection keeps labels and codes intact (no password:
protection guards against slips, not against the agency).

``build_template(version)`` gives the blank workbook, ``render_xlsx(report)`` the filled one.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.render.layout import NOTICES, T3_NOTE

#: Sheet title per part of the report (the reader finds tables by codes, not by these names).
SHEETS: dict[str, str] = {"meta": "基本信息", "proactive": "二、主动公开", "requests": "三、依申请公开", "appeals": "四、复议诉讼"}
META_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("agency", "报告机关（全称）", "如：衢州市衢江区教育局"),
    ("year", "报告年度", "四位数字，如 2021"),
    ("title", "报告标题", "如：衢州市衢江区教育局2021年政府信息公开工作年度报告"),
    ("published_on", "发布日期", "YYYY-MM-DD"),
    ("index_no", "索引号", ""),
    ("overview", voc.SECTIONS["overview"], "文字"),
    ("problems", voc.SECTIONS["problems"], "文字"),
    ("other_matters", voc.SECTIONS["other_matters"], "文字"),
)
TEMPLATE_CODE = "meta:template"
PROACTIVE_SLOTS = ("proactive:#1", "proactive:#2", "proactive:#3")
VERSION_NAMES = {"v2019": "2019年试行格式（国办公开办函〔2019〕60号）", "v2021": "2021年格式（国办公开办函〔2021〕30号）"}
INSTRUCTIONS = {"v2019": "上一年项目数量的本年增减可为负数（如 -3）；采购总金额以元为单位，可有两位小数。",
                "v2021": "收费金额以万元为单位，可有两位小数。"}
DATA_COL = 3  # column C: the first value column of every table sheet (A = codes, B = labels)

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _styles() -> list[NamedStyle]:
    """The three cell styles of the template (named styles: one registration instead of per-cell objects)."""
    return [
        NamedStyle("报告-输入", border=_BORDER, fill=PatternFill("solid", fgColor="FFF2CC"), alignment=_WRAP,
                   protection=Protection(locked=False)),
        NamedStyle("报告-标签", border=_BORDER, alignment=_WRAP),
        NamedStyle("报告-表头", border=_BORDER, alignment=_CENTER, font=Font(bold=True), fill=PatternFill("solid", fgColor="D9E1F2")),
    ]


def row_code(table: str, row: str) -> str:
    return f"{table}:{row}"


def build_template(version: str, *, single_other: bool = False, year: int | None = None) -> Workbook:
    """The blank workbook for template ``version`` (``single_other``: v2021 table 三 with one （六） row)."""
    if version not in voc.VERSIONS:
        raise ValueError(f"version must be one of {voc.VERSIONS}, got {version!r}")
    wb = Workbook()
    for style in _styles():
        wb.add_named_style(style)
    meta = wb.active
    meta.title = SHEETS["meta"]
    _meta_sheet(meta, version, year)
    _proactive_sheet(wb.create_sheet(SHEETS["proactive"]), version)
    _requests_sheet(wb.create_sheet(SHEETS["requests"]), version, single_other)
    _appeals_sheet(wb.create_sheet(SHEETS["appeals"]), version)
    for ws in wb.worksheets:
        ws.column_dimensions["A"].hidden = True
        ws.row_dimensions[1].hidden = True
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # widths may be adjusted; codes and labels stay locked
        ws.protection.formatRows = False
    wb.properties.title = "政府信息公开工作年度报告填报模板"
    wb.properties.keywords = version
    return wb


def template_bytes(version: str, *, year: int | None = None) -> bytes:
    return _save(build_template(version, year=year))


def render_xlsx(report: ParsedReport) -> bytes:
    """``report`` written into the filing template of its version: the form an agency would send back."""
    wb = build_template(report.template, single_other=report.single_other, year=report.meta.year)
    meta = wb[SHEETS["meta"]]
    values = {"agency": report.meta.agency, "year": report.meta.year, "title": report.meta.title,
              "published_on": report.meta.published_on, "index_no": report.meta.index_no, **report.sections}
    for r in range(1, meta.max_row + 1):
        code = meta.cell(r, 1).value
        if isinstance(code, str) and code.startswith("meta:") and code != TEMPLATE_CODE:
            meta.cell(r, DATA_COL).value = values.get(code[5:]) or None
    cells = report.cell_map()
    for _ws, target, key in cell_slots(wb, report.template):
        cell = cells.get(key)
        if cell is not None:
            target.value = cell.value if cell.value is not None else (cell.raw or None)
    return _save(wb)


def cell_slots(wb, version: str):
    """Every template cell's place in a filing template built by :func:`build_template`: yields
    ``(worksheet, openpyxl cell, (table, row, col))`` for the rows the template prints, table by table."""
    for table in voc.TABLES:
        ws = wb[SHEETS[table]]
        cols = _col_positions(ws)
        for r in range(2, ws.max_row + 1):
            code = ws.cell(r, 1).value
            if not (isinstance(code, str) and code.startswith(table + ":")):
                continue
            row = code.split(":", 1)[1]
            for i, col in enumerate(voc.row_cols(table, version, row)):
                target = cols[PROACTIVE_SLOTS[i]] if table == "proactive" else cols[f"{table}:{col}"]
                yield ws, ws.cell(r, target), (table, row, col)


# -- sheets --------------------------------------------------------------------------------------
def _meta_sheet(ws: Worksheet, version: str, year: int | None) -> None:
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 90
    ws.column_dimensions["D"].width = 40
    ws.cell(1, DATA_COL, "value")
    _title(ws, 2, "政府信息公开工作年度报告 填报模板", 3)
    ws.cell(3, 2, "填报说明").font = Font(bold=True)
    ws.cell(3, DATA_COL, "只填黄色单元格；数量填整数，没有发生的填 0。" + INSTRUCTIONS[version]
            + "可以插入空行、调整行序，但请勿删除或改动隐藏的编码列（A 列）和编码行（第 1 行）。").alignment = _WRAP
    ws.row_dimensions[3].height = 48
    ws.cell(4, 1, TEMPLATE_CODE)
    _label(ws, 4, 2, "模板版本")
    ws.cell(4, DATA_COL, version).style = "报告-标签"
    ws.cell(4, 4, VERSION_NAMES[version] + "；依据" + NOTICES[version])
    ws.cell(4, 4).alignment = _WRAP
    for i, (code, label, hint) in enumerate(META_FIELDS):
        r = 5 + i
        ws.cell(r, 1, f"meta:{code}")
        _label(ws, r, 2, label)
        _input(ws.cell(r, DATA_COL))
        ws.cell(r, 4, hint).font = Font(color="808080")
        if code in ("overview", "problems", "other_matters"):
            ws.row_dimensions[r].height = 120
        if code == "year" and year:
            ws.cell(r, DATA_COL).value = year
    year_row = 5 + [f[0] for f in META_FIELDS].index("year")
    _validate(ws, "whole", [f"C{year_row}"], "between", 2000, 2100)


def _proactive_sheet(ws: Worksheet, version: str) -> None:
    _widths(ws, {"B": 26, "C": 20, "D": 20, "E": 20})
    for i, slot in enumerate(PROACTIVE_SLOTS):
        ws.cell(1, DATA_COL + i, slot)
    _title(ws, 2, "二、" + voc.TABLE_TITLES["proactive"], 4)
    r = 3
    kinds: dict[str, list[str]] = {"count": [], "signed_count": [], "amount": []}
    for block in voc.PROACTIVE_LAYOUT[version]:
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=2 + 3)
        _label(ws, r, 2, block.caption, head=True)
        r += 1
        _label(ws, r, 2, "信息内容", head=True)
        for i, col in enumerate(block.cols):
            _label(ws, r, DATA_COL + i, voc.label("proactive", "col", col, version), head=True)
        r += 1
        for row in block.rows:
            ws.cell(r, 1, row_code("proactive", row))
            _label(ws, r, 2, voc.label("proactive", "row", row, version))
            for i, col in enumerate(block.cols):
                cell = ws.cell(r, DATA_COL + i)
                _input(cell)
                kinds[voc.value_kind("proactive", col)].append(cell.coordinate)
            r += 1
    _validate(ws, "whole", kinds["count"], "greaterThanOrEqual", 0)
    _validate(ws, "whole", kinds["signed_count"], "between", -10**9, 10**9)
    _validate(ws, "decimal", kinds["amount"], "greaterThanOrEqual", 0)


def _requests_sheet(ws: Worksheet, version: str, single_other: bool) -> None:
    cols = voc.cols("requests", version)
    _widths(ws, {"B": 58, **{get_column_letter(DATA_COL + i): 11 for i in range(len(cols))}})
    last = DATA_COL + len(cols) - 1
    for i, col in enumerate(cols):
        ws.cell(1, DATA_COL + i, f"requests:{col}")
    _title(ws, 2, "三、" + voc.TABLE_TITLES["requests"], len(cols) + 1)
    ws.merge_cells(start_row=3, start_column=2, end_row=5, end_column=2)
    _label(ws, 3, 2, T3_NOTE, head=True)
    ws.merge_cells(start_row=3, start_column=DATA_COL, end_row=3, end_column=last)
    _label(ws, 3, DATA_COL, "申请人情况", head=True)
    ws.merge_cells(start_row=4, start_column=DATA_COL, end_row=5, end_column=DATA_COL)
    _label(ws, 4, DATA_COL, voc.label("requests", "col", cols[0], version), head=True)
    ws.merge_cells(start_row=4, start_column=DATA_COL + 1, end_row=4, end_column=last - 1)
    _label(ws, 4, DATA_COL + 1, "法人或其他组织", head=True)
    ws.merge_cells(start_row=4, start_column=last, end_row=5, end_column=last)
    _label(ws, 4, last, voc.label("requests", "col", cols[-1], version), head=True)
    for i, col in enumerate(cols[1:-1]):
        _label(ws, 5, DATA_COL + 1 + i, voc.label("requests", "col", col, version), head=True)
    coords = []
    r = 6
    for row in voc.rows("requests", version, single_other=single_other):
        if row == "granted":
            _label(ws, r, 2, "三、本年度办理结果", head=True)
            r += 1
        ws.cell(r, 1, row_code("requests", row))
        _label(ws, r, 2, voc.label("requests", "row", row, version))
        for i in range(len(cols)):
            _input(ws.cell(r, DATA_COL + i))
            coords.append(ws.cell(r, DATA_COL + i).coordinate)
        check = ws.cell(r, last + 1, f'=IF(SUM({_range(r, DATA_COL, last - 1)})={get_column_letter(last)}{r},"","总计≠各列之和")')
        check.font = Font(color="C00000")
        r += 1
    _validate(ws, "whole", coords, "greaterThanOrEqual", 0)
    ws.freeze_panes = "C6"


def _appeals_sheet(ws: Worksheet, version: str) -> None:
    cols = voc.cols("appeals", version)
    _widths(ws, {"B": 30, **{get_column_letter(DATA_COL + i): 12 for i in range(len(cols))}})
    for i, col in enumerate(cols):
        ws.cell(1, DATA_COL + i, f"appeals:{col}")
    _title(ws, 2, "四、" + voc.TABLE_TITLES["appeals"], len(cols) + 1)
    _label(ws, 3, 2, "", head=True)
    for i, col in enumerate(cols):
        _label(ws, 3, DATA_COL + i, voc.label("appeals", "col", col, version), head=True)
    coords = []
    for k, row in enumerate(voc.rows("appeals", version)):
        r = 4 + k
        ws.cell(r, 1, row_code("appeals", row))
        _label(ws, r, 2, voc.label("appeals", "row", row, version))
        for i in range(len(cols)):
            _input(ws.cell(r, DATA_COL + i))
            coords.append(ws.cell(r, DATA_COL + i).coordinate)
    _validate(ws, "whole", coords, "greaterThanOrEqual", 0)


# -- helpers -------------------------------------------------------------------------------------
def _col_positions(ws: Worksheet) -> dict[str, int]:
    return {v: c for c in range(1, ws.max_column + 1) if isinstance(v := ws.cell(1, c).value, str)}


def _title(ws: Worksheet, r: int, text: str, span: int) -> None:
    ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=1 + span)
    c = ws.cell(r, 2, text)
    c.font = Font(bold=True, size=13)
    c.alignment = _CENTER
    ws.row_dimensions[r].height = 24


def _label(ws: Worksheet, r: int, c: int, text: str, *, head: bool = False) -> None:
    ws.cell(r, c, text).style = "报告-表头" if head else "报告-标签"


def _input(cell: Cell) -> None:
    cell.style = "报告-输入"


def _widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w


def _range(r: int, c1: int, c2: int) -> str:
    return f"{get_column_letter(c1)}{r}:{get_column_letter(c2)}{r}"


def _validate(ws: Worksheet, kind: str, coords: Iterable[str], op: str, a: float, b: float | None = None) -> None:
    coords = list(coords)
    if not coords:
        return
    dv = DataValidation(type=kind, operator=op, formula1=str(a), formula2=None if b is None else str(b), allow_blank=True,
                        showErrorMessage=True, errorTitle="输入有误", error="请填写数字（" + ("整数" if kind == "whole" else "可带小数") + "）")
    dv.sqref = MultiCellRange(" ".join(coords))  # one parse; dv.add per cell is quadratic
    ws.add_data_validation(dv)


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
