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
            out.append("\t".join(_EMPHASIS_RE.sub(r"\2", c) for c in cells) if emphasis else "\t".join(cells))
            continue
        if "#" in line:
            line = _HEADING_RE.sub("", line)
        out.append(_EMPHASIS_RE.sub(r"\2", line) if emphasis else line)
    return out


def parse(data: bytes, name: str) -> ParsedReport:
    return parse_lines(markdown_lines(decode(data, name)), name)
