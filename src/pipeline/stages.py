"""Time spent per stage of the annual run (ingest, validate, load, publish…), for benchmarks and profiles.

The run's library functions wrap each stage in :func:`timed`; :func:`snapshot` returns the seconds and
calls per stage since the last :func:`reset`. Wall-clock seconds (``time.perf_counter``), summed over
threads: with batches in flight at once the stages overlap, so their sum can exceed the run's wall
time. Thread-safe; the cost is two clock reads and a lock per call (negligible next to a stage of a batch).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_seconds: dict[str, float] = {}
_calls: dict[str, int] = {}


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Add the wall time of the ``with`` body to ``stage`` (also when it raises)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        dt = time.perf_counter() - t0
        with _lock:
            _seconds[stage] = _seconds.get(stage, 0.0) + dt
            _calls[stage] = _calls.get(stage, 0) + 1


def snapshot() -> dict[str, dict[str, float]]:
    """``{stage: {"seconds": s, "calls": n}}`` since the last :func:`reset`, in first-seen order."""
    with _lock:
        return {k: {"seconds": round(v, 3), "calls": _calls[k]} for k, v in _seconds.items()}


def reset() -> None:
    with _lock:
        _seconds.clear()
        _calls.clear()


def merge(other: dict[str, dict[str, float]]) -> None:
    """Add a :func:`snapshot` taken elsewhere (a worker process) to this process's totals."""
    with _lock:
        for k, v in other.items():
            _seconds[k] = _seconds.get(k, 0.0) + v["seconds"]
            _calls[k] = _calls.get(k, 0) + int(v["calls"])
