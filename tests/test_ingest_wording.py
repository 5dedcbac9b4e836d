"""Every parse note the readers write has its Chinese (``pipeline.ingest.wording``), for the clerk."""

from __future__ import annotations

from pipeline.ingest import parse_bytes
from pipeline.ingest.wording import repairs_zh, zh
from pipeline.synth.damage import FORMS, damaged_report


def test_notes_of_damaged_reports_all_have_chinese() -> None:
    notes = [n for i in range(120) for n in parse_bytes(*_case(i)).notes]
    assert len(notes) > 100
    missing = {n.message for n in notes if not n.message_zh or n.message_zh == n.message}
    assert not missing, sorted(missing)[:5]


def _case(i: int) -> tuple[bytes, str]:
    d = damaged_report(i, FORMS[i % len(FORMS)])
    return d.data, d.name


def test_templates_render() -> None:
    assert zh("table 三 row （一）予以公开: a stray number (3) skipped (read as 4|0|0|0|0|0|4)") == \
        "表三「（一）予以公开」行：多出的数字（3）已略去（读作 4|0|0|0|0|0|4）"
    assert zh("table 二 row 规章 is not printed; its cells are read as not printed") == "表二「规章」行未列出，按未列出处理"
    assert repairs_zh("number broken over lines joined: 1+62 → 162; 1 blank cell(s) among run-together digits") == \
        "跨行断开的数字已接合（1+62 → 162）；连在一起的数字中有 1 个空白单元格"
    assert zh("something no reader writes") == ""
