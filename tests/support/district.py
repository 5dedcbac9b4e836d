"""A generated district written as a real drop folder and registry, for tests of the whole annual job.

``write_district`` registers ``n`` agencies (a government office, departments, townships) in a fresh
``<root>/config/registry.toml`` and writes each one's submission into ``<root>/drop/<year>/<code>/`` in one of
the forms agencies send — page text, HTML, Markdown, DOCX, the XLSX filing template and JSON, in turn — from
the deterministic report chains of :mod:`pipeline.synth.demo` (so a previous year, when written, is consistent).
It returns the generated reports by agency id: the truth of what the parser should read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pipeline.model import ParsedReport
from pipeline.registry import Agency, District
from pipeline.render.docx import render_docx
from pipeline.render.html import render_html
from pipeline.render.markdown import render_markdown
from pipeline.render.page_text import render_page_text
from pipeline.render.xlsx_template import render_xlsx
from pipeline.synth.demo import agency_report

FORMS = ("txt", "html", "md", "docx", "xlsx", "json")


@dataclass(frozen=True, slots=True)
class GeneratedDistrict:
    district: District
    config_dir: Path
    drop_dir: Path
    reports: dict[str, ParsedReport]  # agency id → the report its file prints
    forms: dict[str, str]  # agency id → file extension


def make_district(code: str, n: int, name: str = "生成区") -> District:
    """``n`` agencies: one government office, townships (every fifth) and departments."""
    agencies = []
    for i in range(n):
        if i == 0:
            kind, aname = "government_office", f"{name}人民政府办公室"
        elif i % 5 == 0:
            kind, aname = "township", f"{name}第{i:02d}镇人民政府"
        else:
            kind, aname = "department", f"{name}第{i:02d}局"
        agencies.append(Agency(f"{code}-a{i:02d}", aname, kind, code))
    return District(code, name, f"某省某市{name}", tuple(agencies))


def write_registry(config_dir: Path, districts: list[District]) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for d in districts:
        lines += [f"[districts.{d.code}]", f'name = "{d.name}"', f'full_name = "{d.full_name}"', ""]
        for a in d.agencies:
            lines += [f"  [[districts.{d.code}.agencies]]", f'  id = "{a.id}"', f'  name = "{a.name}"',
                      f'  kind = "{a.kind}"', ""]
    path = config_dir / "registry.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def render(report: ParsedReport, form: str, rng: random.Random) -> bytes:
    if form == "txt":
        return render_page_text(report, half_width=rng.random() < 0.5, wrap_headers=rng.random() < 0.5).encode("utf-8")
    if form == "html":
        return render_html(report, wrap_headers=rng.random() < 0.5).encode("utf-8")
    if form == "md":
        return render_markdown(report).encode("utf-8")
    if form == "docx":
        return render_docx(report, wrap_headers=rng.random() < 0.5)
    if form == "xlsx":
        return render_xlsx(report)
    if form == "json":
        return report.to_json().encode("utf-8")
    raise ValueError(form)


def write_district(root: Path, district: District, year: int, *, seed: int = 60, skip: frozenset[str] = frozenset(),
                   forms: tuple[str, ...] = FORMS) -> GeneratedDistrict:
    """Registry under ``root/config``, submissions under ``root/drop`` (agencies in ``skip`` send nothing)."""
    config_dir, drop = root / "config", root / "drop"
    write_registry(config_dir, [district])
    folder = drop / str(year) / district.code
    folder.mkdir(parents=True, exist_ok=True)
    reports, used = {}, {}
    for i, a in enumerate(district.agencies):
        if a.id in skip:
            continue
        report = agency_report(a, year, seed, index=i + 1)
        form = forms[i % len(forms)]
        (folder / f"{a.id}.{form}").write_bytes(render(report, form, random.Random(f"{seed}:{a.id}:form")))
        reports[a.id], used[a.id] = report, form
    return GeneratedDistrict(district, config_dir, drop, reports, used)
