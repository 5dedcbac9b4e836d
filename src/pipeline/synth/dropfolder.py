"""Generated drop folders at any scale: N districts × M agencies, a matching registry, injected faults.

Why: the annual run must be measured (and tested) on national-size inputs that cannot be collected
by hand. :func:`build_drop_folder` writes

- ``<out>/config/registry.toml`` — districts ``9<NNNNN>`` with agencies ``<district>-aNN``;
- ``<out>/submissions/<year>/<district>/<agency id>.<ext>`` for each year of ``years`` — reports in a
  mix of forms (page text with and without full-width digits, HTML, the XLSX filing template, DOCX,
  canonical JSON) and the template version of the year; each agency's years form one chain, so a
  year's 上年结转 is the previous year's 结转下年度 (the cross-year checks hold);
- ``<out>/manifest.json`` — the faults injected in the last year: ``{agency id: kind}``.

Faults (``faults``: the share of agencies of the last year that get one, chosen by ``seed``):

=================  =====================================================================
``identity``       one cell changed so that a template identity no longer holds
``wrong_year``     the report of another year (R-SUBMIT-YEAR)
``wrong_agency``   another agency's report under this agency's file name (R-SUBMIT-AGENCY)
``duplicate``      two files for the agency in the drop folder
``bad_encoding``   page text with bytes that are not UTF-8/GB18030 text
``not_a_report``   a file with no tables at all
=================  =====================================================================

Every fault makes the agency fail under the ``strict`` policy; every other agency loads. Deterministic
for its arguments.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.model import Meta, ParsedReport
from pipeline.synth.generate import generate_report, version_for_year

FORMS: tuple[str, ...] = ("txt", "txt_half", "html", "xlsx", "docx", "json")
FAULTS: tuple[str, ...] = ("identity", "wrong_year", "wrong_agency", "duplicate", "bad_encoding", "not_a_report")
_KINDS = ("government_office", "department", "township")
_SCALE = {"government_office": "office", "department": "department", "township": "township"}
_NAMES = ("教育局", "财政局", "民政局", "公安分局", "司法局", "卫生健康局", "交通运输局", "水利局", "农业农村局",
          "商务局", "文化和旅游局", "应急管理局", "审计局", "统计局", "医疗保障局", "自然资源局", "住房和城乡建设局")


@dataclass(frozen=True, slots=True)
class DropFolder:
    """What :func:`build_drop_folder` wrote: the registry's folder, the drop folder, the manifest."""

    config_dir: Path
    submissions_dir: Path
    manifest: dict[str, str]  # agency id → fault kind, for the last year
    districts: list[str]
    submissions: int  # files written for the last year


def district_code(i: int) -> str:
    return f"9{i:05d}"


def build_drop_folder(out: Path, *, districts: int, agencies: int, years: Sequence[int], faults: float = 0.0,
                      seed: int = 1, forms: Sequence[str] = FORMS) -> DropFolder:
    """Write the registry, the drop folder for ``years`` (ascending) and the manifest (module docstring).

    ``agencies`` per district (≥ 2: the first is the district government office). Raises ``ValueError``
    on an empty size or a fault rate outside [0, 1].
    """
    if districts < 1 or agencies < 2 or not years:
        raise ValueError("need at least 1 district, 2 agencies per district and one year")
    if not 0.0 <= faults <= 1.0:
        raise ValueError(f"faults is a rate in [0, 1], got {faults}")
    out = Path(out)
    years = sorted(years)
    config, subs = out / "config", out / "submissions"
    config.mkdir(parents=True, exist_ok=True)
    codes = [district_code(i + 1) for i in range(districts)]
    registry = {c: [_agency(c, j) for j in range(agencies)] for c in codes}
    _write_registry(config / "registry.toml", registry)
    rng = random.Random(f"{seed}:faults")
    all_ids = [a[0] for c in codes for a in registry[c]]
    faulty = {aid: rng.choice(FAULTS) for aid in rng.sample(all_ids, round(len(all_ids) * faults))}
    written = 0
    for c in codes:
        for j, (aid, name, kind) in enumerate(registry[c]):
            chain = random.Random(f"{seed}:{aid}")
            prev: ParsedReport | None = None
            form = forms[(hash_index(aid) + j) % len(forms)]
            for y in years:
                report = generate_report(chain, version_for_year(y), agency=name, year=y, scale=_SCALE[kind],
                                         previous=prev, index_no=f"{aid}/{y}")
                if all(c.value is None for c in report.cells):  # all zeros printed as blanks: an "empty" template
                    report = generate_report(chain, version_for_year(y), agency=name, year=y, scale=_SCALE[kind],
                                             previous=prev, index_no=f"{aid}/{y}", blank_style="zero")
                prev = report
                folder = subs / str(y) / c
                folder.mkdir(parents=True, exist_ok=True)
                fault = faulty.get(aid) if y == years[-1] else None
                if fault:
                    other = registry[c][(j + 1) % agencies][1]
                    written += _write_fault(folder, aid, form, report, fault, other, chain)
                else:
                    _write(folder / f"{aid}.{_ext(form)}", form, report)
                    written += y == years[-1]
    (out / "manifest.json").write_text(json.dumps(faulty, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
    return DropFolder(config, subs, faulty, codes, written)


def hash_index(text: str) -> int:
    """A stable small integer of ``text`` (Python's ``hash`` of str changes between processes)."""
    return sum(text.encode()) % 9973


def _agency(code: str, j: int) -> tuple[str, str, str]:
    if j == 0:
        return f"{code}-a00", f"第{code}区人民政府办公室", "government_office"
    kind = "township" if j % 5 == 0 else "department"
    name = f"第{code}区第{j}街道办事处" if kind == "township" else f"第{code}区第{j}{_NAMES[j % len(_NAMES)]}"
    return f"{code}-a{j:02d}", name, kind


def _write_registry(path: Path, registry: dict[str, list[tuple[str, str, str]]]) -> None:
    lines = ["# generated by pipeline.synth.dropfolder", ""]
    for code, agencies in registry.items():
        lines += [f"[districts.{code}]", f'name = "第{code}区"', f'full_name = "某省某市第{code}区"', ""]
        for aid, name, kind in agencies:
            lines += [f"  [[districts.{code}.agencies]]", f'  id = "{aid}"', f'  name = "{name}"', f'  kind = "{kind}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _ext(form: str) -> str:
    return "txt" if form.startswith("txt") else form


def _render(form: str, report: ParsedReport) -> bytes:
    if form in ("txt", "txt_half"):
        from pipeline.render.page_text import render_page_text

        return render_page_text(report, half_width=form == "txt_half").encode("utf-8")
    if form == "html":
        from pipeline.render.html import render_html

        return render_html(report).encode("utf-8")
    if form == "xlsx":
        from pipeline.render.xlsx_template import render_xlsx

        return render_xlsx(report)
    if form == "docx":
        from pipeline.render.docx import render_docx

        return render_docx(report)
    if form == "json":
        return report.to_json().encode("utf-8")
    raise ValueError(f"unknown form {form!r} (one of {FORMS})")


def _write(path: Path, form: str, report: ParsedReport) -> None:
    path.write_bytes(_render(form, report))


def _write_fault(folder: Path, aid: str, form: str, report: ParsedReport, fault: str, other: str,
                 rng: random.Random) -> int:
    """Write the agency's faulty submission; returns the number of files written."""
    path = folder / f"{aid}.{_ext(form)}"
    if fault == "identity":
        _write(path, form, _break_identity(report))
    elif fault == "wrong_year":
        y = (report.meta.year or 2021) - 3
        _write(path, form, replace(report, meta=replace(report.meta, year=y, title=f"{report.meta.agency}{y}年政府信息公开工作年度报告")))
    elif fault == "wrong_agency":
        m: Meta = report.meta
        _write(path, form, replace(report, meta=replace(m, agency=other, title=f"{other}{m.year}年政府信息公开工作年度报告")))
    elif fault == "duplicate":
        _write(path, form, report)
        _write(folder / f"{aid}_revised.{_ext(form)}", form, report)
        return 2
    elif fault == "bad_encoding":
        from pipeline.render.page_text import render_page_text

        text = render_page_text(report).encode("utf-8")
        cut = len(text) // 2
        (folder / f"{aid}.txt").write_bytes(text[:cut] + b"\xff\xfe\xfa" * 20 + text[cut:])
    elif fault == "not_a_report":
        (folder / f"{aid}.txt").write_text("关于做好年度工作的通知\n\n请各单位按时报送材料。\n", encoding="utf-8")
    else:  # pragma: no cover - FAULTS lists every kind
        raise ValueError(f"unknown fault {fault!r}")
    return 1


def _break_identity(report: ParsedReport) -> ParsedReport:
    """The report with one total cell raised by 7 — a template identity no longer holds."""
    cells = list(report.cells)
    for i, c in enumerate(cells):
        if c.table == "requests" and c.col == "total" and isinstance(c.value, int) and c.row.startswith("new"):
            v = c.value + 7
            cells[i] = replace(c, value=v, raw=str(v))
            break
    else:  # no request total printed as a number: change the first number there is
        i, c = next((i, c) for i, c in enumerate(cells) if isinstance(c.value, int))
        cells[i] = replace(c, value=c.value + 7, raw=str(c.value + 7))
    return replace(report, cells=cells)
