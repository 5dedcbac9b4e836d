"""Named failpoints: places in the annual run where a test can kill or pause the process on purpose.

Why: crash safety is only known for the points where a crash was tried. Each point is one call,
``failpoint("load.mid-transaction")``, placed in the code where a crash would matter; it does nothing
unless ``PIPELINE_FAILPOINT`` names it (one ``os.environ`` lookup when unset).

``PIPELINE_FAILPOINT`` is a comma-separated list of ``NAME[@N][:ACTION]``:

* ``NAME``: one of :data:`POINTS` (an unknown name is an error at the first failpoint reached);
* ``@N``: fire at the N-th time the point is reached in this process (default 1);
* ``ACTION``: ``kill`` (default) — ``SIGKILL`` this process: no ``finally``, no ``atexit``, no flush, as a
  power cut or the OOM killer would; ``pause`` — create ``$PIPELINE_FAILPOINT_DIR/NAME.paused`` (holding the
  pid) and wait until someone deletes it (at most ``PIPELINE_FAILPOINT_PAUSE_S``, default 120 s), so a test can
  do something to the world at that exact moment (terminate the database connections, start a second run);
  ``raise`` — raise :class:`FailpointHit`.

A point fires at most once per process (a retried batch does not pause twice).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

ENV = "PIPELINE_FAILPOINT"

#: Every failpoint, where it is and what has happened when it fires.
POINTS: dict[str, str] = {
    "run.after-start": "warehouse/ledger.py start_run: the run is in the ledger (running), its lock held, nothing loaded",
    "batch.start": "batch.py process_batch: a batch begins (with @2: between the first and second batch)",
    "batch.after-parse": "batch.py process_batch: the batch's files are parsed (ingest done), nothing validated or loaded",
    "batch.before-load": "batch.py process_batch: the batch is validated, its load not begun",
    "load.mid-transaction": "warehouse/bulk.py _load: inside the load transaction — new report versions and their "
                            "cells written, old versions deactivated; no sections, findings or ledger rows yet",
    "load.before-commit": "warehouse/bulk.py _load: every row of the batch written (ledger included), not committed",
    "load.after-commit": "warehouse/bulk.py load_batch: the load committed; corrections record (hooks.record) not written",
    "publish.mid-files": "publish/district.py write_files: the run folder holds report.html and summary.md only",
    "publish.before-latest": "publish/district.py: the run folder complete (manifest written), latest.json not moved",
    "publish.before-mart": "publish/district.py: latest.json moved, the mart not written",
    "mart.mid-transaction": "warehouse/marts.py write_publication: inside the mart transaction, cells replaced, "
                            "publication row not written",
    "run.before-finish": "warehouse/ledger.py finish_run: everything done and published, the run not closed",
}


class FailpointHit(RuntimeError):
    """Raised by a failpoint whose action is ``raise``."""


_hits: dict[str, int] = {}
_fired: set[str] = set()
_mutex = threading.Lock()


def failpoint(name: str) -> None:
    """Fire ``name`` if ``PIPELINE_FAILPOINT`` asks for it (module docstring); otherwise nothing."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    _check(name, spec)


def parse(spec: str) -> dict[str, tuple[int, str]]:
    """``PIPELINE_FAILPOINT`` as {name: (hit, action)}; ``ValueError`` for an unknown name or action."""
    out: dict[str, tuple[int, str]] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        head, _, action = part.partition(":")
        name, _, nth = head.partition("@")
        action = action or "kill"
        if name not in POINTS:
            raise ValueError(f"{ENV}: unknown failpoint {name!r} (known: {', '.join(POINTS)})")
        if action not in ("kill", "pause", "raise"):
            raise ValueError(f"{ENV}: unknown action {action!r} for {name} (kill, pause or raise)")
        try:
            n = int(nth or 1)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(f"{ENV}: the hit of {name} must be a positive integer, got {nth!r}")
        out[name] = (n, action)
    return out


def _check(name: str, spec: str) -> None:
    if name not in POINTS:
        raise ValueError(f"failpoint {name!r} is not in pipeline.failpoints.POINTS")
    wanted = parse(spec).get(name)
    if wanted is None:
        return
    nth, action = wanted
    with _mutex:
        _hits[name] = _hits.get(name, 0) + 1
        if _hits[name] != nth or name in _fired:
            return
        _fired.add(name)
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)  # pragma: no cover - the signal is delivered before this returns
    elif action == "raise":
        raise FailpointHit(f"failpoint {name} hit")
    else:
        _pause(name)


def _pause(name: str) -> None:
    folder = Path(os.environ.get("PIPELINE_FAILPOINT_DIR") or ".")
    marker = folder / f"{name}.paused"
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(str(os.getpid()), encoding="utf-8")
    tmp.replace(marker)
    deadline = time.monotonic() + float(os.environ.get("PIPELINE_FAILPOINT_PAUSE_S") or 120)
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
