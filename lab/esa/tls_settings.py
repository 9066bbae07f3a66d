"""TLS settings of ``sslconfig`` (table ``ssl``): validation and factory value.

The table is ``{"gui_methods", "gui_ciphers", "inbound_methods", "inbound_ciphers", "outbound_methods",
"outbound_ciphers"}`` (methods: a list such as ``["TLSv1.2"]``; ciphers: an OpenSSL cipher string).
"""

import re

METHODS = ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
DEFAULT_CIPHERS = ("ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!SRP:!AESGCM+DH+aRSA:!AESGCM+RSA:!aNULL:!eNULL:"
                   "!DES:!3DES:!IDEA:!RC4:!SSLv2:!SSLv3")
# (table key prefix, label in the summary, name in the cipher question)
SERVICES = (("gui", "GUI HTTPS", "GUI HTTPS"), ("inbound", "Inbound SMTP", "inbound SMTP"), ("outbound", "Outbound SMTP", "outbound SMTP"))

_ELEMENT = re.compile(r"^[!+-]?[A-Za-z0-9@=_.+-]+$")


class SslError(ValueError):
    """A rejected value."""


# Switches of the 13.0+ renegotiation questions and the 13.8.7+ verbs (lab/esa/commands/sslconfig.py); the keys
# and factory values are reconstructed.  Older profiles keep them unchanged.
FLAGS = {"gui_tls_renegotiation": True, "inbound_tls_renegotiation": True, "other_client_tlsv10": False,
         "peer_cert_fqdn": False, "peer_cert_x509": False}


def factory_ssl():
    table = {}
    for key, _label, _name in SERVICES:
        table[f"{key}_methods"] = ["TLSv1.2"]
        table[f"{key}_ciphers"] = DEFAULT_CIPHERS
    table.update(FLAGS)
    return table


def check_ciphers(text):
    value = text.strip()
    if not value or not all(_ELEMENT.match(element) for element in value.split(":")):
        raise SslError(f'Invalid cipher string "{value}".')
    return value


def parse_methods(text):
    wanted = [item.strip() for item in text.split(",") if item.strip()]
    if not wanted:
        raise SslError("You must enter a value.")
    result = []
    for item in wanted:
        key = item.lower().replace(" ", "").replace("_", ".")
        match = next((method for method in METHODS if method.lower() == key or method.lower().replace(".", "") == key), None)
        if match is None:
            raise SslError(f'Invalid TLS method "{item}". Valid methods: {", ".join(METHODS)}.')
        if match not in result:
            result.append(match)
    return [method for method in METHODS if method in result]


def normalise_ssl(value):
    """Validate and complete a seeded ``ssl`` table."""
    if not isinstance(value, dict):
        raise SslError("ssl must be a JSON object")
    table = factory_ssl()
    for key, raw in value.items():
        if key.endswith("_ciphers") and key in table:
            table[key] = check_ciphers(str(raw))
        elif key.endswith("_methods") and key in table:
            table[key] = parse_methods(",".join(raw) if isinstance(raw, list) else str(raw))
        elif key in FLAGS:
            if not isinstance(raw, bool):
                raise SslError(f'ssl setting "{key}" must be true or false')
            table[key] = raw
        else:
            raise SslError(f'unknown ssl setting "{key}"')
    return table
