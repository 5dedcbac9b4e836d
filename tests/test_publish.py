"""Consolidation rules: sums over reporting agencies, missing stays missing, nothing reported is dropped."""

from __future__ import annotations

import math

import pandas as pd

from pipeline import vocabulary as voc
from pipeline.publish.consolidate import consolidate, layout_version


def _cells(rows):
    return pd.DataFrame(rows, columns=["agency_id", "table", "row", "col", "value"])


def test_layout_version_follows_the_year():
    assert layout_version(2019) == layout_version(2020) == "v2019"
    assert layout_version(2021) == layout_version(2025) == "v2021"


def test_cells_are_summed_over_the_agencies_that_report_them():
    df = consolidate(_cells([
        ("a", "requests", "granted", "total", 3),
        ("b", "requests", "granted", "total", 4),
        ("c", "requests", "granted", "total", None),  # blank in c's report: not a zero, not counted
        ("a", "proactive", "admin_fees", "fee_amount_wan", 1.25),
        ("b", "proactive", "admin_fees", "fee_amount_wan", 0.5),
    ]), 2021)
    cell = df.set_index(["table", "row", "col"])
    assert cell.loc[("requests", "granted", "total"), "value"] == 7
    assert cell.loc[("requests", "granted", "total"), "agencies"] == 2
    assert cell.loc[("proactive", "admin_fees", "fee_amount_wan"), "value"] == 1.75
    # Every official cell of the year's template is listed, in printed order, and unreported ones stay missing.
    official = df[df["official"]]
    assert list(zip(official["table"], official["row"], official["col"], strict=True)) == list(voc.cell_keys("v2021"))
    unreported = cell.loc[("appeals", "review", "total")]
    assert math.isnan(unreported["value"]) and unreported["agencies"] == 0


def test_cells_outside_the_years_layout_are_kept_apart_not_dropped():
    df = consolidate(_cells([
        ("a", "requests", "other", "total", 2),  # one （六） row in a 2021 report
        ("b", "requests", "other.misc", "total", 5),
    ]), 2021)
    extra = df[~df["official"]]
    assert list(extra["row"]) == ["other"] and list(extra["value"]) == [2]
    assert df.set_index(["table", "row", "col"]).loc[("requests", "other.misc", "total"), "value"] == 5
