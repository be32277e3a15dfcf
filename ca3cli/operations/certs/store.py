"""The certificates on disk: .ca3/certs/ next to ca3.yaml (git-ignored), folder 0700, every file 0600.

`ensure` creates what is missing, renews what no longer fits the settings (names, roles, near expiry) and, with
`rotate`, renews every leaf while keeping the CA; it reports names and actions only, never file contents.
"""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core.errors import CertsError
from ca3cli.edges import files
from ca3cli.operations.certs import verdicts
from ca3cli.operations.certs.names import CertSpec, wanted
from ca3cli.operations.certs.pair import Pair

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

CERTS_DIR = Path(".ca3") / "certs"
CA = "ca"
CA_COMMON_NAME = "ca3 private CA"


def folder_for(config: Path) -> Path:
    """The certificates folder that belongs to a ca3.yaml: next to it, under .ca3/certs/."""
    return config.parent / CERTS_DIR


def cert_path(folder: Path, name: str) -> Path:
    return folder / f"{name}.crt"


def key_path(folder: Path, name: str) -> Path:
    return folder / f"{name}.key"


@dataclass
class Issued:
    """What `ensure` did, by certificate name (the CA is "ca")."""

    created: list[str] = field(default_factory=list)
    renewed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return self.created + self.renewed


def _save(folder: Path, name: str, pair: Pair) -> None:
    """Key and certificate, each replaced whole and readable by the owner only."""
    files.write(folder, key_path(folder, name).name, pair.key_pem, mode=files.PRIVATE_FILE)
    files.write(folder, cert_path(folder, name).name, pair.cert_pem, mode=files.PRIVATE_FILE)


def read(folder: Path, name: str) -> Pair | None:
    """The certificate and key `name`, or None when either file is missing; a loose key is an error."""
    cert, key = cert_path(folder, name), key_path(folder, name)
    if not (cert.is_file() and key.is_file()):
        return None
    if stat.S_IMODE(key.stat().st_mode) & 0o077:
        raise CertsError(f"Key {key} is readable by other users. Run `chmod 600 {key}`, then run the command again.")
    return Pair(cert.read_bytes(), key.read_bytes())


def _ca(folder: Path, settings: Settings, now: dt.datetime, issued: Issued) -> Pair:
    from ca3cli.operations.certs import authority, inspect  # cryptography: issuing and checking parse certificates

    existing = read(folder, CA)
    if existing is not None and not inspect.problems_of_ca(existing.cert, now):
        issued.kept.append(CA)
        return existing
    pair = authority.new_ca(CA_COMMON_NAME, settings.tls.ca_days, now)
    _save(folder, CA, pair)
    (issued.renewed if existing is not None else issued.created).append(CA)
    return pair


def ensure(folder: Path, settings: Settings, rotate: bool = False, only: Iterable[str] = (),
           now: dt.datetime | None = None) -> Issued:
    """Issue what the settings need and renew what no longer fits; `rotate` renews every leaf; `only` (names) limits
    both to those certificates. The CA is made when missing and kept otherwise."""
    from ca3cli.operations.certs import authority, inspect  # cryptography: issuing and checking parse certificates

    moment = now or dt.datetime.now(dt.UTC)
    chosen = set(only)
    files.private_folder(folder)
    issued = Issued()
    ca = _ca(folder, settings, moment, issued)
    for spec in [spec for spec in wanted(settings) if not chosen or spec.name in chosen]:
        existing = read(folder, spec.name)
        stale = (CA in issued.changed or existing is None
                 or bool(inspect.problems(spec, existing.cert, ca.cert, moment)))
        if not stale and not rotate:
            issued.kept.append(spec.name)
            continue
        _save(folder, spec.name, authority.issue(spec, ca, settings.tls.cert_days, moment))
        (issued.renewed if existing is not None else issued.created).append(spec.name)
    return issued


def missing_or_stale(folder: Path, specs: Iterable[CertSpec], now: dt.datetime | None = None) -> list[str]:
    """Names among `specs` (and the CA) whose files are absent or no longer fit: what `ca3 certs` would fix. What
    fitted before and still lies inside its window is not parsed again (ca3cli/operations/certs/verdicts.py)."""
    moment = now or dt.datetime.now(dt.UTC)
    specs = list(specs)
    ca = read(folder, CA)
    known = verdicts.load()
    if ca is None or not _fits(known, moment, ca, ca, None):
        return [CA] + [spec.name for spec in specs]
    found = []
    for spec in specs:
        pair = read(folder, spec.name)
        if pair is None or not _fits(known, moment, pair, ca, spec):
            found.append(spec.name)
    known.save()
    return found


def _fits(known: verdicts.Verdicts, now: dt.datetime, pair: Pair, ca: Pair, spec: CertSpec | None) -> bool:
    """Whether `pair` fits `spec` now, signed by `ca` (with no spec: `pair` is the CA and fits as one), from an
    earlier run's verdict, else checked and its verdict kept."""
    what = verdicts.key(ca.cert_pem) if spec is None else verdicts.key(ca.cert_pem, pair.cert_pem, repr(spec))
    if known.fits(now, what):
        return True
    from ca3cli.operations.certs import inspect  # loads cryptography: only what has no verdict yet is parsed

    cert = pair.cert
    wrong = inspect.problems_of_ca(cert, now) if spec is None else inspect.problems(spec, cert, ca.cert, now)
    if not wrong:
        known.keep(what, inspect.fitting_window(cert))
    return not wrong
