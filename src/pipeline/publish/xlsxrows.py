"""Worksheet XML of the district workbook (:mod:`pipeline.publish.xlsx`): cells as openpyxl wrote them, and
the rows of the agency sheets from a skeleton computed once per process.

An agency sheet is its active cells in long form, one row each from row 3 on: table, row, row_label, col,
col_label (A–E, inline strings), value (F, a number: int for counts, float for amounts; absent when not
printed), raw (G, inline string; absent when empty), ambiguous and derived (H, I, booleans). Columns A–E
only depend on the template version and the cell's position, and every agency of a template version prints
the same cells in the same order, so those columns of a whole sheet — a *skeleton*, with the row numbers in —
are computed once per (version, cell sequence), UTF-8 encoded. A whole row (columns A–I) is written once per
(position, value, raw, ambiguous, derived) and kept in the skeleton (a few dozen per position: most cells
are 0, blank or "/"), so a sheet is one lookup per row and one join.

:func:`table_rows` writes the rows of a plain table sheet (the long form) column by column: a column of one
value is written once with a placeholder for the row number, a text cell is kept per (column, row, text).
"""

from __future__ import annotations

import math
from itertools import groupby
from operator import itemgetter

from pipeline import vocabulary as voc


def esc(s: str) -> str:
    """``s`` escaped for XML text (``&``, ``<``, ``>``; quotes need no escaping in element text)."""
    if "&" in s or "<" in s or ">" in s:
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s


def col_name(i: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


COLS = [""] + [col_name(i) for i in range(1, 64)]


def cell(ref: str, value, style: int = 0) -> str:
    """One ``<c>`` as openpyxl writes it ("" when openpyxl writes nothing)."""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s} t="n"></c>' if style else ""
    if isinstance(value, str):
        return inline(ref, value, s)
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return f'<c r="{ref}"{s} t="n"><v></v></c>'
    return f'<c r="{ref}"{s} t="n"><v>{format(value, ".16g")}</v></c>'


def inline(ref: str, text: str, style_attr: str = "") -> str:
    """One inline-string ``<c>`` holding ``text`` (``style_attr``: `` s="N"`` or "")."""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{style_attr} t="inlineStr"><is><t{space}>{esc(text)}</t></is></c>'


def cells_by_agency(rows: list[tuple]) -> dict[str, list[tuple]]:
    """{agency: its Members.cell_rows, in their order} (runs of one agency taken at once: Members sorts by agency)."""
    out: dict[str, list[tuple]] = {}
    for aid, run in groupby(rows, itemgetter(0)):
        got = out.get(aid)
        if got is None:
            out[aid] = list(run)
        else:
            got.extend(run)
    return out


class _Skeleton:
    """The constant part of an agency sheet's rows (see the module docstring): ``heads``, per row, ``<row>`` with
    cells A–E (UTF-8); ``amounts``, whether F is an amount; ``rows``, per row, the whole rows already written, by
    (value, raw, ambiguous, derived) — the same few figures (0, blank, "/") fill most cells (None for an amount's
    row: -0.0 and 0.0 are equal keys but print apart)."""

    __slots__ = ("amounts", "heads", "rows")

    def __init__(self, version: str, keys: tuple[tuple[str, str, str], ...]) -> None:
        self.heads: list[bytes] = []
        self.amounts: list[bool] = []
        for n, (table, row, col) in enumerate(keys, 3):
            texts = (table, row, voc.label(table, "row", row, version), col, voc.label(table, "col", col, version))
            self.heads.append((f'<row r="{n}">' + "".join(inline(f"{a}{n}", x) for a, x in zip("ABCDE", texts,
                                                                                                 strict=True))).encode())
            self.amounts.append(col in voc.AMOUNT_COLS)
        self.rows: list[dict | None] = [None if a else {} for a in self.amounts]

    def row(self, i: int, figures: tuple) -> bytes:
        """Row ``i`` (0: the sheet's row 3) holding ``figures`` (value, raw, ambiguous, derived), written and kept."""
        line = self.heads[i] + _tail(i + 3, self.amounts[i], *figures)
        known = self.rows[i]
        if known is not None and len(known) < _MAX_TAILS:
            known[figures] = line
        return line


_SKELETONS: dict[tuple[str, tuple], _Skeleton] = {}
_MAX_SKELETONS = 64  # distinct (version, cell sequence) pairs kept; a run has a handful
_MAX_TAILS = 32  # written rows kept per row of a skeleton
_KEY = itemgetter(2, 3, 4)  # (table, row, col) of a cell row
_FIGURES = itemgetter(5, 6, 8, 9)  # (value, raw, ambiguous, derived) of a cell row
_NONE: dict = {}  # the lookup of an amount's row: never kept


def _skeleton(version: str, keys: tuple[tuple[str, str, str], ...]) -> _Skeleton:
    key = (version, keys)
    sk = _SKELETONS.get(key)
    if sk is None:
        if len(_SKELETONS) >= _MAX_SKELETONS:
            _SKELETONS.clear()
        sk = _SKELETONS[key] = _Skeleton(version, keys)
    return sk


def _tail(n: int, amount: bool, value, raw: str, ambiguous: bool, derived: bool) -> bytes:
    """Cells F–I of row ``n`` and the row's end (see the module docstring)."""
    out = []
    if value == value and value is not None:  # not NaN
        v = float(value) if amount else round(value)
        out.append(f'<c r="F{n}" t="n"><v>{format(v, ".16g")}</v></c>')
    if raw:
        out.append(inline(f"G{n}", raw))
    out.append(f'<c r="H{n}" t="b"><v>{1 if ambiguous else 0}</v></c><c r="I{n}" t="b"><v>{1 if derived else 0}</v></c>'
               "</row>")
    return "".join(out).encode()


def agency_rows(cells: list[tuple], version: str) -> bytes:
    """Rows 3… of an agency sheet, UTF-8: its cell rows (Members.cell_rows) in ``version``'s labels (one lookup a
    row in the skeleton's written rows; a row not written yet is written and kept)."""
    sk = _skeleton(version, tuple(map(_KEY, cells)))
    known = [_NONE if k is None else k for k in sk.rows]
    figures = list(map(_FIGURES, cells))
    return b"".join([known[i].get(f) or sk.row(i, f) for i, f in enumerate(figures)])


_TEXTS: dict[tuple[int, int, str], str] = {}  # (column, row, text) → its cell (table_rows)
_MAX_TEXTS = 200_000


def table_rows(columns: list[list], first: int) -> tuple[str, int, int]:
    """Rows ``first``… of a table sheet whose values are ``columns`` (plain Python values, one list a column),
    each cell as :func:`cell` writes it with no style: the rows' XML, and the last row and column holding a cell
    (0, 0 for none).

    Written column by column: a column of one value (the district, the provenance) is written once, with a
    placeholder for the row number (not a float column: -0.0 and 0.0 are equal but print apart); a text cell is
    kept per (column, row, text), so the labels of a template's layout are written once per process; numbers
    are written each time.
    """
    n = len(columns[0]) if columns else 0
    refs = [str(r) for r in range(first, first + n)]
    texts = _TEXTS if len(_TEXTS) < _MAX_TEXTS else {}
    cols: list[list[str]] = []
    for j, values in enumerate(columns, 1):
        v0 = values[0] if n else None
        if n and v0.__class__ is not float and all(v.__class__ is v0.__class__ and v == v0 for v in values):
            before, _, after = cell(f"{COLS[j]}\0", v0).partition("\0")
            cols.append([f"{before}{r}{after}" for r in refs] if before else [""] * n)
            continue
        out = []
        for r, v in zip(refs, values, strict=True):
            if v.__class__ is str:
                key = (j, r, v)
                got = texts.get(key)
                if got is None:
                    got = texts[key] = cell(f"{COLS[j]}{r}", v)
                out.append(got)
            else:
                out.append(cell(f"{COLS[j]}{r}", v))
        cols.append(out)
    last_row = last_col = 0
    rows = []
    for i, line in enumerate(zip(*cols, strict=True)):
        if any(line):  # a row without cells is not written (as openpyxl)
            last_row = first + i
            last_col = max(last_col, max(j for j, x in enumerate(line, 1) if x))
            rows.append(f'<row r="{refs[i]}">{"".join(line)}</row>')
    return "".join(rows), last_row, last_col
