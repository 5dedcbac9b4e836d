"""The ``pipeline`` command line. Each sub-command lives in its own module and registers itself here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="pipeline",
    help="政府信息公开工作年度报告 pipeline: parse, check, run the annual job, manage the warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """政府信息公开工作年度报告 pipeline."""
    from pipeline.settings import check_environment

    try:  # a bad PIPELINE_* number is one line naming it, exit 2, whatever the command
        check_environment()
    except ValueError as e:
        typer.echo(f"设置无效 / invalid setting: {e}", err=True)
        raise typer.Exit(2) from None


# Sub-commands (one module each; keep this list sorted).
from pipeline.cli import check as _check  # noqa: E402
from pipeline.cli import correct as _correct  # noqa: E402
from pipeline.cli import db as _db  # noqa: E402
from pipeline.cli import generate as _generate  # noqa: E402
from pipeline.cli import parse as _parse  # noqa: E402
from pipeline.cli import publish as _publish  # noqa: E402
from pipeline.cli import reconcile as _reconcile  # noqa: E402
from pipeline.cli import rerun as _rerun  # noqa: E402
from pipeline.cli import run as _run  # noqa: E402
from pipeline.cli import status as _status  # noqa: E402
from pipeline.cli import template as _template  # noqa: E402
from pipeline.cli import withdraw as _withdraw  # noqa: E402

_check.register(app)
_correct.register(app)
_db.register(app)
_generate.register(app)
_parse.register(app)
_publish.register(app)
_reconcile.register(app)
_rerun.register(app)
_run.register(app)
_status.register(app)
_template.register(app)
_withdraw.register(app)


def main() -> None:
    """The console script. A warehouse that fails mid-command (server gone, disk full, locked) is one line
    naming it, password masked, exit 2 — never a driver traceback; other errors propagate."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.warehouse.engine import WarehouseUnavailable, error_line

    try:
        app()
    except WarehouseUnavailable as e:
        typer.echo(error_line(_url_in_use(), e), err=True)
        raise SystemExit(2) from None
    except SQLAlchemyError as e:
        typer.echo(error_line(_url_in_use(), e), err=True)
        raise SystemExit(2) from None


def _url_in_use() -> str:
    """The warehouse URL of this command line (``--url``/``--warehouse-url``, else the settings')."""
    import sys

    from pipeline.settings import get_settings

    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        for flag in ("--url", "--warehouse-url"):
            if a == flag and i + 1 < len(argv):
                return argv[i + 1]
            if a.startswith(flag + "="):
                return a.split("=", 1)[1]
    return get_settings().warehouse_url
