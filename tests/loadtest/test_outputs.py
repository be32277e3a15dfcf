"""The deliverables written from a recorded timeline: hpa-get lines with events, the Markdown report, a real PNG."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from ca3cli.operations.loadtest import analysis, outputs, plot, report
from tests.loadtest.recorded import CLEAN, timeline

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature and the chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body, crc = data[16:29], struct.unpack(">I", data[29:33])[0]
    assert zlib.crc32(b"IHDR" + body) == crc
    return struct.unpack(">II", body[:8])


def test_every_deliverable_is_written_and_the_picture_is_a_valid_png_of_1000_by_800(tmp_path: Path) -> None:
    recorded = timeline(CLEAN)
    written = outputs.save(tmp_path, recorded, analysis.analyse(recorded))
    assert sorted(p.name for p in written) == sorted(
        [outputs.SAMPLES, outputs.EVENTS, outputs.RESULTS, outputs.PICTURE])
    data = (tmp_path / outputs.PICTURE).read_bytes()
    assert png_size(data) == (1000, 800)
    assert data.endswith(b"IEND\xaeB`\x82")
    assert outputs.last(tmp_path) == recorded


def test_events_text_has_one_timestamped_hpa_row_per_autoscaler_per_sample_then_the_rescales() -> None:
    text = report.events_text(timeline(CLEAN))
    rows = [line for line in text.splitlines() if line.startswith("2026-") and "cpu:" in line]
    assert len(rows) == 2 * len(CLEAN)
    assert rows[3].split() == ["2026-12-01T08:00:05Z", "processor", "cpu:", "8%/50%", "1", "6", "1", "1"]
    assert text.rstrip().endswith("producer   New size: 1; reason: All metrics below target")


def test_results_markdown_holds_settings_baseline_each_rescale_levels_and_load_requested_vs_achieved() -> None:
    recorded = timeline(CLEAN)
    text = report.results_markdown(recorded, analysis.analyse(recorded))
    assert "**PASSED: every autoscaler scaled up and came back**" in text
    assert "- `scale_down_window_s`: 60" in text
    assert "| baseline (mean) | 3.0/s |" in text
    assert "| producer | 1 | 1 | 3 | +15 s | +35 s |" in text
    assert "- 2026-12-01T08:00:15Z (+15 s): producer 1 -> 3" in text
    assert "- 2026-12-01T08:00:15Z producer: New size: 3;" in text
    assert "| producer | 3 | 3 | 713.3/s | 237.8/s |" in text
    assert "- requested: 1000 readings/s for 60 s after a 10 s ramp" in text
    assert "accepted 70000, refused 0" in text and "- achieved: 4,666.7/s" in text


def test_a_failed_run_reports_failed_with_each_problem_listed() -> None:
    stuck = timeline([*CLEAN[:5], ("cooldown", (3, 55), (1, 8), 400.0)])
    text = report.results_markdown(stuck, analysis.analyse(stuck))
    assert "**FAILED**" in text and "- HPA producer scaled up to 3 but was not back" in text


def test_a_damaged_samples_file_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / outputs.SAMPLES).write_text('{"namespace": "x"}')
    with pytest.raises(ValueError, match=outputs.SAMPLES):
        outputs.last(tmp_path)


def test_the_scaling_picture_marks_each_rescale_event_where_it_happened_with_its_new_size() -> None:
    fig = plot.figure(timeline(CLEAN))  # rescales at 08:00:15 and 08:00:30; the first sample at 08:00:00, t=0
    replicas = fig.axes[0]
    marks = [float(line.get_xdata()[0]) for line in replicas.lines if line.get_linestyle() == ":"]
    assert marks == [15.0, 30.0]
    assert [text.get_text() for text in replicas.texts] == ["producer \u2192 3", "producer \u2192 1"]
    legend = [text.get_text() for text in replicas.get_legend().get_texts()]
    assert legend.count("SuccessfulRescale event") == 1 and "producer replicas" in legend
    assert replicas.get_ylabel() == "replicas"


def test_a_rescale_without_a_sample_to_place_it_against_is_not_marked() -> None:
    recorded = replace(timeline(CLEAN), samples=())
    assert [plot.when(recorded, event) for event in recorded.rescales] == [None, None]


def test_a_run_without_samples_draws_no_picture_and_its_results_do_not_name_one(tmp_path: Path) -> None:
    from ca3cli.operations.handin import proofs

    empty = timeline([])
    written = outputs.save(tmp_path, empty, analysis.analyse(empty))
    assert outputs.PICTURE not in [p.name for p in written]
    results = (tmp_path / outputs.RESULTS).read_bytes()
    assert b"hpa-scaling.png" not in results and b"no picture was drawn" in results
    read = lambda path: (tmp_path / path.removeprefix("outputs/")).read_bytes()  # noqa: E731
    assert proofs.judge(f"outputs/{outputs.RESULTS}", read).holds
