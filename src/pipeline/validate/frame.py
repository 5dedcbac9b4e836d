"""ParsedReport(s) → the frames the pandera models validate, built once per batch with numpy.

Why a dense grid: every report of a template variant has the same cells, so a batch is a matrix
(report × cell key). Filling it is the only step that touches each cell in Python (reading the
dataclasses); everything after — completeness, blanks, the long frame, the wide tables 三 and 四 and
the cross-year comparison — is array arithmetic, so 10,000 reports validate in seconds.

Cell keys are numbered in a :class:`KeySpace`: first every key of the three template variants
(v2019, v2021, v2021 with one （六） row) in printed order, then any key a parse gives that no
template has (kept so it can be reported, not silently dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter, eq

import numpy as np
import pandas as pd

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport
from schemas.identity_checks import table_cols, table_rows

#: The template variants a report can be in: (version, single （六） row).
VARIANTS: tuple[tuple[str, bool], ...] = voc.VARIANTS

Key = tuple[str, str, str]

_KEY = attrgetter("table", "row", "col")
_VALUE = attrgetter("value")
_AMBIGUOUS = attrgetter("ambiguous")
_STATUS = attrgetter("status")
_RAW = attrgetter("raw")


def variant_of(report: ParsedReport) -> int:
    """Index into :data:`VARIANTS` of the report's template (as detected by the parser)."""
    return VARIANTS.index((report.template, report.single_other))


@dataclass
class KeySpace:
    """Numbered cell keys with their table, row, column and value kind."""

    keys: list[Key] = field(default_factory=list)
    ids: dict[Key, int] = field(default_factory=dict)
    n_template: int = 0  # keys below this id belong to some template variant

    @classmethod
    def base(cls) -> KeySpace:
        ks = cls()
        for version, single in VARIANTS:
            for key in voc.cell_keys(version, single_other=single):
                ks.add(key)
        ks.n_template = len(ks.keys)
        return ks

    def copy(self) -> KeySpace:
        return KeySpace(list(self.keys), dict(self.ids), self.n_template)

    def add(self, key: Key) -> int:
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.keys)
            self.keys.append(key)
        return i

    def id(self, table: str, row: str, col: str) -> int:
        return self.ids[(table, row, col)]

    def variant_mask(self) -> np.ndarray:
        """(variants × keys) bool: which keys each template variant has."""
        mask = np.zeros((len(VARIANTS), len(self.keys)), dtype=bool)
        for v, (version, single) in enumerate(VARIANTS):
            mask[v, [self.ids[k] for k in voc.cell_keys(version, single_other=single)]] = True
        return mask

    def kinds(self) -> np.ndarray:
        return np.array([voc.value_kind(t, c) for t, _, c in self.keys])


@dataclass
class Grid:
    """One batch as (report × key) arrays. ``values`` is NaN where a cell is blank, missing or not a number."""

    keys: KeySpace
    variant: np.ndarray  # (n,) index into VARIANTS
    values: np.ndarray  # (n, K) float64
    present: np.ndarray  # (n, K) int: how many times the parse gives the cell
    blank: np.ndarray  # (n, K) bool: given without a value
    numeric: np.ndarray  # (n, K) bool: False where the value is not a number
    ambiguous: np.ndarray  # (n, K) bool: the parser marked the cell ambiguous
    bad_values: dict[tuple[int, int], object] = field(default_factory=dict)  # (report, key) → non-number given
    not_printed: np.ndarray | None = None  # (n, K) bool: the report leaves the cell's row out (status not_printed)
    _filled: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.variant)

    @property
    def expected(self) -> np.ndarray:
        """(n, K) bool: the report's template has the cell."""
        return self.keys.variant_mask()[self.variant]

    def filled(self) -> np.ndarray:
        """Values with blank, missing and non-numeric cells counted as 0 (the identities' reading); computed once."""
        if self._filled is None:
            self._filled = np.nan_to_num(self.values, nan=0.0)
        return self._filled

    def value(self, report: int, table: str, row: str, col: str) -> float | None:
        v = self.values[report, self.keys.id(table, row, col)]
        return None if np.isnan(v) else float(v)


def build_grid(reports: Sequence[ParsedReport], keys: KeySpace | None = None) -> Grid:
    """Fill the (report × key) arrays from the reports' cells (C-level maps, no per-cell Python code)."""
    keys = keys or KeySpace.base()
    n = len(reports)
    lengths = np.fromiter((len(r.cells) for r in reports), dtype=np.int64, count=n)
    cells = list(chain.from_iterable(r.cells for r in reports))
    rep_a = np.repeat(np.arange(n, dtype=np.int64), lengths)
    cell_keys = list(map(_KEY, cells))
    found = list(map(keys.ids.get, cell_keys))
    if None in found:  # a cell no template has: number it so it can be reported
        found = [keys.add(k) if j is None else j for k, j in zip(cell_keys, found, strict=True)]
    kid_a = np.asarray(found, dtype=np.int64)
    raw_vals = list(map(_VALUE, cells))
    K = len(keys.keys)

    bad: dict[tuple[int, int], object] = {}
    if set(map(type, raw_vals)) <= {int, float, type(None)}:
        vals = np.array(raw_vals, dtype=float)  # None → nan
        is_num = np.ones(len(raw_vals), dtype=bool)
    else:  # something other than a number was given: find it, keep it for the message
        vals = np.full(len(raw_vals), np.nan)
        is_num = np.ones(len(raw_vals), dtype=bool)
        for x, v in enumerate(raw_vals):
            if isinstance(v, int | float) and not isinstance(v, bool):
                vals[x] = float(v)
            elif v is not None:
                is_num[x] = False
                bad[(int(rep_a[x]), int(kid_a[x]))] = v
    # A value the parser derived for a cell printed blank (raw "") is judged as the blank it was:
    # the blank-cell rule then asks the clerk to fill it, stating the value the other cells imply.
    # A cell the report does not print (status not_printed) is judged as a blank too: 0 in the identities.
    # (C-level maps: ``raw == ""`` and ``status == "not_printed"`` per cell; a derived cell has a value, and a
    # cell without one is NaN already, so "raw empty and not NaN" is "raw empty and value not None")
    derived = np.fromiter(map(eq, repeat(""), map(_RAW, cells)), dtype=bool, count=len(cells)) & ~np.isnan(vals)
    unprinted = np.fromiter(map(eq, repeat("not_printed"), map(_STATUS, cells)), dtype=bool, count=len(cells))
    derived |= unprinted
    if derived.any():
        vals[derived] = np.nan
    is_blank = np.isnan(vals) & is_num

    values = np.full((n, K), np.nan)
    values[rep_a, kid_a] = vals
    present = np.zeros((n, K), dtype=np.int64)
    np.add.at(present, (rep_a, kid_a), 1)
    printed = np.zeros((n, K), dtype=np.int64)
    np.add.at(printed, (rep_a[~unprinted], kid_a[~unprinted]), 1)
    blank = np.zeros((n, K), dtype=bool)
    blank[rep_a, kid_a] = is_blank
    numeric = np.ones((n, K), dtype=bool)
    numeric[rep_a, kid_a] = is_num
    ambiguous = np.zeros((n, K), dtype=bool)
    ambiguous[rep_a, kid_a] = np.fromiter(map(_AMBIGUOUS, cells), dtype=bool, count=len(cells))

    # template variant: the version as detected, and (v2021) whether table 三 has the one （六） row
    other_keys = np.array([t == "requests" and r == "other" for t, r, _ in keys.keys])
    single = (printed[:, other_keys] > 0).any(axis=1)
    is_2021 = np.fromiter((r.template == "v2021" for r in reports), dtype=bool, count=n)
    bad_template = [r.template for r in reports if r.template not in voc.VERSIONS]
    if bad_template:
        raise ValueError(f"unknown template version {bad_template[0]!r} (expected one of {voc.VERSIONS})")
    v2019, v2021, v2021_single = (VARIANTS.index(v) for v in (("v2019", False), ("v2021", False), ("v2021", True)))
    variant = np.where(is_2021, np.where(single, v2021_single, v2021), v2019).astype(np.int64)
    if unprinted.any():
        # a cell given as not printed that the report's template variant does not have (the three （六）
        # sub-rows beside a printed single （六） row) is neither missing nor extra: it is not there
        outside = ~keys.variant_mask()[variant[rep_a], kid_a] & unprinted
        np.subtract.at(present, (rep_a[outside], kid_a[outside]), 1)
    not_printed = np.zeros((n, K), dtype=bool)
    not_printed[rep_a[unprinted], kid_a[unprinted]] = True
    return Grid(keys, variant, values, present, blank, numeric, ambiguous, bad, not_printed)


def _row_filled(grid: Grid) -> np.ndarray:
    """(n, K) bool: another cell of the same (table, row) carries a value."""
    has_value = ~np.isnan(grid.values)
    out = np.zeros_like(has_value)
    by_row: dict[tuple[str, str], list[int]] = {}
    for j, (t, r, _) in enumerate(grid.keys.keys):
        by_row.setdefault((t, r), []).append(j)
    for cols in by_row.values():
        cnt = has_value[:, cols].sum(axis=1, keepdims=True)
        out[:, cols] = (cnt - has_value[:, cols]) > 0
    return out


def cells_frame(grid: Grid) -> pd.DataFrame:
    """The long frame validated by :class:`schemas.cells.CellsFrame`: each expected or given cell."""
    expected = grid.expected
    mask = expected | (grid.present > 0)
    rep, kid = np.nonzero(mask)
    keys = grid.keys.keys
    tables = list(dict.fromkeys([*voc.TABLES, *(t for t, _, _ in keys)]))  # a stray table name is kept, to report it
    t_codes = np.array([tables.index(t) for t, _, _ in keys])
    row_cats = list(dict.fromkeys(r for _, r, _ in keys))
    col_cats = list(dict.fromkeys(c for _, _, c in keys))
    r_codes = np.array([row_cats.index(r) for _, r, _ in keys])
    c_codes = np.array([col_cats.index(c) for _, _, c in keys])
    kinds = ["count", "signed_count", "amount"]
    k_codes = np.array([kinds.index(k) for k in grid.keys.kinds()])
    return pd.DataFrame({
        "report": rep.astype(np.int64),
        "table": pd.Categorical.from_codes(t_codes[kid], categories=tables),
        "row": pd.Categorical.from_codes(r_codes[kid], categories=row_cats),
        "col": pd.Categorical.from_codes(c_codes[kid], categories=col_cats),
        "kind": pd.Categorical.from_codes(k_codes[kid], categories=kinds),
        "value": grid.values[rep, kid],
        "blank": grid.blank[rep, kid],
        "present": grid.present[rep, kid],
        "expected": expected[rep, kid],
        "numeric": grid.numeric[rep, kid],
        "row_filled": _row_filled(grid)[rep, kid],
    }).assign(key=kid)  # the key id travels with the frame for the findings (dropped before validation)


def _wide(grid: Grid, table: str, rows: Sequence[str], cols: Sequence[str]) -> pd.DataFrame:
    """Table ``table`` wide: one row per (report, data row of its template), blanks counted as 0."""
    ids = np.full((len(rows), len(cols)), -1, dtype=np.int64)
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            ids[a, b] = grid.keys.ids.get((table, r, c), -1)
    vmask = grid.keys.variant_mask()
    row_in_variant = np.stack([vmask[:, ids[a]].any(axis=1) for a in range(len(rows))], axis=1)  # (variants, rows)
    sel = row_in_variant[grid.variant]  # (n, rows)
    filled = grid.filled()
    cube = np.where(ids >= 0, filled[:, np.clip(ids, 0, None)], 0.0)  # (n, rows, cols)
    rep, ri = np.nonzero(sel)
    data = cube[rep, ri]
    frame = pd.DataFrame(data, columns=list(cols))
    frame.insert(0, "row", np.asarray(rows, dtype=object)[ri])
    frame.insert(0, "report", rep.astype(np.int64))
    return frame


def wide_frame(grid: Grid, table: str) -> pd.DataFrame:
    """``table`` wide, validated by its model in :data:`schemas.cells.IDENTITY_MODELS`."""
    return _wide(grid, table, table_rows(table), table_cols(table))


def requests_frame(grid: Grid) -> pd.DataFrame:
    """Table 三 wide (validated by :class:`schemas.cells.RequestsFrame`)."""
    return wide_frame(grid, "requests")


def appeals_frame(grid: Grid) -> pd.DataFrame:
    """Table 四 wide (validated by :class:`schemas.cells.AppealsFrame`)."""
    return wide_frame(grid, "appeals")
