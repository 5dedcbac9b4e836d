"""The batch's operations step, between parsing and validation, and its record after loading.

:func:`screen` takes the batch's parsed submissions and

1. sets aside an agency whose file is the one withdrawn for the year (``withdrawn``: not loaded again);
2. applies the year's corrections (:mod:`pipeline.ops.corrections`) to the others — the parse digest is
   recomputed, so a correction added or removed makes a new version; a correction naming a cell the report
   does not have fails that agency with one line naming the entry, agency and cell.

:func:`record` writes the applied corrections of each loaded (or unchanged) version into
``cell_corrections`` — replacing that version's rows, so it is idempotent — and appends the corrections to
the agency's ledger reason (``run_agencies.reason``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, insert, select, update

from pipeline.ops import OpsError
from pipeline.ops.corrections import Applied, Corrections, apply_corrections, summary


@dataclass(slots=True)
class Screened:
    ok: list = field(default_factory=list)  # (job, parsed, previous) to validate, corrections applied
    withdrawn: list = field(default_factory=list)  # (job, parsed, reason)
    failed: list = field(default_factory=list)  # (job, parsed, reason)
    applied: dict[str, list[Applied]] = field(default_factory=dict)


def screen(engine: Engine, year: int, items: Sequence[tuple], corrections: Corrections | None) -> Screened:
    """Split ``items`` — (job, parsed, previous) with ``parsed.error`` None — as the module docstring says."""
    from pipeline.ops.withdraw import withdrawn_files
    from pipeline.parallel import Parsed
    from pipeline.warehouse.load import parse_digest

    out = Screened()
    gone = withdrawn_files(engine, year, [j.agency_id for j, _, _ in items])
    for j, p, q in items:
        w = gone.get(j.agency_id, {}).get(p.source.sha256) if p.source is not None else None
        if w is not None:
            out.withdrawn.append((j, p, f"撤回的报告（第{w[0]}版），同一文件不再加载 / withdrawn (version {w[0]}: {w[1]}); "
                                        f"the same file is not loaded again — submit a new file"))
            continue
        entries = corrections.for_agency(j.agency_id) if corrections is not None else []
        if not entries:
            out.ok.append((j, p, q))
            continue
        try:
            fixed = apply_corrections(p.report, entries, agency=j.agency_id)
        except OpsError as e:
            out.failed.append((j, p, str(e)))
            continue
        out.applied[j.agency_id] = fixed.applied
        out.ok.append((j, Parsed(fixed.report, p.source, parse_digest(fixed.report)), q))
    return out


def record(engine: Engine, *, run_id: str, year: int, loaded: Mapping[str, tuple[int, int, bool]],
           applied: Mapping[str, list[Applied]]) -> None:
    """``cell_corrections`` rows of each loaded version with corrections, and the ledger's reason (docstring)."""
    from pipeline.warehouse.engine import write_transaction
    from pipeline.warehouse.models import CellCorrection, RunAgency

    cc, ra = CellCorrection.__table__, RunAgency.__table__
    todo = {a: (loaded[a][0], xs) for a, xs in applied.items() if xs and a in loaded}
    if not todo:
        return
    with write_transaction(engine) as conn:
        rows = []
        for agency, (report_id, xs) in todo.items():
            conn.execute(delete(cc).where(cc.c.report_id == report_id))
            rows += [{"report_id": report_id, "run_id": run_id, "agency_id": agency, "year": year,
                      "table_code": a.correction.table, "row_code": a.correction.row, "col_code": a.correction.col,
                      "printed_value": _f(a.printed_value), "printed_raw": a.printed_raw or "",
                      "printed_status": a.printed_status, "corrected_value": _f(a.correction.value), "kind": a.kind,
                      "reason": a.correction.reason, "author": a.correction.by, "corrected_at": a.correction.at,
                      "origin": a.correction.origin} for a in xs]
            where = (ra.c.run_id == run_id, ra.c.agency_id == agency)
            reason = conn.execute(select(ra.c.reason).where(*where)).scalar() or ""
            conn.execute(update(ra).where(*where).values(reason="; ".join(x for x in (reason, summary(xs)) if x)))
        conn.execute(insert(cc), rows)


def _f(v):
    return None if v is None else float(v)
