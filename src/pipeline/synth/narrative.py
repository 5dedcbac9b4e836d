"""Short narrative sections for generated reports, quoting the table figures correctly.

Why: real reports restate table 三/四 totals in 一、总体情况 ("收到申请X件，办结X件，其中予以公开X件…");
the narrative-vs-table check and any reader that looks at prose must see figures that agree with the
tables of the same report.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from pipeline import vocabulary as voc
from pipeline.model import Number, ParsedReport

_WORK = (
    "完善信息审查发布、信息动态更新、社会评议等政府信息公开管理制度，明确公开范围、公开方式、管理流程和把关责任，确保发布信息真实、准确、及时。",
    "依托政府门户网站信息公开专栏和政务新媒体，及时发布各类政府信息，积极回应社会关切。",
    "严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则。",
    "加强政务公开工作人员业务培训，将政务公开工作纳入年度工作考核，压实工作责任。",
    "围绕重点领域信息公开要求，持续做好财政预决算、重大建设项目、公共资源配置等信息的公开工作。",
    "规范政策解读，坚持政策文件与解读材料同步组织、同步审签、同步部署。",
)
_PROBLEMS = (
    ("重点领域信息公开还不够全面", "突出抓好民生重点和热点领域信息公开，进一步扩大公开范围，细化公开内容"),
    ("政策解读形式不够丰富", "更多运用图解图表、视频音频等方式，不断提高政策解读质量"),
    ("信息更新的及时性有待提高", "建立信息发布台账，明确专人负责，确保信息及时更新"),
    ("依申请公开答复的规范性有待加强", "加强业务学习，严格按照法定程序和时限办理，规范答复文书"),
    ("工作人员业务能力仍需提升", "定期组织业务培训，提升政务公开工作人员的专业水平"),
)


def sections(rng: random.Random, report: ParsedReport, values: dict[tuple[str, str, str], Number]) -> dict[str, str]:
    """The three narrative sections of ``report`` (its cells' true ``values``, zeros included)."""
    m = report.meta
    we = _we(m.agency or "")

    def v(table: str, row: str, col: str) -> int:
        return int(values.get((table, row, col)) or 0)

    paragraphs = [f"{m.year}年，{we}认真贯彻落实《中华人民共和国政府信息公开条例》，按照上级政务公开工作要点要求，"
                  "持续深化政府信息公开工作，不断提升政务公开质量和实效。"]
    paragraphs += rng.sample(_WORK, 2)
    if report.template == "v2021":
        issued, in_force = v("proactive", "normative_docs", "issued"), v("proactive", "normative_docs", "in_force")
        paragraphs.append(f"主动公开方面，全年制发行政规范性文件{issued}件，现行有效行政规范性文件{in_force}件。")
    else:
        made = v("proactive", "normative_docs", "new_made")
        paragraphs.append(f"主动公开方面，全年新制作规范性文件{made}件，对外公开规范性文件总数"
                          f"{v('proactive', 'normative_docs', 'total_published')}件。")
    paragraphs.append(_requests_sentence(report, v))
    review, suits = v("appeals", "review", "total"), v("appeals", "suit_direct", "total") + v("appeals", "suit_after_review", "total")
    paragraphs.append(f"因政府信息公开引起的行政复议{review}件，行政诉讼{suits}件。")
    problems = rng.sample(_PROBLEMS, rng.randint(2, 3))
    numerals = "一二三"
    problem_text = (f"{m.year}年，{we}政府信息公开工作取得了一定成效，但仍存在一些不足：" +
                    "；".join(f"{numerals[i]}是{p}" for i, (p, _) in enumerate(problems)) + "。\n"
                    "改进措施：" + "；".join(f"{numerals[i]}是{fix}" for i, (_, fix) in enumerate(problems)) + "。")
    if report.template == "v2021":
        other = "本年度未收取信息处理费。" if rng.random() < 0.9 else f"本年度收取信息处理费{rng.randint(1, 20) * 10}元。"
    else:
        other = rng.choice(("无。", "无其他需要报告的事项。"))
    return {"overview": "\n".join(paragraphs), "problems": problem_text, "other_matters": other}


def _requests_sentence(report: ParsedReport, v: Callable[[str, str, str], int]) -> str:
    new, carried = v("requests", "new_received", "total"), v("requests", "carried_over", "total")
    if new == 0 and carried == 0:
        return "依申请公开方面，本年度未收到政府信息公开申请。"
    rows = voc.rows("requests", report.template, single_other=report.single_other)

    def group(prefix: str) -> int:
        return sum(v("requests", r, "total") for r in rows if r == prefix or r.startswith(prefix + "."))

    parts = [("予以公开", group("granted")), ("部分公开", group("partial")), ("不予公开", group("denied")),
             ("无法提供", group("unable")), ("不予处理", group("not_processed")), ("其他处理", group("other"))]
    text = f"依申请公开方面，全年共收到政府信息公开申请{new}件"
    if carried:
        text += f"，上年结转{carried}件"
    text += f"，办结{v('requests', 'total', 'total')}件"
    shown = [f"{label}{n}件" for label, n in parts if n]
    if shown:
        text += "，其中" + "、".join(shown)
    forward = v("requests", "carry_forward", "total")
    if forward:
        text += f"；结转下年度继续办理{forward}件"
    return text + "。"


def _we(agency: str) -> str:
    if agency.endswith("办公室"):
        return "我办"
    if agency.endswith("街道办事处"):
        return "我街道"
    if agency.endswith("镇人民政府"):
        return "我镇"
    if agency.endswith("乡人民政府"):
        return "我乡"
    if agency.endswith("人民政府"):
        return "本级政府"
    return "我局"
