"""Reader of the canonical JSON form (what ``pipeline parse --json`` prints and ``ParsedReport.to_json`` writes).

Why validate: JSON submissions are written by other systems and by hand. ``ParsedReport.from_dict``
trusts its input; here every part is checked first — template version, meta types, each cell's
table, row and column code against the vocabulary of that template, the kind of its value — and
the first problem is an :class:`IngestError` naming the file and the cell (its index and its codes).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from pipeline import vocabulary as voc
from pipeline.ingest.errors import IngestError
from pipeline.model import CELL_STATUSES, Meta, ParsedReport

_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_META_TYPES: dict[str, type | tuple[type, ...]] = {"agency": str, "year": int, "title": str, "published_on": str, "index_no": str}


def parse(data: bytes, name: str) -> ParsedReport:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise IngestError(name, f"not UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise IngestError(name, f"not valid JSON: line {e.lineno} column {e.colno}: {e.msg}") from None
    return validate(doc, name)


def validate(doc: Any, name: str) -> ParsedReport:
    """``doc`` checked against the canonical structure and turned into a :class:`ParsedReport`."""
    def fail(where: str, problem: str) -> IngestError:
        return IngestError(name, f"{where}: {problem}")

    if not isinstance(doc, dict):
        raise fail("top level", f"expected an object with template, meta and cells, found {type(doc).__name__}")
    version = doc.get("template")
    if version not in voc.VERSIONS:
        raise fail("template", f"must be one of {', '.join(voc.VERSIONS)}, found {version!r}")

    meta = doc.get("meta") or {}
    if not isinstance(meta, dict):
        raise fail("meta", f"expected an object, found {type(meta).__name__}")
    for key, value in meta.items():
        if key not in Meta.__slots__:
            raise fail(f"meta.{key}", f"unknown field (known: {', '.join(Meta.__slots__)})")
        if value is not None and (isinstance(value, bool) or not isinstance(value, _META_TYPES[key])):
            raise fail(f"meta.{key}", f"expected {_META_TYPES[key].__name__} or null, found {value!r}")
    if meta.get("published_on") is not None and not is_iso_date(meta["published_on"]):
        raise fail("meta.published_on", f"{meta['published_on']!r} is not a calendar date YYYY-MM-DD")

    cells = doc.get("cells")
    if not isinstance(cells, list):
        raise fail("cells", f"expected a list of cells, found {type(cells).__name__ if cells is not None else 'nothing'}")
    rows_of = {t: set(voc.rows(t, version)) for t in voc.TABLES}
    if version == "v2021":
        rows_of["requests"].add("other")
    seen: set[tuple[str, str, str]] = set()
    printed: set[tuple[str, str, str]] = set()  # cells not given as not printed (（六） one way or the other)
    kinds = _cell_kinds(version)
    for i, c in enumerate(cells):
        # the common case checked at once; anything it does not pass is checked again, one clause at a
        # time, by _check_cell, which names the first problem
        if type(c) is dict:
            table, row, col = c.get("table"), c.get("row"), c.get("col")
            if type(table) is str and type(row) is str and type(col) is str:
                key = (table, row, col)
                kind = kinds.get(key)
                if kind is not None and key not in seen and _cell_ok(c, kind):
                    seen.add(key)
                    if c.get("status") != "not_printed":
                        printed.add(key)
                    continue
        _check_cell(i, c, version, rows_of, seen, printed, fail)
    if any(k[:2] == ("requests", "other") for k in printed) and any(k[1] in voc.T3_OTHER_SPLIT for k in printed):
        raise fail("cells", "table requests has both the single （六）其他处理 row (other) and its three sub-rows")

    warnings = doc.get("warnings", [])
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise fail("warnings", "expected a list of text")
    sections = doc.get("sections") or {}
    if not isinstance(sections, dict):
        raise fail("sections", f"expected an object, found {type(sections).__name__}")
    for key, value in sections.items():
        if key not in voc.NARRATIVE_SECTIONS:
            raise fail(f"sections.{key}", f"unknown section (known: {', '.join(voc.NARRATIVE_SECTIONS)})")
        if value is not None and not isinstance(value, str):
            raise fail(f"sections.{key}", f"expected text, found {type(value).__name__}")

    report = ParsedReport.from_dict(doc)
    for cell, given in zip(report.cells, doc["cells"], strict=True):
        if isinstance(cell.value, float) and voc.value_kind(cell.table, cell.col) != "amount":
            cell.value = int(cell.value)  # integral floats of count cells (3.0) become ints
        if cell.value is not None and not given.get("raw"):
            # No printed text given: the number itself is what the submission states. (An empty raw
            # beside a value means "derived by a parser, not printed" — see pipeline.model.)
            cell.raw = format(cell.value, "g") if isinstance(cell.value, float) else str(cell.value)
    return report


def _check_cell(i: int, c: Any, version: str, rows_of: dict[str, set[str]], seen: set, printed: set,
                fail: Callable[[str, str], IngestError]) -> None:
    """Every check of one cell, in order: the first that fails is raised naming the cell."""
    where = f"cells[{i}]"
    if not isinstance(c, dict):
        raise fail(where, f"expected an object, found {type(c).__name__}")
    table, row, col = c.get("table"), c.get("row"), c.get("col")
    where = f"cells[{i}] ({table}/{row}/{col})"
    if table not in voc.TABLES:
        raise fail(where, f"unknown table {table!r} (known: {', '.join(voc.TABLES)})")
    if row not in rows_of[table]:
        raise fail(where, f"unknown row {row!r} for table {table} in template {version}")
    allowed = voc.row_cols(table, version, row)
    if col not in allowed:
        raise fail(where, f"unknown column {col!r} for row {row} (allowed: {', '.join(allowed)})")
    if (table, row, col) in seen:
        raise fail(where, "the same cell appears twice")
    seen.add((table, row, col))
    _check_value(c.get("value"), voc.value_kind(table, col), where, fail)
    if not isinstance(c.get("raw", ""), str | type(None)):
        raise fail(where, f"raw must be text, found {c['raw']!r}")
    if not isinstance(c.get("ambiguous", False), bool):
        raise fail(where, f"ambiguous must be true or false, found {c['ambiguous']!r}")
    _check_status(c, where, fail)
    if c.get("status") != "not_printed":
        printed.add((table, row, col))


@voc.derived
def _cell_kinds(version: str) -> dict[tuple[str, str, str], str]:
    """(table, row, col) → value kind, for every cell a JSON submission of ``version`` may give."""
    out = {}
    for table in voc.TABLES:
        rows = list(voc.rows(table, version))
        if table == "requests" and version == "v2021":
            rows.append("other")
        for row in rows:
            for col in voc.row_cols(table, version, row):
                out[(table, row, col)] = voc.value_kind(table, col)
    return out


_STATUSES = frozenset(CELL_STATUSES)


def _cell_ok(c: dict[str, Any], kind: str) -> bool:
    """Whether a cell passes every check of :func:`_check_cell` (True only when it surely does)."""
    value = c.get("value")
    if value is not None:
        t = type(value)
        if t is int:
            if not -10**18 < value < 10**18:
                return False
        elif t is float:
            if kind != "amount" and not value.is_integer():
                return False
        else:
            return False
    raw = c.get("raw", "")
    if raw is not None and type(raw) is not str:
        return False
    if type(c.get("ambiguous", False)) is not bool:
        return False
    status = c.get("status")
    if status is None:
        return True
    if status.__class__ is not str or status not in _STATUSES:
        return False
    if value is not None and status in ("blank", "not_printed"):
        return False
    candidates = c.get("candidates", [])
    if type(candidates) is not list:
        return False
    return all(v is None or type(v) is int or type(v) is float for v in candidates)


def is_iso_date(text: str) -> bool:
    """True for ``YYYY-MM-DD`` naming a real calendar day (not 2022-02-31, not 20220228 or 2022-W09-1)."""
    if not _ISO_DATE_RE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_status(c: dict[str, Any], where: str, fail: Callable[[str, str], IngestError]) -> None:
    """``status`` and ``candidates`` (optional) agree with the cell's value (see :mod:`pipeline.model`)."""
    status = c.get("status")
    if status is None:
        return
    if status not in CELL_STATUSES:
        raise fail(where, f"status must be one of {', '.join(CELL_STATUSES)}, found {status!r}")
    if status in ("blank", "not_printed") and c.get("value") is not None:
        raise fail(where, f"status {status} with the value {c['value']!r}: a {status} cell has value null")
    candidates = c.get("candidates", [])
    if not isinstance(candidates, list) or not all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in candidates):
        raise fail(where, f"candidates must be a list of numbers, found {candidates!r}")


def _check_value(value: Any, kind: str, where: str, fail: Callable[[str, str], IngestError]) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(where, f"value must be a number or null, found {value!r}")
    if kind in ("count", "signed_count") and isinstance(value, float) and not value.is_integer():
        raise fail(where, f"value {value!r} must be a whole number")
    if isinstance(value, int) and abs(value) >= 10**18:
        raise fail(where, f"value has {len(str(abs(value)))} digits: no count is that large")
