"""Injected faults of generated drop folders, what the annual run must report for each, and the check.

Why: the annual run is accepted only when every injected fault is reported on the right agency and
every clean agency loads (issue 9). A fault here is a **submission** as a careless agency or a damaged
crawl would send it; its manifest record says what the pipeline must do about it:

- ``expect: "failed"`` with ``codes`` — the agency fails, and at least one of the finding rules
  ``codes`` (``pipeline.validate.wording.RULES``: R-SUBMIT-YEAR, R-T3-ROW, …) is among its findings;
  a fault the parser refuses outright has no finding, and ``reason`` (a substring of the outcome's
  reason) says how it must be refused instead;
- ``expect: "loaded_with_note"`` with ``notes`` — a document damaged the way real ones are, that the
  parser repairs: the agency loads, and its findings carry a note starting with one of ``notes``;
- ``expect: "loaded"`` — damage the parser must read through without a word (a contents page,
  thousands separators): the agency loads.

==============================  ==============================================  ======================
kind                            the submission                                  forms
==============================  ==============================================  ======================
``identity``                    table 三 新收 总计 + 7: R-T3-ROW/-BAL break          every form
``wrong_year``                  the report of three years before                every form
``wrong_agency``                the next agency's report under this name        every form
``duplicate``                   two files for the agency                        every form
``bad_encoding``                page text with bytes that are no text           (page text)
``not_a_report``                a notice with no table                          (page text)
``missing_table``               one of tables 二/三/四 absent (heading kept)       txt, html, docx, json
``garbled_number``              a non-zero cell of table 三/四 printed with       txt, html, docx, xlsx
                                OCR confusions (O for 0, l for 1, S for 5 …)
``damage_<name>``               kind ``name`` of :mod:`pipeline.synth.damage`   txt (page text or the
                                (the real-world damage of the corpus            crawler dump), html,
                                ``../shared/corpus/kinds``) alone               as the kind allows
``damage_title_only_in_head``   the corpus's S10: agency and year only in       html
                                ``<title>``, 我局/本年度 in the body
==============================  ==============================================  ======================

:func:`check_faults` compares a manifest with a run's outcomes (rows, or the run folder itself).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import vocabulary as voc
from pipeline.model import Meta, ParsedReport
from pipeline.synth import damage

#: The fault kinds that existed first (every one makes the agency fail).
BASIC: tuple[str, ...] = ("identity", "wrong_year", "wrong_agency", "duplicate", "bad_encoding", "not_a_report")
#: The kinds of :mod:`pipeline.synth.damage`, and the corpus's S10 (a saved page that names the agency
#: and the year only in its ``<title>``; the body says 我局/本年度), which that module does not draw.
DAMAGE: tuple[str, ...] = (*(f"damage_{name}" for name in damage.KINDS.values()), "damage_title_only_in_head")
FAULTS: tuple[str, ...] = (*BASIC, "missing_table", "garbled_number", *DAMAGE)

#: Drop-folder forms each kind is meaningful in (None: every form).
_FORMS: dict[str, tuple[str, ...] | None] = {
    **dict.fromkeys(BASIC), "missing_table": ("txt", "txt_half", "html", "docx", "json"),
    "garbled_number": ("txt", "txt_half", "html", "docx", "xlsx"),
}
#: The damage module's printed forms for a drop-folder form.
_DAMAGE_FORMS = {"txt": ("page_text", "crawler_text"), "txt_half": ("page_text", "crawler_text"), "html": ("html",)}
#: What each damage kind must come to (the parse notes the parser writes for it; measured, see module doc).
_DAMAGE_NOTES: dict[str, tuple[str, ...]] = {
    "rows_left_out": ("R-PARSE-NOT-PRINTED",), "subrows_merged": ("R-PARSE-NOT-PRINTED",),
    "fewer_columns": ("R-PARSE-NOT-PRINTED",), "blank_in_run": ("R-PARSE-REPAIRED", "R-PARSE-AMBIGUOUS"),
    "collapsed_equal_lines": ("R-PARSE-REPAIRED", "R-PARSE-AMBIGUOUS"),
}
_T3_RULES = ("R-T3-ROW", "R-T3-SUM", "R-T3-BAL")
#: OCR confusions: a digit and the letter printed for it.
OCR: dict[str, str] = {"0": "O", "1": "l", "2": "Z", "3": "E", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B", "9": "g"}


def applicable(kind: str, form: str, report: ParsedReport | None = None) -> bool:
    """Whether fault ``kind`` is meaningful in drop-folder ``form`` (and for ``report``, when given)."""
    if kind == "damage_title_only_in_head":
        return form == "html"
    if kind.startswith("damage_"):
        k = _kind_number(kind)
        if k == 2 and report is not None and (report.template != "v2021" or report.single_other):
            return False  # the （六） sub-rows exist in the v2021 template only
        return any(k in damage.FORM_KINDS[f] for f in _DAMAGE_FORMS.get(form, ()))
    if kind == "garbled_number" and report is not None and not can_garble(report):
        return False
    forms = _FORMS[kind]
    return forms is None or form in forms


def _kind_number(kind: str) -> int:
    name = kind.removeprefix("damage_")
    return next(k for k, n in damage.KINDS.items() if n == name)


@dataclass(slots=True)
class Injected:
    """The files of one faulty submission (name → bytes, in the agency's district folder) and its record."""

    files: dict[str, bytes]
    expect: str
    codes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""


Render = Callable[[str, ParsedReport], bytes]


def inject(kind: str, report: ParsedReport, form: str, aid: str, ext: str, other_agency: str,
           rng: random.Random, render: Render) -> Injected:
    """Agency ``aid``'s submission of ``report`` in ``form`` with fault ``kind``; ``ext`` is the form's file extension."""
    path = f"{aid}.{ext}"
    if kind == "identity":
        broken, detail = break_identity(report)
        return Injected({path: render(form, broken)}, "failed", list(_T3_RULES), detail=detail)
    if kind == "wrong_year":
        y = (report.meta.year or 2021) - 3
        m = replace(report.meta, year=y, title=f"{report.meta.agency}{y}年政府信息公开工作年度报告")
        return Injected({path: render(form, replace(report, meta=m))}, "failed", ["R-SUBMIT-YEAR"], detail=f"report of {y}")
    if kind == "wrong_agency":
        m: Meta = report.meta
        m = replace(m, agency=other_agency, title=f"{other_agency}{m.year}年政府信息公开工作年度报告")
        return Injected({path: render(form, replace(report, meta=m))}, "failed", ["R-SUBMIT-AGENCY"],
                        detail=f"report of {other_agency}")
    if kind == "duplicate":
        data = render(form, report)
        return Injected({path: data, f"{aid}_revised.{ext}": data}, "failed", reason="more than one submission",
                        detail="two files")
    if kind == "bad_encoding":
        from pipeline.render.page_text import render_page_text

        text = render_page_text(report).encode("utf-8")
        cut = len(text) // 2
        return Injected({f"{aid}.txt": text[:cut] + b"\xff\xfe\xfa" * 20 + text[cut:]}, "failed",
                        reason="cannot decode", detail="60 bytes that are not text in the middle of the page")
    if kind == "not_a_report":
        return Injected({f"{aid}.txt": "关于做好年度工作的通知\n\n请各单位按时报送材料。\n".encode()}, "failed",
                        reason="not an annual report", detail="a notice with no table")
    if kind == "missing_table":
        table = rng.choice(("proactive", "requests", "appeals"))
        return Injected({path: without_table(report, form, table, render)}, "failed", ["R-SUBMIT-TABLE", "R-CELLS-MISSING"],
                        detail=f"table {table} absent")
    if kind == "garbled_number":
        garbled, detail = garble_number(report, rng)
        codes = [*_T3_RULES, "R-T4-SUM", "R-BLANK", "R-TYPE"]
        reason = "is not a number" if form == "xlsx" else None
        return Injected({path: render(form, garbled)}, "failed", [] if reason else codes, reason=reason, detail=detail)
    if kind == "damage_title_only_in_head":
        html = render(form, report).decode("utf-8")
        site = f"第{aid.split('-')[0]}区人民政府"
        return Injected({path: title_only_in_head(html, report, site).encode("utf-8")}, "loaded",
                        detail=f"agency and year only in <title> (…-{site}); the body says 我局/本年度")
    if kind.startswith("damage_"):
        k = _kind_number(kind)
        dforms = [f for f in _DAMAGE_FORMS[form] if k in damage.FORM_KINDS[f]]
        dform = rng.choice(dforms)
        if dform == "crawler_text" or k == 4:
            report = printed_zeros(report)
        doc = damage.apply(report, dform, (k,), rng)
        ext = "html" if dform == "html" else "txt"
        notes = list(_DAMAGE_NOTES.get(kind.removeprefix("damage_"), ()))
        return Injected({f"{aid}.{ext}": doc.data}, "loaded_with_note" if notes else "loaded", notes=notes,
                        detail=f"{dform}: " + "; ".join(doc.done))
    raise ValueError(f"unknown fault kind {kind!r} (one of {FAULTS})")


def title_only_in_head(html: str, report: ParsedReport, site: str) -> str:
    """The saved page ``html`` of ``report`` naming its agency and year only in ``<title>`` (with the
    site's name after it), as the corpus's S10: no heading, no 发布单位/信息来源, 我局 and 本年度 in the body."""
    head, sep, body = html.partition("</head>")
    head = re.sub(r'<meta name="(?:ArticleTitle|ContentSource)"[^>]*>\n?', "", head)
    head = re.sub(r"(<title>[^<]*)(</title>)", lambda m: f"{m.group(1)}-{site}{m.group(2)}", head)
    body = re.sub(r"<h1>[^<]*</h1>\n?|<li><b>发布单位：</b><span>[^<]*</span></li>\n?|<span>信息来源：[^<]*</span>", "", body)
    if report.meta.agency:
        body = body.replace(report.meta.agency, "我局")
    if report.meta.year:
        body = body.replace(f"{report.meta.year}年", "本年度")
    return head + sep + body


def printed_zeros(report: ParsedReport) -> ParsedReport:
    """``report`` with every zero printed ``0`` (not left empty): a crawler dump of empty cells, or a
    dropped blank line, cannot be read by anyone, so those damages are drawn on reports that print zeros."""
    cells = [replace(c, value=0, raw="0") if c.value is None and c.raw == "" else c for c in report.cells]
    return replace(report, cells=cells)


def break_identity(report: ParsedReport) -> tuple[ParsedReport, str]:
    """``report`` with table 三's 新收 总计 raised by 7: R-T3-ROW (and the column balance) no longer holds."""
    cells = list(report.cells)
    for i, c in enumerate(cells):
        if c.key == ("requests", "new_received", "total"):
            v = (c.value if isinstance(c.value, int) else 0) + 7
            cells[i] = replace(c, value=v, raw=str(v), status="read")  # a blank total is printed now
            return replace(report, cells=cells), f"requests/new_received/total {c.raw or '(blank)'} → {v}"
    raise ValueError("no table 三 新收 总计 in the report")  # pragma: no cover - every template has it


def garble_number(report: ParsedReport, rng: random.Random) -> tuple[ParsedReport, str]:
    """``report`` with one non-zero cell of table 三/四 printed with OCR confusions (a total of ≥ 10 when
    there is one), its value gone. Raises ``ValueError`` when tables 三 and 四 are all zero."""
    numbers = [c for c in report.cells if c.table in ("requests", "appeals") and isinstance(c.value, int) and c.value > 0]
    if not numbers:
        raise ValueError("tables 三 and 四 print no non-zero number to garble")
    totals = [c for c in numbers if c.col == "total" and c.value >= 10]
    cell = rng.choice(totals or numbers)
    digits = str(cell.value)
    i = rng.randrange(len(digits))
    printed = digits[:i] + OCR[digits[i]] + digits[i + 1:]
    cells = [replace(c, value=None, raw=printed) if c is cell else c for c in report.cells]
    return replace(report, cells=cells), f"{'/'.join(cell.key)} {digits} printed {printed}"


def can_garble(report: ParsedReport) -> bool:
    return any(c.table in ("requests", "appeals") and isinstance(c.value, int) and c.value > 0 for c in report.cells)


def without_table(report: ParsedReport, form: str, table: str, render: Render) -> bytes:
    """``report`` in ``form`` with ``table`` left out (its section heading kept)."""
    k = list(voc.TABLES).index(table)
    if form == "json":
        d = report.to_dict()
        d["cells"] = [c for c in d["cells"] if c["table"] != table]
        return json.dumps(d, ensure_ascii=False, indent=1).encode("utf-8")
    if form == "docx":
        from pipeline.synth.stencil import fast_docx

        return fast_docx(report, drop_table=k)
    text = render(form, report).decode("utf-8")
    if form == "html":
        starts = [m.start() for m in re.finditer(r"<table[ >]", text)]
        ends = [m.end() for m in re.finditer(r"</table>", text)]
        if len(starts) != 3 or len(ends) != 3:
            raise ValueError(f"expected the 3 tables in the page, found {len(starts)}")
        return (text[:starts[k]] + text[ends[k]:]).encode("utf-8")
    lines = text.split("\n")
    codes = list(voc.SECTIONS)
    head, nxt = voc.SECTIONS[table], voc.SECTIONS[codes[codes.index(table) + 1]]
    a = next(i for i, line in enumerate(lines) if line.strip(" \u00a0\u3000") == head)
    b = next(i for i, line in enumerate(lines) if i > a and line.strip(" \u00a0\u3000") == nxt)
    return "\n".join([*lines[:a + 1], "", *lines[b:]]).encode("utf-8")


# -- the check -------------------------------------------------------------------------------------
_OK_STATUSES = ("loaded", "unchanged")


@dataclass(slots=True)
class FaultCheck:
    """Injected faults against a run's outcomes. ``ok``: every fault caught as expected, no false alarm."""

    injected: int
    caught: list[dict]  # the manifest records met on their agency
    missed: list[dict]  # records not met: each with ``got`` (status, reason, rules)
    false_alarms: list[dict]  # clean agencies that did not load, or loaded with an error finding
    clean: int  # clean agencies with an outcome
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind → (caught, injected)

    @property
    def ok(self) -> bool:
        return not self.missed and not self.false_alarms

    def summary(self) -> str:
        lines = [f"faults: {len(self.caught)}/{self.injected} caught on the right agency; {len(self.missed)} missed; "
                 f"{len(self.false_alarms)} false alarms among {self.clean} clean agencies — {'OK' if self.ok else 'NOT OK'}"]
        for kind, (c, n) in sorted(self.by_kind.items()):
            lines.append(f"  {kind:<32} {c}/{n}")
        for r in self.missed:
            g = r["got"]
            lines.append(f"  missed {r['agency_id']} {r['kind']} ({r.get('form')}, {r.get('detail', '')}): expected "
                         f"{r['expect']} {r.get('codes') or r.get('notes') or r.get('reason') or ''}; got {g['status']} "
                         f"{g['rules']} {g['reason'][:120]}")
        for a in self.false_alarms:
            lines.append(f"  false alarm {a['agency_id']}: {a['status']} {a['rules']} {a['reason'][:120]}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def load_manifest(manifest: Mapping | str | Path) -> dict:
    if isinstance(manifest, str | Path):
        p = Path(manifest)
        manifest = json.loads((p / "manifest.json" if p.is_dir() else p).read_text(encoding="utf-8"))
    return dict(manifest)


def _records(manifest: Mapping) -> list[dict]:
    faults = manifest.get("faults", manifest)
    if isinstance(faults, Mapping):  # {agency id: record} (or the old {agency id: kind})
        return [{"agency_id": a, **(r if isinstance(r, Mapping) else {"kind": r, "expect": "failed"})}
                for a, r in faults.items()]
    return [dict(r) for r in faults]


def read_run(run_dir: str | Path) -> list[dict]:
    """A run folder's outcomes (``outcomes.json``) with each agency's ``findings`` (``findings.json``) joined."""
    run_dir = Path(run_dir)
    rows = json.loads((run_dir / "outcomes.json").read_text(encoding="utf-8"))
    findings_path = run_dir / "findings.json"
    by_agency: dict[str, list] = {}
    if findings_path.exists():
        found = json.loads(findings_path.read_text(encoding="utf-8"))
        if isinstance(found, Mapping):  # a frame written column-wise or as {"findings": [...]}
            found = found.get("findings", [])
        for f in found:
            by_agency.setdefault(f.get("agency_id"), []).append(f)
    return [{**r, "findings": by_agency.get(r["agency_id"], [])} for r in rows]


def _rules(row: Mapping) -> tuple[list[str], bool]:
    """(the finding rules of an outcome row, whether one of them is an error)."""
    rules, error = [], False
    for f in row.get("findings") or ():
        rule = f.get("rule") if isinstance(f, Mapping) else getattr(f, "rule", None)
        sev = f.get("severity") if isinstance(f, Mapping) else getattr(f, "severity", None)
        if rule:
            rules.append(rule)
            error = error or sev == "error"
    rules += [c for c in row.get("codes") or () if c not in rules]
    return rules, error


def _row(o: object) -> dict:
    if isinstance(o, Mapping):
        return dict(o)
    row = o.row() if hasattr(o, "row") else dict(vars(o))
    row["findings"] = list(getattr(o, "findings", []) or [])
    return row


#: Other outcomes that also report a fault on its agency, by kind (checked with the manifest's own
#: expectation, so that manifests written before still check): a garbled total in table 四, whose only
#: row it is, leaves the table unread (R-SUBMIT-TABLE), and an OCR confusion the reading repairs loads
#: with the repair noted; a table left out of a district government's report whose other tables are all
#: blank is an empty report; dropped equal lines can leave a total blank or a whole table unread (an
#: error the clerk must fix); digits run together that the reading settles without doubt load as read.
ALSO: dict[str, tuple[dict, ...]] = {
    "garbled_number": ({"expect": "failed", "codes": ["R-SUBMIT-TABLE"]},
                       {"expect": "loaded_with_note", "notes": ["R-PARSE-REPAIRED"]}),
    "missing_table": ({"expect": "failed", "codes": ["R-SUBMIT-EMPTY"]},),
    "damage_collapsed_equal_lines": ({"expect": "failed"},),
    "damage_blank_in_run": ({"expect": "loaded"},),
}


def _meets(e: Mapping, status: str, reason: str, rules: list[str]) -> bool:
    """Whether an outcome (status, reason, rules) meets the expectation ``e`` (a manifest record or :data:`ALSO`)."""
    if e["expect"] == "failed":
        return status == "failed" and ((not e.get("codes") or any(c in rules for c in e["codes"]))
                                       and (not e.get("reason") or e["reason"].lower() in reason.lower()))
    if e["expect"] == "loaded_with_note":
        return status in _OK_STATUSES and any(r.startswith(tuple(e.get("notes") or ["R-PARSE-"])) for r in rules)
    return status in _OK_STATUSES


def check_faults(manifest: Mapping | str | Path, outcomes: Iterable[Mapping] | Mapping | str | Path, *,
                 year: int | None = None) -> FaultCheck:
    """Whether the run that gave ``outcomes`` reported every fault of ``manifest`` on the right agency.

    ``manifest``: the dict of ``manifest.json`` (or its path, or the drop folder). ``outcomes``: rows as
    in the run's ``outcomes.json`` with each agency's ``findings`` (dicts or
    :class:`~pipeline.validate.findings.Finding`; or a ``codes`` list), :class:`~pipeline.annual.AgencyOutcome`
    objects, the run folder ``data/runs/<run id>`` itself, or the summary dict of
    :func:`pipeline.plainrun.run_plain` / the flow (its ``run_dir`` is read). ``year``: only outcomes of that year
    (default: the manifest's ``year``). Agencies without an outcome are not counted as clean.
    """
    manifest = load_manifest(manifest)
    if isinstance(outcomes, Mapping) and "run_dir" in outcomes:  # the summary of run_plain / the flow
        outcomes = outcomes["run_dir"]
    if isinstance(outcomes, str | Path):
        outcomes = read_run(outcomes)
    year = year if year is not None else manifest.get("year")
    rows = {}
    for o in outcomes:
        r = _row(o)
        if year is None or r.get("year") in (None, year):
            rows[r["agency_id"]] = r
    records = _records(manifest)
    faulty = {r["agency_id"] for r in records}
    caught, missed, by_kind = [], [], {}
    for rec in records:
        row = rows.get(rec["agency_id"])
        status = row.get("status") if row else "no outcome"
        reason = (row.get("reason") or "") if row else ""
        rules, _ = _rules(row) if row else ([], False)
        hit = any(_meets(e, status, reason, rules) for e in (rec, *ALSO.get(rec["kind"], ())))
        n_caught, n = by_kind.get(rec["kind"], (0, 0))
        by_kind[rec["kind"]] = (n_caught + hit, n + 1)
        if hit:
            caught.append(rec)
        else:
            missed.append({**rec, "got": {"status": status, "reason": reason, "rules": sorted(set(rules))}})
    alarms = []
    clean = 0
    for aid, row in rows.items():
        if aid in faulty:
            continue
        clean += 1
        rules, error = _rules(row)
        if row.get("status") not in _OK_STATUSES or error:
            alarms.append({"agency_id": aid, "status": row.get("status"), "reason": row.get("reason") or "",
                           "rules": sorted(set(rules))})
    return FaultCheck(len(records), caught, missed, alarms, clean, by_kind)
