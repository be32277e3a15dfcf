"""Draw a terminal screen (pyte's emulation of what the cast wrote) as a picture, one monospace cell at a time.

The font is DejaVu Sans Mono as matplotlib ships it (a core dependency of ca3, for the load test's plot): the same
glyphs on every machine that has ca3 installed, with no system font package to depend on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pyte
from PIL import Image, ImageDraw, ImageFont
from pyte.graphics import FG_AIXTERM, FG_ANSI, FG_BG_256

RGB = tuple[int, int, int]

FOREGROUND: RGB = (229, 229, 229)
BACKGROUND: RGB = (24, 24, 24)
FONT_SIZE = 16
MARGIN = 8
# Frame sides are multiples of this, so H.264 encoders take the picture without rescaling it.
BLOCK = 16


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans Mono from matplotlib's bundled fonts."""
    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    return Path(matplotlib.get_data_path(), "fonts", "ttf", name)


def _hex(value: str) -> RGB:
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# pyte names the 16 basic colours (brown is its name for yellow); the 256-colour table starts with the same 16.
NAMED: dict[str, RGB] = {
    name: _hex(FG_BG_256[index])
    for index, name in enumerate([*(FG_ANSI[code] for code in range(30, 38)), *FG_AIXTERM.values()])
}


def colour(name: str, default: RGB) -> RGB:
    """An RGB triple for pyte's colour of a cell: "default", a basic name, or six hex digits (256 or true colour)."""
    if name == "default":
        return default
    if name in NAMED:
        return NAMED[name]
    try:
        return _hex(name) if len(name) == 6 else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Geometry:
    """Pixel layout of a `columns` x `rows` terminal: cell size, the margin around the grid, the frame size."""

    columns: int
    rows: int
    cell_width: int
    cell_height: int

    @property
    def size(self) -> tuple[int, int]:
        def padded(length: int) -> int:
            return -(-(length + 2 * MARGIN) // BLOCK) * BLOCK
        return padded(self.columns * self.cell_width), padded(self.rows * self.cell_height)

    def origin(self, column: int, row: int) -> tuple[int, int]:
        """Top-left pixel of a cell."""
        return MARGIN + column * self.cell_width, MARGIN + row * self.cell_height


def load_fonts(size: int = FONT_SIZE) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
    return ImageFont.truetype(font_path(), size), ImageFont.truetype(font_path(bold=True), size)


def geometry(columns: int, rows: int, font: ImageFont.FreeTypeFont) -> Geometry:
    ascent, descent = font.getmetrics()
    return Geometry(columns, rows, round(font.getlength("M")), ascent + descent)


class Painter:
    """Keeps one picture of the screen and redraws only the rows whose cells changed since the last paint.

    Each distinct cell (character, colours, weight) is drawn once and then pasted: a live view redraws the same few
    hundred glyphs thousands of times.
    """

    def __init__(self, columns: int, rows: int) -> None:
        self.font, self.bold = load_fonts()
        self.geometry = geometry(columns, rows, self.font)
        self.image = Image.new("RGB", self.geometry.size, BACKGROUND)
        self._draw = ImageDraw.Draw(self.image)
        self._rows: dict[int, tuple[pyte.screens.Char, ...]] = {}
        self._tiles: dict[tuple[str, RGB, RGB, bool, bool], Image.Image] = {}

    def paint(self, screen: pyte.Screen) -> bool:
        """Bring the picture up to date with `screen`; True when anything was redrawn."""
        changed = False
        for row in range(self.geometry.rows):
            line = screen.buffer[row]
            cells = tuple(line[column] for column in range(self.geometry.columns))
            if self._rows.get(row) != cells:
                self._paint_row(row, cells)
                self._rows[row] = cells
                changed = True
        return changed

    def _paint_row(self, row: int, cells: tuple[pyte.screens.Char, ...]) -> None:
        g = self.geometry
        left, top = g.origin(0, row)
        self._draw.rectangle((left, top, left + g.columns * g.cell_width - 1, top + g.cell_height - 1),
                             fill=BACKGROUND)
        for column, cell in enumerate(cells):
            fg, bg = colour(cell.fg, FOREGROUND), colour(cell.bg, BACKGROUND)
            if cell.reverse:
                fg, bg = bg, fg
            if cell.data == "":
                continue  # the right half of a double-width character, drawn with it
            wide = column + 1 < len(cells) and cells[column + 1].data == ""
            if bg != BACKGROUND or cell.data.strip():
                self.image.paste(self._tile(cell.data, fg, bg, cell.bold, wide), g.origin(column, row))

    def _tile(self, char: str, fg: RGB, bg: RGB, bold: bool, wide: bool) -> Image.Image:
        key = (char, fg, bg, bold, wide)
        if key not in self._tiles:
            tile = Image.new("RGB", (self.geometry.cell_width * (2 if wide else 1), self.geometry.cell_height), bg)
            if char.strip():
                ImageDraw.Draw(tile).text((0, 0), char, font=self.bold if bold else self.font, fill=fg)
            self._tiles[key] = tile
        return self._tiles[key]
