"""``pipeline withdraw --year Y --agency ID --reason …``: take a loaded report out of the figures and
republish its district (the report's versions stay in the warehouse's history)."""

from __future__ import annotations

import getpass

import typer


def withdraw_cmd(
    year: int = typer.Option(..., "--year", help="Reporting year."),
    agency: str = typer.Option(..., "--agency", help="The agency id (config/registry.toml)."),
    reason: str = typer.Option(..., "--reason", help="Why the report is withdrawn (kept with the withdrawal)."),
    by: str = typer.Option(None, "--by", help="Who decided (default: the login name)."),
    warehouse_url: str = typer.Option(None, "--warehouse-url", help="SQLAlchemy URL; default: PIPELINE_WAREHOUSE_URL or SQLite under PIPELINE_DATA_DIR."),
) -> None:
    """Withdraw an agency's report for the year; its district is published again without it."""
    from pipeline.cli._ops import engine_at_head, fail_line, registry
    from pipeline.cli.publish import publish_id
    from pipeline.ops import OpsError
    from pipeline.ops.withdraw import withdraw
    from pipeline.publish import publish_district
    from pipeline.settings import get_settings
    from pipeline.warehouse import sync_registry

    reg = registry()
    engine, url, _shown = engine_at_head(warehouse_url)
    try:
        w = withdraw(engine, year=year, agency_id=agency, reason=reason, author=by or _login())
    except OpsError as e:
        raise fail_line(str(e)) from None
    if w.already:
        from pipeline.ops.stale import stale_districts

        # A withdrawal killed while publishing left the files or the mart behind: publish them again now.
        if w.district not in reg.districts or not stale_districts(engine, get_settings().published_dir, year,
                                                                   [w.district]):
            typer.echo(f"{agency} {year}: 已撤回（第{w.version}版） / already withdrawn (version {w.version}: "
                       f"{w.reason}); nothing changed")
            return
        typer.echo(f"{agency} {year}: 已撤回（第{w.version}版），但发布未完成 / already withdrawn (version {w.version}: "
                   f"{w.reason}), but the district's publication was not finished: publishing it again")
    else:
        typer.echo(f"{agency} {year}: 第{w.version}版已撤回 / version {w.version} withdrawn ({w.reason})")
    if w.district not in reg.districts:
        return
    sync_registry(engine, reg)
    pub = publish_district(url, reg.district(w.district), year, get_settings().published_dir, run_id=publish_id())
    typer.echo(f"{w.district} {year}: 已重新发布 / republished without {agency}: {pub.agencies_covered}/"
               f"{pub.agencies_registered} agencies -> {pub.folder}")


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container
        return "unknown"


def register(app: typer.Typer) -> None:
    app.command("withdraw")(withdraw_cmd)
