"""The producer's simulation loop against a stand-in publisher (no Kafka): a tick's readings go out in one call,
every line's reading is logged once a second, and a refused tick counts the rest as skipped without stepping
them."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable

from producer import metrics
from producer.publisher import Sample
from producer.service import simulate
from producer.simulation import ConveyorLine


class StandIn:
    """Takes the first `takes` readings of each tick and stops the loop after `ticks` ticks."""

    def __init__(self, ticks: int, takes: int, stop: threading.Event) -> None:
        self.ticks, self.takes, self.stop = ticks, takes, stop
        self.taken: list[list[str]] = []  # the lines taken, per tick
        self.logged: list[list[str]] = []  # the lines logged, per tick

    def publish_many(self, samples: Iterable[Sample], logged: Callable[[str], bool] | None) -> int:
        taken = [line for line, _, _ in (sample for _, sample in zip(range(self.takes), samples, strict=False))]
        self.taken.append(taken)
        self.logged.append([line for line in taken if logged is not None and logged(line)])
        if len(self.taken) == self.ticks:
            self.stop.set()
        return len(taken)


def run(ticks: int, takes: int, rate_hz: float, lines: list[Counted]) -> tuple[StandIn, float]:
    stop = threading.Event()
    publisher = StandIn(ticks, takes, stop)
    start = time.monotonic()
    simulate(list(lines), rate_hz, publisher, stop)  # type: ignore[arg-type]  # the one method simulate calls
    return publisher, time.monotonic() - start


def skipped() -> float:
    return metrics.REGISTRY.get_sample_value("producer_simulated_readings_skipped_total") or 0.0


class Counted(ConveyorLine):
    """A line that counts its steps."""

    def __init__(self, line_id: str) -> None:
        super().__init__(line_id, random.Random(line_id))
        self.steps = 0

    def step(self) -> tuple[str, float, str]:
        self.steps += 1
        return super().step()


def lines_of(count: int) -> list[Counted]:
    return [Counted(f"line-{n}") for n in range(count)]


def test_every_line_is_logged_on_the_first_tick_and_then_at_most_once_a_second() -> None:
    publisher, elapsed = run(ticks=60, takes=3, rate_hz=40, lines=lines_of(3))
    logging_ticks = [logged for logged in publisher.logged if logged]
    assert publisher.logged[0] == ["line-0", "line-1", "line-2"]
    assert all(logged == ["line-0", "line-1", "line-2"] for logged in logging_ticks)
    assert 1 <= len(logging_ticks) <= int(elapsed) + 1


def test_a_refused_tick_counts_the_rest_as_skipped_and_does_not_step_them() -> None:
    lines, before = lines_of(5), skipped()
    publisher, _ = run(ticks=3, takes=2, rate_hz=100, lines=lines)
    assert publisher.taken == [["line-0", "line-1"]] * 3
    assert skipped() - before == 3 * 3
    assert [line.steps for line in lines] == [3, 3, 0, 0, 0]
