"""The XLSX filing template and its reader: codes, protection, re-ordered rows, label fallback, bad cells."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline import vocabulary as voc
from pipeline.cli import app
from pipeline.ingest import IngestError, parse_bytes, parse_file
from pipeline.render.xlsx_template import DATA_COL, SHEETS, build_template, render_xlsx, template_bytes
from pipeline.synth import generate_report


def _cells(report):
    return [(c.key, c.value) for c in report.cells]


def _filled(version: str = "v2021", seed: int = 1, **kw):
    report = generate_report(random.Random(seed), version, **kw)
    return report, load_workbook(io.BytesIO(render_xlsx(report)))


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("version", voc.VERSIONS)
def test_blank_template_is_protected_labelled_and_coded(version: str) -> None:
    wb = build_template(version, year=2021)
    assert [ws.title for ws in wb.worksheets] == list(SHEETS.values())
    for ws in wb.worksheets:
        assert ws.protection.sheet
        assert ws.column_dimensions["A"].hidden and ws.row_dimensions[1].hidden
    t3 = wb[SHEETS["requests"]]
    codes = [t3.cell(r, 1).value for r in range(1, t3.max_row + 1) if t3.cell(r, 1).value]
    assert codes == [f"requests:{r}" for r in voc.rows("requests", version)]
    row = next(i for i in range(1, t3.max_row + 1) if t3.cell(i, 1).value == "requests:granted")
    assert t3.cell(row, 2).value == "（一）予以公开" and t3.cell(row, 2).protection.locked
    assert all(not t3.cell(row, DATA_COL + i).protection.locked for i in range(7))
    t2_labels = {c.value for row in wb[SHEETS["proactive"]].iter_rows() for c in row if isinstance(c.value, str)}
    assert ("政府集中采购" in t2_labels) == (version == "v2019")
    assert ("本年收费金额（单位：万元）" in t2_labels) == (version == "v2021")
    blank = parse_bytes(template_bytes(version, year=2021), "blank.xlsx")
    assert blank.template == version and blank.meta.year == 2021
    assert all(c.value is None for c in blank.cells) and len(blank.cells) == len(voc.cell_keys(version))


def test_rows_reordered_and_blank_rows_inserted() -> None:
    report, wb = _filled("v2021", seed=3, blank_style="zero")
    t3 = wb[SHEETS["requests"]]
    t3.insert_rows(8, amount=3)
    t3.move_range("A10:K14", rows=40)  # five rows moved far below, leaving a gap
    t2 = wb[SHEETS["proactive"]]
    t2.move_range("A5:E5", rows=30)
    back = parse_bytes(_bytes(wb), "moved.xlsx")
    assert _cells(back) == _cells(report) and back.warnings == []


@pytest.mark.parametrize(("version", "single_other"), [("v2019", False), ("v2021", False), ("v2021", True)])
def test_label_fallback_when_codes_are_gone(version: str, single_other: bool) -> None:
    report, wb = _filled(version, seed=4, blank_style="zero", single_other=single_other)
    for ws in wb.worksheets:
        ws.delete_rows(1)
        ws.delete_cols(1)
    back = parse_bytes(_bytes(wb), "nocodes.xlsx")
    assert back.template == version
    assert _cells(back) == _cells(report)
    assert back.meta == report.meta and back.sections == report.sections
    assert any("labels" in w for w in back.warnings)


def test_text_cells_units_and_blank_marks() -> None:
    _, wb = _filled("v2019", seed=5)
    t2 = wb[SHEETS["proactive"]]
    rows = {t2.cell(r, 1).value: r for r in range(1, t2.max_row + 1)}
    t2.cell(rows["proactive:central_procurement"], DATA_COL + 1).value = "251000.5元"
    t2.cell(rows["proactive:licensing"], DATA_COL + 1).value = "+3"
    t2.cell(rows["proactive:penalties"], DATA_COL).value = "/"
    back = parse_bytes(_bytes(wb), "units.xlsx")
    assert back.value("proactive", "central_procurement", "procurement_amount") == 251000.5
    assert back.value("proactive", "licensing", "year_change") == 3
    cell = back.cell_map()[("proactive", "penalties", "prev_year_items")]
    assert cell.value is None and cell.raw == "/"


@pytest.mark.parametrize(("bad", "message"), [("abc", "is not a number"), (2.5, "not a whole number"), (True, "expected a number")])
def test_bad_cell_names_sheet_cell_and_code(bad, message: str) -> None:
    _, wb = _filled("v2021", seed=6)
    t3 = wb[SHEETS["requests"]]
    row = next(r for r in range(1, t3.max_row + 1) if t3.cell(r, 1).value == "requests:granted")
    t3.cell(row, DATA_COL).value = bad
    with pytest.raises(IngestError) as e:
        parse_bytes(_bytes(wb), "bad.xlsx")
    text = str(e.value)
    assert text.startswith("bad.xlsx: ") and message in text
    assert f"C{row}" in text and "requests/granted/natural_person" in text and SHEETS["requests"] in text


def test_row_filled_twice_is_an_error() -> None:
    _, wb = _filled("v2021", seed=7)
    t4 = wb[SHEETS["appeals"]]
    t4.append(["appeals:review", "行政复议", 1, 0, 0, 0, 1])
    with pytest.raises(IngestError, match="filled in twice"):
        parse_bytes(_bytes(wb), "twice.xlsx")


def test_corrupted_encrypted_and_unrelated_workbooks() -> None:
    good = render_xlsx(generate_report(random.Random(8)))
    with pytest.raises(IngestError, match=r"not a readable \.xlsx"):
        parse_bytes(good[: len(good) // 2], "cut.xlsx")
    with pytest.raises(IngestError, match="encrypted"):
        parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "locked.xlsx")
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "hello"
    with pytest.raises(IngestError, match=r"template version|no table"):
        parse_bytes(_bytes(wb), "other.xlsx")


def test_template_command_writes_the_version_of_the_year(tmp_path: Path) -> None:
    runner = CliRunner()
    for year, version in ((2020, "v2019"), (2021, "v2021")):
        out = tmp_path / f"t{year}.xlsx"
        result = runner.invoke(app, ["template", "--year", str(year), "--out", str(out)])
        assert result.exit_code == 0, result.output
        parsed = parse_file(out)
        assert parsed.template == version and parsed.meta.year == year
    result = runner.invoke(app, ["template", "--year", "2021", "--out", str(tmp_path / "t.xls")])
    assert result.exit_code == 2


def test_rows_of_the_other_version_are_ignored_with_a_warning() -> None:
    report, wb = _filled("v2021", seed=9, blank_style="zero")
    wb[SHEETS["proactive"]].append(["proactive:central_procurement", "政府集中采购", 3, 1000])
    wb[SHEETS["requests"]].append(["requests:other", "（六）其他处理", 1, 0, 0, 0, 0, 0, 1])
    back = parse_bytes(_bytes(wb), "mixed.xlsx")
    assert _cells(back) == _cells(report)
    assert any("proactive/central_procurement does not belong to template v2021" in w for w in back.warnings)
    assert any("requests/other does not belong to template v2021" in w for w in back.warnings)
