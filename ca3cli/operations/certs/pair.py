"""A certificate and its private key as PEM bytes, parsed only when asked: reading the files loads no cryptography,
so a render whose certificates fitted before (ca3cli/operations/certs/verdicts.py) never loads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509


@dataclass(frozen=True)
class Pair:
    """A certificate and its private key, as PEM bytes."""

    cert_pem: bytes
    key_pem: bytes

    @property
    def cert(self) -> x509.Certificate:
        from cryptography import x509  # about 25 ms of CPU, paid only by what reads a certificate's fields

        return x509.load_pem_x509_certificate(self.cert_pem)
