"""The one vocabulary of the project: tables, rows, columns, their codes and Chinese labels.

Everything that names a cell — the parser, the pandera schemas, the warehouse dimension tables,
the BI views and the published reports — derives it from here. The codes and labels are read from
``data/codes.csv`` (a copy of the project's spec ``codes.csv``); the only structure added here is
what the CSV cannot say by itself: which columns belong to which rows of table 二 (the block layout
of the template) and the value kind of each cell (count, signed count, amount).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

TemplateVersion = Literal["v2019", "v2021"]
TableCode = Literal["proactive", "requests", "appeals"]
ValueKind = Literal["count", "signed_count", "amount"]

VERSIONS: tuple[TemplateVersion, ...] = ("v2019", "v2021")
TABLES: tuple[TableCode, ...] = ("proactive", "requests", "appeals")

#: Section codes of the report and their headings (template.md §7).
SECTIONS: dict[str, str] = {
    "overview": "一、总体情况",
    "proactive": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other_matters": "六、其他需要报告的事项",
}
NARRATIVE_SECTIONS: tuple[str, ...] = ("overview", "problems", "other_matters")

TABLE_TITLES: dict[str, str] = {
    "proactive": "主动公开政府信息情况",
    "requests": "收到和处理政府信息公开申请情况",
    "appeals": "政府信息公开行政复议、行政诉讼情况",
}

#: The legal-person columns of table 三 (ORG in template.md §6).
ORG_COLS: tuple[str, ...] = ("commercial", "research", "social_welfare", "legal_service", "org_other")
#: The parts of the result total of table 三 (R-T3-SUM), without the （六） part.
T3_RESULT_ROWS: tuple[str, ...] = (
    "granted", "partial",
    "denied.state_secret", "denied.law_prohibited", "denied.security_stability", "denied.third_party",
    "denied.internal_affairs", "denied.process_info", "denied.enforcement_file", "denied.admin_query",
    "unable.not_held", "unable.needs_creation", "unable.still_unclear",
    "not_processed.petition", "not_processed.duplicate", "not_processed.publication",
    "not_processed.excessive", "not_processed.confirm_reissue",
)
T3_OTHER_SPLIT: tuple[str, ...] = ("other.no_correction", "other.fee_unpaid", "other.misc")
T4_PARTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending")


@dataclass(frozen=True, slots=True)
class Code:
    """One row or column code of one table, with its labels in both template versions."""

    table: str
    axis: Literal["row", "col"]
    code: str
    label_v2021: str
    label_v2019: str
    versions: str  # "both", "v2019" or "v2021"
    note: str

    def in_version(self, version: str) -> bool:
        return self.versions in ("both", version)

    def label(self, version: str | None = None) -> str:
        """The label as printed in ``version`` (falling back to the other version's label)."""
        if version == "v2019":
            return self.label_v2019 or self.label_v2021
        return self.label_v2021 or self.label_v2019


@dataclass(frozen=True, slots=True)
class ProactiveBlock:
    """A block of table 二: a caption row (第二十条第（N）项), its rows and the columns they carry."""

    caption: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]


#: Table 二 block layout per template version (template.md §3A, §3B). codes.csv names the rows and
#: columns; this says which column belongs to which row.
PROACTIVE_LAYOUT: dict[str, tuple[ProactiveBlock, ...]] = {
    "v2019": (
        ProactiveBlock("第二十条第（一）项", ("rules", "normative_docs"), ("new_made", "new_published", "total_published")),
        ProactiveBlock("第二十条第（五）项", ("licensing", "other_mgmt_services"), ("prev_year_items", "year_change", "decisions")),
        ProactiveBlock("第二十条第（六）项", ("penalties", "coercion"), ("prev_year_items", "year_change", "decisions")),
        ProactiveBlock("第二十条第（八）项", ("admin_fees",), ("prev_year_items", "year_change")),
        ProactiveBlock("第二十条第（九）项", ("central_procurement",), ("procurement_items", "procurement_amount")),
    ),
    "v2021": (
        ProactiveBlock("第二十条第（一）项", ("rules", "normative_docs"), ("issued", "repealed", "in_force")),
        ProactiveBlock("第二十条第（五）项", ("licensing",), ("decisions",)),
        ProactiveBlock("第二十条第（六）项", ("penalties", "coercion"), ("decisions",)),
        ProactiveBlock("第二十条第（八）项", ("admin_fees",), ("fee_amount_wan",)),
    ),
}

AMOUNT_COLS: frozenset[str] = frozenset({"fee_amount_wan", "procurement_amount"})
SIGNED_COLS: frozenset[str] = frozenset({"year_change"})


@cache
def codes() -> tuple[Code, ...]:
    """All codes of ``data/codes.csv`` in file order."""
    text = resources.files("pipeline").joinpath("data/codes.csv").read_text(encoding="utf-8")
    return tuple(Code(**row) for row in csv.DictReader(text.splitlines()))


@cache
def code(table: str, axis: str, code_: str) -> Code:
    for c in codes():
        if c.table == table and c.axis == axis and c.code == code_:
            return c
    raise KeyError(f"unknown {axis} code {code_!r} in table {table!r}")


def rows(table: str, version: str, *, single_other: bool = False) -> tuple[str, ...]:
    """Data-row codes of ``table`` in template ``version``, in printed order.

    ``single_other`` selects the v2021-era variant whose table 三 prints one （六）其他处理 row
    (code ``other``) instead of the three sub-rows.
    """
    out = [c.code for c in codes() if c.table == table and c.axis == "row" and c.in_version(version)]
    if table == "requests" and version == "v2021" and single_other:
        i = out.index(T3_OTHER_SPLIT[0])
        out = [r for r in out if r not in T3_OTHER_SPLIT]
        out.insert(i, "other")
    return tuple(out)


def cols(table: str, version: str) -> tuple[str, ...]:
    """Column codes of ``table`` in template ``version``, in printed order."""
    return tuple(c.code for c in codes() if c.table == table and c.axis == "col" and c.in_version(version))


def row_cols(table: str, version: str, row: str) -> tuple[str, ...]:
    """The columns a given row carries (only table 二 differs from the full column list)."""
    if table == "proactive":
        for block in PROACTIVE_LAYOUT[version]:
            if row in block.rows:
                return block.cols
        raise KeyError(f"row {row!r} is not in table proactive of {version}")
    return cols(table, version)


def cell_keys(version: str, *, single_other: bool = False) -> tuple[tuple[str, str, str], ...]:
    """Every (table, row, col) cell of a complete report in ``version``, in printed order."""
    out: list[tuple[str, str, str]] = []
    for block in PROACTIVE_LAYOUT[version]:
        out += [("proactive", r, c) for r in block.rows for c in block.cols]
    for table in ("requests", "appeals"):
        out += [(table, r, c) for r in rows(table, version, single_other=single_other) for c in cols(table, version)]
    return tuple(out)


def value_kind(table: str, col: str) -> ValueKind:
    """How a cell's value is typed: non-negative count, signed count (v2019 本年增/减) or decimal amount."""
    if table == "proactive" and col in AMOUNT_COLS:
        return "amount"
    if table == "proactive" and col in SIGNED_COLS:
        return "signed_count"
    return "count"


def label(table: str, axis: str, code_: str, version: str | None = None) -> str:
    """Chinese label of a code (``version`` picks the wording of that template version)."""
    if table == "requests" and axis == "row" and code_ == "other":
        return "（六）其他处理"
    return code(table, axis, code_).label(version)


def short_label(table: str, axis: str, code_: str, version: str | None = None) -> str:
    """The label as printed in the row itself, without the group prefix (e.g. "1.属于国家秘密")."""
    full = label(table, axis, code_, version)
    if table == "requests" and axis == "row" and " " in full:
        return full.split(" ", 1)[1]
    return full


def cell_label(table: str, row: str, col: str, version: str | None = None) -> str:
    """A human name for a cell, e.g. "三、（一）予以公开 / 自然人"."""
    prefix = {"proactive": "二", "requests": "三", "appeals": "四"}[table]
    return f"{prefix}、{label(table, 'row', row, version)} / {label(table, 'col', col, version)}"


# -- the identities (勾稽关系), declared once in data/identities.toml ---------------------------------

@dataclass(frozen=True, slots=True)
class Term:
    """One term of an identity: ``coef`` × the cell (table of the identity, ``row``, ``col``), of the
    previous year's report when ``prev``."""

    row: str
    col: str
    coef: int
    prev: bool = False


@dataclass(frozen=True, slots=True)
class Identity:
    """A linear form over cells that holds when Σ coef·value = 0 (a blank cell counting as 0).

    ``over`` is the row (``each = "row"``) or column (``each = "col"``) the form is about."""

    rule: str
    table: str
    each: Literal["row", "col"]
    over: str
    terms: tuple[Term, ...]

    @property
    def cells(self) -> tuple[tuple[str, str, str], ...]:
        return tuple((self.table, t.row, t.col) for t in self.terms if not t.prev)


@cache
def _identity_data() -> dict:
    import tomllib

    text = resources.files("pipeline").joinpath("data/identities.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _expand(entry: dict, version: str, single_other: bool) -> tuple[Identity, ...]:
    table, each = entry["table"], entry["each"]
    if entry.get("version", version) != version:
        return ()
    other = ("other",) if (version == "v2019" or single_other) else T3_OTHER_SPLIT
    present_rows, present_cols = rows(table, version, single_other=single_other), cols(table, version)
    out = []
    over_all = entry.get("rows" if each == "row" else "cols") or (present_rows if each == "row" else present_cols)
    for over in over_all:
        terms: list[Term] = []
        for code, coef in entry["terms"]:
            prev = code.startswith("prev:")
            code = code.removeprefix("prev:")
            names = other if code == "@other" else (code,)
            for name in names:
                row, col = (over, name) if each == "row" else (name, over)
                terms.append(Term(row, col, int(coef), prev))
        if table == "proactive" and any(t.col not in row_cols(table, version, t.row) for t in terms):
            continue
        out.append(Identity(entry["rule"], table, each, over, tuple(terms)))
    return tuple(out)


@cache
def identities(version: str, *, single_other: bool = False) -> tuple[Identity, ...]:
    """The identities of one report of template ``version`` (template.md §6.1–6.2), as forms over cells.

    ``single_other``: the v2021-era table 三 printed with one （六） row. Source: ``data/identities.toml``.
    """
    return tuple(i for e in _identity_data()["identity"] for i in _expand(e, version, single_other))


@cache
def cross_year_identities(version: str, *, single_other: bool = False) -> tuple[Identity, ...]:
    """The identities between a report of ``version`` and the agency's previous-year report (terms
    with ``prev``; template.md §6.2 R-T3-CARRY, §6.3)."""
    return tuple(i for e in _identity_data()["cross_year"] for i in _expand(e, version, single_other))
