"""Minimal JWS (RS256 / PS256) signing and verification with ``cryptography`` (no PyJWT)."""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding


class JWTError(Exception):
    pass


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def sign(claims, private_key, headers=None):
    header = {"alg": "RS256", "typ": "JWT"}
    header.update(headers or {})
    signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


def decode_unverified(token):
    try:
        head, body, sig = token.split(".")
        return json.loads(b64url_decode(head)), json.loads(b64url_decode(body)), sig
    except (ValueError, TypeError) as exc:
        raise JWTError(f"malformed JWT: {exc}") from None


def verify(token, public_key):
    """Verify the signature (RS256 or PS256); return (header, claims)."""
    header, claims, sig = decode_unverified(token)
    signing_input = token.rsplit(".", 1)[0].encode("ascii")
    alg = header.get("alg")
    if alg == "RS256":
        pad = padding.PKCS1v15()
    elif alg == "PS256":
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    else:
        raise JWTError(f"unsupported alg {alg!r}")
    try:
        public_key.verify(b64url_decode(sig), signing_input, pad, hashes.SHA256())
    except InvalidSignature:
        raise JWTError("invalid signature") from None
    return header, claims
