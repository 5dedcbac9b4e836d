"""The canonical JSON form: exact round trip and a clear error for every structural fault."""

from __future__ import annotations

import json
import random

import pytest

from pipeline.ingest import IngestError, parse_bytes
from pipeline.synth import generate_report


def _doc(version: str = "v2021", **kw) -> dict:
    return generate_report(random.Random(1), version, **kw).to_dict()


def _parse(doc) -> None:
    parse_bytes(json.dumps(doc, ensure_ascii=False).encode("utf-8"), "sub.json")


@pytest.mark.parametrize(("version", "single_other"), [("v2019", False), ("v2021", False), ("v2021", True)])
def test_round_trip_is_exact(version: str, single_other: bool) -> None:
    report = generate_report(random.Random(2), version, single_other=single_other)
    back = parse_bytes(report.to_json().encode("utf-8"), "r.json")
    assert back.to_dict() == report.to_dict()
    assert parse_bytes(b"\xef\xbb\xbf" + report.to_json().encode("utf-8"), "bom.json").to_dict() == report.to_dict()


def _cell_index(doc: dict, table: str, row: str, col: str) -> int:
    return next(i for i, c in enumerate(doc["cells"]) if (c["table"], c["row"], c["col"]) == (table, row, col))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(template="v2020"), "template: must be one of"),
        (lambda d: d["cells"][0].update(table="tableX"), "unknown table 'tableX'"),
        (lambda d: d["cells"][_cell_index(d, "requests", "granted", "total")].update(row="granted_x"), "cells[%d] (requests/granted_x/total): unknown row"),
        (lambda d: d["cells"][_cell_index(d, "requests", "granted", "total")].update(col="sum"), "cells[%d] (requests/granted/sum): unknown column 'sum'"),
        (lambda d: d["cells"][_cell_index(d, "requests", "granted", "total")].update(value="7"), "cells[%d] (requests/granted/total): value must be a number"),
        (lambda d: d["cells"][_cell_index(d, "requests", "granted", "total")].update(value=2.5), "must be a whole number"),
        (lambda d: d["cells"][_cell_index(d, "requests", "granted", "total")].update(value=True), "value must be a number"),
        (lambda d: d["cells"].append(dict(d["cells"][0])), "the same cell appears twice"),
        (lambda d: d["meta"].update(year="2021"), "meta.year: expected int"),
        (lambda d: d["meta"].update(published_on="29/01/2022"), "meta.published_on"),
        (lambda d: d["meta"].update(author="x"), "meta.author: unknown field"),
        (lambda d: d.update(cells={}), "cells: expected a list"),
        (lambda d: d["sections"].update(preface="x"), "sections.preface: unknown section"),
        (lambda d: d["cells"].append({"table": "requests", "row": "other", "col": "total", "value": 0}), "both the single"),
        (lambda d: d["cells"].append({"table": "proactive", "row": "central_procurement", "col": "procurement_items", "value": 0}),
         "unknown row 'central_procurement' for table proactive in template v2021"),
    ],
)
def test_structural_faults_name_the_file_and_cell(mutate, message: str) -> None:
    doc = _doc()
    mutate(doc)
    if "%d" in message:
        message = message % _cell_index_after(doc, message)
    with pytest.raises(IngestError) as e:
        _parse(doc)
    assert str(e.value).startswith("sub.json: ")
    assert message in str(e.value)


def _cell_index_after(doc: dict, message: str) -> int:
    table, row, col = message.split("(", 1)[1].split(")", 1)[0].split("/")
    return _cell_index(doc, table, row, col)


def test_not_json_and_not_utf8() -> None:
    with pytest.raises(IngestError, match="not valid JSON: line 1"):
        parse_bytes(b'{"template": "v2021",', "broken.json")
    with pytest.raises(IngestError, match="not UTF-8"):
        parse_bytes('{"template": "v2021"}'.encode("gbk") + "报告".encode("gbk"), "gbk.json")
    with pytest.raises(IngestError, match="top level"):
        parse_bytes(b"[1, 2]", "list.json")


def test_integral_floats_in_count_cells_become_ints() -> None:
    doc = _doc("v2019")
    i = _cell_index(doc, "requests", "total", "total")
    doc["cells"][i]["value"] = float(doc["cells"][i]["value"] or 0)
    back = parse_bytes(json.dumps(doc).encode(), "f.json")
    assert isinstance(back.value("requests", "total", "total"), int)
