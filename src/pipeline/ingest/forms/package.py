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

Parts that packages share verbatim (the styles, theme, settings and relationships a Word or Excel
template writes into every file made from it: hundreds of KB of XML, most of the cost of a check) are
inflated once per process: :class:`_Inflated` remembers a checked part's bytes under its exact stored
bytes (local header, name and compressed data) and header fields, once the part has been seen twice,
so an identical part later gives the same bytes, the same count towards the limit and the same verdict
without inflating it again (a part of one file only, such as its document, is never kept).
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections import OrderedDict

from pipeline.ingest.errors import IngestError

#: Parts the readers (or openpyxl) parse as XML.
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1 << 20
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_AFTER_BANG = tuple(m[2:] for m in _DTD_MARKS)
#: Most parts in one package (a real report has a few dozen).
MAX_PARTS = 10_000
#: How many parts seen once are tracked (by hash) to tell a shared part from a file's own.
MEMO_SEEN = 4096
#: Most bytes remembered per process, stored and inflated forms together (least recently used forgotten first).
MEMO_MAX_BYTES = 32 * 2**20
#: Most parts remembered per process (however small), and the bookkeeping bytes counted for each.
MEMO_MAX_ENTRIES = 4096
MEMO_ENTRY_OVERHEAD = 256
_LOCAL_HEADER = b"PK\x03\x04"


class _Inflated:
    """Checked parts' inflated bytes by their exact stored form (a bounded, least-recently-used memo of
    the parts seen at least twice).

    The key holds every byte and header field that decides what inflating the part gives — the central
    directory's name, flags, method, sizes and CRC, and the stored local header, name, extra field and
    compressed data — so a hit is the very same part: only parts that passed every check are remembered.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._parts: OrderedDict[tuple, bytes] = OrderedDict()
        self._seen: OrderedDict[int, None] = OrderedDict()  # hashes of keys seen once
        self._lock = threading.Lock()

    @staticmethod
    def key(data: bytes, info: zipfile.ZipInfo) -> tuple | None:
        """The part's key, or None when it is not to be remembered (its local header is unusual)."""
        at = info.header_offset
        if at < 0 or data[at: at + 4] != _LOCAL_HEADER or len(data) < at + 30:
            return None
        name_len, extra_len = int.from_bytes(data[at + 26: at + 28], "little"), int.from_bytes(data[at + 28: at + 30], "little")
        end = at + 30 + name_len + extra_len + info.compress_size
        # a part running past the next one's start (overlapping entries: newer zipfile versions refuse it)
        if end > len(data) or end > (getattr(info, "_end_offset", None) or len(data)):
            return None
        # orig_filename: the name as the central directory spells it (``filename`` is cut at a NUL byte,
        # and zipfile compares the full name with the local header's)
        return (info.orig_filename, info.flag_bits, info.compress_type, info.compress_size, info.file_size, info.CRC,
                data[at:end])

    @staticmethod
    def cost(key: tuple, inflated: bytes) -> int:
        """Bytes an entry holds: its stored form (in the key), the inflated bytes, and a fixed overhead."""
        return len(key[-1]) + len(key[0]) + len(inflated) + MEMO_ENTRY_OVERHEAD

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            got = self._parts.get(key)
            if got is not None:
                self._parts.move_to_end(key)
            return got

    def put(self, key: tuple, inflated: bytes) -> None:
        if self.cost(key, inflated) > self.max_bytes:
            return
        with self._lock:
            if key in self._parts:
                return
            seen = hash(key)
            if seen not in self._seen:  # the first time: maybe a part of this one file, not kept
                self._seen[seen] = None
                if len(self._seen) > MEMO_SEEN:
                    self._seen.popitem(last=False)
                return
            del self._seen[seen]
            self._parts[key] = inflated
            self.size += self.cost(key, inflated)
            while self.size > self.max_bytes or len(self._parts) > MEMO_MAX_ENTRIES:
                self.size -= self.cost(*self._parts.popitem(last=False))


_INFLATED = _Inflated(MEMO_MAX_BYTES)


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
    z, limit = _open(data, name, kind, limit)
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
            key = _INFLATED.key(data, info)
            known = None if key is None else _INFLATED.get(key)
            if known is not None and total + len(known) <= limit:
                total += len(known)
                inflated[info.filename] = known
                continue
            body, total = _inflate(z, info, name, kind, limit, total)
            inflated[info.filename] = body
            if key is not None:
                _INFLATED.put(key, inflated[info.filename])
    return inflated


def read_part(data: bytes, part: str, name: str, kind: str, *, limit: int | None = None) -> bytes:
    """One part of the package ``data`` that :func:`check_package` did not inflate (its name is no XML
    part's — a main document named without ``.xml``, say), under the same checks: at most ``limit``
    bytes (default ``max_unpacked_bytes``), no DOCTYPE or entity declaration, a sound header.

    Raises ``KeyError`` when there is no such part, :class:`IngestError` (one line) otherwise.
    """
    z, limit = _open(data, name, kind, limit)
    with z:
        info = z.getinfo(part)
        if info.file_size > limit:
            raise IngestError(name, f"{kind} part {part} unpacks to {info.file_size:,} bytes, over the {limit:,}-byte "
                                    "limit (PIPELINE_MAX_UNPACKED_BYTES); refused as a possible zip bomb")
        return _inflate(z, info, name, kind, limit, 0)[0]


def _open(data: bytes, name: str, kind: str, limit: int | None) -> tuple[zipfile.ZipFile, int]:
    """The package ``data`` opened, and the unpacking limit (``limit``, else the settings' ``max_unpacked_bytes``)."""
    if limit is None:
        from pipeline.settings import get_settings

        limit = get_settings().max_unpacked_bytes
    try:
        return zipfile.ZipFile(io.BytesIO(data)), limit
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise IngestError(name, f"not a readable {kind} (damaged or not an Office file): {e}") from None


def _inflate(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, kind: str, limit: int, total: int) -> tuple[bytes, int]:
    """``info``'s bytes, streamed: refused past ``limit`` bytes in all (``total`` so far), on a DOCTYPE or
    entity declaration, or on a damaged entry. Returns (bytes, the new total)."""
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
    return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), total
