"""Shared by the operations commands (status, rerun, correct, withdraw): one-line errors, the registry, the
warehouse at head."""

from __future__ import annotations

import sys

import typer


def fail(zh: str, en: str, code: int = 2) -> typer.Exit:
    """Write ``zh / en`` as one line on stderr; return the Exit to raise."""
    sys.stderr.write(f"{zh} / {en}\n" if zh else f"{en}\n")
    return typer.Exit(code)


def fail_line(line: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(line.rstrip() + "\n")
    return typer.Exit(code)


def registry():
    from pipeline.registry import RegistryError, load_registry
    from pipeline.settings import get_settings

    try:
        return load_registry(get_settings().config_dir)
    except RegistryError as e:
        raise fail("无法读取登记名单", str(e)) from None


def engine_at_head(warehouse_url: str | None):
    """(engine, url, masked url) of a reachable warehouse at the newest schema; one-line exit 2 otherwise."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.publish.provenance import mask_url
    from pipeline.settings import get_settings
    from pipeline.warehouse.engine import WarehouseUnavailable, current_revision, head_revision, open_warehouse

    url = warehouse_url or get_settings().warehouse_url
    shown = mask_url(url)
    try:
        engine = open_warehouse(url)  # creates nothing: a mistyped SQLite path is an error (issue 12)
    except WarehouseUnavailable as e:
        raise fail("无法连接数据仓库", str(e)) from None
    try:
        current, head = current_revision(engine), head_revision()
    except (SQLAlchemyError, ValueError) as e:
        raise fail("无法连接数据仓库", f"warehouse {shown} cannot be reached: {type(e).__name__}: "
                                f"{str(e).splitlines()[0] if str(e) else ''}") from None
    if current != head:
        raise fail("数据仓库不是最新结构", f"warehouse {shown} is at revision {current or '(empty)'}, head is {head}: "
                                  f"run `pipeline db upgrade`")
    return engine, url, shown
