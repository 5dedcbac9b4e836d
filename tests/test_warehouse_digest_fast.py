"""The fast parse digest (orjson over sorted-key dicts) equals the standard library's canonical JSON digest,
value by value, and every report outside what it spells alike takes the standard path."""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.ingest import parse_bytes
from pipeline.model import Cell, ParsedReport
from pipeline.synth import generate_report
from pipeline.warehouse import load
from pipeline.warehouse.load import parse_digest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _reference(report: ParsedReport) -> str:
    text = json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_fast_path_is_on_and_agrees_with_to_dict():
    assert load._FAST_DIGEST
    r = generate_report(random.Random(3), "v2021")
    assert load._orjson_spells_alike(r)
    assert load._canonical_dict(r) == r.to_dict()
    r.cells[0] = replace(r.cells[0], value=1e-5)
    assert not load._orjson_spells_alike(r)
    assert list(load._canonical_dict(r)) == sorted(r.to_dict())


def test_generated_reports_of_every_shape():
    rng = random.Random(11)
    for i in range(150):
        r = generate_report(rng, ("v2019", "v2021")[i % 2], single_other=i % 3 == 0)
        assert parse_digest(r) == _reference(r)


def test_parsed_corpus_reports():
    files = [p for d in ("real/raw", "kinds/raw", "districts/pingtan-2022/raw") if (CORPUS / d).is_dir()
             for p in sorted((CORPUS / d).iterdir()) if p.suffix in (".txt", ".html", ".md")]
    if not files:
        pytest.skip("no shared corpus")
    for p in files:
        r = parse_bytes(p.read_bytes(), p.name)
        assert parse_digest(r) == _reference(r), p.name


EDGE_NUMBERS = [0, -0.0, 0.0, 1, -1, 2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64 - 1, 2**64, 2**70, -2**70, 10**40,
                1e-5, 3.5e-7, -2e-9, 1e-4, 0.0001, 9.99e-5, 1e15, 9999999999999998.0, 1e16, -1e16, 1.5e300, 5e-324,
                math.nan, math.inf, -math.inf, 12.5, 0.1, 1 / 3, True, False, None]


@pytest.mark.parametrize("value", EDGE_NUMBERS, ids=repr)
def test_edge_numbers_in_values_candidates_and_meta(value):
    r = generate_report(random.Random(1), "v2021")
    r.cells[3] = replace(r.cells[3], value=value)
    r.cells[4] = replace(r.cells[4], candidates=[value, 7, None])
    assert parse_digest(r) == _reference(r)
    r = generate_report(random.Random(1), "v2021")
    r.meta.year = value
    assert parse_digest(r) == _reference(r)


EDGE_TEXTS = ["".join(map(chr, range(0x00, 0x80))), "\x7f\x80\x9f\xa0\xad", "\u2028\u2029\ufeff\ufffe\uffff",
              "\U0001f600 \U00020000 \U0010ffff", "引号\"反斜杠\\\n\r\t\b\f/</script>", "", " ", "\x00"]


@pytest.mark.parametrize("text", EDGE_TEXTS, ids=range(len(EDGE_TEXTS)))
def test_edge_strings_everywhere(text):
    r = generate_report(random.Random(4), "v2019")
    r.meta.title = text
    r.meta.agency = text
    r.cells[0] = replace(r.cells[0], raw=text)
    r.sections[next(iter(r.sections))] = text
    r.warnings.append(text)
    r.note("R-PARSE-LAYOUT", text, "requests", text, None)
    assert parse_digest(r) == _reference(r)


def test_every_code_point():
    r = generate_report(random.Random(6), "v2021")
    points = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    for k in range(0, len(points), 200_000):
        r.meta.title = "".join(points[k:k + 200_000])
        r.cells[1] = replace(r.cells[1], raw="".join(points[k:k + 5000]))
        assert parse_digest(r) == _reference(r)


def test_a_lone_surrogate_fails_as_it_always_did():
    for where in ("title", "raw", "warning"):
        r = generate_report(random.Random(2), "v2021")
        if where == "title":
            r.meta.title = "bad \ud800"
        elif where == "raw":
            r.cells[2] = replace(r.cells[2], raw="\udfff")
        else:
            r.warnings.append("x\ud83d")
        with pytest.raises(UnicodeEncodeError):
            _reference(r)
        with pytest.raises(UnicodeEncodeError):
            parse_digest(r)


class _Str(str):
    pass


class _Int(int):
    pass


class _Cell(Cell):
    __slots__ = ()


def test_unusual_kinds_digest_alike():
    r = generate_report(random.Random(8), "v2021")
    base = _reference(r)
    variants = []
    v = replace(r, cells=list(r.cells))
    v.cells[0] = replace(v.cells[0], candidates=(1, 2))  # a tuple: to_dict lists it
    variants.append(v)
    v = replace(r, cells=list(r.cells))
    v.cells[0] = replace(v.cells[0], raw=_Str("12"))
    variants.append(v)
    v = replace(r, cells=list(r.cells))
    c = v.cells[0]
    v.cells[0] = _Cell(c.table, c.row, c.col, c.value, c.raw, c.ambiguous, c.status, list(c.candidates))
    variants.append(v)
    v = replace(r, warnings=tuple(r.warnings))
    variants.append(v)
    v = replace(r, cells=list(r.cells))
    v.cells[5] = replace(v.cells[5], value=_Int(3), candidates=[_Int(2), 2.5, 1e-7])
    variants.append(v)
    for v in variants:
        assert parse_digest(v) == _reference(v)
    assert parse_digest(r) == base
