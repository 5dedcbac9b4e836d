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
