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


def markdown_lines(text: str) -> list[str]:
    """Lines of a Markdown document: pipe rows as tab-separated cells, headings as plain lines."""
    out: list[str] = []
    for line in text.splitlines():
        if _SEPARATOR_RE.match(line):
            continue
        stripped = line.strip()
        if stripped.startswith("|"):
            body = stripped[1:-1] if stripped.endswith("|") and len(stripped) > 1 else stripped[1:]
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]
            out.append("\t".join(_EMPHASIS_RE.sub(r"\2", c) for c in cells))
            continue
        out.append(_EMPHASIS_RE.sub(r"\2", _HEADING_RE.sub("", line)))
    return out


def parse(data: bytes, name: str) -> ParsedReport:
    return parse_lines(markdown_lines(decode(data, name)), name)
