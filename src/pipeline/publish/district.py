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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.failpoints import FailpointHit, failpoint
from pipeline.publish.charts import chart_svgs
from pipeline.publish.figures import DistrictFigures, district_figures_many
from pipeline.publish.html import render_html
from pipeline.publish.kpis import RANKING_COLUMNS
from pipeline.publish.longform import long_frame, write_csv, write_parquet
from pipeline.publish.markdown import render_markdown
from pipeline.publish.provenance import Provenance, point_latest, run_folder
from pipeline.publish.xlsx import write_xlsx
from pipeline.registry import District


@dataclass(frozen=True, slots=True)
class PublishedDistrict:
    """Where a publication went, and how many agencies its figures cover.

    ``error`` is "" for a publication that was written; for a district whose publication raised (in
    :func:`publish_districts`) it is ``"<ExceptionType>: message"``, the paths are where its files would be
    and ``folder`` is None: nothing of it may be trusted (its mart rows are not written).
    """

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
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


#: Districts read from the warehouse together (bounds the memory of one read: ≈ 12,000 member cells each).
CHUNK_SIZE = 32


def publish_district(warehouse_url: str, district: District, year: int, out_root: Path, *,
                     run_id: str | None = None, write_mart: bool = True) -> PublishedDistrict:
    """Consolidate the district's active reports for ``year`` and write every file (module docstring).

    ``run_id`` is the annual run's ledger id (a fresh ``publish-<uuid>`` when publishing outside a run).
    Returns the latest copies' paths (``markdown``, ``csv``) and the run folder. Raises what publishing raised.
    """
    results, errors = _publish(warehouse_url, [district], year, Path(out_root), run_id=run_id, write_mart=write_mart)
    if errors:
        raise errors[0]
    return results[0]


def publish_districts(warehouse_url: str, districts: Sequence[District], year: int, out_root: Path, *,
                      run_id: str | None = None, write_mart: bool = True,
                      chunk_size: int = CHUNK_SIZE) -> list[PublishedDistrict]:
    """Publish several districts: :func:`publish_district` of each, with the warehouse read once per chunk.

    Per chunk of ``chunk_size`` districts: each query of the members, their cells, findings, corrections
    and the previous year runs once for all of them; every district's files are rendered and written; then
    the marts of all the chunk's published districts are written in one transaction.

    Returns one :class:`PublishedDistrict` per district, in the given order (a district listed twice is
    published once). A district whose publication raises does not stop the others: its result carries
    ``error`` (and no mart rows are written for it). Errors of the warehouse itself (reading, or the marts'
    transaction) raise, so a transient fault can be retried by the caller. ``run_id`` defaults to one
    ``publish-<uuid>`` for the whole call. Arguments are plain picklable values: this can run in a worker
    process.
    """
    results, _ = _publish(warehouse_url, districts, year, Path(out_root), run_id=run_id, write_mart=write_mart,
                          chunk_size=chunk_size)
    return results


def _publish(warehouse_url: str, districts: Sequence[District], year: int, out_root: Path, *, run_id: str | None,
             write_mart: bool, chunk_size: int = CHUNK_SIZE) -> tuple[list[PublishedDistrict], list[Exception]]:
    from pipeline.warehouse import get_engine

    engine = get_engine(warehouse_url)
    run_id = run_id or f"publish-{uuid.uuid4()}"
    unique = list({d.code: d for d in districts}.values())
    done: dict[str, PublishedDistrict] = {}
    errors: list[Exception] = []
    for i in range(0, len(unique), max(1, chunk_size)):
        chunk = unique[i:i + max(1, chunk_size)]
        figs = district_figures_many(engine, chunk, year)
        written = []
        for d in chunk:
            fig = figs[d.code]
            try:
                if isinstance(fig, Exception):
                    raise fig
                prov = Provenance.new(run_id=run_id, warehouse_url=warehouse_url, template_version=fig.version,
                                      district=d.code, year=year)
                folder = run_folder(out_root, year, d.code, prov.run_id)
                files = write_files(fig, prov, folder)
                failpoint("publish.before-latest")
                point_latest(folder, prov, files)
            except FailpointHit:
                raise
            except Exception as e:  # this district only: the others are still published
                errors.append(e)
                top = Path(out_root) / str(year) / d.code
                done[d.code] = PublishedDistrict(d.code, year, top / "summary.md", top / "consolidated.csv", 0,
                                                 len(d.agencies), run_id, error=f"{type(e).__name__}: {e}"[:2000])
                continue
            written.append((fig, prov, folder))
            top = folder.parent.parent
            c = fig.members.counts()
            done[d.code] = PublishedDistrict(d.code, year, top / "summary.md", top / "consolidated.csv", c["loaded"],
                                             c["registered"], prov.run_id, folder, top / "report.html",
                                             top / "report.xlsx", top / "consolidated.parquet")
        failpoint("publish.before-mart")
        if write_mart and written:
            from pipeline.warehouse.marts import write_publications

            write_publications(engine, written)
    return [done[d.code] for d in districts], errors


def write_files(fig: DistrictFigures, prov: Provenance, folder: Path) -> dict[str, Path]:
    """Write the publication into ``folder``; returns {name: path} including ``manifest``."""
    svgs = chart_svgs(fig)
    long = long_frame(fig, prov)
    files: dict[str, Path] = {}
    digests: dict[str, str] = {}  # sha256 of what was written, computed from memory where the bytes are at hand

    def put(key: str, path: Path, text: str) -> None:
        data = text.encode("utf-8")
        path.write_bytes(data)
        files[key], digests[key] = path, hashlib.sha256(data).hexdigest()

    put("html", folder / "report.html", render_html(fig, prov, svgs))
    put("markdown", folder / "summary.md", render_markdown(fig, prov))
    failpoint("publish.mid-files")
    files["csv"] = write_csv(long, folder / "consolidated.csv")
    files["parquet"] = write_parquet(long, folder / "consolidated.parquet", prov)
    files["xlsx"] = write_xlsx(fig, prov, long, folder / "report.xlsx")
    put("kpis", folder / "kpis.json", json.dumps(kpis_document(fig, prov), ensure_ascii=False, indent=1))
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    for name, svg in svgs.items():
        put(f"chart_{name}", folder / "charts" / f"{name}.svg", svg)
    manifest = {**prov.as_dict(), "files": {k: {"path": str(p.relative_to(folder)), "sha256": digests.get(k) or _sha256(p)}
                                             for k, p in files.items()}}
    files["manifest"] = folder / "manifest.json"
    files["manifest"].write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return files


def kpis_document(fig: DistrictFigures, prov: Provenance) -> dict:
    """KPIs, ranking and coverage as one JSON-ready dict (numbers as JSON numbers, missing as null)."""
    ranking = [dict(zip(RANKING_COLUMNS, (v.item() if hasattr(v, "item") else v for v in row), strict=True))
               for row in fig.ranking_rows()]  # None where missing
    members = [{"agency_id": m.agency_id, "name": m.name, "status": m.status, "reason": m.reason, "version": m.version,
                "older_version": m.older_version} for m in fig.members.members]
    return {"provenance": prov.as_dict(), "coverage": fig.members.counts(), "members": members, **fig.kpis,
            "ranking": ranking}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
