"""Is the file what it claims to be? The registered agency's report of the run's year, and not empty.

Why: a drop folder collects files by name; a clerk who uploads last year's report, a neighbour's
report or the untouched filing template passes every 勾稽 rule, and the district would publish the
wrong figures under the agency's name. So the annual run (and ``pipeline check --agency/--year``)
holds the document's own words against the claim — each finding names what was found:

- ``R-SUBMIT-AGENCY``: the agency the report names (title, else 发布机构 or the signature — see
  :mod:`pipeline.ingest.meta`) is not the registered agency. Names are compared without spaces and
  punctuation, and a name that only adds or drops the region in front ("衢州市" + "衢江区教育局")
  is the same name; anything else must be listed as an alias in ``registry.toml``;
- ``R-SUBMIT-YEAR``: the report's year is not the run's year;
- ``R-SUBMIT-EMPTY``: every cell is blank or not printed — an untouched template. All zeros is a real
  report (an agency with no requests) and passes;
- ``R-SUBMIT-TABLE``: one of the three tables is not in the report (left out, or not one row of it
  readable): a row left out is a local problem the parser notes (``R-PARSE-NOT-PRINTED``, a warning), a
  whole table left out is an incomplete report.

Errors under ``strict``, warnings under ``lenient``. Nothing is reported where the document does not
name an agency or a year (nothing contradicts the claim).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model import ParsedReport
from pipeline.validate.engine import order_key, validate_report
from pipeline.validate.findings import Finding, Severity, ValidationResult
from pipeline.validate.policy import Policy, check_policy
from pipeline.validate.rules import make_finding
from pipeline.validate.wording import TABLE_EN, TABLE_ZH

#: Characters that do not make a name: spaces, brackets, quotes, dots, dashes.
_NOISE_RE = re.compile(r"[\s()（）\[\]【】<>《》\"'“”‘’·•.,，、:：;；\-—–_/|]+")
#: What a title may put after the agency's name: "XX局关于2022年…".
_TRAILING_RE = re.compile(r"(?:关于|的)$")
#: The end of a region's name: what may stand in front of an agency's own name.
_REGION_END = frozenset("省市区县旗盟州镇乡")


@dataclass(frozen=True, slots=True)
class Claim:
    """What a submission is filed as: the registered agency (name and aliases) and the year."""

    agency: str | None = None
    aliases: tuple[str, ...] = ()
    year: int | None = None


def normalise_name(name: str) -> str:
    """An agency name for comparison: NFKC, no spaces or punctuation, no trailing 关于."""
    s = _NOISE_RE.sub("", unicodedata.normalize("NFKC", name))
    return _TRAILING_RE.sub("", s)


def same_agency(found: str, registered: str, aliases: Sequence[str] = ()) -> bool:
    """Whether the name ``found`` in a report names the registered agency (or one of its aliases)."""
    f = normalise_name(found)
    if not f:
        return True
    for name in (registered, *aliases):
        n = normalise_name(name)
        if not n:
            continue
        if f == n:
            return True
        short, long_ = (f, n) if len(f) < len(n) else (n, f)
        prefix = long_[: len(long_) - len(short)]
        if len(short) >= 3 and long_.endswith(short) and prefix[-1:] in _REGION_END:
            return True
    return False


def is_empty(report: ParsedReport) -> bool:
    """True when no cell carries a value: an untouched template (all zeros is not empty)."""
    return all(c.value is None for c in report.cells)


def submission_findings(report: ParsedReport, claim: Claim | None = None, *, policy: Policy = "strict") -> list[Finding]:
    """The findings about the submission itself (see the module docstring)."""
    severity: Severity = "error" if check_policy(policy) == "strict" else "warning"
    claim = claim or Claim()
    version = report.template
    out: list[Finding] = []
    found = report.meta.agency
    if claim.agency and found and not same_agency(found, claim.agency, claim.aliases):
        out.append(make_finding(
            "R-SUBMIT-AGENCY", version, None, None, None, claim.agency, found,
            f"报告所署机关为「{found}」，不是登记的机关「{claim.agency}」：请确认提交的是本机关的报告"
            f"（如确为同一机关的其他名称，请在 registry.toml 中登记别名）。",
            f"the report names the agency {found!r}, not the registered {claim.agency!r}: check the file "
            f"(if it is another name of the same agency, add it to the aliases in registry.toml).",
            severity=severity))
    year = report.meta.year
    if claim.year is not None and year is not None and year != claim.year:
        out.append(make_finding(
            "R-SUBMIT-YEAR", version, None, None, None, claim.year, year,
            f"这是 {year} 年度的报告，本次收取的是 {claim.year} 年度报告：请提交 {claim.year} 年度的报告。",
            f"this is the report for {year}; the run is for {claim.year}: submit the {claim.year} report.",
            severity=severity))
    if is_empty(report):
        out.append(make_finding(
            "R-SUBMIT-EMPTY", version, None, None, None, None, None,
            "报告的三张表格全部为空白（未填写的模板）：请填写后再提交；没有发生的事项请填 0。",
            "every cell of the three tables is blank (an untouched template): fill it in — write 0 where "
            "nothing happened.",
            severity=severity))
    else:
        for table in missing_tables(report):
            out.append(make_finding(
                "R-SUBMIT-TABLE", version, table, None, None, None, None,
                f"报告中没有{TABLE_ZH[table]}（整张表格缺失或无法读出）：请按模板补全该表后再提交；没有发生的事项请填 0。",
                f"the report has no {TABLE_EN[table]} (the table is left out or cannot be read): complete it as "
                f"the template has it — write 0 where nothing happened.",
                severity=severity))
    return out


def missing_tables(report: ParsedReport) -> list[str]:
    """The template's tables the report does not give: every cell of the table not printed, or in a row
    the parser could not read (a ``R-PARSE-UNREAD`` note).

    A table of blanks is given (a blank counts as 0, as agencies print it), and so is a table stated in
    words ("本年度未发生行政复议、行政诉讼", read as zeros). Empty for a report without cells
    (see :func:`is_empty`).
    """
    unread = {(n.table, n.row) for n in report.notes if n.rule == "R-PARSE-UNREAD" and n.table}
    if not unread and not any(c.status == "not_printed" for c in report.cells):
        return []  # the usual report: every cell it has is read
    given: dict[str, bool] = {}
    for c in report.cells:
        read = c.status != "not_printed" and (c.table, c.row) not in unread and (c.table, None) not in unread
        given[c.table] = given.get(c.table, False) or read
    return [t for t, any_read in given.items() if not any_read]


def validate_submission(report: ParsedReport, claim: Claim | None = None, *, previous: ParsedReport | None = None,
                        policy: Policy = "strict") -> ValidationResult:
    """:func:`pipeline.validate.validate_report` plus the checks of the submission itself, errors first."""
    result = validate_report(report, previous=previous, policy=policy)
    extra = submission_findings(report, claim, policy=policy)
    if not extra:
        return result
    return ValidationResult(sorted(extra + result.findings, key=order_key(report)))


def validate_submissions(reports: Sequence[ParsedReport], claims: Sequence[Claim | None], *,
                         previous: Sequence[ParsedReport | None] | None = None,
                         policy: Policy = "strict") -> list[ValidationResult]:
    """:func:`validate_submission` over a batch in one vectorised pass; result ``i`` is ``reports[i]``'s.

    The same findings, in the same order, as :func:`validate_submission` report by report.
    """
    from pipeline.validate.engine import validate_reports

    if len(claims) != len(reports):
        raise ValueError(f"{len(claims)} claims for {len(reports)} reports")
    results = validate_reports(reports, previous=previous, policy=policy)
    out = []
    for report, claim, result in zip(reports, claims, results, strict=True):
        extra = submission_findings(report, claim, policy=policy)
        out.append(ValidationResult(sorted(extra + result.findings, key=order_key(report))) if extra else result)
    return out
