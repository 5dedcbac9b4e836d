"""``pipeline check FILE``: a clerk checks a report before submitting it.

Why a separate command: the clerk needs the annual run's verdict on one file, at once and in
Chinese — which cell is wrong and what the other cells imply — without a warehouse or a run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from pipeline.ingest import IngestError, parse_file
from pipeline.validate import findings_to_records
from pipeline.validate.findings import Finding
from pipeline.validate.policy import POLICIES
from pipeline.validate.submission import Claim, validate_submission

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def check_cmd(
    file: Path = typer.Argument(..., help="The report: .txt, .html, .pdf, .md, .docx, .xlsx or .json."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as a JSON list of objects "
                                 "(rule, severity, table, row, row_label, col, col_label, expected, actual, "
                                 "message_zh, message_en)."),
    strict_warnings: bool = typer.Option(False, "--strict-warnings", help="Exit 1 on warnings too."),
    previous: Path | None = typer.Option(None, "--previous", help="Last year's report of the same agency, "
                                         "for the cross-year checks (上年结转 = 上年的结转下年度, 现行有效件数)."),
    agency: str | None = typer.Option(None, "--agency", help="The agency the file is submitted for: its id in "
                                      "registry.toml (name and aliases are looked up) or its name. The report must "
                                      "name this agency (R-SUBMIT-AGENCY)."),
    year: int | None = typer.Option(None, "--year", help="The report year the file is submitted for (R-SUBMIT-YEAR)."),
    policy: str = typer.Option("strict", "--policy", help="strict: blank cells the identities need and the "
                               "submission checks are errors; lenient: warnings."),
) -> None:
    """Check one annual report against every rule of the template (勾稽关系) before submitting it.

    With --agency and --year the file is also checked to be what it is submitted as: the report of that agency (title, signature) for that year, and not an untouched template.

    Exit status: 0 when there is no error — warnings alone (a figure in 一、总体情况 that disagrees with the tables, last year's 结转 not matching …) still exit 0 unless --strict-warnings; 1 when there are errors (a blank 总计, a total that does not add up, a missing cell …), listed with Chinese labels; 2 when the file cannot be read.
    """
    if policy not in POLICIES:
        sys.stderr.write(f"--policy must be one of {', '.join(POLICIES)}, got {policy!r}\n")
        raise typer.Exit(EXIT_UNREADABLE)
    try:
        claim = Claim(year=year) if agency is None else resolve_agency(agency, year)
    except LookupError as e:
        sys.stderr.write(f"{e.args[0]}\n")
        raise typer.Exit(EXIT_UNREADABLE) from None
    try:
        prev = parse_file(previous) if previous is not None else None
        report = parse_file(file, previous=prev)
    except IngestError as e:
        sys.stderr.write(f"无法读取 / cannot read: {e}\n")
        raise typer.Exit(EXIT_UNREADABLE) from None
    result = validate_submission(report, claim, previous=prev, policy=policy)  # type: ignore[arg-type]
    if as_json:
        text = json.dumps(findings_to_records(result.findings), ensure_ascii=False, indent=1)
        sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    else:
        sys.stdout.buffer.write(render(file, report.meta.agency, report.meta.year, report.template,
                                       result.findings).encode("utf-8"))
    if result.has_errors or (strict_warnings and result.warnings):
        raise typer.Exit(EXIT_FINDINGS)


def resolve_agency(value: str, year: int | None) -> Claim:
    """The claim for ``--agency``: a registered id gives its name and aliases; any other value is a name.

    A value that looks like an id (no Chinese) but is not registered is an error (LookupError, one line).
    """
    from pipeline.registry import RegistryError, load_registry
    from pipeline.settings import get_settings

    looks_like_id = not any("\u4e00" <= ch <= "\u9fff" for ch in value)
    try:
        registry = load_registry(get_settings().config_dir)
        a = registry.agency(value)
        return Claim(a.name, a.aliases, year)
    except (RegistryError, KeyError) as e:
        if looks_like_id:
            raise LookupError(f"--agency {value}: not a registered agency id ({e.args[0]}); "
                              "give a registered id or the agency's name") from None
    return Claim(value, (), year)


def render(file: Path, agency: str | None, year: int | None, template: str, findings: list[Finding]) -> str:
    """The findings as a clerk reads them: one numbered line each, errors first."""
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    head = f"{file}：{agency or '（未识别机关名称）'} {year or ''}年度报告（{template} 格式）\n"
    if not findings:
        return head + "未发现问题。\n"
    lines = [head, f"发现 {errors} 个错误、{warnings} 个警告"
             + ("（仅有警告，可以提交，但请核对）" if not errors else "（请修改后再提交）") + "：\n"]
    for i, f in enumerate(findings, 1):
        tag = "错误" if f.severity == "error" else "警告"
        lines.append(f"{i:3d}. [{tag} {f.rule}] {f.message_zh}\n")
    return "".join(lines)


def register(app: typer.Typer) -> None:
    app.command("check")(check_cmd)
