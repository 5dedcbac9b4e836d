"""The canonical parse of one submission: the contract between ingest and everything after it.

Every input form (page text, HTML, PDF, Markdown, DOCX, XLSX, JSON) is read into a
:class:`ParsedReport`; its JSON form is what ``pipeline parse FILE --json`` prints:

    {"template": "v2019" | "v2021",
     "meta": {"agency", "year", "title", "published_on", "index_no"},
     "cells": [{"table", "row", "col", "value", "raw", "ambiguous", "status", "candidates"}, ...],
     "warnings": [str, ...],
     "notes": [{"rule", "table", "row", "col", "message", "message_zh"}, ...],
     "sections": {"overview", "problems", "other_matters"}}

Every cell of the detected template comes back, with a ``status``:

* ``read`` — a value as printed;
* ``blank`` — printed empty or as a not-applicable mark (``/``, ``—``, ``无``): ``value`` None, ``raw`` "";
* ``not_printed`` — the agency left the row out, or the page merged its cells into a neighbour's:
  ``value`` None;
* ``ambiguous`` — several readings fit the text, the shape and the identities: ``value`` is the most
  plausible, ``candidates`` every value the cell takes in some fitting reading (``ambiguous`` is
  True exactly for these).

A cell with a value but an empty ``raw`` was left blank in the document and *derived* by the parser
from the template's identities (template.md §8.4): the figure is usable, and validation still tells
the clerk to fill it. ``notes`` are the parse's local problems, each naming its rule
(``R-PARSE-…``), table, row and column where it has them; ``warnings`` are the same as plain text.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pipeline import vocabulary as voc

Number = int | float
CellStatus = Literal["read", "blank", "not_printed", "ambiguous"]
CELL_STATUSES: tuple[str, ...] = ("read", "blank", "not_printed", "ambiguous")

#: The rules a parse note can carry (``pipeline check`` shows each note as a warning finding).
PARSE_RULES: dict[str, str] = {
    "R-PARSE-NOT-PRINTED": "a row of the template is not printed (left out, or its cells merged into a neighbour's)",
    "R-PARSE-AMBIGUOUS": "several readings of printed digits fit equally; the most plausible is kept",
    "R-PARSE-REPAIRED": "printed cells were re-assembled (a number split over lines, equal cells printed once, "
                        "a blank inside run-together digits, loose numbers put back)",
    "R-PARSE-SKIPPED": "text inside a table region that is not a cell of it (prose, a local row) was skipped",
    "R-PARSE-LAYOUT": "the tables' layout differs from the template (version markers, rows read in order, units)",
    "R-PARSE-UNREAD": "a printed row could not be read as the template's cells; its cells are left blank",
}


@dataclass(slots=True)
class Cell:
    """One cell of one of the three tables, as printed and as read."""

    table: str
    row: str
    col: str
    value: Number | None
    raw: str = ""
    ambiguous: bool = False
    status: CellStatus = "read"
    candidates: list[Number | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.ambiguous:
            self.status = "ambiguous"
        elif self.status == "ambiguous":
            self.ambiguous = True
        elif self.status == "read" and self.value is None:
            self.status = "blank"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.col)

    @property
    def blank(self) -> bool:
        return self.value is None

    @property
    def derived(self) -> bool:
        """Blank in the document, value re-derived by the parser from the identities."""
        return self.value is not None and self.raw == ""


@dataclass(slots=True)
class ParseNote:
    """One local problem of a parse: its rule (:data:`PARSE_RULES`), where, and what was done."""

    rule: str
    message: str
    table: str | None = None
    row: str | None = None
    col: str | None = None
    message_zh: str = ""  # the same in Chinese, for the clerk ("" where there is none)


@dataclass(slots=True)
class Meta:
    """What the document says about itself (each field None where the document does not say)."""

    agency: str | None = None
    year: int | None = None
    title: str | None = None
    published_on: str | None = None  # ISO date YYYY-MM-DD
    index_no: str | None = None


@dataclass(slots=True)
class ParsedReport:
    """The canonical parse of one annual report."""

    template: str
    meta: Meta = field(default_factory=Meta)
    cells: list[Cell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=lambda: {k: "" for k in voc.NARRATIVE_SECTIONS})
    notes: list[ParseNote] = field(default_factory=list)

    def note(self, rule: str, message: str, table: str | None = None, row: str | None = None,
             col: str | None = None) -> None:
        """Record a local problem (also appended to ``warnings`` as text)."""
        self.notes.append(ParseNote(rule, message, table, row, col))
        self.warnings.append(message)

    # -- access -------------------------------------------------------------------------------
    def cell_map(self) -> dict[tuple[str, str, str], Cell]:
        return {c.key: c for c in self.cells}

    def value(self, table: str, row: str, col: str) -> Number | None:
        c = self.cell_map().get((table, row, col))
        return None if c is None else c.value

    @property
    def single_other(self) -> bool:
        """True for a v2021-era table 三 printed with one （六）其他处理 row (code ``other``)."""
        return self.template == "v2021" and any(c.table == "requests" and c.row == "other" for c in self.cells)

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "meta": asdict(self.meta),
            "cells": [
                {"table": c.table, "row": c.row, "col": c.col, "value": c.value, "raw": c.raw,
                 "ambiguous": c.ambiguous, "status": c.status, "candidates": list(c.candidates)}
                for c in self.cells
            ],
            "warnings": list(self.warnings),
            "notes": [asdict(n) for n in self.notes],
            "sections": {k: self.sections.get(k, "") for k in voc.NARRATIVE_SECTIONS},
        }

    def to_json(self, *, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParsedReport:
        if d.get("template") not in voc.VERSIONS:
            raise ValueError(f"template must be one of {voc.VERSIONS}, got {d.get('template')!r}")
        meta = Meta(**{k: (d.get("meta") or {}).get(k) for k in Meta.__slots__})
        cells = [
            Cell(c["table"], c["row"], c["col"], c.get("value"), c.get("raw", "") or "", bool(c.get("ambiguous", False)),
                 c.get("status") if c.get("status") in CELL_STATUSES else "read", list(c.get("candidates") or []))
            for c in d.get("cells", [])
        ]
        sections = {k: (d.get("sections") or {}).get(k, "") or "" for k in voc.NARRATIVE_SECTIONS}
        notes = [ParseNote(n.get("rule", "R-PARSE-LAYOUT"), n.get("message", ""), n.get("table"), n.get("row"),
                           n.get("col"), n.get("message_zh") or "") for n in d.get("notes") or [] if isinstance(n, dict)]
        return cls(d["template"], meta, cells, list(d.get("warnings", [])), sections, notes)

    @classmethod
    def from_json(cls, text: str) -> ParsedReport:
        return cls.from_dict(json.loads(text))
