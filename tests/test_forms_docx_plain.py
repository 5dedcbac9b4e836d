"""The DOCX reader's one pass over a plain body gives exactly the general walk's lines, and gives up
(None) on any body that is not plain."""

from __future__ import annotations

import random

import pytest
from lxml import etree

from pipeline.ingest.forms import docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXTS = ("a", " b ", "", "c\u3000", "\xa0", "x y", "  ", "\t", "d\ne", "1,234")
MERGES = ('<w:vMerge/>', '<w:vMerge w:val="restart"/>', '<w:vMerge w:val="continue"/>', '<w:hMerge/>',
          '<w:hMerge w:val="restart"/>', '<w:gridSpan w:val="2"/>', '<w:x><w:vMerge/></w:x>')


def _body(inner: str) -> etree._Element:
    root = etree.fromstring(f'<w:document xmlns:w="{W}"><w:body>{inner}</w:body></w:document>'.encode(), docx._PARSER)
    return root.find(docx._BODY)


def _walk(body: etree._Element) -> list[str]:
    out: list[str] = []
    docx._block_lines(body, out, docx._with_marks(body))
    return out


def _run(rng: random.Random, depth: int) -> str:
    k = rng.random()
    if k < 0.55:
        return f"<w:r><w:t>{rng.choice(TEXTS)}</w:t></w:r>"
    if k < 0.65:
        return rng.choice(["<w:r><w:br/></w:r>", "<w:r><w:tab/></w:r>", "<w:r><w:cr/></w:r>", "<w:r><w:noBreakHyphen/></w:r>"])
    if k < 0.7:
        return f"<w:hyperlink><w:r><w:t>{rng.choice(TEXTS)}</w:t></w:r></w:hyperlink>"
    if k < 0.74:
        return "<w:r><w:t>q<w:x/>r</w:t></w:r>"  # text of the <w:t> before its first child only
    if k < 0.77:
        return "<w:r><w:t><![CDATA[z]]>y</w:t></w:r>"
    if k < 0.8 and depth < 2:
        return f"<w:r><w:txbxContent>{_para(rng, depth + 1)}</w:txbxContent></w:r>"  # a text box: not plain
    if k < 0.85:
        return '<w:pPr><w:tabs><w:tab w:val="left"/></w:tabs></w:pPr>'  # a tab stop counts as a tab
    if k < 0.88:
        return f"<w:t>{rng.choice(TEXTS)}</w:t>"
    return "<w:bookmarkStart/>"


def _para(rng: random.Random, depth: int = 0) -> str:
    return "<w:p>" + "".join(_run(rng, depth) for _ in range(rng.randint(0, 4))) + "</w:p>"


def _cell(rng: random.Random, depth: int) -> str:
    kids = [f"<w:tcPr>{''.join(rng.choice(MERGES) for _ in range(rng.randint(0, 3)))}</w:tcPr>"] if rng.random() < 0.8 else []
    for _ in range(rng.randint(0, 3)):
        k = rng.random()
        if k < 0.75:
            kids.append(_para(rng, depth))
        elif k < 0.8:
            kids.append(f"<w:tcPr>{rng.choice(MERGES)}</w:tcPr>")  # a second properties: never decides
        elif k < 0.85 and depth < 2:
            kids.append(_table(rng, depth + 1))
        elif k < 0.9:
            kids.append(f"<w:sdt><w:sdtContent>{_para(rng, depth)}</w:sdtContent></w:sdt>")
        else:
            kids.append("<w:r><w:t>loose</w:t></w:r>")
    return "<w:tc>" + "".join(kids) + "</w:tc>"


def _table(rng: random.Random, depth: int = 0) -> str:
    rows = []
    for _ in range(rng.randint(0, 4)):
        cells = [_cell(rng, depth) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.05:
            cells.append(f"<w:customXml>{_cell(rng, depth)}</w:customXml>")
        rows.append("<w:tr><w:trPr/>" + "".join(cells) + "</w:tr>")
    if rng.random() < 0.05:
        rows.append(f"<w:sdt><w:sdtContent><w:tr>{_cell(rng, depth)}</w:tr></w:sdtContent></w:sdt>")
    return "<w:tbl><w:tblPr/>" + "".join(rows) + "</w:tbl>"


def _random_body(rng: random.Random) -> str:
    kids = []
    for _ in range(rng.randint(0, 6)):
        k = rng.random()
        if k < 0.5:
            kids.append(_para(rng))
        elif k < 0.85:
            kids.append(_table(rng))
        elif k < 0.9:
            kids.append(f"<w:sdt><w:sdtContent>{_para(rng)}{_table(rng)}</w:sdtContent></w:sdt>")
        elif k < 0.95:
            kids.append("<w:sectPr/>")
        else:
            kids.append("<w:r><w:t>stray</w:t></w:r>")
    return "".join(kids)


def test_one_pass_equals_the_walk_on_random_bodies() -> None:
    rng = random.Random(9)
    plain = 0
    for _ in range(3000):
        body = _body(_random_body(rng))
        got = docx._plain_lines(body)
        if got is not None:
            plain += 1
            assert got == _walk(body)
    assert plain > 500  # the draw covers plain bodies, not only the others


@pytest.mark.parametrize("inner", [
    "<w:sdt><w:sdtContent><w:p><w:r><w:t>a</w:t></w:r></w:p></w:sdtContent></w:sdt>",
    "<w:tbl><w:tr><w:tc><w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>",
    "<w:tbl><w:tr><w:sdt><w:sdtContent><w:tc><w:p/></w:tc></w:sdtContent></w:sdt></w:tr></w:tbl>",
    "<w:p><w:r><w:txbxContent><w:p><w:r><w:t>box</w:t></w:r></w:p></w:txbxContent></w:r></w:p>",
    "<w:tbl><w:tr><w:tc><w:p/><w:r><w:t>loose</w:t></w:r></w:tc></w:tr></w:tbl>",
    "<w:r><w:t>stray</w:t></w:r>",
])
def test_bodies_that_are_not_plain_go_to_the_walk(inner: str) -> None:
    body = _body(inner)
    assert docx._plain_lines(body) is None
    assert _walk(body) is not None


def test_plain_body_lines() -> None:
    body = _body('<w:p><w:r><w:t> 标题 </w:t></w:r></w:p><w:tbl><w:tr>'
                 '<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>甲</w:t><w:br/><w:t> 乙 </w:t></w:r></w:p></w:tc>'
                 '<w:tc><w:p/></w:tc></w:tr><w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>'
                 '<w:tc><w:p><w:r><w:t>3</w:t></w:r></w:p></w:tc></w:tr></w:tbl>')
    assert docx._plain_lines(body) == ["标题", "", "甲", "乙", "", docx.NBSP, "", "3", ""] == _walk(body)
