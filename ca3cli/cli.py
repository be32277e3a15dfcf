"""Entry point: wires one module per command and maps errors to exit codes in one place."""

from __future__ import annotations

import errno
import logging
import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import typer
from rich.markup import escape

from ca3cli import __version__
from ca3cli.commands import (
    build,
    certs,
    chaos,
    cluster,
    deploy,
    destroy,
    evidence,
    handin,
    init,
    lint,
    loadtest,
    render,
    status,
    up,
    validate,
)
from ca3cli.commands import open as open_command
from ca3cli.commands.common import GlobalOptions, err_console
from ca3cli.commands.flags import Command, Group, flag
from ca3cli.core.errors import Ca3Error, ConfigError, FileError

app = typer.Typer(
    name="ca3",
    help="Stand up, prove and operate the conveyor streaming pipeline on Kubernetes.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    cls=Group,
)

# In the order a newcomer uses them.
app.command(cls=Command)(init.init)
app.command(cls=Command)(up.up)
app.add_typer(cluster.app, name="cluster")
app.command(cls=Command)(render.render)
app.command(cls=Command)(lint.lint)
app.command(cls=Command)(build.build)
app.command(cls=Command)(certs.certs)
app.command(cls=deploy.DeployCommand)(deploy.deploy)
app.command(cls=Command)(status.status)
app.command(cls=Command)(validate.validate)
app.command(name="load-test", cls=Command)(loadtest.load_test)
app.command(cls=Command)(chaos.chaos)
app.command(name="open", cls=Command)(open_command.open_)
app.command(cls=Command)(evidence.evidence)
app.command(cls=Command)(handin.handin)
app.command(cls=Command)(destroy.destroy)

EXIT_INTERRUPTED = 130
EXIT_UNEXPECTED = 3
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


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


def _crash_report() -> Path | None:
    """Write the traceback of an unexpected error to run_logs/ (mode 0600: it may quote local values) so the user can
    attach it to a report; the system's temporary folder when run_logs/ cannot be written (a full or read-only disk,
    a link), else None and the caller prints it."""
    from ca3cli.edges import files

    name = f"ca3-crash-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    for folder in (Path("run_logs"), Path(tempfile.gettempdir())):
        try:
            return files.write(folder, name, traceback.format_exc(), mode=files.PRIVATE_FILE)
        except (Ca3Error, OSError):
            continue
    return None


def _path_problem(exc: OSError) -> ConfigError:
    """A file or folder the user named (--out, --config, the working folder) that cannot be used: their fix, exit 2."""
    return ConfigError(f"ca3 cannot use {exc.filename} ({exc.strerror or exc}). Check that path, for example "
                       "the --out or --config you gave, and its permissions, then run the command again.")


def _fail(exc: Ca3Error) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
    sys.exit(exc.exit_code)


def main() -> None:
    """Run the CLI; a Ca3Error (or an OSError about a named path) becomes its sentence and exit code, never a
    traceback; anything else is a bug and gets a crash report."""
    # ca3 uses no pydantic plugin, and looking for one reads every installed distribution's entry points when the
    # settings model is built (about 5 ms of CPU). A PYDANTIC_DISABLE_PLUGINS the user set (even empty) wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()  # standalone: usage errors, --help and Ctrl-C are handled (and exit) inside
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED and _interrupted(exc):  # typer turns Ctrl-C into a silent exit 130
            err_console.print("Interrupted.")
        raise
    except Ca3Error as exc:
        _fail(exc)
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:
        if exc.filename is not None:
            _fail(_path_problem(exc))
        if exc.errno in DISK_ERRORS:  # a full or read-only disk met outside ca3's file door: still a sentence
            _fail(FileError(f"ca3 could not go on because {os.strerror(exc.errno or 0).lower()}: free some space or "
                            "choose a writable folder, then run the command again."))
        _crashed()
    except Exception:  # the one place that turns a bug into a report instead of a traceback
        _crashed()


def _interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is among the exceptions `exc` was raised from or while handling."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _crashed() -> NoReturn:
    report = _crash_report()
    where = (f"the traceback is in {report}" if report
             else "no crash report could be written:\n" + traceback.format_exc())
    err_console.print(f"[bold red]unexpected error:[/] this is a bug in ca3; {escape(where)}. "
                      "Please report it with the command you ran.")
    sys.exit(EXIT_UNEXPECTED)
