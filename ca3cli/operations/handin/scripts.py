"""The seed's ./scripts/*.sh as thin calls to ca3: one table, so the repository's own scripts and a submission's are
the same text (a test compares them)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Script:
    """One seed script: its file name, the ca3 command it runs, what it says it does, and its default arguments."""

    name: str
    command: str
    says: str
    defaults: str = ""  # arguments used when the script is called without any; {milestone} is filled in
    writes: str = ""  # the outputs it leaves, said on a comment line of their own

    def text(self, milestone: int) -> str:
        """The script's bash source for a submission of milestones 1..`milestone`."""
        defaults = self.defaults.format(milestone=milestone)
        default_line = f'[ "$#" -gt 0 ] || set -- {defaults}\n' if defaults else ""
        writes_line = f"# Writes {self.writes}.\n" if self.writes else ""
        return (
            "#!/usr/bin/env bash\n"
            f"# The seed's ./scripts/{self.name}: `ca3 {self.command}` ({self.says.format(milestone=milestone)}).\n"
            f"{writes_line}"
            "set -euo pipefail\n"
            "# shellcheck source=scripts/_ca3.sh\n"
            'source "$(dirname "$0")/_ca3.sh"\n'
            f"{default_line}"
            f'ca3_exec {self.command} "$@"\n'
        )


HELPER = "_ca3.sh"
SCRIPTS: tuple[Script, ...] = (
    Script("deploy.sh", "deploy", "milestone {milestone} unless options are given, e.g. -m 5 or --dry-run",
           "-m {milestone}"),
    Script("validate.sh", "validate",
           "every deployed milestone unless options are given, e.g. -m 5"),
    Script("destroy.sh", "destroy", "asks first; pass --yes, and --delete-data to drop the volumes"),
    Script("load-test.sh", "load-test", "options pass through, e.g. --rate 2000 --duration 300",
           writes="outputs/hpa-scaling-events.txt, hpa-scaling.png, scaling-test-results.md and "
                  "hpa-scaling-samples.json"),
    Script("resilience-test.sh", "chaos --record", "options pass through, e.g. -e delete-pod-kafka",
           writes="outputs/resilience-report.md, recovery-timeline.png, chaos-journal.json and the recorded drill's "
                  "video"),
)


def helper_text() -> str:
    """The helper every seed script sources, shipped beside this module (the repository's scripts/ holds the same)."""
    return resources.files(__package__).joinpath(HELPER).read_text(encoding="utf-8")


def texts(milestone: int) -> dict[str, str]:
    """Every file of scripts/ in a submission: the helper and each seed script."""
    return {HELPER: helper_text(), **{script.name: script.text(milestone) for script in SCRIPTS}}
