"""A terminal's text as a PNG, drawn by the same emulator and painter as the drill's video (pyte, Pillow, DejaVu
Sans Mono): the seed's "screenshots" of `kubectl get pods` and `kubectl get hpa --watch`, made from kubectl's own
output rather than from a screen grab, so they hold exactly what kubectl printed and nothing else on the desktop."""

from __future__ import annotations

import io
from collections.abc import Sequence

from ca3cli.edges.recording.video import require

MIN_COLUMNS, MAX_COLUMNS = 80, 220
ELLIPSIS = "…"


def fit(lines: Sequence[str], max_columns: int = MAX_COLUMNS) -> tuple[list[str], int]:
    """The lines as a terminal at least 80 and at most `max_columns` wide shows them (longer ones cut with an
    ellipsis rather than wrapped, so a row of kubectl's table stays one row), and that width."""
    expanded = [line.expandtabs() for line in lines]
    columns = min(max([MIN_COLUMNS, *(len(line) for line in expanded)]), max_columns)
    return [line if len(line) <= columns else line[:columns - 1] + ELLIPSIS for line in expanded], columns


def png(lines: Sequence[str], max_columns: int = MAX_COLUMNS) -> bytes:
    """The lines on a terminal exactly as tall as they are, as PNG bytes; needs the `video` extra."""
    require()
    import pyte

    from ca3cli.edges.recording.screen import Painter

    shown, columns = fit(lines, max_columns)
    rows = max(len(shown), 1)
    screen = pyte.Screen(columns, rows)
    pyte.Stream(screen).feed("\r\n".join(shown))
    painter = Painter(columns, rows)
    painter.paint(screen)
    out = io.BytesIO()
    painter.image.save(out, format="PNG")
    return out.getvalue()
