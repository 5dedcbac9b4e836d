"""Plain text: a published page flattened to text (report 00) or a crawler dump (08, 13).

Why a decoder of its own: text files arrive as UTF-8 (with or without BOM), UTF-16 with BOM, or
GBK/GB18030 from older Chinese systems, and nothing in the file says which.
"""

from __future__ import annotations

from pipeline.ingest.errors import IngestError
from pipeline.ingest.recognize import parse_lines
from pipeline.model import ParsedReport


def decode(data: bytes, name: str) -> str:
    """The text of ``data``: BOMs first, then UTF-8, then GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") > len(text) // 20:
            raise IngestError(name, "cannot decode the text: neither UTF-8 nor GB18030") from None
        return text


def parse(data: bytes, name: str) -> ParsedReport:
    text = decode(data, name)
    if "\x00" in text:
        raise IngestError(name, "not a text file (binary content)")
    return parse_lines(text.splitlines(), name)
