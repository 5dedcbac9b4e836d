"""BI views: active reports and cells, one wide row per agency-year per table, district-year figures, KPIs.

Every view is plain SQL that runs unchanged on SQLite and PostgreSQL. The wide views' column lists are
rendered from pipeline.vocabulary (column ``<row>__<col>``, dots in row codes become underscores), so a
code exists in one place only.

Missing stays missing: district figures are sums over the agencies whose active report printed the
figure; each figure ``x`` comes with ``x_n`` (how many agencies it covers) and every district row with
``agencies_registered`` and ``agencies_reporting``. A missing agency is never a zero, and a rate whose
denominator is missing or zero is NULL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from pipeline import vocabulary as voc

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT_KEYS = "ar.district_code, ar.agency_id, ar.agency_name, ar.year, ar.report_id, ar.version, ar.template_version"


def wide_column(row: str, col: str) -> str:
    return f"{row.replace('.', '_')}__{col}"


def _row_codes(table: str) -> list[str]:
    return [c.code for c in voc.codes() if c.table == table and c.axis == "row"]


def _col_codes(table: str) -> list[str]:
    return [c.code for c in voc.codes() if c.table == table and c.axis == "col"]


def wide_cells(table: str) -> list[tuple[str, str]]:
    """Every (row, col) of ``table`` that either template version prints, in vocabulary order."""
    if table != "proactive":
        return [(r, c) for r in _row_codes(table) for c in _col_codes(table)]
    pairs = {(r, c) for v in voc.VERSIONS for b in voc.PROACTIVE_LAYOUT[v] for r in b.rows for c in b.cols}
    return [(r, c) for r in _row_codes(table) for c in _col_codes(table) if (r, c) in pairs]


def _pick(rows: Sequence[str], cols: Sequence[str]) -> str:
    r = ", ".join(f"'{x}'" for x in rows)
    c = ", ".join(f"'{x}'" for x in cols)
    return f"f.row_code IN ({r}) AND f.col_code IN ({c})"


def _group(table: str, prefix: str) -> list[str]:
    return [r for r in _row_codes(table) if r.startswith(prefix)]


#: Figures per agency-year: name → (table, rows summed, cols summed). A figure is the sum of the printed
#: cells it covers (NULL when none is printed).
FIGURES: dict[str, tuple[str, list[str], list[str]]] = {
    "new_received": ("requests", ["new_received"], ["total"]),
    "carried_over": ("requests", ["carried_over"], ["total"]),
    "granted": ("requests", ["granted"], ["total"]),
    "partial": ("requests", ["partial"], ["total"]),
    "denied": ("requests", _group("requests", "denied."), ["total"]),
    "unable": ("requests", _group("requests", "unable."), ["total"]),
    "not_processed": ("requests", _group("requests", "not_processed."), ["total"]),
    "other_processed": ("requests", ["other", *voc.T3_OTHER_SPLIT], ["total"]),
    "results_total": ("requests", ["total"], ["total"]),
    "carry_forward": ("requests", ["carry_forward"], ["total"]),
    "natural_person_received": ("requests", ["new_received"], ["natural_person"]),
    "org_received": ("requests", ["new_received"], list(voc.ORG_COLS)),
    "review_total": ("appeals", ["review"], ["total"]),
    "review_corrected": ("appeals", ["review"], ["corrected"]),
    "review_pending": ("appeals", ["review"], ["pending"]),
    "suit_total": ("appeals", ["suit_direct", "suit_after_review"], ["total"]),
    "suit_corrected": ("appeals", ["suit_direct", "suit_after_review"], ["corrected"]),
    "suit_pending": ("appeals", ["suit_direct", "suit_after_review"], ["pending"]),
    "licensing_decisions": ("proactive", ["licensing"], ["decisions"]),
    "penalties_decisions": ("proactive", ["penalties"], ["decisions"]),
    "coercion_decisions": ("proactive", ["coercion"], ["decisions"]),
    "fee_amount_wan": ("proactive", ["admin_fees"], ["fee_amount_wan"]),
}


def _rate(num: str, den: str) -> str:
    return f"1.0 * ({num}) / NULLIF({den}, 0)"


def _concluded(total: str, pending: str) -> str:
    return f"{total} - COALESCE({pending}, 0)"


def _kpis(x: str) -> list[str]:
    """Rate expressions over figure columns of relation ``x`` (an agency-year or a district-year row).

    Parts of a printed total count a blank as 0 (template.md §8.4); without the total the rate is NULL.
    """
    total = f"{x}.results_total"
    parts = {
        "disclosure_rate": f"COALESCE({x}.granted, 0) + COALESCE({x}.partial, 0)",
        "granted_share": f"COALESCE({x}.granted, 0)",
        "partial_share": f"COALESCE({x}.partial, 0)",
        "denied_share": f"COALESCE({x}.denied, 0)",
        "unable_share": f"COALESCE({x}.unable, 0)",
        "not_processed_share": f"COALESCE({x}.not_processed, 0)",
        "other_share": f"COALESCE({x}.other_processed, 0)",
    }
    out = [f"{_rate(num, total)} AS {name}" for name, num in parts.items()]
    out.append(f"{_rate(f'COALESCE({x}.review_corrected, 0)', _concluded(f'{x}.review_total', f'{x}.review_pending'))}"
               " AS review_correction_rate")
    out.append(f"{_rate(f'COALESCE({x}.suit_corrected, 0)', _concluded(f'{x}.suit_total', f'{x}.suit_pending'))}"
               " AS litigation_correction_rate")
    return out


def _yoy(cur: str, prev: str, figure: str) -> list[str]:
    return [
        f"{prev}.{figure} AS {figure}_prev",
        f"{cur}.{figure} - {prev}.{figure} AS {figure}_change",
        f"{_rate(f'{cur}.{figure} - {prev}.{figure}', f'{prev}.{figure}')} AS {figure}_change_pct",
    ]


YOY_FIGURES = ("new_received", "results_total", "review_total", "suit_total")

DISTRICT_YEARS = """SELECT DISTINCT a.district_code, x.year
    FROM (SELECT agency_id, year FROM reports UNION SELECT agency_id, year FROM run_agencies) x
    JOIN agencies a ON a.id = x.agency_id"""


def views() -> dict[str, str]:
    """View name → SELECT, in creation order (later views read earlier ones)."""
    v: dict[str, str] = {}
    v["v_active_reports"] = """
SELECT r.id AS report_id, a.district_code, d.name AS district_name, r.agency_id, a.name AS agency_name,
       a.kind AS agency_kind, r.year, r.version, r.template_version, r.status, r.source_name, r.source_sha256,
       r.source_size, r.source_form, r.parser_version, r.run_id, r.loaded_at, r.title, r.published_on
FROM reports r
JOIN agencies a ON a.id = r.agency_id
JOIN districts d ON d.code = a.district_code
WHERE r.is_active"""
    v["v_active_cells"] = """
SELECT ar.district_code, ar.agency_id, ar.agency_name, ar.year, ar.report_id, ar.template_version,
       f.table_code, f.row_code, f.col_code,
       CASE WHEN ar.template_version = 'v2019' THEN COALESCE(dr.label_v2019, dr.label_v2021)
            ELSE COALESCE(dr.label_v2021, dr.label_v2019) END AS row_label,
       CASE WHEN ar.template_version = 'v2019' THEN COALESCE(dc.label_v2019, dc.label_v2021)
            ELSE COALESCE(dc.label_v2021, dc.label_v2019) END AS col_label,
       f.value, f.raw, f.blank, f.ambiguous, f.seq
FROM v_active_reports ar
JOIN fact_cells f ON f.report_id = ar.report_id
LEFT JOIN dim_rows dr ON dr.table_code = f.table_code AND dr.code = f.row_code
LEFT JOIN dim_cols dc ON dc.table_code = f.table_code AND dc.code = f.col_code"""
    for table in voc.TABLES:
        cols = ",\n       ".join(
            f"MAX(CASE WHEN f.row_code = '{r}' AND f.col_code = '{c}' THEN f.value END) AS {wide_column(r, c)}"
            for r, c in wide_cells(table)
        )
        v[f"v_{table}_wide"] = f"""
SELECT {REPORT_KEYS},
       {cols}
FROM v_active_reports ar
LEFT JOIN fact_cells f ON f.report_id = ar.report_id AND f.table_code = '{table}'
GROUP BY {REPORT_KEYS}"""
    figs = ",\n       ".join(
        f"SUM(CASE WHEN f.table_code = '{t}' AND {_pick(rows, cols)} THEN f.value END) AS {name}"
        for name, (t, rows, cols) in FIGURES.items()
    )
    v["v_agency_year_figures"] = f"""
SELECT {REPORT_KEYS},
       {figs}
FROM v_active_reports ar
LEFT JOIN fact_cells f ON f.report_id = ar.report_id
GROUP BY {REPORT_KEYS}"""
    sums = ",\n       ".join(f"SUM(fig.{n}) AS {n}, COUNT(fig.{n}) AS {n}_n" for n in FIGURES)
    v["v_district_year"] = f"""
SELECT dy.district_code, d.name AS district_name, dy.year,
       (SELECT COUNT(*) FROM agencies ra WHERE ra.district_code = dy.district_code AND ra.registered)
           AS agencies_registered,
       COUNT(fig.report_id) AS agencies_reporting,
       {sums}
FROM ({DISTRICT_YEARS}) dy
JOIN districts d ON d.code = dy.district_code
LEFT JOIN v_agency_year_figures fig ON fig.district_code = dy.district_code AND fig.year = dy.year
GROUP BY dy.district_code, d.name, dy.year"""
    kpi_a = ",\n       ".join(_kpis("f") + [e for n in YOY_FIGURES for e in _yoy("f", "p", n)])
    v["v_kpi_agency_year"] = f"""
SELECT f.district_code, f.agency_id, f.agency_name, f.year, f.report_id, f.template_version,
       f.new_received, f.results_total, f.review_total, f.suit_total,
       {kpi_a}
FROM v_agency_year_figures f
LEFT JOIN v_agency_year_figures p ON p.agency_id = f.agency_id AND p.year = f.year - 1"""
    kpi_d = ",\n       ".join(
        _kpis("k") + [e for n in YOY_FIGURES for e in (*_yoy("k", "p", n), f"p.{n}_n AS {n}_prev_n")]
    )
    v["v_kpi_district_year"] = f"""
SELECT k.district_code, k.district_name, k.year, k.agencies_registered, k.agencies_reporting,
       k.new_received, k.new_received_n, k.results_total, k.results_total_n,
       k.review_total, k.review_total_n, k.suit_total, k.suit_total_n,
       {kpi_d}
FROM v_district_year k
LEFT JOIN v_district_year p ON p.district_code = k.district_code AND p.year = k.year - 1"""
    v["v_agency_year_status"] = f"""
SELECT a.district_code, a.id AS agency_id, a.name AS agency_name, a.kind AS agency_kind, a.registered, dy.year,
       ar.report_id, ar.version AS active_version,
       CASE WHEN ar.report_id IS NULL THEN 0 ELSE 1 END AS in_figures,
       lo.status AS last_status, lo.reason AS last_reason, lo.run_id AS last_run_id
FROM ({DISTRICT_YEARS}) dy
JOIN agencies a ON a.district_code = dy.district_code
LEFT JOIN v_active_reports ar ON ar.agency_id = a.id AND ar.year = dy.year
LEFT JOIN (
    SELECT ra.agency_id, ra.year, ra.status, ra.reason, ra.run_id,
           ROW_NUMBER() OVER (PARTITION BY ra.agency_id, ra.year
                              ORDER BY ru.started_at DESC, ra.recorded_at DESC) AS rn
    FROM run_agencies ra JOIN runs ru ON ru.id = ra.run_id
) lo ON lo.agency_id = a.id AND lo.year = dy.year AND lo.rn = 1
WHERE a.registered OR ar.report_id IS NOT NULL"""
    return v


def upgrade() -> None:
    for name, select in views().items():
        op.execute(f"CREATE VIEW {name} AS{select}")


def downgrade() -> None:
    for name in reversed(list(views())):
        op.execute(f"DROP VIEW IF EXISTS {name}")
