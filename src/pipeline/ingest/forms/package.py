"""Safety checks of an Office package (.docx, .xlsx) before any XML of it is parsed.

Why: a package is a zip, and a zip can unpack to far more than it weighs (a zip bomb: 300 KB that
inflate to 300 MB of XML), or lie about its sizes in its headers; and its XML can declare a DOCTYPE
with entities — external ones (``file:///etc/passwd``, a URL: XXE) or nested ones (billion laughs).
Word and Excel never write a DOCTYPE into a package, so any is refused outright, whatever the XML
library would make of it.

:func:`check_package` inflates every XML part as a stream, counting the bytes really produced (not
the sizes the headers claim) and stopping as soon as the total passes ``PIPELINE_MAX_UNPACKED_BYTES``
(default 64 MiB; a real annual report's XML is well under 5 MiB). Media (images) are not inflated:
the readers never read them.
"""

from __future__ import annotations

import io
import zipfile

from pipeline.ingest.errors import IngestError

#: Parts the readers (or openpyxl) parse as XML.
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1 << 20
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_AFTER_BANG = tuple(m[2:] for m in _DTD_MARKS)
#: Most parts in one package (a real report has a few dozen).
MAX_PARTS = 10_000


def _declares(window: bytes) -> bool:
    """Whether ``window`` holds one of :data:`_DTD_MARKS` (found from its rare ``!``: XML is full of ``<``)."""
    i = window.find(b"!")
    while i != -1:
        if i and window[i - 1] == 0x3C and window.startswith(_AFTER_BANG, i + 1):
            return True
        i = window.find(b"!", i + 1)
    return False


def check_package(data: bytes, name: str, kind: str, *, limit: int | None = None) -> dict[str, bytes]:
    """Raise :class:`IngestError` (one line naming ``name``) for a zip bomb, a lying header or a DOCTYPE.

    ``kind``: ``.docx`` or ``.xlsx``, for the messages. ``limit``: most bytes all XML parts together may
    unpack to (default: the settings' ``max_unpacked_bytes``). Returns the XML parts as inflated here
    (name → bytes; of two parts of one name, the last, as :meth:`zipfile.ZipFile.read` reads it), so that
    a reader does not inflate them a second time.
    """
    if limit is None:
        from pipeline.settings import get_settings

        limit = get_settings().max_unpacked_bytes
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise IngestError(name, f"not a readable {kind} (damaged or not an Office file): {e}") from None
    with z:
        infos = z.infolist()
        if len(infos) > MAX_PARTS:
            raise IngestError(name, f"{kind} package has {len(infos):,} parts, more than {MAX_PARTS:,}; refused")
        parts = [i for i in infos if i.filename.lower().endswith(_XML_SUFFIXES)]
        declared = sum(i.file_size for i in parts)
        if declared > limit:
            raise IngestError(name, f"{kind} unpacks to {declared:,} bytes of XML, over the {limit:,}-byte limit "
                                    "(PIPELINE_MAX_UNPACKED_BYTES); refused as a possible zip bomb")
        total = 0
        inflated: dict[str, bytes] = {}
        for info in parts:
            tail = b""
            chunks: list[bytes] = []
            try:
                with z.open(info) as fh:
                    while chunk := fh.read(_CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise IngestError(name, f"{kind} part {info.filename} unpacks past the {limit:,}-byte limit "
                                                    "(PIPELINE_MAX_UNPACKED_BYTES); refused as a possible zip bomb")
                        if _declares(tail + chunk if tail else chunk):
                            raise IngestError(name, f"{kind} part {info.filename} declares a DOCTYPE or XML entities; "
                                                    "refused (external entities and entity expansion are not allowed)")
                        tail = chunk[-16:]
                        chunks.append(chunk)
            except IngestError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
                # a bad CRC, a size that does not match its header, an encrypted or unknown compression
                raise IngestError(name, f"damaged {kind} package: part {info.filename}: {type(e).__name__}: "
                                        f"{str(e).splitlines()[0] if str(e) else ''}") from None
            inflated[info.filename] = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return inflated
