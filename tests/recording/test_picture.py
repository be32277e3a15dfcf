"""A terminal's text as a PNG (the seed's screenshots of `kubectl get pods` and `get hpa --watch`): drawn by the
video's painter at the cells the text occupies, one row per line, long lines cut rather than wrapped."""

from __future__ import annotations

import io

from PIL import Image

from ca3cli.edges.recording import picture, screen
from tests.recording.test_video import SAME, difference

LINES = ["$ kubectl -n conveyor-pipeline get pods", "NAME                       READY   STATUS",
         "producer-848b9d6d7-x7k2p   1/1     Running"]


def test_each_line_is_drawn_on_its_own_row_and_the_picture_is_exactly_as_tall_as_the_text() -> None:
    shot = Image.open(io.BytesIO(picture.png(LINES))).convert("RGB")
    font, _ = screen.load_fonts()
    assert shot.size == screen.geometry(80, len(LINES), font).size  # 80 columns at least, three rows
    for row, line in enumerate(LINES):
        assert difference(shot, line, 0, row) < SAME
    assert difference(shot, LINES[2], 0, 1) > 2 * SAME  # a line is not found on another row


def test_a_line_longer_than_the_limit_is_cut_with_an_ellipsis_not_wrapped() -> None:
    shown, columns = picture.fit(["x" * 300, "short"])
    assert columns == picture.MAX_COLUMNS and shown[0] == "x" * (columns - 1) + picture.ELLIPSIS
    assert picture.fit(["a\tb"]) == (["a       b"], picture.MIN_COLUMNS)  # tabs as a terminal expands them
    shot = Image.open(io.BytesIO(picture.png(["x" * 300, "short"]))).convert("RGB")
    assert difference(shot, "short", 0, 1) < SAME  # still on the second row: the long one did not wrap
