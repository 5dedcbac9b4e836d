"""``pipeline reconcile`` on a real zone: 平潭综合实验区 2022, its 17 members loaded under ``lenient`` by the annual
flow, against the zone's own consolidated report (../shared/corpus/real/raw/08_pingtan_2022.txt).

Issue 11's acceptance: exactly the 9 cells of tables 三 and 四 where the zone's report differs from the sum of its
members, each naming the members behind it — 海坛片区 and 君山片区 (printing errors the zone left out) in table 三,
自然资源与生态环境局 (a pending review the zone counts as closed) in table 四. Table 二 is not a sum by definition
(docs/marts.md): by default its 2 differing cells are only counted; ``--tables all`` lists them too.
The values on both sides are also held against the hand-checked truth of the corpus.
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import skip_or_fail
from support.corpus import truth_cells
from typer.testing import CliRunner

pytestmark = pytest.mark.corpus

CODE, YEAR = "350128", 2022
HAITAN, JUNSHAN, ZRZ = "平潭综合实验区海坛片区管理局", "平潭综合实验区君山片区管理局", "平潭综合实验区自然资源与生态环境局"
#: The 9 differing cells and the members behind each (from the zone's and the members' hand-checked truth).
EXPECTED = {
    "requests/new_received/natural_person": {HAITAN},
    "requests/new_received/total": {HAITAN},
    "requests/denied.third_party/natural_person": {HAITAN},
    "requests/denied.third_party/total": {HAITAN},
    "requests/unable.not_held/natural_person": {HAITAN, JUNSHAN},
    "requests/unable.not_held/org_other": {JUNSHAN},
    "requests/unable.not_held/total": {HAITAN, JUNSHAN},
    "appeals/review/other": {ZRZ},
    "appeals/review/pending": {ZRZ},
}


@pytest.fixture(scope="module")
def pingtan(corpus_dir, prefect_harness, tmp_path_factory):
    """The zone's 17 members loaded under lenient by the annual flow; the env the CLI needs; the truth sums."""
    from flows.annual import annual_run

    district = corpus_dir.parent / "districts" / "pingtan-2022"
    if not (district / "registry.toml").is_file():
        skip_or_fail(f"the pingtan-2022 district is not at {district}")
    tmp = tmp_path_factory.mktemp("pingtan")
    (tmp / "config").mkdir()
    shutil.copy(district / "registry.toml", tmp / "config" / "registry.toml")
    drop = tmp / "drop" / str(YEAR) / CODE
    drop.mkdir(parents=True)
    for f in sorted((district / "raw").iterdir()):  # 14_haitan_area_bureau_htp.txt → 350128-htp.txt
        shutil.copy(f, drop / f"{CODE}-{f.stem.rsplit('_', 1)[1]}{f.suffix}")
    env = {"PIPELINE_CONFIG_DIR": str(tmp / "config"), "PIPELINE_DATA_DIR": str(tmp / "data"),
           "PIPELINE_WAREHOUSE_URL": f"sqlite:///{tmp / 'warehouse.sqlite'}"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        state = annual_run(year=YEAR, districts=[CODE], submissions_dir=str(tmp / "drop"), policy="lenient",
                           return_state=True)
    assert state.is_completed(), state.message
    members: dict = {}
    for f in (district / "truth").glob("*.json"):
        for k, v in truth_cells(json.loads(f.read_text(encoding="utf-8"))).items():
            members[k] = (members.get(k) or 0) + (v or 0)
    zone = truth_cells(json.loads((corpus_dir / "truth" / "08_pingtan_2022.json").read_text(encoding="utf-8")))
    yield {"env": env, "report": corpus_dir / "raw" / "08_pingtan_2022.txt", "members": members, "zone": zone}
    from pipeline.warehouse import dispose_engine

    dispose_engine(env["PIPELINE_WAREHOUSE_URL"])


def _reconcile(pingtan, *args: str):
    from pipeline.cli import app

    r = CliRunner().invoke(app, ["reconcile", "--year", str(YEAR), "--district", CODE, str(pingtan["report"]), *args],
                           env=pingtan["env"])
    return r.exit_code, r.stdout


def test_the_nine_differing_cells_of_tables_3_and_4_name_their_members(pingtan):
    code, out = _reconcile(pingtan, "--json")
    assert code == 1, out
    doc = json.loads(out)
    assert doc["tables"] == ["requests", "appeals"] and doc["agencies_loaded"] == 17
    got = {d["cell"]: {e["agency_name"] for e in d["explanations"]} for d in doc["differing"]}
    assert got == EXPECTED
    for d in doc["differing"]:
        key = tuple(d["cell"].split("/"))
        assert d["reported"] == pingtan["zone"][key] and d["summed"] == pingtan["members"][key], d["cell"]
    # table 三: the members' printing errors the zone left out; table 四: the pending review counted as closed
    kinds = {d["cell"]: {e["kind"] for e in d["explanations"]} for d in doc["differing"]}
    assert kinds["requests/unable.not_held/total"] == {"left_out"} and kinds["appeals/review/pending"] == {"left_out"}
    assert doc["not_compared"] == {"proactive": 2}
    assert doc["equal"] + len(doc["differing"]) + len(doc["only_in_report"]) == 190  # 7 × 26 + 15 − 7 blank-only


def test_the_text_output_lists_each_cell_with_both_values_and_its_members(pingtan):
    code, out = _reconcile(pingtan)
    assert code == 1
    lines = out.splitlines()
    assert "differing cells 不同 9" in lines[1]
    cells = [line for line in lines if line.startswith("  ") and not line.startswith("      ")]
    assert len(cells) == 9 and all("report 报告" in c and "members' sum 成员之和" in c for c in cells)
    new = next(c for c in cells if "[requests/new_received/total]" in c)
    assert "报告 74" in new and "成员之和 78" in new and "差 -4" in new
    at = next(i for i, line in enumerate(lines) if "[requests/unable.not_held/total]" in line)
    block = "\n".join(line for line in lines[at + 1:at + 3] if line.startswith("      "))
    assert HAITAN in block and JUNSHAN in block
    assert "not compared 未核对 表二: 2 cells" in out


def test_all_tables_adds_the_two_table_2_differences(pingtan):
    code, out = _reconcile(pingtan, "--tables", "all", "--json")
    assert code == 1
    doc = json.loads(out)
    cells = {d["cell"] for d in doc["differing"]}
    assert cells - set(EXPECTED) == {"proactive/normative_docs/in_force", "proactive/penalties/decisions"}
    assert len(cells) == 11 and doc["not_compared"] == {}
    code, out = _reconcile(pingtan, "--tables", "proactive", "--json")
    assert code == 1 and len(json.loads(out)["differing"]) == 2


def test_bad_input_is_one_clear_line(pingtan):
    from pipeline.cli import app

    r = CliRunner().invoke(app, ["reconcile", "--year", str(YEAR), "--district", CODE, str(pingtan["report"]),
                                 "--tables", "table3"], env=pingtan["env"])
    assert r.exit_code == 2 and "unknown table code" in r.stderr
    r = CliRunner().invoke(app, ["reconcile", "--year", "2020", "--district", CODE, str(pingtan["report"])],
                           env=pingtan["env"])
    assert r.exit_code == 2 and "no loaded agency" in r.stderr
