"""``pipeline template --year Y --out FILE.xlsx``: the blank filing template for a reporting year."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from pipeline.render.xlsx_template import VERSION_NAMES, template_bytes
from pipeline.synth.generate import version_for_year


def template_cmd(
    year: int = typer.Option(..., "--year", help="Reporting year; up to 2020 the 2019 trial format, from 2021 the 2021 format."),
    out: Path = typer.Option(..., "--out", help="Where to write the workbook (.xlsx)."),
) -> None:
    """Write the protected XLSX filing template an agency fills in and submits as its report."""
    if out.suffix.lower() != ".xlsx":
        sys.stderr.write(f"{out}: the template is an .xlsx workbook; give a file name ending in .xlsx\n")
        raise typer.Exit(2)
    if not 2019 <= year <= 2100:
        sys.stderr.write(f"--year {year}: annual reports in these formats start with 2019\n")
        raise typer.Exit(2)
    version = version_for_year(year)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(template_bytes(version, year=year))
    except OSError as e:
        sys.stderr.write(f"{out}: cannot write: {e.strerror or e}\n")
        raise typer.Exit(1) from None
    sys.stdout.write(f"{out}: template {version} — {VERSION_NAMES[version]}, reporting year {year}\n")


def register(app: typer.Typer) -> None:
    app.command("template")(template_cmd)
