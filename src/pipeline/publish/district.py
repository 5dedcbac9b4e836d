"""Publish a district-year: every file of the consolidated report, in a folder of its own run.

Files of one publication (``<published>/<year>/<district>/runs/<run id>/``, see
:mod:`pipeline.publish.provenance`), then copied beside ``latest.json`` one level up:

=======================  ===================================================================
``report.html``          printable page: coverage, the three tables in the official layout, KPIs,
                         ranking, charts (embedded SVG), annex, provenance
``report.xlsx``          a sheet per table in the official layout, KPIs, annex, one long sheet per agency
``summary.md``           the same in Markdown
``consolidated.csv``     long form with codes and labels, UTF-8 with BOM (columns of
                         :data:`~pipeline.publish.longform.LONG_COLUMNS`; ``table,row,col,value`` among them)
``consolidated.parquet`` the same, typed, provenance in the schema metadata
``kpis.json``            KPIs, ranking, coverage and provenance as JSON
``charts/*.svg``         the four charts
``manifest.json``        provenance and the sha256 of every file above
=======================  ===================================================================

The district's figures are also written to the warehouse's mart (``mart_district_cells`` and
``mart_publications``) in one transaction, with the same run id.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from pipeline.failpoints import failpoint
from pipeline.publish.charts import chart_svgs, write_charts
from pipeline.publish.figures import DistrictFigures, district_figures
from pipeline.publish.html import render_html
from pipeline.publish.longform import long_frame, write_csv, write_parquet
from pipeline.publish.markdown import render_markdown
from pipeline.publish.provenance import Provenance, point_latest, run_folder
from pipeline.publish.xlsx import write_xlsx
from pipeline.registry import District


@dataclass(frozen=True, slots=True)
class PublishedDistrict:
    """Where a publication went, and how many agencies its figures cover."""

    district: str
    year: int
    markdown: Path
    csv: Path
    agencies_covered: int
    agencies_registered: int
    run_id: str = ""
    folder: Path | None = None
    html: Path | None = None
    xlsx: Path | None = None
    parquet: Path | None = None


def publish_district(warehouse_url: str, district: District, year: int, out_root: Path, *,
                     run_id: str | None = None, write_mart: bool = True) -> PublishedDistrict:
    """Consolidate the district's active reports for ``year`` and write every file (module docstring).

    ``run_id`` is the annual run's ledger id (a fresh ``publish-<uuid>`` when publishing outside a run).
    Returns the latest copies' paths (``markdown``, ``csv``) and the run folder.
    """
    from pipeline.warehouse import get_engine

    engine = get_engine(warehouse_url)
    fig = district_figures(engine, district, year)
    prov = Provenance.new(run_id=run_id or f"publish-{uuid.uuid4()}", warehouse_url=warehouse_url,
                          template_version=fig.version, district=district.code, year=year)
    folder = run_folder(out_root, year, district.code, prov.run_id)
    files = write_files(fig, prov, folder)
    failpoint("publish.before-latest")
    point_latest(folder, prov, files)
    failpoint("publish.before-mart")
    if write_mart:
        from pipeline.warehouse.marts import write_publication

        write_publication(engine, fig, prov, folder)
    top = folder.parent.parent
    c = fig.members.counts()
    return PublishedDistrict(district.code, year, top / "summary.md", top / "consolidated.csv", c["loaded"],
                             c["registered"], prov.run_id, folder, top / "report.html", top / "report.xlsx",
                             top / "consolidated.parquet")


def write_files(fig: DistrictFigures, prov: Provenance, folder: Path) -> dict[str, Path]:
    """Write the publication into ``folder``; returns {name: path} including ``manifest``."""
    svgs = chart_svgs(fig)
    long = long_frame(fig, prov)
    files: dict[str, Path] = {}
    files["html"] = folder / "report.html"
    files["html"].write_text(render_html(fig, prov, svgs), encoding="utf-8")
    files["markdown"] = folder / "summary.md"
    files["markdown"].write_text(render_markdown(fig, prov), encoding="utf-8")
    failpoint("publish.mid-files")
    files["csv"] = write_csv(long, folder / "consolidated.csv")
    files["parquet"] = write_parquet(long, folder / "consolidated.parquet", prov)
    files["xlsx"] = write_xlsx(fig, prov, long, folder / "report.xlsx")
    files["kpis"] = folder / "kpis.json"
    files["kpis"].write_text(json.dumps(kpis_document(fig, prov), ensure_ascii=False, indent=1), encoding="utf-8")
    files.update({f"chart_{k}": p for k, p in write_charts(svgs, folder).items()})
    manifest = {**prov.as_dict(), "files": {k: {"path": str(p.relative_to(folder)), "sha256": _sha256(p)}
                                             for k, p in files.items()}}
    files["manifest"] = folder / "manifest.json"
    files["manifest"].write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return files


def kpis_document(fig: DistrictFigures, prov: Provenance) -> dict:
    """KPIs, ranking and coverage as one JSON-ready dict (numbers as JSON numbers, missing as null)."""
    ranking = [{k: (None if v is None or v != v else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}
               for row in fig.ranking.astype(object).to_dict(orient="records")]
    members = [{"agency_id": m.agency_id, "name": m.name, "status": m.status, "reason": m.reason, "version": m.version,
                "older_version": m.older_version} for m in fig.members.members]
    return {"provenance": prov.as_dict(), "coverage": fig.members.counts(), "members": members, **fig.kpis,
            "ranking": ranking}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
