"""A CA and a server certificate for chosen DNS names (service names like influxdb-service.<ns>.svc), in memory."""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    cert_pem: str
    key_pem: str

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting the certificate (the files live only while loading)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as folder:
            cert, key = Path(folder, "tls.crt"), Path(folder, "tls.key")
            cert.write_text(self.cert_pem)
            key.write_text(self.key_pem)
            context.load_cert_chain(cert, key)
        return context


def _cert(subject: str, issuer: str, public_key: ec.EllipticCurvePublicKey, signer: ec.EllipticCurvePrivateKey,
          extensions: list[tuple[x509.ExtensionType, bool]], valid_days: int) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=3)).not_valid_after(now + dt.timedelta(days=valid_days)))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer, hashes.SHA256())


def issue(*names: str, valid_days: int = 2) -> Pki:
    """A fresh CA and a server certificate for `names` signed by it (`valid_days` < 0 gives an expired one)."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("ca3 test CA", "ca3 test CA", ca_key.public_key(), ca_key,
               [(x509.BasicConstraints(ca=True, path_length=0), True)], 30)
    server = _cert(names[0], "ca3 test CA", key.public_key(), ca_key,
                   [(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False),
                    (x509.BasicConstraints(ca=False, path_length=None), True)], valid_days)
    pem = serialization.Encoding.PEM
    return Pki(ca.public_bytes(pem).decode(), server.public_bytes(pem).decode(),
               key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
