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
    published_at = dt.datetime.fromisoformat(prov.generated_at)
    code, year = fig.district.code, fig.year
    rows = []
    for r in fig.table.itertuples():
        missing = r.value is None or (isinstance(r.value, float) and math.isnan(r.value))
        amount = voc.value_kind(r.table, r.col) == "amount"
        rows.append({
            "district_code": code, "year": year, "table_code": r.table, "row_code": r.row, "col_code": r.col,
            "template_version": fig.version,
            "value_count": None if missing or amount else round(r.value),
            "value_amount": None if missing or not amount else Decimal(str(round(r.value, 4))),
            "agencies_reporting": int(r.agencies), "official": bool(r.official), "flags": r.flags,
            "run_id": prov.run_id, "published_at": published_at,
        })
    c = fig.members.counts()
    mc, mp = MartDistrictCell.__table__, MartPublication.__table__
    with write_transaction(engine) as conn:
        conn.execute(delete(mc).where(mc.c.district_code == code, mc.c.year == year))
        if rows:
            conn.execute(insert(mc), rows)
        failpoint("mart.mid-transaction")
        conn.execute(delete(mp).where(mp.c.run_id == prov.run_id, mp.c.district_code == code, mp.c.year == year))
        conn.execute(insert(mp).values(
            run_id=prov.run_id, district_code=code, year=year, template_version=fig.version, published_at=published_at,
            agencies_registered=c["registered"], agencies_loaded=c["loaded"], agencies_failed=c["failed"],
            agencies_missing=c["missing"], agencies_withdrawn=c["withdrawn"], agencies_older_version=c["older_version"],
            folder=str(folder),
        ))
    return len(rows)
