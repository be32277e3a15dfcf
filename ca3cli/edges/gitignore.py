"""The .gitignore entries that keep generated secrets, rendered Secrets and private keys out of git.

`ca3 init` adds them before the first secret is generated, so a newcomer's first `git add -A` cannot commit one;
`ca3 handin` checks them again for the submission (seed milestone 11: secrets.yaml and keys).
"""

from __future__ import annotations

from pathlib import Path

from ca3cli.edges import files

# k8s/ itself is committed: it never holds a Secret (ca3cli/edges/output.py writes those only into .ca3/). A
# *.ca3-tmp file is half a write that a kill interrupted (ca3cli/edges/files.py); the next write sweeps it.
ENTRIES = (".ca3/", "secrets/", "secrets.yaml", "*secret*.yaml", "*.key", "*-key.pem", "*.p12", "*.jks", "run_logs/",
           "*.ca3-tmp")
NAME = ".gitignore"
HEADER = "# ca3: generated secrets, rendered Secrets and private keys are never committed."


def missing(text: str) -> list[str]:
    """The ENTRIES that `text` (a .gitignore) does not list as lines of their own."""
    lines = {line.strip() for line in text.splitlines()}
    return [entry for entry in ENTRIES if entry not in lines and f"/{entry}" not in lines]


def ensure(root: Path) -> list[str]:
    """Add what is missing to root/.gitignore, keeping everything already there; returns the entries added."""
    data = files.read(root, NAME)
    text = data.decode("utf-8", "surrogateescape") if data is not None else ""
    added = missing(text)
    if added:
        prefix = text if not text or text.endswith("\n") else text + "\n"
        text = prefix + HEADER + "\n" + "".join(f"{entry}\n" for entry in added)
        files.write(root, NAME, text.encode("utf-8", "surrogateescape"))  # bytes that are not UTF-8 stay as they were
    return added
