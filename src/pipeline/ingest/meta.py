"""What a report says about itself: agency, year, title, publication date, index number.

Why from the document: the registry knows which agency a file is expected from, but the report's
own title and page metadata (索引号, 公开日期) are what let a reviewer check that the right file
arrived (:mod:`pipeline.validate.submission`). Every field is None where the document does not say it.

Where each field comes from, first found wins:

- title, agency, year: the title line; else (agency) a 发布机构 field or the signature above the closing
  date, (year) the reporting period "YYYY年1月1日"; a saved page's ``<title>`` fills what the body
  leaves out (:func:`meta_from_page_title`, without the site's suffix "-XX人民政府");
- publication date: a labelled date of the page header (发布日期 …), else the last date on a line of
  its own (the signature). A date is taken only when it is a real calendar date, not a crawler's
  placeholder (before 2008, when the 条例 took effect — 1970-01-01, 1900-01-01), not inside a range
  ("2022年1月1日起至…") and after the reporting period (a report of year Y is published in Y+1 or later).
"""

from __future__ import annotations

import datetime as dt
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
#: A line holding only a date. Possessive blanks, kept to the line: a line of tabs must not backtrack.
_DATE_LINE_RE = re.compile(rf"(?m)^[ \t\u3000]*+\(?[ \t]*+{_DATE}[ \t]*+日?[ \t]*+\)?[ \t\u3000]*+$")
#: After a date: it starts or ends a period ("2022年1月1日起至…", "1月1日—12月31日"), not a publication.
_RANGE_AFTER_RE = re.compile(r"\s*日?\s*(?:起|至|到|止|—|–|~|～|-\s*\d)")
#: The 条例 took effect in 2008: an earlier date on a report page is a crawler's placeholder.
FIRST_REPORT_YEAR = 2008
#: Separators between a page title and the site's name ("…年度报告-青溪县人民政府", "… | 某某网").
_SITE_SEP_RE = re.compile(r"\s*[-_|｜—–]+\s*")
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
    if meta.agency is None:
        meta.agency = _signature(text)
    if meta.year is None:
        m = _PERIOD_RE.search(head)
        if m:
            meta.year = int(m.group(1))
    m = _INDEX_RE.search(head)
    if m:
        meta.index_no = m.group(1).rstrip("./-")
    meta.published_on = _published_on(text, head, meta.year)
    return meta


def meta_from_page_title(page_title: str) -> Meta:
    """Title, agency and year from a page's ``<title>``, the site's name after a separator dropped."""
    meta = Meta()
    parts = [p for p in _SITE_SEP_RE.split(" ".join(page_title.split())) if p]
    title = next((p for p in parts if "报告" in p), None)
    if title is None:
        return meta
    meta.title = _title(title) or re.sub(r"\s+", "", title)
    m = _AGENCY_YEAR_RE.match(meta.title)
    if m:
        meta.year = int(m.group("y"))
        meta.agency = (m.group("a") or m.group("b")).strip(" -_:：") or None
    return meta


def fill_missing(meta: Meta, other: Meta) -> Meta:
    """``meta`` with each field it lacks taken from ``other``; a publication date that the year now
    shows to be inside the reporting period is dropped."""
    for name in Meta.__slots__:
        if getattr(meta, name) is None and getattr(other, name) is not None:
            setattr(meta, name, getattr(other, name))
    if meta.published_on and meta.year and int(meta.published_on[:4]) <= meta.year:
        meta.published_on = None
    return meta


def iso_date(year: int, month: int, day: int) -> str | None:
    """``YYYY-MM-DD`` of a real calendar date (None for 2022-02-31, month 13 …)."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _signature(text: str) -> str | None:
    """The agency signing the report: the line above the last date standing on a line of its own."""
    lines = list(_DATE_LINE_RE.finditer(text))
    if not lines:
        return None
    above = text[: lines[-1].start()].rstrip().rsplit("\n", 1)[-1].strip(" \t#*")
    return re.sub(r"\s+", "", above) if _AGENCY_LINE_RE.match(above) else None


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


def _published_on(text: str, head: str, year: int | None = None) -> str | None:
    """The first plausible publication date: labelled ones in the header, then the signature's."""
    for m in _LABELLED_DATE_RE.finditer(head):
        found = _publication_date(m, head, year)
        if found:
            return found
    for m in reversed(list(_DATE_LINE_RE.finditer(text))):  # the whole text searched only now
        found = _publication_date(m, text, year)
        if found:
            return found
    return None


def _publication_date(m: re.Match[str], src: str, year: int | None) -> str | None:
    """The date ``m`` as ISO when it can be a publication date (see the module docstring)."""
    y, mo, d = (int(x) for x in m.groups()[:3])
    found = iso_date(y, mo, d)
    if found is None or y < FIRST_REPORT_YEAR:
        return None
    if _RANGE_AFTER_RE.match(src, m.end()):
        return None
    if year is not None and y <= year:
        return None
    return found
