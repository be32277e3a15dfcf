"""`ca3 render`: write the manifests of milestones 1..N in the seed's k8s/ layout."""

from __future__ import annotations

from pathlib import Path

import typer

from ca3cli.commands import flags
from ca3cli.commands.common import console, project
from ca3cli.commands.flags import flag
from ca3cli.core import registry


def render(
    ctx: typer.Context,
    milestone: int = flags.milestone(..., help="Render milestones 1..N."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Folder for the manifests, never Secrets [default: "
                                    "k8s/ beside ca3.yaml]."),
    include_secrets: bool = flag(
        "--include-secrets", help="Also write Secret manifests, into the git-ignored .ca3/rendered-secrets/."),
) -> None:
    """Render the manifests of milestones 1..N; Secrets only with --include-secrets, into a git-ignored folder."""
    from ca3cli.core import render as rendering
    from ca3cli.edges import output
    from ca3cli.operations.certs import seed

    here = project(ctx)
    settings, out = here.settings, out or here.manifests
    values = here.values(milestone, real_secrets=include_secrets, keys=include_secrets)
    manifests = rendering.render(settings, values, milestone)
    secrets_out = here.rendered_secrets_folder if include_secrets else None
    written = output.write(manifests, out, secrets_out, seed.extras(registry.features(settings, milestone)))
    console.print(f"Wrote {len(written.manifests)} manifests for {registry.span(milestone)} under {out}/.")
    if written.extras:
        console.print(f"Wrote the seed's {len(written.extras)} TLS files under {out}/{seed.FOLDER}/ (scripts that run "
                      "`ca3 certs`, Secret templates with placeholders only).")
    if written.secrets:
        console.print(f"Wrote {len(written.secrets)} Secret manifests under {secrets_out}/ (mode 0600, git-ignored).")
    if written.unchanged:
        console.print(f"Of these files, {len(written.unchanged)} already held the same text and were left as they "
                      "were (not rewritten).")
    for path in written.removed:
        console.print(f"Removed {path}: an earlier render wrote it and {registry.span(milestone)} no longer has it.")
    for sentence in written.left:
        console.print(sentence)
    if written.skipped_secrets:
        console.print(f"Left out {len(written.skipped_secrets)} Secret manifests; add --include-secrets to write them.")
