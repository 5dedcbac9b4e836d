"""Mutated submissions for the reliability fuzz test (issue 12): hostile and broken files, seeded.

Why: the parser must answer every file it is given with a report (possibly with notes) or one
:class:`~pipeline.ingest.IngestError` line naming the file — never a traceback, never unbounded time.
Real files and generated ones are the seeds; each :data:`MUTATIONS` entry damages one seed the way a
crawler, a converter, a careless clerk or an attacker would:

=================  ==========================================================================
``truncated``      the file cut short (anywhere, down to one byte)
``bytes_flipped``  1–256 random bytes replaced
``cells_swapped``  numbers swapped with each other, lines swapped, table rows reordered
``encoding``       re-encoded: GB18030, UTF-16 with and without BOM, Big5, mojibake, a lying BOM
``huge_numbers``   numbers with 13–100,000 digits, ``1e400``, amounts with 400 decimals
``negative``       counts printed with ``-``, ``－``, ``−`` or in parentheses
``nested_html``    the report inside 1,000–100,000 nested ``<div>`` / ``<table>`` / ``<span>``
``enormous_line``  a line of 1–8 MB: digits, Chinese, numbers with spaces, tabs, table cells
``repeated``       the document pasted 20–200 times over
``zip_bomb``       DOCX/XLSX whose XML unpacks to 300 MiB+ (real deflate) or lies about its size
``xml_entities``   DOCX/XLSX with a DOCTYPE: external entities (``file:///etc/passwd``), billion laughs
``junk``           random bytes, magic numbers of other forms followed by junk, NULs
``json_shape``     canonical JSON with wrong types, 1e400, deep nesting, missing keys
=================  ==========================================================================

DOCX and XLSX seeds are mutated inside the package too (the main XML part edited as text, then
re-zipped), so the readers see well-formed packages with hostile content, not only broken zips.

Everything is deterministic for the seed given to :func:`mutants`.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

Mutator = Callable[[bytes, str, random.Random], tuple[bytes, str]]

_NUM = re.compile(rb"\d+")


@dataclass(frozen=True, slots=True)
class Seed:
    name: str  # a file name with the form's extension
    data: bytes
    origin: str  # real | district | kinds | generated


@dataclass(frozen=True, slots=True)
class Mutant:
    name: str  # file name to write it under (unique, keeps a telling extension)
    data: bytes
    mutation: str
    detail: str
    seed: str


# -- seeds -----------------------------------------------------------------------------------------
def corpus_seeds(corpus_root: Path) -> list[Seed]:
    """Every raw file of the shared corpus: ``real/raw``, ``kinds/raw``, ``districts/*/raw``."""
    out: list[Seed] = []
    for origin, pattern in (("real", "real/raw/*"), ("kinds", "kinds/raw/*"), ("district", "districts/*/raw/*")):
        for p in sorted(corpus_root.glob(pattern)):
            if p.is_file():
                out.append(Seed(p.name, p.read_bytes(), origin))
    return out


def generated_seeds(n: int, seed: int = 12) -> list[Seed]:
    """``n`` generated reports, cycling through page text, HTML, Markdown, XLSX, DOCX and JSON."""
    from pipeline.render.docx import render_docx
    from pipeline.render.html import render_html
    from pipeline.render.markdown import render_markdown
    from pipeline.render.page_text import render_page_text
    from pipeline.render.xlsx_template import render_xlsx
    from pipeline.synth.generate import generate_report

    forms: list[tuple[str, Callable]] = [
        ("txt", lambda r: render_page_text(r).encode("utf-8")),
        ("html", lambda r: render_html(r).encode("utf-8")),
        ("md", lambda r: render_markdown(r).encode("utf-8")),
        ("xlsx", render_xlsx),
        ("docx", render_docx),
        ("json", lambda r: r.to_json().encode("utf-8")),
    ]
    rng = random.Random(f"fuzz-seeds-{seed}")
    out = []
    for i in range(n):
        ext, render = forms[i % len(forms)]
        report = generate_report(rng, rng.choice(("v2019", "v2021")))
        out.append(Seed(f"gen{i:02d}.{ext}", render(report), "generated"))
    return out


# -- helpers ---------------------------------------------------------------------------------------
def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else "txt"


def _is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _main_part(z: zipfile.ZipFile) -> str | None:
    names = z.namelist()
    for cand in ("word/document.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet1.xml"):
        if cand in names:
            return cand
    xml = [n for n in names if n.endswith(".xml")]
    return xml[0] if xml else None


def _rezip(data: bytes, edit: Callable[[str, bytes], bytes]) -> bytes:
    """The package with every part passed through ``edit(part name, bytes)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, edit(info.filename, src.read(info.filename)))
    return buf.getvalue()


def _on_text(data: bytes, name: str, f: Callable[[bytes], bytes]) -> bytes:
    """Apply a byte-text mutation to a text file, or to the main XML part of a DOCX/XLSX package."""
    if _is_zip(data):
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
            part = _main_part(z)
        except zipfile.BadZipFile:
            return f(data)
        if part is None:
            return f(data)
        return _rezip(data, lambda n, b: f(b) if n == part else b)
    return f(data)


def _numbers(b: bytes) -> list[re.Match]:
    return list(_NUM.finditer(b))


def _replace_some(b: bytes, rng: random.Random, make: Callable[[bytes], bytes], share: float) -> bytes:
    ms = _numbers(b)
    if not ms:
        return b + make(b"7")
    chosen = sorted(rng.sample(ms, max(1, int(len(ms) * share))), key=lambda m: m.start())
    out, last = [], 0
    for m in chosen:
        out += [b[last:m.start()], make(m.group())]
        last = m.end()
    out.append(b[last:])
    return b"".join(out)


# -- mutations -------------------------------------------------------------------------------------
def truncated(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    how = rng.choice(("anywhere", "anywhere", "head", "tail", "one_byte"))
    if how == "one_byte":
        return data[:1], "1 byte"
    if how == "head":
        k = rng.randint(1, min(len(data), 512))
    elif how == "tail":
        k = max(1, len(data) - rng.randint(1, min(len(data), 512)))
    else:
        k = rng.randint(1, max(1, len(data) - 1))
    return data[:k], f"{k} of {len(data)} bytes"


def bytes_flipped(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    k = rng.choice((1, 4, 32, 256))
    inner = _is_zip(data) and rng.random() < 0.5

    def flip(b: bytes) -> bytes:
        a = bytearray(b)
        for _ in range(k):
            if a:
                a[rng.randrange(len(a))] = rng.randrange(256)
        return bytes(a)

    return (_on_text(data, name, flip) if inner else flip(data)), f"{k} bytes{' inside the XML' if inner else ''}"


def cells_swapped(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    how = rng.choice(("numbers", "lines", "rows"))

    def swap(b: bytes) -> bytes:
        if how == "numbers":
            ms = _numbers(b)
            if len(ms) < 2:
                return b
            vals = [m.group() for m in ms]
            idx = rng.sample(range(len(ms)), min(len(ms), rng.choice((2, 6, 40))))
            perm = idx[:]
            rng.shuffle(perm)
            new = vals[:]
            for i, j in zip(idx, perm, strict=True):
                new[i] = vals[j]
            out, last = [], 0
            for m, v in zip(ms, new, strict=True):
                out += [b[last:m.start()], v]
                last = m.end()
            out.append(b[last:])
            return b"".join(out)
        sep = b"</w:tr>" if b"</w:tr>" in b else b"</row>" if b"</row>" in b else b"</tr>" if b"</tr>" in b else b"\n"
        parts = b.split(sep)
        if len(parts) < 3:
            return b
        body = parts[1:-1] if how == "rows" else parts
        for _ in range(rng.choice((1, 3, 10))):
            i, j = rng.randrange(len(body)), rng.randrange(len(body))
            body[i], body[j] = body[j], body[i]
        parts = [parts[0], *body, parts[-1]] if how == "rows" else body
        return sep.join(parts)

    return _on_text(data, name, swap), how


def encoding(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            return data[::-1], "reversed (undecodable seed)"
    how = rng.choice(("gb18030", "utf-16", "utf-16-le", "utf-16-be", "big5", "shift_jis", "mojibake",
                      "utf8_bom_gbk", "utf32", "latin1_lies", "cp1252"))
    if how == "mojibake":
        return text.encode("utf-8").decode("latin-1").encode("utf-8"), how
    if how == "utf8_bom_gbk":
        return b"\xef\xbb\xbf" + text.encode("gb18030"), how
    if how == "latin1_lies":
        return text.replace("utf-8", "iso-8859-1").replace("UTF-8", "ISO-8859-1").encode("gb18030"), how
    if how == "utf32":
        return text.encode("utf-32"), how
    return text.encode(how, errors="replace"), how


def huge_numbers(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    digits = rng.choice((13, 20, 40, 400, 5000, 100_000))
    how = rng.choice(("digits", "digits", "exponent", "decimals"))

    def make(_: bytes) -> bytes:
        if how == "exponent":
            return rng.choice((b"1e400", b"9.9E+308", b"1e-400", b"inf", b"NaN"))
        if how == "decimals":
            return b"1." + b"3" * min(digits, 400)
        return b"9" * digits

    share = rng.choice((0.01, 0.1, 0.5))
    return _on_text(data, name, lambda b: _replace_some(b, rng, make, share)), f"{how} {digits} share {share}"


def negative(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    sign = rng.choice(("-", "－", "−", "()"))

    def make(v: bytes) -> bytes:
        return b"(" + v + b")" if sign == "()" else sign.encode() + v

    share = rng.choice((0.05, 0.3, 1.0))
    return _on_text(data, name, lambda b: _replace_some(b, rng, make, share)), f"{sign} share {share}"


def nested_html(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    depth = rng.choice((1_000, 10_000, 100_000))
    tag = rng.choice(("div", "span", "table", "font", "td"))
    if tag == "table":
        open_, close = b"<table><tr><td>", b"</td></tr></table>"
    else:
        open_, close = f"<{tag}>".encode(), f"</{tag}>".encode()
    body = data if not _is_zip(data) else b"<p>x</p>"
    unclosed = rng.random() < 0.3
    doc = b"<html><body>" + open_ * depth + body + (b"" if unclosed else close * depth) + b"</body></html>"
    return doc, f"{depth} x <{tag}>{' unclosed' if unclosed else ''}"


def enormous_line(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    size = rng.choice((1, 2, 4, 8)) * 2**20
    how = rng.choice(("digits", "chinese", "spaced_numbers", "tabs", "cells", "label_repeat"))
    if how == "digits":
        line = (b"1234567890" * (size // 10 + 1))[:size]
    elif how == "chinese":
        line = ("政府信息公开" * (size // 18 + 1)).encode("utf-8")[:size // 3 * 3]
    elif how == "spaced_numbers":
        line = b" ".join(str(rng.randrange(1000)).encode() for _ in range(size // 4))
    elif how == "tabs":
        line = b"\t" * size
    elif how == "cells":
        line = b"\t".join(b"0" for _ in range(size // 2))
    else:
        line = ("（一）予以公开 " * (size // 24 + 1)).encode("utf-8")
    if _is_zip(data):
        return _on_text(data, name, lambda b: b.replace(b"<w:t>", b"<w:t>" + line, 1) if b"<w:t>" in b
                        else b.replace(b"<v>", b"<v>" + line[:2**20], 1)), f"{how} {len(line):,} bytes in the XML"
    lines = data.split(b"\n")
    at = rng.randrange(len(lines) + 1)
    return b"\n".join([*lines[:at], line, *lines[at:]]), f"{how} {len(line):,} bytes at line {at}"


def repeated(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    n = rng.choice((20, 50, 200))
    if _is_zip(data):
        def rep(b: bytes) -> bytes:
            for open_, close in ((b"<w:body>", b"</w:body>"), (b"<sheetData>", b"</sheetData>")):
                if open_ in b and close in b:
                    head, rest = b.split(open_, 1)
                    inner, tail = rest.split(close, 1)
                    return head + open_ + inner * n + close + tail
            return b
        return _on_text(data, name, rep), f"body x {n} in the XML"
    return data * n, f"x {n}"


def _bomb_zip(part_names: Sequence[tuple[str, bytes]], big: str, size: int, head: bytes, tail: bytes,
              zip64: bool = True) -> bytes:
    """A package whose ``big`` part is ``head`` + ``size`` bytes of padding + ``tail``, really deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for n, b in part_names:
            if n != big:
                z.writestr(n, b)
        with z.open(big, "w", force_zip64=zip64) as f:
            f.write(head)
            chunk = b" " * 2**20
            for _ in range(size // 2**20):
                f.write(chunk)
            f.write(tail)
    return buf.getvalue()


def _lying_sizes(data: bytes, part: str, fake: int) -> bytes:
    """The package with ``part``'s declared uncompressed size set to ``fake`` in its headers."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo(part)
    a = bytearray(data)
    # local header: uncompressed size at +22; central directory entry: at +24
    lh = info.header_offset
    a[lh + 22:lh + 26] = fake.to_bytes(4, "little")
    cd, name = -1, part.encode()
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + n] == name:
            cd = pos
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    if cd != -1:
        a[cd + 24:cd + 28] = fake.to_bytes(4, "little")
    return bytes(a)


def _ooxml_seed(data: bytes, name: str) -> tuple[list[tuple[str, bytes]], str, str]:
    """(parts, main part, extension) of a DOCX/XLSX seed; a minimal DOCX skeleton for other seeds."""
    if _is_zip(data):
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
            part = _main_part(z)
            if part is not None:
                return [(n, z.read(n)) for n in z.namelist()], part, "xlsx" if part.startswith("xl/") else "docx"
        except zipfile.BadZipFile:
            pass
    from pipeline.render.docx import render_docx
    from pipeline.synth.generate import generate_report

    z = zipfile.ZipFile(io.BytesIO(render_docx(generate_report(random.Random(len(data)), "v2021"))))
    return [(n, z.read(n)) for n in z.namelist()], "word/document.xml", "docx"


def zip_bomb(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    parts, main, ext = _ooxml_seed(data, name)
    body = dict(parts)[main]
    how = rng.choice(("deflate_300m", "deflate_100m", "lying_size", "many_parts"))
    if how == "lying_size":  # headers claim 1 KiB; the part is its real size
        bomb = _bomb_zip(parts, main, 2 * 2**20, body[:-20], body[-20:], zip64=False)
        return _lying_sizes(bomb, main, 1024), how + "." + ext
    if how == "many_parts":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in parts:
                z.writestr(n, b)
            for i in range(20_000):
                z.writestr(f"customXml/item{i}.xml", b"<a/>")
        return buf.getvalue(), how + "." + ext
    size = (300 if how == "deflate_300m" else 100) * 2**20
    # padding inside the root element, after the XML declaration: still well-formed XML
    cut = body.find(b">", body.find(b"<", 5 if body.startswith(b"<?xml") else 0) + 1) + 1
    if body.startswith(b"<?xml"):
        cut = body.find(b">", body.find(b"?>") + 2) + 1
    return _bomb_zip(parts, main, size, body[:cut], body[cut:]), how + "." + ext


_XXE = {
    "file": b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    "http": b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>',
    "laughs": b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
              b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
              b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
              b'<!ENTITY xxe "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>',
    "param": b'<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
}


def xml_entities(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    parts, main, ext = _ooxml_seed(data, name)
    how = rng.choice(sorted(_XXE))
    target = rng.choice((main, "[Content_Types].xml", "docProps/core.xml", "xl/sharedStrings.xml", "xl/workbook.xml"))
    names = dict(parts)
    if target not in names:
        target = main
    body = names[target]
    decl_end = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
    body = body[:decl_end] + _XXE[how] + body[decl_end:]
    # the entity used where text goes
    for marker in (b"<w:t>", b"<t>", b"<v>", b"<dc:title>"):
        if marker in body:
            body = body.replace(marker, marker + b"&xxe;", 1)
            break
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts:
            z.writestr(n, body if n == target else b)
    return buf.getvalue(), f"{how} in {target} ({ext})"


def junk(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    how = rng.choice(("random", "pdf_magic", "zip_magic", "ole2", "nuls", "whitespace", "bom_only", "html_magic"))
    n = rng.choice((16, 1024, 65536))
    r = bytes(rng.randrange(256) for _ in range(n))
    return {
        "random": r,
        "pdf_magic": b"%PDF-1.7\n" + r,
        "zip_magic": b"PK\x03\x04" + r,
        "ole2": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + r,
        "nuls": b"\x00" * n,
        "whitespace": b" \r\n\t" * n,
        "bom_only": b"\xef\xbb\xbf",
        "html_magic": b"<html>" + r,
    }[how], f"{how} {n}"


def json_shape(data: bytes, name: str, rng: random.Random) -> tuple[bytes, str]:
    from pipeline.synth.generate import generate_report

    doc = json.loads(generate_report(random.Random(len(data)), "v2021").to_json())
    how = rng.choice(("value_text", "value_huge", "value_negative", "deep", "missing_cells", "cells_not_list",
                      "template_wrong", "value_float", "meta_weird"))
    if how == "deep":
        d = rng.choice((1000, 100_000))
        return b"[" * d + b"]" * d, f"{how} {d}"
    cell = rng.choice(doc["cells"])
    if how == "value_text":
        cell["value"] = "<script>alert(1)</script>"
    elif how == "value_huge":
        return json.dumps(doc, ensure_ascii=False).replace(f'"value": {json.dumps(cell["value"])}',
                                                           '"value": 1e400', 1).encode(), how
    elif how == "value_negative":
        for c in doc["cells"]:
            if isinstance(c["value"], int):
                c["value"] = -c["value"] - 1
    elif how == "missing_cells":
        del doc["cells"]
    elif how == "cells_not_list":
        doc["cells"] = {"a": 1}
    elif how == "template_wrong":
        doc["template"] = "v1999"
    elif how == "value_float":
        cell["value"] = 0.5
    else:
        doc["meta"] = {"agency": ["x"], "year": "二〇二一", "title": 7}
    return json.dumps(doc, ensure_ascii=False).encode(), how


MUTATIONS: dict[str, Mutator] = {
    "truncated": truncated,
    "bytes_flipped": bytes_flipped,
    "cells_swapped": cells_swapped,
    "encoding": encoding,
    "huge_numbers": huge_numbers,
    "negative": negative,
    "nested_html": nested_html,
    "enormous_line": enormous_line,
    "repeated": repeated,
    "zip_bomb": zip_bomb,
    "xml_entities": xml_entities,
    "junk": junk,
    "json_shape": json_shape,
}
#: How often each mutation is drawn, relative to the others (the costly ones are rarer).
WEIGHTS: dict[str, int] = {
    "truncated": 10, "bytes_flipped": 10, "cells_swapped": 10, "encoding": 8, "huge_numbers": 8, "negative": 8,
    "nested_html": 3, "enormous_line": 2, "repeated": 3, "zip_bomb": 1, "xml_entities": 2, "junk": 4, "json_shape": 3,
}
_OUT_EXT = {"nested_html": "html", "json_shape": "json"}


def mutate(s: Seed, mutation: str, rng: random.Random, index: int) -> Mutant:
    data, detail = MUTATIONS[mutation](s.data, s.name, rng)
    ext = _OUT_EXT.get(mutation) or (detail.rsplit(".", 1)[-1] if mutation == "zip_bomb" else None)
    if mutation == "xml_entities":
        ext = detail.rsplit("(", 1)[-1].rstrip(")")
    ext = ext or _ext(s.name)
    stem = s.name.rsplit(".", 1)[0]
    return Mutant(f"{index:04d}-{mutation}-{stem}.{ext}", data, mutation, detail, s.name)


def mutants(seeds: Sequence[Seed], n: int, seed: int = 12, *, every_mutation: bool = True) -> Iterator[Mutant]:
    """``n`` mutants drawn from ``seeds`` (round robin) with weighted mutations; deterministic for ``seed``.

    ``every_mutation``: the first ``len(MUTATIONS)`` mutants use each mutation once, so even a small ``n``
    tries every kind.
    """
    rng = random.Random(f"fuzz-{seed}")
    names = list(MUTATIONS)
    weights = [WEIGHTS[m] for m in names]
    for i in range(n):
        s = seeds[(i * 7919) % len(seeds)] if len(seeds) > 1 else seeds[0]
        m = names[i] if every_mutation and i < len(names) else rng.choices(names, weights)[0]
        yield mutate(s, m, random.Random(f"fuzz-{seed}-{i}"), i)


# -- running -----------------------------------------------------------------------------------------
#: Outcome statuses of one fuzzed file.
PARSED, REJECTED, UNCLEAR, CRASHED, TIMEOUT = "parsed", "rejected", "unclear", "crashed", "timeout"


@dataclass(slots=True)
class Outcome:
    """What the parser did with one mutated file.

    ``parsed``: a report came back; ``rejected``: one :class:`IngestError` line naming the file;
    ``unclear``: an IngestError that is not one line or does not name the file; ``crashed``: any other
    exception; ``timeout``: no answer within the runner's hard limit (the worker was killed).
    """

    path: str
    status: str
    message: str = ""
    seconds: float = 0.0
    cells: int = 0
    notes: int = 0
    warnings: int = 0
    #: For a file that took longer than the watch time: the stack (pipeline frames, innermost first) at
    #: that moment, from :mod:`faulthandler` — where the time goes, even inside a C call (a regex).
    where: tuple[str, ...] = ()


_FRAME_RE = re.compile(r'File "(?P<f>[^"]+)", line (?P<n>\d+) in (?P<fn>\S+)')


def _stack_at(text: str) -> tuple[str, ...]:
    """``module.py:line func`` of the pipeline frames of a faulthandler dump (innermost first)."""
    out = []
    for m in _FRAME_RE.finditer(text):
        f = m.group("f")
        if "/pipeline/" in f and "/synth/fuzz.py" not in f:
            out.append(f"{f.rsplit('/pipeline/', 1)[1]}:{m.group('n')} {m.group('fn')}")
    return tuple(out)


def parse_one(path: str, watch: float | None = None, dump_path: str | None = None) -> Outcome:
    """Parse ``path`` as the annual run does (size limit, form detection, reader) and classify the result.

    ``watch``: seconds after which the stack is recorded (``Outcome.where``) if the parse is still running,
    into ``dump_path`` (where the runner finds it when it had to kill the worker) or a temporary file.
    """
    import faulthandler
    import tempfile
    import time
    import traceback

    from pipeline.ingest import IngestError, parse_file

    dump = (open(dump_path, "w+") if dump_path else tempfile.TemporaryFile("w+")) if watch else None  # noqa: SIM115
    if dump is not None:
        faulthandler.dump_traceback_later(watch, repeat=False, file=dump, exit=False)

    def where() -> tuple[str, ...]:
        if dump is None:
            return ()
        faulthandler.cancel_dump_traceback_later()
        dump.seek(0)
        text = dump.read()
        dump.close()
        return _stack_at(text)

    t = time.perf_counter()
    try:
        report = parse_file(path)
    except IngestError as e:
        dt = time.perf_counter() - t
        msg = str(e)
        ok = "\n" not in msg and msg.startswith(path) and bool(e.reason.strip())
        return Outcome(path, REJECTED if ok else UNCLEAR, msg, dt, where=where())
    except BaseException as e:
        dt = time.perf_counter() - t
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return Outcome(path, CRASHED, f"{type(e).__name__}: {e} at {tb.filename}:{tb.lineno}"[:2000], dt, where=where())
    dt = time.perf_counter() - t
    stack = where()
    try:
        json.loads(report.to_json())  # the parse must be what the warehouse and --json can take
    except Exception as e:
        return Outcome(path, CRASHED, f"parsed, but its JSON fails: {type(e).__name__}: {e}"[:2000], dt, where=stack)
    return Outcome(path, PARSED, "", dt, sum(c.value is not None for c in report.cells), len(report.notes),
                   len(report.warnings), stack)


def _worker(conn, watch: float | None, dump_path: str) -> None:  # pragma: no cover - runs in a child process
    while True:
        path = conn.recv()
        if path is None:
            return
        conn.send(parse_one(path, watch, dump_path))


def run(paths: Sequence[str], *, workers: int = 2, timeout: float = 60.0, watch: float | None = None) -> list[Outcome]:
    """:func:`parse_one` over ``paths`` in ``workers`` child processes, each file killed after ``timeout`` s.

    A worker that takes longer is killed and replaced, and the file recorded as ``timeout`` (with the stack
    at ``watch`` s, when given) — the run itself never hangs. Outcomes come back in the order of ``paths``.
    """
    import multiprocessing as mp
    import time
    from multiprocessing.connection import wait

    ctx = mp.get_context("spawn")
    results: dict[int, Outcome] = {}
    todo = list(enumerate(paths))[::-1]
    slots: list[list] = []  # [process, parent conn, (index, path) | None, started, stack dump file]

    import tempfile

    dumps = tempfile.mkdtemp(prefix="fuzz-watch-")

    def start() -> list:
        parent, child = ctx.Pipe()
        dump = f"{dumps}/{time.perf_counter_ns()}"
        p = ctx.Process(target=_worker, args=(child, watch, dump), daemon=True)
        p.start()
        child.close()
        return [p, parent, None, 0.0, dump]

    for _ in range(max(1, min(workers, len(paths)))):
        slots.append(start())
    try:
        while todo or any(s[2] is not None for s in slots):
            for s in slots:
                if s[2] is None and todo:
                    s[2] = todo.pop()
                    s[3] = time.perf_counter()
                    s[1].send(s[2][1])
            busy = [s[1] for s in slots if s[2] is not None]
            for conn in wait(busy, timeout=0.25):
                s = next(x for x in slots if x[1] is conn)
                index, path = s[2]
                try:
                    out = conn.recv()
                except (EOFError, OSError):  # the worker died (memory, a signal): that file killed it
                    s[0].join(1)
                    out = Outcome(path, CRASHED, f"worker died (exit code {s[0].exitcode})", time.perf_counter() - s[3])
                    s[:] = start()
                results[index] = out
                s[2] = None
            now = time.perf_counter()
            for s in slots:
                if s[2] is not None and now - s[3] > timeout:
                    s[0].kill()
                    s[0].join()
                    dump = Path(s[4])
                    stack = _stack_at(dump.read_text(errors="replace")) if watch and dump.exists() else ()
                    results[s[2][0]] = Outcome(s[2][1], TIMEOUT, f"no answer after {timeout:.0f} s", now - s[3],
                                               where=stack)
                    s[:] = start()
    finally:
        for s in slots:
            with contextlib.suppress(OSError):
                s[1].send(None)
            s[0].join(5)
            if s[0].is_alive():
                s[0].kill()
        import shutil

        shutil.rmtree(dumps, ignore_errors=True)
    return [results[i] for i in range(len(paths))]
