"""Issue 12, hostile input: agency ids, file names and report text carrying path separators, ``..``, SQL
metacharacters, HTML and ``<script>``.

- The registry refuses a district code or agency id that could leave its folder (``/``, ``\\``, ``..``,
  NUL, a leading dot); agency *names* may hold anything.
- A run over a drop folder of hostile (but legal) file names and report text writes nothing outside the
  data folder, stores every hostile string verbatim (bound parameters: no injection) on SQLite and
  PostgreSQL, and the published HTML escapes it all (Jinja2 autoescape).
- String-built SQL exists only where it interpolates the code's own identifiers (an allow-list, so a
  new f-string SQL fails this test until reviewed).
- XLSX/DOCX zip bombs and XML entities are refused with one clear line; the limits are configurable.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SQL = "'; DROP TABLE reports; --"
SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"

AGENCIES = [  # (id, registered name) — ids are file-name prefixes, so no "/" in them
    ("990002-a00", f"{SCRIPT}第990002区人民政府办公室"),
    (f"990002-q'{SQL}", "第990002区教育局\"'; DELETE FROM agencies; --"),
    (f"990002-{IMG}", f"{IMG}财政局"),
    ("990002-a;b|c&d$(id)`x`", "..\\..\\民政局"),
    ("990002-%s%n{0}", "{{7*7}}{% raw %}司法局"),
]


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _registry(folder: Path, agencies) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[districts.990002]", f"name = {_toml_str('敌意区' + SCRIPT)}", f"full_name = {_toml_str('某省' + IMG)}", ""]
    for aid, name in agencies:
        lines += ["[[districts.990002.agencies]]", f"id = {_toml_str(aid)}", f"name = {_toml_str(name)}",
                  'kind = "department"', ""]
    (folder / "registry.toml").write_text("\n".join(lines), encoding="utf-8")
    return folder


@pytest.mark.parametrize("bad", ["990002-../../../escape", "990002/x", "990002-a\\..\\b", "..", ".hidden", "a\x00b", ""])
def test_registry_refuses_ids_that_leave_their_folder(bad, tmp_path):
    from pipeline.registry import RegistryError, load_registry

    _registry(tmp_path, [("990002-a00", "x"), (bad, "y")])
    with pytest.raises(RegistryError) as e:
        load_registry(tmp_path)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("code", ["../../etc", "99/0002", ".."])
def test_registry_refuses_district_codes_that_leave_their_folder(code, tmp_path):
    from pipeline.registry import RegistryError, load_registry

    (tmp_path / "registry.toml").write_text(f'[districts.{_toml_str(code)}]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="district code"):
        load_registry(tmp_path)


def _hostile_drop(root: Path) -> tuple[Path, Path]:
    from pipeline.render.page_text import render_page_text
    from pipeline.synth.generate import generate_report

    config = _registry(root / "config", AGENCIES)
    folder = root / "submissions" / "2022" / "990002"
    folder.mkdir(parents=True)
    for i, (aid, name) in enumerate(AGENCIES):
        r = generate_report(random.Random(i), "v2021", agency=name, year=2022, blank_style="zero")
        r.sections = {k: f"{v}{SCRIPT}{SQL}{IMG}../../../etc/passwd" for k, v in r.sections.items()}
        (folder / f"{aid}.txt").write_bytes(render_page_text(r).encode("utf-8"))
    return config, root / "submissions"


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_hostile_names_and_text_are_stored_verbatim_and_escaped(kind, tmp_path, request):
    import sqlalchemy as sa

    from pipeline.plainrun import run_plain
    from pipeline.warehouse import get_engine

    config, subs = _hostile_drop(tmp_path / "in")
    data = tmp_path / "data"
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'wh.sqlite'}"
    else:
        from tests.conftest import new_pg_database

        ctx = new_pg_database("pipeline_hostile")
        url = ctx.__enter__()
        request.addfinalizer(lambda: ctx.__exit__(None, None, None))
    before = _files(tmp_path)
    result = run_plain(year=2022, submissions_dir=subs, warehouse_url=url, config_dir=config, data_dir=data,
                       policy="lenient")
    outcomes = {o["agency_id"]: o for o in result["outcomes"]}
    assert sorted(outcomes) == sorted(a for a, _ in AGENCIES)
    assert all(o["status"] == "loaded" for o in outcomes.values()), outcomes
    # nothing written outside the data folder (and the SQLite warehouse)
    new = _files(tmp_path) - before
    outside = [p for p in new if not (p.is_relative_to(data) or p.is_relative_to(tmp_path / "db"))]
    assert not outside, outside
    assert not list(Path("/").glob("etc/escape*")) and not (tmp_path.parent / "escape").exists()
    # verbatim in the warehouse: bound parameters, no injection
    with get_engine(url).connect() as c:
        names = dict(c.execute(sa.text("select id, name from agencies where district_code = :d"), {"d": "990002"}).all())
        assert names == dict(AGENCIES)
        texts = c.execute(sa.text("select text from report_sections")).scalars().all()
        assert texts and all(SQL in t and SCRIPT in t for t in texts if t)
        assert c.execute(sa.text("select count(*) from reports")).scalar_one() == len(AGENCIES)
    # the published page escapes every hostile string
    html = next(data.glob("published/2022/990002/report.html")).read_text("utf-8")
    for raw in (SCRIPT, IMG, "<script>", "onerror=alert(1)>"):
        assert raw not in html, raw
    assert "&lt;script&gt;" in html or "&lt;img" in html
    assert "{{7*7}}" in html or "49" not in html  # the template syntax in a name is not evaluated
    # … and so does summary.md (a user test found names published there raw)
    md = next(data.glob("published/2022/990002/summary.md")).read_text("utf-8")
    for raw in ("<script", "<img", "onerror=alert(1)>"):
        assert raw not in md, raw
    assert "&lt;script&gt;" in md and "&lt;img src=x onerror=alert(1)&gt;" in md


def test_publish_templates_autoescape():
    from pipeline.publish import html as published_html

    env = published_html._env() if hasattr(published_html, "_env") else None
    src = (ROOT / "src/pipeline/publish/html.py").read_text("utf-8")
    assert "select_autoescape" in src and "default=True" in src
    if env is not None:
        assert env.autoescape if isinstance(env.autoescape, bool) else env.autoescape("report.html.j2")
    for t in (ROOT / "src/pipeline/publish/templates").iterdir():
        text = t.read_text("utf-8")
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, t


#: Every place SQL is built from a Python string: the file and the interpolated names, all the code's own
#: identifiers (table/view names from module constants, SQLite pragmas). Anything new must be reviewed.
SQL_BUILT = {
    "src/pipeline/warehouse/queries.py": {"t"},
    "src/pipeline/warehouse/engine.py": {"pragma"},
    # ANALYZE of a table named in statistics.TABLES (a constant), never of a name from outside
    "src/pipeline/warehouse/statistics.py": {"name", "LOCK_TIMEOUT"},
    # a constant clause with an expanding bound parameter (a.district_code IN :ds), shared by the batch reads
    "src/pipeline/publish/members.py": {"_IN"},
    "src/pipeline/warehouse/migrations/versions/0002_dimensions.py": {"name"},
    "src/pipeline/warehouse/migrations/versions/0003_bi_views.py": {"name", "select"},
    "src/pipeline/warehouse/migrations/versions/0004_marts.py": {"name", "select"},
    "src/pipeline/warehouse/migrations/versions/0005_bi_views_typed.py": {"name", "select", "view", "column",
                                                                         "_quote(f'{zh} ({kind})')"},
}
_SQL_FSTRING = re.compile(r"""(?:text|execute|exec_driver_sql)\(\s*f(["'])(?P<body>.*?)\1""")


def test_sql_is_built_from_bound_parameters_only():
    found: dict[str, set[str]] = {}
    for p in [*ROOT.glob("src/**/*.py"), *ROOT.glob("flows/**/*.py")]:
        rel = str(p.relative_to(ROOT))
        for m in _SQL_FSTRING.finditer(p.read_text("utf-8")):
            found.setdefault(rel, set()).update(re.findall(r"\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", m.group("body")))
    assert found == SQL_BUILT


def _docx_with(part: bytes) -> bytes:
    from pipeline.render.docx import render_docx
    from pipeline.synth.generate import generate_report

    src = zipfile.ZipFile(io.BytesIO(render_docx(generate_report(random.Random(1), "v2021"))))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n in src.namelist():
            z.writestr(n, part if n == "word/document.xml" else src.read(n))
    return buf.getvalue()


@pytest.mark.parametrize("form", ["docx", "xlsx"])
@pytest.mark.parametrize("attack", ["file", "http", "laughs", "param"])
def test_xml_entities_are_refused(form, attack):
    from pipeline.ingest import IngestError, parse_bytes
    from pipeline.synth import fuzz

    seed = fuzz.generated_seeds(6)[4 if form == "docx" else 3]
    for i in range(40):  # the mutation picks the attack at random: find this one
        data, detail = fuzz.xml_entities(seed.data, seed.name, random.Random(f"{attack}-{i}"))
        if detail.startswith(attack):
            break
    with pytest.raises(IngestError, match=r"declares a DOCTYPE or XML entities; refused") as e:
        parse_bytes(data, f"evil.{form}")
    assert str(e.value).startswith(f"evil.{form}: ") and "\n" not in str(e.value)


@pytest.mark.parametrize("form", ["docx", "xlsx"])
def test_zip_bombs_are_refused_and_the_limit_is_configurable(form, monkeypatch):
    from pipeline.ingest import IngestError, parse_bytes
    from pipeline.synth import fuzz

    seed = fuzz.generated_seeds(6)[4 if form == "docx" else 3]
    parts, main, _ = fuzz._ooxml_seed(seed.data, seed.name)
    body = dict(parts)[main]
    cut = body.find(b">", body.find(b"?>") + 2) + 1
    bomb = fuzz._bomb_zip(parts, main, 80 * 2**20, body[:cut], body[cut:])  # 80 MiB of XML in ~80 KB
    assert len(bomb) < 2 * 2**20
    with pytest.raises(IngestError, match=r"over the 67,108,864-byte limit \(PIPELINE_MAX_UNPACKED_BYTES\)"):
        parse_bytes(bomb, f"bomb.{form}")
    # headers that lie about the size: counted as inflated
    liar = fuzz._lying_sizes(fuzz._bomb_zip(parts, main, 3 * 2**20, body[:cut], body[cut:], zip64=False), main, 1024)
    monkeypatch.setenv("PIPELINE_MAX_UNPACKED_BYTES", str(2 * 2**20))
    with pytest.raises(IngestError) as e:
        parse_bytes(liar, f"liar.{form}")
    assert ("PIPELINE_MAX_UNPACKED_BYTES" in str(e.value) or "damaged" in str(e.value)) and "\n" not in str(e.value)
    # the genuine file is under any sensible limit
    monkeypatch.setenv("PIPELINE_MAX_UNPACKED_BYTES", str(2 * 2**20))
    assert parse_bytes(seed.data, seed.name).cells
    monkeypatch.setenv("PIPELINE_MAX_UNPACKED_BYTES", "1000")
    with pytest.raises(IngestError, match="PIPELINE_MAX_UNPACKED_BYTES"):
        parse_bytes(seed.data, seed.name)
    monkeypatch.setenv("PIPELINE_MAX_UNPACKED_BYTES", "-5")
    with pytest.raises(IngestError, match="PIPELINE_MAX_UNPACKED_BYTES must be a positive integer"):
        parse_bytes(seed.data, seed.name)


def test_file_size_limit_is_configurable(tmp_path, monkeypatch):
    from pipeline.ingest import IngestError, parse_file

    p = tmp_path / "big.txt"
    p.write_bytes(b"x" * 5000)
    monkeypatch.setenv("PIPELINE_MAX_FILE_BYTES", "4096")
    with pytest.raises(IngestError, match=r"over the 4,096-byte limit \(PIPELINE_MAX_FILE_BYTES\)"):
        parse_file(p)
