"""Edge: a kubectl that streams until stopped (`get pods -w`, `get hpa --watch`), its lines read as they come.

Started through the kubectl door (Kubectl.start), read on a thread so the caller goes on with its own work, and
stopped as an operator stops it (SIGTERM, as Ctrl-C would end it); what it printed is kept, stderr included when it
ended on its own with an error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ca3cli.edges import process
from ca3cli.edges.kube import Kubectl

STOP_WAIT_S = 5.0
TERMINATED = (0, -15)  # how a watch ends when stopped: SIGTERM, or its stream closed


class Watch:
    """`with`-less: `Watch(kubectl, args, on_line)` starts it; `stop()` ends it and returns every line."""

    def __init__(self, kubectl: Kubectl, args: list[str], on_line: Callable[[str], None] = lambda line: None
                 ) -> None:
        self.lines: list[str] = []
        self._on_line = on_line
        self._proc = kubectl.start(*args)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        if self._proc.stdout is None:
            return
        for line in self._proc.stdout:
            text = line.rstrip("\n")
            self.lines.append(text)
            self._on_line(text)

    def stop(self) -> list[str]:
        """Stop it (when still running) and return what it printed, with its error when it failed by itself."""
        if self._proc.poll() is None:
            self._proc.terminate()
        self._reader.join(timeout=STOP_WAIT_S)  # its stdout ends when it exits
        stderr = self._proc.stderr
        exited = self._proc.poll() is not None
        errors = stderr.read().strip() if exited and stderr is not None and not stderr.closed else ""
        process.stop(self._proc)  # killed if it did not stop; its pipes closed
        if errors and self._proc.returncode not in TERMINATED:
            self.lines.append(errors)
            self._on_line(errors)
        return self.lines
