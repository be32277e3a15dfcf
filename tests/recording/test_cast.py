"""The recording is asciicast v2 as asciinema defines it, and mirrors what it records to the real terminal."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from ca3cli.edges.recording import cast
from ca3cli.edges.recording.session import Recording
from tests.recording.session import HEIGHT, TITLE, VERDICT, WIDTH, record


def test_recorded_session_is_asciicast_v2(tmp_path: Path) -> None:
    path = tmp_path / "drill.cast"
    record(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2
    assert (header["width"], header["height"]) == (WIDTH, HEIGHT)
    assert isinstance(header["timestamp"], int)
    assert header["env"]["TERM"] == cast.TERM
    events = [json.loads(line) for line in lines[1:]]
    assert events, "no event recorded"
    assert all(len(e) == 3 and e[1] == "o" and isinstance(e[0], float | int) for e in events)
    times = [e[0] for e in events]
    assert times == sorted(times)
    assert times[-1] == pytest.approx(1200.0)  # ten 120 s steps
    text = "".join(e[2] for e in events)
    assert TITLE in text and VERDICT in text
    assert "\x1b[" in text  # the colours and cursor moves of the Live view are kept
    assert "\n" not in text.replace("\r\n", "")  # every newline as a terminal shows it: carriage return first


def test_mirror_receives_exactly_what_the_console_wrote(tmp_path: Path) -> None:
    mirror = io.StringIO()
    with Recording(tmp_path / "s.cast", 40, 10, mirror=mirror) as stream:
        console = Console(file=stream, width=40, force_terminal=True, color_system="standard")
        console.print("[red]lag 12[/]", highlight=False)
    recorded = "".join(event.data for event in cast.read(tmp_path / "s.cast").events)
    assert "lag 12" in mirror.getvalue()
    assert recorded == mirror.getvalue().replace("\n", "\r\n")


def test_stream_refuses_writes_after_the_recording_closed(tmp_path: Path) -> None:
    with Recording(tmp_path / "s.cast", 40, 10, mirror=None) as stream:
        stream.write("ok\n")
    with pytest.raises(ValueError, match="closed"):
        stream.write("late\n")


def test_unfinished_last_line_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "drill.cast"
    record(path)
    whole = cast.read(path)
    path.write_text(path.read_text(encoding="utf-8") + '[1300.5, "o", "half a wri', encoding="utf-8")
    assert cast.read(path) == whole


@pytest.mark.parametrize(("text", "fault"), [
    ("", "empty"),
    ('{"version": 1, "width": 80, "height": 24}\n', "header"),
    ('{"version": 2, "width": 0, "height": 24}\n', "width and height"),
    ('{"version": 2, "width": 80, "height": 24}\n[1.0, "o"]\n', "line 2"),
    ('{"version": 2, "width": 80, "height": 24}\n[2.0, "o", "a"]\n[1.0, "o", "b"]\n', "back in time"),
])
def test_malformed_casts_are_refused_naming_the_fault(text: str, fault: str) -> None:
    with pytest.raises(cast.CastError, match=fault):
        cast.parse(text)


def test_header_carries_no_environment_beyond_term_and_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFLUX_TOKEN", "s3cr3t-value")
    header = cast.new_header(80, 24)
    assert set(header.env) == {"TERM", "SHELL"}
    assert "s3cr3t-value" not in header.as_json()
