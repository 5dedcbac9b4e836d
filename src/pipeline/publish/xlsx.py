"""The district report as XLSX: the official layout per table, and one long sheet per agency.

Sheets: 说明 (title, provenance, coverage by name), 表二 / 表三 / 表四 (the official layout with merged
headers; figures are numeric cells — int for counts, float for amounts — and marked cells get a comment
naming their annex entries), 指标 (KPIs), 排名 (agency ranking), 附注 (annex), 汇总长表 (the long form),
then one sheet per loaded agency (its active cells in long form, sheet named after the agency).
Provenance is also in the workbook's document properties.

Why not openpyxl: a 60-agency district's workbook holds ≈ 110,000 cells, and openpyxl's cell objects
cost ≈ 1.5 s per district (issue 9). The package is written here directly — the same parts, cell types,
styles, merges, comments and properties openpyxl wrote (inline strings, numbers as ``%.16g``), the agency
sheets from a skeleton of their constant cells and the long form column by column
(:mod:`pipeline.publish.xlsxrows`), the zip by
:mod:`pipeline.publish.ziparchive` — so any reader (openpyxl, Excel, LibreOffice, pandas) reads the same
workbook as before. A text starting with ``=`` stays text (openpyxl made it a formula).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pipeline import vocabulary as voc
from pipeline.publish import view
from pipeline.publish.figures import DistrictFigures
from pipeline.publish.members import FAILED, LOADED, MISSING, WITHDRAWN
from pipeline.publish.provenance import Provenance
from pipeline.publish.tables import number
from pipeline.publish.xlsxrows import COLS as _COLS
from pipeline.publish.xlsxrows import agency_rows, cells_by_agency, table_rows
from pipeline.publish.xlsxrows import cell as _cell
from pipeline.publish.xlsxrows import esc as _esc
from pipeline.publish.ziparchive import write_zip
from pipeline.render.layout import placed

SHEETS = {"proactive": "表二", "requests": "表三", "appeals": "表四"}
#: Row 2 of an agency sheet: the columns of its cell rows (:func:`pipeline.publish.xlsxrows.agency_rows`)
AGENCY_HEADER = ("table", "row", "row_label", "col", "col_label", "value", "raw", "ambiguous", "derived")
_BAD = set('[]:*?/\\')
#: deflate level of the package's parts (zlib's 1: a third of level 6's time for a file ≈ 15% larger;
#: see :mod:`pipeline.publish.ziparchive`)
COMPRESSLEVEL = 1

# cellXfs of styles.xml: default, title (bold 14), bold, header, figure, flagged figure, then the borders of cells
# covered by a merge (openpyxl's MergedCellRange.format: the range's outer edges), by side mask L=1 R=2 T=4 B=8.
_TITLE, _BOLD, _HEAD, _NUM, _FLAG, _EDGE = 1, 2, 3, 4, 5, 6
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _border(mask: int) -> str:
    sides = "".join(f'<{s} style="thin"/>' if mask & bit else f"<{s}/>"
                    for s, bit in (("left", 1), ("right", 2), ("top", 4), ("bottom", 8)))
    return f"<border>{sides}<diagonal/></border>"


def _styles() -> str:
    fonts = ('<fonts count="3"><font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
             '<scheme val="minor"/></font><font><b val="1"/><sz val="14"/></font><font><b val="1"/></font></fonts>')
    fills = ('<fills count="4"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill>'
             '<fill><patternFill patternType="solid"><fgColor rgb="00F3F3F3"/></patternFill></fill>'
             '<fill><patternFill patternType="solid"><fgColor rgb="00FFF6D6"/></patternFill></fill></fills>')
    borders = f'<borders count="16">{"".join(_border(m) for m in range(16))}</borders>'
    xf = '<xf numFmtId="0" fontId="{}" fillId="{}" borderId="{}" xfId="0"{}>{}</xf>'
    right = ' applyAlignment="1"', '<alignment horizontal="right" vertical="center"/>'
    center = ' applyAlignment="1"', '<alignment horizontal="center" vertical="center" wrapText="1"/>'
    xfs = [xf.format(0, 0, 0, "", ""), xf.format(1, 0, 0, "", ""), xf.format(2, 0, 0, "", ""),
           xf.format(0, 2, 15, *center), xf.format(0, 0, 15, *right), xf.format(0, 3, 15, *right)]
    xfs += [xf.format(0, 0, m, "", "") for m in range(16)]
    return (f'<styleSheet {_NS}><numFmts count="0"/>{fonts}{fills}{borders}<cellStyleXfs count="1"><xf numFmtId="0" '
            f'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0"/></cellStyles>'
            '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
            '</styleSheet>')


_STYLES = _styles()


def _theme() -> str:
    from openpyxl.writer.theme import theme_xml  # the default theme (its minor font is the cells' Calibri)

    return theme_xml


class _Sheet:
    """A worksheet being written: rows of cells (any order), merges, column widths, comments."""

    __slots__ = ("cells", "comments", "extent", "merges", "name", "rows", "widths")

    def __init__(self, name: str) -> None:
        self.name = name
        self.cells: dict[int, dict[int, str]] = {}
        self.rows = b""  # whole rows after the cells, UTF-8 (agency sheets, the long form)
        #: (last row, last column) of ``rows``, counted in the sheet's dimension (the used range, which
        #: readers such as openpyxl's read-only mode trust); (0, 0) when ``rows`` is empty
        self.extent = (0, 0)
        self.merges: list[str] = []
        self.widths: dict[int, float] = {}
        self.comments: list[tuple[int, int, str]] = []

    def put(self, row: int, col: int, value, style: int = 0) -> None:
        xml = _cell(f"{_COLS[col]}{row}", value, style)
        if xml:
            self.cells.setdefault(row, {})[col] = xml
        elif col in self.cells.get(row, {}):
            del self.cells[row][col]

    def append_rows(self, first: int, rows: list[list]) -> int:
        """Put ``rows`` from row ``first`` on (as openpyxl's ``append``); returns the next free row."""
        for r, values in enumerate(rows, first):
            line = self.cells.get(r)
            for j, v in enumerate(values, 1):  # put(r, j, v), inlined: a long sheet has thousands of cells
                xml = _cell(f"{_COLS[j]}{r}", v)
                if xml:
                    if line is None:
                        line = self.cells[r] = {}
                    line[j] = xml
                elif line is not None:
                    line.pop(j, None)
        return first + len(rows)

    def xml(self, legacy: bool) -> tuple[bytes, bytes, bytes]:
        """The worksheet part, UTF-8, in three chunks (before, the whole rows, after)."""
        body = []
        max_row = max_col = 0
        for r in sorted(self.cells):
            line = self.cells[r]
            if line:
                max_row, max_col = max(max_row, r), max(max_col, max(line))
            body.append(f'<row r="{r}">{"".join(line[c] for c in sorted(line))}</row>')
        if self.extent[0]:
            max_row, max_col = max(max_row, self.extent[0]), max(max_col, self.extent[1])
        dim = f"A1:{_COLS[max(max_col, 1)]}{max(max_row, 1)}" if max_row else "A1:A1"
        cols = ""
        if self.widths:
            cols = "<cols>" + "".join(f'<col width="{w:g}" customWidth="1" min="{i}" max="{i}"/>'
                                      for i, w in sorted(self.widths.items())) + "</cols>"
        merges = (f'<mergeCells count="{len(self.merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in self.merges)
                  + "</mergeCells>") if self.merges else ""
        head = (f'<worksheet {_NS}><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr>'
                f'<dimension ref="{dim}"/><sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" '
                f'sqref="A1"/></sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>{cols}'
                f'<sheetData>{"".join(body)}')
        tail = (f'</sheetData>{merges}<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
                'footer="0.5"/>' + (f'<legacyDrawing {_R_NS} r:id="anysvml"/>' if legacy else "") + "</worksheet>")
        return head.encode(), self.rows, tail.encode()


def write_xlsx(fig: DistrictFigures, prov: Provenance, long: pd.DataFrame, path: Path) -> Path:
    sheets: list[_Sheet] = []

    info = _Sheet("说明")
    sheets.append(info)
    info.put(1, 1, fig.title, _TITLE)
    r = info.append_rows(2, [[k, v] for k, v in prov.as_dict().items()])
    c = fig.members.counts()
    r += 1  # ws.append([]) — an empty row
    rows = [["登记 registered", c["registered"], "已纳入 loaded", c["loaded"], "未通过 failed", c["failed"],
             "缺报 missing", c["missing"], "已撤销 withdrawn", c["withdrawn"]],
            ["状态 status", "机关 agency", "id", "版本 version", "说明 reason"]]
    for status in (LOADED, FAILED, MISSING, WITHDRAWN):
        rows += [[status, m.name, m.agency_id, m.version, m.reason] for m in fig.members.by_status(status)]
    info.append_rows(r, rows)
    info.widths = {1: 18, 2: 36}

    t = fig.columns()
    keys = list(zip(t["table"], t["row"], t["col"], strict=True))
    flags = dict(zip(keys, t["flags"], strict=True))
    values = dict(zip(keys, t["value"], strict=True))
    notes: dict[tuple[str, str, str], list[str]] = {}
    for table, row, col, _, agency_name, _, detail in fig.annex_rows():
        notes.setdefault((table, row, col), []).append(f"{agency_name}: {detail}")
    line_zh = prov.line_zh()
    for code, grid in view.grids(fig).items():
        ws = _Sheet(SHEETS[code])
        sheets.append(ws)
        ws.put(1, 1, voc.SECTIONS[code], _BOLD)
        width, cells = placed(grid)
        for gr, gc, cell in cells:
            row, column = gr + 2, gc + 1
            last_row, last_col = row + cell.rowspan - 1, column + cell.colspan - 1
            for rr in range(row, last_row + 1):  # covered cells: the merged range's outer edges
                for cc in range(column, last_col + 1):
                    if (rr, cc) != (row, column):
                        mask = ((cc == column) * 1 | (cc == last_col) * 2 | (rr == row) * 4 | (rr == last_row) * 8)
                        if mask:
                            ws.put(rr, cc, None, _EDGE + mask)
            if cell.key:
                flagged = bool(flags.get(cell.key))
                ws.put(row, column, number(cell.key[0], cell.key[2], values.get(cell.key)), _FLAG if flagged else _NUM)
                if flagged:
                    ws.comments.append((row, column, "\n".join(notes.get(cell.key, []))[:2000]))
            else:
                ws.put(row, column, cell.text, _HEAD)
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merges.append(f"{_COLS[column]}{row}:{_COLS[last_col]}{last_row}")
        ws.widths = {i: (16 if code != "appeals" else 9) for i in range(1, width + 1)}
        ws.put(len(grid) + 3, 1, line_zh)

    def table_sheet(name: str, header: list, rows: list[list]) -> None:
        ws = _Sheet(name)
        sheets.append(ws)
        for j, h in enumerate(header):
            ws.put(1, j + 1, h, _BOLD)
        ws.append_rows(2, rows)

    table_sheet("指标", ["指标", "indicator", f"{fig.year}", f"{fig.year - 1}", "增减", "增减%"],
                [[k["zh"], k["en"], k["raw"] if k["raw"] is not None else None, k["prev"], k["change"], k["pct"]]
                 for k in view.kpi_rows(fig)])
    table_sheet("排名", ["名次", "机关", "本年新收", "办理结果总计", "公开率", "行政复议", "行政诉讼"],
                [[rank, name, _py(received), _py(total), _py(rate), _py(review), _py(suit)]
                 for rank, _, name, received, total, rate, review, suit in fig.ranking_rows()])
    table_sheet("附注", ["单元格", "机关", "类别", "说明"],
                [[a["cell"], a["agency_name"], a["kind"], a["detail"]] for a in view.annex_rows(fig)])
    table_sheet("汇总长表", list(long.columns), [])
    rows, last_row, last_col = table_rows([[_py(x) for x in long[c].tolist()] for c in long.columns], 2)
    sheets[-1].rows, sheets[-1].extent = rows.encode(), (last_row, last_col)

    by_agency = cells_by_agency(fig.members.cell_rows)
    used: set[str] = {s.name for s in sheets}
    for m in fig.members.by_status(LOADED):
        ws = _Sheet(_sheet_name(m.name, fig.district.name, used))
        sheets.append(ws)
        ws.append_rows(1, [[m.name, m.agency_id, f"第{m.version}版", m.template_version, m.source_name],
                           list(AGENCY_HEADER)])
        cells = by_agency.get(m.agency_id, [])
        ws.rows = agency_rows(cells, m.template_version or fig.version)
        if cells:
            ws.extent = (2 + len(cells), len(AGENCY_HEADER))

    _package(path, sheets, fig, prov)
    return path


def _package(path: Path, sheets: list[_Sheet], fig: DistrictFigures, prov: Provenance) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    dc = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    dcterms = ('xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xsi:type="dcterms:W3CDTF"')
    core = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
            f'<dc:creator {dc}>pipeline</dc:creator><dc:title {dc}>{_esc(fig.title)}</dc:title>'
            f'<dc:description {dc}>{_esc(prov.line_zh())}</dc:description>'
            f'<dc:subject {dc}>{_esc(f"{fig.district.code} {fig.year} {prov.template_version}")}</dc:subject>'
            f'<dcterms:created {dcterms}>{now}</dcterms:created><dcterms:modified {dcterms}>{now}</dcterms:modified>'
            f'<cp:keywords>{_esc(f"run_id={prov.run_id}")}</cp:keywords></cp:coreProperties>')
    app = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           '<Application>Microsoft Excel Compatible / pipeline</Application><AppVersion>3.1</AppVersion></Properties>')
    types = [f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
             for i in range(1, len(sheets) + 1)]
    parts: list[tuple[str, str | tuple[bytes, ...]]] = []
    n_comments = 0
    for i, ws in enumerate(sheets, 1):
        if ws.comments:
            n_comments += 1
            parts.append((f"xl/comments/comment{n_comments}.xml", _comments_xml(ws.comments)))
            parts.append((f"xl/drawings/commentsDrawing{n_comments}.vml", _vml(ws.comments)))
            parts.append((f"xl/worksheets/_rels/sheet{i}.xml.rels",
                          f'<Relationships xmlns="{_PKG_REL}"><Relationship Type="{_REL}/comments" '
                          f'Target="/xl/comments/comment{n_comments}.xml" Id="comments"/><Relationship '
                          f'Type="{_REL}/vmlDrawing" Target="/xl/drawings/commentsDrawing{n_comments}.vml" '
                          'Id="anysvml"/></Relationships>'))
            types.append(f'<Override PartName="/xl/comments/comment{n_comments}.xml" ContentType="{_CT}.comments+xml"/>')
        parts.append((f"xl/worksheets/sheet{i}.xml", ws.xml(bool(ws.comments))))
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + ('<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
           if n_comments else "")
        + f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        '<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        + "".join(types) + f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/></Types>')
    workbook = (f'<workbook {_NS}><workbookPr/><bookViews><workbookView visibility="visible" minimized="0" '
                'showHorizontalScroll="1" showVerticalScroll="1" showSheetTabs="1" tabRatio="600" firstSheet="0" '
                'activeTab="0" autoFilterDateGrouping="1"/></bookViews><sheets>'
                + "".join(f'<sheet {_R_NS} name="{_esc(ws.name)}" sheetId="{i}" state="visible" r:id="rId{i}"/>'
                          for i, ws in enumerate(sheets, 1))
                + '</sheets><definedNames/><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
    n = len(sheets)
    wb_rels = (f'<Relationships xmlns="{_PKG_REL}">'
               + "".join(f'<Relationship Type="{_REL}/worksheet" Target="/xl/worksheets/sheet{i}.xml" Id="rId{i}"/>'
                         for i in range(1, n + 1))
               + f'<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{n + 1}"/>'
               f'<Relationship Type="{_REL}/theme" Target="theme/theme1.xml" Id="rId{n + 2}"/></Relationships>')
    rels = (f'<Relationships xmlns="{_PKG_REL}"><Relationship Type="{_REL}/officeDocument" Target="xl/workbook.xml" '
            f'Id="rId1"/><Relationship Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml" Id="rId2"/>'
            f'<Relationship Type="{_REL}/extended-properties" Target="docProps/app.xml" Id="rId3"/></Relationships>')
    write_zip(path, ((name, text.encode("utf-8") if isinstance(text, str) else text) for name, text in (
        ("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("docProps/app.xml", app),
        ("docProps/core.xml", core), ("xl/theme/theme1.xml", _theme()), ("xl/styles.xml", _STYLES),
        ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", wb_rels), *parts)), COMPRESSLEVEL)


def _comments_xml(comments: list[tuple[int, int, str]]) -> str:
    body = "".join(f'<comment ref="{_COLS[c]}{r}" authorId="0" shapeId="0"><text><t>{_esc(text)}</t></text></comment>'
                   for r, c, text in comments)
    return f'<comments {_NS}><authors><author>pipeline</author></authors><commentList>{body}</commentList></comments>'


def _vml(comments: list[tuple[int, int, str]]) -> str:
    o, v, x = ("urn:schemas-microsoft-com:office:office", "urn:schemas-microsoft-com:vml",
               "urn:schemas-microsoft-com:office:excel")
    shapes = "".join(
        f'<v:shape type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;margin-top:1.5pt;width:144px;'
        f'height:79px;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto" id="_x0000_s{1026 + i}">'
        '<v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
        f"<x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData></v:shape>"
        for i, (r, c, _t) in enumerate(comments))
    return (f'<xml xmlns:v="{v}" xmlns:o="{o}" xmlns:x="{x}"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" '
            'data="1"/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
            'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" '
            f'o:connecttype="rect"/></v:shapetype>{shapes}</xml>')


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
