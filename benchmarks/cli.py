"""How fast the CLI starts, not a test: each command run in turn with `ca3 --help` (A, help, A, help, ...) from a
scratch project, and for each the median of its whole-process CPU time (user + system, the operating system's
accounting of the finished child) and of its ratio to the `--help` run beside it, so the figures hold as ratios
while the machine's load drifts. Wall times are printed too, but on a shared machine they move with the load.

Run from the repository root after `scripts/test.sh`: `.venv/bin/python -m benchmarks.cli [--runs 10]` (about a
minute); `--against FOLDER` then pairs each ca3 command with the same command of the `ca3cli/` in FOLDER (e.g.
`git archive <commit> ca3cli | tar -x -C FOLDER`, byte-compiled with `python -m compileall FOLDER`). The commands run
as `python -m ca3cli` in a scratch folder, so `PYTHONPATH=<an exported ca3cli's parent>` measures other code with
the same interpreter and libraries. Goals: `ca3 --help` under 4x `python -c "import typer"` (issue 8); `ca3 render
-m 9` at most 2x `ca3 --help` and `ca3 deploy -m 9 --dry-run` at most 2.5x (issue 19).
The first run of each command (not counted) fills the user's cache (compiled templates, parsed manifests, schema and
certificate verdicts), as any earlier run of ca3 would have.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CA3 = [sys.executable, "-m", "ca3cli"]


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """The CPU seconds (user + system) and wall seconds of one run of `argv`, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def paired(argv: list[str], base: list[str], cwd: Path, runs: int,
           base_env: dict[str, str] | None = None) -> tuple[list[float], list[float], list[float]]:
    """`runs` pairs of `argv` then `base` (in `base_env`) after one of each not counted: argv's CPU and wall times,
    and each pair's CPU ratio."""
    run(argv, cwd), run(base, cwd, base_env)
    cpu, wall, ratios = [], [], []
    for _ in range(runs):
        a_cpu, a_wall = run(argv, cwd)
        b_cpu, _ = run(base, cwd, base_env)
        cpu.append(a_cpu)
        wall.append(a_wall)
        ratios.append(a_cpu / b_cpu)
    return cpu, wall, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="counted pairs per command (default 10)")
    parser.add_argument("--against", type=Path, help="then pair each ca3 command with the same command of the "
                        "ca3cli/ in this folder (an exported older commit, put first on PYTHONPATH)")
    options = parser.parse_args()
    runs = options.runs
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        for setup in (["init"], ["certs"]):  # milestones 7-9 render with the certificates
            subprocess.run([*CA3, *setup], cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        help_ = [*CA3, "--help"]
        cases = {
            'python -c "pass"': [sys.executable, "-c", "pass"],
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
            "ca3 --help": help_,
            "ca3 validate --list": [*CA3, "validate", "--list"],
            "ca3 render -m 5": [*CA3, "render", "-m", "5"],
            "ca3 render -m 9": [*CA3, "render", "-m", "9"],
            "ca3 deploy -m 9 --dry-run": [*CA3, "deploy", "-m", "9", "--dry-run"],
        }
        print(f"{runs} runs of each, each paired with `ca3 --help`; medians (min-max); load average "
              f"{os.getloadavg()[0]:.1f} at the start")
        print(f"{'command':28} {'CPU':>8} {'wall':>8}   CPU / ca3 --help")
        for name, argv in cases.items():
            cpu, wall, ratios = paired(argv, help_, cwd, runs)
            print(f"{name:28} {statistics.median(cpu) * 1000:6.0f}ms {statistics.median(wall) * 1000:6.0f}ms   "
                  f"{statistics.median(ratios):5.2f}x ({min(ratios):.2f}-{max(ratios):.2f})")
        if options.against is not None:
            against(cases, cwd, runs, options.against.resolve())
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


def against(cases: dict[str, list[str]], cwd: Path, runs: int, folder: Path) -> None:
    """Each ca3 command of this code (A) paired with the same command of the code in `folder` (B), A B A B ..."""
    other = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}
    print(f"\nthe same commands, this code (A) against {folder} (B), paired; medians (min-max)")
    print(f"{'command':28} {'CPU A':>8} {'CPU B':>8}   A / B")
    for name, argv in cases.items():
        if argv[:len(CA3)] == CA3:
            cpu, _, ratios = paired(argv, argv, cwd, runs, other)
            b_cpu = statistics.median(a / r for a, r in zip(cpu, ratios, strict=True))
            print(f"{name:28} {statistics.median(cpu) * 1000:6.0f}ms {b_cpu * 1000:6.0f}ms   "
                  f"{statistics.median(ratios):5.2f}x ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
