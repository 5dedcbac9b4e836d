"""The run's outputs for the ops team, written batch by batch so that memory stays flat whatever the run's size.

Grain: ``outcomes.csv|json`` one row per agency of the run; ``findings.csv|json`` one row per finding
(agency, rule, table, row, column; the fields of :class:`~pipeline.validate.findings.Finding`), appended
as each batch settles: the CSV files get their header (and the UTF-8 BOM Excel needs) once, the JSON
files are one array each, opened at the start and closed by :meth:`RunOutputs.close`.

What stays in memory is bounded: the counts per status, the districts with a loaded agency, and at most
``keep`` failed/missing/withdrawn outcomes (all of them are in the files) — about 100 bytes per district
plus ``keep`` rows, whether the run has 1,000 agencies or 180,000.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from pipeline.annual import FAILED, LOADED, MISSING, OUTCOME_FIELDS, UNCHANGED, AgencyOutcome

#: Outcomes kept in memory for the run's summary and artifacts (all are in the files).
KEEP = 1000


class RunOutputs:
    """Append-only writer of a run's outcome and finding files; the run's counts and notable outcomes.

    Use as a context manager or call :meth:`close`; :meth:`add` takes each batch's outcomes in order.
    Attributes after adding: ``counts`` (status → agencies), ``total``, ``loaded_districts`` (districts
    with a loaded or unchanged agency), ``notable`` (the first ``keep`` outcomes that are not loaded or
    unchanged, per status, findings dropped), ``small`` (every outcome row while the run has at most ``keep``
    agencies, else None), ``paths`` (name → file).
    """

    def __init__(self, run_dir: Path, keep: int = KEEP) -> None:
        from pipeline.validate.findings import FINDING_FIELDS

        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self.counts = {LOADED: 0, UNCHANGED: 0, FAILED: 0, MISSING: 0}
        self.total = 0
        self.loaded_districts: set[str] = set()
        self.notable: dict[str, list[AgencyOutcome]] = {}
        self.small: list[dict] | None = []
        self._finding_cols = ["district", "agency_id", *FINDING_FIELDS]
        self.paths = {"outcomes_csv": self.run_dir / "outcomes.csv", "outcomes_json": self.run_dir / "outcomes.json",
                      "findings_csv": self.run_dir / "findings.csv", "findings_json": self.run_dir / "findings.json"}
        self._ocsv = self.paths["outcomes_csv"].open("w", newline="", encoding="utf-8")
        self._owriter = csv.DictWriter(self._ocsv, fieldnames=list(OUTCOME_FIELDS))
        self._owriter.writeheader()
        self._fcsv = self.paths["findings_csv"].open("w", newline="", encoding="utf-8-sig")
        self._fwriter = csv.writer(self._fcsv)
        self._fwriter.writerow(self._finding_cols)
        self._ojson = self.paths["outcomes_json"].open("w", encoding="utf-8")
        self._fjson = self.paths["findings_json"].open("w", encoding="utf-8")
        self._ojson.write("[")
        self._fjson.write("[")
        self._first_o = self._first_f = True
        self.closed = False

    def add(self, outcomes: Iterable[AgencyOutcome]) -> None:
        """Append a batch's outcomes (and their findings) to the files; update the counts."""
        from pipeline.validate.findings import finding_record

        for o in outcomes:
            row = o.row()
            self.total += 1
            self.counts[o.status] = self.counts.get(o.status, 0) + 1
            if o.status in (LOADED, UNCHANGED):
                self.loaded_districts.add(o.district)
            else:
                kept = self.notable.setdefault(o.status, [])
                if len(kept) < self.keep:
                    kept.append(AgencyOutcome(**row))
            if self.small is not None:
                self.small.append(row)
                if len(self.small) > self.keep:
                    self.small = None
            self._owriter.writerow(row)
            self._ojson.write(("\n" if self._first_o else ",\n") + json.dumps(row, ensure_ascii=False))
            self._first_o = False
            if o.findings:
                for f in o.findings:
                    rec = {"district": o.district, "agency_id": o.agency_id,
                           **finding_record(f)}
                    self._fwriter.writerow(["" if rec.get(c) is None else rec.get(c) for c in self._finding_cols])
                    self._fjson.write(("\n" if self._first_f else ",\n")
                                      + json.dumps({c: rec.get(c) for c in self._finding_cols}, ensure_ascii=False))
                    self._first_f = False
        for fh in (self._ocsv, self._fcsv, self._ojson, self._fjson):
            fh.flush()

    def failed(self) -> list[AgencyOutcome]:
        """The failed outcomes kept in memory (at most ``keep``; ``counts['failed']`` says how many in all)."""
        return list(self.notable.get(FAILED, ()))

    def missing(self) -> list[AgencyOutcome]:
        return list(self.notable.get(MISSING, ()))

    def close(self) -> dict[str, Path]:
        """Close the JSON arrays and the files (idempotent); returns ``paths``."""
        if not self.closed:
            self._ojson.write("\n]\n")
            self._fjson.write("\n]\n")
            for fh in (self._ocsv, self._fcsv, self._ojson, self._fjson):
                fh.close()
            self.closed = True
        return self.paths

    def __enter__(self) -> RunOutputs:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def result_rows(self) -> list[dict]:
        """Outcome rows for the run's summary: every one for a run of at most ``keep`` agencies, else the notable."""
        return self.small if self.small is not None else [o.row() for kept in self.notable.values() for o in kept]
