"""Operations on the annual run's results, without SQL: corrections, withdrawals, status, re-runs.

- :mod:`.corrections` — the per-year corrections file (``corrections/<year>.toml``), applied after parsing
  and before validation; the warehouse keeps printed and corrected values side by side;
- :mod:`.withdraw` — take an agency's report out of the figures (its versions stay in history);
- :mod:`.status` — the last run and every agency's state for a year;
- :mod:`.rerun` — which agencies a re-run processes, and the drop folder it reads;
- :mod:`.hooks` — the small step the batch calls between parsing and validation.

Every error a person can cause (a bad corrections file, an unknown agency or cell) is an :class:`OpsError`
whose message is one line naming the file, agency and cell, in Chinese and English.
"""

from __future__ import annotations


class OpsError(ValueError):
    """Bad input to an operation: one line, Chinese / English, naming the file, agency and cell."""


class RunStopped(RuntimeError):
    """The annual run stopped on a condition that is not a bug — another run holds the year's lock, the
    warehouse is locked or gone. ``str()`` is one line (Chinese / English); ``exit_code`` what the CLI exits
    with (2: nothing was loaded; 1: the run had started)."""

    def __init__(self, line: str, exit_code: int = 2):
        super().__init__(line)
        self.exit_code = exit_code

    def __reduce__(self):
        return (RunStopped, (str(self), self.exit_code))


def stop_line(url: str, exc: BaseException) -> str | None:
    """The one line for an error that stops a run without being a bug (:class:`RunStopped`), else None."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.warehouse.engine import WarehouseUnavailable, error_line
    from pipeline.warehouse.runlock import RunLocked

    if isinstance(exc, (RunLocked, RunStopped)):
        return (str(exc).splitlines() or [""])[0]
    if isinstance(exc, (SQLAlchemyError, WarehouseUnavailable)):
        return error_line(url, exc)
    return None
