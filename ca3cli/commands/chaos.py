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

from ca3cli.commands import flags
from ca3cli.commands.common import console, err_console, project
from ca3cli.commands.flags import flag
from ca3cli.core import registry
from ca3cli.core.errors import Ca3Error, ConfigError

if TYPE_CHECKING:  # the core is imported when a drill runs, so `ca3 --help` stays fast
    from ca3cli.core.settings import Settings
    from ca3cli.operations.chaos.model import Experiment
    from ca3cli.operations.chaos.operator import Pace
    from ca3cli.operations.chaos.session import Finished
    from ca3cli.operations.project import Project

def _list(experiments: tuple[Experiment, ...], default: tuple[Experiment, ...]) -> None:
    table = Table("experiment", "by default", "what it does", title="ca3 chaos experiments (--dry-run shows the "
                  "commands; --all runs every one)", title_justify="left")
    for exp in experiments:
        table.add_row(escape(exp.name), "yes" if exp in default else "", escape(exp.summary))
    console.print(table)


def run_drill(here: Project, experiments: tuple[Experiment, ...], view: Console, out: Path, interval: float,
              timeout: float, pace: Pace) -> Finished:
    """The drill against the settings' cluster; everything the operator sees goes to `view` (the place a
    recording hooks in: pass a Console writing to the recording stream), typed at `pace`."""
    from ca3cli.operations.chaos import filmed

    return filmed.run_drill(here.kubectl(), here.settings, here.secrets_folder, experiments, view, out, interval,
                            timeout, pace)


def chaos(
    ctx: typer.Context,
    experiment: list[str] = typer.Option([], "--experiment", "-e", metavar="NAME",
                                         help="Run only this experiment (repeatable); see --list. Without it: the "
                                              "seed's producer, processor and Kafka pod deletions."),
    every: bool = flag("--all", help="Run every experiment (see --list), not only the seed's three."),
    list_: bool = flag("--list", help="List the experiments and exit."),
    dry_run: bool = flag("--dry-run", help="Show what each experiment would do and undo; change nothing."),
    as_json: bool = flag("--json", help="Print the verdicts as JSON (the live view goes to stderr)."),
    record: bool = flag("--record", help="Record the drill's terminal session (OUT/resilience-drill.cast) and "
                        "render it to OUT/resilience-drill.mp4, at most 3 minutes."),
    export: str = typer.Option("", "--export", metavar="chaostoolkit", help="Write the experiments as Chaos "
                               "Toolkit experiment files into OUT/chaostoolkit/ and exit; changes nothing."),
    milestone: int | None = flags.milestone(None, help="With --export: render for this milestone, without asking "
                                                       "the cluster (default: the milestone deployed)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Folder the report, picture and journal are written "
                                    "to [default: outputs/ beside ca3.yaml]."),
    interval: float = typer.Option(2, "--interval", help="Seconds between samples."),
    timeout: float = typer.Option(120, "--timeout", help="Seconds to wait for recovery after each fault."),
) -> None:
    """Inject failures per tier and prove the pipeline heals: recovery time, data flow, loss and duplicates."""
    from ca3cli.operations.chaos.catalogue import seed_drills, select

    if interval < 0 or timeout <= 0:
        raise ConfigError("--interval must be >= 0 and --timeout > 0; run `ca3 chaos --help` for the defaults.")
    if every and experiment:
        raise ConfigError("--all runs every experiment and -e only those named; give one of them.")
    chosen = select(experiment) if experiment or every else seed_drills()
    if list_:
        _list(select(experiment), seed_drills())
        return
    if export:
        _export(ctx, export, select(experiment), out,
                None if milestone is None else registry.check_milestone(milestone))
        return
    if milestone is not None:
        raise ConfigError("--milestone chooses what --export renders; a drill runs on the milestone deployed.")
    if dry_run:
        _dry_run(project(ctx), chosen)
        return
    from ca3cli.operations.chaos.operator import Pace
    from ca3cli.operations.chaos.runner import Interrupted

    here = project(ctx)
    settings, folder = here.settings, out or here.outputs
    view = err_console if as_json else console

    def run(shown: Console, pace: Pace) -> Finished:
        try:
            return run_drill(here, chosen, shown, folder, interval, timeout, pace)
        except Interrupted as stopped:
            where = escape(str(stopped.files[0].parent)) if stopped.files else escape(str(folder))
            shown.print(f"Interrupted: what the drill changed was undone; what it measured is in {where}/.")
            raise

    finished, video = (_recorded(run, folder, sys.stderr if as_json else sys.stdout) if record
                       else (run(view, Pace()), None))
    extra = [_write_procedures(settings, folder), *([video] if video else [])]
    _report(finished, as_json, [*finished.files, *extra])


def _dry_run(here: Project, chosen: tuple[Experiment, ...]) -> None:
    """Each experiment's commands as lines to paste into a shell (the victim picked into $pod or $node first)."""
    from ca3cli.operations.chaos import actions

    names = here.topology()
    for exp in chosen:
        plan = actions.of(exp).plan(exp, here.settings.namespace, names)
        console.print(f"[bold]{escape(exp.name)}[/]: {escape(exp.summary)}", soft_wrap=True)
        for line in (*plan.pick, *plan.does):
            console.print(f"  {escape(line)}", soft_wrap=True, highlight=False)
        console.print(f"  # undo: {escape(plan.undo)}", soft_wrap=True, highlight=False)
    console.print("Dry run: nothing was changed.")


def _recorded(run: Callable[[Console, Pace], Finished], out: Path, mirror: TextIO) -> tuple[Finished, Path]:
    """The drill recorded, then filmed with the encoding's progress shown (ca3cli/operations/chaos/filmed.py)."""
    from rich.progress import Progress

    from ca3cli.operations.chaos import filmed

    finished = filmed.recorded(run, out, mirror)
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("Rendering the drill's video", total=None)
        info = filmed.film(out, lambda done, total: bar.update(task, completed=done, total=total))
    pace = (f"real time, waits cut to {filmed.VIDEO_PAUSE_S:.0f} s" if info.scale >= 1 else
            f"sped up {1 / info.scale:.1f}x to fit {filmed.VIDEO_MAX_S:.0f} s; fewer experiments film at real time")
    err_console.print(f"filmed {escape(str(out / filmed.VIDEO))}: {info.duration:.0f} s, {info.frames} frames "
                      f"({pace})")
    return finished, out / filmed.VIDEO


def _write_procedures(settings: Settings, out: Path) -> Path:
    """What an operator does for each failure the drill exercised, written from the registry beside its report."""
    from ca3cli.edges import files
    from ca3cli.operations.chaos.session import MILESTONE
    from ca3cli.operations.procedures.document import render_operator_procedures

    return files.write(out, "operator-procedures.md", render_operator_procedures(settings, milestone=MILESTONE))


def _export(ctx: typer.Context, kind: str, chosen: tuple[Experiment, ...], out: Path | None,
            milestone: int | None) -> None:
    """The experiments as Chaos Toolkit files for the milestone deployed (asking the cluster, which also says
    whether NetworkPolicies are enforced) or for `milestone` (no cluster needed)."""
    from ca3cli.edges import files
    from ca3cli.operations import preflight
    from ca3cli.operations.chaos import session

    if kind != "chaostoolkit":
        raise ConfigError(f"--export knows only `chaostoolkit`, not `{kind}`.")
    here = project(ctx)
    settings = here.settings
    if milestone is None:
        kubectl = here.kubectl()
        preflight.reachable(kubectl)
        target = session.export_target(kubectl, settings)
    else:
        target = session.ExportTarget(milestone, None)
    exported, left_out = session.toolkit_files(settings, chosen, target)
    for name, doc in exported.items():
        saved = files.write(out or here.outputs, PurePosixPath("chaostoolkit", name), json.dumps(doc, indent=2) + "\n")
        console.print(f"saved {escape(str(saved))}")
    for name, why in left_out.items():
        console.print(f"not exported: {escape(name)}: {escape(why)}")
    console.print(f"Rendered for milestone {target.milestone}. Run one with `chaos run --rollback-strategy always "
                  "FILE` (pip install chaostoolkit chaostoolkit-kubernetes); see docs/chaos.md.")


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
