"""What a report says about itself: agency, year, title, publication date, index number.

Why from the document: the registry knows which agency a file is expected from, but the report's
own title and page metadata (索引号, 公开日期) are what let a reviewer check that the right file
arrived. Every field is None where the document does not say it.
"""

from __future__ import annotations

import re

from pipeline.model import Meta

_TITLE_RE = re.compile(
    r"(?m)^[ \t#*]*(?:标题\s*[:：]\s*)?(?P<t>[^\n\t。,，;；:：《》“”()]{0,40}?"
    r"政\s*府\s*信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?(?:工\s*作\s*)?报\s*告)\s*$"
)
_TITLE_SPLIT_RE = re.compile(r"(?m)^[ \t#*]*(?P<a>[^\n。,，;；:：《》“”]{2,40}?)\s*\n\s*(?P<b>年\s*度\s*报\s*告)\s*$")
_AGENCY_YEAR_RE = re.compile(r"^(?P<a>.*?)(?P<y>(?:19|20)\d{2})\s*年\s*度?(?P<b>.*?)(?:政府信息公开|$)")
_INDEX_RE = re.compile(r"索\s*引\s*号\s*[:：]?\s*([0-9A-Za-z][0-9A-Za-z\-/_.]{3,})")
_DATE = r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
_LABELLED_DATE_RE = re.compile(rf"(?:公开日期|发布日期|发布时间|成文日期|印发日期|日期)\s*[:：]?\s*{_DATE}")
_DATE_LINE_RE = re.compile(rf"(?m)^\s*\(?\s*{_DATE}\s*日?\s*\)?\s*$")
_PERIOD_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*0?1\s*月\s*0?1\s*日")
_FIELD_AGENCY_RE = re.compile(r"(?:发布机构|发布单位|单位)\s*[:：]\s*([^\s\t]{2,30})")
#: A line that is an agency's name (the line above a title that starts with the year).
_AGENCY_LINE_RE = re.compile(r"^[^\d。,，;；:：《》“”()]{2,24}(?:政府|办公室|办公厅|委员会|管委会|局|厅|委|院|署|办|中心|街道|镇|乡)$")


def extract_meta(text: str, head_end: int) -> Meta:
    """Meta from the normalised text; ``head_end`` is where the tables begin (title and page
    metadata come before)."""
    head = text[:head_end]
    meta = Meta()
    title = _title(head)
    if title:
        meta.title = title
        m = _AGENCY_YEAR_RE.match(title)
        if m:
            meta.year = int(m.group("y"))
            agency = (m.group("a") or m.group("b")).strip(" -_:：")
            meta.agency = agency or None
    if meta.agency is None:
        m = _FIELD_AGENCY_RE.search(head)
        if m:
            meta.agency = m.group(1)
    if meta.year is None:
        m = _PERIOD_RE.search(head)
        if m:
            meta.year = int(m.group(1))
    m = _INDEX_RE.search(head)
    if m:
        meta.index_no = m.group(1).rstrip("./-")
    meta.published_on = _published_on(text, head)
    return meta


def _title(head: str) -> str | None:
    m = _TITLE_RE.search(head)
    if m:
        title = re.sub(r"\s+", "", m.group("t"))
        if title[:1].isdigit():
            # "淮安市人民政府\n2024 年政府信息公开工作年度报告": the agency is on the line above
            line = head[: m.start("t")].rstrip().rsplit("\n", 1)[-1].strip(" \t#*")
            if _AGENCY_LINE_RE.match(line):
                title = re.sub(r"\s+", "", line) + title
        return title
    m = _TITLE_SPLIT_RE.search(head)
    if m and "政府信息公开" in re.sub(r"\s+", "", m.group("a")):
        return re.sub(r"\s+", "", m.group("a") + m.group("b"))
    return None


def _published_on(text: str, head: str) -> str | None:
    m = _LABELLED_DATE_RE.search(head)
    if not m:
        lines = list(_DATE_LINE_RE.finditer(text))
        m = lines[-1] if lines else None
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups()[:3])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
