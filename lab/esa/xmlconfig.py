"""``showconfig``/``saveconfig`` XML rendering (element names: docs/asyncos-cli.md, "showconfig and saveconfig")."""

import base64
import hashlib
from xml.sax.saxutils import escape

from . import destinations as dc
from .hat import PARAM_KEYS, SCAN_KEYS, listener_hat, render_hat, text_value
from .listeners import INTERFACES, factory_listeners
from .message_filters import render_script
from .store import BOUNCE_SETTINGS, bounce_settings
from .tls_settings import factory_ssl

PASSPHRASE_MASK = 1
PASSPHRASE_ENCRYPT = 2
PASSPHRASE_PLAIN = 3

MASK = "*****"


def encrypt_passphrase(secret, salt):
    """An encrypted-looking, deterministic stand-in (not reversible, not the secret)."""
    digest = hashlib.sha256(f"{salt}:{secret}".encode("utf-8")).digest()
    return "$lab$" + base64.b64encode(digest).decode("ascii")


def _passphrase(secret, option, salt):
    if option == PASSPHRASE_PLAIN:
        return secret
    if option == PASSPHRASE_ENCRYPT:
        return encrypt_passphrase(secret, salt)
    return MASK


def _element(name, value, indent):
    return f"{' ' * indent}<{name}>{escape(str(value))}</{name}>"


def render_config(info, view, option):
    """XML text of the whole configuration.

    ``info``: dict with model, version, serial, hostname, password, now (ctime text), cluster (dict or None).
    ``view``: effective tables (``smtp_routes`` ...).
    """
    hostname = info["hostname"]
    lines = [
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        '<!DOCTYPE config SYSTEM "config.dtd">',
        "",
        "<!--",
        f"  Product: Cisco {info['model']} Email Security Virtual Appliance",
        f"  Model Number: {info['model']}",
        f"  Version: {info['version']}",
        f"  Serial Number: {info['serial']}",
        "  Number of CPUs: 2",
        "  Memory (MB): 8192",
        f"  Current Time: {info['now']}",
        "-->",
        "<config>",
        _element("hostname", hostname, 2),
    ]
    if info.get("cluster"):
        cluster = info["cluster"]
        lines += ["  <cluster>", _element("cluster_name", cluster["name"], 4)]
        for group, machines in cluster["groups"].items():
            lines += ["    <cluster_group>", _element("group_name", group, 6)]
            lines += [_element("machine_name", machine, 6) for machine in machines]
            lines.append("    </cluster_group>")
        lines.append("  </cluster>")
    lines.append("  <interfaces>")
    for number, (name, address) in enumerate(INTERFACES):
        lines += [
            "    <interface>",
            _element("phys_interface", "Management" if number == 0 else f"Data {number}", 6),
            _element("interface_name", name, 6),
            _element("interface_hostname", hostname, 6),
            _element("ip", address, 6),
            _element("netmask", "255.255.255.0", 6),
            "    </interface>",
        ]
    lines += [
        "  </interfaces>",
        "  <routing_tables>",
        "    <routing_table>",
        _element("routing_table_ip_version", "4", 6),
        _element("routing_table_gateway", "192.168.42.1", 6),
        "    </routing_table>",
        "  </routing_tables>",
        "  <dns>",
        _element("dns_servers_type", "internet_root", 4),
        _element("dns_timeout", "5", 4),
        "  </dns>",
        "  <smtp_routes>",
    ]
    for route in view.get("smtp_routes", []):
        lines.append("    <smtp_route>")
        lines.append(_element("route_source_address", route["domain"], 6))
        lines += [_element("route_destination_address", dest, 6) for dest in route["destinations"]]
        lines.append("    </smtp_route>")
    lines.append("  </smtp_routes>")
    lines += _destination_controls(view.get("destination_controls", dc.factory_table()))
    lines += _bounce_profiles(view.get("bounce_profiles") or ["Default"], view.get(BOUNCE_SETTINGS))
    lines += _listeners(view.get("listeners", factory_listeners()), info.get("hat_scan_params", True))
    lines += [
        _element("filters", render_script(view.get("filters", [])), 2),
        *_ssl(view.get("ssl") or factory_ssl(), info.get("ssl_hidden", ())),
        "  <smtpauth_profiles></smtpauth_profiles>",
        "  <users>",
        "    <user>",
        _element("username", "admin", 6),
        _element("full_name", "Administrator", 6),
        _element("password", _passphrase(info["password"], option, info["serial"]), 6),
        _element("group", "admin", 6),
        "    </user>",
        "  </users>",
        "  <alert_email_config>",
        _element("alert_email_address", f"admin@{hostname}", 4),
        "  </alert_email_config>",
        "</config>",
    ]
    return "\n".join(lines) + "\n"


def _destination_controls(table):
    """``<destination_controls>`` (element names: lab choice, after the import-file keys)."""
    lines = ["  <destination_controls>"]
    for entry in dc.sort_table(table):
        lines += ["    <destination_control>", _element("domain", entry["domain"], 6)]
        for key, field in dc.FILE_KEYS.items():
            value = entry.get(field)
            if field == "recipient_limit" and value is None and entry["domain"] == dc.DEFAULT_DOMAIN:
                value = 0
            if value is not None:
                lines.append(_element(key, dc.file_value(field, value), 6))
        lines.append("    </destination_control>")
    lines.append("  </destination_controls>")
    return lines


def _bounce_profiles(names, table):
    """``<bounce_profiles>`` (reconstructed: docs/asyncos-cli.md sections 11-12): one ``<bounce_profile>`` per profile
    in listing order, ``<profile_name>`` then one element per setting named by its batch key; yes/no settings
    ``yes``, ``no`` or ``default`` (follows the Default profile)."""
    lines = ["  <bounce_profiles>"]
    for name in names:
        lines += ["    <bounce_profile>", _element("profile_name", name, 6)]
        for key, value in bounce_settings(table, name).items():
            text = "default" if value is None else _yes_no(value) if isinstance(value, bool) else value
            lines.append(_element(key, text, 6))
        lines.append("    </bounce_profile>")
    return lines + ["  </bounce_profiles>"]


def _ssl(table, hidden=()):
    """``<ssl>`` (element names: lab choice, the ``ssl`` table keys; ``hidden``: keys the release does not have)."""
    lines = ["  <ssl>"]
    for key in sorted(key for key in table if key not in hidden):
        value = table[key]
        if isinstance(value, bool):
            value = "yes" if value else "no"       # lab choice, as the <rat_params> flags
        lines.append(_element(key, ", ".join(value) if isinstance(value, list) else value, 4))
    return lines + ["  </ssl>"]


def _yes_no(value):
    return "yes" if value else "no"


def _listeners(listeners, scan_params=True):
    lines = ["  <listeners>"]
    for listener in listeners:
        lines += [
            "    <listener>",
            _element("listener_name", listener["name"], 6),
            _element("type", listener["type"], 6),
            _element("interface_name", listener["interface"], 6),
            _element("port", listener["port"], 6),
            _element("hat", render_hat(listener_hat(listener)), 6),
        ]
        defaults = listener_hat(listener)["default_policy"]
        keys = [key for key in PARAM_KEYS if scan_params or key not in SCAN_KEYS]
        lines += [_element(f"hat_default_{key}", text_value(key, defaults[key]).strip('"'), 6) for key in keys]
        if listener.get("rat") is not None:
            lines.append("      <rat>")
            for entry in listener["rat"]:
                lines += ["        <rat_entry>", _element("rat_address", entry["address"], 10),
                          _element("access", entry["action"], 10), "          <rat_params>"]
                if entry.get("smtp_response_code"):
                    lines.append(_element("smtp_response_code", entry["smtp_response_code"], 12))
                    lines.append(_element("smtp_response_text", entry.get("smtp_response_text") or "", 12))
                lines += [
                    _element("bypass_ldap_accept", _yes_no(entry.get("bypass_ldap_accept")), 12),
                    _element("bypass_receiving_control", _yes_no(entry.get("bypass_receiving_control")), 12),
                    _element("bypass_call_ahead", _yes_no(entry.get("bypass_call_ahead")), 12),
                    "          </rat_params>",
                    "        </rat_entry>",
                ]
            lines.append("      </rat>")
        lines.append("    </listener>")
    lines.append("  </listeners>")
    return lines
