"""The narrative sections: 一、总体情况 (overview), 五、存在的主要问题… (problems), 六、其他需要报告的事项.

Why by position rather than by heading alone: headings vary ("改进措施", "整改措施", no heading at
all in report 05, sub-headings that repeat "存在的主要问题" in report 12), but the order of the
report does not: the overview runs from its heading to the first table, the problems from the end
of table 四 to the 其他需要报告的事项 heading, and the other matters from that heading to the end
of the report (page chrome such as 关闭/打印 cut off).
"""

from __future__ import annotations

import re

from pipeline.ingest import labels as lb
from pipeline.ingest.numbers import CELL_BLANK

_OVERVIEW_HEAD_RE = re.compile(r"(?m)[一1]\s*[、.]\s*总\s*体\s*情\s*况|^\s*总\s*体\s*情\s*况\s*$")
_PROBLEMS_HEAD_RE = re.compile(
    r"^\s*(?:[五六七]\s*[、.]\s*)?[^\n。]{0,20}?存\s*在\s*的?\s*主\s*要\s*问\s*题"
    r"(?:\s*及\s*(?:其\s*)?(?:改\s*进|整\s*改)\s*(?:情\s*况|措\s*施))?"
)
_T2_HEAD_RE = re.compile(r"[一二三四五六七八九十]\s*[、.]\s*$")
_CHROME_RE = re.compile(
    r"(?m)^\s*(?:关闭|打印|【打印】|\[打印\]|【关闭】|返回顶部|上一篇|下一篇|article over|分享到|扫一扫|相关链接|"
    r"主办单位|版权所有|网站标识码|技术支持)"
)


def _clean(text: str) -> str:
    lines = [ln.strip().replace(CELL_BLANK, "") for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def extract_sections(text: str, t2_start: int, t4_end: int) -> dict[str, str]:
    out = {"overview": "", "problems": "", "other_matters": ""}
    m = _OVERVIEW_HEAD_RE.search(text, 0, t2_start)
    if m:
        body = text[m.end(): t2_start]
        out["overview"] = _clean(_T2_HEAD_RE.sub("", body.rstrip()))
    om = lb.OTHER_MATTERS_RE.search(text, t4_end)
    problems_end = om.start() if om else len(text)
    body = text[t4_end:problems_end]
    hm = _PROBLEMS_HEAD_RE.match(body)
    if hm:
        body = body[hm.end():]
    if om:
        body = re.sub(r"[一二三四五六七八九十]\s*[、.]\s*$", "", body.rstrip())
    out["problems"] = _clean(body)
    if om:
        rest = text[om.end():]
        cm = _CHROME_RE.search(rest)
        out["other_matters"] = _clean(rest[: cm.start()] if cm else rest)
    return out
