"""`python -m processor`: read settings (exit 2 with one line if invalid), then run until SIGTERM."""

import sys

from conveyor_common.main import main

from processor import service, settings

if __name__ == "__main__":
    sys.exit(main("processor", settings.load, service.run))
