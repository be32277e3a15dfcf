"""Entry point: wires one module per command and maps errors to exit codes in one place."""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape

from ca3cli import __version__
from ca3cli.commands import (
    build,
    deploy,
    destroy,
    evidence,
    init,
    lint,
    loadtest,
    render,
    status,
    validate,
)
from ca3cli.commands import open as open_command
from ca3cli.commands.common import GlobalOptions, err_console
from ca3cli.commands.flags import flag
from ca3cli.errors import Ca3Error

app = typer.Typer(
    name="ca3",
    help="Stand up, prove and operate the conveyor streaming pipeline on Kubernetes.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

# In the order a newcomer uses them.
app.command()(init.init)
app.command()(render.render)
app.command()(lint.lint)
app.command()(build.build)
app.command(cls=deploy.DeployCommand)(deploy.deploy)
app.command()(status.status)
app.command()(validate.validate)
app.command(name="load-test")(loadtest.load_test)
app.command(name="open")(open_command.open_)
app.command()(evidence.evidence)
app.command()(destroy.destroy)

EXIT_INTERRUPTED = 130
EXIT_UNEXPECTED = 3


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ca3 {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path = typer.Option(Path("ca3.yaml"), "--config", "-c", envvar="CA3_CONFIG", help="Settings file."),
    context: str = typer.Option("", "--context", help="Kube context to use (default: the file's, else current)."),
    verbose: bool = flag("--verbose", "-v", help="Log every kubectl call to stderr."),
    version: bool = flag("--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Stand up, prove and operate the conveyor streaming pipeline on Kubernetes."""
    ctx.obj = GlobalOptions(config=config, context=context, verbose=verbose)
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)


def _crash_report() -> Path:
    """Write the traceback of an unexpected error to run_logs/ so the user can attach it to a report."""
    folder = Path("run_logs")
    folder.mkdir(exist_ok=True)
    path = folder / f"ca3-crash-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"
    path.write_text(traceback.format_exc())
    return path


def main() -> None:
    """Run the CLI; a Ca3Error becomes its sentence and exit code, never a traceback."""
    try:
        app()  # standalone: usage errors, --help and Ctrl-C are handled (and exit) inside
    except Ca3Error as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        sys.exit(EXIT_INTERRUPTED)
    except Exception:  # noqa: BLE001 - the one place that turns a bug into a report instead of a traceback
        report = _crash_report()
        err_console.print(
            f"[bold red]unexpected error:[/] this is a bug in ca3; the traceback is in {report}. "
            "Please report it with the command you ran."
        )
        sys.exit(EXIT_UNEXPECTED)
