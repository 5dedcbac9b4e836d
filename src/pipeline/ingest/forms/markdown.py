"""Markdown, typically a PDF-to-Markdown conversion (reports 05, 11, 12).

Why so little here: a pipe-table row becomes one line of tab-separated cells (blank cells kept),
separator rows and heading marks go, and everything else is left to the core — including the
damage converters do (labels detached from their numbers, shifted columns, tables split in
pieces), which :mod:`pipeline.ingest.requests_table` and friends cope with.
"""

from __future__ import annotations

import re

from pipeline.ingest.forms.text import decode
from pipeline.ingest.recognize import parse_lines
from pipeline.model import ParsedReport

_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+")
_EMPHASIS_RE = re.compile(r"(\*\*|__)(.+?)\1")
_PIPE_RE = re.compile(r"(?<!\\)\|")


def markdown_lines(text: str) -> list[str]:
    """Lines of a Markdown document: pipe rows as tab-separated cells, headings as plain lines.

    Each pattern runs only on lines that hold the characters it needs (a separator row has "--",
    emphasis "**" or "__", a heading "#", an escaped pipe a backslash): most lines have none.
    """
    out: list[str] = []
    prev: list[str] | None = None  # the cells of the previous line when it was a pipe row
    for line in text.splitlines():
        if "--" in line and _SEPARATOR_RE.match(line):
            continue
        emphasis = "**" in line or "__" in line
        stripped = line.strip()
        if stripped.startswith("|"):
            body = stripped[1:-1] if stripped.endswith("|") and len(stripped) > 1 else stripped[1:]
            if "\\" in body:
                cells = [c.strip().replace("\\|", "|") for c in _PIPE_RE.split(body)]
            else:
                cells = [c.strip() for c in body.split("|")]
            if emphasis:
                cells = [_EMPHASIS_RE.sub(r"\2", c) for c in cells]
            merged = _continued(prev, cells)
            if merged is not None:
                out[-1] = "\t".join(merged)
                prev = merged
                continue
            out.append("\t".join(cells))
            prev = cells
            continue
        if stripped:
            prev = None
        if "#" in line:
            line = _HEADING_RE.sub("", line)
        out.append(_EMPHASIS_RE.sub(r"\2", line) if emphasis else line)
    return out


#: ``[\d,]*\d[\d,]*`` (digits and commas, at least one digit) written so that it cannot backtrack: the
#: lookahead finds the digit, the possessive run takes the rest (nothing after it can start with either).
_NUMERIC_RE = re.compile(r"^(?:[+\-]?(?=[\d,]*\d)[\d,]++(?:\.\d*)?|[\d,]*\.\d+)(?:万元|元)?$")
_UNITS = frozenset({"元", "万元"})
_JOINED_RE = re.compile(r"^[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元)?$")


def _continued(prev: list[str] | None, cells: list[str]) -> list[str] | None:
    """``prev`` with ``cells`` appended cell by cell, when ``cells`` is the rest of wrapped numbers:
    PDF converters print the second line of a wrapped cell ("19" / "6" for 196) as a pipe row of its
    own with no label. That is a row of the same width holding only digits, fewer of them than the
    row above (or at most three, as in table 二), each under a number of the row above, and each
    join a valid number."""
    if prev is None or len(prev) != len(cells):
        return None
    prev_n = [c.replace("，", ",") for c in prev]  # full-width separators (NFKC comes later)
    cells_n = [c.replace("，", ",") for c in cells]
    filled = [i for i, c in enumerate(cells) if c]
    numeric_above = [i for i, c in enumerate(prev_n) if _NUMERIC_RE.match(c)]
    if not filled or (len(filled) >= len(numeric_above) and len(filled) > 3):
        return None  # a full row of a wide table (三, 四) under another is a row, not a continuation
    if any(not (_NUMERIC_RE.match(cells_n[i]) or cells_n[i] in _UNITS) or i not in numeric_above for i in filled):
        return None
    if all(cells_n[i] in _UNITS for i in filled):
        return None  # a unit alone is no continuation of digits (the readers take a loose unit as it is)
    merged = list(prev)
    for i in filled:
        joined = prev_n[i] + cells_n[i]
        if not _JOINED_RE.match(joined) or (joined[0] == "0" and len(joined) > 1 and joined[1] != "."):
            return None
        merged[i] = prev[i] + cells[i]
    return merged


def parse(data: bytes, name: str) -> ParsedReport:
    return parse_lines(markdown_lines(decode(data, name)), name)
