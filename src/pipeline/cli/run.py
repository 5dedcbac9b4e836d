"""``pipeline run --year Y``: the annual job through the Prefect flow (the bundled demo by default)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console


def run_cmd(
    year: int = typer.Option(..., "--year", help="Reporting year (e.g. 2021)."),
    district: list[str] = typer.Option(None, "--district", help="District code (repeatable); default: every registered district."),
    submissions: Path = typer.Option(None, "--submissions", help="Drop folder <DIR>/<year>/<district>/…; default: PIPELINE_SUBMISSIONS_DIR or ./demo/submissions."),
    policy: str = typer.Option("strict", "--policy", help="strict: an agency with any validation error is not loaded; lenient: load and record findings."),
    warehouse_url: str = typer.Option(None, "--warehouse-url", help="SQLAlchemy URL; default: PIPELINE_WAREHOUSE_URL or SQLite under PIPELINE_DATA_DIR."),
    runner: str = typer.Option("threads", "--runner", help="threads (default) or dask: prefect-dask's DaskTaskRunner on a LocalCluster (PIPELINE_DASK_WORKERS, default 2) or PIPELINE_DASK_ADDRESS."),
) -> None:
    """Run the annual pipeline: ingest → validate → load every agency, then publish each district."""
    console = Console(soft_wrap=True)
    from pipeline.registry import RegistryError, load_registry
    from pipeline.settings import get_settings

    settings = get_settings()
    # Cheap checks first, so a typo fails in a second with one line, not after starting Prefect.
    from pipeline.ops import OpsError
    from pipeline.ops.guards import check_year
    from pipeline.ops.runners import task_runner

    try:
        check_year(year)
        chosen = task_runner(runner)
    except OpsError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    try:
        registry = load_registry(settings.config_dir)
    except RegistryError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    unknown = [d for d in district or [] if d not in registry.districts]
    if unknown:
        console.print(f"[red]unknown district {', '.join(unknown)}[/red] (registry {settings.config_dir / 'registry.toml'}: {registry.known()})")
        raise typer.Exit(2)
    folder = submissions if submissions is not None else settings.submissions_dir
    if not folder.is_dir():
        console.print(f"[red]submissions folder not found:[/red] {folder} (use --submissions or PIPELINE_SUBMISSIONS_DIR)")
        raise typer.Exit(2)
    if not (folder / str(year)).is_dir():
        console.print(f"[yellow]no folder {folder / str(year)}: every registered agency will be reported missing[/yellow]")
    # The warehouse answers (one line naming its host, password masked, otherwise), and its URL reaches the
    # flow through the environment, not as a flow parameter: Prefect stores parameters, and a password with them.
    from pipeline.warehouse.engine import error_line, get_engine

    url = warehouse_url or settings.warehouse_url
    try:
        with get_engine(url).connect() as conn:  # a first run may create the SQLite file: that is what run does
            conn.exec_driver_sql("SELECT 1")
    except Exception as e:
        typer.echo(error_line(url, e, reached=False), err=True)
        raise typer.Exit(2) from None
    from pipeline.warehouse.runlock import refusal, wait_seconds, year_is_free

    if not wait_seconds() and not year_is_free(get_engine(url), year):  # one line now; start_run is the real guard
        typer.echo(refusal(get_engine(url), year), err=True)
        raise typer.Exit(2)
    if warehouse_url:
        os.environ["PIPELINE_WAREHOUSE_URL"] = warehouse_url
    # Without a Prefect server configured, Prefect starts a temporary one; give it time on a busy
    # machine, and send nothing anywhere (this runs on closed networks).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.annual import annual_run, run_stopped, run_summary
    from pipeline.ops import progress

    flow_ = annual_run if chosen is None else annual_run.with_options(task_runner=chosen)
    with progress.bar(console):  # agencies done / total, failed so far
        state = flow_(year=year, districts=district or None, submissions_dir=str(submissions) if submissions else None,
                           policy=policy, warehouse_url=None, return_state=True)
    stopped = run_stopped(state)  # another run holds the year, the warehouse is locked or gone: one line
    if stopped is not None:
        typer.echo(str(stopped), err=True)
        raise typer.Exit(stopped.exit_code)
    result = run_summary(state)
    if result is None:
        typer.echo(f"年度运行失败 / annual run failed: {(str(state.message or '').splitlines() or [''])[0]}", err=True)
        raise typer.Exit(1)
    counts = result["counts"]
    console.print()
    console.print(f"[bold]Annual run {year}[/bold] ({result['run_id']}): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for o in result["outcomes"]:
        if o["status"] in ("failed", "missing"):
            console.print(f"  [red]{o['status']}[/red] {o['agency_id']} {o['agency_name']}: {o['reason']}")
    console.print(f"Warehouse:        {result['warehouse_url']}")
    for p in result["published"]:
        console.print(f"District summary: {p}  (and consolidated.csv beside it)")
    console.print(f"Run outputs:      {result['run_dir']}  (outcomes and findings, CSV and JSON)")
    if state.is_failed():
        console.print(f"[red]{state.message}[/red]")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("run")(run_cmd)
