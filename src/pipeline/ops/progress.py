"""Progress of a run for whoever watches it in this process: agencies done / total, failed so far.

The flow calls :func:`advance` as batches finish; the command line listens with :func:`bar` (a rich progress
bar on the terminal). Without a listener (a deployment's worker) it costs nothing — the flow's logs and
artifacts say the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[int, int, int], None]  # (done, total, failed)
_listeners: list[Listener] = []
_lock = threading.Lock()


def advance(done: int, total: int, failed: int) -> None:
    with _lock:
        listeners = list(_listeners)
    for fn in listeners:
        fn(done, total, failed)


@contextmanager
def listen(fn: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(fn)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(fn)


@contextmanager
def bar(console=None, label: str = "agencies") -> Iterator[None]:
    """A rich progress bar of the run: ``agencies ━━━━━━━ 120/400 · failed 3 · 0:00:42``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("· failed [red]{task.fields[failed]}[/red]"), TimeElapsedColumn(),
                        console=console, transient=False)
    task = progress.add_task(label, total=None, failed=0)

    def show(done: int, total: int, failed: int) -> None:
        progress.update(task, completed=done, total=total, failed=failed)

    with progress, listen(show):
        yield
