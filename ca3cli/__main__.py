"""Allow `python -m ca3cli`."""

from ca3cli.cli import main

main()
