"""The package check's memo of large parts: the same verdict and bytes as inflating, never a stale hit."""

from __future__ import annotations

import io
import zipfile

import pytest

from pipeline.ingest.errors import IngestError
from pipeline.ingest.forms import package


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return buf.getvalue()


STYLES = b"<?xml version='1.0'?><styles>" + b"<style id='x'/>" * 5000 + b"</styles>"


def test_a_part_of_one_file_only_is_not_kept():
    body = b"<d>" + b"<p>unique</p>" * 2000 + b"</d>"
    package.check_package(_zip({"word/document.xml": body}), "a.docx", ".docx")
    assert not any(v is body or v == body for v in package._INFLATED._parts.values())


def test_a_shared_large_part_is_inflated_once_and_given_back_unchanged(monkeypatch):
    a = _zip({"word/document.xml": b"<d>1</d>", "word/styles.xml": STYLES})
    b = _zip({"word/document.xml": b"<d>2</d>", "word/styles.xml": STYLES})
    for _ in range(2):  # a part is kept once seen twice
        assert package.check_package(a, "a.docx", ".docx")["word/styles.xml"] == STYLES
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info, *a, **k: opened.append(info.filename) or real_open(self, info, *a, **k))
    second = package.check_package(b, "b.docx", ".docx")
    assert second == {"word/document.xml": b"<d>2</d>", "word/styles.xml": STYLES}
    assert opened == ["word/document.xml"]  # the styles came from the memo


def test_the_memo_never_lets_a_changed_part_or_a_smaller_limit_through():
    for _ in range(3):
        package.check_package(_zip({"word/styles.xml": STYLES}), "a.docx", ".docx")
    evil = STYLES.replace(b"<styles>", b"<!DOCTYPE x [<!ENTITY e 'e'>]><styles>", 1)
    with pytest.raises(IngestError, match="declares a DOCTYPE"):
        package.check_package(_zip({"word/styles.xml": evil}), "evil.docx", ".docx")
    with pytest.raises(IngestError, match="unpacks"):
        package.check_package(_zip({"word/styles.xml": STYLES}), "a.docx", ".docx", limit=len(STYLES) - 1)


def _central_name(data: bytes, old: str, new: bytes) -> bytes:
    """``data`` with one central-directory entry renamed from ``old`` to ``new`` (its local header unchanged)."""
    cd = data.index(b"PK\x01\x02")
    while data[cd + 46: cd + 46 + len(old)] != old.encode():
        cd = data.index(b"PK\x01\x02", cd + 4)
    n = int.from_bytes(data[cd + 28: cd + 30], "little")
    entry = data[cd: cd + 28] + len(new).to_bytes(2, "little") + data[cd + 30: cd + 46] + new + data[cd + 46 + n:]
    out = data[:cd] + entry
    eocd = out.rindex(b"PK\x05\x06")
    size = int.from_bytes(out[eocd + 12: eocd + 16], "little") + len(new) - n
    return out[:eocd + 12] + size.to_bytes(4, "little") + out[eocd + 16:]


def test_a_remembered_part_does_not_excuse_names_that_differ_between_headers():
    clean = _zip({"word/document.xml": b"<d>1</d>", "word/styles.xml": STYLES})
    bad = _central_name(clean, "word/styles.xml", b"word/styles.xml\x00x")
    with pytest.raises(IngestError):  # refused cold: the central directory and the local header disagree
        package.check_package(bad, "bad.docx", ".docx")
    for _ in range(3):
        package.check_package(clean, "a.docx", ".docx")
    with pytest.raises(IngestError):  # and just as refused once the clean part is remembered
        package.check_package(bad, "bad.docx", ".docx")


def test_the_memo_counts_what_it_holds_and_is_bounded(monkeypatch):
    memo = package._Inflated(64 * 1024)
    monkeypatch.setattr(package, "MEMO_MAX_ENTRIES", 10)
    for i in range(40):  # empty parts with large stored forms: bounded by bytes held and by count
        key = (f"p{i}", 0, 8, 1, 0, 0, b"x" * 5000)
        memo.put(key, b"")
        memo.put(key, b"")
    assert len(memo._parts) <= 10 and memo.size <= 64 * 1024
    assert memo.size == sum(memo.cost(k, v) for k, v in memo._parts.items())


def _docx_main_part_renamed(body: bytes, target: str) -> bytes:
    """A generated docx whose relationships name ``target`` as the main document, holding ``body``."""
    import random

    from pipeline.render.docx import render_docx
    from pipeline.synth.generate import generate_report

    src = zipfile.ZipFile(io.BytesIO(render_docx(generate_report(random.Random(1), "v2021"))))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n in src.namelist():
            data = src.read(n)
            if n == "_rels/.rels":
                data = data.replace(b"word/document.xml", target.encode())
            z.writestr(target if n == "word/document.xml" else n, body if n == "word/document.xml" else data)
    return buf.getvalue()


def test_a_main_document_not_named_xml_is_read_under_the_same_checks():
    from pipeline.ingest import parse_bytes

    bomb = b"<d>" + b" " * (65 * 2**20) + b"</d>"  # past the default 64 MiB limit
    with pytest.raises(IngestError, match="zip bomb"):
        parse_bytes(_docx_main_part_renamed(bomb, "word/document.bin"), "bomb.docx")
    with pytest.raises(IngestError, match="declares a DOCTYPE"):
        parse_bytes(_docx_main_part_renamed(b"<!DOCTYPE d [<!ENTITY e 'x'>]><d/>", "word/document.bin"), "dtd.docx")


def test_the_limit_of_a_part_read_alone(monkeypatch):
    data = _zip({"word/document.bin": b"<d>" + b"x" * 5000 + b"</d>"})
    assert package.read_part(data, "word/document.bin", "a.docx", ".docx", limit=10_000).startswith(b"<d>")
    with pytest.raises(IngestError, match="zip bomb"):
        package.read_part(data, "word/document.bin", "a.docx", ".docx", limit=1_000)
    with pytest.raises(KeyError):
        package.read_part(data, "word/missing.bin", "a.docx", ".docx")
