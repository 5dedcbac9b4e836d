"""Damage a generated report the way real documents are damaged (issue 8, kinds 1–10), with the expected parse.

Why: the parser must never lose a whole report to a local problem, and must never read a cell wrong
without saying so. Real damaged files are few; this module makes as many as a property test wants.
Each damage works on the printed forms — the page text of a published page (one cell per line, as
report 00 and ``S00``), the crawler dump of the same page (the table region on one line, cell
boundaries lost, as real 08 and ``S05``), the saved HTML page, and the Markdown of a PDF conversion —
and changes only what its kind needs:

====  =====================================================================================
kind  what the document shows
====  =====================================================================================
1     rows the agency left out: 规章, v2019 其他对外管理服务事项, （六） sub-rows, 四、结转下年度
      (only rows that are all zero, as agencies leave them out)
2     （六）其他处理 sub-rows 2–3 printed without cells, their cells merged (summed) into sub-row 1
3     a blank cell inside run-together digits (six digits for seven cells; crawler form)
4     a crawler that drops blank lines and any line equal to the line before: runs of equal cells
      print once, an all-zero row (or table 四) prints one ``0`` (page text)
5     numbers broken over lines (page text, crawler), a ``<br/>`` inside the cell (HTML), a
      wrapped cell continued on the next pipe row (Markdown)
6     prose inside the table region: a sentence quoting labels with numbers after the heading of
      table 二, a sentence between the heading of table 三 / 四 and its header
7     a contents page (目录, dotted leaders, page numbers) before the report body
8     thousands separators (``12,356`` and ``12，356``) on every number of 1,000 or more
9     a unit split from its number (the 万元 of the fee, the 元 of v2019 采购总金额, a narrative
      ``12`` / ``万元``)
10    a table-二 block printed with fewer columns than the template (its header names the rest)
====  =====================================================================================

Real documents print thousands separators as ``12,356`` (ASCII comma) or ``12，356`` (full-width
comma); a space as separator was not seen in the corpus and is not generated.

The expected parse (:class:`Expect` per cell) says what the text settles, honestly: every damaged
table is read back by an exhaustive search over the readings its printed tokens admit (joins of
split lines, expansions of collapsed lines, splits of run-together digits with at most one blank
per row) that satisfy the template's identities (R-T3-ROW, R-T3-SUM, R-T3-BAL, R-T4-SUM; table 二 has
none). A cell with one value over all fitting readings must be read exactly (``exact``, or
``blank``: None or 0, for a cell printed empty or not printed); a cell with several is
``unsettled``: right when read as the truth (other evidence, such as the narrative, may settle it)
or flagged ambiguous with the truth among its candidates. The search ignores the narrative, so it
never demands a value the text cannot give; the truth is always among its readings (checked).

Everything is seeded and deterministic: :func:`damaged_report` of the same seed gives the same bytes.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import escape

from pipeline import forms
from pipeline import vocabulary as voc
from pipeline.model import Number, ParsedReport
from pipeline.render.html import render_html
from pipeline.render.layout import Grid, GridCell, halfwidth, placed, table_grids
from pipeline.render.markdown import render_markdown
from pipeline.render.page_text import INDENT, render_page_text
from pipeline.synth import narrative
from pipeline.synth.generate import format_amount, generate_report

Key = tuple[str, str, str]

KINDS: dict[int, str] = {
    1: "rows_left_out",
    2: "subrows_merged",
    3: "blank_in_run",
    4: "collapsed_equal_lines",
    5: "numbers_split",
    6: "prose_in_tables",
    7: "contents_page",
    8: "thousands_separators",
    9: "unit_split",
    10: "fewer_columns",
}
#: The printed forms, and the kinds that make sense in each.
FORMS: tuple[str, ...] = ("page_text", "crawler_text", "html", "markdown")
FORM_KINDS: dict[str, tuple[int, ...]] = {
    "page_text": (1, 2, 4, 5, 6, 7, 8, 9, 10),
    "crawler_text": (1, 2, 3, 5, 6, 7, 8, 9, 10),
    "html": (1, 2, 5, 6, 7, 8, 9, 10),
    "markdown": (1, 2, 5, 6, 7, 8, 9, 10),
}
#: Kinds not combined in one document: a line-dropping crawler over numbers split across lines
#: makes the split pieces collapse into their neighbours, which no reading model here describes.
INCOMPATIBLE: tuple[frozenset[int], ...] = (frozenset({4, 5}),)
FILE_NAMES: dict[str, str] = {"page_text": "r.txt", "crawler_text": "r.txt", "html": "r.html", "markdown": "r.md"}
VARIANTS: tuple[tuple[str, bool], ...] = (("v2019", False), ("v2021", False), ("v2021", True))

EXACT, BLANK, UNSETTLED = "exact", "blank", "unsettled"
_UNITS = ("万元", "元")


@dataclass(frozen=True, slots=True)
class Expect:
    """What a parse must give for one cell.

    ``exact``: ``value`` (not flagged); ``blank``: None or 0 (printed empty or not printed, not
    flagged); ``unsettled``: the text admits every value of ``candidates`` — right when read as
    ``value`` or flagged ambiguous with ``value`` among the parse's candidates.
    """

    value: Number | None
    how: str
    candidates: tuple[Number | None, ...] = ()


@dataclass(slots=True)
class Damaged:
    """One damaged document, what was done to it, and the expected parse."""

    seed: str
    form: str
    kinds: tuple[int, ...]
    report: ParsedReport  # the generated report the document was printed from (after any changes)
    data: bytes
    name: str
    expected: dict[Key, Expect]
    done: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@dataclass(frozen=True, slots=True)
class Miss:
    """A cell the parse got wrong: what was expected, what came back, and why it does not pass."""

    key: Key
    expected: Expect | None
    value: Number | None
    status: str
    candidates: tuple
    reason: str

    def __str__(self) -> str:
        want = "-" if self.expected is None else (
            f"{self.expected.how} {self.expected.value!r}"
            + (f" of {list(self.expected.candidates)}" if self.expected.how == UNSETTLED else ""))
        got = f"{self.value!r} [{self.status}]" + (f" cands {list(self.candidates)}" if self.candidates else "")
        return f"{'/'.join(self.key)}: {self.reason}; expected {want}; got {got}"


# ------------------------------------------------------------------------------------------------
# public entry points
# ------------------------------------------------------------------------------------------------
def pick_kinds(rng: random.Random, form: str, *, most: int = 3) -> tuple[int, ...]:
    """One to ``most`` kinds that apply to ``form`` and go together, sorted."""
    allowed = FORM_KINDS[form]
    while True:
        kinds = tuple(sorted(rng.sample(allowed, rng.randint(1, most))))
        if not any(bad <= set(kinds) for bad in INCOMPATIBLE):
            return kinds


def damaged_report(seed: str | int, form: str | None = None, kinds: Iterable[int] | None = None) -> Damaged:
    """A report generated from ``seed``, printed in ``form`` with ``kinds`` of damage (random where None).

    The template variant and the way zero cells print are chosen to suit the kinds: kind 2 needs
    the three （六） sub-rows (v2021); the crawler form prints zeros as ``0`` or ``/`` (a run of
    empty cells cannot be read by anyone); kind 4 needs every cell printed (a blank line is dropped).
    """
    rng = random.Random(f"damage-{seed}")
    form = form or rng.choice(FORMS)
    kinds = tuple(sorted(set(kinds))) if kinds is not None else pick_kinds(rng, form)
    for k in kinds:
        if k not in FORM_KINDS[form]:
            raise ValueError(f"kind {k} ({KINDS.get(k)}) does not apply to form {form!r}")
    version, single = ("v2021", False) if 2 in kinds else rng.choice(VARIANTS)
    if form == "crawler_text":
        style: str | None = "slash" if rng.random() < 0.15 else "zero"
    elif 4 in kinds:
        style = "zero"
    else:
        style = None
    report = generate_report(rng, version, single_other=single, blank_style=style)
    return apply(report, form, kinds, rng, seed=str(seed))


def apply(report: ParsedReport, form: str, kinds: Iterable[int], rng: random.Random, *, seed: str = "") -> Damaged:
    """Print ``report`` in ``form`` with each of ``kinds``; the document and its expected parse."""
    doc = _Doc(ParsedReport.from_dict(report.to_dict()), form, tuple(sorted(set(kinds))), rng)
    for k in doc.kinds:
        if k not in FORM_KINDS[form]:
            raise ValueError(f"kind {k} ({KINDS.get(k)}) does not apply to form {form!r}")
    # report-level changes first (they change values), then the table layout, then the printed text
    for k in (1, 8, 9):
        if k in doc.kinds:
            _PREPARE[k](doc)
    doc.start_grids()
    for k in (1, 2, 10, 3, 8, 9, 5):
        if k in doc.kinds:
            _GRID_DAMAGE[k](doc)
    if 6 in doc.kinds:
        _prose(doc)
    data = _render(doc).encode("utf-8")
    expected = _expectations(doc)
    return Damaged(seed, form, doc.kinds, doc.report, data, FILE_NAMES[form], expected, doc.done)


def _single(kind: int) -> Callable[[ParsedReport, str, random.Random], Damaged]:
    def damage(report: ParsedReport, form: str, rng: random.Random) -> Damaged:
        return apply(report, form, (kind,), rng)

    damage.__name__ = KINDS[kind]
    damage.__doc__ = f"``report`` printed in ``form`` with damage of kind {kind} ({KINDS[kind]}) alone."
    return damage


rows_left_out = _single(1)
subrows_merged = _single(2)
blank_in_run = _single(3)
collapsed_equal_lines = _single(4)
numbers_split = _single(5)
prose_in_tables = _single(6)
contents_page = _single(7)
thousands_separators = _single(8)
unit_split = _single(9)
fewer_columns = _single(10)
#: kind → a function (report, form, rng) → :class:`Damaged` applying that kind alone.
DAMAGES: dict[int, Callable[[ParsedReport, str, random.Random], Damaged]] = {
    1: rows_left_out, 2: subrows_merged, 3: blank_in_run, 4: collapsed_equal_lines, 5: numbers_split,
    6: prose_in_tables, 7: contents_page, 8: thousands_separators, 9: unit_split, 10: fewer_columns,
}


def check(parsed: ParsedReport, damaged: Damaged) -> list[Miss]:
    """Every cell of ``parsed`` that does not meet ``damaged.expected`` (empty: the parse is right)."""
    misses: list[Miss] = []
    if parsed.template != damaged.report.template:
        misses.append(Miss(("*", "template", "*"), None, None, parsed.template, (), f"template {parsed.template} "
                           f"!= {damaged.report.template}"))
    got = parsed.cell_map()
    for key, want in damaged.expected.items():
        c = got.get(key)
        if c is None:
            if want.how != BLANK:
                misses.append(Miss(key, want, None, "missing", (), "cell missing from the parse"))
            continue
        cands = tuple(c.candidates)
        if c.ambiguous and cands and not any(_same(c.value, x) for x in cands):
            misses.append(Miss(key, want, c.value, c.status, cands, "flagged value is not among its own candidates"))
        elif want.how == EXACT:
            if c.ambiguous:
                misses.append(Miss(key, want, c.value, c.status, cands, "needless flag: the text settles this cell"))
            elif not _same(c.value, want.value):
                misses.append(Miss(key, want, c.value, c.status, cands, "wrong value, not flagged"))
        elif want.how == BLANK:
            if c.ambiguous:
                misses.append(Miss(key, want, c.value, c.status, cands, "needless flag on a blank / not-printed cell"))
            elif c.value not in (None, 0) or isinstance(c.value, bool):
                misses.append(Miss(key, want, c.value, c.status, cands, "value where the document prints none"))
        elif c.ambiguous:
            if not any(_same(x, want.value, blank_is_zero=True) for x in cands):
                misses.append(Miss(key, want, c.value, c.status, cands, "flagged, but the truth is not among the candidates"))
        elif not _same(c.value, want.value, blank_is_zero=True):
            misses.append(Miss(key, want, c.value, c.status, cands, "unsettled cell read wrong without a flag"))
    for key, c in got.items():
        if key not in damaged.expected and c.value not in (None, 0):
            misses.append(Miss(key, None, c.value, c.status, tuple(c.candidates), "a cell the template of the report "
                               "does not have"))
    return misses


def _same(a: object, b: object, *, blank_is_zero: bool = False) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if blank_is_zero:
        a = 0 if a is None else a
        b = 0 if b is None else b
    if a is None or b is None:
        return a is b
    return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) < 1e-9


# ------------------------------------------------------------------------------------------------
# the working state of one damaged document
# ------------------------------------------------------------------------------------------------
@dataclass
class _Doc:
    report: ParsedReport
    form: str
    kinds: tuple[int, ...]
    rng: random.Random
    grids: dict[str, Grid] = field(default_factory=dict)
    truth: dict[Key, Number | None] = field(default_factory=dict)  # as printed; None = blank / not printed
    leave_out: list[tuple[str, str]] = field(default_factory=list)
    leads: dict[str, list[str]] = field(default_factory=dict)  # prose after a table heading
    sep: str = ","
    half_width: bool = False
    wrap: bool = True
    done: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.half_width = self.form in ("page_text", "crawler_text") and self.rng.random() < 0.5
        self.wrap = self.form in ("page_text", "html") and self.rng.random() < 0.6

    def start_grids(self) -> None:
        self.truth = {c.key: c.value for c in self.report.cells}
        self.grids = table_grids(self.report, wrap=self.wrap)

    def keyed(self, code: str) -> Iterator[tuple[int, GridCell]]:
        for i, line in enumerate(self.grids[code]):
            for cell in line:
                if cell.key is not None:
                    yield i, cell

    def row_index(self, code: str, row: str) -> int | None:
        return next((i for i, cell in self.keyed(code) if cell.key[1] == row), None)

    def row_cells(self, code: str, row: str) -> list[GridCell]:
        return [cell for _, cell in self.keyed(code) if cell.key[1] == row]

    def set_cell(self, key: Key, value: Number | None, raw: str) -> None:
        for c in self.report.cells:
            if c.key == key:
                c.value, c.raw = value, raw

    def values(self) -> dict[Key, Number]:
        return {c.key: c.value or 0 for c in self.report.cells}


def _zero_row(doc: _Doc, table: str, row: str) -> bool:
    return all(not c.value for c in doc.report.cells if c.table == table and c.row == row)


def _row_keys(report: ParsedReport, table: str, row: str) -> list[Key]:
    return [c.key for c in report.cells if c.table == table and c.row == row]


# ------------------------------------------------------------------------------------------------
# kind 1: rows left out
# ------------------------------------------------------------------------------------------------
def _prepare_rows_left_out(doc: _Doc) -> None:
    r, v = doc.report, doc.report.template
    options = [("proactive", "rules"), ("requests", "carry_forward")]
    if v == "v2019":
        options.append(("proactive", "other_mgmt_services"))
    if v == "v2021" and not r.single_other and 2 not in doc.kinds:
        options += [("requests", s) for s in voc.T3_OTHER_SPLIT]
    eligible = [o for o in options if _zero_row(doc, *o)]
    if not eligible:  # departments without rule-making power print 规章 0·0·0, or leave it out
        for key in _row_keys(r, "proactive", "rules"):
            doc.set_cell(key, 0, "0")
        eligible = [("proactive", "rules")]
    doc.leave_out = doc.rng.sample(eligible, doc.rng.randint(1, min(2, len(eligible))))


def _leave_rows_out(doc: _Doc) -> None:
    for table, row in doc.leave_out:
        i = doc.row_index(table, row)
        if i is None:
            continue
        doc.grids[table] = _remove_grid_row(doc.grids[table], i)
        for key in _row_keys(doc.report, table, row):
            doc.truth[key] = None
        doc.done.append(f"1: row {table}/{row} left out")


def _remove_grid_row(grid: Grid, index: int) -> Grid:
    """``grid`` without row ``index``: cells spanning it shrink, a cell starting there moves down."""
    _, cells = placed(grid)
    rows: list[list[tuple[int, GridCell]]] = [[] for _ in grid]
    for r, c, cell in cells:
        cell = copy.copy(cell)
        if r < index < r + cell.rowspan:
            cell.rowspan -= 1
        elif r == index:
            if cell.rowspan == 1:
                continue
            cell.rowspan -= 1
            r = index + 1
        rows[r].append((c, cell))
    return [[cell for _, cell in sorted(line, key=lambda x: x[0])] for i, line in enumerate(rows) if i != index]


# ------------------------------------------------------------------------------------------------
# kind 2: （六） sub-rows 2–3 merged into sub-row 1
# ------------------------------------------------------------------------------------------------
def _merge_other_subrows(doc: _Doc) -> None:
    r = doc.report
    if r.template != "v2021" or r.single_other:
        return
    first, *rest = voc.T3_OTHER_SPLIT
    i1 = doc.row_index("requests", first)
    if i1 is None or any(doc.row_index("requests", s) is None for s in rest):
        return
    grid = doc.grids["requests"]
    for col in voc.cols("requests", r.template):
        total = sum(doc.truth[("requests", s, col)] or 0 for s in voc.T3_OTHER_SPLIT)
        cell = next(c for c in grid[i1] if c.key == ("requests", first, col))
        if total:
            cell.text = str(total)
            doc.truth[cell.key] = total
        cell.rowspan = len(voc.T3_OTHER_SPLIT)
        for s in rest:
            doc.truth[("requests", s, col)] = None
    for s in rest:
        i = doc.row_index("requests", s)
        grid[i] = [c for c in grid[i] if c.key is None]
    doc.done.append("2: （六） sub-rows 2–3 merged into sub-row 1")


# ------------------------------------------------------------------------------------------------
# kind 10: a table-二 block printed with fewer columns
# ------------------------------------------------------------------------------------------------
def _fewer_columns(doc: _Doc) -> None:
    v = doc.report.template
    blocks = [b for b in voc.PROACTIVE_LAYOUT[v] if len(b.cols) >= 2]
    block = doc.rng.choice(blocks)
    drop = doc.rng.randrange(len(block.cols))
    grid = doc.grids["proactive"]
    cap = next(i for i, line in enumerate(grid) if line and line[0].text == block.caption)
    keep = [c for j, c in enumerate(block.cols) if j != drop]
    spans = [1] * (len(keep) - 1) + [4 - len(keep)]
    header = grid[cap + 1]
    grid[cap + 1] = [header[0]] + [c for j, c in enumerate(header[1:]) if j != drop]
    for cell, s in zip(grid[cap + 1][1:], spans, strict=True):
        cell.colspan = s
    for i in range(cap + 2, len(grid)):
        line = grid[i]
        data = [c for c in line if c.key is not None]
        if not data or data[0].key[1] not in block.rows:
            break
        for c in data:
            if c.key[2] == block.cols[drop]:
                doc.truth[c.key] = None
        kept = [c for c in data if c.key[2] != block.cols[drop]]
        for cell, s in zip(kept, spans, strict=True):
            cell.colspan = s
        grid[i] = [c for c in line if c.key is None] + kept
    doc.done.append(f"10: block {block.caption} printed without column {block.cols[drop]}")


# ------------------------------------------------------------------------------------------------
# kind 3: a blank cell inside run-together digits
# ------------------------------------------------------------------------------------------------
def _blank_in_run(doc: _Doc) -> None:
    rows: dict[str, list[GridCell]] = {}
    for _, cell in doc.keyed("requests"):
        rows.setdefault(cell.key[1], []).append(cell)
    lively = [r for r, cells in rows.items() if len(cells) == 7 and any(doc.truth[c.key] for c in cells)
              and any(doc.truth[c.key] == 0 and c.text == "0" for c in cells)]
    quiet = [r for r, cells in rows.items() if len(cells) == 7 and any(doc.truth[c.key] == 0 and c.text == "0" for c in cells)]
    pool = lively or quiet
    for row in doc.rng.sample(pool, min(len(pool), doc.rng.choice((1, 1, 2)))):
        cell = doc.rng.choice([c for c in rows[row] if doc.truth[c.key] == 0 and c.text == "0"])
        cell.text = ""
        doc.truth[cell.key] = None
        doc.done.append(f"3: {'/'.join(cell.key)} printed blank")


# ------------------------------------------------------------------------------------------------
# kind 8: thousands separators
# ------------------------------------------------------------------------------------------------
def _prepare_separators(doc: _Doc) -> None:
    r = doc.report
    if any(isinstance(c.value, int | float) and abs(c.value) >= 1000 for c in r.cells):
        return
    new_total = r.value("requests", "new_received", "total") or 0
    d = 1000 - int(new_total) + doc.rng.randint(0, 600)
    for row in ("new_received", "granted", "total"):
        for col in ("natural_person", "total"):
            key = ("requests", row, col)
            value = int(r.value(*key) or 0) + d
            doc.set_cell(key, value, str(value))
    r.sections = narrative.sections(doc.rng, r, doc.values())


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return digits[:head] + "".join(sep + digits[i:i + 3] for i in range(head, len(digits), 3))


def _separators(doc: _Doc) -> None:
    doc.sep = doc.rng.choice((",", "，"))
    for code in voc.TABLES:
        for _, cell in doc.keyed(code):
            m = re.fullmatch(r"([+-]?)(\d{4,})(\.\d+)?(\D*)", cell.text)
            if m:
                cell.text = m[1] + _group(m[2], doc.sep) + (m[3] or "") + m[4]
                doc.done.append(f"8: {'/'.join(cell.key)} printed {cell.text}")


# ------------------------------------------------------------------------------------------------
# kind 9: a unit split from its number
# ------------------------------------------------------------------------------------------------
def _prepare_unit_split(doc: _Doc) -> None:
    r, rng = doc.report, doc.rng
    if r.template == "v2021":
        key = ("proactive", "admin_fees", "fee_amount_wan")
        if not r.value(*key):
            fee = round(rng.uniform(0.05, 60), rng.choice((0, 1, 2))) or 1
            fee = int(fee) if float(fee).is_integer() else fee
            doc.set_cell(key, fee, format_amount(fee))
    else:
        key = ("proactive", "central_procurement", "procurement_amount")
        if not r.value(*key):
            items = rng.randint(1, 30)
            amount = round(items * rng.uniform(2e3, 4e5), 2)
            doc.set_cell(("proactive", "central_procurement", "procurement_items"), items, str(items))
            doc.set_cell(key, amount, format_amount(amount))
    spent = rng.randint(2, 60)
    r.sections["overview"] = (r.sections.get("overview", "") + f"\n全年投入{spent}\n万元用于政府网站信息公开专栏改版。")


def _unit_split(doc: _Doc) -> None:
    col, unit = ("fee_amount_wan", "万元") if doc.report.template == "v2021" else ("procurement_amount", "元")
    for _, cell in doc.keyed("proactive"):
        if cell.key[2] == col and cell.text not in ("", "/"):
            number = cell.text.removesuffix("元").removesuffix("万")
            cell.text = f"{number}\n{unit}"
            doc.done.append(f"9: {'/'.join(cell.key)} printed {cell.text!r}")


# ------------------------------------------------------------------------------------------------
# kind 5: numbers broken over lines / cells
# ------------------------------------------------------------------------------------------------
def _numbers_split(doc: _Doc) -> None:
    cells = [cell for code in voc.TABLES for _, cell in doc.keyed(code)
             if len(re.findall(r"\d(?=\d)", cell.text.split("\n")[0])) >= 1]
    if not cells:
        return
    t4 = [c for c in cells if c.key[0] == "appeals"]
    chosen = doc.rng.sample(cells, min(len(cells), doc.rng.randint(1, 4)))
    if t4 and not any(c.key[0] == "appeals" for c in chosen) and doc.rng.random() < 0.5:
        chosen.append(doc.rng.choice(t4))  # a two-digit table-四 cell wrapped
    for cell in chosen:
        first, *rest = cell.text.split("\n")
        cuts = [i + 1 for i in range(len(first) - 1) if first[i].isdigit() and first[i + 1].isdigit()]
        cut = doc.rng.choice(cuts)
        cell.text = "\n".join([first[:cut], first[cut:], *rest])
        doc.done.append(f"5: {'/'.join(cell.key)} printed {cell.text!r}")


# ------------------------------------------------------------------------------------------------
# kind 6: prose inside the table region
# ------------------------------------------------------------------------------------------------
def _prose(doc: _Doc) -> None:
    r, rng = doc.report, doc.rng
    year = r.meta.year or ""
    we = "我局" if (r.meta.agency or "").endswith("局") else "本机关"
    docs_label = "规范性文件" if r.template == "v2019" else "政策及规范性文件"
    parts = [rng.randint(1, 40), rng.randint(2, 400), rng.randint(1, 120), rng.randint(10, 300)]
    sentences = {
        "proactive": f"{year}年，{we}主动公开政府信息{sum(parts)}条，涵盖{docs_label}类{parts[0]}条、行政许可类{parts[1]}条、"
                     f"行政处罚类{parts[2]}条、其他应主动公开的政府信息{parts[3]}条。",
        "requests": f"{year}年，共收到政府信息公开申请{r.value('requests', 'new_received', 'total') or 0}条。",
    }
    review = r.value("appeals", "review", "total") or 0
    suits = (r.value("appeals", "suit_direct", "total") or 0) + (r.value("appeals", "suit_after_review", "total") or 0)
    sentences["appeals"] = (f"{year}年，未发生政府信息公开行政复议及行政诉讼。" if not review and not suits else
                            f"{year}年，{we}因政府信息公开被申请行政复议{review}件、提起行政诉讼{suits}件。")
    for code in rng.sample(list(sentences), rng.randint(1, 3)):
        doc.leads[code] = [sentences[code]]
        doc.done.append(f"6: a sentence after the heading of table {code}")


# ------------------------------------------------------------------------------------------------
# printing
# ------------------------------------------------------------------------------------------------
def _contents_lines(doc: _Doc) -> list[str]:
    leader = doc.rng.choice(("……………", "....................", "······"))
    out, page = ["目录"], 1
    for heading in voc.SECTIONS.values():
        out.append(f"{heading}{leader}{page}")
        page += doc.rng.choice((0, 1, 1, 2))
    return out


def _render(doc: _Doc) -> str:
    if 7 in doc.kinds:
        doc.done.append("7: a contents page after the title")
    if doc.form in ("page_text", "crawler_text"):
        return _render_text(doc)
    if doc.form == "html":
        text = render_html(doc.report, wrap_headers=doc.wrap, grids=doc.grids)
        for code, paras in doc.leads.items():
            anchor = f"<p><strong>{escape(voc.SECTIONS[code])}</strong></p>"
            text = text.replace(anchor, anchor + "\n" + "\n".join(f'<p style="text-indent:2em">{escape(p)}</p>' for p in paras), 1)
        if 7 in doc.kinds:
            anchor = f"<h1>{escape(doc.report.meta.title or '')}</h1>"
            text = text.replace(anchor, anchor + "\n" + "\n".join(f"<p>{escape(x)}</p>" for x in _contents_lines(doc)), 1)
        return text
    text = render_markdown(doc.report, grids=doc.grids)
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        out.append(line)
        code = next((c for c, h in voc.SECTIONS.items() if line == f"## {h}"), None)
        if code in doc.leads:
            out += ["", *doc.leads[code]]
        if 7 in doc.kinds and line == f"# {doc.report.meta.title}":
            out += ["", *(x for c in _contents_lines(doc) for x in (c, ""))]
    return "\n".join(out)


def _render_text(doc: _Doc) -> str:
    lines = render_page_text(doc.report, wrap_headers=doc.wrap, grids=doc.grids).split("\n")
    out: list[str] = []
    headings = {h: c for c, h in voc.SECTIONS.items() if c not in voc.NARRATIVE_SECTIONS}
    title = doc.report.meta.title
    for line in lines:
        out.append(line)
        if line in headings and headings[line] in doc.leads:
            out += ["", *(INDENT + p for p in doc.leads[headings[line]])]
        if 7 in doc.kinds and title and line == title:
            out += ["", *(x for c in _contents_lines(doc) for x in (c, ""))]
    if doc.form == "crawler_text":
        start = out.index(voc.SECTIONS["proactive"])
        end = next(i for i in range(start, len(out)) if voc.SECTIONS["problems"] in out[i])
        out[start:end] = [_crawler_region(doc)]
    if 4 in doc.kinds:
        kept: list[str] = []
        for line in out:
            if line.strip() and (not kept or kept[-1] != line):
                kept.append(line)
        out = kept
        doc.done.append("4: blank lines and lines equal to the line before dropped")
    text = "\n".join(out)
    return halfwidth(text) if doc.half_width else text


def _crawler_region(doc: _Doc) -> str:
    """Tables 二–四 as a crawler stores them: one line, a row's cells run together, labels glued on."""
    head_sep = doc.rng.choice(("", " "))
    row_sep = doc.rng.choice(("", "", " "))
    parts: list[str] = []
    prev_data = False
    for code in ("proactive", "requests", "appeals"):
        parts.append((row_sep if prev_data else head_sep) + voc.SECTIONS[code])
        parts += doc.leads.get(code, [])
        prev_data = False
        for line in doc.grids[code]:
            for cell in line:
                if cell.key is not None:
                    parts.append(cell.text)
                    prev_data = True
                    continue
                text = cell.text.replace("\n", "")
                parts.append((row_sep if prev_data else head_sep) + text)
                prev_data = False
    return "".join(parts)


# ------------------------------------------------------------------------------------------------
# the expected parse: every reading the printed tokens admit, filtered by the identities
# ------------------------------------------------------------------------------------------------
_NUM = r"(?:0|[1-9]\d{0,2}(?:[,，]\d{3})+|[1-9]\d*)"
_GRAMMAR = {
    "count": re.compile(_NUM),
    "signed_count": re.compile(rf"[+-]?{_NUM}"),
    "amount": re.compile(rf"{_NUM}(?:\.\d+)?(?:万元|元)?"),
}
_BLANK_MARKS = ("", "/")
_BAD = object()
_MAX_READINGS = 20000


def _value(text: str, kind: str) -> object:
    """The value of one printed cell text in a reading (None for a blank mark, ``_BAD`` if no number)."""
    text = text.strip()
    if text in _BLANK_MARKS:
        return None
    if not _GRAMMAR[kind].fullmatch(text):
        return _BAD
    number = re.sub(r"[,，]|万元|元", "", text)
    if "." in number:
        return float(number)
    return int(number)


def _row_units(doc: _Doc) -> list[tuple[str, str, list[GridCell]]]:
    """(table, unit name, printed data cells in order): a table-二/三 row, or the 15 cells of table 四."""
    units: list[tuple[str, str, list[GridCell]]] = []
    for code in ("proactive", "requests"):
        rows: dict[str, list[GridCell]] = {}
        for _, cell in doc.keyed(code):
            rows.setdefault(cell.key[1], []).append(cell)
        units += [(code, row, cells) for row, cells in rows.items()]
    t4 = [cell for _, cell in doc.keyed("appeals")]
    if t4:
        units.append(("appeals", "*", t4))
    return units


def _tokens(cells: list[GridCell], collapse: bool) -> list[str]:
    out: list[str] = []
    for cell in cells:
        pieces = cell.text.split("\n") if cell.text.strip() else [""]
        out += [p for p in pieces if p.strip() not in _UNITS]
    if collapse:
        out = [t for i, t in enumerate(out) if i == 0 or t != out[i - 1]]
    return out


def _line_readings(tokens: list[str], kinds: list[str], *, collapse: bool, split: bool) -> list[tuple]:
    """Readings of one row printed one token per line: a cell is one line, two lines joined (split
    numbers), or no line at all (equal to the line before, dropped by the crawler)."""
    n, out = len(kinds), []

    def rec(i: int, j: int, vals: tuple, last: str | None) -> None:
        if len(out) > _MAX_READINGS:
            return
        left_t, left_c = len(tokens) - i, n - j
        if left_t > left_c * (2 if split else 1) or (not collapse and left_t < left_c):
            return
        if j == n:
            if i == len(tokens):
                out.append(vals)
            return
        if i < len(tokens):
            v = _value(tokens[i], kinds[j])
            if v is not _BAD:
                rec(i + 1, j + 1, (*vals, v), tokens[i])
            if split and i + 1 < len(tokens) and tokens[i][-1:].isdigit() and tokens[i + 1][:1].isdigit():
                v = _value(tokens[i] + tokens[i + 1], kinds[j])
                if v is not _BAD:
                    rec(i + 2, j + 1, (*vals, v), tokens[i + 1])
        if collapse and last is not None:
            v = _value(last, kinds[j])
            if v is not _BAD:
                rec(i, j + 1, (*vals, v), last)

    rec(0, 0, (), None)
    return out


def _run_readings(text: str, kinds: list[str], groups: int, forms_: list[_UnitForm] = ()) -> list[tuple]:
    """Readings of one row whose cells run together: every split of ``text`` into cells of the
    right grammar, with at most one empty cell per group of ``len(kinds) // groups`` cells; a reading
    is cut off as soon as a declared form over its cells (``forms_``, e.g. the row total) fails."""
    n, size, out = len(kinds), len(kinds) // groups, []
    closing = {f.last + 1: [g for g in forms_ if g.last == f.last] for f in forms_}
    candidates: dict[tuple[int, int], list[tuple[int, object]]] = {}

    def options(pos: int, j: int) -> list[tuple[int, object]]:
        if (pos, j) not in candidates:
            opts = []
            for end in range(pos + 1, len(text) + 1):
                part = text[pos:end]
                v = None if part == "/" else _value(part, kinds[j])
                if v is not _BAD:
                    opts.append((end, v))
            candidates[pos, j] = opts
        return candidates[pos, j]

    def rec(pos: int, j: int, vals: tuple, empties: int) -> None:
        if len(out) > _MAX_READINGS:
            return
        if j in closing and not all(f.holds(vals) for f in closing[j]):
            return
        if j == n:
            if pos == len(text):
                out.append(vals)
            return
        if j % size == 0:
            empties = 0
        for end, v in options(pos, j):
            rec(end, j + 1, (*vals, v), empties)
        if empties == 0:
            rec(pos, j + 1, (*vals, None), 1)

    rec(0, 0, (), 0)
    return out


@dataclass(frozen=True, slots=True)
class _UnitForm:
    """A declared form over cells of one reading unit: their indices in the unit and coefficients."""

    index: tuple[int, ...]
    coef: tuple[float, ...]

    @property
    def last(self) -> int:
        return max(self.index)

    def holds(self, vals: tuple) -> bool:
        return abs(sum(c * (vals[i] or 0) for i, c in zip(self.index, self.coef, strict=True))) <= 1e-9


def _unit_forms(doc: _Doc, keys: list[Key]) -> list[_UnitForm]:
    """The declared forms of the report whose cells all lie in one reading unit (e.g. a row's total)."""
    where = {k: i for i, k in enumerate(keys)}
    out = []
    for ident in voc.identities(doc.report.template, single_other=doc.report.single_other):
        if all(k in where for k in ident.cells):
            out.append(_UnitForm(tuple(where[k] for k in ident.cells), tuple(float(t.coef) for t in ident.terms)))
    return out


def _fits(forms_: list[_UnitForm], vals: tuple) -> bool:
    return all(f.holds(vals) for f in forms_)


def _expectations(doc: _Doc) -> dict[Key, Expect]:
    mode = "run" if doc.form == "crawler_text" else (
        "lines" if doc.form == "page_text" and ({4, 5} & set(doc.kinds)) else "cells")
    readings: dict[tuple[str, str], tuple[list[Key], list[tuple]]] = {}
    for table, unit, cells in _row_units(doc):
        keys = [c.key for c in cells]
        unit_forms = _unit_forms(doc, keys)
        kinds = [voc.value_kind(k[0], k[2]) for k in keys]
        if mode == "cells":
            found = [tuple(doc.truth[k] for k in keys)]
        elif mode == "lines":
            found = _line_readings(_tokens(cells, 4 in doc.kinds), kinds, collapse=4 in doc.kinds, split=5 in doc.kinds)
        else:
            text = "".join(c.text for c in cells).replace("\n", "")
            found = _run_readings(text, kinds, 3 if table == "appeals" else 1, unit_forms)
        fitting = [r for r in found if _fits(unit_forms, r)]
        truth = tuple(doc.truth[k] for k in keys)
        if not any(all(_same(a, b, blank_is_zero=True) for a, b in zip(r, truth, strict=True)) for r in fitting):
            raise AssertionError(f"damage model: the true {table}/{unit} {truth} is not among its readings "
                                 f"{fitting[:5]} (kinds {doc.kinds}, form {doc.form})")
        readings[table, unit] = (keys, fitting)
    _joint_requests(doc, readings)

    expected: dict[Key, Expect] = {}
    for key, value in doc.truth.items():
        expected[key] = Expect(value, BLANK if value is None else EXACT)
    for keys, fitting in readings.values():
        for i, key in enumerate(keys):
            seen: list[Number | None] = []
            for r in fitting:
                if not any(_same(r[i], x) for x in seen):
                    seen.append(r[i])
            if len({0 if x is None else x for x in seen}) > 1:
                expected[key] = Expect(doc.truth[key], UNSETTLED, tuple(seen))
    return expected


def _joint_requests(doc: _Doc, readings: dict[tuple[str, str], tuple[list[Key], list[tuple]]]) -> None:
    """Keep the table-三 readings that satisfy R-T3-SUM and R-T3-BAL together (rows not printed count 0)."""
    units = [(u, keys, fitting) for (t, u), (keys, fitting) in readings.items() if t == "requests"]
    open_units = [x for x in units if len(x[2]) > 1]
    if not open_units:
        return
    size = 1
    for _, _, fitting in open_units:
        size *= len(fitting)
    if size > _MAX_READINGS:
        return  # too many to check together: keep each row's own readings (a looser expectation)
    joint = [i for i in voc.identities(doc.report.template, single_other=doc.report.single_other)
             if i.table == "requests" and i.each == "col"]  # the forms across rows (R-T3-SUM, R-T3-BAL)
    base = {k: (x or 0) for k, x in doc.truth.items() if k[0] == "requests"}
    kept: dict[str, set[int]] = {u: set() for u, _, _ in open_units}
    for combo in itertools.product(*(range(len(f)) for _, _, f in open_units)):
        cur = dict(base)
        for (_, keys, fitting), idx in zip(open_units, combo, strict=True):
            for k, x in zip(keys, fitting[idx], strict=True):
                cur[k] = x or 0
        if all(forms.holds(i, lambda k, _cur=cur: _cur.get(k, 0)) for i in joint):
            for (u, _, _), idx in zip(open_units, combo, strict=True):
                kept[u].add(idx)
    for u, keys, fitting in open_units:
        readings["requests", u] = (keys, [fitting[i] for i in sorted(kept[u])])


_PREPARE: dict[int, Callable[[_Doc], None]] = {1: _prepare_rows_left_out, 8: _prepare_separators, 9: _prepare_unit_split}
_GRID_DAMAGE: dict[int, Callable[[_Doc], None]] = {
    1: _leave_rows_out, 2: _merge_other_subrows, 10: _fewer_columns, 3: _blank_in_run, 8: _separators,
    9: _unit_split, 5: _numbers_split,
}

