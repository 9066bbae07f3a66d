# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SMTP routes (``smtproutes``): validation, parse and render.

This module is PRIVATE to the collection. It can change at any time.

A route is ``{"domain": str, "destinations": [{"host": str, "port": int|None, "priority": int|None}]}``.
On the CLI a destination is written ``host[:port][/pri=N]``; ``USEDNS`` and
``/dev/null`` stand alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Document, Source, check_count
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import TableResource
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script

COMMAND = "smtproutes"
DEFAULT_ROUTE = "ALL"
SPECIAL_HOSTS = ("USEDNS", "/dev/null")
MAX_DESTINATIONS = 1000

_LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
HOSTNAME_RE = re.compile(r"^%s(?:\.%s)*\.?$" % (_LABEL, _LABEL))
DOMAIN_RE = re.compile(r"^\.?%s(?:\.%s)*$" % (_LABEL, _LABEL))
DESTINATION_RE = re.compile(r"^(?P<host>\[[^\]]+\]|[^:/\s]+)(?::(?P<port>\d+))?(?:/pri=(?P<priority>\d+))?$", re.I)

# Questions of the smtproutes menus (docs/asyncos-cli.md, "smtproutes").
Q_MENU = r"Choose the operation you want to perform:[\s\S]*-\s*NEW\s*-"
Q_EDIT_MENU = r"Choose the operation you want to perform:[\s\S]*-\s*REPLACE\s*-"
Q_NEW_DOMAIN = r"Enter the domain for which"
Q_DESTINATIONS = r"(?<!additional )destination hosts, separated by commas"
Q_AUTH_PROFILE = r"associate an SMTP authentication profile"
Q_EDIT_DOMAIN = r"(?:domain|hostname|route)[^\n]*\bedit\b"
Q_DELETE_DOMAIN = r"(?:domain|hostname|route)[^\n]*\bdelete\b"
Q_RESET_DEFAULT = r"reset the default route"
# DELETE of another route: whether the appliance confirms is not settled by the evidence (Cisco's CLI test library
# answers Y once, for the default route); a confirmation is accepted when it comes (docs/asyncos-cli.md §6).
Q_DELETE_SURE = r"Are you sure you want to delete"
# EDIT asks for a new domain name after the route and before its sub-menu (Enter keeps it), and each of
# ADD/REPLACE/REMOVE may ask SMTP-authentication follow-ups (ctor/smtproutes.py, all releases). The driver
# manages no authentication profiles: it associates none and keeps any association there is.
Q_EDIT_NEW_DOMAIN = r"\bnew domain\b|permanent route"
Q_EDIT_AUTH = (r"associate an SMTP authentication profile", r"associate another SMTP authentication",
               r"disassociate the SMTP authentication profile")


class RouteError(ValueError):
    """Invalid route input; the message names the field and the rule."""


def _is_ip(text):
    try:
        ipaddress.ip_address(str(text))
        return True
    except ValueError:
        return False


def validate_domain(domain, field="domain"):
    if not isinstance(domain, str):
        raise RouteError("%s: must be a string" % field)
    value = domain.strip()
    if value.upper() == DEFAULT_ROUTE:
        return DEFAULT_ROUTE
    if not value:
        raise RouteError("%s: must not be empty" % field)
    if not (DOMAIN_RE.match(value) or _is_ip(value)):
        raise RouteError("%s: %r is not a domain, a partial domain such as '.example.com', an IP address or 'ALL'" % (field, domain))
    return value.lower()


def normalise_destination(dest, field="destinations"):
    """Check one destination dict and return it in canonical form."""
    host = dest.get("host")
    if host is None or not str(host).strip():
        raise RouteError("%s.host: is required" % field)
    host = str(host).strip()
    port = dest.get("port")
    priority = dest.get("priority")
    if host.upper() == "USEDNS":
        host = "USEDNS"
    if host in SPECIAL_HOSTS:
        if port is not None or priority is not None:
            raise RouteError("%s: %s stands alone; it takes no port or priority" % (field, host))
        return dict(host=host, port=None, priority=None)
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if _is_ip(bare):
        if ":" in bare and port is not None:
            raise RouteError("%s: an IPv6 destination (%s) cannot take a port" % (field, host))
    elif bare != host or not HOSTNAME_RE.match(bare) or bare.rstrip(".").rsplit(".", 1)[-1].isdigit():
        # a bracketed host must be an IP address; a name's last label is never all digits (192.0.2.300)
        raise RouteError("%s.host: %r is not a valid hostname or IP address" % (field, host))
    else:
        host = host.lower()
    if port is not None:
        port = int(port)
        if not 1 <= port <= 65535:
            raise RouteError("%s.port: %d is out of range 1-65535 (host %s)" % (field, port, host))
    if priority is not None:
        priority = int(priority)
        if not 0 <= priority <= 65535:
            raise RouteError("%s.priority: %d is out of range 0-65535 (host %s)" % (field, priority, host))
    return dict(host=host, port=port, priority=priority)


def destination_to_text(dest):
    text = dest["host"]
    if dest.get("port") is not None:
        text += ":%d" % dest["port"]
    if dest.get("priority") is not None:
        text += "/pri=%d" % dest["priority"]
    return text


def destination_from_text(text):
    text = text.strip()
    if text.upper() == "USEDNS" or text == "/dev/null":
        return dict(host="USEDNS" if text.upper() == "USEDNS" else text, port=None, priority=None)
    if text.count(":") > 1 and not text.startswith("["):
        host, dummy, pri = text.partition("/pri=")
        return dict(host=host, port=None, priority=int(pri) if pri else None)
    match = DESTINATION_RE.match(text)
    if not match:
        raise RouteError("cannot parse destination %r" % text)
    return dict(host=match.group("host"), port=int(match.group("port")) if match.group("port") else None,
                priority=int(match.group("priority")) if match.group("priority") else None)


def normalise_route(route, index=None):
    """Validate one user-supplied route and return it in canonical form."""
    where = "config[%s]" % index if index is not None else "config"
    domain = validate_domain(route.get("domain"), field="%s.domain" % where)
    dests = route.get("destinations") or []
    if not dests:
        raise RouteError("%s.destinations: at least one destination is required for %s" % (where, domain))
    if len(dests) > MAX_DESTINATIONS:
        raise RouteError("%s.destinations: at most %d destinations are allowed" % (where, MAX_DESTINATIONS))
    norm = [normalise_destination(d, field="%s.destinations[%d]" % (where, i)) for i, d in enumerate(dests)]
    specials = [d["host"] for d in norm if d["host"] in SPECIAL_HOSTS]
    if specials and len(norm) > 1:
        raise RouteError("%s.destinations: %s must be the only destination of %s" % (where, specials[0], domain))
    seen = set()
    for dest in norm:
        if dest["host"] in seen:
            raise RouteError("%s.destinations: host %s is listed twice for %s" % (where, dest["host"], domain))
        seen.add(dest["host"])
    return dict(domain=domain, destinations=norm)


def sort_key(route):
    # the default route last, as the appliance prints it
    return (route["domain"] == DEFAULT_ROUTE, route["domain"])


def parse(text):
    """Routes from the output of smtproutes PRINT (or its EXPORT file)."""
    routes = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if re.match(r"^(Domain|Receiving Domain)\s+Destination", line, re.I) or re.match(r"^[-=\s]+$", line):
            continue
        if re.match(r"^(There (are|is)|Choose the operation|- [A-Z]+ -|\[\]>)", line):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            continue
        domain, dests = parts
        if not (DOMAIN_RE.match(domain) or domain == DEFAULT_ROUTE or _is_ip(domain)):
            continue
        try:
            parsed = [destination_from_text(d) for d in dests.split(",") if d.strip()]
        except RouteError:
            continue
        routes.append(dict(domain=domain if domain == DEFAULT_ROUTE else domain.lower(), destinations=parsed))
    return sorted(routes, key=sort_key)


def render_export(routes):
    """The EXPORT/IMPORT file form: one route per line."""
    return "".join("%s %s\n" % (r["domain"], ",".join(destination_to_text(d) for d in r["destinations"]))
                   for r in sorted(routes, key=sort_key))


# -- render --------------------------------------------------------------------


def _read_script():
    return Script(COMMAND).menu("smtproutes menu", Q_MENU, "PRINT").menu("smtproutes menu", Q_MENU, "") \
        .extend_rules(cluster.read_rules("SMTP routes"))


def _prepare(output):
    routes = parse(output)
    check_count(output, r"There are currently (\d+) routes? defined", len(routes), "routes")
    return routes


SOURCE = Source("smtproutes", _read_script, _prepare)
DOCUMENT = Document("smtp_routes", SOURCE, lambda routes, scope: routes)


class SmtpRoutes(TableResource):
    """The SMTP routes table (guide step S5)."""

    name = "smtp_routes"
    label = "SMTP routes"
    info_key = "smtp_routes"
    command = COMMAND
    stored_in = DOCUMENT.prefix

    def normalise(self, entry, index):
        return normalise_route(entry, index)

    def want(self, params):
        if params.get("state") == "deleted":
            # deleting names the routes only; destinations, when given, are not compared
            return [dict(domain=validate_domain(e.get("domain"), field="config[%d].domain" % i), destinations=[])
                    for i, e in enumerate(params.get("config") or [])]
        return super(SmtpRoutes, self).want(params)

    def parse(self, text):
        return parse(text)

    def key(self, entry):
        return entry["domain"]

    def equal(self, have, want):
        return sorted(destination_to_text(d) for d in have["destinations"]) == \
            sorted(destination_to_text(d) for d in want["destinations"])

    def merge(self, have, want):
        """merged: keep the route's other destinations; the wanted ones win per host."""
        wanted_hosts = set(d["host"] for d in want["destinations"])
        if any(d["host"] in SPECIAL_HOSTS for d in want["destinations"]):
            return dict(domain=have["domain"], destinations=list(want["destinations"]))
        kept = [d for d in have["destinations"] if d["host"] not in wanted_hosts and d["host"] not in SPECIAL_HOSTS]
        return dict(domain=have["domain"], destinations=kept + list(want["destinations"]))

    def replace(self, have, want):
        return want

    def protected(self, key, snapshot):
        return key == DEFAULT_ROUTE

    def sort_key(self, entry, order):
        return sort_key(entry)

    def render(self, plan, snapshot):
        script = Script(COMMAND)
        for verb, route in plan.operations:
            dests = ", ".join(destination_to_text(d) for d in route.get("destinations", []))
            if verb == "create":
                script.menu("smtproutes menu", Q_MENU, "NEW", operation=True).ask(Q_NEW_DOMAIN, route["domain"]) \
                    .ask(Q_DESTINATIONS, dests).ask(Q_AUTH_PROFILE, "N", optional=True)
            elif verb == "update":
                # After REPLACE the appliance goes back to the main smtproutes menu (docs/asyncos-cli.md,
                # "smtproutes"); if it stayed in the EDIT menu, the dialogue fails on the unexpected question.
                script.menu("smtproutes menu", Q_MENU, "EDIT", operation=True).ask(Q_EDIT_DOMAIN, route["domain"]) \
                    .ask(Q_EDIT_NEW_DOMAIN, "", optional=True) \
                    .submenu("route edit menu", Q_EDIT_MENU, "REPLACE").ask(Q_DESTINATIONS, dests)
                for pattern in Q_EDIT_AUTH:
                    script.ask(pattern, "N", optional=True, shown=False)
            else:
                script.menu("smtproutes menu", Q_MENU, "DELETE", operation=True).ask(Q_DELETE_DOMAIN, route["domain"])
                if route["domain"] == DEFAULT_ROUTE:
                    script.ask(Q_RESET_DEFAULT, "Y")
                else:
                    script.ask(Q_DELETE_SURE, "Y", optional=True, shown=False)
        return script.menu("smtproutes menu", Q_MENU, "")

    def to_diff(self, entries):
        return dict((r["domain"], [destination_to_text(d) for d in r["destinations"]]) for r in entries)
