"""Ingest against the whole real district (pingtan-2022) and the damage kinds (S00…S10): every report
read, every cell right, nothing flagged that the text settles, the report year right.

A cell in a truth file's ``ambiguous_from_text`` is right when it has the true value or is marked
ambiguous with the true value among its candidates. A row the truth leaves out (the agency did not
print it) must come back as cells with status ``not_printed`` (or blank), never with a value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, skip_or_fail
from support.corpus import load_truth, raw_path, truth_cells

from pipeline.ingest import parse_file

DISTRICT = CORPUS.parent / "districts" / "pingtan-2022"
KINDS = CORPUS.parent / "kinds"


def _ids(folder: Path) -> list[str]:
    return sorted(p.stem for p in (folder / "truth").glob("*.json")) if (folder / "truth").is_dir() else []


def _same(want: object, got: object) -> bool:
    if want is None:
        return got in (None, 0)
    return got is not None and abs(float(want) - float(got)) < 1e-6  # type: ignore[arg-type]


def _check(folder: Path, id_: str) -> None:
    if not (folder / "truth").is_dir():
        skip_or_fail(f"corpus not found at {folder}")
    truth = load_truth(folder, id_)
    report = parse_file(raw_path(folder, id_))
    got = report.cell_map()
    want = truth_cells(truth)
    unsettled = {tuple(x.split("/", 2)) for x in truth.get("ambiguous_from_text", [])}
    wrong = []
    for key, value in want.items():
        cell = got.get(key)
        if cell is None:
            wrong.append(f"{'/'.join(key)} missing")
        elif not (_same(value, cell.value) or (key in unsettled and cell.ambiguous and value in cell.candidates)):
            wrong.append(f"{'/'.join(key)}: want {value!r}, got {cell.value!r} ({cell.status}, raw {cell.raw!r})")
    assert not wrong, f"{len(wrong)} cells wrong:\n" + "\n".join(wrong[:20])
    needless = [c.key for c in report.cells if c.ambiguous and c.key not in unsettled]
    assert not needless, f"cells marked ambiguous although the text settles them: {needless}"
    for key in set(got) - set(want):  # rows the agency left out
        assert got[key].status in ("not_printed", "blank") and got[key].value is None, got[key]
    assert report.meta.year == truth["report_year"]
    for c in report.cells:
        assert c.status in ("read", "blank", "not_printed", "ambiguous")
        assert c.ambiguous == (c.status == "ambiguous") and bool(c.candidates) == c.ambiguous


@pytest.mark.corpus
@pytest.mark.parametrize("id_", _ids(DISTRICT) or ["(district corpus absent)"])
def test_district_report_read_whole(id_: str) -> None:
    _check(DISTRICT, id_)


@pytest.mark.corpus
@pytest.mark.parametrize("id_", _ids(KINDS) or ["(kinds corpus absent)"])
def test_damage_kind_read_whole(id_: str) -> None:
    _check(KINDS, id_)


@pytest.mark.corpus
def test_each_local_problem_is_a_note_naming_where() -> None:
    if not (KINDS / "truth").is_dir():
        skip_or_fail(f"corpus not found at {KINDS}")
    omitted = parse_file(KINDS / "raw" / "S03_rules_row_omitted_2023.txt")
    notes = [n for n in omitted.notes if n.rule == "R-PARSE-NOT-PRINTED"]
    assert [(n.table, n.row) for n in notes] == [("proactive", "rules")]
    merged = parse_file(KINDS / "raw" / "S04_other_subrows_merged_2023.txt")
    assert {n.row for n in merged.notes if n.rule == "R-PARSE-NOT-PRINTED"} == {"other.fee_unpaid", "other.misc"}
    blank = parse_file(KINDS / "raw" / "S05_blank_cell_in_run_2023.txt")
    assert blank.value("requests", "unable.still_unclear", "commercial") is None
    assert any(n.rule == "R-PARSE-REPAIRED" and n.row == "unable.still_unclear" for n in blank.notes)
    collapsed = parse_file(KINDS / "raw" / "S01_collapsed_equal_lines_2023.txt")
    repealed = collapsed.cell_map()[("proactive", "normative_docs", "repealed")]
    assert repealed.status == "ambiguous" and sorted(repealed.candidates) == [6, 38]
    assert any(n.rule == "R-PARSE-AMBIGUOUS" and n.row == "normative_docs" for n in collapsed.notes)
