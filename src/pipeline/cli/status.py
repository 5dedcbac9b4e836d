"""``pipeline status --year Y [--district D] [--json]``: the last run and every agency's state."""

from __future__ import annotations

import json

import typer


def status_cmd(
    year: int = typer.Option(..., "--year", help="Reporting year."),
    district: list[str] = typer.Option(None, "--district", help="District code (repeatable); default: every registered district."),
    as_json: bool = typer.Option(False, "--json", help="Print the status document as JSON."),
    warehouse_url: str = typer.Option(None, "--warehouse-url", help="SQLAlchemy URL; default: PIPELINE_WAREHOUSE_URL or SQLite under PIPELINE_DATA_DIR."),
) -> None:
    """The year's last run, and per agency: loaded (version), unchanged, failed (reason, findings), missing,
    withdrawn — and which version the district's published figures use."""
    from rich.console import Console

    from pipeline.cli._ops import engine_at_head, fail, registry
    from pipeline.ops.status import year_status
    from pipeline.settings import get_settings

    reg = registry()
    unknown = [d for d in district or [] if d not in reg.districts]
    if unknown:
        raise fail("登记名单中没有该区县", f"unknown district {', '.join(unknown)} (registry: {reg.known()})")
    engine, _url, shown = engine_at_head(warehouse_url)
    doc = year_status(engine, reg, year, districts=district or None, published_dir=get_settings().published_dir)
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    console = Console(soft_wrap=True)
    run = doc["last_run"]
    if run is None:
        console.print(f"{year}: 尚无运行记录 / no run yet in {shown}")
    else:
        c = run["counts"]
        console.print(f"[bold]{year}[/bold] last run {run['id']} {run['status']} (started {run['started_at']}, "
                      f"finished {run['finished_at'] or '—'}): loaded {c['loaded']}, unchanged {c['unchanged']}, "
                      f"failed {c['failed']}, missing {c['missing']}; drop folder {run['submissions_dir'] or '—'}")
    colours = {"loaded": "green", "unchanged": "green", "failed": "red", "missing": "yellow", "withdrawn": "magenta"}
    for d in doc["districts"]:
        pub = d["published"]
        console.print(f"[bold]{d['code']} {d['name']}[/bold] — 发布 published: "
                      f"{(pub['run_id'] + ' ' + pub['generated_at']) if pub else '未发布 not published'}")
        console.print("  agency                 state       version  published  findings  corrections  name: reason")
        for a in d["agencies"]:
            colour = colours.get(a["state"], "white")
            console.print(f"  {a['agency_id']:<22} [{colour}]{a['state']:<11}[/{colour}] {_v(a['version']):<8} "
                          f"{_v(a['published_version']):<10} {a['findings']:<9} {a['corrections']:<12} {a['name']}"
                          + (f": {a['reason']}" if a["reason"] else ""), highlight=False)


def _v(v) -> str:
    return "—" if v is None else f"v{v}"


def register(app: typer.Typer) -> None:
    app.command("status")(status_cmd)
