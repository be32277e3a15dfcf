"""Film a recorded session: replay the cast in a terminal emulator (pyte), draw each frame (Pillow), encode H.264.

The encoder is the ffmpeg binary that imageio-ffmpeg ships in its wheel, so nothing outside pip is needed. Waits are
shortened (ca3cli/edges/recording/timing.py) so the MP4 is at most `max_seconds` long however long the session ran. The
MP4 is written beside its final name and moved there when complete, so an interrupted render leaves no broken file.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import files
from ca3cli.edges.recording import cast as asciicast
from ca3cli.edges.recording.timing import Pacing, schedule

if TYPE_CHECKING:  # imported when rendering only, after checking they are installed
    from collections.abc import Generator

    import pyte

    from ca3cli.edges.recording.screen import Painter

# Imported by `ca3 chaos --record` only: the extra that brings them, and the modules each package provides.
EXTRA = "pip install 'ca3[video]'"
PACKAGES = {"pyte": "pyte", "PIL": "Pillow", "imageio_ffmpeg": "imageio-ffmpeg"}
# crf 10 of 51 (imageio-ffmpeg's quality 8): small letters stay sharp; terminal frames compress well anyway.
QUALITY = 8
ENCODER_OPTIONS = ["-preset", "veryfast", "-tune", "stillimage", "-movflags", "+faststart"]


class VideoError(Ca3Error):
    """The session could not be rendered to a video (a missing package, an unreadable cast, a failed encode)."""


@dataclass(frozen=True)
class VideoInfo:
    duration: float  # seconds of video
    frames: int
    size: tuple[int, int]  # width, height in pixels
    scale: float = 1.0  # 1.0: real time apart from the cut waits; below 1, the uniform speed-up it needed to fit


def require() -> None:
    """One sentence naming the missing packages and the command that installs them, rather than an ImportError."""
    missing = [package for module, package in PACKAGES.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise VideoError(f"Rendering the video needs {', '.join(missing)}, which are not installed; install them "
                         f"with: {EXTRA}")


def render_mp4(cast: Path, mp4: Path, max_seconds: float = 180.0, *, max_pause: float = Pacing.max_pause,
               progress: Callable[[int, int], None] | None = None) -> VideoInfo:
    """Render `cast` (asciicast v2) to `mp4`, still stretches cut to `max_pause` s; `progress(done, total)` is
    called as frames are encoded."""
    require()
    import imageio_ffmpeg
    import pyte

    from ca3cli.edges.recording.screen import Painter

    try:
        recorded = asciicast.read(cast)
    except (OSError, asciicast.CastError) as exc:
        raise VideoError(f"Cannot read the recording {cast}: {exc}. Record the session again.") from None
    plan = schedule([event.time for event in recorded.events], Pacing(max_seconds=max_seconds, max_pause=max_pause))
    screen = pyte.Screen(recorded.header.width, recorded.header.height)
    stream = pyte.Stream(screen)
    painter = Painter(recorded.header.width, recorded.header.height)
    painter.paint(screen)
    partial = mp4.with_name(f".{mp4.stem}.partial{mp4.suffix}")
    files.folder(mp4.parent)
    writer: Generator[None, bytes | None, None] = imageio_ffmpeg.write_frames(
        str(partial), painter.image.size, fps=plan.fps, quality=QUALITY, ffmpeg_log_level="error",
        output_params=ENCODER_OPTIONS)
    try:
        writer.send(None)
        _encode(recorded.events, plan.frame_of, plan.frames, stream, screen, painter, writer, progress)
        writer.close()
        files.rename(mp4.parent, partial.name, mp4.name)
    except (OSError, RuntimeError) as exc:
        raise VideoError(f"Encoding {mp4} failed: {exc}.") from None
    finally:
        writer.close()
        files.discard(mp4.parent, partial.name)
    return VideoInfo(plan.duration, plan.frames, painter.image.size, plan.scale)


def _encode(events: tuple[asciicast.Event, ...], frame_of: tuple[int, ...], frames: int, stream: pyte.Stream,
            screen: pyte.Screen, painter: Painter, writer: Generator[None, bytes | None, None],
            progress: Callable[[int, int], None] | None) -> None:
    """Feed each frame's events to the emulator, then send the picture (redrawn only when the screen changed)."""
    upcoming = 0
    picture = painter.image.tobytes()
    for frame in range(frames):
        while upcoming < len(events) and frame_of[upcoming] <= frame:
            stream.feed(events[upcoming].data)
            upcoming += 1
        if painter.paint(screen):
            picture = painter.image.tobytes()
        writer.send(picture)
        if progress is not None and (frame % 50 == 0 or frame == frames - 1):
            progress(frame + 1, frames)
