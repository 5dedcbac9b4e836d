"""Bad input to the text, Markdown, HTML and PDF readers: one clear IngestError, never a partial parse.

The truncation test cuts report 00 after every line of its tables: each cut must either fail with
an error naming the table (and the rows) that are missing, or — once the last number of table 四
is in — give the complete parse.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipeline.ingest import IngestError, parse_bytes, parse_file

FIXTURE_00 = Path(__file__).resolve().parent / "fixtures" / "00_qujiang_govoffice_2021.txt"


def _error(data: bytes, name: str) -> str:
    with pytest.raises(IngestError) as e:
        parse_bytes(data, name)
    msg = str(e.value)
    assert msg.startswith(f"{name}: ") and "\n" not in msg and "Traceback" not in msg
    return msg


@pytest.mark.parametrize("name", ["r.txt", "r.md", "r.html", "r.pdf"])
def test_empty_file(name: str) -> None:
    assert "empty" in _error(b"", name)
    assert "empty" in _error(b" \n\t\n", name)


@pytest.mark.parametrize("name,data", [
    ("novel.txt", "第一章 天气很好。我们去公园散步，看见许多人在跑步。".encode()),
    ("page.html", "<html><body><h1>通知</h1><table><tr><td>姓名</td><td>电话</td></tr></table></body></html>".encode()),
    ("notes.md", "# 会议纪要\n\n| 项目 | 数量 |\n|---|---|\n| 行政许可 | 3 |\n".encode()),
])
def test_not_an_annual_report(name: str, data: bytes) -> None:
    assert "not an annual report" in _error(data, name)


def test_truncated_report_never_parses_partially() -> None:
    text = FIXTURE_00.read_text(encoding="utf-8")
    full = parse_bytes(text.encode(), "full.txt")
    lines = text.split("\n")
    first = next(i for i, ln in enumerate(lines) if "第二十条" in ln)
    last = next(i for i, ln in enumerate(lines) if ln.startswith("五、"))
    messages = set()
    for cut in range(first, last):
        part = "\n".join(lines[:cut])
        try:
            report = parse_bytes(part.encode(), "cut.txt")
        except IngestError as e:
            msg = str(e)
            assert any(t in msg for t in ("table 二", "table 三", "table 四")), msg
            messages.add(msg.split(":", 1)[1].split(" is ")[0].split(" (")[0].strip())
            continue
        # only a cut after the last number of table 四 may parse, and then it is the whole report
        assert [(c.key, c.value) for c in report.cells] == [(c.key, c.value) for c in full.cells], f"cut at line {cut}"
    assert {"table 二", "table 三", "table 四"} <= messages


def test_truncated_table_names_the_missing_rows() -> None:
    text = FIXTURE_00.read_text(encoding="utf-8")
    msg = _error(text[: text.index("(七)总计")].encode(), "cut.txt")
    assert "table 三 is incomplete" in msg and "（七）总计" in msg and "四、结转下年度继续办理" in msg
    msg = _error(text[: text.index("行政强制")].encode(), "cut.txt")
    assert "table 二 is incomplete" in msg and "行政强制" in msg
    msg = _error(text[: text.index("复议后起诉") + 40].encode(), "cut.txt")
    assert "table 四 is incomplete" in msg


def _pdf_without_text() -> bytes:
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_pdf_without_text_layer() -> None:
    assert "no text layer; OCR is not supported" in _error(_pdf_without_text(), "scan.pdf")


def test_corrupted_pdf() -> None:
    assert "corrupted" in _error(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n", "broken.pdf")
    truncated = _pdf_without_text()[:200]
    assert "corrupted" in _error(truncated, "truncated.pdf")


def test_binary_junk_as_text() -> None:
    assert "binary" in _error(b"\x00\x01\x02abc\x00" * 50, "junk.txt")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot open"):
        parse_file(tmp_path / "nope.txt")
