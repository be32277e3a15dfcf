"""A recorded drill renders to an MP4 that decodes, fits 3 minutes, and whose frames show the session's text.

The text is checked on frames decoded from the MP4 against the same words drawn independently here, cell by cell,
with the same font at the cell where the session put them; a different word in the same place must match worse.
"""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from ca3cli.edges.recording import screen, video
from ca3cli.edges.recording.video import VideoError, render_mp4
from tests.recording.session import HEIGHT, STEPS, TITLE, VERDICT, WIDTH, record, step_line

# Mean absolute grey difference (0-255) of the worst cell below which a decoded region shows the expected text.
# H.264 at crf 10 leaves under 3 levels around glyph edges (white on red: chroma is halved); one wrong letter, 20+.
SAME = 8.0


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> tuple[video.VideoInfo, Path]:
    folder = tmp_path_factory.mktemp("drill")
    record(folder / "drill.cast")  # 20 minutes of session
    info = render_mp4(folder / "drill.cast", folder / "drill.mp4")
    return info, folder / "drill.mp4"


def decode(mp4: Path) -> tuple[dict[str, object], list[Image.Image]]:
    reader = imageio_ffmpeg.read_frames(str(mp4))
    meta = next(reader)
    return meta, [Image.frombytes("RGB", meta["size"], frame) for frame in reader]


def expected(text: str, column: int, row: int, fg: screen.RGB = screen.FOREGROUND,
             bg: screen.RGB = screen.BACKGROUND) -> tuple[tuple[int, int, int, int], Image.Image]:
    """`text` drawn at a cell, and the box of the frame it covers."""
    font, _ = screen.load_fonts()
    cells = screen.geometry(WIDTH, HEIGHT, font)
    left, top = cells.origin(column, row)
    box = (left, top, left + len(text) * cells.cell_width, top + cells.cell_height)
    picture = Image.new("RGB", (box[2] - box[0], box[3] - box[1]), bg)
    draw = ImageDraw.Draw(picture)
    for index, char in enumerate(text):
        draw.text((index * cells.cell_width, 0), char, font=font, fill=fg)
    return box, picture


def difference(frame: Image.Image, text: str, column: int, row: int, **colours: screen.RGB) -> float:
    """The worst cell's mean absolute grey difference between the frame and `text` drawn at (column, row)."""
    box, picture = expected(text, column, row, **colours)
    delta = ImageChops.difference(frame.crop(box).convert("L"), picture.convert("L"))
    width = delta.width // len(text)
    return max(float(ImageStat.Stat(delta.crop((i * width, 0, (i + 1) * width, delta.height))).mean[0])
               for i in range(len(text)))


def test_mp4_decodes_as_h264_of_the_reported_length(drill: tuple[video.VideoInfo, Path]) -> None:
    info, mp4 = drill
    meta, frames = decode(mp4)
    assert meta["codec"] == "h264"
    assert meta["size"] == info.size
    assert len(frames) == info.frames
    assert info.duration == pytest.approx(info.frames / 10)
    assert info.duration <= 180.0  # the session spans 1200 s
    # Ten 120 s waits cut to 2 s each, plus the held last screen: the waits shrank, the steps all remain.
    assert 20.0 <= info.duration <= 23.0


def test_last_frame_shows_the_drill_text_where_the_session_wrote_it(drill: tuple[video.VideoInfo, Path]) -> None:
    _, frames = decode(drill[1])
    last = frames[-1]
    assert difference(last, TITLE, 0, 0) < SAME
    assert difference(last, step_line(STEPS), 0, 1) < SAME
    assert difference(last, step_line(STEPS - 1), 0, 1) > 2 * SAME  # a different word in the same cells
    assert difference(last, TITLE.capitalize(), 0, 0) > 2 * SAME  # or one letter changed
    assert difference(last, "producer-0 ", 0, 2) < SAME
    # The Live view redrew rows 1-2 in place (cursor moves): the verdict sits right below them.
    assert difference(last, VERDICT, 0, 3, fg=screen.NAMED["white"], bg=screen.NAMED["red"]) < SAME


def test_verdict_is_drawn_white_on_red(drill: tuple[video.VideoInfo, Path]) -> None:
    _, frames = decode(drill[1])
    box, _ = expected(VERDICT, 0, 3)
    red = ImageStat.Stat(frames[-1].crop(box)).mean
    after = ImageStat.Stat(frames[-1].crop((box[2] + 4, box[1], box[2] + 60, box[3]))).mean
    assert red[0] > 140 > red[1] and red[2] < 100  # mostly red, lightened by the white letters
    assert max(after) < 40  # the background again after the verdict


def test_each_live_update_is_on_screen_in_turn(drill: tuple[video.VideoInfo, Path]) -> None:
    _, frames = decode(drill[1])
    first_shown = [next(i for i, frame in enumerate(frames) if difference(frame, step_line(step), 0, 1) < SAME)
                   for step in range(1, STEPS + 1)]
    assert first_shown == sorted(first_shown) and len(set(first_shown)) == STEPS


def test_a_drill_longer_than_the_limit_is_sped_up_to_fit(tmp_path: Path) -> None:
    record(tmp_path / "drill.cast")
    info = render_mp4(tmp_path / "drill.cast", tmp_path / "drill.mp4", max_seconds=4.0)
    _, frames = decode(tmp_path / "drill.mp4")
    assert info.duration <= 4.0 and len(frames) == info.frames <= 40
    assert difference(frames[-1], step_line(STEPS), 0, 1) < SAME  # every step still reaches the screen
    assert not list(tmp_path.glob(".*partial*"))


def test_an_interrupted_render_leaves_neither_a_video_nor_a_partial_file(tmp_path: Path) -> None:
    record(tmp_path / "drill.cast")
    seen: list[tuple[int, int]] = []

    def interrupt(done: int, total: int) -> None:
        seen.append((done, total))
        if done > 50:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_mp4(tmp_path / "drill.cast", tmp_path / "drill.mp4", progress=interrupt)
    assert seen[0] == (1, seen[0][1]) and seen[-1][0] > 50  # progress was reported as frames went out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drill.cast"]


def test_a_broken_cast_is_one_sentence_and_leaves_no_video(tmp_path: Path) -> None:
    (tmp_path / "drill.cast").write_text('{"version": 1}\n', encoding="utf-8")
    with pytest.raises(VideoError, match=r"Cannot read the recording .*: line 1 is not an asciicast v2 header"):
        render_mp4(tmp_path / "drill.cast", tmp_path / "drill.mp4")
    assert not (tmp_path / "drill.mp4").exists()


def test_missing_video_packages_name_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = video.importlib.util.find_spec
    monkeypatch.setattr(video.importlib.util, "find_spec", lambda name: None if name == "pyte" else real(name))
    with pytest.raises(VideoError, match=r"needs pyte, which are not installed; .*pip install 'ca3\[video\]'"):
        render_mp4(tmp_path / "drill.cast", tmp_path / "drill.mp4")
