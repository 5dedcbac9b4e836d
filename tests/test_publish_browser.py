"""The published page in a real headless Chromium: it renders, the three tables are there in the official
layout, their figures (totals included) are those of consolidated.csv, the charts load, Chinese is readable."""

from __future__ import annotations

import csv
import random
import subprocess

import pytest
from conftest import skip_or_fail

from pipeline import vocabulary as voc
from pipeline.publish import publish_district
from pipeline.registry import Agency, District, Registry
from pipeline.synth import generate_report
from pipeline.warehouse import SourceFile, dispose_engine, get_engine, load_report, start_run, sync_registry, upgrade


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from pipeline.publish.browser import BrowserMissing, headless_chromium

    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'wh.sqlite'}"
    district = District("990002", "样例区", "某省样例区", tuple(
        Agency(f"990002-b{i}", f"样例区第{i}局", "department", "990002") for i in range(8)))
    upgrade(url)
    engine = get_engine(url)
    sync_registry(engine, Registry({district.code: district}))
    run = start_run(engine, year=2021, districts=[district.code], policy="strict")
    for a in district.agencies[:7]:
        rep = generate_report(random.Random(a.id), "v2021", agency=a.name, year=2021, scale="department")
        load_report(engine, run_id=run, agency_id=a.id, year=2021, report=rep,
                    source=SourceFile.from_bytes(a.id, rep.to_json().encode(), "json"))
    pub = publish_district(url, district, 2021, tmp / "published", run_id=run)
    dispose_engine(url)
    try:
        with headless_chromium() as driver:
            yield driver, pub
    except BrowserMissing as e:
        skip_or_fail(str(e))


def test_page_renders_the_three_official_tables(page):
    driver, pub = page
    driver.get(pub.html.resolve().as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    assert driver.title == "某省样例区2021年政府信息公开工作年度报告汇总数据"
    tables = driver.execute_script(
        "return [...document.querySelectorAll('table.official')].map(t => [t.id, t.getBoundingClientRect().width, "
        "t.getBoundingClientRect().height])")
    assert [t[0] for t in tables] == ["t-proactive", "t-requests", "t-appeals"]
    assert all(w > 600 and h > 40 for _, w, h in tables)
    # Table 四: one row of 15 figures under 行政复议 / 行政诉讼; table 三: its grouped header cells.
    row_sizes = driver.execute_script(
        "return [...document.querySelectorAll('#t-appeals tr')].map(r => r.querySelectorAll('td.num').length)")
    assert max(row_sizes) == 15
    header = driver.execute_script("return document.querySelector('#t-requests').innerText")
    for label in ("申请人情况", "法人或其他组织", voc.label("requests", "col", "natural_person")):
        assert label in header


def test_figures_in_the_browser_are_those_of_the_csv(page):
    driver, pub = page
    driver.get(pub.html.resolve().as_uri())
    shown = dict(driver.execute_script(
        "return [...document.querySelectorAll('table.official td[data-key]')].map(td => "
        "[td.dataset.key, td.childNodes[0] ? td.childNodes[0].textContent.trim() : ''])"))
    with pub.csv.open(encoding="utf-8-sig") as fh:
        figures = {f"{r['table']}/{r['row']}/{r['col']}": r["value"] for r in csv.DictReader(fh) if r["official"] == "True"}
    assert shown == figures
    assert shown["requests/total/total"] and shown["appeals/review/total"]


def test_charts_load_and_chinese_has_a_font(page):
    driver, pub = page
    driver.get(pub.html.resolve().as_uri())
    sizes = driver.execute_script("return [...document.querySelectorAll('.charts img')].map(i => i.naturalWidth)")
    assert len(sizes) == 4 and all(w > 100 for w in sizes)
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no CJK font: the page's Chinese would show as boxes (bash scripts/ensure-browser.sh)"
    png = driver.get_screenshot_as_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
