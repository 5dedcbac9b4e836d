"""``pipeline publish --year Y [--district D]``: publish again from the warehouse, without an annual run.

For ops after a correction (a new report version loaded), a withdrawal (an agency taken out of
``config/registry.toml``) or a change of the publishing code: the registry is synced into the warehouse first
(so a withdrawn agency leaves the figures), then every district — each ``--district`` given, else every
registered district with a loaded agency in the year — is published exactly as the annual run publishes it
(:func:`pipeline.publish.publish_district`): a new folder ``<published>/<year>/<district>/runs/<id>/``, the
latest copies and ``latest.json`` beside it, and the warehouse mart.

One id for the whole command, ``publish-<UTC time>-<8 hex>``, in place of the run id: it is in every file's
provenance, in the folder name and in ``mart_publications``. Prints one line per district written.
Exit 0 when every district asked for was written; 1 when a district has nothing loaded for the year (the
others are still written); 2 on bad input — unknown district, unreadable registry, a warehouse that cannot be
reached or is not at the newest schema (one line, Chinese and English).
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid

import typer

_LOADED_BY_DISTRICT = (
    "SELECT a.district_code, COUNT(DISTINCT r.agency_id) FROM reports r JOIN agencies a ON a.id = r.agency_id "
    "WHERE r.year = :y AND r.is_active AND a.registered GROUP BY a.district_code")


def _fail(zh: str, en: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"{zh} / {en}\n")
    return typer.Exit(code)


def publish_id(now: dt.datetime | None = None) -> str:
    """A run-like id of one ``pipeline publish``: ``publish-20270115T083000Z-1a2b3c4d`` (sorts by time)."""
    now = now or dt.datetime.now(dt.UTC)
    return f"publish-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def publish_cmd(
    year: int = typer.Option(..., "--year", help="Reporting year."),
    district: list[str] = typer.Option(None, "--district", help="District code (repeatable); default: every registered district with a loaded agency in the year."),
    warehouse_url: str = typer.Option(None, "--warehouse-url", help="SQLAlchemy URL; default: PIPELINE_WAREHOUSE_URL or SQLite under PIPELINE_DATA_DIR."),
) -> None:
    """Publish the districts' consolidated reports again from the warehouse (no ingest, no run)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.publish import publish_district
    from pipeline.publish.provenance import mask_url
    from pipeline.registry import RegistryError, load_registry
    from pipeline.settings import get_settings
    from pipeline.warehouse import sync_registry
    from pipeline.warehouse.engine import current_revision, head_revision

    settings = get_settings()
    try:
        registry = load_registry(settings.config_dir)
    except RegistryError as e:
        raise _fail("无法读取登记名单", str(e)) from None
    unknown = [d for d in district or [] if d not in registry.districts]
    if unknown:
        raise _fail("登记名单中没有该区县", f"unknown district {', '.join(unknown)} "
                                       f"(registry {settings.config_dir / 'registry.toml'}: {registry.known()})")
    url = warehouse_url or settings.warehouse_url
    shown = mask_url(url)
    from pipeline.warehouse.engine import WarehouseUnavailable, open_warehouse

    try:
        engine = open_warehouse(url)  # publishing needs a loaded warehouse: never create one here
    except WarehouseUnavailable as e:
        raise _fail("无法连接数据仓库", str(e)) from None
    try:
        current, head = current_revision(engine), head_revision()
    except (SQLAlchemyError, ValueError) as e:
        raise _fail("无法连接数据仓库", f"warehouse {shown} cannot be reached: {type(e).__name__}: "
                                   f"{str(e).splitlines()[0] if str(e) else ''}") from None
    if current != head:
        raise _fail("数据仓库不是最新结构", f"warehouse {shown} is at revision {current or '(empty)'}, head is {head}: "
                                     f"run `pipeline db upgrade`" + (" and `pipeline run`" if current is None else ""))
    try:
        sync_registry(engine, registry)  # a withdrawal in the registry leaves the figures now
        with engine.connect() as conn:
            loaded = {d: n for d, n in conn.execute(text(_LOADED_BY_DISTRICT), {"y": year})}
    except SQLAlchemyError as e:
        raise _fail("无法读取数据仓库", f"warehouse {shown} cannot be read: {type(e).__name__}: {str(e).splitlines()[0]}") from None
    codes = list(dict.fromkeys(district)) if district else [c for c in registry.districts if loaded.get(c)]
    if not codes:
        raise _fail(f"{year}年没有已加载的机关", f"nothing loaded for {year} in {shown}: run `pipeline run --year {year}` "
                                          f"first", 1)
    pid = publish_id()
    typer.echo(f"publish {pid}: year {year}, warehouse {shown}")
    empty = []
    for code in codes:
        d = registry.district(code)
        if not loaded.get(code):
            empty.append(code)
            sys.stderr.write(f"{code} {d.name} {year}: 没有已加载的机关，未发布 / no loaded agency, not published\n")
            continue
        try:
            pub = publish_district(url, d, year, settings.published_dir, run_id=pid)
        except SQLAlchemyError as e:
            raise _fail("发布失败", f"{code} {d.name} {year}: {type(e).__name__}: {str(e).splitlines()[0]}", 1) from None
        typer.echo(f"{code} {d.name} {year}: {pub.agencies_covered}/{pub.agencies_registered} agencies, "
                   f"template {_version(pub)} -> {pub.folder}")
    raise typer.Exit(1 if empty else 0)


def _version(pub) -> str:
    import json

    return json.loads((pub.folder / "manifest.json").read_text(encoding="utf-8")).get("template_version", "?")


def register(app: typer.Typer) -> None:
    app.command("publish")(publish_cmd)
