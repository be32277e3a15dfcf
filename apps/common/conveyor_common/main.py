"""The entry point both apps share: settings first (a bad one is one stderr line and exit code 2), then JSON
logs, then the app (a setting found unusable only as the app starts, a port already taken, is the same one line
and exit 2); SIGTERM and SIGINT set an event the app watches to shut down cleanly."""

from __future__ import annotations

import gc
import signal
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from conveyor_common.env import SettingsError
from conveyor_common.logs import configure

S = TypeVar("S")


def main(service: str, load: Callable[[], S], run: Callable[[S], int]) -> int:
    try:
        settings = load()
    except SettingsError as error:
        print(f"{service}: {error}", file=sys.stderr)
        return 2
    configure(service)
    # Everything loaded so far (the modules of both apps' clients, their settings) lives as long as the process:
    # moved out of the collector's sight, so a full collection walks only what the app made since. Both apps
    # allocate per message, and full collections walking the clients' modules took about a fifth of the
    # processor's main thread (py-spy, benchmarks/README.md).
    gc.freeze()
    try:
        return run(settings)
    except SettingsError as error:
        print(f"{service}: {error}", file=sys.stderr)
        return 2


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM (Kubernetes stopping the pod) or SIGINT."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop
