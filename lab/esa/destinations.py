"""Destination controls (``destconfig``): data model, labels and the import/export file.

The table is a list of entries; the last one is the default entry (``"domain": "DEFAULT"``),
in which every field has a value.  In a domain entry, ``None`` means "not set for this
domain: the default applies".  See lab/README.md ("destconfig") for the JSON shape.
"""

import copy
import re

from .routes import RouteError, canonical_domain

DEFAULT_DOMAIN = "DEFAULT"

FIELDS = (
    "concurrency_limit", "recipient_limit", "recipient_minutes", "limit_type", "limit_apply",
    "max_messages_per_connection", "tls", "dane", "bounce_verification", "bounce_profile", "ip_sort",
)

# Lab choice (see README): the factory default entry.
FACTORY_DEFAULT = {
    "domain": DEFAULT_DOMAIN,
    "concurrency_limit": 500,
    "recipient_limit": None,          # default entry: None = no recipient limit
    "recipient_minutes": 60,
    "limit_type": "domain",
    "limit_apply": "system",
    "max_messages_per_connection": 50,
    "tls": "off",
    "dane": "off",
    "bounce_verification": False,
    "bounce_profile": "Default",
    "ip_sort": "prefer_v6",
    "certificate": "Demo",            # destconfig SETUP (global)
    "tls_alert": False,               # destconfig SETUP (global)
}

CONCURRENCY_RANGE = (1, 1000)
MINUTES_RANGE = (1, 60)
RECIPIENTS_RANGE = (1, 1000000)
MESSAGES_RANGE = (1, 1000)

# (stored value, label shown in lists/DETAIL)
LIMIT_TYPES = (("domain", "One limit applies to the entire domain", "Entire domain"),
               ("mxip", "Separate limit for each mail exchanger IP address", "Each MX IP"))
LIMIT_APPLY = (("system", "System Wide", "System Wide"),
               ("vg", "Per Virtual Gateway(tm)", "Per Virtual Gateway"))
TLS = (("off", "No"), ("on", "Preferred"), ("require", "Required"),
       ("on_verify", "Preferred - Verify"), ("require_verify", "Required - Verify"))
DANE = (("off", "No"), ("opportunistic", "Opportunistic"), ("mandatory", "Mandatory"))
IP_SORT = (("prefer_v4", "Prefer IPv4"), ("prefer_v6", "Prefer IPv6"),
           ("require_v4", "Require IPv4"), ("require_v6", "Require IPv6"))

# Import/export file encodings ([UG] 9.1.2 for ip_sort_pref, limit_type, limit_apply; the rest: lab choice).
FILE_IP_SORT = {"prefer_v4": "PREFER_V4", "prefer_v6": "PREFER_V6", "require_v4": "REQUIRE_V4", "require_v6": "REQUIRE_V6"}
FILE_LIMIT_TYPE = {"domain": "host", "mxip": "MXIP"}
FILE_LIMIT_APPLY = {"system": "system", "vg": "VG"}
FILE_KEYS = {
    "max_host_concurrency": "concurrency_limit",
    "recipient_limit": "recipient_limit",
    "recipient_minutes": "recipient_minutes",
    "limit_type": "limit_type",
    "limit_apply": "limit_apply",
    "max_messages_per_connection": "max_messages_per_connection",
    "table_tls": "tls",
    "dane": "dane",
    "bounce_validation": "bounce_verification",
    "bounce_profile": "bounce_profile",
    "ip_sort_pref": "ip_sort",
}


class DestError(ValueError):
    """A rejected value; the message is printed before the re-ask."""


def factory_table():
    return [copy.deepcopy(FACTORY_DEFAULT)]


def label(pairs, value):
    for item in pairs:
        if item[0] == value:
            return item[-1]
    return str(value)


def default_entry(table):
    for entry in table:
        if entry["domain"] == DEFAULT_DOMAIN:
            return entry
    return copy.deepcopy(FACTORY_DEFAULT)


def domain_entries(table):
    return [entry for entry in table if entry["domain"] != DEFAULT_DOMAIN]


def find(table, domain):
    for entry in domain_entries(table):
        if entry["domain"] == domain:
            return entry
    return None


def new_entry(domain):
    entry = {"domain": domain}
    entry.update(dict.fromkeys(FIELDS))
    return entry


def sort_table(table):
    """Domain entries sorted by name, the default entry last."""
    entries = sorted(domain_entries(table), key=lambda entry: entry["domain"].lower())
    return entries + [default_entry(table)]


def canonical_dest_domain(text):
    value = text.strip()
    if value.upper() in (DEFAULT_DOMAIN, "[DEFAULT]", "ALL"):
        raise DestError(f'Invalid hostname format "{value}".')
    try:
        return canonical_domain(value)
    except RouteError as exc:
        raise DestError(str(exc)) from None


def lookup_domain(text):
    value = text.strip()
    if value.upper() in (DEFAULT_DOMAIN, "[DEFAULT]"):
        return DEFAULT_DOMAIN
    try:
        return canonical_domain(value)
    except RouteError:
        return value


def effective(entry, default, field):
    value = entry.get(field)
    return default.get(field) if value is None else value


def recipient_text(limit, minutes):
    if limit is None:
        return "None"
    return f"{limit} per {minutes} minutes"


def field_texts(entry, default):
    """``[(label, text)]`` for DETAIL; unset domain fields show ``Default (<value>)``."""
    is_default = entry["domain"] == DEFAULT_DOMAIN

    def show(field, text_of):
        if is_default:
            return text_of(entry)
        if entry.get(field) is None:
            return f"Default ({text_of(default)})"
        return text_of(entry)

    return [
        ("Concurrency Limit", show("concurrency_limit", lambda e: str(e["concurrency_limit"]))),
        ("Recipient Limit", show("recipient_limit", lambda e: recipient_text(e["recipient_limit"], e["recipient_minutes"]))),
        ("Limit Type", show("limit_type", lambda e: label(LIMIT_TYPES, e["limit_type"]))),
        ("Limits Applied", show("limit_apply", lambda e: label(LIMIT_APPLY, e["limit_apply"]))),
        ("Messages Per Connection", show("max_messages_per_connection", lambda e: str(e["max_messages_per_connection"]))),
        ("TLS", show("tls", lambda e: label(TLS, e["tls"]))),
        ("DANE", show("dane", lambda e: label(DANE, e["dane"]))),
        ("Bounce Verification", show("bounce_verification", lambda e: "On" if e["bounce_verification"] else "Off")),
        ("Bounce Profile", show("bounce_profile", lambda e: e["bounce_profile"])),
        ("IP Sort Preference", show("ip_sort", lambda e: label(IP_SORT, e["ip_sort"]))),
    ]


def render_detail(entries, default):
    lines = []
    for entry in entries:
        lines.append(f"Domain: {entry['domain']}")
        lines += [f"    {name}: {text}" for name, text in field_texts(entry, default)]
    return "\n".join(lines) + "\n"


def render_list(table):
    """Summary table; columns are separated by at least two spaces."""
    rows = []
    for entry in sort_table(table):
        is_default = entry["domain"] == DEFAULT_DOMAIN

        def cell(field, text_of, entry=entry, is_default=is_default):
            if not is_default and entry.get(field) is None:
                return "Default"
            return text_of(entry)

        rows.append([
            entry["domain"],
            cell("concurrency_limit", lambda e: str(e["concurrency_limit"])),
            cell("recipient_limit", lambda e: "None" if e["recipient_limit"] is None
                 else f"{e['recipient_limit']}/{e['recipient_minutes']} min"),
            cell("tls", lambda e: label(TLS, e["tls"])),
            cell("bounce_profile", lambda e: e["bounce_profile"]),
        ])
    header = ["Domain", "Concurrency", "Recipient Limit", "TLS", "Bounce Profile"]
    widths = [max(len(row[index]) for row in rows + [header]) + 2 for index in range(len(header) - 1)]
    widths[0] = max(widths[0], 22)
    lines = []
    for row in [header] + rows:
        lines.append("".join(cell.ljust(width) for cell, width in zip(row, widths)) + row[-1])
    return "\n".join(lines) + "\n"


# -- import/export file ----------------------------------------------------------
def file_value(field, value):
    if field == "ip_sort":
        return FILE_IP_SORT[value]
    if field == "limit_type":
        return FILE_LIMIT_TYPE[value]
    if field == "limit_apply":
        return FILE_LIMIT_APPLY[value]
    if field == "bounce_verification":
        return "1" if value else "0"
    return str(value)


def render_file(table, stamp):
    lines = [f"# File exported by the CLI at {stamp}"]
    ordered = [default_entry(table)] + sorted(domain_entries(table), key=lambda entry: entry["domain"].lower())
    for entry in ordered:
        lines += ["", f"[{entry['domain']}]"]
        for key, field in FILE_KEYS.items():
            value = entry.get(field)
            if field == "recipient_limit" and value is None and entry["domain"] == DEFAULT_DOMAIN:
                value = 0
            if value is not None:
                lines.append(f"{key} = {file_value(field, value)}")
    return "\n".join(lines) + "\n"


def _int_in(text, low, high, key):
    if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
        raise DestError(f"The value of {key} must be an integer from {low} to {high}.")
    return int(text)


def _choice(text, mapping, key):
    wanted = text.strip().lower()
    for value, names in mapping.items():
        if wanted in names:
            return value
    raise DestError(f'Invalid value "{text}" for {key}.')


def parse_value(key, text, profiles):
    field = FILE_KEYS[key]
    if field == "concurrency_limit":
        return _int_in(text, *CONCURRENCY_RANGE, key)
    if field == "recipient_limit":
        return _int_in(text, 0, RECIPIENTS_RANGE[1], key)
    if field == "recipient_minutes":
        return _int_in(text, *MINUTES_RANGE, key)
    if field == "max_messages_per_connection":
        return _int_in(text, *MESSAGES_RANGE, key)
    if field == "limit_type":
        return _choice(text, {"domain": ("0", "host", "domain"), "mxip": ("1", "mxip")}, key)
    if field == "limit_apply":
        return _choice(text, {"system": ("0", "system"), "vg": ("1", "vg")}, key)
    if field == "ip_sort":
        return _choice(text, {value: (value, name.lower()) for value, name in FILE_IP_SORT.items()}, key)
    if field == "tls":
        return _choice(text, {value: (value, str(index)) for index, (value, _label) in enumerate(TLS)}, key)
    if field == "dane":
        return _choice(text, {value: (value, str(index)) for index, (value, _label) in enumerate(DANE)}, key)
    if field == "bounce_verification":
        return _choice(text, {True: ("1", "on", "yes"), False: ("0", "off", "no")}, key)
    for profile in profiles:
        if profile.lower() == text.strip().lower():
            return profile
    raise DestError(f'Invalid profile name "{text.strip()}".')


def parse_file(text, profiles):
    """Parse an IMPORT file; returns the table.  Errors carry a ``Line N:`` prefix."""
    sections = []
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        try:
            if stripped.startswith("["):
                if not stripped.endswith("]"):
                    raise DestError(f'Invalid section "{stripped}".')
                name = stripped[1:-1].strip()
                domain = DEFAULT_DOMAIN if name.upper() == DEFAULT_DOMAIN else canonical_dest_domain(name)
                if any(entry["domain"] == domain for entry, _line in sections):
                    raise DestError(f"The value {domain} is already in the destination control table.")
                current = new_entry(domain)
                sections.append((current, number))
                continue
            key, sep, value = stripped.partition("=")
            key = key.strip().lower()
            if current is None or not sep:
                raise DestError("Expected a [domain] section or a key = value line.")
            if key not in FILE_KEYS:
                raise DestError(f'Unknown parameter "{key}".')
            current[FILE_KEYS[key]] = parse_value(key, value.strip(), profiles)
        except DestError as exc:
            raise DestError(f"Line {number}: {exc}") from None
    table = []
    default = None
    for entry, number in sections:
        if entry["recipient_limit"] == 0:
            entry["recipient_limit"] = None
        if entry["domain"] == DEFAULT_DOMAIN:
            missing = [key for key, field in FILE_KEYS.items()
                       if entry[field] is None and key not in ("bounce_profile", "dane", "recipient_limit")]
            if missing:
                raise DestError(f"Line {number}: the [DEFAULT] section requires {', '.join(missing)}.")
            for field in ("bounce_profile", "dane"):
                if entry[field] is None:
                    entry[field] = FACTORY_DEFAULT[field]
            default = entry
            continue
        if entry["recipient_limit"] is not None and entry["recipient_minutes"] is None:
            raise DestError(f"Line {number}: recipient_limit requires recipient_minutes.")
        table.append(entry)
    if default is None:
        raise DestError("The [DEFAULT] section is missing.")
    for key in ("certificate", "tls_alert"):
        default[key] = FACTORY_DEFAULT[key]
    return sort_table(table + [default])


def normalise_table(value):
    """Complete a seeded table (``python -m lab seed``): missing fields become None / factory defaults."""
    if not isinstance(value, list):
        raise DestError("destination_controls must be a JSON list of entries")
    table = []
    default = copy.deepcopy(FACTORY_DEFAULT)
    for item in value:
        if not isinstance(item, dict) or not item.get("domain"):
            raise DestError("each destination control entry needs a domain")
        unknown = set(item) - set(FIELDS) - {"domain", "certificate", "tls_alert"}
        if unknown:
            raise DestError(f"unknown destination control keys: {', '.join(sorted(unknown))}")
        if item["domain"].upper() == DEFAULT_DOMAIN:
            default.update({key: val for key, val in item.items() if key != "domain" and (val is not None or key == "recipient_limit")})
            continue
        entry = new_entry(lookup_domain(item["domain"]))
        entry.update({key: val for key, val in item.items() if key != "domain"})
        table.append(entry)
    return sort_table(table + [default])
