"""`python -m processor`: read settings (exit 2 with one line if invalid), then run until SIGTERM."""

from __future__ import annotations

import sys

from processor import logs, service, settings


def main() -> int:
    try:
        config = settings.load()
    except settings.SettingsError as error:
        print(f"processor: {error}", file=sys.stderr)
        return 2
    logs.configure("processor")
    return service.run(config)


if __name__ == "__main__":
    sys.exit(main())
