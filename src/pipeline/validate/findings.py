"""Findings as data: what is wrong, where, what the other cells imply, in Chinese and in English.

Why a flat record: the same finding goes to a clerk's terminal (``pipeline check``), to the per-run
CSV/JSON files for the ops team and to the warehouse's ``findings`` table, which stores these very
field names. ``row``/``col`` are machine codes (None when the finding is about a whole table or a
whole column/row); ``row_label``/``col_label`` are the labels as printed in the report's template.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]
Scalar = int | float | str | None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one report."""

    rule: str  # e.g. "R-T3-ROW" (template.md §6) or "R-BLANK", "R-NARRATIVE" (see rules.RULES)
    severity: Severity
    table: str | None  # "proactive" | "requests" | "appeals" (None: about the report as a whole)
    row: str | None
    row_label: str | None
    col: str | None
    col_label: str | None
    expected: Scalar  # what the other cells (or last year's report) imply, when they imply a value
    actual: Scalar  # what the report says
    message_zh: str
    message_en: str


FINDING_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Finding))


@dataclass
class ValidationResult:
    """The findings of one report, errors first."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def to_frame(self) -> pd.DataFrame:
        return findings_to_frame(self.findings)


def num(x: float | int | None) -> int | float | None:
    """A number as a clerk reads it: integral values as int, None for NaN."""
    if x is None:
        return None
    if isinstance(x, float):
        if math.isnan(x):
            return None
        if x.is_integer():
            return int(x)
    return x


def fmt(x: Scalar) -> str:
    """A value in a message ("95", "96171.6", "空白")."""
    x = num(x) if not isinstance(x, str) else x
    return "空白" if x is None else str(x)


def findings_to_frame(findings: Iterable[Finding], **extra: object) -> pd.DataFrame:
    """The findings as a DataFrame with columns :data:`FINDING_FIELDS` (then any ``extra`` constant columns)."""
    rows = [asdict(f) for f in findings]
    frame = pd.DataFrame(rows, columns=list(FINDING_FIELDS))
    for k, v in extra.items():
        frame[k] = v
    return frame


def results_to_frame(results: Sequence[ValidationResult], keys: Sequence[object] | None = None,
                     key_name: str = "report") -> pd.DataFrame:
    """The findings of a batch, one row each, keyed by ``key_name`` (the report's index, or ``keys``)."""
    keys = list(range(len(results))) if keys is None else list(keys)
    if len(keys) != len(results):
        raise ValueError(f"{len(keys)} keys for {len(results)} results")
    rows = [{key_name: k, **asdict(f)} for k, r in zip(keys, results, strict=True) for f in r.findings]
    return pd.DataFrame(rows, columns=[key_name, *FINDING_FIELDS])


def _as_frame(findings: Iterable[Finding] | pd.DataFrame) -> pd.DataFrame:
    return findings if isinstance(findings, pd.DataFrame) else findings_to_frame(findings)


def write_findings_csv(findings: Iterable[Finding] | pd.DataFrame, path: str | Path) -> Path:
    """Write findings as CSV (UTF-8 with BOM, so that Excel shows the Chinese labels)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _as_frame(findings).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _jsonable(v: object) -> object:
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return _jsonable(v.item())
    return num(v) if isinstance(v, float) else v


def finding_record(finding: Finding) -> dict[str, object]:
    """One finding as a plain JSON-ready dict (the fields of :class:`Finding`; integral floats → int)."""
    return {k: _jsonable(getattr(finding, k)) for k in FINDING_FIELDS}


def findings_to_records(findings: Iterable[Finding] | pd.DataFrame) -> list[dict[str, object]]:
    """Plain dicts (JSON-ready: NaN → None, integral floats → int)."""
    frame = _as_frame(findings)
    return [{k: _jsonable(v) for k, v in rec.items()} for rec in frame.astype(object).to_dict(orient="records")]


def write_findings_json(findings: Iterable[Finding] | pd.DataFrame, path: str | Path) -> Path:
    """Write findings as a JSON list of objects (UTF-8, Chinese kept readable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(findings_to_records(findings), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def read_findings_json(path: str | Path) -> list[Finding]:
    """Read back a file written by :func:`write_findings_json` (extra keys such as ``report`` are ignored)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Finding(**{k: d.get(k) for k in FINDING_FIELDS}) for d in data]
