"""Parsing submissions in worker processes, so that every core works (threads share one GIL).

:func:`parse_submissions` maps :func:`parse_submission` — read the file, detect its form, parse it with
the agency's previous-year report as evidence, hash it — over a batch. With ``workers`` > 1 it runs in
a pool of ``spawn``-ed processes (safe beside the orchestrator's threads), created once per process and
size and reused by every batch; with 1 it runs inline. What crosses the process boundary is small and
picklable: a path and a :class:`~pipeline.model.ParsedReport` in, a :class:`Parsed` out.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from pipeline.model import ParsedReport
from pipeline.warehouse.load import SourceFile


@dataclass(slots=True)
class Parsed:
    """One submission after parsing: the report, its file and parse digest — or why it could not be read.

    ``error`` set: the file could not be read or parsed (``source`` is set when its bytes were read).
    """

    report: ParsedReport | None = None
    source: SourceFile | None = None
    digest: str | None = None
    error: str | None = None


def parse_submission(path: str, previous: ParsedReport | None = None) -> Parsed:
    """Read, detect, parse and hash one file (never raises for a bad file: ``error`` says what is wrong).

    An unexpected exception of the parser is reported as ``crashed: <type>: <message>`` for that file
    alone, so one file cannot take its batch down.
    """
    from pathlib import Path

    from pipeline.ingest import IngestError, detect_form, parse_bytes, read_submission
    from pipeline.warehouse.load import parse_digest

    name = Path(path).name
    try:
        data = read_submission(path)
    except IngestError as e:
        return Parsed(error=str(e))
    form = "unknown"
    try:
        form = detect_form(data, name)
        report = parse_bytes(data, path, form=form, previous=previous)
    except IngestError as e:
        return Parsed(source=SourceFile.from_bytes(name, data, form), error=str(e))
    except Exception as e:  # a parser bug on this one file
        return Parsed(source=SourceFile.from_bytes(name, data, form), error=f"{path}: crashed: {type(e).__name__}: {e}")
    return Parsed(report, SourceFile.from_bytes(name, data, form), parse_digest(report))


def prefetch(paths: Sequence[str], max_bytes: int | None = None) -> threading.Thread | None:
    """Ask the operating system to read ``paths`` into its page cache, in the background; returns the thread.

    A drop folder collected over weeks is rarely still cached when the annual run reads it, and parsing
    reads one small file at a time: each read waits for the disk while its core idles. A daemon thread
    opens each file and advises ``POSIX_FADV_WILLNEED`` (the kernel reads it asynchronously), so the
    batch's files arrive while the batch is still reading last year's reports and parsing its first
    files. Files over ``max_bytes`` (default: the settings' ``max_file_bytes``) are skipped; errors are
    ignored — reading the file later reports them. None where the platform has no ``posix_fadvise``.
    """
    import os
    import stat

    if not hasattr(os, "posix_fadvise") or not paths:
        return None
    if max_bytes is None:
        from pipeline.settings import get_settings

        max_bytes = get_settings().max_file_bytes

    def advise() -> None:
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe must not block the thread
            except OSError:
                continue
            try:
                st = os.fstat(fd)
                size = st.st_size
                if stat.S_ISREG(st.st_mode) and size <= max_bytes:
                    os.posix_fadvise(fd, 0, size, os.POSIX_FADV_WILLNEED)
            except OSError:
                pass
            finally:
                os.close(fd)

    thread = threading.Thread(target=advise, name="prefetch", daemon=True)
    thread.start()
    return thread


_pools: dict[int, ProcessPoolExecutor] = {}
_lock = threading.Lock()


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it is gone.

    A run killed with SIGKILL (by hand, by the OOM killer) cannot stop its pool; its workers would wait
    for work forever, holding their memory. A daemon thread checks every second whether this worker has
    been re-parented (the parent died) and then exits at once.
    """
    import os
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


#: Worker processes' garbage-collector thresholds: a batch allocates millions of short-lived objects
#: (cells, tokens, rows), nearly all freed by reference counting, and CPython's default first threshold
#: (700) then runs ~3 collections per report, each walking the worker's long-lived objects (the
#: vocabulary, templates, the batch's previous-year reports). Measured on 480-agency batches: 1.1–1.6 ms
#: of a core per report in the collector with the defaults, 0.2 ms with these and the long-lived
#: objects frozen after a worker's first task (:func:`_settle_worker`).
WORKER_GC_THRESHOLDS = (10_000, 20, 50)


def _init_worker(parent: int) -> None:
    """Worker initializer: exit with the parent (:func:`_exit_with_parent`), collector thresholds for batch work."""
    import gc

    _exit_with_parent(parent)
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


_settled = False


def _settle_worker() -> None:
    """After a worker's first task: collect, then freeze what survived (modules, caches, vocabulary), so
    the collector no longer walks it. Objects frozen are still freed by reference counting; at most the
    garbage cycles of that first task's survivors stay (one task's worth, once per worker)."""
    global _settled
    import gc

    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()


def _pool(workers: int) -> ProcessPoolExecutor:
    import os

    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                         initializer=_init_worker, initargs=(os.getpid(),))
        return pool


def shutdown_pools() -> None:
    """Stop every worker process (at exit, and in tests)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pools)


def parse_submissions(paths: Sequence[str], previous: Sequence[ParsedReport | None], *, workers: int = 1) -> list[Parsed]:
    """:func:`parse_submission` over ``paths`` (``previous[i]`` is ``paths[i]``'s agency's last year), in order.

    ``workers`` > 1: in that many worker processes. A pool whose worker died (killed for memory, say)
    is replaced and the error re-raised (:class:`concurrent.futures.process.BrokenProcessPool`).
    """
    if len(previous) != len(paths):
        raise ValueError(f"{len(previous)} previous reports for {len(paths)} files")
    if workers <= 1 or len(paths) <= 1:
        return [parse_submission(p, q) for p, q in zip(paths, previous, strict=True)]
    chunk = max(1, min(16, len(paths) // (4 * workers)))
    try:
        return list(_pool(workers).map(parse_submission, paths, previous, chunksize=chunk))
    except BrokenProcessPool:
        with _lock:
            _pools.pop(workers, None)
        raise


def _timed_call(fn, args: tuple, kwargs: dict):
    """Run ``fn`` in a worker; its result and the stage times it spent (:mod:`pipeline.stages`)."""
    from pipeline import stages

    stages.reset()
    try:
        return fn(*args, **kwargs), stages.snapshot()
    finally:
        _settle_worker()


def in_worker(pool_size: int, fn, /, *args, **kwargs):
    """``fn(*args, **kwargs)`` in a worker process of the pool of ``pool_size`` (inline when ``pool_size`` ≤ 1).

    For whole units of CPU-bound work (a batch, a group of districts to publish) submitted from several
    threads at once, so that every core works: ``fn`` must be a module-level function and its arguments
    and result picklable. The worker's stage times are added to this process's (:mod:`pipeline.stages`).
    Exceptions of ``fn`` propagate; a dead worker raises :class:`BrokenProcessPool` (the pool is replaced).
    """
    if pool_size <= 1:
        return fn(*args, **kwargs)
    from pipeline import stages

    try:
        result, spent = _pool(pool_size).submit(_timed_call, fn, args, kwargs).result()
    except BrokenProcessPool:
        with _lock:
            _pools.pop(pool_size, None)
        raise
    stages.merge(spent)
    return result
