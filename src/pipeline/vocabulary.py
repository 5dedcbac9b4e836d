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
#: The template variants a report can be in: (version, table 三 prints one （六） row).
VARIANTS: tuple[tuple[TemplateVersion, bool], ...] = (("v2019", False), ("v2021", False), ("v2021", True))

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

#: Row and column groups of the template, declared in ``data/identities.toml`` ``[groups]`` (see the end
#: of this module): the legal-person columns of table 三 (ORG in template.md §6), the result rows that
#: add up to （七）总计 without the （六） part, the three （六） sub-rows, the outcome columns of table 四.
ORG_COLS: tuple[str, ...]
T3_RESULT_ROWS: tuple[str, ...]
T3_OTHER_SPLIT: tuple[str, ...]
T4_PARTS: tuple[str, ...]


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


_DERIVED: list = []


def derived(fn):
    """Cache ``fn`` until the declaration changes (:func:`use_declaration` clears it).

    The vocabulary is declared once, as data; every lookup table derived from it (row and column
    lists, cell keys, labels) is computed once and shared — a parse asks for them per cell.
    """
    cached = cache(fn)
    _DERIVED.append(cached)
    return cached


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


@derived  # the （六） sub-rows are a group of the declaration
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


@cache
def cols(table: str, version: str) -> tuple[str, ...]:
    """Column codes of ``table`` in template ``version``, in printed order."""
    return tuple(c.code for c in codes() if c.table == table and c.axis == "col" and c.in_version(version))


@cache
def row_cols(table: str, version: str, row: str) -> tuple[str, ...]:
    """The columns a given row carries (only table 二 differs from the full column list)."""
    if table == "proactive":
        for block in PROACTIVE_LAYOUT[version]:
            if row in block.rows:
                return block.cols
        raise KeyError(f"row {row!r} is not in table proactive of {version}")
    return cols(table, version)


@derived
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


@cache
def label(table: str, axis: str, code_: str, version: str | None = None) -> str:
    """Chinese label of a code (``version`` picks the wording of that template version)."""
    if table == "requests" and axis == "row" and code_ == "other":
        return "（六）其他处理"
    return code(table, axis, code_).label(version)


@cache
def short_label(table: str, axis: str, code_: str, version: str | None = None) -> str:
    """The label as printed in the row itself, without the group prefix (e.g. "1.属于国家秘密")."""
    full = label(table, axis, code_, version)
    if table == "requests" and axis == "row" and " " in full:
        return full.split(" ", 1)[1]
    return full


@cache
def cell_label(table: str, row: str, col: str, version: str | None = None) -> str:
    """A human name for a cell, e.g. "三、（一）予以公开 / 自然人"."""
    prefix = {"proactive": "二", "requests": "三", "appeals": "四"}[table]
    return f"{prefix}、{label(table, 'row', row, version)} / {label(table, 'col', col, version)}"


# -- the identities (勾稽关系), declared once in data/identities.toml ---------------------------------
# Everything that adds cells up — the parser's reading search and blank derivation, the pandera checks,
# the validator's findings, the cross-year checks and the synthetic generator — reads the forms from
# here; :func:`use_declaration` swaps the declaration (a test's mutated copy) and clears every cache
# derived from it (functions decorated with :func:`derived`).

_DECLARATION: list[str | None] = [None]  # a declaration text overriding data/identities.toml


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

    ``over`` is the row (``each = "row"``) or column (``each = "col"``) the form is about;
    ``anchor_code`` the declared code of the term a failure is reported at ("" when not declared);
    ``statement`` the form in words, as a clerk reads it."""

    rule: str
    table: str
    each: Literal["row", "col"]
    over: str
    terms: tuple[Term, ...]
    anchor_code: str = ""
    statement: str = ""

    @property
    def cells(self) -> tuple[tuple[str, str, str], ...]:
        return tuple((self.table, t.row, t.col) for t in self.terms if not t.prev)

    @property
    def total(self) -> Term | None:
        """The form's total: the one this-year term whose sign no other term shares, facing at least two
        terms of the other sign (None for a balance like 一 + 二 = 三 + 四, or a two-term equality)."""
        pos = [t for t in self.terms if t.coef > 0]
        neg = [t for t in self.terms if t.coef < 0]
        for one, many in ((pos, neg), (neg, pos)):
            if len(one) == 1 and len(many) >= 2 and not one[0].prev:
                return one[0]
        return None

    @property
    def anchor(self) -> Term:
        """The term a failure of the form is reported at: the declared ``anchor``, else the total, else
        the first term of this year's report."""
        for t in self.terms:
            if self.anchor_code and not t.prev and (t.row if self.each == "col" else t.col) == self.anchor_code:
                return t
        return self.total or next(t for t in self.terms if not t.prev)

    def along(self, term: Term) -> str:
        """The code that varies along the form: a term's row (``each = "col"``) or column."""
        return term.row if self.each == "col" else term.col


def use_declaration(text: str | None = None) -> None:
    """Read the identities and groups from ``text`` (a TOML document in the form of
    ``data/identities.toml``) from now on; ``None`` goes back to the packaged file."""
    _DECLARATION[0] = text
    for fn in _DERIVED:
        fn.cache_clear()
    _set_groups()


@derived
def declaration() -> dict:
    """The declaration as data (``data/identities.toml``, or the text given to :func:`use_declaration`)."""
    import tomllib

    text = _DECLARATION[0]
    if text is None:
        text = resources.files("pipeline").joinpath("data/identities.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@derived
def groups() -> dict[str, tuple[str, ...]]:
    """The named row and column groups of the declaration (``[groups]``)."""
    return {name: tuple(codes_) for name, codes_ in declaration().get("groups", {}).items()}


def _set_groups() -> None:
    global ORG_COLS, T3_RESULT_ROWS, T3_OTHER_SPLIT, T4_PARTS
    g = groups()
    ORG_COLS, T3_RESULT_ROWS, T3_OTHER_SPLIT, T4_PARTS = g["org"], g["results"], g["other"], g["outcomes"]


def _names(code_: str, version: str, single_other: bool) -> tuple[str, ...]:
    """The codes a declared term stands for: itself, a group (``@name``) or the （六） part (``@other``)."""
    if code_ == "@other":
        return ("other",) if (version == "v2019" or single_other) else groups()["other"]
    if code_.startswith("@"):
        return groups()[code_[1:]]
    return (code_,)


def _expand(entry: dict, version: str, single_other: bool) -> tuple[Identity, ...]:
    table, each = entry["table"], entry["each"]
    if entry.get("version", version) != version:
        return ()
    present_rows, present_cols = rows(table, version, single_other=single_other), cols(table, version)
    out = []
    over_all = entry.get("rows" if each == "row" else "cols") or (present_rows if each == "row" else present_cols)
    for over in over_all:
        terms: list[Term] = []
        for code_, coef in entry["terms"]:
            prev = code_.startswith("prev:")
            for name in _names(code_.removeprefix("prev:"), version, single_other):
                row, col = (over, name) if each == "row" else (name, over)
                terms.append(Term(row, col, int(coef), prev))
        if table == "proactive" and any(t.col not in row_cols(table, version, t.row) for t in terms):
            continue
        out.append(Identity(entry["rule"], table, each, over, tuple(terms), entry.get("anchor", ""),
                            entry.get("zh", "")))
    return tuple(out)


@derived
def identities(version: str, *, single_other: bool = False) -> tuple[Identity, ...]:
    """The identities of one report of template ``version`` (template.md §6.1–6.2), as forms over cells.

    ``single_other``: the v2021-era table 三 printed with one （六） row. Source: ``data/identities.toml``.
    """
    return tuple(i for e in declaration()["identity"] for i in _expand(e, version, single_other))


@derived
def cross_year_identities(version: str, *, single_other: bool = False) -> tuple[Identity, ...]:
    """The identities between a report of ``version`` and the agency's previous-year report (terms
    with ``prev``; template.md §6.2 R-T3-CARRY, §6.3)."""
    return tuple(i for e in declaration().get("cross_year", ()) for i in _expand(e, version, single_other))


@derived
def identity_rules(kind: Literal["identity", "cross_year"] = "identity") -> tuple[str, ...]:
    """The rule names declared (``identity``: within one report, ``cross_year``: against last year's)."""
    return tuple(dict.fromkeys(e["rule"] for e in declaration().get(kind, ())))


@derived
def _entry(rule: str) -> dict:
    for kind in ("identity", "cross_year"):
        for e in declaration().get(kind, ()):
            if e["rule"] == rule:
                return e
    raise KeyError(f"no identity {rule!r} is declared")


def statement(rule: str) -> str:
    """The declared form of ``rule`` in words (``zh``), e.g. 「总计 = 自然人 + 各类法人或其他组织」."""
    return _entry(rule).get("zh", "")


def description(rule: str) -> str:
    """What ``rule`` checks, in English (``en``), for the rule catalogue and the docs."""
    return _entry(rule).get("en", "")


_set_groups()
