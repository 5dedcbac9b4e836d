"""The district report as Markdown: coverage, the three tables, KPIs, ranking, annex, provenance.

Markdown tables have one header row and no merged cells, so the official grouped headers are kept in the
labels: table 三's header reads 自然人 | 法人或其他组织·商业企业 | … | 总计 and its rows carry their group
(（三）不予公开 1.属于国家秘密); table 四 is one block of 15 numbers headed 行政复议·结果维持 … 行政诉讼·复议后起诉·总计.
"""

from __future__ import annotations

from pipeline import vocabulary as voc
from pipeline.publish import view
from pipeline.publish.annex import KINDS, marks
from pipeline.publish.figures import DistrictFigures
from pipeline.publish.members import FAILED, LOADED, MISSING, WITHDRAWN
from pipeline.publish.provenance import Provenance
from pipeline.publish.tables import fmt

#: Markdown's inline specials, backslash-escaped in names, ids and reasons (``|`` would also end a table cell).
_MD_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]|~"})


def _md(text: object) -> str:
    """Text from agencies and ops (names, ids, reasons) as inert Markdown: ``& < >`` HTML-escaped (no tag
    reaches a renderer), Markdown's specials backslash-escaped, one line."""
    s = " ".join(str(text).splitlines())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.translate(_MD_SPECIALS)


def render_markdown(fig: DistrictFigures, prov: Provenance) -> str:
    v = fig.version
    t = fig.columns()
    vals = {(tb, r, c): (fmt(tb, c, x) + marks(f)) for tb, r, c, x, f in
            zip(t["table"], t["row"], t["col"], t["value"], t["flags"], strict=True)}
    c = fig.members.counts()
    out = [f"# {_md(fig.title)}", "", f"> {prov.line_zh()}", "", "## 汇总范围 Coverage", "",
           f"登记机关 {c['registered']} 个，已纳入汇总 {c['loaded']} 个，未通过 {c['failed']} 个，缺报 {c['missing']} 个，"
           f"已撤销登记 {c['withdrawn']} 个。缺报和未通过的机关不计为零。", ""]
    for m in fig.members.by_status(LOADED):
        out.append(f"- 已纳入：{_md(m.name)}（{_md(m.agency_id)}，第{m.version}版）" + (f" — **{_md(m.reason)}**" if m.older_version else ""))
    for status, zh in ((FAILED, "未通过"), (MISSING, "缺报"), (WITHDRAWN, "已撤销登记")):
        out += [f"- {zh} {status}：{_md(m.name)}（{_md(m.agency_id)}）— {_md(m.reason)}" for m in fig.members.by_status(status)]
    out += ["", f"## {voc.SECTIONS['proactive']}", ""]
    for block in voc.PROACTIVE_LAYOUT[v]:
        out += [f"**{block.caption}**", "", "| 信息内容 | " + " | ".join(voc.label("proactive", "col", x, v) for x in block.cols) + " |",
                "|---|" + "---:|" * len(block.cols)]
        out += [f"| {voc.label('proactive', 'row', r, v)} | " + " | ".join(vals.get(("proactive", r, x), "") for x in block.cols) + " |"
                for r in block.rows]
        out.append("")
    cols = voc.cols("requests", v)
    head = [("申请人情况·" if x == "natural_person" else "法人或其他组织·" if x in voc.ORG_COLS else "") + voc.label("requests", "col", x, v)
            for x in cols]
    out += [f"## {voc.SECTIONS['requests']}", "", "| | " + " | ".join(head) + " |", "|---|" + "---:|" * len(cols)]
    for r in voc.rows("requests", v):
        label = voc.label("requests", "row", r, v)
        if r not in ("new_received", "carried_over", "carry_forward"):
            label = "三、本年度办理结果 " + label
        out.append(f"| {label} | " + " | ".join(vals.get(("requests", r, x), "") for x in cols) + " |")
    parts = voc.cols("appeals", v)
    head4 = [f"{voc.label('appeals', 'row', r, v).replace(' ', '·')}·{voc.label('appeals', 'col', x, v)}"
             for r in voc.rows("appeals", v) for x in parts]
    out += ["", f"## {voc.SECTIONS['appeals']}", "", "| " + " | ".join(head4) + " |", "|" + "---:|" * len(head4),
            "| " + " | ".join(vals.get(("appeals", r, x), "") for r in voc.rows("appeals", v) for x in parts) + " |", "",
            "；".join(f"{m} {zh}" for m, zh in KINDS.values()) + "：该数含有此类成员单元格，见附注。", ""]
    extra = view.extra_rows(fig)
    if extra:
        out += ["## 模板外单元格 Cells outside the template", "", "| 表 | 行 | 列 | 合计 | 机关数 |", "|---|---|---|---:|---:|"]
        out += [f"| {e['table']} | {e['row_label']} | {e['col_label']} | {e['text']} | {e['agencies']} |" for e in extra]
        out.append("")
    out += ["## 主要指标 Key figures", "", f"| 指标 | Indicator | {fig.year}年 | {fig.year - 1}年 | 增减 | 增减% |",
            "|---|---|---:|---:|---:|---:|"]
    out += [f"| {k['zh']} | {k['en']} | {k['value']} | {k['prev']} | {k['change']} | {k['pct']} |" for k in view.kpi_rows(fig)]
    out += ["", "| 办理结果 | 件数 | 占（七）总计 |", "|---|---:|---:|"]
    out += [f"| {m['label']} | {m['count']} | {m['share']} |" for m in view.mix_rows(fig)]
    out += ["", "| 类别 | 理由 | 件数 | 占本类 |", "|---|---|---:|---:|"]
    out += [f"| {m['group']} | {m['label']} | {m['count']} | {m['share']} |" for m in view.reason_rows(fig)]
    out += ["", "### 机关排名 Agency ranking", "", "| 名次 | 机关 | 本年新收 | 办理结果总计 | 公开率 | 行政复议 | 行政诉讼 |",
            "|---:|---|---:|---:|---:|---:|---:|"]
    out += [f"| {r['rank']} | {_md(r['agency_name'])} | {r['new_received']} | {r['results_total']} | {r['disclosure_rate']} | "
            f"{r['review_total']} | {r['suit_total']} |" for r in view.ranking_rows(fig)]
    out += ["", "## 附注 Annex", ""]
    annex = view.annex_rows(fig)
    out += (["| 单元格 | 机关 | 类别 | 说明 |", "|---|---|---|---|"]
            + [f"| {a['cell']} | {_md(a['agency_name'])} | {a['kind']} | {_md(a['detail'])} |" for a in annex]) if annex else ["无。"]
    out += ["", "---", "", prov.line_zh(), ""]
    return "\n".join(out)
