"""Parse speed: median milliseconds per report for each input form, on the real corpus and on generated reports.

usage: python benchmarks/parse_bench.py [--n 100] [--repeat 31] [--corpus DIR] [--check]
       python benchmarks/parse_bench.py --drop DROP/submissions/2022 [--drop-n 300] [--repeat 3]

Real reports: every file of ``../shared/corpus/real/raw`` (when present), each parsed ``--repeat``
times; the figure per form is the median over its files of each file's median time. Generated
reports: ``--n`` reports per form (both template versions, the single-（六） variant, every blank
style), rendered once and parsed once each after a warm-up. Times are ``parse_bytes`` only — the
bytes are in memory, so disk speed does not count. Targets: page text and HTML ≤ 5 ms, PDF ≤ 150 ms;
``--check`` exits 1 when a target is missed.

``--drop``: the annual run's own parse instead — :func:`pipeline.parallel.parse_submission` (read, detect,
parse with the agency's previous year, digest) over the first ``--drop-n`` files of each form of a drop
folder's year (``pipeline generate``), each with its previous-year report parsed from the sibling year's
folder, under the worker processes' collector settings (thresholds, long-lived objects frozen); CPU
milliseconds per file per form (best of ``--repeat`` passes), and the digest's share.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from pipeline.ingest import detect_form, parse_bytes
from pipeline.model import ParsedReport
from pipeline.render.docx import render_docx
from pipeline.render.html import render_html
from pipeline.render.page_text import render_page_text
from pipeline.render.xlsx_template import render_xlsx
from pipeline.synth import generate_report
from pipeline.synth.generate import BLANK_STYLES

ROOT = Path(__file__).resolve().parents[1]
CORPUS_RAW = ROOT.parent / "shared" / "corpus" / "real" / "raw"
TARGETS_MS = {"text": 5.0, "html": 5.0, "pdf": 150.0}
VARIANTS = (("v2019", False), ("v2021", False), ("v2021", True))
RENDERERS: dict[str, tuple[str, Callable[[ParsedReport, random.Random], bytes]]] = {
    "text": ("r.txt", lambda r, rng: render_page_text(r, half_width=rng.random() < 0.5).encode("utf-8")),
    "html": ("r.html", lambda r, rng: render_html(r).encode("utf-8")),
    "docx": ("r.docx", lambda r, rng: render_docx(r)),
    "xlsx": ("r.xlsx", lambda r, rng: render_xlsx(r)),
    "json": ("r.json", lambda r, rng: r.to_json().encode("utf-8")),
}


def _ms(data: bytes, name: str) -> float:
    # CPU time of this thread: a parse is single-threaded, so on a quiet machine this is its wall time,
    # and on a busy one (other jobs on the two cores) it does not count the time spent waiting for a core
    t = time.thread_time()
    parse_bytes(data, name)
    return (time.thread_time() - t) * 1000


def corpus_times(raw_dir: Path, repeat: int) -> dict[str, list[float]]:
    """form → per-file median milliseconds."""
    out: dict[str, list[float]] = defaultdict(list)
    for path in sorted(raw_dir.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        form = detect_form(data, path.name)
        _ms(data, path.name)  # warm-up: imports, caches
        out[form].append(statistics.median(_ms(data, path.name) for _ in range(repeat)))
    return out


def generated_times(n: int) -> dict[str, list[float]]:
    """form → milliseconds of each generated report."""
    out: dict[str, list[float]] = {}
    for form, (name, render) in RENDERERS.items():
        inputs = []
        for i in range(n):
            version, single = VARIANTS[i % len(VARIANTS)]
            rng = random.Random(f"bench-{i}")
            report = generate_report(rng, version, single_other=single, blank_style=BLANK_STYLES[(i // 3) % len(BLANK_STYLES)])
            inputs.append(render(report, rng))
        _ms(inputs[0], name)
        out[form] = [_ms(data, name) for data in inputs]
    return out


def drop_times(folder: Path, n: int, repeat: int) -> None:
    """Print ``parse_submission``'s CPU ms per file per form over a drop folder's year (see the module docstring)."""
    from pipeline.parallel import WORKER_GC_THRESHOLDS, parse_submission
    from pipeline.warehouse.load import parse_digest

    by_form: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and len(by_form[path.suffix]) < n:
            by_form[path.suffix].append(path)
    before = folder.parent / str(int(folder.name) - 1) if folder.name.isdigit() else None
    previous = {}
    for paths in by_form.values():
        for path in paths:
            q = next((before / path.parent.name).glob(path.stem + ".*"), None) if before and before.is_dir() else None
            previous[path] = parse_submission(str(q)).report if q else None
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
    gc.collect()
    gc.freeze()
    print(f"drop folder: {folder} (previous year: {before if before and before.is_dir() else 'none'}), "
          f"process CPU, best of {repeat}")
    print(f"  {'form':8s} {'files':>6s} {'ms/file':>8s} {'digest ms':>10s}")
    for form, paths in sorted(by_form.items()):
        parse_ms = digest_ms = float("inf")
        for _ in range(repeat):
            t = time.process_time()
            reports = [parse_submission(str(p), previous[p]).report for p in paths]
            parse_ms = min(parse_ms, (time.process_time() - t) * 1000 / len(paths))
            t = time.process_time()
            for r in reports:
                if r is not None:
                    parse_digest(r)
            digest_ms = min(digest_ms, (time.process_time() - t) * 1000 / len(paths))
        print(f"  {form.lstrip('.'):8s} {len(paths):6d} {parse_ms:8.3f} {digest_ms:10.3f}")


def report(title: str, times: dict[str, list[float]]) -> list[str]:
    """Print one line per form; return the forms that missed their target."""
    print(title)
    print(f"  {'form':8s} {'reports':>7s} {'median ms':>10s} {'max ms':>8s}  target")
    missed = []
    for form in sorted(times):
        ts = times[form]
        med = statistics.median(ts)
        target = TARGETS_MS.get(form)
        verdict = "" if target is None else (f"≤ {target:g} ms ok" if med <= target else f"≤ {target:g} ms MISSED")
        if target is not None and med > target:
            missed.append(f"{title.split(':')[0]} {form}")
        print(f"  {form:8s} {len(ts):7d} {med:10.2f} {max(ts):8.2f}  {verdict}")
    return missed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="generated reports per form (default 100)")
    ap.add_argument("--repeat", type=int, default=31, help="parses of each corpus file (default 31)")
    ap.add_argument("--corpus", type=Path, default=CORPUS_RAW, help=f"real reports (default {CORPUS_RAW})")
    ap.add_argument("--check", action="store_true", help="exit 1 when a form misses its target")
    ap.add_argument("--drop", type=Path, help="time parse_submission over a drop folder's year instead (e.g. DROP/submissions/2022)")
    ap.add_argument("--drop-n", type=int, default=300, help="files of each form from --drop (default 300)")
    a = ap.parse_args()
    if a.drop is not None:
        drop_times(a.drop, a.drop_n, a.repeat if a.repeat != ap.get_default("repeat") else 3)
        return 0
    missed: list[str] = []
    if a.corpus.is_dir():
        missed += report(f"real corpus: {a.corpus}", corpus_times(a.corpus, a.repeat))
    else:
        print(f"real corpus: {a.corpus} not found, skipped")
    missed += report(f"generated: {a.n} reports per form", generated_times(a.n))
    if missed:
        print("missed targets: " + ", ".join(missed))
    return 1 if missed and a.check else 0


if __name__ == "__main__":
    sys.exit(main())
