"""The lab's JWS tokens (RS256 signing; RS256 / PS256 verification) with PyJWT.

PyJWT is installed with msal, which signs the client assertions the lab verifies. The lab's server checks the
claims it cares about (``exp``, ``aud``, ``iss``, ``sub``, ``tid``, ``roles``) itself, with the Azure AD error
codes a real tenant answers; here only the signature and the algorithm are checked.
"""

import base64

import jwt as pyjwt

ALGORITHMS = ("RS256", "PS256")
# claims are checked by the server (server.py) with Azure AD's own error codes, not by PyJWT
_SIGNATURE_ONLY = {"verify_signature": True, "verify_exp": False, "verify_nbf": False, "verify_iat": False,
                   "verify_aud": False, "verify_iss": False, "verify_sub": False, "verify_jti": False,
                   "require": []}
_UNVERIFIED = {"verify_signature": False}


class JWTError(Exception):
    pass


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def sign(claims, private_key, headers=None):
    """An RS256 token of ``claims``; ``headers`` (kid, x5t) join ``alg`` and ``typ``."""
    return pyjwt.encode(claims, private_key, algorithm="RS256", headers=dict(headers or {}))


def decode_unverified(token):
    """(header, claims, signature segment) without checking anything."""
    try:
        header = pyjwt.get_unverified_header(token)
        claims = pyjwt.decode(token, options=_UNVERIFIED)
        return header, claims, token.rsplit(".", 1)[1]
    except (pyjwt.PyJWTError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise JWTError(f"malformed JWT: {exc}") from None


def verify(token, public_key):
    """Verify the signature (RS256 or PS256); return (header, claims)."""
    header, _claims, _sig = decode_unverified(token)
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise JWTError(f"unsupported alg {alg!r}")
    try:
        claims = pyjwt.decode(token, public_key, algorithms=[alg], options=_SIGNATURE_ONLY)
    except pyjwt.InvalidSignatureError:
        raise JWTError("invalid signature") from None
    except pyjwt.PyJWTError as exc:
        raise JWTError(f"malformed JWT: {exc}") from None
    return header, claims
