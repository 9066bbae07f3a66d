"""Lab PKI, generated with ``cryptography`` at the first ``up`` and kept in the state directory.

* ``exo_ca.pem`` / ``exo_ca.key``: the lab CA (clients pass ``exo_ca.pem`` as ``ca_path``).
* ``exo_server.pem`` / ``exo_server.key``: the HTTPS and STARTTLS certificate (``127.0.0.1``, ``localhost``,
  ``*.lab.test``), signed by the lab CA.
* ``exo_signing.key``: the key the token endpoint signs access tokens with.
* ``exo_app.pem``: certificate + private key of the lab app registration (certificate authentication).
"""

import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import ipaddress

FILES = ("exo_ca.pem", "exo_ca.key", "exo_server.pem", "exo_server.key", "exo_signing.key", "exo_app.pem")


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path, data, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mailops lab"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(subject, subject_key, issuer, issuer_key, ca=False, sans=None, eku=None, days=3650):
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                                        critical=True)
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def ensure(state_path):
    """Create the lab PKI files that are missing; return their paths."""
    paths = {name: os.path.join(state_path, name) for name in FILES}
    if not all(os.path.exists(p) for p in paths.values()):
        ca_key = _key()
        ca_cert = _cert(_name("mailops lab CA"), ca_key, _name("mailops lab CA"), ca_key, ca=True)
        server_key = _key()
        sans = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost"),
                x509.DNSName("*.lab.test")]
        server_cert = _cert(_name("localhost"), server_key, ca_cert.subject, ca_key, sans=sans,
                            eku=[ExtendedKeyUsageOID.SERVER_AUTH], days=825)
        app_key = _key()
        app_cert = _cert(_name("mailops-lab-app"), app_key, _name("mailops-lab-app"), app_key, days=730)
        _write(paths["exo_ca.pem"], ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(paths["exo_ca.key"], _pem_key(ca_key))
        _write(paths["exo_server.pem"], server_cert.public_bytes(serialization.Encoding.PEM)
               + ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(paths["exo_server.key"], _pem_key(server_key))
        _write(paths["exo_signing.key"], _pem_key(_key()))
        _write(paths["exo_app.pem"], app_cert.public_bytes(serialization.Encoding.PEM) + _pem_key(app_key))
    return paths


def load_private_key(path):
    with open(path, "rb") as handle:
        return serialization.load_pem_private_key(handle.read(), None)


def load_first_cert(path):
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def certificate_pem(cert):
    """The certificate alone, PEM text (what an app registration holds)."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def thumbprints(cert):
    """(SHA-1 hex upper, SHA-256 hex upper) of a certificate."""
    return cert.fingerprint(hashes.SHA1()).hex().upper(), cert.fingerprint(hashes.SHA256()).hex().upper()
