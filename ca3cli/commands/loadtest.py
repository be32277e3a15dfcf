"""`ca3 load-test`: real load through the producer Service, both autoscalers watched up and down, outputs written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from ca3cli.commands.common import console, err_console, project
from ca3cli.commands.flags import flag
from ca3cli.core.errors import Ca3Error, ConfigError
from ca3cli.operations.loadtest.model import DEFAULT_REQUEST as DEFAULT

if TYPE_CHECKING:  # the core is imported when a load test runs, so `ca3 --help` stays fast
    from ca3cli.operations.loadtest.analysis import Analysis, Cycle
    from ca3cli.operations.loadtest.model import Request, Rescale, Sample


def _table(sample: Sample, rescales: tuple[Rescale, ...]) -> Table:
    """The live view: one row per autoscaler, throughput, and the latest rescale events."""
    table = Table(title=f"{sample.at}  +{sample.t:.0f} s  phase: {sample.phase}", title_justify="left")
    for column in ("HPA", "replicas (current/desired)", "CPU now/target", "Ready pods"):
        table.add_column(column)
    for r in sample.hpas:
        cpu = f"{'<unknown>' if r.cpu is None else f'{r.cpu}%'}/{'-' if r.target_cpu is None else f'{r.target_cpu}%'}"
        table.add_row(r.name, f"{r.current}/{r.desired} (min {r.minimum}, max {r.maximum})", cpu,
                      str(sample.ready_pods.get(r.name, 0)))
    rates = ", ".join(f"{k} {'-' if v is None else f'{v:,.0f}'}" for k, v in sample.throughput.items())
    table.caption = escape(f"throughput/s and lag: {rates}" + "".join(f"\n{e.at} {e.hpa}: {e.message}"
                                                                      for e in rescales[-3:]))
    return table


def _unanswered(seconds: float) -> None:
    """Each retry of a read the API server did not answer (on stderr, so --json output stays whole)."""
    err_console.print(f"[yellow]API server not answering, retrying ({seconds:.0f} s)[/]")


def _request(rate: float, duration: float, ramp: float, timeout: float, interval: float, baseline: float) -> Request:
    from ca3cli.operations.loadtest.model import Request

    if rate <= 0 or duration <= 0 or min(ramp, timeout, interval, baseline) < 0:
        raise ConfigError("--rate and --duration must be > 0 and --ramp, --timeout, --interval, --baseline >= 0; "
                          "run `ca3 load-test --help` for the defaults.")
    return Request(rate, duration, ramp, timeout, interval, baseline)


def load_test(
    ctx: typer.Context,
    rate: float = typer.Option(DEFAULT.rate, "--rate",
                               help="Readings per second the load generator sends at full load."),
    duration: float = typer.Option(DEFAULT.duration_s, "--duration", help="Seconds of full load (after the ramp)."),
    ramp: float = typer.Option(DEFAULT.ramp_s, "--ramp", help="Seconds to rise to --rate."),
    timeout: float = typer.Option(DEFAULT.timeout_s, "--timeout", help="Seconds to wait after the load for both "
                                  "autoscalers to return to their minimum."),
    interval: float = typer.Option(DEFAULT.interval_s, "--interval", help="Seconds between samples."),
    baseline: float = typer.Option(DEFAULT.baseline_s, "--baseline",
                                   help="Seconds of sampling before the load starts."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Folder the results are written to [default: "
                                    "outputs/ beside ca3.yaml]."),
    as_json: bool = flag("--json", help="Print the verdict and numbers as JSON instead of the live table."),
) -> None:
    """Drive load through the producer Service and prove both autoscalers scale up and back down."""
    from ca3cli.operations import preflight
    from ca3cli.operations.loadtest import analysis, outputs, run

    request = _request(rate, duration, ramp, timeout, interval, baseline)
    here = project(ctx)
    settings, folder = here.settings, out or here.outputs
    kubectl = here.kubectl()
    preflight.reachable(kubectl)
    try:
        if as_json:
            timeline = run.run(kubectl, settings, request, lambda sample, rescales: None, _unanswered)
        else:
            with Live(console=console, auto_refresh=False) as live:
                timeline = run.run(kubectl, settings, request,
                                   lambda sample, rescales: live.update(_table(sample, rescales), refresh=True),
                                   _unanswered)
    except run.Interrupted as stopped:
        written = outputs.save(folder, stopped.timeline, analysis.analyse(stopped.timeline))
        console.print(f"Interrupted: the Job and its NetworkPolicy were deleted; what was recorded is in "
                      f"{escape(str(written[0].parent))}/.")
        raise
    result = analysis.analyse(timeline)
    _report(result, outputs.save(folder, timeline, result), as_json)


def _cycle(c: Cycle) -> dict[str, object]:
    return {"hpa": c.hpa, "minimum": c.minimum, "start": c.start, "peak": c.peak, "up_at_s": c.up_at,
            "down_at_s": c.down_at, "scaled_up": c.scaled_up, "scaled_down": c.scaled_down}


def _report(result: Analysis, written: list[Path], as_json: bool) -> None:
    """The verdict on screen (or as JSON); a cycle not observed is an error naming what the HPA reported."""
    if as_json:
        console.print_json(json.dumps({"ok": result.ok, "problems": result.problems, "notes": result.notes,
                                       "cycles": [_cycle(c) for c in result.cycles],
                                       "files": [str(p) for p in written]}))
    else:
        for cycle in result.cycles:
            console.print(f"HPA {escape(cycle.hpa)}: {cycle.start} -> {cycle.peak} -> "
                          f"{cycle.last.current if cycle.last else '?'} replicas")
        for note in result.notes:
            console.print(f"[yellow]note:[/] {escape(note)}")
        for path in written:
            console.print(f"saved {escape(str(path))}")
    if not result.ok:
        raise Ca3Error("The load test did not observe a full scaling cycle: " + " ".join(result.problems))
