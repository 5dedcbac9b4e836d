"""Small hand-made reports for validation tests (no generator, no parser): every identity holds."""

from __future__ import annotations

from pipeline import vocabulary as voc
from pipeline.model import Cell, Meta, ParsedReport

#: 3 requests by natural persons, 2 granted, 1 carried forward; one review upheld; a few table-二 figures.
VALUES: dict[tuple[str, str, str], int] = {
    ("requests", "new_received", "natural_person"): 3, ("requests", "new_received", "total"): 3,
    ("requests", "granted", "natural_person"): 2, ("requests", "granted", "total"): 2,
    ("requests", "total", "natural_person"): 2, ("requests", "total", "total"): 2,
    ("requests", "carry_forward", "natural_person"): 1, ("requests", "carry_forward", "total"): 1,
    ("appeals", "review", "upheld"): 1, ("appeals", "review", "total"): 1,
    ("proactive", "normative_docs", "issued"): 6, ("proactive", "normative_docs", "in_force"): 38,
}


def small_report(version: str = "v2021", *, single_other: bool = False, values: dict | None = None,
                 fill: int | None = 0, meta: Meta | None = None) -> ParsedReport:
    """Every cell of the template: ``values`` where given, else ``fill`` (None: blank)."""
    vals = VALUES if values is None else values
    cells = []
    for t, r, c in voc.cell_keys(version, single_other=single_other):
        v = vals.get((t, r, c), fill)
        cells.append(Cell(t, r, c, v, "" if v is None else str(v)))
    return ParsedReport(version, meta or Meta(), cells)
