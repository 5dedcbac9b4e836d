"""The format-independent core: tokens, run-together digits, identities, version, units, forms.

Crawler dumps are imitated from generated reports (labels and digits concatenated with no
separator, as in reports 08 and 13): every cell must come back right or be marked ambiguous —
never a wrong value without a flag.
"""

from __future__ import annotations

import random

import pytest

from pipeline import vocabulary as voc
from pipeline.ingest import parse_bytes
from pipeline.ingest.forms.html import html_lines
from pipeline.ingest.forms.markdown import markdown_lines
from pipeline.ingest.numbers import Tok, cell_value, readings, tokenize
from pipeline.ingest.recognize import detect_version, parse_lines
from pipeline.model import ParsedReport
from pipeline.render.html import render_html
from pipeline.render.page_text import render_page_text
from pipeline.synth import generate_report

# -- tokens and readings ---------------------------------------------------------------------------


def test_tokenize_explicit_cells_keep_blanks() -> None:
    toks = tokenize("\t26\t\t\t\t\t\t26", base=0)
    assert [(t.text, t.blank) for t in toks] == [("26", False)] + [("", True)] * 5 + [("26", False)]


def test_tokenize_drops_digits_inside_words_and_keeps_notes() -> None:
    toks = tokenize("类别\t数据1\t数据2\n22\n(其中修订16件)\n55")
    assert [t.text for t in toks] == ["22", "55"]
    assert toks[0].raw == "22(其中修订16件)"


def test_tokenize_edge_pieces_belong_to_the_labels_around() -> None:
    seg = "一、本年新收3\t26\t—\t\t5(其中1件)\n\t0\t二、上年结转"
    toks = tokenize(seg, base=100)
    assert [(t.text or "·", t.blank, t.note) for t in toks] == [
        ("26", False, ""), ("—", True, ""), ("·", True, ""), ("5", False, "(其中1件)"), ("·", True, ""), ("0", False, "")]
    assert [t.end for t in toks] == [110, 112, 113, 115, 122, 124]  # offsets just after each cell
    # read as cells, the edge pieces count too (a label with a digit in it is still no number)
    assert [t.text or "·" for t in tokenize(seg, edge_cells=True)] == ["26", "—", "·", "5", "·", "0"]
    assert [(t.text, t.word) for t in tokenize("合计 无 12 件数 第3项", words=True)] == [
        ("合计", True), ("无", False), ("12", False), ("件数", True), ("第", True), ("3", False), ("项", True)]


def test_readings_come_in_a_stable_order() -> None:
    toks = [Tok("12", fixed=False), Tok("", blank=True), Tok("305", fixed=False)]
    assert [[t.text for t in r] for r in readings(toks, 5)] == [["12", "", "3", "0", "5"], ["1", "2", "", "30", "5"]]
    assert readings(toks, 5, limit=1) == [] and len(readings(toks, 5, limit=2)) == 2  # over the limit: none
    assert readings(toks, 9) == []


def test_tokenize_unglues_crawler_text() -> None:
    toks = tokenize("1000001三、本年度办理结果")
    assert [t.text for t in toks] == ["1000001"] and not toks[0].fixed


def test_readings_respect_boundaries_and_leading_zeros() -> None:
    toks = [Tok("230", fixed=False), Tok("000023", fixed=False)]
    rows = {tuple(t.text for t in r) for r in readings(toks, 7)}
    assert ("23", "0", "0", "0", "0", "0", "23") in rows
    assert all(not (p.startswith("0") and len(p) > 1) for r in rows for p in r)
    assert readings([Tok("1", fixed=True), Tok("2", fixed=True)], 3) == []  # real cells are never split


def test_cell_values_and_units() -> None:
    assert cell_value("75394432.52元", "amount", "procurement_amount") == 75394432.52
    assert cell_value("25.1万元", "amount", "procurement_amount") == 251000
    assert cell_value("96171.6", "amount", "fee_amount_wan") == 96171.6
    assert cell_value("3940元", "amount", "fee_amount_wan") == 0.394
    assert cell_value("+1036", "signed_count", "year_change") == 1036
    assert cell_value("-3", "signed_count", "year_change") == -3
    assert cell_value("/", "count", "total") is None


def test_version_from_labels_not_year() -> None:
    assert detect_version("本年新制作数量 本年新公开数量 对外公开总数量 政府集中采购", "")[:2] == ("v2019", False)
    assert detect_version("本年制发件数 本年废止件数 现行有效件数", "1.申请人无正当理由逾期不补正")[:2] == ("v2021", True)
    version, split, warnings = detect_version("本年制发件数 现行有效件数", "(六)其他处理 0 0 0")
    assert (version, split) == ("v2021", False) and warnings


# -- crawler dumps: cell boundaries lost -------------------------------------------------------------


def crawler_text(report: ParsedReport) -> str:
    """The report as a web-archive crawler dumps it: one line, cells concatenated (reports 08, 13)."""
    v, cm = report.template, report.cell_map()
    out = [f"标题: {report.meta.title}", "==================== 正文 ====================",
           f"一、总体情况 {report.sections['overview']} 二、主动公开政府信息情况"]
    for block in voc.PROACTIVE_LAYOUT[v]:
        out.append(block.caption + "信息内容" + "".join(voc.label("proactive", "col", c, v) for c in block.cols))
        for r in block.rows:
            out.append(voc.label("proactive", "row", r, v) + "".join(cm[("proactive", r, c)].raw for c in block.cols))
    out.append("三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
               "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他")
    for r in voc.rows("requests", v, single_other=report.single_other):
        label = voc.short_label("requests", "row", r, v)
        if r in ("denied.state_secret", "unable.not_held", "not_processed.petition", "other.no_correction"):
            label = voc.label("requests", "row", r, v).replace(" ", "")
        out.append(label + "".join(cm[("requests", r, c)].raw for c in voc.cols("requests", v)))
    out.append("四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
               "未经复议直接起诉复议后起诉")
    out.append("".join(cm[("appeals", r, c)].raw for r in voc.rows("appeals", v) for c in voc.cols("appeals", v)))
    out.append(f" 五、存在的主要问题及改进情况{report.sections['problems']} 六、其他需要报告的事项 无")
    return "".join(out)


@pytest.mark.parametrize("seed", range(24))
def test_crawler_dump_is_read_right_or_flagged(seed: int) -> None:
    rng = random.Random(f"crawl-{seed}")
    version = ("v2019", "v2021")[seed % 2]
    report = generate_report(rng, version, single_other=seed % 4 == 3, blank_style="zero", scale="office")
    back = parse_bytes(crawler_text(report).encode("utf-8"), "crawl.txt")
    assert back.template == report.template and back.single_other == report.single_other
    got = back.cell_map()
    wrong = [f"{'/'.join(c.key)}: {got[c.key].value!r} != {c.value!r}" for c in report.cells
             if got[c.key].value != c.value and not got[c.key].ambiguous]
    assert not wrong, "wrong values without an ambiguity flag:\n" + "\n".join(wrong)
    for c in back.cells:
        if c.ambiguous:
            assert any(voc.label(c.table, "row", c.row, back.template) in w for w in back.warnings)


def test_identities_settle_table_3_runs() -> None:
    """One run-together row that only R-T3-ROW settles: 71|3|0|0|0|0|74, not 7|13|…"""
    lines = ["二、主动公开政府信息情况", "第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数",
             "规章 0 0 0", "行政规范性文件 1 2 3", "第二十条第(五)项 行政许可 5", "第二十条第(六)项 行政处罚 6", "行政强制 7",
             "第二十条第(八)项 行政事业性收费 8.5", "三、收到和处理政府信息公开申请情况"]
    rows = voc.rows("requests", "v2021")
    values = {r: "0000000" for r in rows}
    values |= {"new_received": "713000074", "granted": "713000074", "total": "713000074"}
    lines += [voc.short_label("requests", "row", r, "v2021") + values[r] for r in rows]
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "0 " * 15, "五、存在的主要问题及改进情况 无", "六、其他需要报告的事项 无"]
    report = parse_lines(lines, "x.txt")
    assert [report.value("requests", "new_received", c) for c in voc.cols("requests", "v2021")] == [71, 3, 0, 0, 0, 0, 74]
    assert not any(c.ambiguous for c in report.cells)
    assert report.value("proactive", "admin_fees", "fee_amount_wan") == 8.5


# -- v2019 units and signs through page text ---------------------------------------------------------


def test_v2019_procurement_in_wan_yuan_and_signed_changes() -> None:
    report = generate_report(random.Random(7), "v2019", blank_style="zero")
    cm = report.cell_map()
    cm[("proactive", "central_procurement", "procurement_amount")].raw = "25.1万元"
    cm[("proactive", "licensing", "year_change")].raw = "+12"
    cm[("proactive", "penalties", "year_change")].raw = "-3"
    back = parse_bytes(render_page_text(report).encode(), "r.txt")
    assert back.value("proactive", "central_procurement", "procurement_amount") == 251000
    assert any("25.1万元" in w for w in back.warnings)
    assert back.value("proactive", "licensing", "year_change") == 12
    assert back.value("proactive", "penalties", "year_change") == -3


# -- HTML ---------------------------------------------------------------------------------------------


def _page(seed: int = 3) -> tuple[ParsedReport, str]:
    report = generate_report(random.Random(seed), "v2021", blank_style="zero")
    return report, render_html(report)


def _same_cells(a: ParsedReport, b: ParsedReport) -> bool:
    return [(c.key, c.value) for c in a.cells] == [(c.key, c.value) for c in b.cells]


@pytest.mark.parametrize("meta", ['<meta charset="gbk">', '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', ""])
def test_html_in_gbk_with_or_without_charset(meta: str) -> None:
    report, page = _page()
    page = page.replace('<meta charset="utf-8">', meta)
    assert _same_cells(parse_bytes(page.encode("gb18030"), "r.html"), report)


def test_html_declared_gbk_but_utf8() -> None:
    report, page = _page()
    page = page.replace('<meta charset="utf-8">', '<meta charset="gbk">')
    assert _same_cells(parse_bytes(page.encode("utf-8"), "r.html"), report)


def test_html_utf8_bytes_read_like_the_decoded_page() -> None:
    # a UTF-8 page is parsed from its bytes; one that needs another codec from its decoded text
    report, page = _page(7)
    page = page.replace("</body>", "<p>（全角）１２\u3000 &nbsp;末行<br>\U0001F600</p><title>尾</title></body>")
    page = page.replace('<meta charset="utf-8">', '<meta charset="gbk">')  # the UTF-8 copy's declaration lies
    from_bytes = parse_bytes(page.encode("utf-8"), "r.html")
    assert from_bytes.to_json() == parse_bytes(page.encode("gb18030"), "r.html").to_json()
    assert _same_cells(from_bytes, report)
    assert html_lines(page, "x")[-3:] == ["（全角）１２ 末行", "\U0001F600", "尾"]


def test_html_tables_inside_a_javascript_string() -> None:
    report, page = _page(5)
    body = page[page.index('<div class="content"'): page.index('<div class="footer"')]
    escaped = body.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("/", "\\/")
    shell = (f"<html><head><meta charset='utf-8'><title>{report.meta.title}</title></head><body>"
             f"<h1>{report.meta.title}</h1><script>var content = \"{escaped}\"; render(content);</script></body></html>")
    assert _same_cells(parse_bytes(shell.encode(), "r.html"), report)


def test_html_layout_table_is_walked_into() -> None:
    report, page = _page(9)
    body = page[page.index("<body>") + 6: page.index("</body>")]
    wrapped = f"<html><body><table><tr><td>导航</td><td>{body}</td></tr></table></body></html>"
    assert _same_cells(parse_bytes(wrapped.encode(), "r.html"), report)


def test_html_word_spans_and_blank_cells() -> None:
    lines = html_lines("<table><tr><td><p><span>一</span><span>、本年新收</span><span>政府信息公开申请数量</span></p></td>"
                       "<td>26</td><td><p><span><o:p>&nbsp;</o:p></span></p></td><td></td></tr></table>", "x")
    assert lines == ["一、本年新收政府信息公开申请数量\t26\t\t"]


# -- Markdown ------------------------------------------------------------------------------------------


def test_markdown_pipe_rows_become_cells() -> None:
    md = "## 表三\n| 一、本年新收 | 32 | 2 |  |\n|---|---|---|---|\n**注** 文字"
    assert markdown_lines(md) == ["表三", "一、本年新收\t32\t2\t", "注 文字"]


def test_extra_local_row_in_table_2_is_ignored() -> None:
    report, page = _page(11)
    cm = report.cell_map()
    want = [cm[("proactive", "normative_docs", c)].value for c in ("issued", "repealed", "in_force")]
    row = f"<tr><td><p>{voc.label('proactive', 'row', 'normative_docs', 'v2021')}</p></td>"
    i = page.index(row)
    j = page.index("</tr>", i) + 5
    page = page[:j] + "<tr><td><p>其他主动公开文件</p></td><td>5</td><td>5</td><td>20</td></tr>" + page[j:]
    back = parse_bytes(page.encode(), "r.html")
    assert [back.value("proactive", "normative_docs", c) for c in ("issued", "repealed", "in_force")] == want
    assert any("其他主动公开文件" in w for w in back.warnings)


def test_html_merged_cells_span_their_columns() -> None:
    lines = html_lines("<table><tr><td colspan='3'>二、上年结转政府信息公开申请数量</td><td>4</td>"
                       "<td colspan='5'>—</td><td>4</td></tr></table>", "x")
    toks = tokenize(lines[0].split("\t", 1)[1], edge_cells=True)
    assert [t.text or "·" for t in toks][-7:] == ["4", "—", "·", "·", "·", "·", "4"]


def test_lone_word_is_what_tokenize_makes_of_the_line() -> None:
    """numbers.lone_word is a shortcut past tokenize() (table 四's header lines): on every line it accepts,
    tokenize gives the one word token the shortcut makes; random lines of words, digits, marks and spaces."""
    import random

    from pipeline.ingest.numbers import BLANK_MARKS, CELL_BLANK, lone_word

    rng = random.Random(20261201)
    alphabet = list("行政复议诉讼结果维持纠正其他尚未审结总计申请人") + list("0123456789 \t()（）/\\-—.,，、：") + \
        [m for m in BLANK_MARKS if m] + [CELL_BLANK]
    accepted = 0
    for _ in range(30_000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))).replace("\n", "")
        if not line or not lone_word(line):
            continue
        accepted += 1
        base = rng.randint(0, 500)
        assert tokenize(line, words=True, edge_cells=True, base=base) == [Tok(line, False, True, "", True, base + len(line))], line
    assert accepted > 1_000  # the shortcut is taken, not only refused
