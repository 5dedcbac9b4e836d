"""Writing the published marts: a district-year's figures and the publication's coverage, in one transaction.

``mart_district_cells`` keeps the latest publication of each district-year (its rows are replaced);
``mart_publications`` keeps every publication. Counts are stored as integers, amounts as decimals
(:func:`pipeline.vocabulary.value_kind`). Column meanings: docs/marts.md and the PostgreSQL comments.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, delete, insert

from pipeline import vocabulary as voc
from pipeline.failpoints import failpoint
from pipeline.warehouse.engine import write_transaction
from pipeline.warehouse.models import MartDistrictCell, MartPublication


def write_publication(engine: Engine, fig, prov, folder: Path) -> int:
    """Replace the district-year's mart cells with ``fig.table`` and record the publication.

    ``fig`` is a :class:`pipeline.publish.figures.DistrictFigures`, ``prov`` its
    :class:`pipeline.publish.provenance.Provenance`. Returns the number of cells written.
    """
    return write_publications(engine, [(fig, prov, folder)])


def write_publications(engine: Engine, items) -> int:
    """:func:`write_publication` of several publications ``[(fig, prov, folder)]`` in one transaction.

    One DELETE and one multi-row INSERT per table for all of them. Returns the number of cells written.
    """
    cells: list[dict] = []
    pubs: list[dict] = []
    for fig, prov, folder in items:
        published_at = dt.datetime.fromisoformat(prov.generated_at)
        code, year = fig.district.code, fig.year
        for t, r, c, value, agencies, official, flags in zip(
                fig.table["table"], fig.table["row"], fig.table["col"], fig.table["value"], fig.table["agencies"],
                fig.table["official"], fig.table["flags"], strict=True):
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            amount = voc.value_kind(t, c) == "amount"
            cells.append({
                "district_code": code, "year": year, "table_code": t, "row_code": r, "col_code": c,
                "template_version": fig.version,
                "value_count": None if missing or amount else round(value),
                "value_amount": None if missing or not amount else Decimal(str(round(value, 4))),
                "agencies_reporting": int(agencies), "official": bool(official), "flags": flags,
                "run_id": prov.run_id, "published_at": published_at,
            })
        n = fig.members.counts()
        pubs.append({
            "run_id": prov.run_id, "district_code": code, "year": year, "template_version": fig.version,
            "published_at": published_at, "agencies_registered": n["registered"], "agencies_loaded": n["loaded"],
            "agencies_failed": n["failed"], "agencies_missing": n["missing"], "agencies_withdrawn": n["withdrawn"],
            "agencies_older_version": n["older_version"], "folder": str(folder),
        })
    if not pubs:
        return 0
    mc, mp = MartDistrictCell.__table__, MartPublication.__table__
    by_year: dict[int, set[str]] = {}
    by_run: dict[tuple[str, int], set[str]] = {}
    for p in pubs:
        by_year.setdefault(p["year"], set()).add(p["district_code"])
        by_run.setdefault((p["run_id"], p["year"]), set()).add(p["district_code"])
    with write_transaction(engine) as conn:
        for year, codes in by_year.items():
            conn.execute(delete(mc).where(mc.c.district_code.in_(sorted(codes)), mc.c.year == year))
        if cells:
            conn.execute(insert(mc), cells)
        failpoint("mart.mid-transaction")
        for (run_id, year), codes in by_run.items():
            conn.execute(delete(mp).where(mp.c.run_id == run_id, mp.c.district_code.in_(sorted(codes)), mp.c.year == year))
        conn.execute(insert(mp), pubs)
    return len(cells)
