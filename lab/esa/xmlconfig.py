"""``showconfig``/``saveconfig`` XML rendering (element names per esa.md section 3)."""

import base64
import hashlib
from xml.sax.saxutils import escape

PASSPHRASE_MASK = 1
PASSPHRASE_ENCRYPT = 2
PASSPHRASE_PLAIN = 3

MASK = "*****"

# Factory HAT text (format of esa.md section 1.7, [CLIREF97]).
_HAT = """$ACCEPTED
    ACCEPT
$THROTTLED
    ACCEPT {
        max_msgs_per_session = 10
        max_concurrency = 10
        max_rcpts_per_msg = 25
        max_rcpts_per_hour = 20
        tls = "off"
    }
$TRUSTED
    ACCEPT {
        max_msgs_per_session = 5000
        max_concurrency = 600
        max_rcpts_per_msg = 5000
        max_rcpts_per_hour = -1
        tls = "off"
    }
$BLOCKED
    REJECT
BLOCKED_LIST:
        $BLOCKED (Spammers are rejected)
SUSPECTLIST:
        $THROTTLED (Suspicious senders are throttled)
UNKNOWNLIST:
        $ACCEPTED (Reviewed but undecided, continue normal acceptance)
ALL
    $ACCEPTED (Everyone else)"""


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
    lines += [
        "  <interfaces>",
        "    <interface>",
        _element("phys_interface", "Management", 6),
        _element("interface_name", "Management", 6),
        _element("interface_hostname", hostname, 6),
        _element("ip", "192.168.42.42", 6),
        _element("netmask", "255.255.255.0", 6),
        "    </interface>",
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
    lines += [
        "  </smtp_routes>",
        "  <listeners>",
        "    <listener>",
        _element("listener_name", "InboundMail", 6),
        _element("type", "public", 6),
        _element("interface_name", "Management", 6),
        _element("port", "25", 6),
        _element("hat", _HAT, 6),
        "      <rat>",
        "        <rat_entry>",
        _element("rat_address", "ALL", 10),
        _element("access", "REJECT", 10),
        "        </rat_entry>",
        "      </rat>",
        "    </listener>",
        "  </listeners>",
        "  <filters></filters>",
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
