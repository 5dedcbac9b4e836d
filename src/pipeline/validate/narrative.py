"""Figures stated in 一、总体情况 compared with tables 三 and 四 (template.md §6.3, warnings only).

Why: reports restate their totals in prose ("受理政府信息公开申请17件，办结…，予以公开…，行政复议…件"),
and a figure that disagrees with the table is either a typo in the text or in the table — the clerk
should look. Only figures named unambiguously are read; each names the table cells it must match.

How loose the match is, and why:
- "受理/收到…申请 X 件" is the new applications (一) in most reports, but many count the carried-over
  ones too (一 + 二); either agrees. Applicant splits ("其中自然人 X 件") follow the same reading.
- "办结/答复/办理 X 件" is （七）总计; 一 + 二 also agrees (some count everything handled).
- A clause about 行政复议/行政诉讼 is only read for table 四 figures, never for table 三.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from pipeline import vocabulary as voc
from pipeline.validate.findings import Finding, fmt
from pipeline.validate.rules import make_finding, where_zh

Getter = Callable[[str, str, str], float]  # (table, row, col) → value, blanks as 0

_N = r"(?P<n>\d+)\s*"
_FILL = r"[^，。；;,、\d：:（）()]"  # characters allowed between a keyword and its number


@dataclass(frozen=True)
class Figure:
    """One kind of figure a narrative states, and the table values it may equal."""

    name: str
    zh: str  # what the figure is, in the message
    patterns: tuple[re.Pattern[str], ...]
    table: str
    row: str | None
    col: str
    accept: Callable[[Getter, tuple[str, ...]], tuple[float, ...]]  # (value getter, report's table-三 rows)
    scope: str  # "requests": clauses not about 复议/诉讼; "appeals": clauses about them


@cache
def _group(rows: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    return tuple(r for r in rows if r == prefix or r.startswith(prefix + "."))


def _sum(v: Getter, rows: tuple[str, ...], prefix: str, col: str = "total") -> float:
    return sum(v("requests", r, col) for r in _group(rows, prefix))


def _t4(v: Getter, rows: tuple[str, ...], col: str = "total") -> float:
    return v("appeals", "suit_direct", col) + v("appeals", "suit_after_review", col)


def _c(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


_RECEIVED = r"(?:受理|收到|新收|接收|接到)" + _FILL + r"{0,16}?申请" + _FILL + r"{0,6}?" + _N + r"件"

FIGURES: tuple[Figure, ...] = (
    Figure("received", "收到申请", _c(_RECEIVED), "requests", "new_received", "total",
           lambda v, rows: (v("requests", "new_received", "total"),
                            v("requests", "new_received", "total") + v("requests", "carried_over", "total")),
           "requests"),
    Figure("carried_over", "上年结转", _c(r"上一?年度?结转(?:的)?(?:政府信息公开)?(?:申请)?\s*" + _N + "件"),
           "requests", "carried_over", "total", lambda v, rows: (v("requests", "carried_over", "total"),), "requests"),
    Figure("carry_forward", "结转下年度", _c(
        r"(?:结转|转|顺延)(?:至|到)?下一?年度?(?:继续)?(?:办理)?(?:答复)?(?:的)?(?:有)?\s*" + _N + "件",
        r"(?<![\d.])" + _N + r"件(?:申请)?(?:结转|转|顺延)(?:至|到)?下一?年"),
        "requests", "carry_forward", "total", lambda v, rows: (v("requests", "carry_forward", "total"),), "requests"),
    Figure("handled", "办结", _c(r"(?:办结|答复|办理)(?<!公开..)(?<!处理..)(?<!提供..)(?<!办理..)(?<!继续..)(?:了|完成)?(?:政府信息公开)?(?:申请)?\s*"
                                + _N + "件"),
           "requests", "total", "total",
           lambda v, rows: (v("requests", "total", "total"),
                            v("requests", "new_received", "total") + v("requests", "carried_over", "total")),
           "requests"),
    Figure("granted_partial", "予以公开及部分公开", _c(r"(?:予以公开|同意公开)(?:及|和|与)部分公开(?:答复)?\s*" + _N + "件"),
           "requests", None, "total", lambda v, rows: (_sum(v, rows, "granted") + _sum(v, rows, "partial"),), "requests"),
    Figure("granted", "予以公开", _c(r"(?:予以公开|同意公开)(?!及|和|与)(?:答复)?\s*" + _N + "件"),
           "requests", "granted", "total", lambda v, rows: (_sum(v, rows, "granted"),), "requests"),
    Figure("partial", "部分公开", _c(r"部分公开(?<!公开[及和与]部分公开)(?:答复)?\s*" + _N + "件"),
           "requests", "partial", "total", lambda v, rows: (_sum(v, rows, "partial"),), "requests"),
    Figure("denied", "不予公开", _c(r"不予公开(?:答复)?\s*" + _N + "件"),
           "requests", None, "total", lambda v, rows: (_sum(v, rows, "denied"),), "requests"),
    Figure("unable", "无法提供", _c(r"无法提供(?:的)?\s*" + _N + "件"),
           "requests", None, "total", lambda v, rows: (_sum(v, rows, "unable"),), "requests"),
    Figure("not_processed", "不予处理", _c(r"不予处理(?:的)?\s*" + _N + "件"),
           "requests", None, "total", lambda v, rows: (_sum(v, rows, "not_processed"),), "requests"),
    Figure("other", "其他处理", _c(r"其他处理(?:的)?\s*" + _N + "件", r"其他(?<![^，,；;、：:。]其他)\s*" + _N + "件"),
           "requests", None, "total", lambda v, rows: (_sum(v, rows, "other"),), "requests"),
    Figure("appeals_all", "行政复议和行政诉讼", _c(r"行政复议(?:和|、|及|与)行政诉讼(?:案件)?(?:均为|共|为)?\s*" + _N + "(?:件|起)"),
           "appeals", None, "total",
           lambda v, rows: (v("appeals", "review", "total") + _t4(v, rows),), "appeals"),
    Figure("review", "行政复议", _c(
        r"行政复议(?:案件|申请)?(?:数量?)?(?:为|共)?\s*" + _N + "(?:件|起)",
        r"(?<![\d.])" + _N + r"(?:件|起)" + _FILL + r"{0,14}?行政复议(?!(?:和|、|及|与)行政诉讼)"),
        "appeals", "review", "total", lambda v, rows: (v("appeals", "review", "total"),), "appeals"),
    Figure("suits", "行政诉讼", _c(
        r"行政诉讼(?:案件)?(?:数量?)?(?:为|共)?\s*" + _N + "(?:件|起)",
        r"(?<![\d.])" + _N + r"(?:件|起)" + _FILL + r"{0,14}?(?<![、和及与]行政复议[、和及与])行政诉讼"),
        "appeals", None, "total", lambda v, rows: (_t4(v, rows),), "appeals"),
)

#: Applicant splits stated next to the received figure ("其中自然人741件，法人或其他组织8件").
_SPLITS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("自然人", r"自然人(?:申请|提出(?:申请)?)?\s*" + _N + "件", ("natural_person",)),
    ("法人或其他组织", r"法人或其他组织(?:申请|提出(?:申请)?)?\s*" + _N + "件", voc.ORG_COLS),
    *((voc.label("requests", "col", c), voc.label("requests", "col", c) + r"(?:申请)?\s*" + _N + "件", (c,))
      for c in voc.ORG_COLS if c != "org_other"),
)
_SPLIT_RE = tuple((zh, re.compile(p), cols) for zh, p, cols in _SPLITS)

#: Table-四 result columns stated for one group ("行政复议351件，其中结果维持72件，…").
_T4_PARTS_RE = tuple((c, re.compile(voc.label("appeals", "col", c) + r"\s*" + _N + "(?:件|起)")) for c in voc.T4_PARTS)

_DIGIT = re.compile(r"\d")
_FULLWIDTH = re.compile("[０-９]")
_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SENTENCE_SEPS = "。；;！？!?"
_CLAUSE_SEPS = "，,。；;"
_APPEALS_WORDS = re.compile(r"复议|诉讼")


def normalise(text: str) -> str:
    """Join lines broken by page layout (Chinese text has no spaces to lose) and read full-width digits."""
    if _FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH_DIGITS)
    return _BREAKS.sub("", text)


def _quote(sentence: str, start: int, end: int, width: int = 60) -> str:
    s = sentence.strip()
    if len(s) <= width:
        return s
    a = max(0, min(start - width // 3, len(sentence) - width))
    return ("…" if a > 0 else "") + sentence[a:a + width].strip() + ("…" if a + width < len(sentence) else "")


def narrative_findings(text: str, value: Getter, version: str, rows: tuple[str, ...]) -> list[Finding]:
    """Warnings for every figure in ``text`` (the 一、总体情况 section) that disagrees with the tables."""
    text = normalise(text)
    if not _DIGIT.search(text):
        return []
    out: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    for fig, n, a, b in figures_in(text):
        if (fig.name, n) in seen:
            continue
        seen.add((fig.name, n))
        accept = fig.accept(value, rows)
        if any(x != x for x in accept) or any(abs(n - x) < 1e-9 for x in accept):
            continue  # agrees, or the table leaves a cell of it blank (nothing to compare)
        s0, s1 = _span(text, a, _SENTENCE_SEPS)
        out.append(_finding(fig.zh, fig.name, fig.table, fig.row, fig.col, accept[0], n,
                            _quote(text[s0:s1], a - s0, b - s0), version))
    return out


def _span(text: str, pos: int, seps: str) -> tuple[int, int]:
    """The clause or sentence around ``pos``: from after the previous separator to the next one (inclusive)."""
    start = max(text.rfind(ch, 0, pos) for ch in seps) + 1
    ends = [i for i in (text.find(ch, pos) for ch in seps) if i >= 0]
    return start, (min(ends) + 1 if ends else len(text))


def figures_in(text: str) -> list[tuple[Figure, int, int, int]]:
    """(figure, number, start, end) of every figure stated in normalised ``text``.

    Each pattern runs once over the whole text (no match crosses a clause boundary, see ``_FILL``);
    the clause a match falls in decides whether it is about table 四 (复议/诉讼) or table 三.
    """
    def about_appeals(pos: int) -> bool:
        a, b = _span(text, pos, _CLAUSE_SEPS)
        return bool(_APPEALS_WORDS.search(text, a, b))

    def sentence_of(pos: int) -> tuple[int, int]:
        return _span(text, pos, _SENTENCE_SEPS)

    found: list[tuple[Figure, int, int, int]] = []
    taken: set[int] = set()  # start of every number already read as some figure
    for fig in FIGURES:
        want_appeals = fig.scope == "appeals"
        for pat in fig.patterns:
            for m in pat.finditer(text):
                a = m.start("n")
                if a in taken or about_appeals(a) != want_appeals:
                    continue
                taken.add(a)
                found.append((fig, int(m.group("n")), m.start(), m.end()))
    splits = [(zh, m, cols) for zh, pat, cols in _SPLIT_RE for m in pat.finditer(text) if m.start("n") not in taken]
    if splits:  # an applicant split is read only in the sentence that states the received figure
        received = {sentence_of(a) for f, _, a, _ in found if f.name == "received"}
        found += [(_split_figure(zh, cols), int(m.group("n")), m.start(), m.end())
                  for zh, m, cols in splits if sentence_of(m.start("n")) in received]
    for col, pat in _T4_PARTS_RE:
        for m in pat.finditer(text):
            s0, s1 = sentence_of(m.start("n"))
            groups = [g for g, w in (("review", "复议"), ("suits", "诉讼")) if w in text[s0:s1]]
            if len(groups) == 1:
                found.append((_t4_part_figure(groups[0], col), int(m.group("n")), m.start(), m.end()))
    return found


def _split_figure(zh: str, cols: tuple[str, ...]) -> Figure:
    def accept(v: Getter, rows: tuple[str, ...]) -> tuple[float, ...]:
        new = sum(v("requests", "new_received", c) for c in cols)
        return (new, new + sum(v("requests", "carried_over", c) for c in cols))

    return Figure(f"received.{'+'.join(cols)}", f"收到{zh}申请", (), "requests", "new_received",
                  cols[0] if len(cols) == 1 else "total", accept, "requests")


def _t4_part_figure(group: str, col: str) -> Figure:
    def accept(v: Getter, rows: tuple[str, ...]) -> tuple[float, ...]:
        return (v("appeals", "review", col) if group == "review" else _t4(v, rows, col),)

    zh = ("行政复议" if group == "review" else "行政诉讼") + voc.label("appeals", "col", col)
    return Figure(f"{group}.{col}", zh, (), "appeals", "review" if group == "review" else None, col, accept, "appeals")


def _finding(zh: str, name: str, table: str, row: str | None, col: str, expected: float, actual: int,
             sentence: str, version: str) -> Finding:
    where = where_zh(table, row, col, version) if row else f"{'表三' if table == 'requests' else '表四'}对应各项之和"
    return make_finding(
        "R-NARRATIVE", version, table, row, col, expected, actual,
        f"一、总体情况中「{sentence}」称{zh} {actual} 件，但{where}为 {fmt(expected)}；请核对文字或表格。",
        f"Section 一 (overview) says \"{sentence}\": {name} = {actual}, but table "
        f"{'3' if table == 'requests' else '4'} gives {fmt(expected)}.",
    )
