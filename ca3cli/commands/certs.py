"""`ca3 certs [--rotate] [--check]`: ca3's private CA and the certificates of every TLS link (milestones 7-8)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Column, Table

from ca3cli.commands.common import console, project
from ca3cli.commands.flags import flag
from ca3cli.core import template_values
from ca3cli.core.errors import CheckFailed, ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from ca3cli.operations.certs.check import Row
    from ca3cli.operations.certs.store import Issued
    from ca3cli.operations.project import Project

GROUPS = {"influxdb": ("influxdb",), "kafka": ("kafka", "kafka-client")}


def _issued_table(issued: Issued, folder: Path) -> Table:
    from ca3cli.operations.certs import store

    table = Table("CERTIFICATE", "ACTION", "SUBJECT", "VALID UNTIL", title=f"Certificates in {folder}/",
                  title_justify="left")
    for action, names in (("created", issued.created), ("renewed", issued.renewed), ("kept", issued.kept)):
        for name in names:
            pair = store.read(folder, name)
            cert = pair.cert if pair else None
            table.add_row(name, action, escape(cert.subject.rfc4514_string()) if cert else "-",
                          f"{cert.not_valid_after_utc:%Y-%m-%d}" if cert else "-")
    return table


def _rows_table(title: str, rows: list[Row]) -> Table:
    """Every name in full: a narrow terminal folds long cells onto more lines instead of cutting them with "…"."""
    columns = [Column(header, overflow="fold") for header in
               ("CERTIFICATE", "WHERE", "SUBJECT", "NAMES", "ISSUER", "DAYS LEFT", "STATUS")]
    table = Table(*columns, title=title, title_justify="left")
    for row in rows:
        status = "[green]ok[/]" if row.ok else f"[red]{escape('; '.join(row.problems))}[/]"
        table.add_row(row.name, escape(row.where), escape(row.subject), escape(row.names), escape(row.issuer),
                      row.days_left, status)
    return table


def _check(here: Project) -> None:
    from ca3cli.core.errors import Ca3Error
    from ca3cli.operations.certs import check

    settings, folder = here.settings, here.certs_folder
    now = dt.datetime.now(dt.UTC)
    local = check.local_rows(folder, settings, now)
    console.print(_rows_table("On this machine", local))
    rows = list(local)
    try:
        cluster = check.cluster_rows(here.kubectl(), folder, settings, local, now)
    except Ca3Error as exc:
        console.print(f"[yellow]Cluster not checked:[/] {escape(str(exc))}")
    else:
        console.print(_rows_table(f"In namespace {settings.namespace}", cluster))
        rows += cluster
    failing = [row for row in rows if not row.ok]
    if failing:
        raise CheckFailed(f"{len(failing)} certificate(s) need attention; run `ca3 certs` (missing or stale local "
                          "ones) or `ca3 certs --rotate` (to renew them and update the cluster).")
    console.print("[green]Every certificate is signed by ca3's CA, names what it serves and is current.[/]")


def _rotate_in_cluster(here: Project, changed: list[str]) -> bool:
    """Apply the renewed certificates and restart their readers; False when there is no namespace to apply to."""
    from ca3cli.core import registry
    from ca3cli.edges.runlog import RunLog
    from ca3cli.operations.certs import objects, rotate

    settings, folder = here.settings, here.certs_folder
    values = {**template_values.placeholders(), **objects.values(folder, settings, registry.HIGHEST, keys=True)}
    log = RunLog("certs", objects.key_texts(folder, settings), here.run_logs)
    log.line(f"ca3 certs --rotate namespace={settings.namespace} renewed={','.join(changed)}")
    restarted = rotate.rotate_in_cluster(here.kubectl(log), settings, values, changed)
    if restarted is None:
        console.print(f"Namespace {settings.namespace} does not exist yet, so nothing was applied.")
        log.line("namespace absent: nothing applied")
        console.print(f"Run log: {log.path}")
        return False
    shown = ", ".join(restarted) or "none running yet"
    console.print(f"Applied the TLS Secrets and CA ConfigMap; restarted {escape(shown)}. `ca3 status` shows "
                  "them coming back.")
    log.line(f"OK: restarted {shown}")
    console.print(f"Run log: {log.path}")
    return True


def certs(
    ctx: typer.Context,
    rotate: bool = flag("--rotate", help="Renew every server and client certificate (same CA), put them into the "
                                         "cluster and restart exactly the workloads that use them."),
    check: bool = flag("--check", help="Show subject, names, issuer and days left, locally and in the cluster."),
    only: str = typer.Option("", "--only", metavar="influxdb|kafka", help="Only InfluxDB's or only Kafka's."),
) -> None:
    """Make ca3's private CA and the TLS certificates of milestones 7-8 (keys stay in .ca3/certs/, mode 0600)."""
    from ca3cli.operations.certs import store, summary

    if only and only not in GROUPS:
        raise ConfigError(f"--only {only} is not a certificate group; use --only influxdb or --only kafka.")
    if rotate and check:
        raise ConfigError("--rotate and --check cannot be combined; run `ca3 certs --rotate`, then `--check`.")
    here = project(ctx, required=True)  # never a CA key in a folder that is no project
    settings, folder = here.settings, here.certs_folder
    if check:
        _check(here)
        return
    if not settings.tls.influxdb and not settings.tls.kafka:
        console.print("TLS is off in ca3.yaml (tls.influxdb and tls.kafka are false): no certificate to issue.")
        return
    issued = store.ensure(folder, settings, rotate=rotate, only=GROUPS.get(only, ()))
    console.print(_issued_table(issued, folder))
    applied = rotate and bool(issued.changed) and _rotate_in_cluster(here, issued.changed)
    written = summary.write_tls_summary(settings, here.root)
    where = ("the cluster has them already (applied above)" if applied else
             f"`ca3 deploy -m {8 if settings.tls.kafka else 7}` applies them")
    console.print(f"Wrote {written}. Keys stay in {folder}/ (mode 0600, git-ignored) and reach the cluster only as "
                  f"Secrets: {where}.")

