"""Ingest: any submission file → the canonical :class:`~pipeline.model.ParsedReport`.

``parse_file`` sniffs the form (by content first, then by extension), refuses files over the size
limit before reading them, and hands the bytes to the form's reader in ``pipeline.ingest.forms``.
Every failure is an :class:`IngestError` naming the file and the reason — never a traceback and
never a partial parse passed on as complete.
"""

from __future__ import annotations

import importlib
import stat
from pathlib import Path

from pipeline.ingest import wording
from pipeline.ingest.errors import IngestError
from pipeline.ingest.recognize import PREVIOUS
from pipeline.model import ParsedReport
from pipeline.settings import get_settings

__all__ = ["FORMS", "IngestError", "detect_form", "parse_bytes", "parse_file", "read_submission"]

#: form name → module under ``pipeline.ingest.forms`` with ``parse(data: bytes, name: str) -> ParsedReport``.
FORMS: dict[str, str] = {
    "text": "pipeline.ingest.forms.text",
    "markdown": "pipeline.ingest.forms.markdown",
    "html": "pipeline.ingest.forms.html",
    "pdf": "pipeline.ingest.forms.pdf",
    "docx": "pipeline.ingest.forms.docx",
    "xlsx": "pipeline.ingest.forms.xlsx",
    "json": "pipeline.ingest.forms.jsonform",
}

_EXT = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
    ".shtml": "html", ".xhtml": "html", ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".json": "json",
}


def detect_form(data: bytes, name: str) -> str:
    """The submission form: magic bytes decide where they can, else the file extension."""
    head = data[:2048]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or name.lower().endswith(".docx"):
            return "docx"
        if b"xl/" in data[:65536] or name.lower().endswith(".xlsx"):
            return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # OLE2 container: legacy .doc/.xls, or an encrypted OOXML file.
        raise IngestError(name, "encrypted or legacy Office (OLE2) file; save it as an unprotected .docx/.xlsx")
    ext = Path(name).suffix.lower()
    if ext in _EXT:
        return _EXT[ext]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(b"{"):
        return "json"
    if stripped.startswith((b"<!doctype html", b"<html", b"<meta", b"<table", b"<head", b"<body", b"<div")):
        return "html"
    return "text"


def parse_bytes(data: bytes, name: str, *, form: str | None = None, previous: ParsedReport | None = None) -> ParsedReport:
    """Parse one submission already in memory. ``name`` is used for messages and form detection.

    ``previous``: the same agency's report of the year before (from the warehouse), evidence for the
    readings that nothing in this year's text settles (this year's 上年结转 = last year's 结转下年度;
    last year's 现行有效 + 本年制发 − 本年废止 = this year's 现行有效).
    """
    if not data or not data.strip():
        raise IngestError(name, "empty file")
    form = form or detect_form(data, name)
    module = importlib.import_module(FORMS[form])
    token = PREVIOUS.set(previous)
    try:
        report = module.parse(data, name)
        for note in report.notes:  # the readers write English; the clerk reads Chinese too
            note.message_zh = note.message_zh or wording.zh(note.message)
        return report
    except IngestError:
        raise
    except Exception as e:  # a reader bug or a hostile file: still one clear line, never a traceback
        raise IngestError(name, f"cannot read as {form}: {type(e).__name__}: {e}") from e
    finally:
        PREVIOUS.reset(token)


def read_submission(path: str | Path, *, max_bytes: int | None = None) -> bytes:
    """The bytes of one submission file, refusing (before reading) a file over the size limit or one that is
    not a regular file (a folder, a pipe, a broken link). Raises :class:`IngestError` naming the file."""
    path = Path(path)
    limit = get_settings().max_file_bytes if max_bytes is None else max_bytes
    try:
        st = path.stat()
    except OSError as e:  # gone, a broken link, a link loop
        raise IngestError(str(path), f"cannot open: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):  # a folder, a pipe (reading it would wait for ever), a device
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a pipe, socket or device"
        raise IngestError(str(path), f"not a regular file but {kind} / 不是普通文件; replace it with the report file")
    size = st.st_size
    if size > limit:
        raise IngestError(str(path), f"file is {size:,} bytes, over the {limit:,}-byte limit (PIPELINE_MAX_FILE_BYTES)")
    try:
        return path.read_bytes()
    except OSError as e:
        raise IngestError(str(path), f"cannot read: {e.strerror or e}") from None


def parse_file(path: str | Path, *, max_bytes: int | None = None, previous: ParsedReport | None = None) -> ParsedReport:
    """Parse one submission file. Raises :class:`IngestError` (file and reason) when it cannot.
    ``previous``: see :func:`parse_bytes`."""
    return parse_bytes(read_submission(path, max_bytes=max_bytes), str(path), previous=previous)
