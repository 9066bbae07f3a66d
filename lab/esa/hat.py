"""Host Access Table (HAT) of a listener: sender groups and mail flow policies (docs/asyncos-cli.md,
"listenerconfig: HAT and RAT").

A listener's ``hat`` is::

    {"sender_groups": [{"name", "order", "members": [...], "policy", "comment", "dns_verification": [...]}, ...],
     "policies": [{"name", "behavior", "parameters": {key: value}, "comment"}, ...],
     "default_policy": {key: value for every parameter}}

``sender_groups`` is in match order (first match wins) and always ends with ``ALL`` (no members).
Policy names are stored without the ``$``; a policy's ``parameters`` hold only its overrides, every
other parameter "uses the default" (the listener's ``default_policy``).
The HAT text (PRINT, EXPORT/IMPORT, XML ``<hat>``) is rendered and parsed here.
"""

import copy
import ipaddress
import json
import re

BEHAVIORS = (("ACCEPT", "Accept"), ("RELAY", "Relay"), ("REJECT", "Reject"), ("TCPREFUSE", "TCP Refuse"),
             ("CONTINUE", "Continue"))

# Parameter keys in HAT-text order (the order of the HAT transcript in docs/asyncos-cli.md,
# "listenerconfig: HAT and RAT"; lab keys appended).
# The scanning parameters of 13.8.7+ (SCAN_KEYS) are appended: their questions come from
# EditHatParameters._edit_hat_params in phoebe1387/cli/ctor/listenerconfig.py (SDR, Outbreak Filters, Advanced
# Phishing Protection, Graymail, Content Filters, Message Filters); the key names are reconstructed (no source
# shows them in the HAT text).
SCAN_KEYS = ("sdr_check", "outbreak_check", "phishing_check", "graymail_check", "content_filters", "message_filters")
PARAM_KEYS = ("spam_check", "max_msgs_per_session", "max_concurrency", "max_rcpts_per_msg", "max_rcpts_per_hour",
              "dhap_limit", "virus_check", "max_message_size", "use_sb", "tls", "tls_verify_client",
              "smtpauth_allow", "smtpauth_requiretls") + SCAN_KEYS
BOOL_KEYS = ("spam_check", "virus_check", "use_sb", "tls_verify_client", "smtpauth_requiretls") + SCAN_KEYS
ENUM_KEYS = {"tls": ("off", "preferred", "required"), "smtpauth_allow": ("off", "preferred", "required")}
# (low, high) of the integer parameters; max_rcpts_per_hour -1 = no limit, dhap_limit 0 = off.
INT_RANGES = {
    "max_message_size": (1, 1073741824),
    "max_concurrency": (1, 1000),
    "max_msgs_per_session": (1, 10000),
    "max_rcpts_per_msg": (1, 100000),
    "max_rcpts_per_hour": (1, 1000000),
    "dhap_limit": (1, 1000000),
}
DISABLED_INT = {"max_rcpts_per_hour": -1, "dhap_limit": 0}
DNS_VERIFICATION = ("record_not_exist", "lookup_fail", "not_matched")
DNS_LABELS = {
    "record_not_exist": "PTR record does not exist in DNS",
    "lookup_fail": "PTR record lookup fails due to a temporary DNS failure",
    "not_matched": "reverse DNS lookup (PTR) does not match the forward DNS lookup (A)",
}

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,59}$")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_SBRS = re.compile(r"^sbrs\[\s*(none|[-+]?\d+(?:\.\d+)?\s*:\s*[-+]?\d+(?:\.\d+)?)\s*\]$", re.IGNORECASE)
_SBO = re.compile(r"^sbo:\s*(\d{1,10})$", re.IGNORECASE)
_DNSLIST = re.compile(r"^dnslist\[\s*([^\]\s]+)\s*\]$", re.IGNORECASE)

NAME_RULE = 'must start with a letter and contain only letters, digits, "-" and "_" (up to 60 characters).'
IP_ERROR = 'Invalid IP or IP range "{}".'
CIDR_ERROR = 'A CIDR address is an IP address followed by "/" and a prefix length (0-32 for IPv4, 0-128 for IPv6): "{}".'
HOST_ERROR = ('A hostname must contain only letters, digits, "-", "_" and "." and may start with "." '
              'for a partial hostname: "{}".')
SBRS_ERROR = ('The value must be a SenderBase Reputation Score range from -10.0 to 10.0 such as SBRS[-10.0:-3.0], '
              'or SBRS[none]: "{}".')


class HatError(ValueError):
    """A rejected value; the message is printed before the re-ask."""


# -- factory ---------------------------------------------------------------------
def default_parameters(kind):
    """Factory default policy parameters of a public or private listener (lab choice)."""
    public = kind == "public"
    return {
        "spam_check": public, "max_msgs_per_session": 10, "max_concurrency": 10 if public else 600,
        "max_rcpts_per_msg": 50, "max_rcpts_per_hour": -1, "dhap_limit": 0, "virus_check": True,
        "max_message_size": 10485760, "use_sb": public, "tls": "off", "tls_verify_client": False,
        "smtpauth_allow": "off", "smtpauth_requiretls": False,
        # reconstructed factory values of the 13.8.7+ scanning parameters: on for a public listener; a private
        # one keeps content and message filters only
        "sdr_check": public, "outbreak_check": public, "phishing_check": public, "graymail_check": public,
        "content_filters": True, "message_filters": True,
    }


def policy(name, behavior, parameters=None, comment=None):
    return {"name": name, "behavior": behavior, "parameters": dict(parameters or {}), "comment": comment}


def group(name, members=(), policy_name="ACCEPTED", comment=None, dns=()):
    return {"name": name, "order": 0, "members": list(members), "policy": policy_name, "comment": comment,
            "dns_verification": list(dns)}


def factory_hat(kind):
    """The factory HAT of a public or private listener (the text the XML ``<hat>`` always showed)."""
    if kind == "public":
        policies = [
            policy("ACCEPTED", "ACCEPT"),
            policy("THROTTLED", "ACCEPT", {"max_msgs_per_session": 10, "max_concurrency": 10, "max_rcpts_per_msg": 25,
                                           "max_rcpts_per_hour": 20, "tls": "off"}),
            policy("TRUSTED", "ACCEPT", {"max_msgs_per_session": 5000, "max_concurrency": 600, "max_rcpts_per_msg": 5000,
                                         "max_rcpts_per_hour": -1, "tls": "off"}),
            policy("BLOCKED", "REJECT"),
        ]
        groups = [
            group("BLOCKED_LIST", policy_name="BLOCKED", comment="Spammers are rejected"),
            group("SUSPECTLIST", policy_name="THROTTLED", comment="Suspicious senders are throttled"),
            group("UNKNOWNLIST", policy_name="ACCEPTED", comment="Reviewed but undecided, continue normal acceptance"),
            group("ALL", policy_name="ACCEPTED", comment="Everyone else"),
        ]
    else:
        policies = [policy("RELAYED", "RELAY"), policy("BLOCKED", "REJECT")]
        groups = [group("RELAYLIST", policy_name="RELAYED", comment="Relay mail from these hosts"),
                  group("ALL", policy_name="BLOCKED", comment="Everyone else")]
    return renumber({"sender_groups": groups, "policies": policies, "default_policy": default_parameters(kind)})


def renumber(hat):
    for number, item in enumerate(hat["sender_groups"], start=1):
        item["order"] = number
    return hat


def listener_hat(listener):
    """The listener's HAT (the factory HAT of its type when it has none, e.g. older state files).

    Default parameters missing from an older state file get their factory values."""
    hat = copy.deepcopy(listener.get("hat") or factory_hat(listener["type"]))
    for key, value in default_parameters(listener["type"]).items():
        hat["default_policy"].setdefault(key, value)
    return hat


def find_group(hat, name):
    for item in hat["sender_groups"]:
        if item["name"].lower() == name.strip().lower():
            return item
    return None


def find_policy(hat, name):
    wanted = name.strip().lstrip("$").lower()
    for item in hat["policies"]:
        if item["name"].lower() == wanted:
            return item
    return None


def check_name(text, what):
    value = text.strip()
    if not value:
        raise HatError("You must enter a value.")
    if not _NAME.match(value):
        raise HatError(f"The {what} name {NAME_RULE}")
    return value


# -- members ---------------------------------------------------------------------
def _ipv4_partial(text):
    """Partial IPv4 (``10.1.``, ``10.1``), ranges in the last octet (``10.1.1.1-20``, ``10.1.1-20.``)."""
    body = text[:-1] if text.endswith(".") else text
    parts = body.split(".")
    if not 1 <= len(parts) <= 4 or (len(parts) == 4 and text.endswith(".")):
        raise HatError(IP_ERROR.format(text))
    for index, part in enumerate(parts):
        low, dash, high = part.partition("-")
        if dash and index != len(parts) - 1:
            raise HatError(IP_ERROR.format(text))
        for value in (low, high) if dash else (low,):
            if not value.isdigit() or len(value) > 3 or int(value) > 255:
                raise HatError(IP_ERROR.format(text))
        if dash and int(low) > int(high):
            raise HatError(IP_ERROR.format(text))
    return text


def _cidr(text):
    address, _slash, prefix = text.partition("/")
    if not prefix.isdigit():
        raise HatError(CIDR_ERROR.format(text))
    if ":" in address:
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            raise HatError(CIDR_ERROR.format(text)) from None
        if int(prefix) > 128:
            raise HatError(CIDR_ERROR.format(text))
        return f"{ipaddress.IPv6Address(address).compressed}/{int(prefix)}"
    parts = address.rstrip(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(part.isdigit() and len(part) <= 3 and int(part) <= 255 for part in parts):
        raise HatError(CIDR_ERROR.format(text))
    if int(prefix) > 32:
        raise HatError(CIDR_ERROR.format(text))
    return f"{address}/{int(prefix)}"


def _sbrs(match, text):
    body = match.group(1).strip()
    if body.lower() == "none":
        return "SBRS[none]"
    low, high = (float(value) for value in body.split(":"))
    if not (-10.0 <= low <= 10.0 and -10.0 <= high <= 10.0 and low <= high):
        raise HatError(SBRS_ERROR.format(text))
    return f"SBRS[{low:.1f}:{high:.1f}]"


def _hostname(text):
    value = text.lower()
    body = value[1:] if value.startswith(".") else value
    if not body or len(body) > 253 or not all(_LABEL.match(label) for label in body.split(".")):
        raise HatError(HOST_ERROR.format(text))
    if body.rsplit(".", 1)[-1].isdigit():
        raise HatError(IP_ERROR.format(text))
    return value


def canonical_member(text):
    """Validate one sender-group member; return its canonical form."""
    value = text.strip()
    if not value:
        raise HatError("You must enter a value.")
    if " " in value:
        raise HatError(HOST_ERROR.format(value))
    if value.lower().startswith("sbrs"):
        match = _SBRS.match(value)
        if not match:
            raise HatError(SBRS_ERROR.format(value))
        return _sbrs(match, value)
    match = _SBO.match(value)
    if match:
        return f"SBO:{int(match.group(1))}"
    if value.lower().startswith("sbo:"):
        raise HatError(f'The value must be a SenderBase Network Owner ID such as SBO:12345: "{value}".')
    match = _DNSLIST.match(value)
    if match:
        return f"dnslist[{_hostname(match.group(1))}]"
    if "/" in value:
        return _cidr(value)
    if ":" in value:
        try:
            return ipaddress.IPv6Address(value).compressed
        except ValueError:
            raise HatError(IP_ERROR.format(value)) from None
    if re.match(r"^[\d.-]+$", value):
        return _ipv4_partial(value)
    return _hostname(value)


def parse_members(text):
    """A comma-separated member list; duplicates are dropped (first kept)."""
    result = []
    for item in text.split(","):
        if not item.strip():
            continue
        member = canonical_member(item)
        if member not in result:
            result.append(member)
    return result


# -- parameters ------------------------------------------------------------------
def check_param(key, value):
    """Validate a parameter value (JSON form); return it."""
    if key not in PARAM_KEYS:
        raise HatError(f'Unknown parameter "{key}".')
    if key in BOOL_KEYS:
        if not isinstance(value, bool):
            raise HatError(f'The value of "{key}" must be true or false.')
    elif key in ENUM_KEYS:
        if value not in ENUM_KEYS[key]:
            raise HatError(f'The value of "{key}" must be one of {", ".join(ENUM_KEYS[key])}.')
    else:
        low, high = INT_RANGES[key]
        if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high or value == DISABLED_INT.get(key)):
            raise HatError(f'The value of "{key}" must be an integer from {low} to {high}'
                           + (f" or {DISABLED_INT[key]}." if key in DISABLED_INT else "."))
    return value


def text_value(key, value):
    if key in BOOL_KEYS:
        return '"on"' if value else '"off"'
    if key in ENUM_KEYS:
        return f'"{value}"'
    return str(value)


def parse_text_value(key, raw):
    """A ``key = value`` value of the HAT text -> JSON value."""
    raw = raw.strip()
    if key == "comment":
        try:
            value = json.loads(raw) if raw.startswith('"') else raw
        except ValueError:
            raise HatError(f"Invalid comment {raw}.") from None
        return value
    unquoted = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if key in BOOL_KEYS:
        if unquoted.lower() not in ("on", "off"):
            raise HatError(f'The value of "{key}" must be "on" or "off".')
        return unquoted.lower() == "on"
    if key in ENUM_KEYS:
        value = {"on": "preferred"}.get(unquoted.lower(), unquoted.lower())
        return check_param(key, value)
    if not re.match(r"^-?\d+$", unquoted):
        raise HatError(f'The value of "{key}" must be an integer.')
    return check_param(key, int(unquoted))


def effective(hat, pol):
    """All parameters of a policy: its overrides on top of the default policy."""
    values = dict(hat["default_policy"])
    values.update(pol["parameters"])
    return values


def size_text(value):
    if value % 1048576 == 0:
        return f"{value // 1048576}M"
    if value % 1024 == 0:
        return f"{value // 1024}K"
    return str(value)


def parse_size(text):
    match = re.match(r"^(\d+)\s*([kKmM]?)$", text.strip())
    if not match:
        return None
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1048576}[match.group(2).lower()]


# -- HAT text --------------------------------------------------------------------
def _comment_suffix(comment):
    return f" ({comment})" if comment else ""


def render_group(item):
    """The lines of one sender group block (``ALL`` has no colon and no members)."""
    if item["name"] == "ALL":
        return ["ALL", f"    ${item['policy']}{_comment_suffix(item['comment'])}"]
    lines = [f"{item['name']}:"] + [f"        {member}" for member in item["members"]]
    if item.get("dns_verification"):
        lines.append(f"        dns_verification = {', '.join(item['dns_verification'])}")
    lines.append(f"        ${item['policy']}{_comment_suffix(item['comment'])}")
    return lines


def render_policy(pol):
    params = [(key, pol["parameters"][key]) for key in PARAM_KEYS if key in pol["parameters"]]
    lines = [f"${pol['name']}"]
    if not params and not pol.get("comment"):
        return lines + [f"    {pol['behavior']}"]
    lines.append(f"    {pol['behavior']} {{")
    lines += [f"        {key} = {text_value(key, value)}" for key, value in params]
    if pol.get("comment"):
        lines.append(f"        comment = {json.dumps(pol['comment'])}")
    return lines + ["    }"]


def render_hat(hat):
    """The HAT text (PRINT, EXPORT, XML ``<hat>``), without a trailing newline."""
    lines = []
    for pol in hat["policies"]:
        lines += render_policy(pol)
    for item in hat["sender_groups"]:
        lines += render_group(item)
    return "\n".join(lines)


def render_hat_file(hat, stamp):
    return f"# File exported by the CLI at {stamp}\n" + render_hat(hat) + "\n"


_POLICY_LINE = re.compile(r"^\$(\S+)(?:\s+\((.*)\))?$")
_PARAM_LINE = re.compile(r"^([a-z_]+)\s*=\s*(.+)$")


class _Lines:
    def __init__(self, text):
        self.items = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)
                      if line.strip() and not line.strip().startswith("#")]
        self.index = 0

    def next(self, what):
        if self.index >= len(self.items):
            raise HatError(f"Unexpected end of file: {what} expected.")
        item = self.items[self.index]
        self.index += 1
        return item

    def more(self):
        return self.index < len(self.items)


def _policy_ref(line):
    match = _POLICY_LINE.match(line)
    if not match:
        return None
    return match.group(1), (match.group(2) or None)


def _parse_policy(lines, name):
    number, line = lines.next("a behavior")
    behavior, _space, brace = line.partition(" ")
    behavior = behavior.upper()
    if behavior not in [item for item, _label in BEHAVIORS]:
        raise HatError(f'Line {number}: Invalid behavior "{line}".')
    pol = policy(name, behavior)
    if brace.strip() not in ("", "{"):
        raise HatError(f'Line {number}: Invalid behavior "{line}".')
    if brace.strip() == "{":
        while True:
            number, line = lines.next('"}"')
            if line == "}":
                break
            match = _PARAM_LINE.match(line)
            if not match:
                raise HatError(f'Line {number}: Invalid parameter "{line}".')
            key, raw = match.group(1), match.group(2)
            try:
                value = parse_text_value(key, raw)
            except HatError as exc:
                raise HatError(f"Line {number}: {exc}") from None
            if key == "comment":
                pol["comment"] = value or None
            else:
                pol["parameters"][key] = value
    return pol


def _parse_group(lines, name):
    item = group(name)
    while True:
        line_number, line = lines.next(f"the policy of sender group {name}")
        ref = _policy_ref(line)
        if ref:
            item["policy"], item["comment"] = ref
            return item
        if line.startswith("dns_verification"):
            _key, _eq, values = line.partition("=")
            checks = [value.strip() for value in values.split(",") if value.strip()]
            if not all(value in DNS_VERIFICATION for value in checks):
                raise HatError(f'Line {line_number}: Invalid DNS verification "{values.strip()}".')
            item["dns_verification"] = [value for value in DNS_VERIFICATION if value in checks]
            continue
        try:
            member = canonical_member(line)
        except HatError as exc:
            raise HatError(f"Line {line_number}: {exc}") from None
        if member not in item["members"]:
            item["members"].append(member)


def parse_hat(text, default_policy):
    """Parse HAT text (PRINT/EXPORT format); returns a HAT with ``default_policy``. Raises HatError."""
    lines = _Lines(text)
    hat = {"sender_groups": [], "policies": [], "default_policy": copy.deepcopy(default_policy)}
    while lines.more():
        number, line = lines.next("an entry")
        if line.startswith("$"):
            name = line[1:]
            if not _NAME.match(name):
                raise HatError(f"Line {number}: The policy name {NAME_RULE}")
            if find_policy(hat, name):
                raise HatError(f'Line {number}: The policy "${name}" already exists.')
            hat["policies"].append(_parse_policy(lines, name))
        elif line == "ALL":
            _number, ref_line = lines.next("the policy of ALL")
            ref = _policy_ref(ref_line)
            if not ref:
                raise HatError(f'Line {_number}: Invalid policy "{ref_line}".')
            hat["sender_groups"].append(group("ALL", policy_name=ref[0], comment=ref[1]))
            if lines.more():
                raise HatError(f"Line {lines.items[lines.index][0]}: The ALL entry must be the last entry.")
        elif line.endswith(":"):
            name = line[:-1].strip()
            if not _NAME.match(name) or name.upper() == "ALL":
                raise HatError(f"Line {number}: The sender group name {NAME_RULE}")
            if find_group(hat, name):
                raise HatError(f'Line {number}: The sender group "{name}" already exists.')
            hat["sender_groups"].append(_parse_group(lines, name))
        else:
            raise HatError(f'Line {number}: Invalid entry "{line}" (host entries with an inline behavior are not supported '
                           "by the lab; use a sender group).")
    if not hat["sender_groups"] or hat["sender_groups"][-1]["name"] != "ALL":
        raise HatError("The ALL entry is missing.")
    return validate(hat)


def validate(hat):
    """Cross checks: every referenced policy exists, ALL last; renumbers. Raises HatError."""
    for item in hat["sender_groups"]:
        pol = find_policy(hat, item["policy"])
        if pol is None:
            raise HatError(f'The policy "${item["policy"]}" of sender group {item["name"]} does not exist.')
        item["policy"] = pol["name"]
    names = [item["name"] for item in hat["sender_groups"]]
    if names.count("ALL") != 1 or names[-1] != "ALL":
        raise HatError("The ALL sender group must be the last sender group.")
    return renumber(hat)


def normalise_hat(value, kind):
    """Complete and validate a seeded HAT (``python -m lab seed``); None -> the factory HAT."""
    if value is None:
        return factory_hat(kind)
    if not isinstance(value, dict):
        raise HatError("hat must be a JSON object")
    defaults = default_parameters(kind)
    for key, raw in (value.get("default_policy") or {}).items():
        defaults[key] = check_param(key, raw)
    hat = {"sender_groups": [], "policies": [], "default_policy": defaults}
    for raw in value.get("policies") or []:
        name = check_name(str(raw.get("name", "")).lstrip("$"), "policy")
        behavior = str(raw.get("behavior", "ACCEPT")).upper()
        if behavior not in [item for item, _label in BEHAVIORS]:
            raise HatError(f'Invalid behavior "{behavior}".')
        params = {key: check_param(key, item) for key, item in (raw.get("parameters") or {}).items() if item is not None}
        hat["policies"].append(policy(name, behavior, params, raw.get("comment") or None))
    groups = sorted(value.get("sender_groups") or [], key=lambda item: (item.get("name") == "ALL", item.get("order") or 0))
    for raw in groups:
        name = raw.get("name", "")
        if name != "ALL":
            check_name(name, "sender group")
        members = [] if name == "ALL" else parse_members(",".join(raw.get("members") or []))
        dns = [item for item in DNS_VERIFICATION if item in (raw.get("dns_verification") or [])]
        hat["sender_groups"].append(group(name, members, str(raw.get("policy", "")).lstrip("$"), raw.get("comment") or None, dns))
    if not any(item["name"] == "ALL" for item in hat["sender_groups"]):
        everyone = next(item for item in factory_hat(kind)["sender_groups"] if item["name"] == "ALL")
        if find_policy(hat, everyone["policy"]) is None:
            hat["policies"].append(next(item for item in factory_hat(kind)["policies"] if item["name"] == everyone["policy"]))
        hat["sender_groups"].append(everyone)
    return validate(hat)
