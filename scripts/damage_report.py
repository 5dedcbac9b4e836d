"""How the parser copes with damaged documents: failures per damage kind and per form, with examples.

Usage::

    .venv/bin/python scripts/damage_report.py              # each kind alone (40 per kind and form) + 2,000 mixed
    .venv/bin/python scripts/damage_report.py -n 100 --mixed 0 --examples 5
    .venv/bin/python scripts/damage_report.py --kind 4 --form page_text --show 3   # print 3 failing documents

A report "fails" when the parse raises (the whole report is lost) or when any cell misses its
expectation (:func:`pipeline.synth.damage.check`): a wrong value without a flag, a flag without the
truth among the candidates, a needless flag, a value where nothing is printed. Seeds are printed so
that ``damaged_report(seed, form, kinds)`` reproduces any example.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time

from pipeline.ingest import IngestError, parse_bytes
from pipeline.synth.damage import FORM_KINDS, FORMS, KINDS, Damaged, check, damaged_report


def run(case: Damaged) -> tuple[str, list[str]]:
    """("ok" | "raises" | "cells", lines describing the failure)."""
    try:
        parsed = parse_bytes(case.data, case.name)
    except IngestError as e:
        return "raises", [f"whole report failed: {e}"]
    misses = check(parsed, case)
    if not misses:
        return "ok", []
    reasons = collections.Counter(m.reason for m in misses)
    return "cells", [f"{len(misses)} cell(s) [{', '.join(f'{r} ×{n}' for r, n in reasons.most_common())}]"] + [
        f"    {m}" for m in misses[:4]]


def table(title: str, rows: dict[str, dict[str, tuple[int, int, int]]]) -> None:
    """Print ``rows[label][form] = (n, raises, cells)`` as a fixed-width table."""
    print(f"\n{title}")
    print(f"{'':28}" + "".join(f"{f:>22}" for f in FORMS) + f"{'all':>16}")
    print(f"{'':28}" + "".join(f"{'fail/n (raise,cell)':>22}" for _ in FORMS) + f"{'fail/n':>16}")
    for label, per in rows.items():
        line, tot_n, tot_f = f"{label:28}", 0, 0
        for f in FORMS:
            if f not in per:
                line += f"{'—':>22}"
                continue
            n, r, c = per[f]
            tot_n, tot_f = tot_n + n, tot_f + r + c
            line += f"{f'{r + c}/{n} ({r},{c})':>22}"
        print(line + f"{f'{tot_f}/{tot_n}':>16}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=40, help="reports per kind and form (kinds alone)")
    ap.add_argument("--mixed", type=int, default=2000, help="reports with 1–3 kinds at random (0: skip)")
    ap.add_argument("--kind", type=int, action="append", help="only these kinds (repeatable)")
    ap.add_argument("--form", action="append", choices=FORMS, help="only these forms (repeatable)")
    ap.add_argument("--examples", type=int, default=3, help="example failures printed per kind and form")
    ap.add_argument("--show", type=int, default=0, help="also print the table region of this many failing documents")
    args = ap.parse_args(argv)
    kinds = args.kind or list(KINDS)
    forms = args.form or list(FORMS)
    started = time.perf_counter()

    alone: dict[str, dict[str, tuple[int, int, int]]] = {}
    examples: list[tuple[str, Damaged, list[str]]] = []
    shown = 0
    for k in [0, *kinds]:
        label = "undamaged" if k == 0 else f"{k:>2} {KINDS[k]}"
        for f in forms:
            if k and k not in FORM_KINDS[f]:
                continue
            counts = collections.Counter()
            for i in range(args.n):
                case = damaged_report(f"kind{k}-{i}" if k else f"clean-{i}", f, (k,) if k else ())
                outcome, lines = run(case)
                counts[outcome] += 1
                if outcome != "ok" and counts["raises"] + counts["cells"] <= args.examples:
                    examples.append((f"{label} / {f}", case, lines))
                if outcome != "ok" and shown < args.show:
                    shown += 1
                    _show(case, lines)
            alone.setdefault(label, {})[f] = (args.n, counts["raises"], counts["cells"])
    table(f"Each kind on its own ({args.n} reports per kind and form)", alone)

    if args.mixed:
        mixed: dict[str, dict[str, tuple[int, int, int]]] = {}
        total = collections.Counter()
        for i in range(args.mixed):
            f = FORMS[i % len(FORMS)]
            if f not in forms:
                continue
            case = damaged_report(i, f)
            if args.kind and not set(case.kinds) & set(kinds):
                continue
            outcome, _ = run(case)
            total[outcome] += 1
            for k in case.kinds:
                n, r, c = mixed.setdefault(f"{k:>2} {KINDS[k]}", {}).get(f, (0, 0, 0))
                mixed[f"{k:>2} {KINDS[k]}"][f] = (n + 1, r + (outcome == "raises"), c + (outcome == "cells"))
        table(f"Mixed: {sum(total.values())} reports, 1–3 kinds each (a report counts under each of its kinds)",
              dict(sorted(mixed.items())))
        print(f"\nmixed overall: {total['ok']} ok, {total['raises']} whole-report failures, "
              f"{total['cells']} with wrong cells")

    if examples:
        print(f"\nExample failures (first {args.examples} per kind and form; reproduce with "
              "damaged_report(seed, form, kinds)):")
        for label, case, lines in examples:
            print(f"\n[{label}] seed {case.seed!r}, {case.report.template}, kinds {list(case.kinds)}: {lines[0]}")
            for line in lines[1:]:
                print(line)
            for step in case.done[:4]:
                print(f"      damage: {step}")
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


def _show(case: Damaged, lines: list[str]) -> None:
    text = case.text
    start = text.find("二、主动公开")
    print(f"\n==== seed {case.seed!r} {case.form} kinds {list(case.kinds)}: {lines[0]}")
    print(text[start:start + 2500])


if __name__ == "__main__":
    sys.exit(main())
