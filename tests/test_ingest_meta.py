"""What a report says about itself: the HTML <title>, real publication dates, the signature; the report
year right on every corpus file; impossible dates refused in every form; strict decoding."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import ROOT, skip_or_fail
from openpyxl import load_workbook
from support.reports import small_report

from pipeline.ingest import IngestError, parse_bytes, parse_file
from pipeline.ingest.forms.html import decode_html
from pipeline.ingest.forms.text import decode
from pipeline.ingest.meta import extract_meta, meta_from_page_title
from pipeline.render.xlsx_template import template_bytes

SHARED = ROOT.parent / "shared" / "corpus"
CORPORA = ("real", "districts/pingtan-2022", "kinds")


def corpus(sub: str) -> Path:
    d = SHARED / sub
    if not (d / "truth").is_dir():
        skip_or_fail(f"corpus not found at {d}")
    return d


# -- publication date and signature -----------------------------------------------------------------
TITLE = "青溪县交通运输局2023年政府信息公开工作年度报告\n"


def meta_of(head: str, tail: str = "") -> object:
    text = head + "二、主动公开政府信息情况\n" + tail
    return extract_meta(text, len(head))


def test_labelled_date_is_the_publication_date() -> None:
    assert meta_of(TITLE + "发布日期:2024-01-26 10:15\n").published_on == "2024-01-26"


def test_crawler_placeholder_and_impossible_dates_are_skipped() -> None:
    m = meta_of(TITLE + "发布时间: 1970-01-01 08:00\n日期：2024-02-31\n", "……\n青溪县交通运输局\n2024年1月26日\n")
    assert m.published_on == "2024-01-26"
    assert meta_of(TITLE + "发布时间: 1900-01-01\n").published_on is None


def test_reporting_period_start_is_never_the_publication_date() -> None:
    head = TITLE + "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
    assert meta_of(head).published_on is None
    assert meta_of(TITLE + "日期：2023-01-01至2023-12-31\n").published_on is None
    # a date of the report year itself (here printed alone on a line) cannot be the publication
    assert meta_of(TITLE, "2023年1月1日\n").published_on is None
    assert meta_of(TITLE, "2023年1月1日\n……\n2024年1月20日\n").published_on == "2024-01-20"


def test_signature_names_the_agency_when_the_title_does_not() -> None:
    m = meta_of("2023年政府信息公开工作年度报告\n", "……\n青溪县交通运输局\n2024年1月26日\n")
    assert (m.agency, m.year, m.published_on) == ("青溪县交通运输局", 2023, "2024-01-26")


# -- the HTML <title> ----------------------------------------------------------------------------------
@pytest.mark.parametrize("title", [
    "青溪县交通运输局2023年政府信息公开工作年度报告-青溪县人民政府",
    "青溪县交通运输局2023年政府信息公开工作年度报告 | 青溪县人民政府门户网站",
    "青溪县交通运输局2023年政府信息公开工作年度报告_政府信息公开年报_青溪县人民政府",
])
def test_page_title_without_the_site_suffix(title: str) -> None:
    m = meta_from_page_title(title)
    assert (m.title, m.agency, m.year) == ("青溪县交通运输局2023年政府信息公开工作年度报告", "青溪县交通运输局", 2023)
    assert meta_from_page_title("青溪县人民政府").title is None


def test_s10_title_only_in_head() -> None:
    r = parse_file(corpus("kinds") / "raw" / "S10_title_only_in_head_2023.html")
    assert (r.meta.agency, r.meta.year, r.meta.published_on) == ("青溪县交通运输局", 2023, "2024-01-26")
    assert r.meta.title == "青溪县交通运输局2023年政府信息公开工作年度报告"


def test_body_wins_over_the_page_title() -> None:
    text = (ROOT / "tests" / "fixtures" / "00_qujiang_govoffice_2021.txt").read_text(encoding="utf-8")
    body = "".join(f"<p>{line}</p>\n" for line in text.splitlines())
    page = f"<html><head><title>某某局2019年政府信息公开工作年度报告-某某网</title></head><body>{body}</body></html>"
    r = parse_bytes(page.encode("utf-8"), "00.html")
    assert (r.meta.agency, r.meta.year) == ("衢江区人民政府办公室", 2021)


@pytest.mark.parametrize("sub", CORPORA)
def test_report_year_right_on_every_corpus_file(sub: str) -> None:
    d = corpus(sub)
    wrong = []
    for truth_file in sorted((d / "truth").glob("*.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        raw = next((d / "raw").glob(truth_file.stem + ".*"))
        meta = parse_file(raw).meta
        if meta.year != truth["report_year"]:
            wrong.append((raw.name, meta.year, truth["report_year"]))
        if meta.published_on is not None:
            assert int(meta.published_on[:4]) > truth["report_year"], (raw.name, meta.published_on)
    assert wrong == []


# -- impossible dates in the structured forms -----------------------------------------------------------
@pytest.mark.parametrize("date", ["2022-02-31", "2022-13-01", "20220228", "2022-W09-1"])
def test_json_refuses_a_date_that_is_not_a_calendar_day(date: str) -> None:
    doc = small_report().to_dict()
    doc["meta"]["published_on"] = date
    with pytest.raises(IngestError, match=r"meta\.published_on") as e:
        parse_bytes(json.dumps(doc).encode("utf-8"), "r.json")
    assert "\n" not in str(e.value)
    doc["meta"]["published_on"] = "2022-02-28"
    assert parse_bytes(json.dumps(doc).encode("utf-8"), "r.json").meta.published_on == "2022-02-28"


def test_json_statuses() -> None:
    doc = small_report(single_other=True).to_dict()
    doc["cells"] += [{"table": "requests", "row": "other.misc", "col": "total", "value": None, "status": "not_printed"}]
    r = parse_bytes(json.dumps(doc).encode("utf-8"), "r.json")
    assert r.cells[-1].status == "not_printed"
    doc["cells"][-1]["status"] = "lost"
    with pytest.raises(IngestError, match="status must be one of"):
        parse_bytes(json.dumps(doc).encode("utf-8"), "r.json")
    doc["cells"][-1].update(status="blank", value=3)
    with pytest.raises(IngestError, match="value null"):
        parse_bytes(json.dumps(doc).encode("utf-8"), "r.json")


def test_xlsx_refuses_an_impossible_publication_date() -> None:
    wb = load_workbook(io.BytesIO(template_bytes("v2021", year=2022)))
    ws = wb.worksheets[0]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "meta:published_on")
    ws.cell(row, 3).value = "2022-02-31"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(IngestError, match=r"发布日期.*not a calendar date"):
        parse_bytes(buf.getvalue(), "t.xlsx")


# -- decoding: strict, one clear line ------------------------------------------------------------------
TEXT = "二、主动公开政府信息情况 规章 0"


@pytest.mark.parametrize("reader", [decode, decode_html])
def test_a_bom_decides_and_must_be_right(reader) -> None:
    assert reader(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "a") == TEXT
    assert reader(b"\xff\xfe" + TEXT.encode("utf-16-le"), "a") == TEXT
    with pytest.raises(IngestError, match="UTF-8 byte-order mark but is not valid UTF-8") as e:
        reader(b"\xef\xbb\xbf" + TEXT.encode("gb18030"), "a.txt")
    assert "\ufffd" not in str(e.value) and "offset" in str(e.value)


def test_gb18030_without_bom_and_undecodable_bytes() -> None:
    assert decode(TEXT.encode("gb18030"), "a") == TEXT
    with pytest.raises(IngestError, match=r"neither UTF-8 .* nor GB18030"):
        decode(TEXT.encode("gb18030") + b"\x81\x20\xff", "a.txt")


def test_bom_file_with_bad_bytes_is_one_clear_line_from_parse_file(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    p.write_bytes(b"\xef\xbb\xbf" + (ROOT / "tests" / "fixtures" / "00_qujiang_govoffice_2021.txt").read_bytes()[:200]
                  + "政府".encode("gbk"))
    with pytest.raises(IngestError) as e:
        parse_file(p)
    assert str(e.value).startswith(str(p)) and "byte-order mark" in str(e.value)
