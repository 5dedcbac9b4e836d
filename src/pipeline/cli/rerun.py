"""``pipeline rerun --year Y (--failed | --agency ID …) [--submissions DIR]``: process only those agencies.

The agency fixes its file (or the district records a correction) → ops re-runs → only those agencies are
parsed, validated and loaded → the districts where one of them loaded are republished. The drop folder
defaults to the one the year's latest run read. The same as the deployment's parameters ``agencies`` and
``failed_only`` (prefect.yaml).
"""

from __future__ import annotations

import os
from pathlib import Path

import typer


def rerun_cmd(
    year: int = typer.Option(..., "--year", help="Reporting year."),
    failed: bool = typer.Option(False, "--failed", help="Every agency whose latest outcome for the year is failed."),
    agency: list[str] = typer.Option(None, "--agency", help="An agency id (repeatable)."),
    district: list[str] = typer.Option(None, "--district", help="Only agencies of this district (repeatable)."),
    submissions: Path = typer.Option(None, "--submissions", help="Drop folder; default: the one the year's latest run read."),
    policy: str = typer.Option("strict", "--policy", help="strict or lenient."),
    warehouse_url: str = typer.Option(None, "--warehouse-url", help="SQLAlchemy URL; default: PIPELINE_WAREHOUSE_URL or SQLite under PIPELINE_DATA_DIR."),
) -> None:
    """Re-run the failed (or named) agencies of a year and republish their districts."""
    from rich.console import Console

    from pipeline.cli._ops import engine_at_head, fail, registry
    from pipeline.ops.rerun import failed_agencies, select_agencies

    if not failed and not agency:
        raise fail("请指定要重跑的机关", "give --failed or --agency ID")
    reg = registry()
    try:
        select_agencies(reg, agency or [], None)
    except Exception as e:
        raise fail("", str(e)) from None
    if submissions is not None and not submissions.is_dir():
        raise fail("找不到报送文件夹", f"submissions folder not found: {submissions}")
    engine, url, shown = engine_at_head(warehouse_url)
    if failed and not agency and not failed_agencies(engine, year):
        typer.echo(f"{year}: 没有未通过的机关，无需重跑 / no failed agency in {shown}: nothing to re-run")
        _repair(engine, url, reg, year, district or None)
        return
    from pipeline.warehouse.runlock import refusal, wait_seconds, year_is_free

    if not wait_seconds() and not year_is_free(engine, year):  # one line now, as `run`; start_run is the real guard
        raise fail("", refusal(engine, year))
    if warehouse_url:  # to the flow through the environment: Prefect stores parameters (and a password with them)
        os.environ["PIPELINE_WAREHOUSE_URL"] = warehouse_url
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.annual import annual_run, run_stopped, run_summary
    from pipeline.ops import progress

    console = Console(soft_wrap=True)
    with progress.bar(console):  # agencies done / total, failed so far
        state = annual_run(year=year, districts=district or None,
                           submissions_dir=str(submissions) if submissions else None, policy=policy,
                           agencies=agency or None, failed_only=failed, return_state=True)
    stopped = run_stopped(state)  # another run holds the year, the warehouse is locked or gone: one line
    if stopped is not None:
        raise fail("", str(stopped), stopped.exit_code)
    result = run_summary(state)
    if result is None:
        raise fail("重跑失败", f"re-run failed: {(str(state.message or '').splitlines() or [''])[0]}",
                   1 if state.is_failed() else 0)
    console.print(f"[bold]Re-run {year}[/bold] ({result['run_id']}): " + ", ".join(f"{k} {v}" for k, v in result["counts"].items()))
    for o in result["outcomes"]:
        colour = "red" if o["status"] in ("failed", "missing") else "green"
        console.print(f"  [{colour}]{o['status']}[/{colour}] {o['agency_id']} {o['agency_name']}"
                      + (f" v{o['report_version']}" if o["report_version"] else "") + (f": {o['reason']}" if o["reason"] else ""))
    for p in result["published"]:
        console.print(f"Republished: {p}")
    if state.is_failed():
        console.print(f"[red]{state.message}[/red]")
        raise typer.Exit(1)


def _repair(engine, url: str, reg, year: int, districts: list[str] | None) -> None:
    """What a killed run or re-run left behind, when no run of the year is going on: its run closed
    ``abandoned``, and every district whose published files are older than the warehouse published again."""
    from pipeline.cli.publish import publish_id
    from pipeline.ops.stale import stale_districts
    from pipeline.publish import publish_district
    from pipeline.settings import get_settings
    from pipeline.warehouse.ledger import close_abandoned
    from pipeline.warehouse.runlock import year_is_free

    if not year_is_free(engine, year):
        return  # a run of the year is going on: it publishes its districts itself
    for run_id in close_abandoned(engine):
        typer.echo(f"运行 {run_id} 已中断，已标记为 abandoned / run {run_id} was left running by a process that is "
                   f"gone: closed abandoned")
    out = get_settings().published_dir
    for code in stale_districts(engine, out, year, [c for c in (districts or reg.districts) if c in reg.districts]):
        pub = publish_district(url, reg.district(code), year, out, run_id=publish_id())
        typer.echo(f"{code} {year}: 发布落后于数据仓库，已重新发布 / the published files were older than the warehouse: "
                   f"republished ({pub.agencies_covered}/{pub.agencies_registered} agencies) -> {pub.folder}")


def register(app: typer.Typer) -> None:
    app.command("rerun")(rerun_cmd)
