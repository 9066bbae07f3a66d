"""The lab Exchange's tokens (lab/exo/jwt.py, PyJWT): what the token endpoint signs and what the server accepts,
including msal's own client assertion against a running lab."""

import base64
import hashlib
import json
import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lab.exo import jwt


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


CLAIMS = {"aud": "https://outlook.office365.com", "iss": "https://sts.windows.net/t/", "iat": 1, "nbf": 1,
          "exp": 2, "appid": "app", "tid": "t", "ver": "1.0", "roles": ["Exchange.ManageAsApp"]}


def _segments(token):
    return [json.loads(jwt.b64url_decode(part)) for part in token.split(".")[:2]]


def test_sign_keeps_claims_and_headers(key):
    token = jwt.sign(CLAIMS, key, {"kid": "k1", "x5t": "k1"})
    header, claims = _segments(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": "k1", "x5t": "k1"}
    assert claims == CLAIMS
    # a plain RS256 signature over header.claims, as before PyJWT
    signing_input, signature = token.rsplit(".", 1)
    key.public_key().verify(jwt.b64url_decode(signature), signing_input.encode("ascii"), padding.PKCS1v15(),
                            hashes.SHA256())


def test_verify_checks_only_the_signature_claims_are_the_servers(key):
    # exp in the past, no aud check: the server answers those itself with Azure AD's error codes
    header, claims = jwt.verify(jwt.sign(CLAIMS, key), key.public_key())
    assert header["alg"] == "RS256"
    assert claims == CLAIMS


def test_a_ps256_assertion_as_msal_makes_it_verifies(key):
    token = pyjwt.encode({"aud": "a", "iss": "c", "sub": "c", "exp": int(time.time()) + 60}, key, algorithm="PS256",
                         headers={"x5t#S256": "x"})
    header, claims = jwt.verify(token, key.public_key())
    assert header["alg"] == "PS256" and claims["sub"] == "c"


def test_a_tampered_token_or_another_key_is_an_invalid_signature(key):
    token = jwt.sign(CLAIMS, key)
    head, _body, sig = token.split(".")
    forged = head + "." + jwt.b64url(json.dumps(dict(CLAIMS, roles=["Admin"])).encode()) + "." + sig
    with pytest.raises(jwt.JWTError, match="invalid signature"):
        jwt.verify(forged, key.public_key())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(jwt.JWTError, match="invalid signature"):
        jwt.verify(token, other.public_key())


@pytest.mark.parametrize("alg", ["HS256", "none"])
def test_other_algorithms_are_refused(key, alg):
    header = jwt.b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    token = header + "." + jwt.b64url(json.dumps(CLAIMS).encode()) + "." + jwt.b64url(b"sig")
    with pytest.raises(jwt.JWTError, match="unsupported alg %r" % alg):
        jwt.verify(token, key.public_key())


@pytest.mark.parametrize("token", ["", "abc", "a.b", "!!.??.--", 42])
def test_malformed_tokens_are_jwt_errors(token):
    with pytest.raises(jwt.JWTError, match="malformed JWT"):
        jwt.decode_unverified(token)


def test_decode_unverified_returns_header_claims_and_signature(key):
    token = jwt.sign(CLAIMS, key, {"x5t": jwt.b64url(hashlib.sha1(b"cert").digest())})
    header, claims, sig = jwt.decode_unverified(token)
    assert claims == CLAIMS and sig == token.rsplit(".", 1)[1]
    assert jwt.b64url_decode(header["x5t"]) == hashlib.sha1(b"cert").digest()
    assert base64.urlsafe_b64decode(sig + "==")


def test_msal_gets_a_token_from_the_lab_with_the_certificate_and_the_secret(tmp_path):
    msal = pytest.importorskip("msal")
    requests = pytest.importorskip("requests")
    from lab.exo import cli as exo_cli
    info = exo_cli.up(str(tmp_path), port=0, quiet=True)
    try:
        with open(tmp_path / "exo_vars.yml") as handle:
            text = handle.read()
        values = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line and not line.startswith("#"))
        values = dict((k.strip(), v.strip().strip('"')) for k, v in values.items())
        session = requests.Session()
        session.verify = values["exo_ca_path"]
        session.trust_env = False   # REQUESTS_CA_BUNDLE would win over session.verify
        with open(values["exo_certificate_path"]) as handle:
            pem = handle.read()
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        cert = x509.load_pem_x509_certificates(pem.encode())[0]
        credentials = [values["exo_client_secret"],
                       dict(private_key=pem, public_certificate=cert.public_bytes(serialization.Encoding.PEM).decode())]
        for credential in credentials:
            app = msal.ConfidentialClientApplication(values["exo_client_id"], client_credential=credential,
                                                     authority="%s/%s" % (values["exo_authority"],
                                                                          values["exo_tenant_id"]),
                                                     http_client=session, instance_discovery=False)
            result = app.acquire_token_for_client(scopes=["https://outlook.office365.com/.default"])
            assert "access_token" in result, result
            header, claims, _sig = jwt.decode_unverified(result["access_token"])
            assert header["alg"] == "RS256" and "kid" in header and "x5t" in header
            assert set(claims) >= {"aud", "iss", "iat", "nbf", "exp", "appid", "tid", "roles", "idtyp", "oid"}
            assert claims["aud"] == "https://outlook.office365.com"
    finally:
        exo_cli.down(str(tmp_path), quiet=True)
    assert info
