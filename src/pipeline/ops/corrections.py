"""Corrections with provenance: a district's decision about a member's cell, applied after parsing.

The file: one per year, ``<corrections dir>/<year>.toml`` — by default ``corrections/`` inside the drop
folder (beside the ``<year>/`` folders), or ``PIPELINE_CORRECTIONS_DIR``. Written by ``pipeline correct`` or
by hand::

    [[correction]]
    agency = "350128-htp"                 # the registered agency id
    cell = "requests/total/natural_person" # table/row/col codes (src/pipeline/data/codes.csv)
    value = 4                              # a number, or "blank"
    reason = "总计行印刷为0，按各项之和更正"   # why (shown in the published annex and the ledger)
    by = "平潭综合实验区政务公开办 林某"        # who decided
    at = "2027-02-03T09:00:00+08:00"       # optional: when (pipeline correct writes it)

A correction either picks one of an ambiguous cell's candidate readings (kind ``candidate``) or replaces
what was printed (kind ``replace`` — a printing error, a not-printed row, a blank). It is applied to the
parsed report before validation, so findings are judged on the corrected report; the loaded version's
``fact_cells`` hold the corrected value and ``cell_corrections`` the printed one beside it, with reason and
author. Removing an entry restores the printed value on the next run (the parse changes, so a new version
is loaded).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from pipeline.ops import OpsError

ENV_DIR = "PIPELINE_CORRECTIONS_DIR"
_KEYS = {"agency", "cell", "table", "row", "col", "value", "reason", "by", "at"}
BLANK = "blank"


def corrections_dir(submissions_dir: Path | str) -> Path:
    """``PIPELINE_CORRECTIONS_DIR`` if set, else ``<submissions_dir>/corrections``."""
    env = os.environ.get(ENV_DIR)
    return Path(env).expanduser() if env else Path(submissions_dir) / "corrections"


def corrections_path(submissions_dir: Path | str, year: int) -> Path:
    return corrections_dir(submissions_dir) / f"{year}.toml"


@dataclass(frozen=True, slots=True)
class Correction:
    """One entry of the corrections file."""

    agency: str
    table: str
    row: str
    col: str
    value: int | float | None  # None: the cell is blank
    reason: str
    by: str
    at: str | None = None
    origin: str = ""  # "<file>#<n>": where the entry was read

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.col)

    @property
    def cell(self) -> str:
        return f"{self.table}/{self.row}/{self.col}"


@dataclass(frozen=True, slots=True)
class Corrections:
    """Every correction of one year (empty when the file does not exist)."""

    path: str
    year: int
    entries: tuple[Correction, ...] = ()

    def for_agency(self, agency_id: str) -> list[Correction]:
        return [c for c in self.entries if c.agency == agency_id]

    @property
    def agencies(self) -> set[str]:
        return {c.agency for c in self.entries}

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class Applied:
    """A correction as applied to one report: what was printed, what it became, and how."""

    correction: Correction
    printed_value: int | float | None
    printed_raw: str
    printed_status: str
    kind: str  # candidate | replace

    def describe(self) -> str:
        c = self.correction
        return (f"{c.cell} {_num(self.printed_value)}→{_num(c.value)} ({self.kind}; {c.reason} — {c.by})")


# -- reading and writing the file -----------------------------------------------------------------------


def load_corrections(path: Path | str, year: int) -> Corrections:
    """Read and check the corrections file; a missing file is no corrections.

    Raises :class:`OpsError` (one line naming the file, entry, agency and cell) for invalid TOML, an unknown
    key, table, row or column code, a value that is not a number or "blank", a missing reason or author, or
    the same agency's cell corrected twice.
    """
    path = Path(path)
    if not path.is_file():
        return Corrections(str(path), year)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise OpsError(f"更正文件无法读取 / corrections file {path} is not valid TOML: {e}") from None
    extra = set(doc) - {"correction"}
    if extra:
        raise OpsError(f"更正文件有未知项 / corrections file {path}: unknown top-level key(s) {sorted(extra)}; "
                       f"write entries as [[correction]]")
    raw = doc.get("correction", [])
    if not isinstance(raw, list):
        raise OpsError(f"更正文件格式错误 / corrections file {path}: write entries as [[correction]]")
    entries: list[Correction] = []
    seen: dict[tuple, str] = {}
    for i, e in enumerate(raw, 1):
        c = _entry(e, f"{path}#{i}")
        k = (c.agency, *c.key)
        if k in seen:
            raise OpsError(f"同一单元格更正两次 / {c.origin}: agency {c.agency}, cell {c.cell} is already corrected "
                           f"by {seen[k]}; keep one")
        seen[k] = c.origin
        entries.append(c)
    return Corrections(str(path), year, tuple(entries))


def parse_cell(text: str, where: str = "") -> tuple[str, str, str]:
    """``table/row/col`` → the three codes, checked against the vocabulary (:class:`OpsError` otherwise)."""
    parts = str(text).split("/")
    if len(parts) != 3 or not all(parts):
        raise OpsError(f"单元格格式错误 / {where}cell {text!r}: write table/row/col codes, e.g. requests/total/natural_person")
    check_cell(*parts, where=where)
    return parts[0], parts[1], parts[2]


def check_cell(table: str, row: str, col: str, where: str = "") -> None:
    if table not in voc.TABLES:
        raise OpsError(f"未知表 / {where}cell {table}/{row}/{col}: unknown table {table!r} (one of {', '.join(voc.TABLES)})")
    rows = {c.code for c in voc.codes() if c.table == table and c.axis == "row"}
    cols = {c.code for c in voc.codes() if c.table == table and c.axis == "col"}
    if row not in rows:
        raise OpsError(f"未知行代码 / {where}cell {table}/{row}/{col}: unknown row code {row!r} of table {table}")
    if col not in cols:
        raise OpsError(f"未知列代码 / {where}cell {table}/{row}/{col}: unknown column code {col!r} of table {table}")


def parse_value(v, where: str = "") -> int | float | None:
    """A number, or "blank" / "" for a blank cell; :class:`OpsError` otherwise."""
    if isinstance(v, str):
        s = v.strip().replace(",", "")
        if s.lower() in (BLANK, "") or s in ("/", "—", "空白"):
            return None
        try:
            v = float(s)
        except ValueError:
            raise OpsError(f"更正值不是数字 / {where}value {v!r} is not a number (or \"blank\")") from None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise OpsError(f"更正值不是数字 / {where}value {v!r} is not a number (or \"blank\")")
    return int(v) if float(v).is_integer() else float(v)


def _entry(e, origin: str) -> Correction:
    if not isinstance(e, dict):
        raise OpsError(f"更正条目格式错误 / {origin}: an entry must be a table of keys")
    unknown = set(e) - _KEYS
    agency = str(e.get("agency") or "").strip()
    where = f"{origin}: agency {agency or '?'}, "
    if unknown:
        raise OpsError(f"更正条目有未知项 / {where}unknown key(s) {sorted(unknown)} (use {sorted(_KEYS - {'table', 'row', 'col'})})")
    if not agency:
        raise OpsError(f"更正条目缺少机关 / {origin}: no agency")
    if "cell" in e:
        table, row, col = parse_cell(e["cell"], where)
    else:
        table, row, col = (str(e.get(k) or "") for k in ("table", "row", "col"))
        if not (table and row and col):
            raise OpsError(f"更正条目缺少单元格 / {where}no cell (cell = \"table/row/col\")")
        check_cell(table, row, col, where)
    if "value" not in e:
        raise OpsError(f"更正条目缺少值 / {where}cell {table}/{row}/{col}: no value (a number, or \"blank\")")
    value = parse_value(e["value"], f"{where}cell {table}/{row}/{col}: ")
    reason, by = str(e.get("reason") or "").strip(), str(e.get("by") or "").strip()
    if not reason:
        raise OpsError(f"更正条目缺少理由 / {where}cell {table}/{row}/{col}: no reason")
    if not by:
        raise OpsError(f"更正条目缺少更正人 / {where}cell {table}/{row}/{col}: no author (by = \"…\")")
    at = e.get("at")
    return Correction(agency, table, row, col, value, reason, by, None if at is None else str(at), origin)


def write_corrections(path: Path | str, entries: Sequence[Correction]) -> Path:
    """Write ``entries`` as the corrections file (a header, then one [[correction]] per entry)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = ["# 更正记录 Corrections: applied after parsing, before validation (docs/operations.md).",
           "# One [[correction]] per cell: agency, cell = \"table/row/col\", value (a number or \"blank\"), reason, by, at.",
           ""]
    for c in entries:
        out += ["[[correction]]", f"agency = {_s(c.agency)}", f"cell = {_s(c.cell)}",
                f"value = {_s(BLANK) if c.value is None else repr(c.value)}", f"reason = {_s(c.reason)}",
                f"by = {_s(c.by)}"]
        if c.at:
            out.append(f"at = {_s(c.at)}")
        out.append("")
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(out), encoding="utf-8")
    tmp.replace(path)
    return path


def add_correction(path: Path | str, year: int, c: Correction) -> tuple[Path, bool]:
    """Add ``c`` to the year's file (replacing an entry for the same agency and cell); returns (path, replaced)."""
    current = load_corrections(path, year)
    if not c.at:
        c = Correction(c.agency, c.table, c.row, c.col, c.value, c.reason, c.by,
                       dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(), c.origin)
    kept = [e for e in current.entries if (e.agency, *e.key) != (c.agency, *c.key)]
    return write_corrections(path, [*kept, c]), len(kept) != len(current.entries)


def remove_correction(path: Path | str, year: int, agency: str, key: tuple[str, str, str]) -> bool:
    """Remove the entry for ``agency``'s cell ``key``; False when there was none."""
    current = load_corrections(path, year)
    kept = [e for e in current.entries if (e.agency, *e.key) != (agency, *key)]
    if len(kept) == len(current.entries):
        return False
    write_corrections(path, kept)
    return True


def _s(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)  # a JSON string is a TOML basic string


def _num(v) -> str:
    if v is None:
        return "空白"
    return str(int(v)) if float(v).is_integer() else str(v)


# -- applying --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class CorrectedReport:
    report: ParsedReport
    applied: list[Applied] = field(default_factory=list)


def apply_corrections(report: ParsedReport, entries: Sequence[Correction], *, agency: str) -> CorrectedReport:
    """A copy of ``report`` with ``entries`` applied (the report itself is left as printed).

    Each corrected cell takes the value (status ``read``, or ``blank`` for None), is no longer ambiguous and
    keeps its printed ``raw``; the parse note that the cell was ambiguous is dropped (the correction settles
    it). Raises :class:`OpsError` naming the entry, agency and cell when the cell is not in the report's
    template.
    """
    if not entries:
        return CorrectedReport(report)
    out = copy.deepcopy(report)
    cells = out.cell_map()
    applied: list[Applied] = []
    settled: set[tuple[str, str, str]] = set()
    for c in entries:
        cell = cells.get(c.key)
        if cell is None:
            raise OpsError(f"更正的单元格不在该报告中 / {c.origin}: agency {agency}, cell {c.cell} is not a cell of this "
                           f"report (template {out.template})")
        kind = "candidate" if cell.status == "ambiguous" and _in(c.value, cell.candidates) else "replace"
        applied.append(Applied(c, cell.value, cell.raw, cell.status, kind))
        cell.value = c.value
        cell.ambiguous = False
        cell.status = "read" if c.value is not None else "blank"
        cell.candidates = []
        if kind == "candidate":
            settled.add(c.key)
    if settled:
        drop = [n for n in out.notes if n.rule == "R-PARSE-AMBIGUOUS" and (n.table, n.row, n.col) in settled]
        out.notes = [n for n in out.notes if n not in drop]
        gone = {n.message for n in drop}
        out.warnings = [w for w in out.warnings if w not in gone]
    return CorrectedReport(out, applied)


def _in(v, candidates) -> bool:
    return any((v is None and x is None) or (v is not None and x is not None and float(v) == float(x))
               for x in candidates)


def summary(applied: Sequence[Applied]) -> str:
    """The ledger's and outcome's note: ``2 cells corrected / 已更正2格: requests/total/natural_person 0→4 (…)``."""
    if not applied:
        return ""
    return f"已更正{len(applied)}格 / {len(applied)} cell(s) corrected: " + "; ".join(a.describe() for a in applied)
