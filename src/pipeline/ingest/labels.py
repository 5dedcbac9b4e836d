"""The printed words that locate things in a report: table anchors, row labels, version markers.

Why keyword patterns and not exact labels: published reports wrap labels over lines, insert stray
spaces ("只计这一情 形"), mistype them ("2.其他法律行政止公开"), renumber them ("1、" for "1.") and
shorten them. Each row is therefore found by the distinctive start of its label, every character
allowing whitespace after it, with an optional item number in front (so that the "2." of
"…0000002.其他法律…" is taken as the label's number, not as a digit of the previous row).

All patterns run on NFKC-normalised text (full-width brackets and digits are already half-width).
"""

from __future__ import annotations

import itertools
import re
from functools import cache

from pipeline import vocabulary as voc


def spaced(word: str) -> str:
    """A regex for ``word`` tolerating whitespace between its characters."""
    return r"\s*".join(re.escape(ch) for ch in word if not ch.isspace())


def _num(n: str) -> tuple[str, str]:
    """Optional sub-item number before a label: "1." "1、" "1," "1 ." (any of them)."""
    return (rf"{n}\s*[.、,]\s*", "")


def _paren(n: str) -> str:
    return rf"\(\s*{n}\s*\)\s*"


def _opt(pattern: str) -> tuple[str, str]:
    return (pattern, "")


#: Table 三 rows: code → the parts of its printed label's start, each part a tuple of the ways it
#: may be printed, tried in order ("" for an optional part left out). Spelled out like this rather
#: than as one regex per row so that every alternative of :data:`T3_ROW_RE` starts with a fixed
#: character, which lets the regex engine skip to those characters (this is the hot loop of ingest).
_T3_ROWS: dict[str, tuple[tuple[str, ...], ...]] = {
    "new_received": (_opt(r"一\s*、\s*"), (spaced("本年新收"),)),
    "carried_over": (_opt(r"二\s*、\s*"), (spaced("上年结转"),)),
    "granted": (_opt(_paren("一")), (spaced("予以公开"),)),
    "partial": (_opt(_paren("二")), (spaced("部分公开"),)),
    "denied.state_secret": (_num("1"), (spaced("属于国家秘密"),)),
    "denied.law_prohibited": (_num("2"), (spaced("其他法律"),)),
    "denied.security_stability": (_num("3"), (spaced("危及"),)),
    "denied.third_party": (_num("4"), (spaced("保护第三方"),)),
    "denied.internal_affairs": (_num("5"), _opt(spaced("属于")), (spaced("三类内部"),)),
    "denied.process_info": (_num("6"), _opt(spaced("属于")), (spaced("四类过程"),)),
    "denied.enforcement_file": (_num("7"), _opt(spaced("属于")), (spaced("行政执法案卷"),)),
    "denied.admin_query": (_num("8"), _opt(spaced("属于")), (spaced("行政查询"),)),
    "unable.not_held": (_num("1"), (spaced("本机关不掌握"),)),
    "unable.needs_creation": (_num("2"), (spaced("没有现成信息"),)),
    "unable.still_unclear": (_num("3"), (spaced("补正后申请内容"),)),
    "not_processed.petition": (_num("1"), (spaced("信访举报"),)),
    "not_processed.duplicate": (_num("2"), (spaced("重复申请"),)),
    "not_processed.publication": (_num("3"), (spaced("要求提供公开出版物"),)),
    "not_processed.excessive": (_num("4"), (spaced("无正当理由大量"),)),
    "not_processed.confirm_reissue": (_num("5"), (spaced("要求行政机关确认"),)),
    "other": ((_paren("六"),), (spaced("其他处理"),)),
    "other.no_correction": (_num("1"), (spaced("申请人无正当理由"), spaced("逾期不补正"))),
    "other.fee_unpaid": (_num("2"), (spaced("申请人逾期未"), spaced("逾期未按收费"), spaced("收费通知"))),
    "other.misc": ((r"3\s*[.、,]\s*",), (spaced("其他"),)),
    "total": ((_paren("七"),), (spaced("总计"),)),
    "carry_forward": ((rf"四\s*、\s*{spaced('结转下年')}", spaced("结转下年度继续")),),
}


def _spelled_out(rows: dict[str, tuple[tuple[str, ...], ...]]) -> re.Pattern[str]:
    """One regex over every way of printing every row, in the order a regex with optional parts
    would try them; each alternative ends in an empty group ``r<row index>_<n>`` that names it."""
    alts = [f"{''.join(combo)}(?P<r{i}_{k}>)"
            for i, parts in enumerate(rows.values()) for k, combo in enumerate(itertools.product(*parts))]
    return re.compile("|".join(alts))


#: Table 二 rows (found in any order; the first occurrence in the table region counts).
_T2_ROWS: dict[str, str] = {
    "other_mgmt_services": spaced("其他对外管理服务事项"),
    "normative_docs": rf"(?:{spaced('行政')})?{spaced('规范性文件')}",
    "rules": spaced("规章"),
    "licensing": spaced("行政许可"),
    "penalties": spaced("行政处罚"),
    "coercion": spaced("行政强制"),
    "admin_fees": spaced("行政事业性收费"),
    "central_procurement": spaced("政府集中采购"),
}



def _alternation(patterns: dict[str, str], start: str) -> re.Pattern[str]:
    """One regex over all row patterns; a lookahead on how a label can start lets the scan skip
    most positions without trying every alternative (this is the hot loop of ingest)."""
    body = "|".join(f"(?P<r{i}>{p})" for i, p in enumerate(patterns.values()))
    return re.compile(f"(?={start})(?:{body})")


T3_ROW_RE = _spelled_out(_T3_ROWS)
T3_ROW_CODES: tuple[str, ...] = tuple(_T3_ROWS)
T2_ROW_RE = _alternation(_T2_ROWS, "[其行规政]")
T2_ROW_CODES: tuple[str, ...] = tuple(_T2_ROWS)

#: A caption row of table 二: 第二十条第（N）项.
T2_CAPTION_RE = re.compile(r"第\s*二\s*十\s*条\s*第\s*\(\s*[一二三四五六七八九十]+\s*\)\s*项")
_NUMERAL = r"[一二三四五六七八九十]\s*[、.]\s*"
#: Start of table 二: its caption or a numbered heading "二、主动公开政府信息情况".
T2_START_RE = re.compile(rf"{T2_CAPTION_RE.pattern}|{_NUMERAL}{spaced('主动公开政府信息情况')}")
#: Start of table 三: its heading, the header note (勾稽关系) or its first row.
T3_START_RE = re.compile(
    rf"{_NUMERAL}{spaced('收到和处理政府信息公开申请')}|{spaced('勾稽关系')}|{spaced('本年新收政府信息公开申请')}"
)
#: Start of table 四 (also the misprint 行政法复议).
T4_START_RE = re.compile(rf"{spaced('行政')}\s*(?:法\s*)?{spaced('复议')}")
#: Characters of table 四's header (a text chunk made of these does not end the table).
T4_HEADER_CHARS = frozenset("行政复议诉讼未经直接起后结果维持纠正其他尚审总计()、:一二三四五六七八九十#|-")

#: Headings of sections 五 and 六: a document that prints them did not end inside table 四.
AFTER_T4_RE = re.compile(rf"{_NUMERAL}(?:{spaced('存在的主要问题')}|{spaced('其他需要报告的事项')})")

#: Heading of section 六 (the other sections are found by position, see ``sections``).
OTHER_MATTERS_RE = re.compile(rf"(?:{_NUMERAL})?{spaced('其他需要报告的事项')}")

#: Template version markers (template.md §9), searched in table 二's region.
V2021_MARKERS = re.compile("|".join(spaced(w) for w in ("制发件", "本年发件", "废止件", "现行有效件", "收费金额")))
V2019_MARKERS = re.compile(
    "|".join(spaced(w) for w in ("新制作数量", "新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "增/减",
                                 "政府集中采购", "其他对外管理服务事项", "采购总金额", "采购项目数量"))
)
#: Table 三 split （六） rows (v2021) — present when the （六） group has the three sub-rows.
T3_SPLIT_OTHER = re.compile(rf"{spaced('逾期不补正')}|{spaced('收费通知')}|{spaced('缴纳费用')}"
                            rf"|{spaced('其他处理')}\s*[1-3]\s*[.、](?!\d)")

#: Page furniture that may sit inside a table: "- 5 -", "— 4 —", "·3·", "第 3 页 共 5 页" (not "3/6": in
#: crawler text that is two cells around a not-applicable mark).
PAGE_FOOTER_RE = re.compile(
    r"^[ \t]*(?:[-—–－~]+[ \t]*\d{1,3}[ \t]*[-—–－~]+|[·•][ \t]*\d{1,3}[ \t]*[·•]"
    r"|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,/]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?)[ \t]*$",
    re.M,
)


@cache
def row_code(table: str, group_name: str) -> str:
    """Map a named group of T2_ROW_RE / T3_ROW_RE back to its row code."""
    codes = T3_ROW_CODES if table == "requests" else T2_ROW_CODES
    return codes[int(group_name[1:].split("_", 1)[0])]


def t3_label(code: str, version: str) -> str:
    """The printed label of a table-三 row, for messages."""
    return voc.label("requests", "row", code, version)
