"""Generated drop folders at any scale: N districts × M agencies, a matching registry, injected faults.

Why: the annual run must be measured (and tested) on national-size inputs that cannot be collected
by hand. :func:`build_drop_folder` writes

- ``<out>/config/registry.toml`` — districts ``9<NNNNN>`` with agencies ``<district>-aNN``;
- ``<out>/submissions/<year>/<district>/<agency id>.<ext>`` for each year of ``years`` — reports in a
  mix of forms (page text with and without full-width digits, HTML, the XLSX filing template, DOCX,
  canonical JSON) and the template version of the year; each agency's years form one chain, so a
  year's 上年结转 is the previous year's 结转下年度 (the cross-year checks hold);
- ``<out>/manifest.json`` — the faults injected in the last year, one record per agency: district,
  kind, form, files, and what the run must report (``expect`` with ``codes`` / ``reason`` / ``notes``;
  :mod:`pipeline.synth.faults`, whose :func:`~pipeline.synth.faults.check_faults` checks a run).

Faults (``faults``: the share of agencies of the last year that get one, chosen by ``seed``; ``kinds``:
the kinds drawn from, each agency's among those meaningful in its form — :data:`pipeline.synth.faults.FAULTS`).
The default ``kinds`` are the six that every run must refuse (:data:`~pipeline.synth.faults.BASIC`);
``pipeline generate`` draws from all of them.

Fast and deterministic: XLSX and DOCX are filled into packages built once per process
(:mod:`pipeline.synth.stencil`), districts are written by ``workers`` processes, and every agency's
files depend only on ``seed`` and the agency — the same arguments give the same bytes whatever the
number of workers.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.model import ParsedReport
from pipeline.synth import faults as fault_kinds
from pipeline.synth.generate import generate_report, version_for_year
from pipeline.synth.stencil import render_form

FORMS: tuple[str, ...] = ("txt", "txt_half", "html", "xlsx", "docx", "json")
FAULTS: tuple[str, ...] = fault_kinds.BASIC
ALL_FAULTS: tuple[str, ...] = fault_kinds.FAULTS
_KINDS = ("government_office", "department", "township")
_SCALE = {"government_office": "office", "department": "department", "township": "township"}
_NAMES = ("教育局", "财政局", "民政局", "公安分局", "司法局", "卫生健康局", "交通运输局", "水利局", "农业农村局",
          "商务局", "文化和旅游局", "应急管理局", "审计局", "统计局", "医疗保障局", "自然资源局", "住房和城乡建设局")
#: Below this many files a folder is written in this process (starting worker processes does not pay).
_SERIAL_BELOW = 800


@dataclass(frozen=True, slots=True)
class DropFolder:
    """What :func:`build_drop_folder` wrote: the registry's folder, the drop folder, the faults."""

    config_dir: Path
    submissions_dir: Path
    manifest: dict[str, str]  # agency id → fault kind, of the faults the run must fail (expect "failed")
    districts: list[str]
    submissions: int  # files written for the last year
    faults: dict[str, dict] | None = None  # agency id → manifest record, every fault injected
    manifest_path: Path | None = None


def district_code(i: int) -> str:
    return f"9{i:05d}"


def build_drop_folder(out: Path, *, districts: int, agencies: int, years: Sequence[int], faults: float = 0.0,
                      seed: int = 1, forms: Sequence[str] = FORMS, kinds: Sequence[str] = FAULTS,
                      workers: int | None = None) -> DropFolder:
    """Write the registry, the drop folder for ``years`` (ascending) and the manifest (module docstring).

    ``agencies`` per district (≥ 2: the first is the district government office). ``workers``: processes
    writing districts (default: the CPU count, or this process alone for a small folder). Raises
    ``ValueError`` on an empty size, a fault rate outside [0, 1] or an unknown fault kind.
    """
    if districts < 1 or agencies < 2 or not years:
        raise ValueError("need at least 1 district, 2 agencies per district and one year")
    if not 0.0 <= faults <= 1.0:
        raise ValueError(f"faults is a rate in [0, 1], got {faults}")
    unknown = [k for k in kinds if k not in ALL_FAULTS]
    if unknown or not kinds:
        raise ValueError(f"unknown fault kind(s) {unknown} (known: {', '.join(ALL_FAULTS)})")
    out = Path(out)
    years = sorted(years)
    config, subs = out / "config", out / "submissions"
    config.mkdir(parents=True, exist_ok=True)
    codes = [district_code(i + 1) for i in range(districts)]
    registry = {c: [_agency(c, j) for j in range(agencies)] for c in codes}
    _write_registry(config / "registry.toml", registry)
    rng = random.Random(f"{seed}:faults")
    all_ids = [a[0] for c in codes for a in registry[c]]
    faulty = set(rng.sample(all_ids, round(len(all_ids) * faults)))
    for y in years:
        for c in codes:
            (subs / str(y) / c).mkdir(parents=True, exist_ok=True)
    if workers is None:  # the CPU count, but a small folder is written faster in this process
        workers = 1 if districts * agencies * len(years) < _SERIAL_BELOW else os.cpu_count() or 1
    workers = max(1, workers)
    size = max(1, -(-districts // (workers * 8)))  # several chunks per worker: an even finish
    chunks = [codes[i:i + size] for i in range(0, len(codes), size)]
    tasks = [(str(subs), {c: registry[c] for c in chunk}, tuple(years), sorted(a for c in chunk for a, _, _ in registry[c]
                                                                               if a in faulty), seed, tuple(forms), tuple(kinds))
             for chunk in chunks]
    if workers == 1 or len(tasks) == 1:
        results = [_write_districts(*t) for t in tasks]
    else:
        import multiprocessing as mp
        import sys
        import threading
        from concurrent.futures import ProcessPoolExecutor

        # fork where it is safe (Linux, no other thread): no re-import of the caller's script, which a
        # spawned worker needs guarded by ``if __name__ == "__main__"``
        method = "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=mp.get_context(method)) as pool:
            results = list(pool.map(_write_districts, *zip(*tasks, strict=True)))
    written = sum(n for n, _ in results)
    records = {r["agency_id"]: r for _, recs in results for r in recs}
    records = dict(sorted(records.items()))
    manifest = {"version": 2, "seed": seed, "years": years, "year": years[-1], "rate": faults, "kinds": list(kinds),
                "districts": len(codes), "agencies_per_district": agencies, "faults": records}
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    failing = {a: r["kind"] for a, r in records.items() if r["expect"] == "failed"}
    return DropFolder(config, subs, failing, codes, written, records, path)


def _write_districts(subs: str, registry: dict[str, list[tuple[str, str, str]]], years: tuple[int, ...],
                     faulty: list[str], seed: int, forms: tuple[str, ...], kinds: tuple[str, ...]) -> tuple[int, list[dict]]:
    """Write every year of ``registry``'s districts; (files written for the last year, fault records)."""
    root = Path(subs)
    faulty_set = set(faulty)
    written, records = 0, []
    for c, agencies in registry.items():
        for j, (aid, name, kind) in enumerate(agencies):
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
                folder = root / str(y) / c
                if y == years[-1] and aid in faulty_set:
                    other = agencies[(j + 1) % len(agencies)][1]
                    rec = _inject(folder, c, aid, form, report, other, seed, kinds, y)
                    records.append(rec)
                    written += len(rec["files"])
                else:
                    (folder / f"{aid}.{_ext(form)}").write_bytes(render_form(form, report))
                    written += y == years[-1]
    return written, records


def _inject(folder: Path, district: str, aid: str, form: str, report: ParsedReport, other: str, seed: int,
            kinds: tuple[str, ...], year: int) -> dict:
    rng = random.Random(f"{seed}:fault:{aid}")
    # a kind meaningful in this agency's form and report; none of them: a broken identity (any form)
    usable = [k for k in kinds if fault_kinds.applicable(k, form, report)] or ["identity"]
    kind = rng.choice(usable)
    try:
        inj = fault_kinds.inject(kind, report, form, aid, _ext(form), other, rng, render_form)
    except (ValueError, AssertionError) as e:  # a damage the model cannot draw on this report: a broken identity
        if not kind.startswith("damage_"):
            raise
        inj = fault_kinds.inject("identity", report, form, aid, _ext(form), other, rng, render_form)
        inj.detail += f" (instead of {kind}: {str(e)[:120]})"
        kind = "identity"
    for name, data in inj.files.items():
        (folder / name).write_bytes(data)
    rec = {"agency_id": aid, "district": district, "year": year, "kind": kind, "form": form,
           "file": f"{year}/{district}/{next(iter(inj.files))}", "files": [f"{year}/{district}/{n}" for n in inj.files],
           "expect": inj.expect}
    if inj.codes:
        rec["codes"] = inj.codes
    if inj.reason:
        rec["reason"] = inj.reason
    if inj.notes:
        rec["notes"] = inj.notes
    rec["detail"] = inj.detail
    return rec


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
