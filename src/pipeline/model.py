"""The canonical parse of one submission: the contract between ingest and everything after it.

Every input form (page text, HTML, PDF, Markdown, DOCX, XLSX, JSON) is read into a
:class:`ParsedReport`; its JSON form is what ``pipeline parse FILE --json`` prints:

    {"template": "v2019" | "v2021",
     "meta": {"agency", "year", "title", "published_on", "index_no"},
     "cells": [{"table", "row", "col", "value", "raw", "ambiguous"}, ...],
     "warnings": [str, ...],
     "sections": {"overview", "problems", "other_matters"}}

A blank cell has ``value`` None and ``raw`` "". ``ambiguous`` marks a cell whose value the document
admits more than one reading of; ``warnings`` say what was uncertain or repaired. A cell with a value
but an empty ``raw`` was left blank in the document and *derived* by the parser from the template's
identities (template.md §8.4): the figure is usable, and validation still tells the clerk to fill it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline import vocabulary as voc

Number = int | float


@dataclass(slots=True)
class Cell:
    """One cell of one of the three tables, as printed and as read."""

    table: str
    row: str
    col: str
    value: Number | None
    raw: str = ""
    ambiguous: bool = False

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
                {"table": c.table, "row": c.row, "col": c.col, "value": c.value, "raw": c.raw, "ambiguous": c.ambiguous}
                for c in self.cells
            ],
            "warnings": list(self.warnings),
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
            Cell(c["table"], c["row"], c["col"], c.get("value"), c.get("raw", "") or "", bool(c.get("ambiguous", False)))
            for c in d.get("cells", [])
        ]
        sections = {k: (d.get("sections") or {}).get(k, "") or "" for k in voc.NARRATIVE_SECTIONS}
        return cls(d["template"], meta, cells, list(d.get("warnings", [])), sections)

    @classmethod
    def from_json(cls, text: str) -> ParsedReport:
        return cls.from_dict(json.loads(text))
