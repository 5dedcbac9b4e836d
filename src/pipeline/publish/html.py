"""The district report as a printable HTML page, rendered from ``templates/district.html.j2``.

Jinja2 with autoescaping on: agency names, reasons and finding messages come from submissions and the
ledger and are escaped, never concatenated into markup. Charts are embedded as SVG data URIs, so the
page is one self-contained file. Provenance is in ``<meta name="pipeline:…">`` tags, under the title
and in the footer.
"""

from __future__ import annotations

import base64
from functools import cache

from pipeline.publish import view
from pipeline.publish.annex import KINDS
from pipeline.publish.figures import DistrictFigures
from pipeline.publish.members import FAILED, LOADED, MISSING, WITHDRAWN
from pipeline.publish.provenance import Provenance


@cache
def _env():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    class _Environment(Environment):
        def getattr(self, obj, attribute: str):
            """Jinja2's ``obj.attribute`` (the attribute, else the item), a view row's item read first: a
            :class:`~pipeline.publish.view.Row` has no attribute but its class's, so this is the same value without
            the failed attribute lookup (≈ 3,000 a page)."""
            if obj.__class__ is view.Row and attribute not in _ROW_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    return _Environment(loader=PackageLoader("pipeline.publish", "templates"),
                        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
                        undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=True)


_ROW_ATTRIBUTES = frozenset(dir(view.Row))  # what getattr finds on a Row before its __getattr__ (dict's methods, …)


def render_html(fig: DistrictFigures, prov: Provenance, charts: dict[str, str]) -> str:
    """The page (UTF-8 text). ``charts`` maps chart name → SVG text (see :mod:`pipeline.publish.charts`)."""
    m = fig.members
    ctx = {
        "title": fig.title, "year": fig.year, "provenance": prov.as_dict(), "provenance_line": prov.line_zh(),
        "counts": m.counts(), "loaded": m.by_status(LOADED), "failed": m.by_status(FAILED),
        "missing": m.by_status(MISSING), "withdrawn": m.by_status(WITHDRAWN),
        "tables": view.table_views(fig), "extra": view.extra_rows(fig), "kinds": KINDS,
        "kpi_rows": view.kpi_rows(fig), "yoy": bool(fig.kpis["yoy"]), "mix": view.mix_rows(fig),
        "reasons": view.reason_rows(fig), "ranking": view.ranking_rows(fig), "annex": view.annex_rows(fig),
        "charts": [{"name": n, "b64": base64.b64encode(svg.encode("utf-8")).decode("ascii")} for n, svg in charts.items()],
    }
    return _env().get_template("district.html.j2").render(**ctx)
