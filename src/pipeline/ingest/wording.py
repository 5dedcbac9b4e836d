"""The parse notes in Chinese, for the clerk: each English note the readers write, and its Chinese.

Why one table of patterns rather than two strings at every call: the readers compose their notes
from the same few templates, so their wording stays in one place, and a test
(``tests/test_ingest_wording.py``) holds every template the readers use to a Chinese rendering.
:func:`zh` returns "" for a message no pattern knows (the English then stands alone).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_REPAIRS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), z) for p, z in (
    (r"^number broken over lines joined: (.*)$", r"跨行断开的数字已接合（\1）"),
    (r"^equal cells printed once, repeated: (.*)$", r"相同的单元格只印了一次，已补足（\1）"),
    (r"^(\d+) blank cell\(s\) among run-together digits$", r"连在一起的数字中有 \1 个空白单元格"),
    (r"^(\d+) blank cell\(s\) before the row dropped$", r"行前 \1 个空白单元格已略去"),
    (r"^a stray number \((.*)\) skipped$", r"多出的数字（\1）已略去"),
    (r"^the row is printed twice; the second copy skipped$", "该行重复印了两次，已略去第二次"),
    (r"^a number standing alone on its line split$", "单独成行的数字已拆分"),
))


def repairs_zh(text: str) -> str:
    """The Chinese of a "; "-joined list of repairs (see ``pipeline.ingest.reading``)."""
    out = []
    for part in text.split("; "):
        for pattern, zh_ in _REPAIRS:
            if pattern.match(part):
                out.append(pattern.sub(zh_, part))
                break
        else:
            out.append(part)
    return "；".join(out)


def _repaired(m: re.Match[str]) -> str:
    where = f"表{m['t']}「{m['row']}」行" if m["row"] else f"表{m['t']}"
    return f"{where}：{repairs_zh(m['what'])}（读作 {m['read']}）"


_T = r"table (?P<t>[二三四])"
_ROW = r" row (?P<row>.+?)"
_MESSAGES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(p), z) for p, z in (
        (rf"^{_T}{_ROW}: its label is not recognised; the numbers after 「(?P<w>.+)」 in its block are read as the row$",
         r"表\g<t>「\g<row>」行：行名未能识别，按本栏目中「\g<w>」之后的数字读取"),
        (rf"^{_T}{_ROW}: its label is not recognised; the seven numbers after row (?P<prev>.+) are read as the row$",
         r"表\g<t>「\g<row>」行：行名未能识别，按「\g<prev>」行之后的七个数字读取"),
        (rf"^{_T}{_ROW} is not printed \(its label appears only in a sentence\); its cells are read as not printed$",
         r"表\g<t>「\g<row>」行未列出（行名只出现在正文句子中），按未列出处理"),
        (rf"^{_T}{_ROW} is not printed; its cells are read as not printed$", r"表\g<t>「\g<row>」行未列出，按未列出处理"),
        (r"^table 二: a row the template does not have \((?P<x>.*)\) ignored$", r"表二：模板中没有的行（\g<x>）已略去"),
        (rf"^{_T}{_ROW}: a sentence quoting the label with a number \((?P<x>.*)\) is not the row$",
         r"表\g<t>「\g<row>」行：正文句子引用了该行名和数字（\g<x>），不作为表格行"),
        (rf"^{_T}{_ROW}: its printed numbers \((?P<x>.*)\) cannot be read as (?P<n>\d+) cells; left blank$",
         r"表\g<t>「\g<row>」行：所印数字（\g<x>）无法按 \g<n> 栏读出，暂按空白处理，请核对原件"),
        (rf"^{_T}: its printed numbers \((?P<x>.*)\) cannot be read as (?P<n>\d+) cells; left blank$",
         r"表\g<t>：所印数字（\g<x>）无法按 \g<n> 栏读出，暂按空白处理，请核对原件"),
        (rf"^{_T}{_ROW}: the block prints no column (?P<c>.+); read as not printed$",
         r"表\g<t>「\g<row>」行：该栏目未印「\g<c>」列，按未列出处理"),
        (rf"^{_T}{_ROW}: (?P<n>\d+) readings remain \(no identity constrains this table\); kept (?P<k>.+), cells marked ambiguous$",
         r"表\g<t>「\g<row>」行：有 \g<n> 种读法（本表没有可用的勾稽关系），暂取 \g<k>，相关单元格标为存疑，请核对原件"),
        (rf"^{_T}{_ROW}: (?P<n>\d+) readings fit the identities equally; kept (?P<k>.+), (?P<c>\d+) cell\(s\) marked ambiguous$",
         r"表\g<t>「\g<row>」行：有 \g<n> 种读法同样符合勾稽关系，暂取 \g<k>，\g<c> 个单元格标为存疑，请核对原件"),
        (rf"^{_T}: (?P<n>\d+) readings fit R-T4-SUM equally; (?P<c>\d+) cell\(s\) marked ambiguous$",
         r"表\g<t>：有 \g<n> 种读法同样符合总计关系，\g<c> 个单元格标为存疑，请核对原件"),
        (rf"^{_T}{_ROW}: run-together digits read as (?P<k>.+) \(settled by the narrative or last year's report\)$",
         r"表\g<t>「\g<row>」行：连在一起的数字读作 \g<k>（由正文数字或上年报告确定）"),
        (rf"^{_T}{_ROW}: figures of a sentence inside the table \((?P<x>.*)\) are not cells$",
         r"表\g<t>「\g<row>」行：表格中句子里的数字（\g<x>）不作为单元格"),
        (rf"^{_T}{_ROW}: the label is printed without cells \(merged into a neighbouring row on the page\); read as not printed$",
         r"表\g<t>「\g<row>」行：只印了行名、没有单元格（页面上与相邻行合并），按未列出处理"),
        (rf"^{_T}{_ROW}: (?P<a>\d+) of (?P<b>\d+) numbers in the row; loose number\(s\) (?P<x>.+) printed apart from "
         r"the row put back in order$",
         r"表\g<t>「\g<row>」行：本行只有 \g<a>/\g<b> 个数字，行外散落的数字（\g<x>）已按顺序放回"),
        (r"^table 三: row labels are detached from their numbers; rows read in template order$",
         "表三：行名与数字分离，按模板行序读取"),
        (r"^(?:the report prints no table 四|table 四 prints no numbers); its cells are read as not printed$",
         "报告没有印出表四的数字，表四按未列出处理"),
        (r"^table 三 prints a single （六）其他处理 row \(no sub-rows\)$", "表三「（六）其他处理」只印一行（未分三个子项）"),
        (r"^template version markers of table 二 conflict; decided by table 三$", "表二的模板版本标志互相矛盾，按表三判定"),
        (r"^format mismatch: .*summed into （六）其他处理$", "2019 版表二与 2021 版表三（六）子项混用，子项已合计为（六）其他处理"),
        (rf"^{_T}{_ROW}: (?P<c>.+?) is blank in the document; derived (?P<v>.+?) from the row \((?P<r>.+?)\) and the column "
         r"forms \((?P<f>.+)\)$",
         r"表\g<t>「\g<row>」行：「\g<c>」在原件中为空白，已按本行（\g<r>）和各列关系（\g<f>）推算为 \g<v>，请补填"),
        (r"^table 二 (?P<c>.+): printed '(?P<p>.*)', read as (?P<v>.+) (?P<u>万元|元)$",
         r"表二「\g<c>」：原件印作「\g<p>」，按 \g<v> \g<u> 计"),
        (r"^a line of (?P<n>[\d,]+) characters \(over (?P<m>[\d,]+)\) is no text of a report; skipped$",
         r"有一行长达 \g<n> 个字符（超过 \g<m>），不是报告正文，已略去"),
        (r"^(?P<n>\d+) run\(s\) of more than (?P<m>\d+) digits cut to (?P=m) \(no figure of a report has so many: no value\)$",
         r"有 \g<n> 处超过 \g<m> 位的连续数字，已截为 \g<m> 位（报告中没有这么长的数字，不作为数值）"),
        (r"^xlsx: no machine codes found; cells were matched by their labels$", "XLSX：未找到机器代码，按行列名称匹配单元格"),
        (r"^xlsx: row (?P<r>.+) not found; its cells are read as not printed$", r"XLSX：未找到「\g<r>」行，按未列出处理"),
        (r"^xlsx: row (?P<r>.+) does not belong to template (?P<v>.+); ignored$", r"XLSX：「\g<r>」行不属于 \g<v> 模板，已略去"),
        (rf"^{_T}{_ROW}: (?P<what>.+) \(read as (?P<read>.+)\)$", _repaired),
        (rf"^{_T}(?P<row>): (?P<what>.+) \(read as (?P<read>.+)\)$", _repaired),
    ))


def zh(message: str) -> str:
    """The Chinese of one parse note ("" when no pattern knows it)."""
    for pattern, template in _MESSAGES:
        m = pattern.match(message)
        if m:
            return template(m) if callable(template) else m.expand(template)
    return ""
