"""Ingest against the real-report corpus: every cell of every report equals the hand-checked truth.

A cell listed in a truth file's ``ambiguous_from_text`` (digits that no identity settles) counts as
right when its value is the true one or the parse marks it ambiguous; a cell the text does settle
must never be marked ambiguous. Report 00 is also read from the fixture, so its checks run where
the corpus is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import load_truth, raw_path, template_of, truth_cells

from pipeline.ingest import parse_file
from pipeline.model import ParsedReport

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_00 = ROOT / "tests" / "fixtures" / "00_qujiang_govoffice_2021.txt"
CORPUS_IDS = (
    "00_qujiang_govoffice_2021", "01_huaian_city_2024", "02_hongze_district_2023", "03_hongze_district_2024",
    "05_shanghai_stcsm_2024", "08_pingtan_2022", "11_shuyang_county_2025", "12_shanghai_govoffice_2025",
    "13_pingtan_2019", "15_shuyang_fgj_2023",
)


def _same(want: object, got: object) -> bool:
    if want is None:
        return got in (None, 0)
    return got is not None and abs(float(want) - float(got)) < 1e-6  # type: ignore[arg-type]


@pytest.mark.corpus
@pytest.mark.parametrize("id_", CORPUS_IDS)
def test_every_cell_equals_the_truth(corpus_dir: Path, id_: str) -> None:
    truth = load_truth(corpus_dir, id_)
    report = parse_file(raw_path(corpus_dir, id_))
    assert report.template == template_of(truth)
    got = report.cell_map()
    ambiguous_ok = {tuple(x.split("/", 2)) for x in truth.get("ambiguous_from_text", [])}
    wrong = []
    for key, want in truth_cells(truth).items():
        cell = got.get(key)
        if cell is None:
            wrong.append(f"{'/'.join(key)} missing")
        elif not (_same(want, cell.value) or (key in ambiguous_ok and cell.ambiguous)):
            wrong.append(f"{'/'.join(key)}: want {want!r}, got {cell.value!r} (raw {cell.raw!r})")
    assert not wrong, f"{len(wrong)} cells wrong:\n" + "\n".join(wrong[:20])
    flagged_clear = [c.key for c in report.cells if c.ambiguous and c.key not in ambiguous_ok]
    assert not flagged_clear, f"cells marked ambiguous although the text settles them: {flagged_clear}"
    assert set(got) == set(truth_cells(truth)), "the parse has cells the truth does not (or the reverse)"


@pytest.mark.corpus
def test_ambiguous_cells_come_with_a_warning(corpus_dir: Path) -> None:
    report = parse_file(raw_path(corpus_dir, "13_pingtan_2019"))
    flagged = {c.row for c in report.cells if c.ambiguous}
    assert flagged, "report 13's table 二 digits run together with no identity: cells must be flagged"
    assert any("ambiguous" in w for w in report.warnings)
    # 规章 "000" has one reading only: settled, not flagged
    assert "rules" not in flagged


@pytest.mark.corpus
def test_narrative_settles_run_together_digits(corpus_dir: Path) -> None:
    """08: "行政规范性文件8855698" has 15 readings; the narrative quotes 698 现行有效 and 88 制发."""
    report = parse_file(raw_path(corpus_dir, "08_pingtan_2022"))
    row = [report.cell_map()[("proactive", "normative_docs", c)] for c in ("issued", "repealed", "in_force")]
    assert [c.value for c in row] == [88, 55, 698]
    assert not any(c.ambiguous for c in row)


@pytest.mark.corpus
def test_published_errors_are_returned_as_printed(corpus_dir: Path) -> None:
    """02 prints table 四 totals 0 although the parts add up to 11 and 5: the parse keeps the 0."""
    report = parse_file(raw_path(corpus_dir, "02_hongze_district_2023"))
    assert report.value("appeals", "review", "upheld") == 10
    assert report.value("appeals", "review", "total") == 0
    assert report.value("appeals", "suit_after_review", "total") == 0
    assert report.single_other


@pytest.mark.corpus
def test_v2019_units_and_signs(corpus_dir: Path) -> None:
    report = parse_file(raw_path(corpus_dir, "13_pingtan_2019"))
    cell = report.cell_map()[("proactive", "central_procurement", "procurement_amount")]
    assert cell.raw.endswith("元") and isinstance(cell.value, float)


def _check_report_00(report: ParsedReport) -> None:
    assert report.template == "v2021" and not report.single_other
    assert report.meta.agency == "衢江区人民政府办公室"
    assert report.meta.year == 2021
    assert report.meta.published_on == "2022-01-29"
    assert report.meta.index_no == "330803-003/2022-47148"
    assert report.meta.title == "衢江区人民政府办公室2021年政府信息公开工作年度报告"
    v = report.value
    assert [v("proactive", "normative_docs", c) for c in ("issued", "repealed", "in_force")] == [4, 17, 43]
    assert v("requests", "new_received", "natural_person") == 11 and v("requests", "new_received", "total") == 11
    assert v("requests", "unable.not_held", "total") == 4
    assert v("requests", "other.misc", "total") == 1
    assert all(v("appeals", r, c) == 0 for r in ("review", "suit_direct", "suit_after_review")
               for c in ("upheld", "corrected", "other", "pending", "total"))
    assert len(report.cells) == 200 and not any(c.ambiguous for c in report.cells)
    assert report.sections["overview"].startswith("2021年,我办按照省、市、区政务公开重点工作任务分工要求")
    assert "区府办受理政府依申请公开11件" in report.sections["overview"]
    assert report.sections["problems"].startswith("2021年,区政府办公室政府信息公开工作取得了明显成效")
    assert report.sections["other_matters"] == "本年度我办未收取信息处理费。"
    assert not report.warnings


def test_report_00_from_the_fixture() -> None:
    _check_report_00(parse_file(FIXTURE_00))


@pytest.mark.corpus
def test_report_00_from_the_corpus(corpus_dir: Path) -> None:
    _check_report_00(parse_file(raw_path(corpus_dir, "00_qujiang_govoffice_2021")))


@pytest.mark.corpus
@pytest.mark.parametrize("id_,agency,year", [
    ("01_huaian_city_2024", "淮安市人民政府", 2024),
    ("05_shanghai_stcsm_2024", "上海市科委", 2024),
    ("08_pingtan_2022", "平潭综合实验区", 2022),
    ("15_shuyang_fgj_2023", "沭阳县发展和改革局", 2023),
])
def test_meta_from_titles(corpus_dir: Path, id_: str, agency: str, year: int) -> None:
    report = parse_file(raw_path(corpus_dir, id_))
    assert (report.meta.agency, report.meta.year) == (agency, year)


@pytest.mark.corpus
@pytest.mark.parametrize("id_", CORPUS_IDS)
def test_narrative_sections_are_found(corpus_dir: Path, id_: str) -> None:
    report = parse_file(raw_path(corpus_dir, id_))
    for code in ("overview", "problems", "other_matters"):
        assert report.sections[code], f"{code} empty"
    # no table text leaks into the narrative
    assert "本年新收政府信息公开申请数量" not in report.sections["problems"]
    assert "结果维持" not in report.sections["problems"]
