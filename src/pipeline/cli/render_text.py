"""Terminal rendering of a parse (rich tables with Chinese labels)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from pipeline import vocabulary as voc
from pipeline.model import ParsedReport


def print_report(report: ParsedReport, console: Console | None = None) -> None:
    console = console or Console()
    m = report.meta
    console.print(f"[bold]{m.title or m.agency or '(untitled)'}[/bold]  template {report.template}  year {m.year}")
    cells = report.cell_map()
    for table in voc.TABLES:
        t = Table(title=voc.TABLE_TITLES[table], show_lines=False)
        t.add_column("row")
        cols = voc.cols(table, report.template)
        for c in cols:
            t.add_column(voc.label(table, "col", c, report.template), justify="right")
        rows = [r for r in voc.rows(table, report.template, single_other=report.single_other)]
        for r in rows:
            vals = []
            for c in cols:
                cell = cells.get((table, r, c))
                vals.append("" if cell is None else (cell.raw or "") + ("?" if cell.ambiguous else ""))
            if any(vals):
                t.add_row(voc.short_label(table, "row", r, report.template), *vals)
        console.print(t)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
