"""Ctrl-C in the middle of a recorded session leaves a cast that parses, holding everything shown before it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from ca3cli.edges.recording import cast

# A session that shows a line, says it is ready, then waits in a Live view until it is interrupted.
SESSION = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text
    from ca3cli.edges.recording.session import Recording

    with Recording(Path(sys.argv[1]), 60, 12, mirror=sys.stdout) as stream:
        console = Console(file=stream, width=60, height=12, force_terminal=True, color_system="standard")
        console.print("deleting pod producer-0", highlight=False)
        with Live(Text("waiting for producer-0 to be Ready"), console=console, refresh_per_second=20):
            print("READY", file=sys.__stderr__, flush=True)  # Live redirects sys.stderr
            while True:
                time.sleep(0.05)
""")


def test_ctrl_c_mid_session_leaves_a_valid_cast(tmp_path: Path) -> None:
    path = tmp_path / "drill.cast"
    with subprocess.Popen([sys.executable, "-c", SESSION, str(path)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as child:
        assert child.stderr is not None
        assert child.stderr.readline().strip() == "READY"
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=60)
    assert child.returncode != 0 and "KeyboardInterrupt" in stderr
    recorded = cast.read(path)
    text = "".join(event.data for event in recorded.events)
    assert "deleting pod producer-0" in text and "waiting for producer-0" in text
    assert "deleting pod producer-0" in stdout  # the operator saw it too
    assert path.read_text(encoding="utf-8").endswith("\n")  # closed on a whole line
    assert text.endswith("\x1b[?25h")  # the Live view was closed too: the cursor shown again
