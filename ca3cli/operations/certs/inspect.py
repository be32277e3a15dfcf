"""Reading certificates back (pure): what a certificate says, and what is wrong with it for its role.

Used by `ca3 certs` (renew what no longer fits), `ca3 certs --check`, the render gate and the TLS summary.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

from ca3cli.operations.certs.names import CertSpec

RENEW_WITHIN = dt.timedelta(days=7)  # a certificate this close to its end is renewed by the next `ca3 certs`
USAGE_NAMES = {ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth", ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth"}


@dataclass(frozen=True)
class CertInfo:
    """The public facts of one certificate, for tables and the summary (never key material)."""

    subject: str
    issuer: str
    serial: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    usages: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime

    def days_left(self, now: dt.datetime) -> int:
        return (self.not_after - now).days


def _extension(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def describe(cert: x509.Certificate) -> CertInfo:
    sans = _extension(cert, x509.SubjectAlternativeName)
    usage = _extension(cert, x509.ExtendedKeyUsage)
    dns = tuple(sans.get_values_for_type(x509.DNSName)) if isinstance(sans, x509.SubjectAlternativeName) else ()
    ips = tuple(str(ip) for ip in sans.get_values_for_type(x509.IPAddress)) \
        if isinstance(sans, x509.SubjectAlternativeName) else ()
    usages = tuple(USAGE_NAMES.get(oid, oid.dotted_string) for oid in usage) \
        if isinstance(usage, x509.ExtendedKeyUsage) else ()
    return CertInfo(cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), format(cert.serial_number, "x"),
                    dns, ips, usages, cert.not_valid_before_utc, cert.not_valid_after_utc)


def fitting_window(cert: x509.Certificate) -> tuple[dt.datetime, dt.datetime]:
    """When `cert` is neither too early nor near its end: from its start to RENEW_WITHIN before it ends (a
    certificate that fits otherwise fits from the first until before the second)."""
    return cert.not_valid_before_utc, cert.not_valid_after_utc - RENEW_WITHIN


def _time_problems(cert: x509.Certificate, now: dt.datetime) -> list[str]:
    if cert.not_valid_before_utc > now:
        return [f"not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"]
    if cert.not_valid_after_utc <= now:
        return [f"expired on {cert.not_valid_after_utc:%Y-%m-%d}"]
    if cert.not_valid_after_utc - now < RENEW_WITHIN:
        return [f"expires on {cert.not_valid_after_utc:%Y-%m-%d}, within {RENEW_WITHIN.days} days"]
    return []


def problems_of_ca(cert: x509.Certificate, now: dt.datetime) -> list[str]:
    """Why `cert` cannot serve as ca3's CA (empty when it can)."""
    constraints = _extension(cert, x509.BasicConstraints)
    found = [] if isinstance(constraints, x509.BasicConstraints) and constraints.ca else ["not a CA certificate"]
    return found + _time_problems(cert, now)


def signed_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def problems(spec: CertSpec, cert: x509.Certificate, ca: x509.Certificate, now: dt.datetime) -> list[str]:
    """Why `cert` does not fit `spec` (empty when it does): chain, names, roles and validity."""
    info = describe(cert)
    found = [] if signed_by(cert, ca) else ["not signed by ca3's CA"]
    want_ips = {str(ipaddress.ip_address(a)) for a in spec.ip_addresses}
    if set(info.dns_names) != set(spec.dns_names) or set(info.ip_addresses) != want_ips:
        missing = sorted(set(spec.dns_names) - set(info.dns_names))
        found.append(f"names differ from the settings (missing {', '.join(missing[:3]) or 'none'})")
    roles = {"serverAuth": spec.server, "clientAuth": spec.client}
    if {role for role, on in roles.items() if on} != set(info.usages):
        found.append(f"usages {', '.join(info.usages) or 'none'} do not fit its role")
    return found + _time_problems(cert, now)
