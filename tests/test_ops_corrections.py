"""Corrections file, default year, and the operations commands' bad input: one clear line, never a traceback."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Cell, ParsedReport, ParseNote
from pipeline.ops import OpsError
from pipeline.ops.corrections import Correction, add_correction, apply_corrections, load_corrections, remove_correction
from pipeline.ops.rerun import default_year


def _report() -> ParsedReport:
    r = ParsedReport("v2021", cells=[
        Cell("requests", "total", "natural_person", 0, "0"),
        Cell("requests", "new_received", "natural_person", 12, "12 3", status="ambiguous", candidates=[12, 123]),
    ])
    r.notes.append(ParseNote("R-PARSE-AMBIGUOUS", "two readings", "requests", "new_received", "natural_person"))
    r.warnings.append("two readings")
    return r


def test_a_correction_picks_a_candidate_or_replaces_the_print_and_leaves_the_parse_alone():
    report = _report()
    fixed = apply_corrections(report, [
        Correction("a", "requests", "new_received", "natural_person", 123, "HTML page shows 123", "ops"),
        Correction("a", "requests", "total", "natural_person", None, "blank in the original", "ops"),
    ], agency="a")
    kinds = {a.correction.row: (a.kind, a.printed_value, a.printed_status) for a in fixed.applied}
    assert kinds == {"new_received": ("candidate", 12, "ambiguous"), "total": ("replace", 0, "read")}
    cells = fixed.report.cell_map()
    c = cells[("requests", "new_received", "natural_person")]
    assert (c.value, c.ambiguous, c.status, c.candidates, c.raw) == (123, False, "read", [], "12 3")
    assert cells[("requests", "total", "natural_person")].status == "blank"
    assert fixed.report.notes == [] and fixed.report.warnings == []  # the correction settles the ambiguity
    assert report.value("requests", "new_received", "natural_person") == 12  # the printed parse is untouched


def test_the_file_round_trips_and_a_removed_entry_is_gone(tmp_path):
    path = tmp_path / "corrections" / "2022.toml"
    c = Correction("350128-htp", "requests", "total", "total", 4, "总计 \"0\" 印错", "林某")
    add_correction(path, 2022, c)
    _, replaced = add_correction(path, 2022, Correction("350128-htp", "requests", "total", "total", 5, "再核", "林某"))
    got = load_corrections(path, 2022)
    assert replaced and len(got) == 1 and got.entries[0].value == 5 and got.entries[0].at
    assert remove_correction(path, 2022, "350128-htp", ("requests", "total", "total"))
    assert len(load_corrections(path, 2022)) == 0
    assert len(load_corrections(tmp_path / "none.toml", 2022)) == 0


@pytest.mark.parametrize(("text", "words"), [
    ("[[correction\n", ["not valid TOML"]),
    ('[[correction]]\nagency = "a"\ncell = "requests/nope/total"\nvalue = 1\nreason = "r"\nby = "b"\n', ["#1", "agency a", "nope"]),
    ('[[correction]]\nagency = "a"\ncell = "requests/total/total"\nvalue = "x"\nreason = "r"\nby = "b"\n', ["#1", "not a number"]),
    ('[[correction]]\nagency = "a"\ncell = "requests/total/total"\nvalue = 1\nby = "b"\n', ["#1", "requests/total/total", "no reason"]),
    ('[[correction]]\nagency = "a"\ncell = "requests/total/total"\nvalue = 1\nreason = "r"\nby = "b"\n' * 2,
     ["#2", "already corrected by", "#1"]),
    ('[[correction]]\nagency = "a"\ncell = "requests/total/total"\nvalue = 1\nreason = "r"\nby = "b"\nwho = "c"\n', ["unknown key"]),
])
def test_a_bad_corrections_file_is_one_line_naming_file_entry_agency_and_cell(tmp_path, text, words):
    path = tmp_path / "2022.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OpsError) as e:
        load_corrections(path, 2022)
    msg = str(e.value)
    assert "\n" not in msg and str(path) in msg and " / " in msg
    assert all(w in msg for w in words), msg


def test_a_correction_of_a_cell_the_report_lacks_names_entry_agency_and_cell():
    with pytest.raises(OpsError, match=r"f\.toml#3: agency a, cell requests/denied\.state_secret/total"):
        apply_corrections(_report(), [Correction("a", "requests", "denied.state_secret", "total", 1, "r", "b",
                                                 origin="f.toml#3")], agency="a")


def test_default_year_is_the_previous_calendar_year_in_shanghai():
    assert default_year(dt.datetime(2027, 2, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))) == 2026
    assert default_year(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)) == 2026  # 1 Jan 01:00 in Shanghai


def test_the_commands_refuse_bad_input_with_one_line(tmp_path, monkeypatch):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "registry.toml").write_text(
        '[districts.330803]\nname = "衢江区"\n[[districts.330803.agencies]]\nid = "330803-edu"\nname = "教育局"\n'
        'kind = "department"\n', encoding="utf-8")
    monkeypatch.setenv("PIPELINE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PIPELINE_SUBMISSIONS_DIR", str(tmp_path / "drop"))
    monkeypatch.setenv("PIPELINE_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    runner = CliRunner()
    cases = [
        (["correct", "--year", "2022", "--agency", "nobody", "--cell", "requests/total/total", "--value", "1",
          "--reason", "r"], "nobody"),
        (["correct", "--year", "2022", "--agency", "330803-edu", "--cell", "requests/total", "--value", "1",
          "--reason", "r"], "requests/total"),
        (["correct", "--year", "2022", "--agency", "330803-edu", "--cell", "requests/total/total", "--value", "abc",
          "--reason", "r"], "abc"),
        (["correct", "--year", "2022", "--agency", "330803-edu", "--cell", "requests/total/total", "--value", "1"],
         "--reason"),
        (["rerun", "--year", "2022"], "--failed"),
        (["rerun", "--year", "2022", "--agency", "nobody"], "nobody"),
        (["status", "--year", "2022"], "pipeline db upgrade"),
        (["withdraw", "--year", "2022", "--agency", "330803-edu", "--reason", "x"], "pipeline db upgrade"),
    ]
    for args, word in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert isinstance(r.exception, SystemExit), (args, r.exception)
        lines = [x for x in r.output.splitlines() if x.strip()]
        assert len(lines) == 1 and word in lines[0] and "Traceback" not in r.output, (args, r.output)
