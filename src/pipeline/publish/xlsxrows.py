"""Worksheet XML of the district workbook (:mod:`pipeline.publish.xlsx`): cells as openpyxl wrote them, and
the rows of the agency sheets from a skeleton computed once per process.

An agency sheet is its active cells in long form, one row each from row 3 on: table, row, row_label, col,
col_label (A–E, inline strings), value (F, a number: int for counts, float for amounts; absent when not
printed), raw (G, inline string; absent when empty), ambiguous and derived (H, I, booleans). Columns A–E
only depend on the template version and the cell's position, and every agency of a template version prints
the same cells in the same order, so those columns of a whole sheet — a *skeleton*, with the row numbers in —
are computed once per (version, cell sequence) and each sheet only adds its figures: one join per sheet.
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
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{_space(value)}>{esc(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return f'<c r="{ref}"{s} t="n"><v></v></c>'
    return f'<c r="{ref}"{s} t="n"><v>{format(value, ".16g")}</v></c>'


def _space(text: str) -> str:
    return ' xml:space="preserve"' if text != text.strip() else ""


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
    """The constant part of an agency sheet's rows (UTF-8): per row, ``<row>`` with cells A–E; whether F is an amount."""

    __slots__ = ("amounts", "heads")

    def __init__(self, version: str, keys: tuple[tuple[str, str, str], ...]) -> None:
        self.heads: list[bytes] = []
        self.amounts: list[bool] = []
        for n, (table, row, col) in enumerate(keys, 3):
            texts = (table, row, voc.label(table, "row", row, version), col, voc.label(table, "col", col, version))
            self.heads.append((f'<row r="{n}">' + "".join(f'<c r="{a}{n}" t="inlineStr"><is><t{_space(x)}>{esc(x)}</t>'
                                                          '</is></c>' for a, x in zip("ABCDE", texts, strict=True)))
                              .encode())
            self.amounts.append(col in voc.AMOUNT_COLS)


_SKELETONS: dict[tuple[str, tuple], _Skeleton] = {}
_MAX_SKELETONS = 256  # distinct (version, cell sequence) pairs kept; a run has a handful
# per row number n (UTF-8): the openings of cells F and G, and the ends of the row (H, I) by ambiguous * 2 + derived
_F: list[bytes] = []
_G: list[bytes] = []
_ENDS: list[tuple[bytes, bytes, bytes, bytes]] = []
_KEY = itemgetter(2, 3, 4)  # (table, row, col) of a cell row
_MAX_TEXTS = 100_000
_COUNTS: dict[float, bytes] = {}  # a count's printed value, by value (rounded to an int, as %.16g)
_RAWS: dict[str, bytes] = {}  # a raw text's ``xml:space`` attribute, text and cell end, by raw text


def _skeleton(version: str, keys: tuple[tuple[str, str, str], ...]) -> _Skeleton:
    key = (version, keys)
    sk = _SKELETONS.get(key)
    if sk is None:
        if len(_SKELETONS) >= _MAX_SKELETONS:
            _SKELETONS.clear()
        sk = _SKELETONS[key] = _Skeleton(version, keys)
    while len(_F) < len(keys) + 3:
        n = len(_F)
        _F.append(f'<c r="F{n}" t="n"><v>'.encode())
        _G.append(f'<c r="G{n}" t="inlineStr"><is><t'.encode())
        _ENDS.append(tuple(f'<c r="H{n}" t="b"><v>{a}</v></c><c r="I{n}" t="b"><v>{d}</v></c></row>'.encode()
                           for a in (0, 1) for d in (0, 1)))
    return sk


def agency_rows(cells: list[tuple], version: str) -> bytes:
    """Rows 3… of an agency sheet, UTF-8: its cell rows (Members.cell_rows) in ``version``'s labels."""
    sk = _skeleton(version, tuple(map(_KEY, cells)))
    heads, amounts = sk.heads, sk.amounts
    counts, raws = _COUNTS, _RAWS
    parts: list[bytes] = []
    add, more = parts.append, parts.extend
    for i, (_, _, _, _, _, value, raw, _, ambiguous, derived) in enumerate(cells):
        n = i + 3
        add(heads[i])
        if value == value and value is not None:  # not NaN
            if amounts[i]:
                text = format(float(value), ".16g").encode()
            else:
                text = counts.get(value)
                if text is None:
                    text = format(round(value), ".16g").encode()
                    if len(counts) < _MAX_TEXTS:
                        counts[value] = text
            more((_F[n], text, b"</v></c>"))
        if raw:
            end = raws.get(raw)
            if end is None:
                end = f"{_space(raw)}>{esc(raw)}</t></is></c>".encode()
                if len(raws) < _MAX_TEXTS:
                    raws[raw] = end
            more((_G[n], end))
        add(_ENDS[n][2 * bool(ambiguous) + bool(derived)])
    return b"".join(parts)
