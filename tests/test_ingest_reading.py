"""The reading search: readings of one printed row with their repair costs, and the choice among rows
by the declared identities, soft evidence and plausibility (``pipeline.ingest.reading`` / ``search``)."""

from __future__ import annotations

import pytest
from conftest import CORPUS, skip_or_fail

from pipeline.ingest import parse_bytes, parse_file
from pipeline.ingest.numbers import tokenize
from pipeline.ingest.reading import deduplicated, row_readings
from pipeline.ingest.search import Form, choose
from pipeline.model import Cell, ParsedReport

KINDS = CORPUS.parent / "kinds"


def _texts(seg: str, n: int, **kw) -> list[tuple[int, tuple[str, ...]]]:
    return [(r.cost, tuple(t.text or "·" for t in r.cells)) for r in row_readings(tokenize(seg), n, **kw)]


def test_the_print_as_it_stands_when_it_fits() -> None:
    assert _texts("1\n2\n3", 3) == [(0, ("1", "2", "3"))]
    assert _texts("3000003", 7) == [(0, ("3", "0", "0", "0", "0", "0", "3"))]


def test_a_number_broken_over_lines_is_joined() -> None:
    # joined (cost 1); leaving one piece out as a stray number costs more (kept for the identities to weigh)
    assert sorted(_texts("\n12\n356\n", 1)) == [(1, ("12356",)), (2, ("12",)), (2, ("356",))]
    # never three pieces of one number, never a cell with a leading zero
    assert all("0005" not in "".join(cells) for _c, cells in _texts("\n2\n6\n1\n0005426.64\n", 2))


def test_equal_cells_printed_once_only_where_lines_were_deduplicated() -> None:
    assert _texts("\n6\n38\n", 3) == [(2, ("6", "3", "8")), (2, ("·", "6", "38")), (2, ("6", "·", "38")),
                                      (2, ("6", "38", "·"))]
    expanded = _texts("\n6\n38\n", 3, expand=True)
    assert {c for cost, c in expanded if cost == 1} == {("6", "6", "38"), ("6", "38", "38")}
    # a row that prints two equal neighbours was not de-duplicated
    assert all(cost != 1 for cost, _ in _texts("\n0\n0\n5\n", 7, expand=True))


def test_a_blank_inside_run_together_digits_prefers_a_printed_gap() -> None:
    readings = row_readings(tokenize("0 00000"), 7)
    best = min(readings, key=lambda r: r.prior)
    assert [t.text or "·" for t in best.cells] == ["0", "·", "0", "0", "0", "0", "0"]


def test_repairs_are_searched_when_the_print_breaks_its_own_total() -> None:
    def row_total(cells) -> bool:
        vals = [0 if t.blank else int(t.text) for t in cells]
        return vals[-1] == sum(vals[:-1])

    assert _texts("8200111", 7) == [(0, ("8", "2", "0", "0", "1", "1", "1"))]
    repaired = _texts("8200111", 7, accept=row_total)
    assert (1, ("8", "2", "0", "·", "0", "1", "11")) in repaired


def test_a_sign_only_in_a_signed_column() -> None:
    kinds = ("count", "signed_count", "count")
    assert {c for _, c in _texts("206-5117", 3, kinds=kinds)} == {("206", "-5", "117"), ("206", "-51", "17"),
                                                                  ("206", "-511", "7")}


def test_deduplicated_text_is_recognised() -> None:
    assert not deduplicated("\n".join(["0", "0", *map(str, range(30))]))
    assert deduplicated("\n".join(str(i % 7) for i in range(40)))


def test_identities_beat_cost_and_ties_become_candidates() -> None:
    # two rows a, b of one cell and a total t: a + b = t
    a = row_readings(tokenize("\n1\n2\n"), 1)  # 12 (a join) is the only reading
    b = row_readings(tokenize("3 4"), 1)  # 34 (join)
    t = row_readings(tokenize("46"), 1)
    form = Form("R-TEST", (("t", 0, 1), ("a", 0, -1), ("b", 0, -1)))
    choice = choose({"a": a, "b": b, "t": t}, [form])
    assert [choice.chosen[r].cells[0].text for r in "abt"] == ["12", "34", "46"] and not choice.candidates
    # two readings that fit equally: the cells that differ are ambiguous, with every value
    x = row_readings(tokenize("6638"), 3)
    tied = choose({"x": x}, [])
    assert sorted(tied.candidates) == [("x", 0), ("x", 1), ("x", 2)]
    assert sorted(tied.candidates[("x", 2)]) == [8, 38]


def test_a_blank_or_a_zero_is_the_same_figure() -> None:
    choice = choose({"r": row_readings(tokenize("0 00000"), 7)}, [])
    assert not choice.candidates  # where the blank sits among zeros is not in the text, and does not matter


def test_the_agency_previous_year_report_settles_table_two() -> None:
    if not (KINDS / "raw").is_dir():
        skip_or_fail(f"corpus not found at {KINDS}")
    path = KINDS / "raw" / "S05_blank_cell_in_run_2023.txt"
    alone = parse_file(path).cell_map()
    assert alone[("proactive", "normative_docs", "in_force")].ambiguous  # 6638: 6·6·38, 6·63·8 or 66·3·8
    last_year = ParsedReport("v2021", cells=[Cell("proactive", "normative_docs", "in_force", 38, "38")])
    settled = parse_bytes(path.read_bytes(), path.name, previous=last_year).cell_map()
    got = [settled[("proactive", "normative_docs", c)] for c in ("issued", "repealed", "in_force")]
    assert [c.value for c in got] == [6, 6, 38] and not any(c.ambiguous for c in got)


@pytest.mark.parametrize("text", ["", "规章"])
def test_no_tokens_no_readings(text: str) -> None:
    assert row_readings(tokenize(text), 3) == []
