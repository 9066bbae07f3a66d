"""Validation and canonical form of SMTP routes (``smtproutes``).

Destinations are kept in the canonical text form ``host[:port][/pri=N]``.
"""

import ipaddress
import re

# Lab choices (see lab/README.md, "Fidelity").
MAX_ROUTES = 40000          # [UG] AsyncOS 8.0.1 p. 21-3: 40,000 routes including ALL
MAX_DESTINATIONS = 64       # lab choice: the real limit was not found
SPECIAL_DESTINATIONS = ("USEDNS", "/dev/null")

_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_PRI = re.compile(r"^pri=(\d{1,5})$", re.IGNORECASE)


class RouteError(ValueError):
    """A value was rejected; the message is printed by the CLI before the re-ask."""


def _valid_hostname(name):
    if not name or len(name) > 253:
        return False
    return all(_LABEL.match(label) for label in name.split("."))


def _ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def canonical_domain(text):
    """Return the canonical receiving domain (``ALL``, ``example.com`` or ``.example.com``)."""
    value = text.strip()
    if not value:
        raise RouteError("You must enter a value.")
    if value.upper() == "ALL":
        return "ALL"
    lowered = value.lower()
    body = lowered[1:] if lowered.startswith(".") else lowered
    if _ip(body) is None and not _valid_hostname(body):
        raise RouteError(f'Invalid hostname format "{value}".')
    return lowered


def _canonical_host(host, raw):
    """Validate a host part (no port, no priority) and return it canonicalised."""
    if host.startswith("["):
        if not host.endswith("]"):
            raise RouteError(f'Invalid hostname format "{raw}".')
        return "[" + _canonical_host(host[1:-1], raw) + "]"
    address = _ip(host)
    if address is not None:
        return str(address)
    lowered = host.lower()
    if not _valid_hostname(lowered):
        raise RouteError(f'Invalid hostname format "{raw}".')
    return lowered


def parse_destination(raw):
    """Parse one destination; return ``(host, port, pri)`` (port/pri may be None)."""
    text = raw.strip()
    if not text:
        raise RouteError('Invalid hostname format "".')
    pri = None
    head = text
    if "/" in text:
        head, _sep, option = text.partition("/")
        match = _PRI.match(option.strip())
        if not match or int(match.group(1)) > 65535:
            raise RouteError(f'The value must be a priority from 0 to 65535 in "{text}".')
        pri = int(match.group(1))
        head = head.strip()
    port = None
    if head.startswith("["):
        end = head.find("]")
        if end < 0:
            raise RouteError(f'Invalid hostname format "{text}".')
        host, rest = head[:end + 1], head[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise RouteError(f'Invalid hostname format "{text}".')
            port = rest[1:]
    elif head.count(":") > 1:
        host = head          # bare IPv6 literal: no port possible
    else:
        host, sep, port_text = head.partition(":")
        port = port_text if sep else None
    host = _canonical_host(host, text)
    if port is not None:
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise RouteError(f'The value must be a port number from 1 to 65535 in "{text}".')
        port = int(port)
    return host, port, pri


def format_destination(host, port=None, pri=None):
    text = host
    if port is not None:
        text += f":{port}"
    if pri is not None:
        text += f"/pri={pri}"
    return text


def canonical_destination(raw):
    upper = raw.strip().upper()
    if upper == "USEDNS":
        return "USEDNS"
    if upper == "/DEV/NULL":
        return "/dev/null"
    return format_destination(*parse_destination(raw))


def parse_destination_list(text, existing=()):
    """Validate a comma-separated destination list.

    ``existing`` are the destinations already on the route (EDIT > ADD); the
    return value is the list of NEW canonical destinations only.
    """
    if not text.strip():
        raise RouteError("You must enter a value.")
    items = [canonical_destination(item) for item in text.split(",")]
    combined = list(existing) + items
    if len(combined) > 1 and any(item in SPECIAL_DESTINATIONS for item in combined):
        raise RouteError("The value may not combine USEDNS or /dev/null with other destination hosts.")
    if len(combined) > MAX_DESTINATIONS:
        raise RouteError(f"Routes may not contain more than {MAX_DESTINATIONS} destinations.")
    seen = {}
    for item in combined:
        if item in SPECIAL_DESTINATIONS:
            continue
        host, port, _pri = parse_destination(item)
        if host in seen:
            if seen[host] is None:
                raise RouteError(f"The host {host} is already using the standard port.")
            raise RouteError(f"The host {host} already has an alternate port ({seen[host]}).")
        seen[host] = port
    return items


def sort_routes(routes):
    """Routes sorted by domain (case-insensitive), the default route ``ALL`` last."""
    return sorted(routes, key=lambda route: (route["domain"] == "ALL", route["domain"].lower()))


def parse_route_file(text):
    """Parse an IMPORT file: ``<domain> <dest>[,<dest>...]`` per line, ``#`` comments.

    Returns the route list; raises RouteError with a ``Line N:`` prefix.
    """
    routes = []
    seen = set()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        parts = stripped.split(None, 1)
        try:
            if len(parts) != 2:
                raise RouteError("Each line must contain a domain and its destination hosts.")
            domain = canonical_domain(parts[0])
            if domain in seen:
                raise RouteError(f"The value {domain} is already in the routing table.")
            seen.add(domain)
            routes.append({"domain": domain, "destinations": parse_destination_list(parts[1])})
        except RouteError as exc:
            raise RouteError(f"Line {number}: {exc}") from None
    return sort_routes(routes)


def render_route_file(routes, stamp):
    lines = [f"# File exported by the CLI at {stamp}"]
    for route in sort_routes(routes):
        lines.append(f"{route['domain']} {','.join(route['destinations'])}")
    return "\n".join(lines) + "\n"
