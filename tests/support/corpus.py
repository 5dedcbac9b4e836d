"""The hand-checked truth of the real-report corpus as the project's canonical parse (``from support.corpus import …``).

``truth_report`` turns ``truth/<id>.json`` into a :class:`~pipeline.model.ParsedReport` with the same
label→code mapping as ``../shared/tools/eval_corpus.py`` (the scorer of the parser), so tests of
everything downstream of ingest (validation, warehouse, publishing) can run on the true cells of real
reports without depending on the parser. The truth holds no narrative; ``overview_from_raw`` reads the
一、总体情况 text from the raw file with a deliberately simple, format-agnostic cut (page text, Markdown,
HTML, text-layer PDF) so narrative checks can run on real wording too.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from pipeline import vocabulary as voc
from pipeline.model import Cell, Meta, ParsedReport

# The mapping of eval_corpus.py (truth labels/keys → machine codes). Keep in step with that file.
T3_ROWS = {
    "new_received": "new_received", "carried_over": "carried_over", "granted": "granted", "partial": "partial",
    "denied.state_secret": "denied.state_secret", "denied.law_forbidden": "denied.law_prohibited",
    "denied.three_safety_one_stability": "denied.security_stability", "denied.third_party": "denied.third_party",
    "denied.internal_affairs": "denied.internal_affairs", "denied.process_info": "denied.process_info",
    "denied.enforcement_file": "denied.enforcement_file", "denied.admin_query": "denied.admin_query",
    "unable.no_info": "unable.not_held", "unable.need_creation": "unable.needs_creation",
    "unable.unclear": "unable.still_unclear", "not_processed.complaint": "not_processed.petition",
    "not_processed.repeat": "not_processed.duplicate", "not_processed.publication": "not_processed.publication",
    "not_processed.massive_repeat": "not_processed.excessive", "not_processed.confirm": "not_processed.confirm_reissue",
    "other": "other", "other.no_correction": "other.no_correction", "other.no_fee": "other.fee_unpaid",
    "other.other": "other.misc", "total_processed": "total", "carried_forward": "carry_forward",
}
T3_COLS = {"自然人": "natural_person", "商业企业": "commercial", "科研机构": "research", "社会公益组织": "social_welfare",
           "法律服务机构": "legal_service", "其他": "org_other", "总计": "total"}
T2_ROWS = {"规章": "rules", "行政规范性文件": "normative_docs", "规范性文件": "normative_docs", "行政许可": "licensing",
           "其他对外管理服务事项": "other_mgmt_services", "行政处罚": "penalties", "行政强制": "coercion",
           "行政事业性收费": "admin_fees", "政府集中采购": "central_procurement"}
T2_COLS = {"本年制发件数": "issued", "本年废止件数": "repealed", "现行有效件数": "in_force", "本年处理决定数量": "decisions",
           "处理决定数量": "decisions", "本年收费金额（单位：万元）": "fee_amount_wan", "本年新制作数量": "new_made",
           "本年新公开数量": "new_published", "对外公开总数量": "total_published", "上一年项目数量": "prev_year_items",
           "本年增/减": "year_change", "采购项目数量": "procurement_items", "采购总金额": "procurement_amount"}
T4_ROWS = {"review": "review", "litigation_direct": "suit_direct", "litigation_after_review": "suit_after_review"}
T4_COLS = {"结果维持": "upheld", "结果纠正": "corrected", "其他结果": "other", "尚未审结": "pending", "总计": "total"}

T2_TITLE, T3_TITLE, T4_TITLE = "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况"


def truth_path(corpus_dir: Path, id_: str) -> Path:
    """``truth/<id>.json``; ``id_`` may be the full stem ("03_hongze_district_2024") or its number ("03")."""
    exact = Path(corpus_dir) / "truth" / f"{id_}.json"
    if exact.exists():
        return exact
    found = sorted((Path(corpus_dir) / "truth").glob(f"{id_}_*.json"))
    if not found:
        raise FileNotFoundError(f"no truth file for {id_!r} in {corpus_dir}/truth")
    return found[0]


def truth_ids(corpus_dir: Path) -> list[str]:
    """Stems of every truth file, sorted ("00_qujiang_govoffice_2021", ...)."""
    return sorted(p.stem for p in (Path(corpus_dir) / "truth").glob("*.json"))


def load_truth(corpus_dir: Path, id_: str) -> dict[str, Any]:
    """The truth JSON of one report, as stored."""
    return json.loads(truth_path(corpus_dir, id_).read_text(encoding="utf-8"))


def raw_path(corpus_dir: Path, id_: str) -> Path:
    t = load_truth(corpus_dir, id_)
    if t.get("raw_file"):
        return Path(corpus_dir) / t["raw_file"]
    return next((Path(corpus_dir) / "raw").glob(f"{truth_path(corpus_dir, id_).stem}.*"))


def truth_cells(truth: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    """(table, row, col) → printed value (None for a blank cell), as eval_corpus.py reads it."""
    out: dict[tuple[str, str, str], Any] = {}
    tabs = truth["tables"]
    for sec in tabs[T2_TITLE]["sections"]:
        for r in sec["rows"]:
            for c, v in r["values"].items():
                out[("proactive", T2_ROWS[r["label"]], T2_COLS[c])] = v
    for r in tabs[T3_TITLE]["rows"]:
        for c, v in r["values"].items():
            out[("requests", T3_ROWS[r["key"]], T3_COLS[c])] = v
    for r in tabs[T4_TITLE]["rows"]:
        for c, v in r["values"].items():
            out[("appeals", T4_ROWS[r["key"]], T4_COLS[c])] = v
    return out


def _cell_text(truth: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    """The printed text of cells whose print differs from the number (``cell_text``), keyed by code."""
    out: dict[tuple[str, str, str], str] = {}
    for key, text in (truth.get("cell_text") or {}).items():
        parts = key.split("/")
        if parts[0] == T2_TITLE and len(parts) == 4 and parts[2] in T2_ROWS and parts[3] in T2_COLS:
            out[("proactive", T2_ROWS[parts[2]], T2_COLS[parts[3]])] = text
    return out


def template_of(truth: dict[str, Any]) -> str:
    """``v2019`` or ``v2021`` from the truth's free-text ``template_version`` ("2021 (table 3 prints …)")."""
    return "v2019" if str(truth["template_version"]).startswith("2019") else "v2021"


def truth_report(corpus_dir: Path, id_: str, *, narrative: bool = False) -> ParsedReport:
    """The truth of one report as the canonical parse (cells in the template's printed order).

    With ``narrative=True`` the overview section is read from the raw file (``overview_from_raw``).
    """
    truth = load_truth(corpus_dir, id_)
    template = template_of(truth)
    values = truth_cells(truth)
    texts = _cell_text(truth)
    single_other = any(k[0] == "requests" and k[1] == "other" for k in values) and template == "v2021"
    order = {k: i for i, k in enumerate(voc.cell_keys(template, single_other=single_other))}
    cells = [
        Cell(t, r, c, v, texts.get((t, r, c), "" if v is None else str(v)))
        for (t, r, c), v in sorted(values.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]
    meta = Meta(agency=truth.get("agency"), year=truth.get("report_year"))
    report = ParsedReport(template, meta, cells)
    if narrative:
        report.sections["overview"] = overview_from_raw(raw_path(corpus_dir, id_))
    return report


def raw_text(path: Path) -> str:
    """Plain text of a raw corpus file: PDF text layer, HTML without tags, or the text as stored."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in (".html", ".htm"):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", text)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


_OVERVIEW_START = re.compile(r"一\s*、\s*总\s*体\s*情\s*况")
_OVERVIEW_END = re.compile(r"[一二]\s*、\s*(?:行政机关)?主动公开政府信息情况|第二十条第（一）项")


def overview_from_raw(path: Path) -> str:
    """The text from the heading 一、总体情况 up to the start of table 二 (empty when not found)."""
    text = raw_text(path)
    start = _OVERVIEW_START.search(text)
    if not start:
        return ""
    end = _OVERVIEW_END.search(text, start.end())
    return text[start.end(): end.start() if end else len(text)].strip()
