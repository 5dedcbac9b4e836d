"""The pandera models themselves: named checks, marking exactly the wrong cell, on frames built from reports."""

from __future__ import annotations

import random

import pandas as pd
import pandera.pandas as pa
import pytest

from pipeline import vocabulary as voc
from pipeline.synth import generate_report
from pipeline.validate.frame import build_grid, cells_frame, requests_frame
from schemas.cells import T3_COLS, AppealsFrame, CellsFrame, RequestsFrame


def reports(n: int = 6, seed: int = 4, **kw):
    rng = random.Random(seed)
    return [generate_report(rng, v, single_other=s, **kw) for v, s in [("v2019", False), ("v2021", False), ("v2021", True)] * (n // 3)]


def failures(model, frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(pa.errors.SchemaErrors) as e:
        model.validate(frame, lazy=True)
    return e.value.failure_cases


def test_frames_of_consistent_reports_pass() -> None:
    grid = build_grid(reports())
    CellsFrame.validate(cells_frame(grid).drop(columns="key"), lazy=True)
    RequestsFrame.validate(requests_frame(grid), lazy=True)
    rows = requests_frame(grid).groupby("report")["row"].apply(tuple)
    assert [len(r) for r in rows] == [len(voc.rows("requests", v, single_other=s))
                                      for v, s in [("v2019", False), ("v2021", False), ("v2021", True)] * 2]


def test_long_frame_has_every_cell_of_each_template() -> None:
    rs = reports()
    frame = cells_frame(build_grid(rs))
    for i, r in enumerate(rs):
        keys = set(map(tuple, frame.loc[frame["report"] == i, ["table", "row", "col"]].astype(str).to_numpy()))
        assert keys == set(voc.cell_keys(r.template, single_other=r.single_other))


def t3(rows: dict[str, list[float]], report: int = 0) -> pd.DataFrame:
    return pd.DataFrame([{"report": report, "row": k, **dict(zip(T3_COLS, v, strict=True))} for k, v in rows.items()])


def test_requests_checks_mark_the_cell() -> None:
    zero = [0.0] * 7
    good = {r: zero for r in voc.rows("requests", "v2019")}
    good = {**good, "new_received": [2, 1, 0, 0, 0, 0, 3], "granted": [2, 1, 0, 0, 0, 0, 3], "total": [2, 1, 0, 0, 0, 0, 3]}
    RequestsFrame.validate(t3(good), lazy=True)
    bad = {**good, "granted": [2, 1, 0, 0, 0, 0, 4]}  # row total wrong (and so the 总计 column's sum)
    fc = failures(RequestsFrame, t3(bad))
    by_check = {c: list(g["failure_case"]) for c, g in fc.groupby("check")}
    assert by_check["R-T3-ROW"] == [{"total": 4.0}]
    assert by_check["R-T3-SUM"] == [{"total": 3.0}]  # the （七）总计 cell of the 总计 column
    assert "R-T3-BAL" not in by_check
    frame = t3(bad)
    row_fail = fc[fc["check"] == "R-T3-ROW"]["index"].iloc[0]
    assert frame.loc[row_fail, "row"] == "granted"


def test_balance_marks_the_column() -> None:
    zero = [0.0] * 7
    rows = {r: zero for r in voc.rows("requests", "v2021")}
    rows = {**rows, "new_received": [1, 0, 0, 0, 0, 0, 1], "carry_forward": [0, 0, 0, 0, 0, 1, 1]}
    fc = failures(RequestsFrame, t3(rows))
    bal = fc[fc["check"] == "R-T3-BAL"]["failure_case"].tolist()
    assert bal == [{"org_other": 1.0, "natural_person": 0.0}] or bal == [{"natural_person": 0.0, "org_other": 1.0}]


def test_appeals_sum() -> None:
    frame = pd.DataFrame([{"report": 0, "row": r, "upheld": 1.0, "corrected": 0.0, "other": 0.0, "pending": 0.0,
                           "total": 1.0 if r != "review" else 0.0} for r in voc.rows("appeals", "v2021")])
    fc = failures(AppealsFrame, frame)
    assert fc[["check", "index"]].values.tolist() == [["R-T4-SUM", 0]]


def test_cells_checks() -> None:
    r = reports(3, blank_style="zero")[1]
    r.cells = [c for c in r.cells if c.key != ("requests", "partial", "research")]
    for c in r.cells:
        if c.key == ("appeals", "review", "pending"):
            c.value = -2
        if c.key == ("requests", "granted", "total"):
            c.value = None
    frame = cells_frame(build_grid([r]))
    fc = failures(CellsFrame, frame.drop(columns="key"))
    got = {(chk, tuple(frame.loc[i, ["table", "row", "col"]].astype(str))) for chk, i in zip(fc["check"], fc["index"], strict=True)}
    assert got == {("R-CELLS-MISSING", ("requests", "partial", "research")),
                   ("R-NONNEG", ("appeals", "review", "pending")),
                   ("R-BLANK", ("requests", "granted", "total"))}


def test_models_are_strict_about_their_columns() -> None:
    frame = requests_frame(build_grid(reports(3))).assign(extra=1)
    with pytest.raises(pa.errors.SchemaErrors):
        RequestsFrame.validate(frame, lazy=True)
