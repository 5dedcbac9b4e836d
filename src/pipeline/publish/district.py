"""Write a district's consolidated three tables as Markdown and CSV.

Files: ``<published>/<year>/<district>/summary.md`` (the three tables in the official order with Chinese
labels, and which agencies the figures cover) and ``consolidated.csv`` (one row per cell).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import vocabulary as voc
from pipeline.publish.consolidate import consolidate, layout_version
from pipeline.registry import District


@dataclass(frozen=True, slots=True)
class PublishedDistrict:
    district: str
    year: int
    markdown: Path
    csv: Path
    agencies_covered: int
    agencies_registered: int


def publish_district(warehouse_url: str, district: District, year: int, out_root: Path) -> PublishedDistrict:
    """Consolidate the district's active reports for ``year`` and write the summary files."""
    from pipeline.warehouse import active_cells, get_engine

    cells = active_cells(get_engine(warehouse_url), district=district.code, year=year)
    table = consolidate(cells, year)
    covered = sorted(set(cells["agency_id"])) if not cells.empty else []
    out_dir = Path(out_root) / str(year) / district.code
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "consolidated.csv"
    export = table.copy()
    export.insert(0, "year", year)
    export.insert(0, "district", district.code)
    export["value"] = [_fmt(t, c, v) for t, c, v in zip(export["table"], export["col"], export["value"], strict=True)]
    export.to_csv(csv_path, index=False, encoding="utf-8")
    md_path = out_dir / "summary.md"
    md_path.write_text(render_markdown(table, district, year, covered), encoding="utf-8")
    return PublishedDistrict(district.code, year, md_path, csv_path, len(covered), len(district.agencies))


def _fmt(table: str, col: str, value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if voc.value_kind(table, col) == "amount":
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(round(value))


def render_markdown(table: pd.DataFrame, district: District, year: int, covered: list[str]) -> str:
    """The three tables in the official order; blank where no covered agency reported a figure."""
    version = layout_version(year)
    names = {a.id: a.name for a in district.agencies}
    missing = [a for a in district.agencies if a.id not in set(covered)]
    vals = {(t, r, c): (v, n) for t, r, c, v, n in zip(table["table"], table["row"], table["col"], table["value"], table["agencies"], strict=True)}
    lines = [
        f"# {district.full_name or district.name} {year}年政府信息公开工作年度报告汇总数据",
        "",
        f"汇总范围：已加载 {len(covered)} / {len(district.agencies)} 个机关的报告（模板 {version}）。",
    ]
    if missing:
        lines.append("未纳入汇总（缺报或未通过校验）：" + "、".join(a.name for a in missing) + "。")
    lines += ["", "## 二、主动公开政府信息情况", ""]
    for block in voc.PROACTIVE_LAYOUT[version]:
        lines.append(f"**{block.caption}**")
        lines.append("")
        lines.append("| 信息内容 | " + " | ".join(voc.label("proactive", "col", c, version) for c in block.cols) + " |")
        lines.append("|---|" + "---:|" * len(block.cols))
        for r in block.rows:
            cells = [_fmt("proactive", c, vals.get(("proactive", r, c), (None, 0))[0]) for c in block.cols]
            lines.append(f"| {voc.label('proactive', 'row', r, version)} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += _grid(table, "requests", "三、收到和处理政府信息公开申请情况", version, vals)
    lines += _grid(table, "appeals", "四、政府信息公开行政复议、行政诉讼情况", version, vals)
    extra = table[~table["official"]]
    if not extra.empty:
        lines += ["## 模板外单元格", "", "部分机关按另一版本模板填报，以下单元格不在本年度模板中，单列汇总：", "",
                  "| 表 | 行 | 列 | 合计 | 机关数 |", "|---|---|---|---:|---:|"]
        for r in extra.itertuples():
            lines.append(f"| {r.table} | {r.row_label} | {r.col_label} | {_fmt(r.table, r.col, r.value)} | {r.agencies} |")
        lines.append("")
    lines += ["## 覆盖机关", ""] + [f"- {names.get(a, a)}（{a}）" for a in covered] + [""]
    return "\n".join(lines)


def _grid(table: pd.DataFrame, code: str, title: str, version: str, vals: dict) -> list[str]:
    rows = [r for r in voc.rows(code, version)]
    cols = voc.cols(code, version)
    out = [f"## {title}", "", "| | " + " | ".join(voc.label(code, "col", c, version) for c in cols) + " |",
           "|---|" + "---:|" * len(cols)]
    for r in rows:
        cells = [_fmt(code, c, vals.get((code, r, c), (None, 0))[0]) for c in cols]
        out.append(f"| {voc.label(code, 'row', r, version)} | " + " | ".join(cells) + " |")
    return [*out, ""]
