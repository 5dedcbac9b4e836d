"""Reader of the XLSX filing template (``pipeline template``), by machine code first, by label second.

Why codes: agencies sort rows, insert blank rows and move sheets around; the hidden code column
(``requests:granted`` …) and the hidden code row (``requests:natural_person``, ``proactive:#1`` …)
travel with the cells, so the mapping survives. When the codes are gone — someone rebuilt the sheet
or pasted the tables into a new workbook — rows are found by their Chinese labels and their values
read left to right in the template's column order.

Every cell is type-checked: a value that is not a number of the kind the template asks for is an
:class:`IngestError` naming the file, sheet, cell and the table/row/column it belongs to.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from pipeline import vocabulary as voc
from pipeline.ingest import numbers
from pipeline.ingest.errors import IngestError
from pipeline.ingest.forms.package import check_package
from pipeline.model import Cell, Meta, Number, ParsedReport
from pipeline.render.xlsx_template import META_FIELDS, PROACTIVE_SLOTS

OLE2 = b"\xd0\xcf\x11\xe0"

Rows = list[tuple[Any, ...]]


def parse(data: bytes, name: str) -> ParsedReport:
    """Read a filled-in filing template (or any workbook laid out like it)."""
    sheets = _load(data, name)
    coded = _scan(sheets)
    version = _version(sheets, coded, name)
    found: dict[tuple[str, str], tuple[str, int, list[tuple[int, Any]]]] = {}
    meta_values: dict[str, tuple[str, int, int, Any]] = {}
    warnings: list[str] = []
    for row in coded:
        if row.table == "meta":
            col = row.header.get("value", row.col + 2)
            meta_values.setdefault(row.code, (row.sheet, row.r, col, _at(row.line, col)))
            continue
        try:
            cols = voc.row_cols(row.table, version, row.code)
        except KeyError:
            warnings.append(f"xlsx: row {row.table}/{row.code} does not belong to template {version}; ignored")
            continue
        positions = [row.header.get(PROACTIVE_SLOTS[i] if row.table == "proactive" else f"{row.table}:{c}", row.col + 2 + i)
                     for i, c in enumerate(cols)]
        _keep(found, (row.table, row.code), (row.sheet, row.r, [(p, _at(row.line, p)) for p in positions]), name)
    if not meta_values:
        meta_values = _meta_by_labels(sheets)
    if not any(k[0] != "meta" for k in found):
        found = _by_labels(sheets, version, name)
        if found:
            warnings.append("xlsx: no machine codes found; cells were matched by their labels")
    if not found:
        raise IngestError(name, "no table of the annual report found in the workbook (neither the template's codes nor its labels)")
    return _report(version, found, meta_values, warnings, name)


# -- workbook access -----------------------------------------------------------------------------
def _load(data: bytes, name: str) -> dict[str, Rows]:
    if data[:4] == OLE2:
        raise IngestError(name, "encrypted or legacy (.xls) workbook; remove the password and save as .xlsx")
    parts = check_package(data, name, ".xlsx")  # zip bombs, lying sizes, DOCTYPE/entities: refused before openpyxl
    try:
        return _fast_sheets(data, parts)
    except Exception:  # anything the fast reader does not take on: openpyxl reads it, and says what is wrong
        pass
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError, EOFError) as e:
        raise IngestError(name, f"not a readable .xlsx workbook (damaged or not an Excel file): {type(e).__name__}: {e}") from None
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as e:
        raise IngestError(name, f"damaged .xlsx workbook: {type(e).__name__}: {e}") from None
    finally:
        wb.close()


# -- the fast reader -----------------------------------------------------------------------------
# What ``load_workbook(read_only=True, data_only=True)`` and ``iter_rows(values_only=True)`` give, read
# with lxml from the parts the package check inflated — about five times faster than openpyxl, which
# builds an object for every style, view and validation of the workbook. It takes on the workbooks
# written the usual way (the filing template, Excel, WPS: plain or inline strings, numbers, booleans,
# errors, cached formula results) and raises :class:`_Unsupported` for anything else (a date-formatted
# number, rich text, a chartsheet, an unusual structure), which openpyxl then reads as before.
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SHEET_ATTRS = frozenset({"name", "sheetId", "state", _R_ID})
_STATES = (None, "visible", "hidden", "veryHidden")


class _Unsupported(Exception):
    """A workbook the fast reader leaves to openpyxl."""


def _strict_xml(raw: bytes) -> Any:
    from lxml import etree

    root = etree.fromstring(raw, _fast_parser())
    if (root.getroottree().docinfo.encoding or "UTF-8").upper() != "UTF-8":
        raise _Unsupported("encoding")  # openpyxl's expat reads only some encodings
    return root


@cache
def _fast_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@lru_cache(maxsize=1 << 16)
def _cell_ref(coordinate: str) -> int:
    from openpyxl.utils.cell import coordinate_to_tuple

    return coordinate_to_tuple(coordinate)[1]


@lru_cache(maxsize=64)
def _date_ids(styles: bytes) -> frozenset[int]:
    """The style ids (cellXfs) whose number format is a date, time or duration (as openpyxl decides)."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

    root = _strict_xml(styles)
    numfmts = root.find(f"{_NS}numFmts")
    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in (() if numfmts is None else numfmts)
              if f.tag == f"{_NS}numFmt"}
    out = set()
    xfs = root.find(f"{_NS}cellXfs")
    for idx, xf in enumerate(() if xfs is None else xfs.iterfind(f"{_NS}xf")):
        fid = int(xf.get("numFmtId", 0))
        fmt = custom[fid] if fid in custom else builtin_format_code(fid)
        if is_date_format(fmt) or is_timedelta_format(fmt):
            out.add(idx)
    return frozenset(out)


def _part(parts: dict[str, bytes], path: str) -> bytes:
    got = parts.get(path)
    if got is None:
        raise _Unsupported(path)
    return got


def _text(node: Any) -> str:
    """``Text.from_tree(node).content`` for the plain form: one ``<t>`` and nothing else."""
    if len(node) != 1 or node.attrib:
        raise _Unsupported("rich text")
    t = node[0]
    if t.tag != f"{_NS}t" or len(t):
        raise _Unsupported("rich text")
    return t.text or ""


def _fast_sheets(data: bytes, parts: dict[str, bytes]) -> dict[str, Rows]:
    import posixpath

    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import _cast_number
    from openpyxl.xml.constants import SHARED_STRINGS, XLSM, XLSX, XLTM, XLTX

    overrides = [(o.get("ContentType"), o.get("PartName")) for o in _strict_xml(_part(parts, "[Content_Types].xml"))
                 if o.tag == f"{_CT}Override"]
    wb_part = next((pn for ct in (XLTM, XLTX, XLSM, XLSX) for t, pn in overrides if t == ct), None)
    if not wb_part or not wb_part.startswith("/"):
        raise _Unsupported("workbook part")
    wb_path = wb_part[1:]
    strings: list[str] = []
    ss = next((pn for t, pn in overrides if t == SHARED_STRINGS), None)
    if ss is not None:
        root = _strict_xml(_part(parts, ss[1:]))
        for si in root.iter(f"{_NS}si"):
            if si.getparent() is not root:
                raise _Unsupported("shared strings")
            strings.append(_text(si).replace("x005F_", ""))
    styles = parts.get("xl/styles.xml")
    dates = _date_ids(styles) if styles is not None else frozenset()

    wb = _strict_xml(_part(parts, wb_path))
    sheets_el = [el for el in wb if el.tag == f"{_NS}sheets"]
    if len(sheets_el) != 1:
        raise _Unsupported("sheets")
    folder, obj = posixpath.split(wb_path)
    rels_path = posixpath.join(folder, "_rels", f"{obj}.rels")
    parent = posixpath.split(posixpath.dirname(rels_path))[0]
    rels = {}
    for rel in _strict_xml(_part(parts, rels_path)):
        if rel.tag != f"{_RELS}Relationship":
            continue
        target = rel.get("Target")
        if rel.get("TargetMode") != "External":
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(parent, target))
        rels[rel.get("Id")] = (rel.get("Type") or "", target)
    out: dict[str, Rows] = {}
    for sheet in sheets_el[0]:
        if sheet.tag != f"{_NS}sheet" or not _SHEET_ATTRS.issuperset(sheet.attrib) or sheet.get("name") is None \
                or sheet.get("state") not in _STATES or not sheet.get(_R_ID):
            raise _Unsupported("sheet")
        int(sheet.get("sheetId"))
        kind, target = rels[sheet.get(_R_ID)]
        if target not in parts:  # the check inflated every XML part: look for others only now
            if target not in zipfile.ZipFile(io.BytesIO(data)).namelist():
                continue
            raise _Unsupported(target)
        if "chartsheet" in kind:
            raise _Unsupported("chartsheet")
        out[sheet.get("name")] = _fast_rows(_strict_xml(_part(parts, target)), strings, dates,
                                            range_boundaries, _cast_number)
    return out


def _fast_rows(root: Any, strings: list[str], dates: frozenset[int], range_boundaries: Any, cast: Any) -> Rows:
    """``iter_rows(values_only=True)`` of a read-only worksheet (openpyxl's ``_cells_by_row``)."""
    dim_tag, data_tag, row_tag, c_tag, v_tag, is_tag = (f"{_NS}{t}" for t in ("dimension", "sheetData", "row", "c", "v", "is"))
    if any(el.getparent() is not root for el in root.iter(dim_tag, data_tag)):
        raise _Unsupported("structure")
    max_col = max_row = None
    for el in root:
        if el.tag == dim_tag:
            if set(el.attrib) - {"ref"}:
                raise _Unsupported("dimension")
            _, _, max_col, max_row = range_boundaries(el.get("ref"))
            break
        if el.tag == data_tag:
            break
    empty_row: Any = (None,) * max_col if max_col is not None else []
    rows: Rows = []
    counter = idx = 1
    row_counter = 0
    for row in root.iter(row_tag):
        if row.getparent().tag != data_tag or row.getparent().getparent() is not root:
            raise _Unsupported("row")
        r = row.get("r")
        if r is not None:
            try:
                row_counter = int(r)
            except ValueError:
                val = float(r)
                if not val.is_integer():
                    raise _Unsupported("row number") from None
                row_counter = int(val)
        else:
            row_counter += 1
        col_counter = 0
        cells: list[tuple[int, Any]] = []
        for c in row:
            if c.tag != c_tag:
                raise _Unsupported("cell")
            data_type = c.get("t", "n")
            coordinate = c.get("r")
            style_id: Any = c.get("s", 0)
            if style_id:
                style_id = int(style_id)
            value = None
            if data_type != "inlineStr":
                for ch in c:  # findtext(v) without ElementPath: the first <v>'s text
                    if ch.tag == v_tag:
                        value = ch.text or None
                        break
            if coordinate:
                col_counter = _cell_ref(coordinate)
            else:
                col_counter += 1
            if value is not None:
                if data_type == "n":
                    value = cast(value)
                    if style_id in dates:
                        raise _Unsupported("date")
                elif data_type == "s":
                    value = strings[int(value)]
                elif data_type == "b":
                    value = bool(int(value))
                elif data_type == "d":
                    raise _Unsupported("date")
            elif data_type == "inlineStr":
                for child in c:  # find(is): the first <is>
                    if child.tag == is_tag:
                        value = _text(child)
                        break
            cells.append((col_counter, value))
        idx = row_counter
        if max_row is not None and idx > max_row:
            break
        for _ in range(counter, idx):
            counter += 1
            rows.append(empty_row)
        if counter <= idx:
            if not cells and not max_col:
                rows.append(())
            else:
                width = max_col or cells[-1][0]
                line = [None] * width
                for column, value in cells:
                    if 1 <= column <= width:
                        line[column - 1] = value
                rows.append(tuple(line))
            counter += 1
    if max_row is not None and max_row < idx:
        for _ in range(counter, max_row + 1):
            rows.append(empty_row)
    return rows


def _at(line: tuple[Any, ...], col: int) -> Any:
    return line[col - 1] if 0 < col <= len(line) else None


def _header(rows: Rows) -> tuple[int, dict[str, int]]:
    """(row number, code → column) of the code row: within the first ten rows, the one with a "value"
    marker or at least two column codes."""
    for r, line in enumerate(rows[:10], start=1):
        found = {v.strip(): i for i, v in enumerate(line, start=1) if isinstance(v, str) and _is_col_code(v.strip())}
        if "value" in found or len(found) >= 2:
            return r, found
    return 0, {}


@cache
def _known() -> tuple[frozenset[str], frozenset[str]]:
    """(row codes, column codes), table-qualified."""
    rows = {f"{c.table}:{c.code}" for c in voc.codes() if c.axis == "row"} | {"requests:other"}
    rows |= {"meta:template"} | {f"meta:{f[0]}" for f in META_FIELDS}
    cols = {f"{c.table}:{c.code}" for c in voc.codes() if c.axis == "col"} | set(PROACTIVE_SLOTS) | {"value"}
    return frozenset(rows), frozenset(cols)


def _is_col_code(text: str) -> bool:
    return text in _known()[1]


def _row_code(line: tuple[Any, ...]) -> tuple[int, str, str] | None:
    """(column, table, row code) of the first of the first four cells of ``line`` that holds a row code."""
    for i, v in enumerate(line[:4], start=1):
        if isinstance(v, str) and (t := v.strip()) in _known()[0]:
            table, code = t.split(":", 1)
            return i, table, code
    return None


@dataclass(slots=True, frozen=True)
class _Coded:
    """A worksheet row that carries a row code: where it is, its code, its cells, its sheet's code row."""

    sheet: str
    r: int
    col: int  # the column of the code
    table: str
    code: str
    line: tuple[Any, ...]
    header: dict[str, int]


def _scan(sheets: dict[str, Rows]) -> list[_Coded]:
    out = []
    for sheet, rows in sheets.items():
        header_row, header = _header(rows)
        for r, line in enumerate(rows, start=1):
            if r != header_row and (hit := _row_code(line)):
                out.append(_Coded(sheet, r, *hit, line, header))
    return out


def _keep(found: dict, key: tuple[str, str], entry: tuple[str, int, list[tuple[int, Any]]], name: str) -> None:
    """Record a row; a second row with the same code is fine only if one of the two is empty."""
    if key not in found or not any(v is not None and v != "" for _, v in found[key][2]):
        found[key] = entry
    elif any(v is not None and v != "" for _, v in entry[2]):
        first = found[key]
        raise IngestError(name, f"{voc.TABLE_TITLES[key[0]]} row {voc.label(key[0], 'row', key[1])} ({key[0]}/{key[1]}) "
                                f"is filled in twice: sheet {first[0]!r} row {first[1]} and sheet {entry[0]!r} row {entry[1]}")


# -- template version ----------------------------------------------------------------------------
def _version(sheets: dict[str, Rows], coded: list[_Coded], name: str) -> str:
    for row in coded:
        if (row.table, row.code) == ("meta", "template"):
            v = _at(row.line, row.header.get("value", row.col + 2))
            if isinstance(v, str) and v.strip() in voc.VERSIONS:
                return v.strip()
    only = {v: {c.code for c in voc.codes() if c.axis == "row" and c.versions == v} for v in voc.VERSIONS}
    for v in voc.VERSIONS:
        if any(row.code in only[v] for row in coded):
            return v
    texts = {_norm(v) for rows in sheets.values() for line in rows for v in line if isinstance(v, str)}
    if _norm("模板版本") in texts:  # codes gone, but the labelled version cell is still there
        for rows in sheets.values():
            for line in rows:
                for i, v in enumerate(line[:-1]):
                    if isinstance(v, str) and _norm(v) == _norm("模板版本") and str(line[i + 1]).strip() in voc.VERSIONS:
                        return str(line[i + 1]).strip()
    marks = {v: {_norm(c.label(v)) for c in voc.codes() if c.versions == v} for v in voc.VERSIONS}
    hits = [v for v in voc.VERSIONS if texts & marks[v]]
    if len(hits) == 1:
        return hits[0]
    raise IngestError(name, "cannot tell the template version (no 模板版本 cell, and the labels of table 二 are missing or mixed)")


# -- label fallback ------------------------------------------------------------------------------
def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", t).replace("、", ",").replace("．", ".")


def _label_index(version: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for c in voc.codes():
        if c.axis != "row":
            continue
        for text in {c.label_v2019, c.label_v2021} - {""}:
            out[_norm(text)] = (c.table, c.code)
            if " " in text:
                out[_norm(text.split(" ", 1)[1])] = (c.table, c.code)
    out[_norm("（六）其他处理")] = ("requests", "other")
    return out


def _by_labels(sheets: dict[str, Rows], version: str, name: str) -> dict:
    index = _label_index(version)
    found: dict = {}
    for sheet, rows in sheets.items():
        for r, line in enumerate(rows, start=1):
            for i, v in enumerate(line, start=1):
                if not isinstance(v, str) or (key := index.get(_norm(v))) is None:
                    continue
                table, code = key
                try:
                    n = len(voc.row_cols(table, version, code))
                except KeyError:
                    break
                if table == "requests" and code == "other" and version == "v2021" and _has_split(rows):
                    break  # the （六） group label above its three sub-rows, not a data row
                _keep(found, key, (sheet, r, [(i + 1 + k, _at(line, i + 1 + k)) for k in range(n)]), name)
                break
    return found


def _meta_by_labels(sheets: dict[str, Rows]) -> dict[str, tuple[str, int, int, Any]]:
    """Meta fields found by their labels in the template's meta sheet; the value is the cell to the right."""
    labels = {_norm(label): code for code, label, _ in META_FIELDS}
    out: dict[str, tuple[str, int, int, Any]] = {}
    for sheet, rows in sheets.items():
        for r, line in enumerate(rows, start=1):
            for i, v in enumerate(line, start=1):
                if isinstance(v, str) and (code := labels.get(_norm(v))) and code not in out:
                    out[code] = (sheet, r, i + 1, _at(line, i + 1))
                    break
    return out


def _has_split(rows: Rows) -> bool:
    marks = (_norm("逾期不补正"), _norm("收费通知"))
    return any(isinstance(v, str) and any(m in _norm(v) for m in marks) for line in rows for v in line)


# -- cells ---------------------------------------------------------------------------------------
def _report(version: str, found: dict, meta_values: dict, warnings: list[str], name: str) -> ParsedReport:
    single = version == "v2021" and ("requests", "other") in found and not any(("requests", r) in found for r in voc.T3_OTHER_SPLIT)
    keys = voc.cell_keys(version, single_other=single)
    cells: list[Cell] = []
    missing: dict[tuple[str, str], None] = {}
    for table, row, col, i in _cell_plan(version, single):
        entry = found.get((table, row))
        if entry is None:
            missing[(table, row)] = None
            cells.append(Cell(table, row, col, None, "", False, "not_printed"))
            continue
        sheet, r, values = entry
        c, raw_value = values[i]
        try:
            value, raw = coerce(raw_value, table, col)
        except ValueError as e:
            where = f"sheet {sheet!r} cell {get_column_letter(c)}{r}, {voc.cell_label(table, row, col, version)} ({table}/{row}/{col})"
            raise IngestError(name, f"{where}: {e}") from None
        cells.append(Cell(table, row, col, value, raw))
    meta, sections = _meta(meta_values, name)
    report = ParsedReport(version, meta, cells, [], sections)
    for w in warnings:  # found while reading the sheets
        report.note("R-PARSE-LAYOUT" if "no machine codes" in w else "R-PARSE-SKIPPED", w)
    for table, row in missing:
        report.note("R-PARSE-NOT-PRINTED", f"xlsx: row {voc.label(table, 'row', row, version)} ({table}/{row}) not "
                                           f"found; its cells are read as not printed", table, row)
    rows = {(t, r) for t, r, _ in keys}
    for table, row in (k for k in found if k not in rows):
        report.note("R-PARSE-SKIPPED", f"xlsx: row {table}/{row} does not belong to template {version}; ignored",
                    table, row)
    return report


@voc.derived
def _cell_plan(version: str, single: bool) -> tuple[tuple[str, str, str, int], ...]:
    """(table, row, col, the column's place in its row) for every cell of the template variant, in order."""
    return tuple((table, row, col, voc.row_cols(table, version, row).index(col))
                 for table, row, col in voc.cell_keys(version, single_other=single))


def coerce(v: Any, table: str, col: str) -> tuple[Number | None, str]:
    """(value, raw) of one workbook cell; ValueError saying why when it is not a number of the right kind.

    Text cells are read like printed cells ("251000元", "+3", "/"); numeric cells must be whole
    numbers except in amount columns."""
    kind = voc.value_kind(table, col)
    if v is None:
        return None, ""
    if type(v) is int:  # the usual numeric cell: whole, so fit for any column
        float(v)  # (as below: an int too large for a float is no value of a report, and raises)
        return v, str(v)
    if isinstance(v, str):
        raw = v.strip()
        text = re.sub(r"[\s,，]", "", unicodedata.normalize("NFKC", v))
        if text in numbers.BLANK_MARKS:
            return None, raw
        parsed = numbers.parse_number(text)
        if parsed is None:
            raise ValueError(f"{raw!r} is not a number")
        if kind != "amount" and not float(parsed[1]).is_integer():
            raise ValueError(f"{raw!r} is not a whole number")
        return numbers.cell_value(text, kind, col), raw
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"expected a number, found {v!r}")
    raw = _fmt(v)
    if kind != "amount":
        if not float(v).is_integer():
            raise ValueError(f"{raw!r} is not a whole number")
        return int(v), raw
    return (int(v) if float(v).is_integer() else round(float(v), 6)), raw


def _fmt(v: int | float) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _meta(values: dict[str, tuple[str, int, int, Any]], name: str) -> tuple[Meta, dict[str, str]]:
    def text(code: str) -> str | None:
        v = values.get(code, (None, 0, 0, None))[3]
        if v is None:
            return None
        if isinstance(v, dt.datetime | dt.date):
            return v.date().isoformat() if isinstance(v, dt.datetime) else v.isoformat()
        s = _fmt(v) if isinstance(v, int | float) else str(v).strip()
        return s or None

    year = text("year")
    if year is not None:
        m = re.fullmatch(r"(\d{4})(年度?)?", year)
        if not m:
            sheet, r, c, _ = values["year"]
            raise IngestError(name, f"sheet {sheet!r} cell {get_column_letter(c)}{r}, 报告年度: {year!r} is not a year")
        year = m.group(1)
    published = text("published_on")
    if published is not None:
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", published)
        if not m:
            sheet, r, c, _ = values["published_on"]
            raise IngestError(name, f"sheet {sheet!r} cell {get_column_letter(c)}{r}, 发布日期: {published!r} is not a date (YYYY-MM-DD)")
        try:
            published = dt.date(*map(int, m.groups())).isoformat()
        except ValueError:
            sheet, r, c, _ = values["published_on"]
            raise IngestError(name, f"sheet {sheet!r} cell {get_column_letter(c)}{r}, 发布日期: {published!r} "
                                    "is not a calendar date") from None
    meta = Meta(text("agency"), int(year) if year else None, text("title"), published, text("index_no"))
    return meta, {k: text(k) or "" for k in voc.NARRATIVE_SECTIONS}
