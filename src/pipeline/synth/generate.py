"""Generate one realistic, internally consistent annual report (:class:`~pipeline.model.ParsedReport`).

Why: the round-trip tests, the parse benchmark and the demo district all need many reports whose
true cells are known. The numbers imitate what agencies publish — mostly natural persons, few legal
persons, many all-zero rows, small appeal counts — and satisfy every declared identity
(``data/identities.toml``) by construction: the generator draws the free cells (applicants by column,
results by row, appeal outcomes, this year's table-二 changes) and every other cell is set by the forms
(:func:`pipeline.forms.complete`) — the row totals, （七）总计 by the column balance, table 四's totals,
and, given last year's report, the cross-year roll-forwards (上年结转, 现行有效件数, 上一年项目数量).
Counts stay non-negative (only the v2019 本年增/减 is signed).

Each cell carries its printed form in ``raw`` ("0", "", "/", "+3", "251000元" …) so that every
renderer prints the same thing; a blank or "/" cell has ``value`` None (template.md §8.4).
The narrative sections quote the table figures (收到申请X件, 办结X件, 予以公开X件 …) correctly.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Literal

from pipeline import forms
from pipeline import vocabulary as voc
from pipeline.model import Cell, Meta, Number, ParsedReport
from pipeline.synth import narrative

Scale = Literal["department", "township", "office"]
BlankStyle = Literal["zero", "blank", "slash", "org_blank"]
SCALES: tuple[str, ...] = ("department", "township", "office")
BLANK_STYLES: tuple[str, ...] = ("zero", "blank", "slash", "org_blank")

#: How applicants split across the applicant columns (mostly natural persons).
_APPLICANT_WEIGHTS: tuple[float, ...] = (0.88, 0.06, 0.005, 0.01, 0.02, 0.025)
#: How concluded applications split across the result rows before per-report jitter.
_RESULT_WEIGHTS: dict[str, float] = {
    "granted": 0.40, "partial": 0.08,
    "denied.state_secret": 0.004, "denied.law_prohibited": 0.01, "denied.security_stability": 0.008,
    "denied.third_party": 0.02, "denied.internal_affairs": 0.02, "denied.process_info": 0.03,
    "denied.enforcement_file": 0.01, "denied.admin_query": 0.02,
    "unable.not_held": 0.25, "unable.needs_creation": 0.03, "unable.still_unclear": 0.03,
    "not_processed.petition": 0.04, "not_processed.duplicate": 0.03, "not_processed.publication": 0.005,
    "not_processed.excessive": 0.005, "not_processed.confirm_reissue": 0.01,
    "other.no_correction": 0.03, "other.fee_unpaid": 0.003, "other.misc": 0.03,
}

_CITIES: tuple[tuple[str, str, str], ...] = (
    ("衢州市", "衢江区", "330803"), ("衢州市", "柯城区", "330802"), ("杭州市", "西湖区", "330106"),
    ("宁波市", "鄞州区", "330212"), ("温州市", "鹿城区", "330302"), ("淮安市", "洪泽区", "320813"),
    ("宿迁市", "沭阳县", "321322"), ("金华市", "婺城区", "330702"), ("湖州市", "吴兴区", "330502"),
)
_DEPARTMENTS: tuple[str, ...] = (
    "教育局", "财政局", "民政局", "人力资源和社会保障局", "自然资源和规划局", "住房和城乡建设局", "交通运输局",
    "农业农村局", "卫生健康局", "市场监督管理局", "综合行政执法局", "应急管理局", "医疗保障局", "统计局", "司法局",
    "发展和改革局", "经济和信息化局", "商务局", "退役军人事务局", "文化和广电旅游体育局", "水利局", "审计局",
)
_TOWNS: tuple[str, ...] = ("樟潭", "上方", "杜泽", "莲花", "全旺", "高家", "湖南", "大洲", "峡川", "云溪", "后溪", "廿里")


def version_for_year(year: int) -> str:
    """The template a report for ``year`` is drawn up in: the 2019 trial format up to 2020, then 2021's."""
    return "v2019" if year <= 2020 else "v2021"


def generate_report(
    rng: random.Random,
    version: str = "v2021",
    *,
    single_other: bool = False,
    agency: str | None = None,
    year: int | None = None,
    scale: str | None = None,
    blank_style: str | None = None,
    previous: ParsedReport | None = None,
    index_no: str | None = None,
    published_on: str | None = None,
) -> ParsedReport:
    """One complete report in template ``version`` (``"v2019"`` or ``"v2021"``).

    ``single_other`` (v2021 only) prints table 三's （六）其他处理 as one row, as some v2021-era reports
    do; v2019 always has the one row. ``scale`` sets the size of the numbers (an office of a district
    government, a department, a township); by default it follows the agency name. ``blank_style``
    decides how zero cells are printed: ``zero`` ("0"), ``blank`` (empty), ``slash`` ("/"),
    ``org_blank`` (zero legal-person cells of table 三 empty, the rest "0").

    ``previous`` is last year's report of the same agency: this year's 上年结转 is then its 结转下年度
    column by column (R-T3-CARRY), and table 二 continues its stock figures (现行有效件数, 上一年项目数量).
    """
    if version not in voc.VERSIONS:
        raise ValueError(f"version must be one of {voc.VERSIONS}, got {version!r}")
    single_other = single_other and version == "v2021"
    if year is None:
        year = previous.meta.year + 1 if previous and previous.meta.year else (
            rng.choice((2019, 2020)) if version == "v2019" else rng.randint(2021, 2024))
    agency = agency or _random_agency(rng)
    scale = scale or _scale_of(agency)
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    blank_style = blank_style or rng.choices(BLANK_STYLES, weights=(0.75, 0.1, 0.08, 0.07))[0]
    if blank_style not in BLANK_STYLES:
        raise ValueError(f"blank_style must be one of {BLANK_STYLES}, got {blank_style!r}")

    values: dict[tuple[str, str, str], Number] = {}
    values |= _proactive(rng, version, scale, previous)
    values |= _requests(rng, version, scale, single_other, previous)
    values |= _appeals(rng, version, scale, values)
    _check_forms(values, version, single_other, previous)
    procurement_unit = rng.random() < 0.5

    cells = [
        _cell(key, values[key], blank_style, procurement_unit)
        for key in voc.cell_keys(version, single_other=single_other)
    ]
    year_title = "年度" if rng.random() < 0.1 else "年"
    meta = Meta(
        agency=agency,
        year=year,
        title=f"{agency}{year}{year_title}政府信息公开工作年度报告",
        published_on=published_on or _publish_date(rng, year, scale),
        index_no=index_no or _index_no(rng, year),
    )
    report = ParsedReport(version, meta, cells)
    report.sections = narrative.sections(rng, report, values)
    return report


# -- table 二 ------------------------------------------------------------------------------------
def _proactive(rng: random.Random, version: str, scale: str, previous: ParsedReport | None) -> dict:
    big = {"office": 3.0, "department": 1.0, "township": 0.2}[scale]
    prev = _values(previous) if previous is not None and previous.template == version else {}
    out: dict[tuple[str, str, str], Number] = {}

    def put(row: str, col: str, v: Number) -> None:
        out[("proactive", row, col)] = v

    def docs(rate: float) -> tuple[int, int, int]:
        """(made this year, repealed or published, stock) for 规章 / 规范性文件."""
        if rng.random() > rate:
            return 0, 0, 0
        made = _small(rng, 6 * big)
        gone = _small(rng, 5 * big)
        return made, gone, made + _small(rng, 40 * big)

    def decisions(zero_p: float, mu: float) -> int:
        return 0 if rng.random() < zero_p else max(1, int(rng.lognormvariate(mu + (big - 1) * 0.5, 1.4)))

    if version == "v2021":
        for row, rate in (("rules", 0.05 if scale == "office" else 0.0), ("normative_docs", 0.9 if scale != "township" else 0.3)):
            issued, repealed, in_force = docs(rate)
            rolled = ("proactive", row, "in_force") in prev  # a blank stock printed last year is a zero
            if rolled:
                repealed = min(repealed, int(prev[("proactive", row, "in_force")] or 0))
            put(row, "issued", issued)
            put(row, "repealed", repealed)
            put(row, "in_force", _rolled(out, prev, version, row, "in_force") if rolled else in_force)
        put("licensing", "decisions", decisions(0.35 if scale != "township" else 0.7, 4.0))
        put("penalties", "decisions", decisions(0.5, 3.0))
        put("coercion", "decisions", decisions(0.8, 1.5))
        fee: Number = 0
        if rng.random() < 0.15:
            fee = _amount(rng.uniform(0.01, 300 * big), rng.choice((0, 1, 2)))
        put("admin_fees", "fee_amount_wan", fee)
        return out

    for row, rate in (("rules", 0.05 if scale == "office" else 0.0), ("normative_docs", 0.9 if scale != "township" else 0.3)):
        made, _, total = docs(rate)
        published = made if rng.random() < 0.8 else rng.randint(0, made)
        put(row, "new_made", made)
        put(row, "new_published", published)
        put(row, "total_published", max(total, published))
    for row, zero_p, items_hi, mu in (
        ("licensing", 0.3, 400, 4.0), ("other_mgmt_services", 0.5, 60, 3.0), ("penalties", 0.4, 3000, 3.0),
        ("coercion", 0.7, 150, 1.5), ("admin_fees", 0.5, 40, 0.0),
    ):
        if ("proactive", row, "prev_year_items") in prev:  # blanks printed last year are zeros
            items = max(0, int(_rolled(out, prev, version, row, "prev_year_items")))
        else:
            items = 0 if rng.random() < zero_p else rng.randint(1, max(1, int(items_hi * min(big, 1.5))))
        change = 0
        if items and rng.random() < 0.35:
            change = rng.randint(-min(items, 10), 12)
        elif not items and rng.random() < 0.1:
            change = rng.randint(1, 5)
        put(row, "prev_year_items", items)
        put(row, "year_change", change)
        if row != "admin_fees":
            put(row, "decisions", decisions(zero_p, mu) if items + change > 0 else 0)
    items = 0 if rng.random() < 0.55 else rng.randint(1, int(20 + 180 * min(big, 1.5)))
    put("central_procurement", "procurement_items", items)
    put("central_procurement", "procurement_amount", _amount(items * rng.uniform(2e3, 4e5), 2) if items else 0)
    return out


def _rolled(values: dict, prev: dict, version: str, row: str, col: str) -> Number:
    """Table 二's stock figure ``col`` of ``row`` as the cross-year form rolls last year's forward."""
    cell = ("proactive", row, col)
    for ident in voc.cross_year_identities(version):
        if cell in ident.cells:
            return forms.implied(ident, cell, values.get, prev)
    raise KeyError(f"no cross-year form gives {cell}")


def _check_forms(values: dict, version: str, single_other: bool, previous: ParsedReport | None) -> None:
    """Every declared form holds (the generator's contract; a declaration it cannot satisfy is an error)."""
    checked = list(voc.identities(version, single_other=single_other))
    if previous is not None and previous.template == version:
        checked += voc.cross_year_identities(version, single_other=single_other)
    prev = _values(previous) if previous is not None else None
    for ident in checked:
        if all(k in values for k in ident.cells) and not forms.holds(ident, values.get, prev):
            raise ValueError(f"the generator cannot satisfy {ident.rule} over {ident.over} as declared")


# -- table 三 ------------------------------------------------------------------------------------
def _row_form(table: str, version: str, single_other: bool = False) -> voc.Identity:
    """The first row form of ``table`` with a total (R-T3-ROW, R-T4-SUM): its parts are the columns drawn."""
    return next(i for i in voc.identities(version, single_other=single_other)
                if i.table == table and i.each == "row" and i.total is not None)


def _parts(ident: voc.Identity) -> list[str]:
    """The codes along a form other than its total, in declared order."""
    return [ident.along(t) for t in ident.terms if t is not ident.total]


def _requests(rng: random.Random, version: str, scale: str, single_other: bool, previous: ParsedReport | None) -> dict:
    req_cols = _parts(_row_form("requests", version, single_other))
    identities = voc.identities(version, single_other=single_other)
    result_form = next(i for i in identities if i.table == "requests" and i.each == "col" and i.total is not None)
    concluded_row, result_rows = result_form.total.row, _parts(result_form)
    if scale == "township":
        n_new = 0 if rng.random() < 0.35 else rng.randint(1, 8)
    elif scale == "department":
        n_new = 0 if rng.random() < 0.12 else min(300, max(1, int(rng.lognormvariate(2.2, 0.9))))
    else:
        n_new = min(400, max(1, int(rng.lognormvariate(2.8, 0.8))))
    new = _split(rng, n_new)

    out: dict[tuple[str, str, str], Number] = {}

    def put_row(row: str, vals: Iterable[int]) -> None:
        out.update({("requests", row, c): v for c, v in zip(req_cols, vals, strict=True)})

    put_row("new_received", new)
    if previous is not None:  # 上年结转 = last year's 结转下年度 (R-T3-CARRY)
        prev = _values(previous)
        for ident in voc.cross_year_identities(version, single_other=single_other):
            if ident.table == "requests" and ident.over in req_cols:
                cell = ident.anchor
                out[("requests", cell.row, cell.col)] = forms.implied(ident, forms.key(ident, cell), out.get, prev)
        carried = [out[("requests", "carried_over", c)] for c in req_cols]
    else:
        carried = [0] * len(req_cols)
        if n_new and rng.random() < 0.25:
            carried = _split(rng, rng.randint(1, max(1, n_new // 6)))
        put_row("carried_over", carried)

    forward = [0] * len(req_cols)
    if rng.random() < 0.3:
        p = rng.uniform(0.02, 0.15)
        forward = [sum(rng.random() < p for _ in range(n + c)) for n, c in zip(new, carried, strict=True)]
    put_row("carry_forward", forward)
    forms.complete(out, identities)  # the concluded row by the column balance (and the row totals so far)
    concluded = [int(out[("requests", concluded_row, c)]) for c in req_cols]

    weights = []
    for r in result_rows:
        w = sum(_RESULT_WEIGHTS[s] for s in voc.T3_OTHER_SPLIT) if r == "other" else _RESULT_WEIGHTS[r]
        keep = r in ("granted", "unable.not_held") or rng.random() < 0.45
        weights.append(w * rng.lognormvariate(0, 0.6) if keep else 0.0)
    per_row = {r: [0] * len(req_cols) for r in result_rows}
    for ci, n in enumerate(concluded):
        for r in rng.choices(result_rows, weights=weights, k=n):
            per_row[r][ci] += 1
    for r in result_rows:
        put_row(r, per_row[r])
    return forms.complete(out, identities)


def _split(rng: random.Random, n: int) -> list[int]:
    """``n`` applications spread over the six applicant columns."""
    out = [0] * len(_APPLICANT_WEIGHTS)
    for i in rng.choices(range(len(_APPLICANT_WEIGHTS)), weights=_APPLICANT_WEIGHTS, k=n):
        out[i] += 1
    return out


# -- table 四 ------------------------------------------------------------------------------------
def _appeals(rng: random.Random, version: str, scale: str, values: dict) -> dict:
    handled = int(values[("requests", "total", "total")])
    outcomes = _parts(_row_form("appeals", version))
    out: dict[tuple[str, str, str], Number] = {}
    for row, p in (("review", 0.25), ("suit_direct", 0.1), ("suit_after_review", 0.06)):
        n = 0
        if handled and rng.random() < p * (1.5 if scale == "office" else 1.0):
            n = rng.randint(1, max(1, min(6, handled // 4 + 1)))
        parts = [0] * len(outcomes)
        for i in rng.choices(range(len(outcomes)), weights=(0.6, 0.1, 0.15, 0.15), k=n):
            parts[i] += 1
        out.update({("appeals", row, col): v for col, v in zip(outcomes, parts, strict=True)})
    return forms.complete(out, voc.identities(version))  # 总计 by R-T4-SUM


# -- printed forms -------------------------------------------------------------------------------
def _cell(key: tuple[str, str, str], value: Number, blank_style: str, procurement_unit: bool) -> Cell:
    table, row, col = key
    if value == 0:
        if blank_style == "blank" or (blank_style == "org_blank" and table == "requests" and col in voc.ORG_COLS):
            return Cell(table, row, col, None, "")
        if blank_style == "slash":
            return Cell(table, row, col, None, "/")
    kind = voc.value_kind(table, col)
    if kind == "signed_count":
        raw = f"{value:+d}" if value else "0"
    elif kind == "amount":
        raw = format_amount(value)
        if col == "procurement_amount" and procurement_unit and value:
            raw += "元"
    else:
        raw = str(value)
    return Cell(table, row, col, value, raw)


def format_amount(value: Number) -> str:
    """An amount as printed: no exponent, no trailing zeros ("12.5", "75394432.52", "0")."""
    text = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text or "0"


def _amount(x: float, decimals: int) -> Number:
    v = round(x, decimals)
    if v <= 0:
        v = 10.0**-decimals if decimals else 1
    return int(v) if float(v).is_integer() else float(v)


def _small(rng: random.Random, mean: float) -> int:
    """A small non-negative count, zero-heavy, around ``mean``."""
    if mean <= 0 or rng.random() < 0.3:
        return 0
    return int(rng.expovariate(1 / max(mean, 0.5)))


def _values(report: ParsedReport) -> dict[tuple[str, str, str], Number | None]:
    return {c.key: c.value for c in report.cells}


# -- meta ----------------------------------------------------------------------------------------
def _random_agency(rng: random.Random) -> str:
    city, district, _ = rng.choice(_CITIES)
    kind = rng.choices(("office", "department", "township"), weights=(0.1, 0.7, 0.2))[0]
    if kind == "office":
        return f"{district}人民政府办公室"
    if kind == "township":
        town = rng.choice(_TOWNS)
        return rng.choice((f"{district}{town}镇人民政府", f"{district}{town}街道办事处", f"{district}{town}乡人民政府"))
    return f"{city}{district}{rng.choice(_DEPARTMENTS)}"


def _scale_of(agency: str) -> str:
    if agency.endswith(("人民政府办公室", "政府办公室")) or agency.endswith("区人民政府") or agency.endswith("县人民政府"):
        return "office"
    if agency.endswith(("镇人民政府", "乡人民政府", "街道办事处")):
        return "township"
    return "department"


def _publish_date(rng: random.Random, year: int, scale: str) -> str:
    """Departments publish by 31 January (条例第四十九条); townships and offices often in February."""
    start = dt.date(year + 1, 1, 4)
    span = 27 if scale == "department" and rng.random() < 0.85 else 55
    return (start + dt.timedelta(days=rng.randint(0, span))).isoformat()


def _index_no(rng: random.Random, year: int) -> str:
    code = rng.choice(_CITIES)[2]
    if rng.random() < 0.7:
        return f"{code}-{rng.randint(1, 60):03d}/{year + 1}-{rng.randint(10000, 99999)}"
    return f"11{code}{rng.randint(0, 99999999):08d}{rng.choice('ABCDEFGHJKLMNPQRTUWXY')}/{year + 1}-{rng.randint(1, 999):05d}"
