"""Terminal session recording (asciicast v2) and its rendering to an MP4, for `ca3 chaos --record`.

`session.Recording` needs nothing beyond ca3's core; `video.render_mp4` needs the `video` extra (pyte, Pillow,
imageio-ffmpeg) and says so in one sentence when it is missing.
"""
