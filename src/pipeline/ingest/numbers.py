"""Cell values: tokenising the text between labels, typing values, and splitting run-together digits.

Why a token stream rather than cells: the same table reaches us as one cell per line (page text),
several cells per line separated by spaces (PDF text), explicit cells separated by tabs (HTML,
Markdown, DOCX readers) or, in crawler dumps, with every cell boundary lost ("713000074"). A
:class:`Tok` is either a number as printed, or a blank cell. Tokens from tab-separated lines are
``fixed`` (their boundaries are real); tokens from free text may be run-together cells, which
:func:`readings` splits in every way the digits allow (no leading zeros, decimals kept whole).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

#: A cell that prints no number.
BLANK_MARKS = frozenset({"", "/", "-", "—", "——", "–", "－", "无", "\\", "—-", "--"})
#: Digits of one number: plain, or grouped in thousands ("12,356" — NFKC has made "，" a ","),
#: with optional decimals. A group of other than three digits after a comma is not a separator.
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
#: One number as printed: sign, digits, decimals, an optional unit written in the cell.
NUMBER_RE = re.compile(rf"^([+\-]?)({_DIGITS})(万元|元|件|项|个|条)?$")
_DIGIT = re.compile(r"\d")
#: Where a sign or unit forces a boundary inside a run of characters.
_RUN_RE = re.compile(rf"[+\-]?{_DIGITS}(?:万元|元|件|项|个|条)?")
#: Marks a blank cell in the line stream (an nbsp-only line in page text).
CELL_BLANK = "\x1f"


@dataclass(slots=True)
class Tok:
    """A number as printed (``text``), a blank cell (``blank``) or, on request, another word
    (``word``). ``note`` is a printed remark such as "（其中修订 16 件）" that belongs to the cell;
    ``fixed`` is False for text whose cell boundaries may have been lost; ``end`` is the offset just
    after the token in the tokenised text."""

    text: str
    blank: bool = False
    fixed: bool = True
    note: str = ""
    word: bool = False
    end: int = 0
    alone: bool = False  # the only thing on its line (page text: one cell per line)
    cont: bool = False  # its digits continue the previous line's digits across the line break

    @property
    def raw(self) -> str:
        return self.text + self.note

    @property
    def number(self) -> bool:
        return not (self.blank or self.word)


def trim_blanks(toks: list[Tok], n: int, *, leading: bool = True) -> list[Tok]:
    """Drop empty cells at the ends while there are more cells than the row has (trailing empty
    cells of converted tables, the nbsp line after a page-text table); a printed mark ("/") is a cell. ``leading=False`` keeps the
    blanks at the start (they are cells when the row's excess comes from a number broken in two)."""
    toks = list(toks)
    while len(toks) > n and toks[-1].blank and not toks[-1].text:
        toks.pop()
    while leading and len(toks) > n and toks[0].blank and not toks[0].text:
        toks.pop(0)
    return toks


def shown(toks: list[Tok], limit: int = 60) -> str:
    """The printed tokens of a row for a message, cut at ``limit`` characters."""
    text = " ".join(t.raw or "·" for t in toks)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def trim_furniture(toks: list[Tok]) -> list[Tok]:
    """``toks`` without the empty lines that end a table region (the nbsp line a page prints between
    a table and the next heading): no cell of the last row."""
    toks = list(toks)
    while toks and toks[-1].blank and not toks[-1].text and toks[-1].alone:
        toks.pop()
    return toks


def tokenize(segment: str, *, edge_cells: bool = False, words: bool = False, base: int = 0) -> list[Tok]:
    """The value tokens of a piece of table text (between two labels, or one line).

    Lines with tabs are rows of explicit cells: an empty cell is a blank token. The first piece of
    the first line and the last piece of the last line belong to the cells holding the labels
    around the segment, so they never count as blank cells (unless ``edge_cells``). Words that are
    not numbers are dropped (kept as ``word`` tokens with ``words``), and so are digits inside
    words ("数据1") or in brackets, which are kept as the note of the preceding number. ``base`` is
    added to every ``end`` offset.
    """
    out: list[Tok] = []
    append = out.append
    number = NUMBER_RE.match
    lines = segment.split("\n")
    last = len(lines) - 1
    # digits glued to the label before the segment: crawler text, whose line breaks end no cell
    glued = not edge_cells and lines[0][:1].isdigit()
    pos = base
    # Tok(...) positionally — (text, blank, fixed, note, word, end) — it is built for every cell
    for i, line in enumerate(lines):
        if not line:  # half the lines of page text: the empty line between two cells
            pos += 1
            continue
        start, pos = pos, pos + len(line) + 1
        if line == CELL_BLANK:  # a blank cell on a line of its own (page text)
            append(Tok("", True, True, "", False, start + 1, True))
            continue
        if "\t" not in line:
            n = len(out)
            if line.isdecimal() or number(line):  # one number on the line (page text): the common case
                # alone on its line — unless the line is the rest of a label's line (first/last piece)
                append(Tok(line, False, False, "", False, start + len(line), edge_cells or 0 < i < last))
            elif line in BLANK_MARKS and (edge_cells or 0 < i < last):  # a not-applicable mark as a cell line
                append(Tok(line, True, False, "", False, start + len(line), True))
            else:
                _free_text(line, start, out, fixed=False, words=words)
            # crawler text: a line break inside a run of digits says nothing about where cells end
            if (i and line[0].isdigit() and lines[i - 1][-1:].isdigit() and len(out) > n and n
                    and out[n].number and out[n - 1].number and (glued or not (out[n - 1].alone and out[n].alone))):
                out[n].cont = True
            continue
        pieces = line.split("\t")
        # the first piece of the first line and the last of the last line are edge cells
        lo = 0 if edge_cells or i else 1
        hi = len(pieces) if edge_cells or i < last else len(pieces) - 1
        off = start
        if lo:
            if pieces[0]:
                _free_text(pieces[0], start, out, fixed=True, words=words)
            off += len(pieces[0]) + 1
        for k in range(lo, hi):
            piece = pieces[k]
            end = off + len(piece)
            if not piece:
                append(Tok("", True, True, "", False, end))
            else:
                text = piece.strip()
                if text in BLANK_MARKS or text == CELL_BLANK:
                    append(Tok(text if text != CELL_BLANK else "", True, True, "", False, end))
                elif text.isdecimal() or number(text):
                    append(Tok(text, False, True, "", False, end))
                else:
                    _free_text(piece, off, out, fixed=True, words=words)
            off = end + 1
        if hi < len(pieces) and pieces[-1]:
            _free_text(pieces[-1], off, out, fixed=True, words=words)
    return out


#: A run of digits glued to words in crawler text, thousands separators kept inside it: where its
#: cells start is for the readings to decide ("1,391000001,391" is 1,391|0|0|0|0|0|1,391).
_GLUED_RE = re.compile(r"(\d+(?:,\d+)*(?:\.\d+)?(?:万元|元)?)")
#: A bracketed remark, a word without digits (to its end), or any other word.
_FREE_RE = re.compile(r"(\([^()\n]*\))|([^\s()\d]+)(?![^\s()])|([^\s()]+)")
#: Text that is not one such word without digits (a space, a bracket or a digit in it).
_NOT_ONE_WORD_RE = re.compile(r"[\s()\d]")


#: A run of not-applicable marks glued to digits, to each other or to a label: one blank cell per mark
#: ("总计///////" is 7 blank cells, "2/////2" two numbers around 5 blanks). A lone "/" between two
#: other characters ("本年增/减") is part of a word.
_SLASH_RUN_RE = re.compile(r"[/\\]{2,}|(?<=\d)[/\\]|[/\\](?=\d)|^[/\\]|[/\\]$")


def _free_text(text: str, base: int, out: list[Tok], *, fixed: bool, words: bool) -> None:
    """Numbers (and words) in free text; bracketed remarks become notes of the preceding number.
    (``Tok`` built positionally: text, blank, fixed, note, word, end.)"""
    if not fixed and ("/" in text or "\\" in text) and _SLASH_RUN_RE.search(text):
        at = 0
        for m in _SLASH_RUN_RE.finditer(text):
            if m.start() > at:
                _free_text(text[at:m.start()], base + at, out, fixed=fixed, words=words)
            out.extend(Tok(ch, True, False, "", False, base + m.start() + k + 1) for k, ch in enumerate(m.group()))
            at = m.end()
        if at < len(text):
            _free_text(text[at:], base + at, out, fixed=fixed, words=words)
        return
    if not text:
        return
    if _NOT_ONE_WORD_RE.search(text) is None:  # one word without digits (a label), as the loop below reads it
        if text in BLANK_MARKS:
            out.append(Tok(text, True, fixed, "", False, base + len(text)))
        elif words:
            out.append(Tok(text, False, True, "", True, base + len(text)))
        return
    after_paren = -1  # where the last bracketed word ended ("(四)无" is a wrapped label, not a blank)
    for m in _FREE_RE.finditer(text):
        end = base + m.end()
        paren, plain, word = m.groups()
        if paren is not None:
            after_paren = m.end()
            if _DIGIT.search(paren) and out and out[-1].number:
                out[-1].note += paren
            elif words:
                out.append(Tok(paren, False, True, "", True, end))
            continue
        if plain is not None:  # no digit in it: a blank mark or a word
            if plain in BLANK_MARKS and m.start() != after_paren:
                out.append(Tok(plain, True, fixed, "", False, end))
            elif words:
                out.append(Tok(plain, False, True, "", True, end))
            continue
        if word in BLANK_MARKS:
            out.append(Tok(word, True, fixed, "", False, end))
        elif NUMBER_RE.match(word):
            out.append(Tok(word, False, fixed, "", False, end))
        elif _all_runs(word):
            # signs or units inside a run force boundaries: "+1036-3" → "+1036", "-3"
            out.extend(Tok(r.group(), fixed=False, end=base + m.start() + r.end()) for r in _RUN_RE.finditer(word))
        elif not fixed and _DIGIT.search(word):
            # crawler text glues numbers to the words around them: "总计000000000000000", "1000001三、"
            at = base + m.start()
            for part in _GLUED_RE.split(word):
                if not part:
                    continue
                at += len(part)
                if _GLUED_RE.fullmatch(part):
                    out.append(Tok(part, fixed=False, end=at))
                elif words:
                    out.append(Tok(part, word=True, end=at))
        elif words:
            out.append(Tok(word, word=True, end=end))


def lone_word(line: str) -> bool:
    """Whether ``tokenize(line, words=True)`` of a line (no line break) is one ``word`` token, the line
    itself: no digit, space, tab or bracket in it, no not-applicable mark, no slash."""
    return (_NOT_ONE_WORD_RE.search(line) is None and line not in BLANK_MARKS and "/" not in line
            and "\\" not in line and line != CELL_BLANK)


def _all_runs(word: str) -> bool:
    return bool(word) and "".join(m.group() for m in _RUN_RE.finditer(word)) == word


# -- typing values ---------------------------------------------------------------------------------

def parse_number(text: str) -> tuple[str, str, str] | None:
    """(sign, digits, unit) of a printed number, or None when it is not one."""
    m = NUMBER_RE.match(text.strip())
    return (m.group(1), m.group(2), m.group(3) or "") if m else None


@lru_cache(maxsize=8192)
def cell_value(text: str, kind: str, col: str) -> int | float | None:
    """The value of a printed cell for a column of ``kind`` (count, signed_count, amount).

    Units are normalised as codes.csv says: the v2019 procurement amount to 元 ("25.1万元" →
    251000), the v2021 fee stays in 万元 (a cell printed in 元 is converted to 万元). Cached: the
    identities score every reading of a row, so the same few strings are typed again and again.
    """
    p = parse_number(text)
    if p is None:
        return None
    sign, digits, unit = p
    digits = digits.replace(",", "")
    if len(digits) > 40:
        return None  # no figure of a report has forty digits: a garbled or hostile run is no value
    neg = -1 if sign == "-" else 1
    if kind != "amount" or ("." not in digits and unit not in ("万元", "元")):
        # counts stay exact integers however long ("6.0" is 6); an amount without decimals or unit too
        whole, _, frac = digits.partition(".")
        if kind != "amount" or not frac:
            return neg * int(whole) if not frac or not frac.strip("0") else neg * float(digits)
    num: float = neg * float(digits)
    if not math.isfinite(num):
        return None  # a run of hundreds of digits is no amount
    if col == "procurement_amount" and unit == "万元":
        num = round(num * 10000, 6)
    elif col == "fee_amount_wan" and unit == "元":
        num = round(num / 10000, 8)
    return int(num) if num == int(num) and "." not in digits else num


# -- run-together digits ---------------------------------------------------------------------------

#: Above this many ways to cut one run, the run is not read at all (a hostile or garbled document).
MAX_CUTS = 50_000


@lru_cache(maxsize=4096)
def _parts(chunk: str, k: int) -> tuple[tuple[str, ...], ...]:
    """All ways to cut ``chunk`` into ``k`` printed numbers (no leading zeros; a decimal point and
    a unit stay in the last number of the chunk; a sign starts a number)."""
    if k > len(chunk) or math.comb(len(chunk) - 1, k - 1) > MAX_CUTS:
        return ()
    if k == 1:
        return ((chunk,),) if _valid_part(chunk, last=True) else ()
    out: list[tuple[str, ...]] = []
    for i in range(1, len(chunk)):
        head = chunk[:i]
        if not _valid_part(head, last=False):
            continue
        for rest in _parts(chunk[i:], k - 1):
            out.append((head, *rest))
    return tuple(out)


_PART_RE = re.compile(r"^[+\-]?(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)$")
_LAST_PART_RE = re.compile(r"^[+\-]?(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d+)?(?:万元|元|件|项|个|条)?$")


def _valid_part(s: str, *, last: bool) -> bool:
    return bool((_LAST_PART_RE if last else _PART_RE).match(s))


def readings(toks: list[Tok], n: int, *, limit: int = 20000) -> list[list[Tok]]:
    """Every way to read ``toks`` as exactly ``n`` cells.

    Fixed tokens and blanks are one cell each; a free-text token may hold several run-together
    cells. Returns [] when no reading exists (or more than ``limit`` would be needed).
    """
    fixed = sum(1 for t in toks if t.blank or t.fixed)
    if len(toks) == n:
        return [list(toks)]
    if len(toks) > n or fixed == len(toks):
        return []
    free = [i for i, t in enumerate(toks) if not (t.blank or t.fixed)]
    spare = n - len(toks)  # extra cells to create inside free tokens
    out: list[list[Tok]] = []
    acc: dict[int, tuple[str, ...]] = {}

    last = len(free) - 1
    # ways[fi][left]: how many readings the free tokens from ``fi`` on give with ``left`` cells still to
    # create. Known before any reading is built: over ``limit`` is [] at once, and the search below
    # never enters a branch that gives none (the same readings in the same order, without the dead ends).
    ways = [[0] * (spare + 1) for _ in range(last + 2)]
    ways[last + 1][0] = 1
    for fi in range(last, -1, -1):
        text = toks[free[fi]].text
        counts = [len(_parts(text, extra + 1)) for extra in range(spare + 1)]
        for left in range(spare + 1):
            if fi == last:
                ways[fi][left] = counts[left]
            else:
                ways[fi][left] = sum(counts[e] * ways[fi + 1][left - e] for e in range(left + 1) if counts[e])
    if ways[0][spare] > limit:
        return []

    def rec(fi: int, left: int) -> None:
        if len(out) > limit:
            return
        if fi > last:
            if left == 0:
                row: list[Tok] = []
                for i, t in enumerate(toks):
                    if i in acc:
                        row.extend(Tok(p, False, False, "", False, t.end) for p in acc[i])
                        row[-1].note = t.note
                    else:
                        row.append(t)
                out.append(row)
            return
        i = free[fi]
        text = toks[i].text
        # the last free token must take all the cells still left; fewer would leave some over
        for extra in ((left,) if fi == last else range(left + 1)):
            if not ways[fi + 1][left - extra]:
                continue
            for parts in _parts(text, extra + 1):
                acc[i] = parts
                rec(fi + 1, left - extra)
        acc.pop(i, None)

    rec(0, spare)
    return out if len(out) <= limit else []
