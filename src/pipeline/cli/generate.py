"""``pipeline generate``: a generated drop folder and its registry, for benchmarks and rehearsals."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer


def generate_cmd(
    districts: int = typer.Option(..., "--districts", help="Number of districts (codes 900001, 900002, …)."),
    agencies: int = typer.Option(60, "--agencies-per-district", help="Agencies per district (≥ 2)."),
    year: int = typer.Option(..., "--year", help="The last year generated."),
    years: int = typer.Option(1, "--years", help="Consecutive years ending with --year (each agency's years form one chain)."),
    out: Path = typer.Option(..., "--out", help="Folder: config/registry.toml, submissions/<year>/<district>/, manifest.json."),
    faults: float = typer.Option(0.0, "--faults", help="Share of the last year's agencies with an injected fault (0–1)."),
    kinds: str = typer.Option("all", "--kinds", help="Fault kinds drawn from, comma-separated: 'all', 'basic' (the six the "
                              "run must refuse) or names (identity, missing_table, garbled_number, damage_…)."),
    seed: int = typer.Option(1, "--seed"),
    workers: int = typer.Option(0, "--workers", min=0, help="Processes writing districts (0: the CPU count). The bytes do "
                                "not depend on it."),
    force: bool = typer.Option(False, "--force", help="Replace what an earlier generate wrote in --out (config/, "
                               "submissions/, manifest.json); other files there are kept."),
) -> None:
    """Write a drop folder of every form with a matching registry and a manifest of the injected faults."""
    from pipeline.synth.dropfolder import build_drop_folder
    from pipeline.synth.faults import BASIC, FAULTS

    chosen = {"all": FAULTS, "basic": BASIC}.get(kinds.strip()) or tuple(k.strip() for k in kinds.split(",") if k.strip())
    if not chosen:
        typer.echo("pipeline generate: --kinds names no fault kind: give 'all', 'basic' or kind names", err=True)
        raise typer.Exit(2)
    _check_out(out, force)
    started = time.perf_counter()
    try:
        drop = build_drop_folder(out, districts=districts, agencies=agencies, years=range(year - years + 1, year + 1),
                                 faults=faults, seed=seed, kinds=chosen, workers=workers or None)
    except ValueError as e:
        typer.echo(f"pipeline generate: {e}", err=True)
        raise typer.Exit(2) from None
    took = time.perf_counter() - started
    injected = drop.faults or {}
    typer.echo(f"{drop.submissions} submissions for {year} ({districts * agencies * years} reports over {years} "
               f"year{'s' if years != 1 else ''}) in {drop.submissions_dir}, {took:.1f} s; registry {drop.config_dir}; "
               f"{len(injected)} faults ({len(drop.manifest)} must fail) in {out / 'manifest.json'}")
    env = f"PIPELINE_CONFIG_DIR={drop.config_dir} PIPELINE_DATA_DIR={out / 'data'}"
    for y in range(year - years + 1, year + 1):  # the years in order: each fetches the one before as evidence
        typer.echo(f"run: {env} pipeline run --year {y} --submissions {drop.submissions_dir}")
    typer.echo(f"check: {sys.executable} -c \"from pipeline.synth.faults import check_faults; "
               f"print(check_faults('{out / 'manifest.json'}', '{out / 'data' / 'runs'}/<run id of {year}>'))\"")


def _check_out(out: Path, force: bool) -> None:
    """Refuse (one line, exit 2) an --out that is a file, or that holds an earlier drop folder without --force
    (old files beside new ones would make the manifest untrue); with --force, remove what generate writes."""
    import shutil

    if out.exists() and not out.is_dir():
        typer.echo(f"pipeline generate: --out {out} is a file, not a folder", err=True)
        raise typer.Exit(2)
    ours = [out / "submissions", out / "config" / "registry.toml", out / "manifest.json"]
    found = [p for p in ours if p.exists()]
    if found and not force:
        typer.echo(f"pipeline generate: {out} already holds a drop folder ({', '.join(p.name for p in found)}); "
                   "give another --out, or --force to replace it", err=True)
        raise typer.Exit(2)
    for p in found:
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_cmd)
