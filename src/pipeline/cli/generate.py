"""``pipeline generate``: a generated drop folder and its registry, for benchmarks and rehearsals."""

from __future__ import annotations

from pathlib import Path

import typer


def generate_cmd(
    districts: int = typer.Option(..., "--districts", help="Number of districts (codes 900001, 900002, …)."),
    agencies: int = typer.Option(60, "--agencies-per-district", help="Agencies per district (≥ 2)."),
    year: int = typer.Option(..., "--year", help="The last year generated."),
    years: int = typer.Option(1, "--years", help="Consecutive years ending with --year (each agency's years form one chain)."),
    out: Path = typer.Option(..., "--out", help="Folder: config/registry.toml, submissions/<year>/<district>/, manifest.json."),
    faults: float = typer.Option(0.0, "--faults", help="Share of the last year's agencies with an injected fault (0–1)."),
    seed: int = typer.Option(1, "--seed"),
) -> None:
    """Write a drop folder of every form with a matching registry and a manifest of the injected faults."""
    from pipeline.synth.dropfolder import build_drop_folder

    try:
        drop = build_drop_folder(out, districts=districts, agencies=agencies, years=range(year - years + 1, year + 1),
                                 faults=faults, seed=seed)
    except ValueError as e:
        typer.echo(f"pipeline generate: {e}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{drop.submissions} submissions for {year} in {drop.submissions_dir}; registry {drop.config_dir}; "
               f"{len(drop.manifest)} faults in {out / 'manifest.json'}")
    typer.echo(f"run: PIPELINE_CONFIG_DIR={drop.config_dir} pipeline run --year {year} --submissions {drop.submissions_dir}")


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_cmd)
