"""Local problems found by trying the parser as a clerk would (S00 of the damage kinds, damaged by hand
in ways real pages are): each must leave every cell right, with a note naming where — never a lost
report, never a silently wrong figure."""

from __future__ import annotations

import pytest
from conftest import CORPUS, skip_or_fail
from support.corpus import load_truth, truth_cells

from pipeline.ingest import parse_bytes

KINDS = CORPUS.parent / "kinds"


@pytest.fixture(scope="module")
def s00() -> str:
    if not (KINDS / "raw").is_dir():
        skip_or_fail(f"corpus not found at {KINDS}")
    return (KINDS / "raw" / "S00_base_2023.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def truth() -> dict:
    return truth_cells(load_truth(KINDS, "S00_base_2023"))


def _once(text: str, a: str, b: str) -> str:
    assert a in text, a
    return text.replace(a, b, 1)


def _between(text: str, a: str, b: str) -> str:
    return text[text.index(a): text.index(b)]


CASES = {
    "a bare page number between rows": lambda s: _once(s, "(四)无法提供", "3\n\n(四)无法提供"),
    "a page mark ·3· between rows": lambda s: _once(s, "(四)无法提供", "·3·\n\n(四)无法提供"),
    "a row printed twice": lambda s: _once(s, "(二)部分公开", _between(s, "(一)予以公开", "(二)部分公开") + "(二)部分公开"),
    "a note with figures inside table 三": lambda s: _once(
        s, "(四)无法提供", "注:其中予以公开73件、行政查询事项4件。\n\n(四)无法提供"),
    "a footnote with dates after table 三": lambda s: _once(
        s, "四、政府信息公开行政复议", "注:本表数据统计时间为2023年1月1日至2023年12月31日。\n\n四、政府信息公开行政复议"),
    "a misprinted table-二 label": lambda s: _once(s, "\n行政许可\n", "\n行政许司\n"),
    "a misprinted table-二 label, second of its block": lambda s: _once(s, "\n行政强制\n", "\n行政强刺\n"),
    "a misprinted table-三 label": lambda s: _once(s, "二、上年结转政府信息公开申请数量", "二、上年结专政府信息公开申请数量"),
}


@pytest.mark.corpus
@pytest.mark.parametrize("case", list(CASES))
def test_local_problem_read_with_a_note(case: str, s00: str, truth: dict) -> None:
    report = parse_bytes(CASES[case](s00).encode(), "r.txt")
    got = report.cell_map()
    wrong = [f"{'/'.join(k)}: want {v}, got {got[k].value} ({got[k].status})" for k, v in truth.items()
             if not (got[k].value == v or (v is None and got[k].value in (None, 0)))]
    assert not wrong, "\n".join(wrong)
    assert not any(c.ambiguous for c in report.cells)
    if "page mark" not in case:  # page furniture goes without a word; everything else is reported
        assert report.notes, "a local problem must be reported"
    assert all(n.table for n in report.notes)


@pytest.mark.corpus
def test_table_four_stated_in_words_is_not_printed(s00: str) -> None:
    grid = _between(s00, "四、政府信息公开行政复议", "五、存在的主要问题")
    words = "四、政府信息公开行政复议、行政诉讼情况\n\n本年度未发生因政府信息公开引起的行政复议、行政诉讼。\n\n"
    for text in (s00.replace(grid, words), s00.replace(grid, "")):
        report = parse_bytes(text.encode(), "r.txt")
        t4 = [c for c in report.cells if c.table == "appeals"]
        assert len(t4) == 15 and all(c.status == "not_printed" and c.value is None for c in t4)
        assert report.value("requests", "total", "total") == 160
        assert any(n.rule == "R-PARSE-NOT-PRINTED" and n.table == "appeals" for n in report.notes)


@pytest.mark.corpus
def test_counts_stay_exact_and_bounded(s00: str) -> None:
    for digits, want in ((30, int("5" * 30)), (400, None)):  # no figure has forty digits: a garbled run is no value
        text = _once(s00, "\n54\n", f"\n{'5' * digits}\n")
        report = parse_bytes(text.encode(), "r.txt")  # never an OverflowError
        assert report.value("requests", "granted", "natural_person") == want
        assert len(max((n.message for n in report.notes), key=len, default="")) < 400
