"""``pipeline correct``: write (or remove) an entry of the year's corrections file.

    pipeline correct --year 2022 --agency 350128-htp --cell requests/total/natural_person --value 4 \\
        --reason "总计行印刷为0，按各项之和更正" --by "区政务公开办 林某"
    pipeline correct --year 2022 --agency 350128-htp --cell requests/total/natural_person --remove

The file is ``corrections/<year>.toml`` in the drop folder (``--submissions``, else PIPELINE_SUBMISSIONS_DIR),
or PIPELINE_CORRECTIONS_DIR, or ``--file``. It takes effect on the next run of the agency
(``pipeline rerun --year Y --agency ID``).
"""

from __future__ import annotations

from pathlib import Path

import typer


def correct_cmd(
    year: int = typer.Option(..., "--year", help="Reporting year."),
    agency: str = typer.Option(..., "--agency", help="The agency id (config/registry.toml)."),
    cell: str = typer.Option(..., "--cell", help="table/row/col codes, e.g. requests/total/natural_person."),
    value: str = typer.Option(None, "--value", help="The corrected value: a number, or blank."),
    reason: str = typer.Option(None, "--reason", help="Why (shown in the published annex and the ledger)."),
    by: str = typer.Option(None, "--by", help="Who decided (default: the login name)."),
    submissions: Path = typer.Option(None, "--submissions", help="The drop folder whose corrections/<year>.toml to write."),
    file: Path = typer.Option(None, "--file", help="Write this corrections file instead."),
    remove: bool = typer.Option(False, "--remove", help="Remove the agency's correction of this cell (the printed value comes back on the next run)."),
) -> None:
    """Record a district's correction of a member's cell (or pick an ambiguous cell's reading)."""
    from pipeline.cli._ops import fail, fail_line, registry
    from pipeline.cli.withdraw import _login
    from pipeline.ops import OpsError
    from pipeline.ops.corrections import (
        Correction,
        add_correction,
        corrections_path,
        parse_cell,
        parse_value,
        remove_correction,
    )
    from pipeline.settings import get_settings

    reg = registry()
    try:
        reg.agency(agency)
    except Exception:
        raise fail("登记名单中没有该机关", f"agency {agency} is not in the registry") from None
    path = file or corrections_path(submissions or get_settings().submissions_dir, year)
    try:
        key = parse_cell(cell, f"agency {agency}, ")
        if remove:
            if remove_correction(path, year, agency, key):
                typer.echo(f"{path}: 已删除 / removed {agency} {cell}; the printed value comes back on the next run "
                           f"(pipeline rerun --year {year} --agency {agency})")
                return
            raise fail_line(f"没有该更正 / {path}: no correction of {agency} {cell}", 1)
        if value is None or not (reason or "").strip():
            raise fail("缺少更正值或理由", f"agency {agency}, cell {cell}: give --value and --reason")
        v = parse_value(value, f"agency {agency}, cell {cell}: ")
        c = Correction(agency, *key, v, reason.strip(), (by or _login()).strip())
        written, replaced = add_correction(path, year, c)
    except OpsError as e:
        raise fail_line(str(e)) from None
    typer.echo(f"{written}: {'已替换' if replaced else '已记录'} / {'replaced' if replaced else 'recorded'} {agency} {cell} = "
               f"{'blank' if v is None else v} ({c.reason} — {c.by}); apply it: pipeline rerun --year {year} --agency {agency}")


def register(app: typer.Typer) -> None:
    app.command("correct")(correct_cmd)
