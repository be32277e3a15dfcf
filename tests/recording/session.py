"""A drill-like session recorded through Recording: rich's Live view redrawing a table, then a verdict line.

Times come from a clock the session advances itself, so a session "20 minutes long" is recorded in a moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.text import Text

from ca3cli.edges.recording.session import Recording

WIDTH, HEIGHT = 80, 24
TITLE = "ca3 chaos drill"
VERDICT = "VERDICT RECOVERED"
STEPS = 10


@dataclass
class Clock:
    now: float = 0.0
    ticks: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now


def step_line(step: int) -> str:
    return f"step {step} of {STEPS}"


def record(path: Path, gap_s: float = 120.0) -> Clock:
    """Write the session to `path`: STEPS live updates `gap_s` apart (10 x 120 s = a 20-minute drill).

    Screen rows: 0 the title, 1 the step, 2 the pod's phase (the Live view), 3 the verdict in white on red.
    """
    clock = Clock()
    with Recording(path, WIDTH, HEIGHT, mirror=None, clock=clock) as stream:
        console = Console(file=stream, width=WIDTH, height=HEIGHT, force_terminal=True, color_system="standard")
        console.print(TITLE, highlight=False)
        with Live(console=console, auto_refresh=False) as live:
            for step in range(1, STEPS + 1):
                phase = Text("Running", style="green") if step % 2 else Text("Terminating", style="red")
                live.update(Text.assemble(step_line(step), "\n", "producer-0 ", phase), refresh=True)
                clock.now += gap_s
        console.print(f"[white on red]{VERDICT}[/]", highlight=False)
    return clock
