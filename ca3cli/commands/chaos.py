"""`ca3 chaos`: failure drills per tier with the live view, measured recovery, counted loss; outputs written."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ca3cli.commands.common import console, err_console, project
from ca3cli.commands.flags import flag
from ca3cli.core.errors import Ca3Error, ConfigError

if TYPE_CHECKING:  # the core is imported when a drill runs, so `ca3 --help` stays fast
    from ca3cli.core.settings import Settings
    from ca3cli.operations.chaos.model import Experiment
    from ca3cli.operations.chaos.session import Finished
    from ca3cli.operations.project import Project

OUT = Path("outputs")
SETTLE_INTERVALS = 5  # samples taken after recovery, to see the steady state hold and the lag drain
CAST, VIDEO = "resilience-drill.cast", "resilience-drill.mp4"
SCREEN = (120, 40)  # columns and rows of the recorded terminal: the live view's pods, events and log lines fit
VIDEO_MAX_S = 180.0  # the seed's video is at most 3 minutes; waits are sped up to fit


def _list(experiments: tuple[Experiment, ...]) -> None:
    table = Table("experiment", "what it does", title="ca3 chaos experiments (--dry-run shows the commands)",
                  title_justify="left")
    for exp in experiments:
        table.add_row(escape(exp.name), escape(exp.summary))
    console.print(table)


def run_drill(here: Project, experiments: tuple[Experiment, ...], view: Console, out: Path, interval: float,
              timeout: float) -> Finished:
    """The drill against the settings' cluster; everything the operator sees goes to `view` (the place a
    recording hooks in: pass a Console writing to the recording stream)."""
    from ca3cli.operations import preflight
    from ca3cli.operations.chaos.runner import Timing
    from ca3cli.operations.chaos.session import drill

    kubectl = here.kubectl()
    preflight.reachable(kubectl)
    timing = Timing(interval_s=interval, measure_timeout_s=timeout, settle_s=SETTLE_INTERVALS * interval)
    return drill(kubectl, here.settings, experiments, view, secrets_folder=here.secrets_folder, out=out,
                 timing=timing)


def chaos(
    ctx: typer.Context,
    experiment: list[str] = typer.Option([], "--experiment", "-e", metavar="NAME",
                                         help="Run only this experiment (repeatable); see --list."),
    list_: bool = flag("--list", help="List the experiments and exit."),
    dry_run: bool = flag("--dry-run", help="Show what each experiment would do and undo; change nothing."),
    as_json: bool = flag("--json", help="Print the verdicts as JSON (the live view goes to stderr)."),
    record: bool = flag("--record", help="Record the drill's terminal session (OUT/resilience-drill.cast) and "
                        "render it to OUT/resilience-drill.mp4, at most 3 minutes."),
    export: str = typer.Option("", "--export", metavar="chaostoolkit", help="Write the experiments as Chaos "
                               "Toolkit experiment files into OUT/chaostoolkit/ and exit; changes nothing."),
    out: Path = typer.Option(OUT, "--out", "-o", help="Folder the report, picture and journal are written to."),
    interval: float = typer.Option(2, "--interval", help="Seconds between samples."),
    timeout: float = typer.Option(120, "--timeout", help="Seconds to wait for recovery after each fault."),
) -> None:
    """Inject failures per tier and prove the pipeline heals: recovery time, data flow, loss and duplicates."""
    from ca3cli.operations.chaos.catalogue import plan, select

    if interval < 0 or timeout <= 0:
        raise ConfigError("--interval must be >= 0 and --timeout > 0; run `ca3 chaos --help` for the defaults.")
    chosen = select(experiment)
    if list_:
        _list(chosen)
        return
    if export:
        _export(ctx, export, chosen, out)
        return
    if dry_run:
        for exp in chosen:
            does, undo = plan(exp)
            console.print(f"[bold]{escape(exp.name)}[/]: {escape(does)}\n  undo: {escape(undo)}")
        console.print("Dry run: nothing was changed.")
        return
    from ca3cli.operations.chaos.runner import Interrupted

    here = project(ctx)
    settings = here.settings
    view = err_console if as_json else console

    def run(shown: Console) -> Finished:
        try:
            return run_drill(here, chosen, shown, out, interval, timeout)
        except Interrupted as stopped:
            where = escape(str(stopped.files[0].parent)) if stopped.files else escape(str(out))
            shown.print(f"Interrupted: what the drill changed was undone; what it measured is in {where}/.")
            raise

    finished, video = _recorded(run, out, sys.stderr if as_json else sys.stdout) if record else (run(view), None)
    extra = [_write_procedures(settings, out), *([video] if video else [])]
    _report(finished, as_json, [*finished.files, *extra])


def _recorded(run: Callable[[Console], Finished], out: Path, mirror: TextIO) -> tuple[Finished, Path]:
    """Run the drill on a Console that writes to the terminal and to an asciicast, then film the cast; an
    interrupted drill is filmed too, so the video shows what happened before the rollback."""
    from ca3cli.edges.recording.session import Recording
    from ca3cli.edges.recording.video import require
    from ca3cli.operations.chaos.runner import Interrupted

    require()  # a missing video package stops the drill before anything is changed, not after
    width, height = SCREEN
    try:
        with Recording(out / CAST, width, height, mirror=mirror) as stream:
            finished = run(Console(file=stream, width=width, height=height, force_terminal=True,
                                   color_system="standard", highlight=False))
    except Interrupted:
        _film(out)
        raise
    return finished, _film(out)


def _film(out: Path) -> Path:
    from rich.progress import Progress

    from ca3cli.edges.recording.video import render_mp4

    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("Rendering the drill's video", total=None)
        info = render_mp4(out / CAST, out / VIDEO, VIDEO_MAX_S,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    err_console.print(f"filmed {escape(str(out / VIDEO))}: {info.duration:.0f} s, {info.frames} frames")
    return out / VIDEO


def _write_procedures(settings: Settings, out: Path) -> Path:
    """What an operator does for each failure the drill exercised, written from the registry beside its report."""
    from ca3cli.edges import files
    from ca3cli.operations.chaos.session import MILESTONE
    from ca3cli.operations.procedures.document import render_operator_procedures

    return files.write(out, "operator-procedures.md", render_operator_procedures(settings, milestone=MILESTONE))


def _export(ctx: typer.Context, kind: str, chosen: tuple[Experiment, ...], out: Path) -> None:
    """The experiments as Chaos Toolkit files, from the manifests these settings render (no cluster needed)."""
    from ca3cli.edges import files
    from ca3cli.operations.chaos import toolkit
    from ca3cli.operations.chaos.session import MILESTONE

    if kind != "chaostoolkit":
        raise ConfigError(f"--export knows only `chaostoolkit`, not `{kind}`.")
    here = project(ctx)
    settings = here.settings
    names = here.topology(MILESTONE)
    for name, doc in toolkit.export(chosen, settings.namespace, names).items():
        saved = files.write(out, PurePosixPath("chaostoolkit", name), json.dumps(doc, indent=2) + "\n")
        console.print(f"saved {escape(str(saved))}")
    console.print("Run one with `chaos run FILE` (pip install chaostoolkit chaostoolkit-kubernetes); a node drain is "
                  "not exported (see docs/chaos.md).")


def _report(finished: Finished, as_json: bool, files: list[Path]) -> None:
    if as_json:
        console.print_json(json.dumps({
            "passed": finished.passed, "files": [str(p) for p in files],
            "results": [{"experiment": r.name, "outcome": r.outcome, "passed": r.passed, "ready_s": r.ready_s,
                         "flowing_s": r.flowing_s, "peak_lag": r.peak_lag, "lost": r.seqs.lost,
                         "duplicated": r.seqs.duplicated, "problems": r.problems, "reason": r.reason}
                        for r in finished.results]}))
    else:
        for path in files:
            console.print(f"saved {escape(str(path))}")
    failed = [r.name for r in finished.results if not r.passed and r.outcome != "skipped"]
    if failed:
        raise Ca3Error(f"{len(failed)} experiment(s) did not pass: {', '.join(failed)}. The reasons are in "
                       f"{finished.files[0]}.")
