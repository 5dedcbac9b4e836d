"""Page-text and HTML renderers: the layout of the real report 00 and well-formed pages with merged cells."""

from __future__ import annotations

import random
import re
from pathlib import Path

import lxml.html
import pytest

from pipeline import vocabulary as voc
from pipeline.model import Cell, Meta, ParsedReport
from pipeline.render.html import render_html
from pipeline.render.layout import placed, table_grids
from pipeline.render.page_text import render_page_text
from pipeline.synth import generate_report

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "00_qujiang_govoffice_2021.txt"


def report_00() -> ParsedReport:
    """The cells of report 00 (the origin report), typed in from its page."""
    nonzero = {("proactive", "normative_docs", "issued"): 4, ("proactive", "normative_docs", "repealed"): 17,
               ("proactive", "normative_docs", "in_force"): 43}
    for row, n in (("new_received", 11), ("granted", 3), ("partial", 2), ("unable.not_held", 4),
                   ("not_processed.duplicate", 1), ("other.misc", 1), ("total", 11)):
        nonzero[("requests", row, "natural_person")] = nonzero[("requests", row, "total")] = n
    cells = [Cell(*k, nonzero.get(k, 0), str(nonzero.get(k, 0))) for k in voc.cell_keys("v2021")]
    meta = Meta("衢江区人民政府办公室", 2021, "衢江区人民政府办公室2021年政府信息公开工作年度报告", "2022-01-29", "330803-003/2022-47148")
    return ParsedReport("v2021", meta, cells)


def _squash(text: str, start: str, end: str) -> str:
    body = text[text.index(start): text.index(end)]
    return re.sub(r"\s+", "", body)


def test_page_text_tables_match_report_00_cell_for_cell() -> None:
    """Tables 三 and 四 print exactly the cell sequence of the real page (whitespace aside)."""
    real = FIXTURE.read_text(encoding="utf-8")
    ours = render_page_text(report_00(), half_width=True)
    start, end = "三、收到和处理政府信息公开申请情况", "五、存在的主要问题"
    assert _squash(ours, start, end) == _squash(real, start, end)
    # table 二: the same labels and numbers in the same order, bar the real page's misprinted headers
    real_t2 = _squash(real, "第二十条第(一)项", "三、收到").replace("本年发件", "本年制发件数").replace("现行有效件", "现行有效件数")
    assert _squash(ours, "第二十条第(一)项", "三、收到") == real_t2


def test_page_text_chrome_and_meta_lines() -> None:
    text = render_page_text(report_00())
    lines = text.splitlines()
    assert lines[0] == "当前位置:首页"
    assert "索引号: 330803-003/2022-47148 公开方式: 主动公开" in lines
    assert "衢江区人民政府办公室2021年政府信息公开工作年度报告" in lines
    assert any(line.startswith("发布日期:2022-01-29 ") for line in lines)
    assert lines[-2:] == ["关闭", "打印"]
    for heading in voc.SECTIONS.values():
        assert any(line.strip("\xa0 ") == heading for line in lines), heading


@pytest.mark.parametrize(("version", "single_other"), [("v2019", False), ("v2021", False), ("v2021", True)])
def test_page_text_prints_every_cell_once_in_order(version: str, single_other: bool) -> None:
    rng = random.Random(1)
    for _ in range(30):
        r = generate_report(rng, version, single_other=single_other, blank_style="zero")
        text = render_page_text(r, wrap_headers=False)
        lines = [line for line in text.splitlines() if line.strip()]
        # every row label is followed by its values, one per line
        for table in ("proactive", "requests"):
            for row in voc.rows(table, version, single_other=single_other):
                label = voc.short_label(table, "row", row, version)
                i = lines.index(label)
                want = [r.cell_map()[(table, row, c)].raw for c in voc.row_cols(table, version, row)]
                assert lines[i + 1: i + 1 + len(want)] == want, (table, row)
        t4 = [r.cell_map()[("appeals", g, c)].raw for g in voc.rows("appeals", version) for c in voc.cols("appeals", version)]
        i = next(k for k, line in enumerate(lines) if line.strip("\xa0 ") == voc.SECTIONS["problems"])
        assert lines[i - 15: i] == t4
        if version == "v2019":
            assert "政府集中采购" in lines and "本年增/减" in lines


def test_blank_cells_are_no_break_space_lines() -> None:
    r = generate_report(random.Random(2), "v2021", blank_style="blank")
    lines = render_page_text(r).splitlines()
    i = lines.index("一、本年新收政府信息公开申请数量")
    values = [x for x in lines[i + 1:] if x != ""][:7]
    expected = [c.raw or "\xa0" for c in r.cells if c.table == "requests" and c.row == "new_received"]
    assert values == expected


def test_html_is_a_full_page_with_merged_cells() -> None:
    r = generate_report(random.Random(4), "v2021", single_other=False, blank_style="zero")
    page = render_html(r)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    doc = lxml.html.fromstring(page.encode("utf-8"))
    assert doc.findtext(".//title") == r.meta.title
    tables = doc.findall(".//table")
    assert len(tables) == 3
    t3 = tables[1]
    group = t3.xpath(".//td[normalize-space()='三、本年度办理结果']")[0]
    assert group.get("rowspan") == str(2 + 8 + 3 + 5 + 3 + 1)
    assert t3.xpath(".//td[normalize-space()='（六）其他处理']")[0].get("rowspan") == "3"
    # every data row of table 三 has 7 numbers in its last seven cells
    for tr in t3.findall(".//tr")[3:]:
        tds = [td.text_content().strip() for td in tr.findall("td")]
        assert all(re.fullmatch(r"\d+", x) for x in tds[-7:]), tds
    numbers = [td.text_content() for td in tables[2].findall(".//tr")[-1].findall("td")]
    assert numbers == [r.cell_map()[("appeals", g, c)].raw for g in voc.rows("appeals", "v2021") for c in voc.cols("appeals", "v2021")]


def test_html_escapes_text() -> None:
    r = report_00()
    r.meta.agency = "A<b>&局"
    r.sections["overview"] = "<script>alert(1)</script>"
    page = render_html(r)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "A&lt;b&gt;&amp;局" in page


def test_grids_are_rectangular() -> None:
    for version, single in (("v2019", False), ("v2021", False), ("v2021", True)):
        r = generate_report(random.Random(0), version, single_other=single)
        for code, grid in table_grids(r, wrap=True).items():
            width, cells = placed(grid)
            area = sum(c.rowspan * c.colspan for _, _, c in cells)
            assert area == width * len(grid), (version, code)
            assert {c.key for _, _, c in cells if c.key} == {k for k in voc.cell_keys(version, single_other=single) if k[0] == code}
