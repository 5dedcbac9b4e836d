"""The validator on the ten real reports: exactly the printed arithmetic failures, and the one narrative conflict.

Two variants of every report:

- ``truth-<id>``: the hand-checked truth as the canonical parse (tests/support/corpus.py), its narrative
  read from the raw file — tests the validator alone, always;
- ``parsed-<id>``: ``pipeline.ingest.parse_file`` on the raw file — the validator behind the real parser.
  When this variant fails and the truth variant passes, the parser is the cause: the assertion message
  then lists the cells where the parse differs from the truth.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import load_truth, raw_path, truth_cells, truth_ids, truth_report

from pipeline.model import ParsedReport
from pipeline.validate import validate_report

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "real"
IDS = truth_ids(CORPUS) if (CORPUS / "truth").is_dir() else []

#: The truth files' names for the identities (arithmetic_failures[].check) → our rule ids.
TRUTH_CHECKS = {"review_litigation_total": "R-T4-SUM"}
#: Row labels used in arithmetic_failures[].row → (table, row code).
TRUTH_ROWS = {"行政复议": ("appeals", "review"), "行政诉讼/未经复议直接起诉": ("appeals", "suit_direct"),
              "行政诉讼/复议后起诉": ("appeals", "suit_after_review")}
#: The report whose narrative contradicts its table (README: 17 applications in the text, 95 in table 三).
NARRATIVE_CONFLICT = {"03_hongze_district_2024": [("R-NARRATIVE", "requests", "new_received", 95, 17)]}


def expected_errors(truth: dict) -> set[tuple[str, str, str]]:
    """(rule, table, row) of every identity the published report breaks, from the truth file."""
    out = set()
    for f in truth["arithmetic_failures"]:
        if f["check"] not in TRUTH_CHECKS or f["row"] not in TRUTH_ROWS:
            raise AssertionError(f"unknown arithmetic failure in truth {truth['id']}: {f} (extend the mapping)")
        out.add((TRUTH_CHECKS[f["check"]], *TRUTH_ROWS[f["row"]]))
    return out


def test_the_corpus_has_both_kinds_of_report(corpus_dir: Path) -> None:
    """Guards against a vacuous pass: some reports break an identity, some do not, one has a narrative conflict."""
    failing = [i for i in truth_ids(corpus_dir) if load_truth(corpus_dir, i)["arithmetic_failures"]]
    assert failing and len(failing) < len(truth_ids(corpus_dir))
    assert set(NARRATIVE_CONFLICT) <= set(truth_ids(corpus_dir))


@pytest.mark.parametrize("id_", IDS, ids=[f"truth-{i[:2]}" for i in IDS])
def test_truth_errors_are_exactly_the_published_failures(corpus_dir: Path, id_: str) -> None:
    truth = load_truth(corpus_dir, id_)
    result = validate_report(truth_report(corpus_dir, id_, narrative=True))
    got = {(f.rule, f.table, f.row) for f in result.errors}
    assert got == expected_errors(truth), "\n".join(f.message_zh for f in result.errors)
    for f in result.errors:
        assert f.expected is not None and f.actual is not None and f.row_label and f.col_label


@pytest.mark.parametrize("id_", IDS, ids=[f"truth-{i[:2]}" for i in IDS])
def test_truth_narrative_warnings(corpus_dir: Path, id_: str) -> None:
    report = truth_report(corpus_dir, id_, narrative=True)
    assert report.sections["overview"], "the overview of the raw file was not found"
    result = validate_report(report)
    got = [(f.rule, f.table, f.row, f.expected, f.actual) for f in result.warnings if f.rule == "R-NARRATIVE"]
    assert got == NARRATIVE_CONFLICT.get(id_, []), "\n".join(f.message_zh for f in result.warnings)
    for f in result.warnings:
        if f.rule == "R-NARRATIVE":
            assert "17 件" in f.message_zh and "受理政府信息公开申请" in f.message_zh  # names the sentence


def _parse_diff(corpus_dir: Path, id_: str, parsed: ParsedReport) -> str:
    want = truth_cells(load_truth(corpus_dir, id_))
    got = {c.key: c.value for c in parsed.cells}
    diff = [f"{'/'.join(k)}: truth {v!r}, parsed {got.get(k, 'MISSING')!r}" for k, v in want.items()
            if not (v is None and got.get(k) in (None, 0)) and (v is None or got.get(k) is None or abs(v - got[k]) > 1e-6)]
    return "parser output differs from the truth at: " + ("; ".join(diff) if diff else "no cell (validator problem)")


@pytest.mark.parametrize("id_", IDS, ids=[f"parsed-{i[:2]}" for i in IDS])
def test_parsed_errors_are_exactly_the_published_failures(corpus_dir: Path, id_: str) -> None:
    from pipeline.ingest import parse_file

    truth = load_truth(corpus_dir, id_)
    parsed = parse_file(raw_path(corpus_dir, id_))
    result = validate_report(parsed)
    got = {(f.rule, f.table, f.row) for f in result.errors}
    want = expected_errors(truth)
    # the file as stored may lack a cell the truth settled from elsewhere (05: 四/总计 blank in the markdown);
    # a finding about exactly that blank cell is right
    # (the parser may print it blank, or derive it and leave raw "": either way it is blank in the file)
    cells = parsed.cell_map()
    blank_ok = {("R-BLANK", k[0], k[1]) for k, v in truth_cells(truth).items()
                if v is not None and k in cells and (cells[k].value is None or cells[k].derived)}
    assert want <= got <= want | blank_ok, (
        "\n".join(f.message_zh for f in result.errors) + "\n" + _parse_diff(corpus_dir, id_, parsed))
    narrative = [(f.table, f.row, f.expected, f.actual) for f in result.warnings if f.rule == "R-NARRATIVE"]
    assert narrative == [x[1:] for x in NARRATIVE_CONFLICT.get(id_, [])], (
        "\n".join(f.message_zh for f in result.warnings) + "\n" + _parse_diff(corpus_dir, id_, parsed))


def test_report_05_as_stored_blank_total_is_one_finding_with_its_value(corpus_dir: Path) -> None:
    """README: in 05 as stored, 四、结转下年度继续办理 / 总计 is empty (the truth settled it as 1 from elsewhere)."""
    report = truth_report(corpus_dir, "05", narrative=True)
    key = ("requests", "carry_forward", "total")
    assert report.value(*key) == 1
    for c in report.cells:
        if c.key == key:
            c.value, c.raw = None, ""
    result = validate_report(report)
    assert [(f.rule, f.row, f.col, f.expected) for f in result.errors] == [("R-BLANK", "carry_forward", "total", 1)]
    assert "空白" in result.errors[0].message_zh and "应为 1" in result.errors[0].message_zh
    # the narrative states the 1 ("转下一年度办理答复的有 1 件"); a blank cell has no figure to contradict
    # it — the blank-cell finding already asks for the number — so no narrative warning is added
    assert [f.rule for f in result.warnings] == []
    assert not validate_report(report, policy="lenient").has_errors
    # the same when the parser derived the figure (value 1, nothing printed: raw "")
    for c in report.cells:
        if c.key == key:
            c.value = 1
    assert [(f.rule, f.row, f.col, f.expected) for f in validate_report(report).errors] == [
        ("R-BLANK", "carry_forward", "total", 1)]
