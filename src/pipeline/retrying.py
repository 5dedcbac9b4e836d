"""Bounded retries of a step for the plain loop (:mod:`pipeline.plainrun`), as Prefect's task retries do for the flow.

Only transient database faults are retried (:func:`pipeline.transient.is_transient`: a dropped connection,
a server restarting, a serialization failure, SQLite busy); anything else raises at once. A batch may be
retried whole: its load is one transaction, rolled back when it fails, and every other write of it is
idempotent (an upsert of the agency's ledger row, the corrections record replaced).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from pipeline.transient import is_transient

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Retries after the first attempt (the flow's tasks: ``retries=3``) and the pause between them.
RETRIES = 3
DELAY_S = 2.0


def retry_transient(fn: Callable[..., T], /, *args, retries: int | None = None, delay_s: float | None = None,
                    **kwargs) -> T:
    """``fn(*args, **kwargs)``, called again up to ``retries`` times (``PIPELINE_RETRIES``, default 3) after a
    transient database error, ``delay_s`` apart (``PIPELINE_RETRY_DELAY``, default 2 s)."""
    from pipeline.settings import count, seconds

    retries = count("PIPELINE_RETRIES", RETRIES) if retries is None else retries
    delay_s = seconds("PIPELINE_RETRY_DELAY", DELAY_S) if delay_s is None else delay_s
    attempt = 0
    while True:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if attempt >= retries or not is_transient(e):
                raise
            attempt += 1
            first = (str(getattr(e, "orig", None) or e).splitlines() or [""])[0][:200]
            log.warning("transient database error (%s: %s); retry %d of %d in %.1f s", type(e).__name__, first,
                        attempt, retries, delay_s)
            time.sleep(delay_s)
