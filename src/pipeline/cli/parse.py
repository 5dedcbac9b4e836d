"""``pipeline parse FILE [--json]``: the canonical parse of one file."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from pipeline.ingest import IngestError, parse_file


def parse_cmd(
    file: Path = typer.Argument(..., help="A submission: .txt, .html, .pdf, .md, .docx, .xlsx or .json."),
    as_json: bool = typer.Option(False, "--json", help="Print the canonical parse as JSON (UTF-8)."),
    previous: Path | None = typer.Option(None, "--previous", help="Last year's report of the same agency: "
                                         "settles readings this year's text leaves open (上年结转, 现行有效)."),
) -> None:
    """Parse one annual report into the canonical cells; exit 1 with one line on stderr if it cannot."""
    try:
        prev = parse_file(previous) if previous is not None else None
        report = parse_file(file, previous=prev)
    except IngestError as e:
        sys.stderr.write(f"{e}\n")
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.buffer.write(report.to_json().encode("utf-8") + b"\n")
        return
    from pipeline.cli.render_text import print_report

    print_report(report)


def register(app: typer.Typer) -> None:
    app.command("parse")(parse_cmd)
