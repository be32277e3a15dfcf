"""The private CA and the certificates it signs, made with `cryptography` (in memory; store.py writes them).

RSA 2048 keys in unencrypted PKCS#8 PEM: the one key format every consumer reads (Kafka's PEM keystore takes
PKCS#8 only, InfluxDB, Grafana, kafka-exporter and the Python apps take it too). Keys never leave this module as
anything but bytes handed to the store.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ca3cli.operations.certs.names import CertSpec
from ca3cli.operations.certs.pair import Pair

KEY_BITS = 2048
BACKDATE = dt.timedelta(minutes=5)  # a node whose clock is a little behind still accepts a fresh certificate
ORGANISATION = "ca3 conveyor pipeline"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def new_ca(common_name: str, days: int, now: dt.datetime) -> Pair:
    """A self-signed CA that may sign leaf certificates only (path length 0)."""
    key = _key()
    subject = _name(common_name)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Pair(cert.public_bytes(serialization.Encoding.PEM), _pem(key))


def _usages(spec: CertSpec) -> list[x509.ObjectIdentifier]:
    return ([ExtendedKeyUsageOID.SERVER_AUTH] if spec.server else []) + (
        [ExtendedKeyUsageOID.CLIENT_AUTH] if spec.client else [])


def issue(spec: CertSpec, ca: Pair, days: int, now: dt.datetime) -> Pair:
    """A leaf certificate for `spec` signed by `ca`, never valid beyond the CA itself."""
    ca_cert = ca.cert
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    assert isinstance(ca_key, rsa.RSAPrivateKey)  # ca3's own CA, made by new_ca
    key = _key()
    until = min(now + dt.timedelta(days=days), ca_cert.not_valid_after_utc)
    builder = (x509.CertificateBuilder().subject_name(_name(spec.common_name)).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - BACKDATE).not_valid_after(until)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage(_usages(spec)), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False))
    if spec.dns_names or spec.ip_addresses:
        names: list[x509.GeneralName] = [x509.DNSName(name) for name in spec.dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(address)) for address in spec.ip_addresses]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return Pair(cert.public_bytes(serialization.Encoding.PEM), _pem(key))
