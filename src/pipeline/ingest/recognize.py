"""The format-independent core of ingest: text lines in reading order → the canonical parse.

Every form reader (page text, HTML, Markdown, PDF, DOCX) turns its document into lines — a table
cell per line, several cells of a row on one line (separated by tabs where the reader knows the
cell boundaries, by spaces in PDF text), or a whole report on one line — and calls
:func:`parse_lines`. The steps, each in its own module:

1. ``document``: normalise (NFKC, page footers out) and locate tables 二/三/四 by their anchors;
2. version: the template version from the labels of table 二 (template.md §9), and whether table
   三 prints the three （六） sub-rows;
3. ``proactive_table``, ``requests_table``, ``appeals_table``: map labels to row codes and assign
   the numbers to cells;
4. ``identities``: resolve run-together digits by the template identities;
5. ``meta``, ``sections``: what the report says about itself, and its narrative sections.

Conventions of the line stream: a tab separates explicit cells of a row (an empty piece is a blank
cell); a line holding only a no-break space is a blank cell; an empty line is nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from functools import cache

from pipeline import forms
from pipeline import vocabulary as voc
from pipeline.ingest import labels as lb
from pipeline.ingest.appeals_table import Table4, not_printed_appeals, read_appeals
from pipeline.ingest.document import locate, normalise
from pipeline.ingest.errors import IngestError
from pipeline.ingest.meta import extract_meta
from pipeline.ingest.numbers import Tok, cell_value
from pipeline.ingest.proactive_table import Table2, read_proactive
from pipeline.ingest.reading import deduplicated
from pipeline.ingest.requests_table import Table3, read_requests
from pipeline.ingest.sections import extract_sections
from pipeline.model import Cell, ParsedReport

__all__ = ["PREVIOUS", "detect_version", "parse_lines", "parse_text"]

# the vocabulary recomputes these from codes.csv on each call; a parse needs them for every cell
_cols = cache(voc.cols)
_rows = cache(voc.rows)

#: Longest line read (characters). A report's longest line — a crawler's whole table on one line — is a
#: few thousand; a longer one (megabytes of digits, tabs or cells) is skipped with a note.
MAX_LINE_CHARS = 65_536
#: Longest run of digits read (a crawler's run-together row holds a few dozen). A longer run is cut to
#: this many digits before anything is read: it is no value either way (numbers.cell_value reads none
#: over 40 digits), and the readers' time grows with its length.
MAX_DIGIT_RUN = 256
_LONG_RUN_RE = re.compile(rf"(?<!\d)\d{{{MAX_DIGIT_RUN + 1},}}")


def _cut_run(m: re.Match[str]) -> str:
    return m.group()[:MAX_DIGIT_RUN]

#: The same agency's previous-year report, where the caller has it (the annual run reads it from the
#: warehouse): soft evidence for readings no identity of this year settles (search.py).
PREVIOUS: ContextVar[ParsedReport | None] = ContextVar("previous_report", default=None)


def parse_lines(lines: Sequence[str], name: str) -> ParsedReport:
    """The canonical parse of a report given as text lines in reading order.

    Raises :class:`IngestError` (naming ``name`` and the reason) only for a document that is not an
    annual report, or that ends before or inside a table (a truncated page). Every local problem —
    a row left out, a blank inside run-together digits, a sentence quoting a label — comes back as
    cells with their status and a note (:class:`pipeline.model.ParseNote`).
    """
    if not isinstance(lines, list | tuple):
        lines = list(lines)
    longest = max(map(len, lines), default=0)
    cut = 0
    if longest > MAX_DIGIT_RUN:  # only a line this long can hold such a run
        runs = [_LONG_RUN_RE.subn(_cut_run, ln) if len(ln) > MAX_DIGIT_RUN else (ln, 0) for ln in lines]
        cut = sum(n for _, n in runs)
        if cut:
            lines = [ln for ln, _ in runs]
            longest = max(map(len, lines), default=0)
    long = [len(ln) for ln in lines if len(ln) > MAX_LINE_CHARS] if longest > MAX_LINE_CHARS else []
    if long:  # a hostile or garbled line: reading it as a table row would take minutes
        lines = [ln if len(ln) <= MAX_LINE_CHARS else "" for ln in lines]
    text = normalise(lines)
    if not text.strip():
        raise IngestError(name, "empty document: no text")
    report = parse_text(text, name)
    if cut:
        report.note("R-PARSE-SKIPPED", f"{cut} run(s) of more than {MAX_DIGIT_RUN} digits cut to {MAX_DIGIT_RUN} "
                                       "(no figure of a report has so many: no value)")
    for n in long:
        report.note("R-PARSE-SKIPPED", f"a line of {n:,} characters (over {MAX_LINE_CHARS:,}) is no text of a report; skipped")
    return report


def _truncated(name: str, table: str, missing: list[str], version: str) -> IngestError:
    shown = ", ".join(voc.label(table, "row", r, version) if table == "proactive" else lb.t3_label(r, version)
                      for r in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    zh = "二" if table == "proactive" else "三"
    return IngestError(name, f"table {zh} is incomplete: the document ends inside it (rows {shown} not found)")


def parse_text(text: str, name: str) -> ParsedReport:
    """:func:`parse_lines` for text already normalised by :func:`pipeline.ingest.document.normalise`."""
    reg = locate(text, name)
    end = len(text)
    after = lb.AFTER_T4_RE.search(text, reg.t3) if reg.t3 is not None and reg.t4 is None else None
    # no table 四 anchor, but the report goes on to its sections 五/六: table 四 is not printed
    t4_missing_at = after.start() if after else None
    t3_start = end if reg.t3 is None else reg.t3
    t4_start = reg.t4 if reg.t4 is not None else (t4_missing_at if t4_missing_at is not None else end)
    version, split_other, layout_notes = detect_version(text[reg.t2: t3_start], text[t3_start: t4_start])
    single_other = version == "v2021" and not split_other
    narrative = text[: reg.t2]
    expand = deduplicated(text[reg.t2:])
    prev = PREVIOUS.get()
    previous = {(c.table, c.row, c.col): c.value for c in prev.cells} if prev is not None else None  # c.key, inlined

    t2 = read_proactive(text, reg.t2, t3_start, version, narrative, expand=expand, previous=previous)
    if reg.t3 is None:
        if t2.missing:
            raise _truncated(name, "proactive", t2.missing, version)
        raise IngestError(name, "table 三 (收到和处理政府信息公开申请情况) not found: the document ends after table 二")
    # table 三 is read with the rows it prints; a v2019 table with the three （六） sub-rows is summed
    t3_rows = _rows("requests", "v2021") if split_other else _rows("requests", version, single_other=True)
    t3 = read_requests(text, reg.t3, t4_start, t3_rows, version, single_other=single_other or not split_other,
                       expand=expand, previous=previous)
    if reg.t4 is None and t4_missing_at is None:
        if t3.missing:
            raise _truncated(name, "requests", t3.missing, version)
        raise IngestError(name, "table 四 (政府信息公开行政复议、行政诉讼情况) not found: the document ends after table 三")
    t4 = read_appeals(text, reg.t4, name, expand=expand) if reg.t4 is not None else not_printed_appeals(t4_start)

    report = ParsedReport(version)
    for rule, message in layout_notes:
        single_row = "（六）" in message
        report.note(rule, message, "requests" if single_row else "proactive", "other" if single_row else None)
    t3_cols = _cols("requests", version)
    for table, notes in (("proactive", t2.notes), ("requests", t3.notes)):
        for rule, message, row, ci in notes:
            cols = voc.row_cols(table, version, row) if table == "proactive" and row else t3_cols
            report.note(rule, message, table, row, cols[ci] if ci is not None and row else None)
    for rule, message, _row, _ci in t4.notes:
        report.note(rule, message, "appeals")

    cells = _read_cells(_cell_plan(version, single_other), t2, t3, t4, version == "v2019" and split_other)
    report.cells = cells
    if version == "v2019" and split_other:
        report.note("R-PARSE-LAYOUT", "format mismatch: v2019 table 二 with the v2021 （六） sub-rows in table 三; "
                                      "summed into （六）其他处理", "requests", "other")
    _derive_blank_totals(cells, version, report)
    for table, row, col, message in _unit_notes(cells, version):
        report.note("R-PARSE-LAYOUT", message, table, row, col)

    report.meta = extract_meta(text, reg.t2)
    report.sections = extract_sections(text, reg.t2, max(t4.end, t4_start))
    return report


def _read_cells(plan: tuple[tuple[tuple[str, str, str], int, str], ...], t2: Table2, t3: Table3, t4: Table4,
                sum_other: bool) -> list[Cell]:
    """The cells of the template (``plan``: :func:`_cell_plan`) from the three tables' readers.
    ``sum_other``: table 三's three （六） sub-rows are summed into （六）其他处理."""
    cells: list[Cell] = []
    append = cells.append
    t2_rows, t2_cands, t2_not_printed = t2.rows, t2.candidates, t2.not_printed
    t3_rows, t3_cands, t3_not_printed = t3.rows, t3.candidates, t3.not_printed
    t4_cells, t4_cands = t4.cells, t4.candidates
    t4_status = "read" if t4.printed else "not_printed"
    for key, i, kind in plan:
        table, row, col = key
        if table == "proactive":
            tok = t2_rows[row][i]
            cands = t2_cands.get((row, i))
            status = "not_printed" if (row, i) in t2_not_printed else "read"
        elif table == "requests":
            if sum_other and row == "other":
                append(_summed_other(t3_rows, i, col, t3_not_printed))
                continue
            tok = t3_rows[row][i]
            cands = t3_cands.get((row, i))
            status = "not_printed" if row in t3_not_printed else "read"
        else:
            tok = t4_cells[i]
            cands = t4_cands.get(i)
            status = t4_status
        value = None if tok.blank else cell_value(tok.text, kind, col)
        if cands:
            cands = [None if v is None else cell_value(_num_text(v), kind, col) for v in cands]
            append(Cell(table, row, col, value, tok.text + tok.note, True, "ambiguous", cands))
        else:
            append(Cell(table, row, col, value, tok.text + tok.note, False, status, []))
    return cells


def _num_text(v: int | float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def detect_version(t2_text: str, t3_text: str) -> tuple[str, bool, list[tuple[str, str]]]:
    """(template version, table 三 prints the three （六） sub-rows, notes as (rule, message)) from the labels.

    Table 二's column headers and row labels decide the version (template.md §9); table 三's （六）
    structure is read separately because v2021-era reports often print a single （六） row.
    """
    v21 = len(lb.V2021_MARKERS.findall(t2_text))
    v19 = len(lb.V2019_MARKERS.findall(t2_text))
    split_other = bool(lb.T3_SPLIT_OTHER.search(t3_text))
    warnings: list[tuple[str, str]] = []
    if v19 > v21:
        version = "v2019"
    elif v21 > v19:
        version = "v2021"
    else:
        version = "v2021" if split_other or not v19 else "v2019"
        if v19 or v21:
            warnings.append(("R-PARSE-LAYOUT", "template version markers of table 二 conflict; decided by table 三"))
    if version == "v2021" and not split_other:
        warnings.append(("R-PARSE-LAYOUT", "table 三 prints a single （六）其他处理 row (no sub-rows)"))
    return version, split_other, warnings


@cache
def _cell_plan(version: str, single_other: bool) -> tuple[tuple[tuple[str, str, str], int, str], ...]:
    """(cell key, index of the cell in its table reader's row — for table 四 in its 15 cells —, value
    kind) for every cell of the template, in template order."""
    plan = []
    t3_cols = voc.cols("requests", version)
    t4_rows, t4_cols = voc.rows("appeals", version), voc.cols("appeals", version)
    for key in voc.cell_keys(version, single_other=single_other):
        table, row, col = key
        if table == "proactive":
            i = voc.row_cols("proactive", version, row).index(col)
        elif table == "requests":
            i = t3_cols.index(col)
        else:
            i = t4_rows.index(row) * 5 + t4_cols.index(col)
        plan.append((key, i, voc.value_kind(table, col)))
    return tuple(plan)


def _unit_notes(cells: list[Cell], version: str) -> list[tuple[str, str, str, str]]:
    """Say where a unit printed in a cell was converted to the column's unit (codes.csv)."""
    out = []
    for c in cells:
        if c.table != "proactive" or c.value is None:
            continue
        if (c.col == "fee_amount_wan" and c.raw.endswith("元") and not c.raw.endswith("万元")) or (
                c.col == "procurement_amount" and "万元" in c.raw):
            unit = "万元" if c.col == "fee_amount_wan" else "元"
            out.append((c.table, c.row, c.col, f"table 二 {voc.cell_label(c.table, c.row, c.col, version)}: "
                                               f"printed {c.raw!r}, read as {c.value} {unit}"))
    return out


def _summed_other(rows: dict[str, list[Tok]], i: int, col: str, not_printed: set[str]) -> Cell:
    vals = [cell_value(rows[r][i].text, "count", col) for r in voc.T3_OTHER_SPLIT if not rows[r][i].blank]
    raw = "+".join(rows[r][i].raw for r in voc.T3_OTHER_SPLIT)
    status = "not_printed" if all(r in not_printed for r in voc.T3_OTHER_SPLIT) else "read"
    return Cell("requests", "other", col, sum(v for v in vals if v is not None) if vals else None, raw, False, status)


@cache
def _totals_and_columns(version: str, single: bool) -> tuple[dict, dict]:
    """(row total cell → its row form, cell → the column forms through it), per template variant."""
    idents = voc.identities(version, single_other=single)
    by_total = {(i.table, i.total.row, i.total.col): i for i in idents if i.each == "row" and i.total is not None}
    across: dict[tuple[str, str, str], list[voc.Identity]] = {}
    for i in idents:
        if i.each == "col":
            for k in i.cells:
                across.setdefault(k, []).append(i)
    return by_total, across


def _derive_blank_totals(cells: list[Cell], version: str, report: ParsedReport) -> None:
    """A total cell left blank while its row prints every other cell (a converter dropped it):
    re-derive it by the declared row form whose total it is (R-T3-ROW), when every column form through
    the cell that can judge it — no other blank — gives the same number (R-T3-BAL, R-T3-SUM;
    template.md §8.4). Only totals some column form checks are derived (table 三's 总计)."""
    blank = [c for c in cells if c.value is None and c.status == "blank"]
    if not blank:
        return
    single = version == "v2021" and any(c.table == "requests" and c.row == "other" for c in cells)
    by_total, across = _totals_and_columns(version, single)
    if not any(c.key in by_total for c in blank):
        return
    cm = {c.key: c for c in cells}

    def value(k: tuple[str, str, str]) -> int | float | None:
        return cm[k].value if k in cm else None

    for c in blank:
        row_form = by_total.get(c.key)
        if row_form is None or c.key not in across or any(value(k) is None for k in row_form.cells if k != c.key):
            continue
        derived = forms.implied(row_form, c.key, value)
        if any(forms.implied(i, c.key, value) != derived for i in across[c.key]
               if all(value(k) is not None for k in i.cells if k != c.key)):
            continue
        c.value = derived
        c.status = "read"
        checks = ", ".join(dict.fromkeys(i.rule for i in across[c.key]))
        report.note("R-PARSE-REPAIRED", f"table {_TABLE_ZH[c.table]} row {voc.label(c.table, 'row', c.row, version)}: "
                                        f"{voc.label(c.table, 'col', c.col, version)} is blank in the document; derived "
                                        f"{derived} from the row ({row_form.rule}) and the column forms ({checks})",
                    c.table, c.row, c.col)


_TABLE_ZH = {"proactive": "二", "requests": "三", "appeals": "四"}
