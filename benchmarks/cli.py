"""How fast the CLI starts, not a test: medians of repeated runs, with the interpreter's own start measured in the
same run so the figures read as ratios on whatever machine runs them.

Run from the repository root after `scripts/test.sh`: `.venv/bin/python -m benchmarks.cli` (about half a minute).
Goal (issue 8): `ca3 --help` under 4x `python -c "import typer"`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 10
BIN = Path(sys.executable).parent


def median_seconds(argv: list[str], cwd: Path) -> float:
    """The median wall time of RUNS runs of `argv` (each must succeed)."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        for setup in (["init"], ["certs"]):  # milestones 7-9 render with the certificates
            subprocess.run([str(BIN / "ca3"), *setup], cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        cases = {
            'python -c "pass"': [sys.executable, "-c", "pass"],
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
            "ca3 --help": [str(BIN / "ca3"), "--help"],
            "ca3 validate --list": [str(BIN / "ca3"), "validate", "--list"],
            "ca3 render -m 5": [str(BIN / "ca3"), "render", "-m", "5"],
            "ca3 render -m 9": [str(BIN / "ca3"), "render", "-m", "9"],
            "ca3 deploy -m 9 --dry-run": [str(BIN / "ca3"), "deploy", "-m", "9", "--dry-run"],
        }
        medians = {name: median_seconds(argv, cwd) for name, argv in cases.items()}
    base = medians['python -c "import typer"']
    print(f"median of {RUNS} runs each, one run on this machine")
    for name, seconds in medians.items():
        print(f"{name:28} {seconds * 1000:7.0f} ms  {seconds / base:5.2f}x import typer")


if __name__ == "__main__":
    main()
