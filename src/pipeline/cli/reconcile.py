"""``pipeline reconcile --year Y --district D FILE``: a district's own report against its members' sum.

Prints the number of equal cells, then every differing cell with both values and the members behind the
difference (:mod:`pipeline.publish.reconcile`). ``--json`` prints the same as JSON. Exit 0 when every
compared cell agrees, 1 when some differ, 2 on bad input (one line on stderr, Chinese and English).

Tables 三 and 四 by default: they are sums of the members' figures by definition; table 二 is not (joint
documents are counted by each issuing department, the district's documents in force include its own), so its
differences are only counted in a note line, and ``--tables all`` (or ``--tables proactive,…``) compares it
cell by cell too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer


def _fail(zh: str, en: str) -> typer.Exit:
    sys.stderr.write(f"{zh} / {en}\n")
    return typer.Exit(2)


def reconcile_cmd(
    file: Path = typer.Argument(..., help="The district's own published report (any form `pipeline parse` reads)."),
    year: int = typer.Option(..., "--year", help="Reporting year."),
    district: str = typer.Option(..., "--district", help="District code of the registry."),
    warehouse_url: str = typer.Option(None, "--warehouse-url", help="SQLAlchemy URL; default: PIPELINE_WAREHOUSE_URL or SQLite under PIPELINE_DATA_DIR."),
    tables: str = typer.Option("requests,appeals", "--tables",
                               help="Tables to compare: comma-separated codes (proactive, requests, appeals) or 'all'. "
                                    "Default: tables 三 and 四, the ones that are sums of the members' by definition."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Hold a district's published consolidated report cell by cell against the sum of its members."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline import vocabulary as voc
    from pipeline.ingest import IngestError, parse_file
    from pipeline.publish.reconcile import KIND_ZH, TABLE_ZH, reconcile
    from pipeline.registry import RegistryError, load_registry
    from pipeline.settings import get_settings
    from pipeline.warehouse.engine import WarehouseUnavailable, mask_url, open_warehouse

    settings = get_settings()
    try:
        registry = load_registry(settings.config_dir)
        d = registry.district(district)
    except (RegistryError, KeyError) as e:
        raise _fail("登记名单中没有该区县", str(e).strip("'\"")) from None
    try:
        report = parse_file(file)
    except IngestError as e:
        raise _fail("无法读取该报告", str(e)) from None
    wanted = set(voc.TABLES) if tables.strip() == "all" else {t.strip() for t in tables.split(",") if t.strip()}
    if not wanted or not wanted <= set(voc.TABLES):
        raise _fail("未知的表代码", f"unknown table code in --tables {tables!r}; use all or {', '.join(voc.TABLES)}")
    if report.meta.year and report.meta.year != year:
        sys.stderr.write(f"注意：报告年度为 {report.meta.year}，与 --year {year} 不同 / note: the report says {report.meta.year}\n")
    url = warehouse_url or settings.warehouse_url
    try:
        engine = open_warehouse(url)  # reads only: a mistyped path is an error, not a new database
    except WarehouseUnavailable as e:
        raise _fail("无法连接数据仓库", str(e)) from None
    try:
        result = reconcile(engine, d, year, report, tables=wanted)
    except SQLAlchemyError as e:
        raise _fail("无法读取数据仓库", f"warehouse {mask_url(url)} cannot be read: {type(e).__name__}: "
                                  f"{str(e).splitlines()[0]}") from None
    if result.agencies_loaded == 0:
        raise _fail(f"数据仓库中没有{d.name}{year}年已加载的机关", f"no loaded agency of {district} for {year} in {mask_url(url)}")
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        compared = "、".join(TABLE_ZH[t] for t in result.tables)
        out = [f"{d.full_name or d.name} {year}: {file.name} ({result.template}) {compared} vs the sum of "
               f"{result.agencies_loaded} loaded members / 与 {result.agencies_loaded} 个已加载机关之和核对",
               f"equal cells 相同 {len(result.equal)}, differing cells 不同 {len(result.differing)}"
               + (f", only in the report 仅报告有 {len(result.only_in_report)}" if result.only_in_report else "")]
        for diff in result.differing:
            rep = "空白" if diff.reported is None else f"{diff.reported:g}"
            mine = "空白" if diff.summed is None else f"{diff.summed:g}"
            out.append(f"  {diff.label} [{'/'.join(diff.key)}]: report 报告 {rep}, members' sum 成员之和 {mine} "
                       f"(difference 差 {diff.difference:+g})")
            for e in diff.explanations:
                out.append(f"      {e.agency_name} ({e.agency_id}) {KIND_ZH[e.kind]} {e.kind}: {e.detail}")
            if not diff.explanations:
                out.append("      no member explains it / 无成员可解释")
        for t, n in result.not_compared.items():
            out.append(f"not compared 未核对 {TABLE_ZH[t]}: {n} cell{'s' if n != 1 else ''} differ{'s' if n == 1 else ''} "
                       f"from the members' sum / 与成员之和不同 {n} 格 (not a sum by definition; --tables all compares it)")
        sys.stdout.write("\n".join(out) + "\n")
    raise typer.Exit(0 if result.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("reconcile")(reconcile_cmd)
