"""The parse digest is the sha256 of the canonical JSON the warehouse has always stored, whichever encoder writes it."""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import replace

import pytest

from pipeline.model import ParsedReport
from pipeline.synth import generate_report
from pipeline.warehouse.load import parse_digest


def _reference(report: ParsedReport) -> str:
    text = json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_generated_reports_digest_as_the_canonical_json():
    rng = random.Random(5)
    for i in range(60):
        r = generate_report(rng, "v2019" if i % 3 == 0 else "v2021")
        r.meta.title = "《政府信息公开》\u2028年度报告 \"引号\" \\ 反斜杠"  # escapes orjson and json must spell alike
        assert parse_digest(r) == _reference(r)


@pytest.mark.parametrize("value", [1e-05, 3.5e-7, -2e-9, math.nan, math.inf, -math.inf, 2**70, 1e16, 1.5e300, -0.0,
                                   0.0001, 12.5])
def test_numbers_orjson_spells_otherwise_take_the_standard_path(value):
    r = generate_report(random.Random(1), "v2021")
    r.cells[3] = replace(r.cells[3], value=value)
    r.cells[4] = replace(r.cells[4], candidates=[value, 7])
    assert parse_digest(r) == _reference(r)


def test_a_lone_surrogate_fails_as_it_always_did():
    r = generate_report(random.Random(2), "v2021")
    r.meta.title = "bad \ud800"
    with pytest.raises(UnicodeEncodeError):
        _reference(r)
    with pytest.raises(UnicodeEncodeError):
        parse_digest(r)
