"""`ca3 certs --check`: every certificate ca3 keeps, locally and in the cluster, judged against the settings.

Rows are data (pure `local_rows`, `cluster_row`); only `cluster_certificate` talks to kubectl, and it reads a
Secret's tls.crt alone, never its key.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from ca3cli.core.errors import Ca3Error, KubectlError
from ca3cli.core.kubeobjects import Secret
from ca3cli.edges import kuberead
from ca3cli.edges.kube import Kubectl, reason
from ca3cli.operations.certs import inspect, store
from ca3cli.operations.certs.names import CertSpec, wanted

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings


@dataclass(frozen=True)
class Row:
    """One line of the check: which certificate, where, what it says, and what is wrong (empty when fine)."""

    name: str
    where: str
    subject: str
    names: str
    issuer: str
    days_left: str
    problems: tuple[str, ...]
    serial: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _row(name: str, where: str, cert: x509.Certificate, problems: list[str], now: dt.datetime) -> Row:
    info = inspect.describe(cert)
    every = info.dns_names + info.ip_addresses
    names = f"{len(every)}: {', '.join(every[:2])}{', ...' if len(every) > 2 else ''}" if every else "-"
    return Row(name, where, info.subject, names, info.issuer, str(info.days_left(now)), tuple(problems), info.serial)


def local_rows(folder: Path, settings: Settings, now: dt.datetime) -> list[Row]:
    """The CA and each certificate the settings call for, as found in `folder`."""
    ca = store.read(folder, store.CA)
    if ca is None:
        return [Row(store.CA, str(folder), "-", "-", "-", "-", ("missing: run `ca3 certs`",))]
    rows = [_row(store.CA, str(store.cert_path(folder, store.CA)), ca.cert, inspect.problems_of_ca(ca.cert, now),
                 now)]
    for spec in wanted(settings):
        pair = store.read(folder, spec.name)
        where = str(store.cert_path(folder, spec.name))
        if pair is None:
            rows.append(Row(spec.name, where, "-", "-", "-", "-", ("missing: run `ca3 certs`",)))
        else:
            rows.append(_row(spec.name, where, pair.cert, inspect.problems(spec, pair.cert, ca.cert, now), now))
    return rows


def cluster_certificate(kubectl: Kubectl, secret: str) -> x509.Certificate | None:
    """The certificate in Secret `secret` (its tls.crt only), or None when the Secret does not exist."""
    try:
        found = kuberead.one(kubectl, Secret, "secret", secret)
    except KubectlError as exc:
        if exc.status_reason == "NotFound":
            return None
        raise Ca3Error(f"reading Secret {secret} failed: {reason(exc.stderr) or 'no output'}") from None
    data = found.get("data") or {}
    if "tls.crt" not in data:
        return None
    return x509.load_pem_x509_certificate(base64.b64decode(data["tls.crt"]))


def cluster_row(spec: CertSpec, cert: x509.Certificate | None, local: Row, ca: x509.Certificate | None,
                now: dt.datetime) -> Row:
    where = f"Secret {spec.secret}"
    if cert is None:
        return Row(spec.name, where, "-", "-", "-", "-", ("not in the cluster: `ca3 deploy` or `ca3 certs --rotate`",))
    problems = inspect.problems(spec, cert, ca, now) if ca is not None else []
    row = _row(spec.name, where, cert, problems, now)
    if local.serial and row.serial != local.serial:
        return replace(row, problems=(*row.problems, "differs from the local one: `ca3 certs --rotate` puts it in "
                                                  "the cluster"))
    return row


def cluster_rows(kubectl: Kubectl, folder: Path, settings: Settings, local: list[Row], now: dt.datetime) -> list[Row]:
    ca = store.read(folder, store.CA)
    by_name = {row.name: row for row in local}
    return [cluster_row(spec, cluster_certificate(kubectl, spec.secret), by_name[spec.name] if spec.name in by_name
                        else local[0], ca.cert if ca else None, now) for spec in wanted(settings)]
