"""The parser's own account of a report as findings: every parse note is a warning a clerk can see.

Why here and not in the parser: a parse never fails for a local problem (issue 8) — a row left out,
digits run together, a sentence quoting a label inside a table. It returns what it could read and a
:class:`~pipeline.model.ParseNote` per problem (rule ``R-PARSE-…``, table, row, column). Validation
turns each note into one warning finding, so ``pipeline check`` and the annual run show them beside
the rules of the template.

One finding per problem:

- a note ``R-PARSE-AMBIGUOUS`` on a cell (or a row) replaces the ``R-AMBIGUOUS`` finding of the cells
  it covers — the note is the parser's word on the same doubt, and it gets the candidate readings;
- a row the report leaves out (every cell ``not_printed``) with no note of the parser's (a JSON
  submission, an older parse) still gets one ``R-PARSE-NOT-PRINTED`` finding for the row.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline import vocabulary as voc
from pipeline.model import PARSE_RULES, Cell, ParsedReport, ParseNote
from pipeline.validate.findings import Finding, fmt
from pipeline.validate.rules import make_finding, where_en, where_zh

#: What each parse rule means, for the clerk (Chinese); the English is :data:`pipeline.model.PARSE_RULES`.
PARSE_RULES_ZH: dict[str, str] = {
    "R-PARSE-NOT-PRINTED": "报告未列出此行（或其单元格并入了相邻行），按空白计",
    "R-PARSE-AMBIGUOUS": "原文数字可有多种读法，已取最可能的一种",
    "R-PARSE-REPAIRED": "原文单元格经过拼合或补位后读出（数字跨行、相同单元格只印一次、连写数字中有空格等）",
    "R-PARSE-SKIPPED": "表格区域内有不属于表格的文字（说明文字、本地自设行），已跳过",
    "R-PARSE-LAYOUT": "表格版式与模板不同（版本标记、行序、单位等）",
    "R-PARSE-UNREAD": "原文此行无法按模板读出，其单元格按空白处理",
}
_FALLBACK_RULE = "R-PARSE-LAYOUT"


def parse_note_findings(report: ParsedReport, findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` of one report with its parse notes added (and ``R-AMBIGUOUS`` merged into them)."""
    notes = list(report.notes) + _unnoted_rows(report)
    if not notes:
        return list(findings)
    cells = {c.key: c for c in report.cells}
    ambiguous_notes = [n for n in notes if _rule(n) == "R-PARSE-AMBIGUOUS" and n.table and n.row]
    out = [f for f in findings
           if not (f.rule == "R-AMBIGUOUS" and any(_covers(n, f.table, f.row, f.col) for n in ambiguous_notes))]
    out += [_finding(report, n, cells) for n in notes]
    return out


def _rule(note: ParseNote) -> str:
    return note.rule if note.rule in PARSE_RULES else _FALLBACK_RULE


def _covers(note: ParseNote, table: str | None, row: str | None, col: str | None) -> bool:
    return (note.table == table and (note.row is None or note.row == row)
            and (note.col is None or note.col == col))


def _unnoted_rows(report: ParsedReport) -> list[ParseNote]:
    """A note for each row whose every cell is not printed and that no parse note names."""
    if not any(c.status == "not_printed" for c in report.cells):
        return []  # the usual report: every row printed
    rows: dict[tuple[str, str], list[Cell]] = {}
    for c in report.cells:
        rows.setdefault((c.table, c.row), []).append(c)
    noted = [n for n in report.notes if _rule(n) == "R-PARSE-NOT-PRINTED"]
    out = []
    for (table, row), cs in rows.items():
        if not all(c.status == "not_printed" for c in cs):
            continue
        if table == "requests" and row in (*voc.T3_OTHER_SPLIT, "other") and _other_printed(rows, row):
            continue  # （六） printed the other way (one row, or its sub-rows): nothing is left out
        if any(n.table == table and n.row in (None, row) for n in noted):
            continue
        out.append(ParseNote("R-PARSE-NOT-PRINTED", f"row {row} of table {table} is not printed", table, row))
    return out


def _other_printed(rows: dict[tuple[str, str], list[Cell]], row: str) -> bool:
    """Whether table 三's （六） is printed in the other shape than ``row`` belongs to."""
    other_shape = ("other",) if row != "other" else voc.T3_OTHER_SPLIT
    return any(c.status != "not_printed" for r in other_shape for c in rows.get(("requests", r), []))


def _finding(report: ParsedReport, note: ParseNote, cells: dict[tuple[str, str, str], Cell]) -> Finding:
    rule = _rule(note)
    version = report.template
    table, row, col = note.table, note.row, note.col
    cell = cells.get((table, row, col)) if table and row and col else None
    actual = cell.value if cell is not None else None
    w_zh = where_zh(table, row, col, version) if table else "报告"
    w_en = where_en(table, row, col) if table else "the report"
    zh = f"{w_zh}：{PARSE_RULES_ZH[rule]}"
    en = f"{w_en}: {PARSE_RULES[rule]}"
    if rule == "R-PARSE-AMBIGUOUS" and cell is not None and len(cell.candidates) > 1:
        options = "、".join(fmt(v) for v in cell.candidates)
        zh += f"（读作 {fmt(cell.value)}，可能的读法：{options}），请核对原件"
        en += f" (read as {fmt(cell.value)}; candidates {', '.join(fmt(v) for v in cell.candidates)}); check the original"
    zh += f"。解析说明：{note.message_zh or note.message}" if note.message else "。"
    en += f". Parser: {note.message}" if note.message else "."
    return make_finding(rule, version, table, row, col, None, actual, zh, en, severity="warning")
