"""`python -m producer`: read settings (exit 2 with one line if invalid), then run until SIGTERM."""

from __future__ import annotations

import sys

from producer import logs, service, settings


def main() -> int:
    try:
        config = settings.load()
    except settings.SettingsError as error:
        print(f"producer: {error}", file=sys.stderr)
        return 2
    logs.configure("producer")
    return service.run(config)


if __name__ == "__main__":
    sys.exit(main())
