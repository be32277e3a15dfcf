"""The video of the seed's three drills, decoded frame by frame: each scenario's title card, then the operator's
commands typed in order (pods, the deletion, the watch, pods again, describe, logs, events), the stored readings and the
verdict, all three within 3 minutes at real time apart from the cut waits; and the pictures of `kubectl get pods`.

Text is found on a frame by drawing it independently at a cell with the same font and comparing cell by cell, as
tests/recording/test_video.py does; a typed command counts only once it stands complete on the screen's last
written row (the prompt's row while the operator is about to press Enter)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from ca3cli.edges.recording import screen
from ca3cli.operations.chaos import outputs
from ca3cli.operations.chaos.filmed import SCREEN, VIDEO_MAX_S
from tests.chaos import answers as a
from tests.chaos.film import SCENARIOS, Filmed, film

Grey = NDArray[np.float32]
SAME = 8.0  # worst cell's mean grey difference below which the text is on the frame (see test_video.py)
NS = f"kubectl -n {a.NAMESPACE}"
COLUMNS, ROWS = SCREEN


@pytest.fixture(scope="module")
def filmed(tmp_path_factory: pytest.TempPathFactory) -> Filmed:
    return film(tmp_path_factory.mktemp("film"))


@dataclass(frozen=True)
class Shown:
    """Text expected at `column` (on the last written row when `last`, on any row otherwise), in these colours."""

    text: str
    column: int
    last: bool = True
    fg: screen.RGB = screen.FOREGROUND
    bg: screen.RGB = screen.BACKGROUND


def script() -> list[Shown]:
    """What the operator's terminal must show, in this order, for the three scenarios."""
    expected: list[Shown] = []
    for number, (tier, victim, new, _) in enumerate(SCENARIOS, start=1):
        expected.append(Shown(f"Scenario {number} of 3", 1, last=False, fg=screen.BACKGROUND, bg=screen.FOREGROUND))
        expected.append(Shown(f"delete-pod-{tier}", 19, last=False))
        # Three blanks after each: a longer command that starts the same (`get pods -l ...`) must not count.
        expected += [Shown(f"{NS} {command}   ", 2) for command in (
            "get pods", f"delete pod {victim} --wait=false", f"get pods -l app={tier} -w", "get pods",
            f"describe pod {new}", f"logs {new} --tail=10", "get events --sort-by=.lastTimestamp")]
        expected.append(Shown('from(bucket: "conveyor")', 10, last=False))
        expected.append(Shown(f"delete-pod-{tier}: Ready", 14, last=False))
    return expected


def drawn(text: str, fg: screen.RGB, bg: screen.RGB) -> Grey:
    font, _ = screen.load_fonts()
    cells = screen.geometry(COLUMNS, ROWS, font)
    picture = Image.new("RGB", (len(text) * cells.cell_width, cells.cell_height), bg)
    draw = ImageDraw.Draw(picture)
    for index, char in enumerate(text):
        draw.text((index * cells.cell_width, 0), char, font=font, fill=fg)
    return np.asarray(picture.convert("L"), dtype=np.float32)


class Finder:
    """Where on a decoded frame a text is drawn, cell by cell."""

    def __init__(self) -> None:
        font, _ = screen.load_fonts()
        self.cells = screen.geometry(COLUMNS, ROWS, font)
        self._drawn: dict[Shown, Grey] = {}

    def band(self, frame: Grey, row: int, column: int, length: int) -> Grey:
        left, top = self.cells.origin(column, row)
        return frame[top:top + self.cells.cell_height, left:left + length * self.cells.cell_width]

    def last_row(self, frame: Grey) -> int:
        """The lowest row with anything written on it."""
        written = [row for row in range(ROWS) if self.band(frame, row, 0, COLUMNS).max() > 90]
        return written[-1] if written else -1

    def at(self, frame: Grey, shown: Shown, row: int) -> bool:
        if shown not in self._drawn:
            self._drawn[shown] = drawn(shown.text, shown.fg, shown.bg)
        expected = self._drawn[shown]
        delta = np.abs(self.band(frame, row, shown.column, len(shown.text)) - expected)
        width = self.cells.cell_width
        return max(float(delta[:, i * width:(i + 1) * width].mean()) for i in range(len(shown.text))) < SAME

    def on(self, frame: Grey, shown: Shown) -> bool:
        rows = [self.last_row(frame)] if shown.last else range(ROWS)
        return any(row >= 0 and self.at(frame, shown, row) for row in rows)


def frames(mp4: Path) -> Iterator[Grey]:
    reader = imageio_ffmpeg.read_frames(str(mp4), pix_fmt="gray", bits_per_pixel=8)
    meta = next(reader)
    width, height = meta["size"]
    for raw in reader:
        yield np.frombuffer(raw, dtype=np.uint8).reshape(height, width).astype(np.float32)


def test_each_scenario_has_its_title_card_then_the_operators_commands_in_order(filmed: Filmed) -> None:
    expected, finder = script(), Finder()
    found: list[int] = []
    for index, frame in enumerate(frames(filmed.mp4)):
        while len(found) < len(expected) and finder.on(frame, expected[len(found)]):
            found.append(index)
    missing = [s.text for s in expected[len(found):]]
    assert not missing, f"not on screen after frame {found[-1] if found else 0}: {missing}"
    assert found == sorted(found)


def test_a_typed_command_is_not_found_where_it_is_not_on_screen(filmed: Filmed) -> None:
    """The finder can fail: another pod's name, or a command from a later scenario, is not on the first frames."""
    finder = Finder()
    first = [frame for _, frame in zip(range(200), frames(filmed.mp4), strict=False)]
    assert any(finder.on(f, Shown(f"{NS} get pods   ", 2)) for f in first)
    assert not any(finder.on(f, Shown(f"{NS} delete pod kafka-0 --wait=false", 2)) for f in first)
    assert not any(finder.on(f, Shown("Scenario 2 of 3", 1, last=False, fg=screen.BACKGROUND,
                                      bg=screen.FOREGROUND)) for f in first)


def test_the_three_scenarios_fit_three_minutes_in_real_time(filmed: Filmed) -> None:
    meta = next(imageio_ffmpeg.read_frames(str(filmed.mp4)))
    assert meta["codec"] == "h264" and meta["duration"] == pytest.approx(filmed.info.duration, abs=0.2)
    assert filmed.info.duration <= VIDEO_MAX_S
    assert filmed.info.scale == 1.0  # nothing sped up: only waits longer than the cap were cut
    assert [r.outcome for r in filmed.drill.runs] == ["completed"] * 3


def test_every_kubectl_the_operator_ran_went_through_the_stand_in(filmed: Filmed) -> None:
    ran = filmed.commands
    for tier, victim, new, _ in SCENARIOS:
        wanted = ["get pods", f"delete pod {victim} --wait=false", f"get pods -l app={tier} -w", "get pods",
                  f"describe pod {new}", f"logs {new} --tail=10", "get events --sort-by=.lastTimestamp"]
        positions = [ran.index(command) for command in wanted[:3]]
        assert positions == sorted(positions)
        assert all(command in ran for command in wanted)
        ran = ran[ran.index("get events --sort-by=.lastTimestamp") + 1:]


def test_pod_recovery_holds_kubectls_own_output_before_during_and_after(filmed: Filmed) -> None:
    text = (filmed.folder / outputs.PODS).read_text()
    producer = text.split("== delete-pod-producer")[1].split("== delete-pod-processor")[0]
    commands = [line.split("    #")[0] for line in producer.splitlines() if line.startswith("$ ")]
    assert commands == [f"$ {NS} get pods", f"$ {NS} get pods -l app=producer -w", f"$ {NS} get pods"]
    watch = producer.split("-w    #")[1].splitlines()
    assert watch[1].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [line.split()[:3] for line in watch[2:6]] == [
        [a.PRODUCER, "1/1", "Running"], [a.PRODUCER, "0/1", "Terminating"],
        [a.REPLACEMENT, "0/1", "ContainerCreating"], [a.REPLACEMENT, "1/1", "Running"]]


def test_the_pictures_of_get_pods_show_the_terminals_text(filmed: Filmed) -> None:
    finder = Finder()
    for tier, victim, _, _ in SCENARIOS:
        path = filmed.folder / outputs.pods_picture(f"delete-pod-{tier}")
        picture = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
        lines = [""] * 2 + (filmed.folder / outputs.PODS).read_text().split(f"== delete-pod-{tier}")[1] \
            .split("\n== ")[0].splitlines()[2:]
        row = next(i for i, line in enumerate(lines) if line.startswith(f"$ {NS} get pods -l app={tier} -w"))
        assert finder.at(picture, Shown(f"$ {NS} get pods -l app={tier} -w", 0), row)
        assert finder.at(picture, Shown(victim, 0), row + 2)
        assert not finder.at(picture, Shown("kafka-exporter", 0), row + 2)
