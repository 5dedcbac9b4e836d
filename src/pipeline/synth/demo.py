"""The bundled demo district: one submission per registered agency, generated deterministically.

Why: the demo must run end to end without any real data except the project's origin report, which
is used verbatim for the district government office (330803-gov-office) in 2021. Every other
agency gets a generated report, alternating page text (.txt) and HTML (.html) so both readers run.

Each agency's reports form a chain from 2019 to the requested year (R-T3-CARRY holds from one year
to the next), seeded by (seed, district, agency id) only: building 2020 and 2021 separately gives
consistent years, and adding an agency to the registry does not change the others' files.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from pipeline.model import ParsedReport
from pipeline.registry import Agency, Registry
from pipeline.render.html import render_html
from pipeline.render.page_text import render_page_text
from pipeline.synth.generate import generate_report, version_for_year

REAL_AGENCY = "330803-gov-office"
REAL_YEAR = 2021
DEFAULT_REAL_REPORT = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "00_qujiang_govoffice_2021.txt"
FIRST_YEAR = 2019
_SCALE = {"government_office": "office", "department": "department", "township": "township"}


def agency_report(agency: Agency, year: int, seed: int, *, index: int = 1) -> ParsedReport:
    """The generated report of ``agency`` for ``year`` (the last link of its chain from 2019)."""
    rng = random.Random(f"{seed}:{agency.district}:{agency.id}")
    report: ParsedReport | None = None
    for y in range(min(FIRST_YEAR, year), year + 1):
        report = generate_report(
            rng, version_for_year(y), agency=agency.name, year=y, scale=_SCALE.get(agency.kind, "department"),
            blank_style=rng.choices(("zero", "blank", "slash", "org_blank"), weights=(0.8, 0.07, 0.07, 0.06))[0],
            previous=report, index_no=f"{agency.district}-{index:03d}/{y + 1}-{rng.randint(10000, 99999)}",
        )
    assert report is not None
    return report


def build_demo(out_dir: Path, registry: Registry, district: str = "330803", year: int = 2021, seed: int = 2021,
               *, real_report: Path = DEFAULT_REAL_REPORT) -> list[Path]:
    """Write ``out_dir/<year>/<district>/<agency id>.<ext>`` for every agency of ``district``.

    Returns the written paths in registry order. Deterministic for (registry, district, year, seed).
    """
    d = registry.district(district)
    folder = Path(out_dir) / str(year) / d.code
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    generated = 0
    for index, agency in enumerate(d.agencies, start=1):
        if agency.id == REAL_AGENCY and year == REAL_YEAR:
            if not real_report.is_file():
                raise FileNotFoundError(f"{real_report}: the real report of {REAL_AGENCY} is missing")
            path = folder / f"{agency.id}.txt"
            shutil.copyfile(real_report, path)
            written.append(path)
            continue
        report = agency_report(agency, year, seed, index=index)
        style = random.Random(f"{seed}:{agency.id}:{year}:style")
        if generated % 2 == 0:
            path = folder / f"{agency.id}.txt"
            path.write_text(render_page_text(report, half_width=style.random() < 0.5), encoding="utf-8")
        else:
            path = folder / f"{agency.id}.html"
            path.write_text(render_html(report, wrap_headers=style.random() < 0.5), encoding="utf-8")
        generated += 1
        written.append(path)
    return written
