"""Provenance of a publication, and where its files go: one folder per run, and a pointer to the latest.

Layout under the published root (``<PIPELINE_DATA_DIR>/published``)::

    <year>/<district>/runs/<run id>/   every file of that run's publication (never overwritten by another run)
    <year>/<district>/latest.json      {"run_id", "folder", "generated_at", "warehouse", ...}: the latest one
    <year>/<district>/<file>           copies of the latest run's files (consolidated.csv, report.html, …)

Two warehouses never share a run id (run ids are UUIDs from each warehouse's ledger), so their
publications land in different folders; ``latest.json`` and the copies beside it say which warehouse
and run they come from, and every file carries the same provenance inside it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

import pipeline


def mask_url(url: str) -> str:
    """The warehouse URL with any password replaced by ``***`` (``sqlite:///…`` unchanged)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show nothing secret
        return "<unparseable warehouse URL>"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who made a published file: run, time (UTC, ISO 8601), warehouse (masked), template version."""

    run_id: str
    generated_at: str
    warehouse: str
    template_version: str
    district: str
    year: int
    pipeline_version: str = pipeline.__version__

    @classmethod
    def new(cls, *, run_id: str, warehouse_url: str, template_version: str, district: str, year: int) -> Provenance:
        # microseconds: two publications of a district in the same second (publishing takes ≈ 50 ms now) stay ordered,
        # so the mart's latest publication (MAX(published_at)) is one row
        now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        return cls(run_id, now, mask_url(warehouse_url), template_version, district, year)

    def as_dict(self) -> dict[str, str | int]:
        return asdict(self)

    def line_zh(self) -> str:
        """One line for a report's footer, Chinese and English."""
        return (f"运行 run {self.run_id} · 生成时间 generated {self.generated_at} · 数据仓库 warehouse {self.warehouse} · "
                f"模板 template {self.template_version}")


def run_folder(out_root: Path, year: int, district: str, run_id: str) -> Path:
    """``<out_root>/<year>/<district>/runs/<run id>`` (created)."""
    folder = Path(out_root) / str(year) / district / "runs" / _safe(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def point_latest(folder: Path, prov: Provenance, files: dict[str, Path]) -> Path:
    """Make ``folder`` (a run folder) the district-year's latest: copy its files beside ``latest.json``.

    Returns the path of ``latest.json``. The copies are written to a temporary name and renamed, so a
    reader never sees half a file.
    """
    district_dir = folder.parent.parent
    for path in files.values():
        target = district_dir / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
    pointer = district_dir / "latest.json"
    doc = {**prov.as_dict(), "folder": str(folder.relative_to(district_dir)),
           "files": {k: str(p.relative_to(folder)) for k, p in files.items()}}
    tmp = pointer.with_name("latest.json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(pointer)
    return pointer


def _safe(run_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in run_id) or "run"
