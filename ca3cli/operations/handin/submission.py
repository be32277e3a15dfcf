"""Edge: the static makers of a submission, each `(settings, root) -> Path` once bound to a milestone.

Nothing here writes a secret value: manifests are rendered with placeholders and Secret manifests are left out of
k8s/ (output.write), the one file that shows them is `k8s/secrets.yaml.template` with `${NAME}` placeholders.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ca3cli.core import registry, render, template_values
from ca3cli.edges import files, gitignore, output
from ca3cli.edges.runlog import RUN_LOGS
from ca3cli.operations.certs import seed
from ca3cli.operations.certs.summary import write_tls_summary
from ca3cli.operations.handin import deliverables, scripts, validation
from ca3cli.operations.procedures import write_operator_procedures

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings



def envsubst_values() -> Mapping[str, str]:
    """`${NAME}` for every generated secret and TLS certificate or key: what `envsubst` fills from the
    environment, and obviously no value."""
    return {name: f"${{{name.upper()}}}" for name in template_values.placeholders()}


def _manifests(settings: Settings, milestone: int) -> list[render.Manifest]:
    return render.render(settings, envsubst_values(), milestone)


def write_k8s(settings: Settings, root: Path, milestone: int) -> Path:
    """Every manifest of milestones 1..N under root/k8s/ in the seed's layout, and the seed's k8s/tls/ files;
    Secret manifests are left out."""
    folder = root / "k8s"
    output.write(_manifests(settings, milestone), folder, None, seed.extras(registry.features(settings, milestone)))
    return folder


def write_secrets_template(settings: Settings, root: Path, milestone: int) -> Path:
    """The Secret manifests with `${NAME}` placeholders, for someone who applies k8s/ without ca3."""
    names = ", ".join(envsubst_values().values())
    header = ("# The Secrets of this deployment, with placeholders instead of values. `ca3 deploy` creates them from\n"
              "# the values `ca3 init` generated (kept in the git-ignored .ca3/secrets/). Without ca3: export\n"
              f"# {names}, then `envsubst < k8s/secrets.yaml.template | kubectl apply -f -`.\n")
    bodies = [m.text.strip() for m in _manifests(settings, milestone) if m.is_secret]
    return files.write(root, "k8s/secrets.yaml.template", header + "".join(f"---\n{body}\n" for body in bodies))


def write_network_policies(settings: Settings, root: Path, milestone: int) -> Path:
    """Every NetworkPolicy of milestones 1..N in one multi-document file, as the seed names it."""
    policies = [(m.path, doc) for m in _manifests(settings, milestone) for doc in m.documents
                if doc.get("kind") == "NetworkPolicy"]
    header = (f"# Every NetworkPolicy ca3 applies for milestones 1-{milestone} ({len(policies)} policies), one "
              "document each;\n# the source of each is named above it (rendered by `ca3 handin`).\n")
    body = "".join(f"---\n# k8s/{source}\n{yaml.safe_dump(doc, sort_keys=False)}" for source, doc in policies)
    return files.write(root, f"{deliverables.OUTPUTS}/network-policies.yaml", header + body)


def write_scripts(settings: Settings, root: Path, milestone: int) -> Path:
    """scripts/*.sh: each a thin call to ca3 (the same text as the project's own scripts)."""
    folder = files.folder(root, "scripts")
    for name, text in scripts.texts(milestone).items():
        files.write(folder, name, text,
                    mode=files.EXECUTABLE if name.endswith(".sh") and name != scripts.HELPER else files.PUBLIC_FILE)
    return folder


def write_gitignore(settings: Settings, root: Path) -> Path:
    """root/.gitignore with every entry ca3cli/edges/gitignore.py asks for, keeping what was there."""
    gitignore.ensure(root)
    return root / ".gitignore"


def write_validation_report(settings: Settings, root: Path) -> Path | None:
    """outputs/validation-report.md from the JSON of the last `ca3 validate --json`, or None when there is none."""
    source = root / deliverables.VALIDATION_JSON
    if not source.is_file():
        return None
    return files.write(root, f"{deliverables.OUTPUTS}/validation-report.md",
                       validation.markdown(json.loads(source.read_text()), source.name))


def write_deploy_log(settings: Settings, root: Path, project: Path) -> Path | None:
    """outputs/deploy-log.txt: the project's last deploy run log that ended well (already redacted), else None."""
    logs = sorted((project / RUN_LOGS).glob("deploy-*.log"))
    finished = [log for log in logs if validation.deploy_succeeded(log.read_text())]
    if not finished:
        return None
    return files.copy(finished[-1].parent, finished[-1].name, root, f"{deliverables.OUTPUTS}/deploy-log.txt")


def makers(milestone: int, project: Path) -> deliverables.Makers:
    """The static makers of a submission of milestones 1..`milestone` whose evidence comes from `project`."""
    return deliverables.Makers(
        k8s=partial(write_k8s, milestone=milestone),
        secrets_template=partial(write_secrets_template, milestone=milestone),
        network_policies=partial(write_network_policies, milestone=milestone),
        scripts=partial(write_scripts, milestone=milestone),
        gitignore=write_gitignore,
        validation_report=write_validation_report,
        deploy_log=partial(write_deploy_log, project=project),
        procedures=partial(write_operator_procedures, milestone=milestone),
        tls_summary=partial(write_tls_summary, project=project),
    )
