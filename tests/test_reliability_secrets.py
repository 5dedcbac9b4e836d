"""Issue 12, secrets and clear errors: the console script as an operator meets it.

- Every command that touches the warehouse, pointed at an unreachable one, answers with ONE line on stderr
  that names the host, masks the password, and exits non-zero (before: 50–270-line tracebacks).
- Read-only commands (``db current``, ``db check``, ``status``, ``reconcile``, ``publish``) with a mistyped
  SQLite path create neither the file nor its folder.
- A real annual run (``pipeline run`` through Prefect, PostgreSQL) with a password in the warehouse URL:
  the password is in no console line, no published or run-output file, no warehouse row, and nowhere in
  Prefect's own database (flow parameters, logs, artifacts, states).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = str(Path(sys.executable).with_name("pipeline"))
SECRET = "S3cretPassw0rd"
DEAD = f"postgresql://etl:{SECRET}@127.0.0.1:1/dw"  # nothing listens on port 1: refused at once


def _cli(args: list[str], env: dict | None = None, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    e = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    return subprocess.run([PIPELINE, *args], capture_output=True, text=True, env=e, cwd=cwd, timeout=timeout)


def _one_line(p: subprocess.CompletedProcess, host: str) -> str:
    err = p.stderr.strip()
    assert p.returncode != 0, (p.returncode, p.stdout, p.stderr)
    assert "\n" not in err, f"more than one line on stderr:\n{err}"
    assert "Traceback" not in p.stdout + p.stderr
    assert SECRET not in p.stdout + p.stderr
    assert host in err, err
    return err


COMMANDS = {
    "db current": ["db", "current", "--url", DEAD],
    "db check": ["db", "check", "--url", DEAD],
    "db upgrade": ["db", "upgrade", "--url", DEAD],
    "status": ["status", "--year", "2021", "--warehouse-url", DEAD],
    "publish": ["publish", "--year", "2021", "--warehouse-url", DEAD],
    "reconcile": ["reconcile", "--year", "2021", "--district", "330803", "--warehouse-url", DEAD,
                  str(ROOT / "tests/fixtures/00_qujiang_govoffice_2021.txt")],
    "run": ["run", "--year", "2021", "--warehouse-url", DEAD],
    "rerun": ["rerun", "--year", "2021", "--failed", "--warehouse-url", DEAD],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_unreachable_warehouse_is_one_line_naming_the_host(command, tmp_path):
    args = COMMANDS[command]
    if command == "reconcile" and not Path(args[-1]).exists():
        args = [*args[:-1], str(next((ROOT / "demo/submissions/2021/330803").iterdir()))]
    p = _cli(args, env={"PIPELINE_DATA_DIR": str(tmp_path / "data")})
    err = _one_line(p, "127.0.0.1:1")
    assert "***" in err
    assert not (tmp_path / "data").exists() or command in ("run", "rerun")


@pytest.mark.parametrize("command", ["db current", "status"])
def test_password_in_the_environment_is_masked_too(command, tmp_path):
    args = [a for a in COMMANDS[command] if a not in ("--url", "--warehouse-url", DEAD)]
    p = _cli(args, env={"PIPELINE_WAREHOUSE_URL": DEAD, "PIPELINE_DATA_DIR": str(tmp_path / "data")})
    _one_line(p, "127.0.0.1:1")


def test_unresolvable_host_is_named(tmp_path):
    p = _cli(["db", "current", "--url", f"postgresql://etl:{SECRET}@warehouse.invalid/dw"])
    assert "warehouse.invalid" in _one_line(p, "warehouse.invalid")


@pytest.mark.parametrize("command", ["db current", "db check", "status", "publish", "reconcile"])
def test_read_only_commands_create_no_database(command, tmp_path):
    typo = tmp_path / "no-such-folder" / "warehuose.sqlite"
    url = f"sqlite:///{typo}"
    args = [url if a == DEAD else a for a in COMMANDS[command]]
    if command == "reconcile":
        args[-1] = str(next((ROOT / "demo/submissions/2021/330803").iterdir()))
    p = _cli(args, env={"PIPELINE_DATA_DIR": str(tmp_path / "data")})
    err = _one_line(p, str(typo))
    assert "no SQLite database" in err
    assert not typo.exists() and not typo.parent.exists()
    assert not (tmp_path / "data").exists()


def test_read_only_library_entry_creates_nothing(tmp_path):
    from pipeline.warehouse.engine import WarehouseUnavailable, open_warehouse

    typo = tmp_path / "x" / "w.sqlite"
    with pytest.raises(WarehouseUnavailable, match="no SQLite database"):
        open_warehouse(f"sqlite:///{typo}")
    assert not typo.parent.exists()
    with pytest.raises(WarehouseUnavailable) as e:
        open_warehouse(DEAD)
    assert SECRET not in str(e.value) and "127.0.0.1:1" in str(e.value) and "\n" not in str(e.value)


def _grep_tree(root: Path, needle: bytes) -> list[str]:
    """Files under ``root`` whose bytes (or, for zips: xlsx, docx, parquet-free, any member's bytes) hold ``needle``."""
    hits = []
    for p in root.rglob("*"):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if needle in data:
            hits.append(str(p))
        elif data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(p) as z:
                hits += [f"{p}!{n}" for n in z.namelist() if needle in z.read(n)]
    return hits


@pytest.mark.postgres
@pytest.mark.slow
def test_password_appears_nowhere_after_a_real_run(tmp_path):
    """PostgreSQL with trust auth accepts (and ignores) a password: a real run with one in the URL."""
    import sqlalchemy as sa

    from tests.conftest import new_pg_database

    with new_pg_database("pipeline_secret") as url:
        secret_url = sa.engine.make_url(url).set(password=SECRET).render_as_string(hide_password=False)
        home = tmp_path / "prefect-home"
        env = {"PIPELINE_DATA_DIR": str(tmp_path / "data"), "PREFECT_HOME": str(home),
               "PREFECT_LOGGING_LEVEL": "DEBUG"}
        p = _cli(["run", "--year", "2021", "--warehouse-url", secret_url], env=env, timeout=900)
        assert p.returncode in (0, 1), p.stdout[-3000:] + p.stderr[-3000:]
        assert "Annual run 2021" in p.stdout
        assert SECRET not in p.stdout + p.stderr
        assert "***" in p.stdout  # the warehouse line is shown, masked
        assert list(home.rglob("*.db")), "Prefect's database should be under PREFECT_HOME (it is grepped too)"
        hits = _grep_tree(tmp_path, SECRET.encode())
        assert not hits, hits  # published files, run outputs, Prefect's database and logs
        engine = sa.create_engine(url)
        try:
            with engine.connect() as c:
                tables = [r[0] for r in c.execute(sa.text(
                    "select table_name from information_schema.tables where table_schema = 'public'"))]
                for t in tables:
                    dump = c.execute(sa.text(f'select cast(t as text) from "{t}" t')).scalars().all()
                    assert not any(SECRET in (row or "") for row in dump), t
        finally:
            engine.dispose()
        shutil.rmtree(home, ignore_errors=True)
