# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Exchange app certificate, read with cryptography: the credential msal gets, the expiry warning at 30 days,
and the refusal of an expired or not yet valid certificate. Certificates are made here (self-signed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import client as exo_client
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402  pylint: disable=wrong-import-position
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402  pylint: disable=wrong-import-position
from cryptography.x509.oid import NameOID  # noqa: E402  pylint: disable=wrong-import-position

NOW = datetime.datetime(2026, 12, 5, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_pem(key, not_before, not_after, name="mailops-app", with_key=True, key_first=False):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    if not with_key:
        return cert, cert_pem
    return cert, (key_pem + cert_pem) if key_first else (cert_pem + key_pem)


def days(n):
    return datetime.timedelta(days=n)


def test_the_certificate_is_read_with_its_thumbprint_and_dates(key):
    cert, pem = make_pem(key, NOW - days(10), NOW + days(365), key_first=True)
    info = exo_client.read_certificate(pem)
    assert info["pem"] == cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    assert info["subject"] == "CN=mailops-app"
    assert info["thumbprint"] == cert.fingerprint(hashes.SHA1()).hex().upper()
    assert info["not_after"] == NOW + days(365)
    assert info["not_before"].tzinfo is not None


def test_a_pem_without_a_certificate_gives_none(key):
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    assert exo_client.read_certificate(key_pem) is None
    assert exo_client.check_certificate(key_pem, warn=pytest.fail, now=NOW) is None


def test_a_broken_certificate_block_is_refused_clearly():
    with pytest.raises(errors.ExoValidationError) as info:
        exo_client.read_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    assert info.value.message.startswith("certificate: the certificate in the PEM cannot be read")


def test_a_valid_certificate_gives_no_warning(key):
    _cert, pem = make_pem(key, NOW - days(10), NOW + days(31))
    warnings = []
    assert exo_client.check_certificate(pem, warnings.append, now=NOW)["subject"] == "CN=mailops-app"
    assert warnings == []


@pytest.mark.parametrize("left, when", [
    (days(30), "in 30 days"),
    (days(12) + datetime.timedelta(hours=3), "in 12 days"),
    (days(1), "in 1 day"),
    (datetime.timedelta(hours=5), "within a day"),
])
def test_a_certificate_expiring_within_30_days_warns(key, left, when):
    cert, pem = make_pem(key, NOW - days(300), NOW + left)
    warnings = []
    exo_client.check_certificate(pem, warnings.append, now=NOW)
    assert len(warnings) == 1
    thumbprint = cert.fingerprint(hashes.SHA1()).hex().upper()
    assert warnings[0].startswith("certificate: the app certificate CN=mailops-app (thumbprint %s) expires on %s, %s."
                                  % (thumbprint, (NOW + left).strftime("%Y-%m-%d %H:%M UTC"), when))
    assert "Renew it before then" in warnings[0]


def test_an_expired_certificate_fails(key):
    _cert, pem = make_pem(key, NOW - days(400), NOW - days(2))
    with pytest.raises(errors.ExoValidationError) as info:
        exo_client.check_certificate(pem, pytest.fail, now=NOW)
    assert "expired on %s" % (NOW - days(2)).strftime("%Y-%m-%d %H:%M UTC") in info.value.message
    assert "Certificates & secrets" in info.value.message


def test_a_certificate_not_yet_valid_fails_naming_the_clock(key):
    _cert, pem = make_pem(key, NOW + days(3), NOW + days(400))
    with pytest.raises(errors.ExoValidationError) as info:
        exo_client.check_certificate(pem, pytest.fail, now=NOW)
    assert "is not valid before %s; this controller's clock says 2026-12-05 12:00 UTC" % (
        (NOW + days(3)).strftime("%Y-%m-%d %H:%M UTC")) in info.value.message


def test_the_clock_defaults_to_now(key):
    now = datetime.datetime.now(datetime.timezone.utc)
    _cert, pem = make_pem(key, now - days(1), now + days(10))
    warnings = []
    exo_client.check_certificate(pem, warnings.append)
    assert "in 9 days" in warnings[0]


def test_msal_gets_the_parsed_certificate_as_public_certificate(key):
    cert, pem = make_pem(key, NOW - days(1), NOW + days(400), key_first=True)
    client = exo_client.ExoClient("tenant", "client", certificate_pem=pem)
    credential = client._credential()
    assert credential["public_certificate"] == cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    assert credential["private_key"] == pem


def test_without_a_certificate_the_thumbprint_is_required(key):
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    with pytest.raises(errors.ExoValidationError) as info:
        exo_client.ExoClient("tenant", "client", certificate_pem=key_pem)._credential()
    assert "certificate_thumbprint (SHA-1) is required" in info.value.message
    credential = exo_client.ExoClient("tenant", "client", certificate_pem=key_pem,
                                      certificate_thumbprint="ab:cd")._credential()
    assert credential["thumbprint"] == "ABCD"
