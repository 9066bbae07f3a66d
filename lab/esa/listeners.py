"""Listeners and their Recipient Access Tables (``listenerconfig``): data model and RAT file.

A listener is ``{"name", "type": "public"|"private", "interface", "port", "rat", "hat"}``; ``rat`` is a
list of entries (``ALL`` always last) for a public listener and ``None`` for a private one; ``hat`` is
the Host Access Table (see ``hat.py``).
"""

import copy
import ipaddress
import json
import re

from .hat import HatError, factory_hat, normalise_hat

# Lab choice: the interfaces of the lab appliance.
INTERFACES = (
    ("Management", "192.168.42.42"),
    ("Data 1", "192.0.2.10"),
    ("Data 2", "198.51.100.10"),
)

ACTIONS = (("ACCEPT", "Accept"), ("REJECT", "Reject"), ("TCPREFUSE", "TCP Refuse"), ("CONTINUE", "Continue"))

ADDRESS_HELP = ('A Recipient Access Table address can be one of the following: a full email address ("user@example.com"), '
                'a domain ("example.com" or "@example.com"), a partial domain (".example.com" or "@.example.com"), '
                'a user name ("user@"), or an address with an IP literal ("user@[192.0.2.1]").')

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class RatError(ValueError):
    """A rejected value; the message is printed before the re-ask."""


def rat_entry(address, action, code=None, text=None, bypass_rc=False, bypass_ldap=False, bypass_ca=False):
    return {"address": address, "action": action, "smtp_response_code": code, "smtp_response_text": text,
            "bypass_receiving_control": bypass_rc, "bypass_ldap_accept": bypass_ldap, "bypass_call_ahead": bypass_ca}


def factory_listeners():
    return [
        {"name": "IncomingMail", "type": "public", "interface": "Data 1", "port": 25,
         "rat": [rat_entry("ALL", "REJECT")], "hat": factory_hat("public")},
        {"name": "OutgoingMail", "type": "private", "interface": "Data 2", "port": 25, "rat": None,
         "hat": factory_hat("private")},
    ]


def complete_listeners(listeners):
    """Give listeners of older state files their factory HAT (in place)."""
    for listener in listeners or []:
        if isinstance(listener, dict) and not listener.get("hat"):
            listener["hat"] = factory_hat(listener.get("type", "public"))
    return listeners


def interface_ip(name):
    for interface, address in INTERFACES:
        if interface == name:
            return address
    return "0.0.0.0"


def _valid_domain(text):
    body = text[1:] if text.startswith(".") else text
    if body.startswith("[") and body.endswith("]") and not text.startswith("."):
        try:
            ipaddress.IPv4Address(body[1:-1])
        except ValueError:
            return False
        return True
    if not body or len(body) > 253 or body.rsplit(".", 1)[-1].isdigit():
        return False        # an IP address must be written as a literal: [192.0.2.1]
    return all(_LABEL.match(label) for label in body.split("."))


def canonical_address(text):
    """Validate a RAT address; return it with the domain part lower-cased."""
    value = text.strip()
    if not value:
        raise RatError("Please enter a value.")
    if value.upper() == "ALL":
        return "ALL"
    if " " in value or value.count("@") > 1:
        raise RatError(ADDRESS_HELP)
    if "@" in value:
        local, _sep, domain = value.partition("@")
        if local and not _LOCAL.match(local):
            raise RatError(ADDRESS_HELP)
        if not domain:
            if not local:
                raise RatError(ADDRESS_HELP)
            return f"{local}@"
        if not _valid_domain(domain.lower()):
            raise RatError(ADDRESS_HELP)
        return f"{local}@{domain.lower()}"
    if not _valid_domain(value.lower()):
        raise RatError(ADDRESS_HELP)
    return value.lower()


def find_entry(rat, address):
    for entry in rat:
        if entry["address"].lower() == address.lower():
            return entry
    return None


def order_rat(rat):
    """Keep the order, ``ALL`` last (added as ``ALL REJECT`` if missing)."""
    entries = [entry for entry in rat if entry["address"] != "ALL"]
    everyone = [entry for entry in rat if entry["address"] == "ALL"] or [rat_entry("ALL", "REJECT")]
    return entries + everyone[:1]


def has_params(entry):
    return bool(entry.get("smtp_response_code") or entry.get("bypass_receiving_control")
                or entry.get("bypass_ldap_accept") or entry.get("bypass_call_ahead"))


def render_params(entry):
    """The lab's export extension: ``{key=value ...}`` after the action."""
    parts = []
    if entry.get("smtp_response_code"):
        parts.append(f"smtp_response_code={entry['smtp_response_code']}")
        parts.append(f"smtp_response_text={json.dumps(entry.get('smtp_response_text') or '')}")
    for key in ("bypass_receiving_control", "bypass_ldap_accept", "bypass_call_ahead"):
        if entry.get(key):
            parts.append(f"{key}=yes")
    return "{" + " ".join(parts) + "}"


def render_rat_file(rat, stamp):
    lines = [f"# File exported by the CLI at {stamp}"]
    for entry in rat:
        line = f"{entry['address']} {entry['action']}"
        if has_params(entry):
            line += " " + render_params(entry)
        lines.append(line)
    return "\n".join(lines) + "\n"


_PARAM = re.compile(r'\s*(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s}]+)')


def _parse_params(text, entry):
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise RatError(f'Invalid parameters "{text.strip()}".')
    body = body[1:-1]
    position = 0
    while body[position:].strip():
        match = _PARAM.match(body, position)
        if not match:
            raise RatError(f'Invalid parameters "{text.strip()}".')
        key, value = match.group(1), match.group(2)
        position = match.end()
        if key == "smtp_response_code":
            if not value.isdigit() or not 200 <= int(value) <= 599:
                raise RatError("The value must be an SMTP code from 200 to 599.")
            entry[key] = int(value)
        elif key == "smtp_response_text":
            entry[key] = json.loads(value) if value.startswith('"') else value
        elif key in ("bypass_receiving_control", "bypass_ldap_accept", "bypass_call_ahead"):
            if value.lower() not in ("yes", "no"):
                raise RatError(f'Invalid value "{value}" for {key}.')
            entry[key] = value.lower() == "yes"
        else:
            raise RatError(f'Unknown parameter "{key}".')


def parse_action(text):
    wanted = text.strip().upper().replace(" ", "")
    for action, _label in ACTIONS:
        if wanted == action:
            return action
    raise RatError(f'Invalid action "{text.strip()}".')


def parse_rat_file(text):
    """``<address> <ACTION> [{params}]`` per line, ``#`` comments.  Errors carry ``Line N:``."""
    rat = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split(None, 2)
        try:
            if len(parts) < 2:
                raise RatError("Each line must contain an address and an action.")
            address = canonical_address(parts[0])
            if find_entry(rat, address) is not None:
                raise RatError(f"The value {address} is already in the Recipient Access Table.")
            entry = rat_entry(address, parse_action(parts[1]))
            if len(parts) == 3:
                _parse_params(parts[2], entry)
            rat.append(entry)
        except RatError as exc:
            raise RatError(f"Line {number}: {exc}") from None
    return rat


def normalise_listeners(value):
    """Complete a seeded listener list (``python -m lab seed``)."""
    if not isinstance(value, list):
        raise RatError("listeners must be a JSON list")
    result = []
    for item in value:
        if not isinstance(item, dict) or not item.get("name"):
            raise RatError("each listener needs a name")
        listener = {"name": item["name"], "type": item.get("type", "public"),
                    "interface": item.get("interface", "Data 1"), "port": int(item.get("port", 25))}
        if listener["type"] not in ("public", "private"):
            raise RatError('listener type must be "public" or "private"')
        if listener["type"] == "public":
            rat = []
            for raw in item.get("rat") or []:
                entry = rat_entry(canonical_address(raw["address"]), parse_action(raw.get("action", "ACCEPT")))
                entry.update({key: copy.deepcopy(raw[key]) for key in entry if key in raw and key not in ("address", "action")})
                rat.append(entry)
            listener["rat"] = order_rat(rat)
        else:
            listener["rat"] = None
        try:
            listener["hat"] = normalise_hat(item.get("hat"), listener["type"])
        except HatError as exc:
            raise RatError(f"listener {listener['name']}: hat: {exc}") from None
        result.append(listener)
    return result
