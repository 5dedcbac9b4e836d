"""Plain text: a published page flattened to text (report 00) or a crawler dump (08, 13).

Why a decoder of its own: text files arrive as UTF-8 (with or without BOM), UTF-16 with BOM, or
GBK/GB18030 from older Chinese systems, and nothing in the file says which. Decoding is strict:
a byte-order mark decides the encoding and the text must then be valid in it; without one, strict
UTF-8, then strict GB18030 (a superset of GBK and GB2312). A file valid in neither is refused with the
offset of the first bad byte — never decoded with replacement characters, which would silently turn
a figure or a label into "�". (A statistical detector such as charset-normalizer adds nothing
here: every report is Chinese, the two encodings in use are tried strictly, and a guess between
other code pages on short text is how mojibake gets loaded without a word.)
"""

from __future__ import annotations

from pipeline.ingest.errors import IngestError
from pipeline.ingest.recognize import parse_lines
from pipeline.model import ParsedReport

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)


def decode_bom(data: bytes, name: str) -> str | None:
    """The text of ``data`` when it starts with a byte-order mark (None when it does not).

    Raises :class:`IngestError` when the bytes after the mark are not valid in its encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as e:
                raise IngestError(name, f"starts with a {encoding.upper()} byte-order mark but is not valid "
                                        f"{encoding.upper()} (bad bytes at offset {e.start + len(bom)})") from None
    return None


def decode(data: bytes, name: str) -> str:
    """The text of ``data``: a BOM's encoding, else UTF-8, else GB18030 — all strict."""
    text = decode_bom(data, name)
    if text is not None:
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_error = e.start
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise IngestError(name, f"cannot decode the text: neither UTF-8 (bad byte at offset {utf8_error}) "
                                f"nor GB18030 (bad byte at offset {e.start})") from None


def parse(data: bytes, name: str) -> ParsedReport:
    text = decode(data, name)
    if "\x00" in text:
        raise IngestError(name, "not a text file (binary content)")
    return parse_lines(text.splitlines(), name)
