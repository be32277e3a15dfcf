"""One JSON object per log line (time, level, service, message, plus fields), and a per-key rate sampler."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON; fields passed as `extra={"fields": {...}}` become top-level keys."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(service: str) -> logging.Logger:
    """Route this service's logs (and kafka-python's warnings) to stdout as JSON lines."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    return logging.getLogger(service)


class Sampler:
    """Lets one log line per key through each interval, so a reading log stays at 1 Hz per line under load.
    It forgets every key once it tracks `max_keys` (a flood of distinct line ids cannot grow it without bound;
    the cost is one extra line per key after a reset)."""

    def __init__(self, interval_s: float = 1.0, max_keys: int = 10_000) -> None:
        self.interval_s = interval_s
        self.max_keys = max_keys
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            return False  # the common case under load (a reading each), decided without the lock or a new float
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval_s:
                return False
            if len(self._last) >= self.max_keys:
                self._last.clear()
            self._last[key] = now
            return True
