"""The live view the operator (and the recording) sees: pods, the latest events and log lines, verdicts so far.
Pure: builds rich renderables from what the runner last saw."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ca3cli.operations.chaos.model import Sample
from ca3cli.operations.chaos.recovery import RECOVERY_TARGET_S, Result


@dataclass
class Watch:
    experiment: str = ""
    phase: str = ""
    sample: Sample | None = None
    events: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    notice: str = ""  # "API server not answering, retrying (12 s)" while it does not


def ready_counts(sample: Sample, tiers: tuple[str, ...]) -> dict[str, int]:
    """Ready pods per tier (of `tiers`, `app` labels) that has any pod."""
    return {t: sum(p.ready for p in sample.tier(t)) for t in tiers if sample.tier(t)}


def _seconds(value: float | None) -> str:
    return "not observed" if value is None else f"{value:.1f} s"


def verdict_line(result: Result) -> str:
    """One line per finished experiment: its verdict and the numbers behind it (rich markup)."""
    if result.unjudged:
        return f"[yellow]{result.unjudged}[/] {escape(result.name)}: {escape(result.reason)}"
    mark = "[green]PASS[/]" if result.passed else "[red]FAIL[/]"
    return (f"{mark} {escape(result.name)}: Ready {_seconds(result.ready_s)} (target {RECOVERY_TARGET_S:.0f} s), "
            f"data {_seconds(result.flowing_s)}, lost {result.seqs.lost}, duplicated {result.seqs.duplicated}")


def pods_table(sample: Sample) -> Table:
    table = Table(title=f"{sample.at}  +{sample.t:.0f} s", title_justify="left", expand=False)
    for column in ("pod", "ready", "restarts", "status", "node"):
        table.add_column(column)
    for p in sample.pods:
        if p.phase == "Succeeded":
            continue
        status = p.waiting or p.phase
        table.add_row(escape(p.name), "[green]yes[/]" if p.ready else "[red]no[/]", str(p.restarts),
                      escape(status), escape(p.node))
    return table


def _line(text: str) -> Text:
    """One event or log line, cut at the edge of the terminal so the view keeps its height."""
    return Text("  " + text, no_wrap=True, overflow="ellipsis")


def render(watch: Watch) -> RenderableType:
    parts: list[RenderableType] = [Text.from_markup(f"[bold]{escape(watch.experiment)}[/]  phase: "
                                                    f"{escape(watch.phase)}")]
    if watch.notice:
        parts.append(Text(watch.notice, style="yellow"))
    if watch.sample is not None:
        s = watch.sample
        parts.append(pods_table(s))
        age = "none stored" if s.data_age is None else f"{s.data_age:.0f} s old"
        lag = "unknown" if s.lag is None else f"{s.lag:.0f}"
        parts.append(Text(f"newest reading in InfluxDB: {age}   consumer lag: {lag}"))
    parts += [Text("events:", style="bold"), *(_line(e) for e in watch.events or ["(none yet)"])]
    if watch.logs:
        parts += [Text("logs:", style="bold"), *(_line(line) for line in watch.logs)]
    if watch.results:
        parts += [Text("verdicts:", style="bold"), *(Text.from_markup("  " + r) for r in watch.results)]
    return Group(*parts)
