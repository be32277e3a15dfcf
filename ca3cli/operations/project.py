"""The project a command works on, built once per command (ca3cli/commands/common.py) and passed down as data.

It holds what every step of a command reads: where ca3.yaml is and the folders ca3 keeps beside it, the settings, the
generated secrets, the certificates as template values, and the rendered topology of a milestone. Steps below the
command layer take a Project instead of a typer.Context, so no step reaches back into the CLI and the manifests are
rendered once per milestone however many steps read names from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core import registry, template_values, topology
from ca3cli.edges import secrets
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.runlog import RUN_LOGS
from ca3cli.operations.certs import objects, store

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings
    from ca3cli.core.topology import Topology
    from ca3cli.edges.runlog import RunLog


@dataclass(frozen=True)
class Project:
    """A ca3.yaml, the settings read from it (CA3_* variables and --context applied), and the folders beside it."""

    config: Path
    settings: Settings

    @property
    def root(self) -> Path:
        """The folder that holds ca3.yaml: .ca3/, k8s/, outputs/ and the hand-in live here."""
        return self.config.parent

    @property
    def outputs(self) -> Path:
        """Where the deliverables go (reports, pictures, journals), whichever folder of the project ca3 runs in."""
        return self.root / "outputs"

    @property
    def manifests(self) -> Path:
        return self.root / "k8s"

    @property
    def run_logs(self) -> Path:
        return self.root / RUN_LOGS

    @property
    def secrets_folder(self) -> Path:
        return secrets.folder_for(self.config)

    @property
    def certs_folder(self) -> Path:
        return store.folder_for(self.config)

    @property
    def rendered_secrets_folder(self) -> Path:
        return secrets.rendered_folder_for(self.config)

    def generated(self, *, placeholders_before_init: bool = False) -> dict[str, str]:
        """The generated secrets; with `placeholders_before_init`, obviously fake ones while `ca3 init` has not run
        (for offline plans, whose Secrets are never sent anywhere)."""
        if placeholders_before_init and not self.secrets_folder.is_dir():
            return template_values.placeholders()
        return secrets.load(self.secrets_folder)

    def tls_values(self, milestone: int, keys: bool) -> dict[str, str]:
        """The certificates as template values for milestones 1..N (keys only with `keys`); stops with "run
        `ca3 certs` first" when they need certificates that .ca3/certs/ lacks."""
        return objects.values(self.certs_folder, self.settings, milestone, keys)

    def values(self, milestone: int, *, real_secrets: bool, keys: bool,
               placeholders_before_init: bool = False) -> dict[str, str]:
        """Every template value .ca3/ holds for milestones 1..N: the generated secrets (placeholders unless
        `real_secrets`) and the certificates."""
        generated = (self.generated(placeholders_before_init=placeholders_before_init) if real_secrets
                     else template_values.placeholders())
        return {**generated, **self.tls_values(milestone, keys)}

    def topology(self, milestone: int = registry.HIGHEST) -> Topology:
        """The names of milestones 1..N as rendered from these settings (rendered once per process and milestone)."""
        return topology.of_milestone(self.settings, milestone)

    def kubectl(self, log: RunLog | None = None, context: str | None = None) -> Kubectl:
        """kubectl bound to `context`, else the settings' one (empty: kubectl's current one), and the namespace;
        calls go to `log`."""
        chosen = self.settings.cluster.context if context is None else context
        return Kubectl(context=chosen or None, namespace=self.settings.namespace,
                       on_result=log.record if log else None)
