# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CES welcome-letter filter: regions, redacted copies, the password, and properties over generated letters.

The letters here are written for these tests (values from the documentation address ranges); their headings
follow the published samples (tests/unit/plugins/filter/fixtures), the prose between them is ours."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from hypothesis import given, settings, strategies as st

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.filter.welcome_letter import REQUIRED, ces_welcome_letter

BLOCK = "\u2588"
KEYS = {"organization", "start_date", "mx_hosts", "portals", "gateway_ips", "management_ips", "outbound_relay_host",
        "spf_record", "spf_mechanism", "allocation", "region", "redacted_fields"}

# (region, domain of the allocation's hosts): the regional domains of Cisco's document 214281.
REGION_DOMAINS = [("us", "iphmx.com"), ("eu", "eu.iphmx.com"), ("eu", "c3s2.iphmx.com"), ("ca", "ca.iphmx.com"),
                  ("ap", "ap.iphmx.com")]


# -- a test-only renderer --------------------------------------------------------------------------------------

def render_letter(values, newline="\n", bullet="- ", angle=True, spelling="Organization"):
    """The text of a welcome letter carrying ``values`` (a dict shaped like the filter's result, plus username
    and password). Any value may be a string with redaction marks already in it."""
    lines = [
        "Your Cisco Cloud Email Security (CES) service is ready!",
        "",
        "%s Name: %s" % (spelling, values["organization"]),
        "Start Date: %s" % values["start_date"],
        "",
        "Here is what you need to send your mail through the gateway. Keep this message for later.",
        "",
        "MX Records for inbound email from Internet",
        "",
    ]
    lines += [bullet + host for host in values["mx_hosts"]]
    lines += ["", "Your Cisco CES portals:"]
    for label, kind in (("Email Security", "esa"), ("Security Management", "sma"), ("End User Quarantine", "euq")):
        url = values["portals"][kind]
        lines += ["", label, "", "<%s>" % url if angle else url]
    lines += [
        "",
        "Please sign in the portals with this user ID:",
        "",
        "Username: %s" % values["username"],
        "",
        "Password: %s" % values["password"],
        "",
        "Note: choose a new password at your first sign-in.",
        "",
        "Hostname and IP addresses to be whitelisted(for Microsoft/Office365 and G-Suite users):",
        "",
        "Email Security:",
        "",
    ]
    lines += [bullet + ip for ip in values["gateway_ips"]]
    lines += ["", "Security Management:", ""]
    lines += [bullet + ip for ip in values["management_ips"]]
    lines += [
        "",
        "If you are using a Cloud service such as Office365 or G-Suite, relay your outbound mail through the "
        "host below so that the gateway scans it:",
        "\u00a0",
        "Host and IP address used for outbound relay from Office365 and G-Suite:",
        "\u00a0",
        values["outbound_relay_host"],
        "",
        "Include CES host and IP address in your SPF record:",
        "",
        values["spf_record"],
    ]
    return newline.join(lines) + newline


def letter_values(allocation="hc2468-13", region_domain="iphmx.com", dh=2468, organization="Example Corp",
                  gateway_ips=("198.51.100.17", "203.0.113.42"), management_ips=("192.0.2.77",), mx_count=2,
                  password="Pw!initial-1", start_date="2023-03-14 09:26:53 America/New_York"):
    domain = "%s.%s" % (allocation, region_domain)
    return dict(
        organization=organization,
        start_date=start_date,
        mx_hosts=["mx%d.%s" % (n, domain) for n in range(1, mx_count + 1)],
        portals=dict((kind, "https://dh%d-%s1.%s" % (dh, kind, region_domain)) for kind in ("esa", "sma", "euq")),
        username="admin@example.net",
        password=password,
        gateway_ips=list(gateway_ips),
        management_ips=list(management_ips),
        outbound_relay_host="ob1.%s" % domain,
        spf_record="v=spf1 exists:%%{i}.spf.%s ~all" % domain,
        spf_mechanism="exists:%%{i}.spf.%s" % domain,
        allocation=allocation,
    )


def expected(values, region):
    result = dict((key, values[key]) for key in KEYS if key in values)
    result.update(region=region, redacted_fields=[],
                  mx_hosts=[host.lower() for host in values["mx_hosts"]],
                  outbound_relay_host=values["outbound_relay_host"].lower(),
                  spf_mechanism=values["spf_mechanism"].lower(), allocation=values["allocation"].lower())
    return result


# -- example letters (our words and values) ----------------------------------------------------------------------

US_LETTER = """
Your Cisco Cloud Email Security (CES) service is ready!

Organization Name: Northwind Traders
Start Date: 2024-01-22 14:03:11 America/Chicago

The details below connect your domains to the gateway. Please file this mail with your runbooks.

MX Records for inbound email from Internet

- mx1.hc5150-21.iphmx.com
- mx2.hc5150-21.iphmx.com

Your Cisco CES portals:

Email Security

<https://dh5150-esa1.iphmx.com>

Security Management

<https://dh5150-sma1.iphmx.com>

End User Quarantine

<https://dh5150-euq1.iphmx.com>

Please sign in the portals with this user ID:

Username: it-admins@northwind.example

Password: Xq7$mV!2rLp9

Note: pick your own password after the first sign-in.

Hostname and IP addresses to be whitelisted(for Microsoft/Office365 and G-Suite users):

Email Security:

- 198.51.100.61
- 198.51.100.62
- 203.0.113.7

Security Management:

- 192.0.2.140

If you are using a Cloud service such as Office365, G-Suite, etc., point your outbound mail at the host below:

\u00a0
Host and IP address used for outbound relay from Office365 and G-Suite:

\u00a0
ob1.hc5150-21.iphmx.com

Include CES host and IP address in your SPF record:

v=spf1 exists:%{i}.spf.hc5150-21.iphmx.com ~all
"""

EU_LETTER = """\r
Your Cisco Cloud Email Security (CES) service is ready!\r
\r
Organisation Name: Beispiel Handels GmbH\r
Start Date: 2023-06-05 08:30:00 Europe/Berlin\r
\r
This mail holds the settings of your new gateway; keep it with your records.\r
\r
MX Records for inbound email from Internet\r
\r
- mx1.hc7788-04.eu.iphmx.com\r
- mx2.hc7788-04.eu.iphmx.com\r
\r
Your Cisco CES portals:\r
\r
Email Security\r
\r
<https://dh7788-esa1.eu.iphmx.com>\r
\r
Security Management\r
\r
<https://dh7788-sma1.eu.iphmx.com>\r
\r
End User Quarantine\r
\r
<https://dh7788-euq1.eu.iphmx.com>\r
\r
Please sign in the portals with this user ID:\r
\r
Username: postmaster@beispiel.example\r
\r
Password: (sent separately)\r
\r
Note: change the password when you first sign in.\r
\r
Hostname and IP addresses to be whitelisted(for Microsoft/Office365 and G-Suite users):\r
\r
Email Security:\r
\r
- 203.0.113.200\r
- 203.0.113.201\r
\r
Security Management:\r
\r
- 198.51.100.250\r
\r
If you are using a Cloud service such as Office365, G-Suite, etc., send outbound mail to this host:\r
\r
Host and IP address used for outbound relay from Office365 and G-Suite:\r
\r
ob1.hc7788-04.eu.iphmx.com\r
\r
Include CES host and IP address in your SPF record:\r
\r
v=spf1 exists:%{i}.spf.hc7788-04.eu.iphmx.com ~all\r
"""


def test_us_letter():
    ces = ces_welcome_letter(US_LETTER)
    assert set(ces) == KEYS
    assert ces["region"] == "us" and ces["allocation"] == "hc5150-21"
    assert ces["mx_hosts"] == ["mx1.hc5150-21.iphmx.com", "mx2.hc5150-21.iphmx.com"]
    assert ces["gateway_ips"] == ["198.51.100.61", "198.51.100.62", "203.0.113.7"]
    assert ces["management_ips"] == ["192.0.2.140"]
    assert ces["outbound_relay_host"] == "ob1.hc5150-21.iphmx.com"
    assert ces["spf_mechanism"] == "exists:%{i}.spf.hc5150-21.iphmx.com"
    assert ces["portals"] == {"esa": "https://dh5150-esa1.iphmx.com", "sma": "https://dh5150-sma1.iphmx.com",
                              "euq": "https://dh5150-euq1.iphmx.com"}
    assert ces["organization"] == "Northwind Traders" and ces["redacted_fields"] == []


def test_eu_letter_portals_and_region():
    ces = ces_welcome_letter(EU_LETTER)
    assert ces["region"] == "eu"
    assert ces["portals"] == {"esa": "https://dh7788-esa1.eu.iphmx.com", "sma": "https://dh7788-sma1.eu.iphmx.com",
                              "euq": "https://dh7788-euq1.eu.iphmx.com"}
    assert ces["allocation"] == "hc7788-04"
    assert ces["mx_hosts"] == ["mx1.hc7788-04.eu.iphmx.com", "mx2.hc7788-04.eu.iphmx.com"]
    assert ces["outbound_relay_host"] == "ob1.hc7788-04.eu.iphmx.com"
    assert ces["spf_mechanism"] == "exists:%{i}.spf.hc7788-04.eu.iphmx.com"
    assert ces["gateway_ips"] == ["203.0.113.200", "203.0.113.201"]
    assert ces["organization"] == "Beispiel Handels GmbH" and ces["redacted_fields"] == []


@pytest.mark.parametrize("region, domain", REGION_DOMAINS)
def test_every_documented_region(region, domain):
    values = letter_values(allocation="hc4711-08", region_domain=domain, dh=4711)
    ces = ces_welcome_letter(render_letter(values))
    assert ces == expected(values, region)
    assert ces["portals"]["euq"] == "https://dh4711-euq1.%s" % domain


def test_region_from_the_portals_when_the_hosts_are_redacted():
    values = letter_values(region_domain="eu.iphmx.com")
    values.update(mx_hosts=[BLOCK * 8], outbound_relay_host=BLOCK * 8,
                  spf_record="v=spf1 exists:%%{i}.spf.%s ~all" % (BLOCK * 8))
    ces = ces_welcome_letter(render_letter(values), allow_redacted=True)
    assert ces["region"] == "eu" and ces["allocation"] is None
    assert ces["redacted_fields"] == ["allocation", "mx_hosts", "outbound_relay_host", "spf_mechanism", "spf_record"]


def test_unknown_region_domain_is_null():
    values = letter_values(region_domain="zz.iphmx.com")
    ces = ces_welcome_letter(render_letter(values))
    assert ces["region"] is None and ces["allocation"] == "hc2468-13" and ces["redacted_fields"] == []


# -- redacted copies ---------------------------------------------------------------------------------------------

def test_redacted_optional_fields_are_null_and_listed():
    values = letter_values()
    values.update(organization=BLOCK * 10, start_date="[REDACTED]", username=BLOCK * 9, password=BLOCK * 9,
                  management_ips=[BLOCK * 6 + ".157.91"])
    values["portals"] = dict(values["portals"], esa="https://dh" + BLOCK * 5 + "-esa1.iphmx.com",
                             euq="[REDACTED]")
    values["spf_record"] = "v=spf1 exists:%{i}.spf.hc2468-13.iphmx.com " + BLOCK * 4
    ces = ces_welcome_letter(render_letter(values))
    assert ces["organization"] is None and ces["start_date"] is None and ces["management_ips"] is None
    assert ces["portals"] == {"esa": None, "sma": "https://dh2468-sma1.iphmx.com", "euq": None}
    assert ces["spf_record"] is None and ces["spf_mechanism"] == "exists:%{i}.spf.hc2468-13.iphmx.com"
    assert ces["redacted_fields"] == ["management_ips", "organization", "portals.esa", "portals.euq",
                                      "spf_record", "start_date"]
    assert BLOCK not in repr(ces) and "REDACTED" not in repr(ces)
    assert ces["mx_hosts"] == values["mx_hosts"] and ces["gateway_ips"] == values["gateway_ips"]


@pytest.mark.parametrize("mark", [BLOCK * 6, "[REDACTED]", "<redacted>", "REDACTED", "\u2593\u2593\u2593", "\u25a0\u25a0"])
def test_redaction_marks(mark):
    values = letter_values(organization=mark)
    ces = ces_welcome_letter(render_letter(values))
    assert ces["organization"] is None and ces["redacted_fields"] == ["organization"]


@pytest.mark.parametrize("field, redact", [
    ("mx_hosts", lambda v: v.update(mx_hosts=["mx1. " + BLOCK * 6 + ".iphmx.com", v["mx_hosts"][1]])),
    ("gateway_ips", lambda v: v.update(gateway_ips=[v["gateway_ips"][0], BLOCK * 6 + ".113.42"])),
    ("outbound_relay_host", lambda v: v.update(outbound_relay_host="[REDACTED]")),
    ("spf_mechanism", lambda v: v.update(spf_record="v=spf1 exists:%{i}.spf.hc" + BLOCK * 5 + ".iphmx.com ~all")),
])
def test_a_redacted_required_field_is_named(field, redact):
    values = letter_values()
    redact(values)
    text = render_letter(values)
    with pytest.raises(AnsibleFilterError) as exc:
        ces_welcome_letter(text)
    assert "redacted in %s, which the roles need" % field in str(exc.value)
    ces = ces_welcome_letter(text, allow_redacted=True)
    assert ces[field] is None and field in ces["redacted_fields"]
    assert BLOCK not in repr(ces) and "REDACTED" not in repr(ces)


def test_required_fields_are_the_ones_the_roles_read():
    assert set(REQUIRED) == {"mx_hosts", "gateway_ips", "outbound_relay_host", "spf_mechanism"}


# -- the password ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["same line", "next line", "label variant"])
def test_password_is_never_returned(layout):
    secret = "Zr8!kq$W3vNt"
    text = US_LETTER.replace("Xq7$mV!2rLp9", secret)
    if layout == "next line":
        text = text.replace("Password: " + secret, "Password:\n\n" + secret)
    elif layout == "label variant":
        text = text.replace("Password: " + secret, "Initial password:  " + secret)
    ces = ces_welcome_letter(text)
    assert secret not in repr(ces) and "password" not in repr(ces).lower()
    assert ces["gateway_ips"] == ["198.51.100.61", "198.51.100.62", "203.0.113.7"]
    # Nor in an error: the same letter without its relay host fails, and the message holds no password.
    broken = text.replace("ob1.hc5150-21.iphmx.com", "")
    with pytest.raises(AnsibleFilterError) as exc:
        ces_welcome_letter(broken)
    assert secret not in str(exc.value)


def test_password_moved_into_a_parsed_section_is_not_read():
    secret = "Qm4!xx$Tz9"
    text = US_LETTER.replace("- 192.0.2.140", "- 192.0.2.140\nPassword: " + secret)
    text = text.replace("- mx2.hc5150-21.iphmx.com", "- mx2.hc5150-21.iphmx.com\nPassword: " + secret)
    assert secret not in repr(ces_welcome_letter(text))


# -- other inputs ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [None, 42, b"Your Cisco", ["a"], {}, "", "   \n "])
def test_not_a_letter(value):
    with pytest.raises(AnsibleFilterError):
        ces_welcome_letter(value)


def test_incomplete_gateway_ip_is_an_error():
    text = US_LETTER.replace("- 203.0.113.7", "- 203.0.113")
    with pytest.raises(AnsibleFilterError) as exc:
        ces_welcome_letter(text)
    assert "203.0.113 are not complete IPv4 addresses" in str(exc.value)


# -- properties --------------------------------------------------------------------------------------------------

_ORG_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,&-()'\u00e9\u00fc\u00f8\u00c5"
_PW_SPECIAL = "!$%*?~^"


@st.composite
def generated_values(draw):
    region, domain = draw(st.sampled_from(REGION_DOMAINS))
    allocation = draw(st.one_of(
        st.builds(lambda a, b: "hc%d-%d" % (a, b), st.integers(1, 99999), st.integers(1, 99)),
        st.from_regex(r"[a-z][a-z0-9]{2,11}", fullmatch=True).filter(lambda a: "redacted" not in a)))
    organization = draw(st.text(alphabet=_ORG_CHARS, min_size=1, max_size=40).map(lambda s: s.strip())
                        .filter(lambda s: s and "redacted" not in s.lower()))
    password = draw(st.text(alphabet="abcXYZ0123456789" + _PW_SPECIAL, min_size=8, max_size=24)
                    .filter(lambda p: any(c in _PW_SPECIAL for c in p)))
    moment = draw(st.datetimes(min_value=datetime.datetime(2015, 1, 1), max_value=datetime.datetime(2035, 1, 1)))
    zone = draw(st.sampled_from(["America/Los_Angeles", "Europe/Amsterdam", "Asia/Tokyo", "UTC"]))
    ips = st.ip_addresses(v=4).map(str)
    values = letter_values(
        allocation=allocation, region_domain=domain, dh=draw(st.integers(1, 99999)), organization=organization,
        gateway_ips=draw(st.lists(ips, min_size=1, max_size=6)), management_ips=draw(st.lists(ips, max_size=3)),
        mx_count=draw(st.integers(1, 3)), password=password,
        start_date="%s %s" % (moment.strftime("%Y-%m-%d %H:%M:%S"), zone))
    if draw(st.booleans()):   # upper-case host names in the letter: the result is lower case
        values["mx_hosts"] = [host.upper() for host in values["mx_hosts"]]
    return values, region


_LAYOUT = dict(newline=st.sampled_from(["\n", "\r\n"]), bullet=st.sampled_from(["- ", "* ", "\u2022 ", "  - ", ""]),
               angle=st.booleans(), spelling=st.sampled_from(["Organization", "Organisation"]))


@settings(derandomize=True, database=None, max_examples=60, deadline=None)
@given(generated=generated_values(), layout=st.fixed_dictionaries(_LAYOUT))
def test_property_render_then_parse_gives_the_values_back(generated, layout):
    values, region = generated
    ces = ces_welcome_letter(render_letter(values, **layout))
    assert ces == expected(values, region)
    assert values["password"] not in repr(ces)


_OPTIONAL = ["organization", "start_date", "management_ips", "portals.esa", "portals.sma", "portals.euq",
             "spf_record"]
_MARKS = st.sampled_from([BLOCK * 5, BLOCK, "[REDACTED]", "(redacted)", "REDACTED", "\u2593" * 4])


def _redact(values, field, mark):
    if field.startswith("portals."):
        kind = field.split(".")[1]
        url = values["portals"][kind]
        values["portals"] = dict(values["portals"], **{kind: url.replace("://dh", "://" + mark, 1)})
    elif field == "management_ips":
        values["management_ips"] = [mark + ".0.2.9"] + values["management_ips"]
    elif field == "spf_record":
        values["spf_record"] = values["spf_record"].replace(" ~all", " " + mark + " ~all")
    else:
        values[field] = mark


@settings(derandomize=True, database=None, max_examples=50, deadline=None)
@given(generated=generated_values(), fields=st.sets(st.sampled_from(_OPTIONAL)), mark=_MARKS)
def test_property_redacted_optional_fields_become_null(generated, fields, mark):
    values, region = generated
    for field in fields:
        _redact(values, field, mark)
    ces = ces_welcome_letter(render_letter(values))
    assert ces["redacted_fields"] == sorted(fields)
    for field in fields:
        if field.startswith("portals."):
            assert ces["portals"][field.split(".")[1]] is None
        else:
            assert ces[field] is None
    want = expected(values, region)
    for key in REQUIRED + ("region", "allocation"):
        assert ces[key] == want[key]
    assert mark not in repr(ces)


_FRAGMENTS = [
    "\n", "\n\n", " ", "- ", "<", ">", BLOCK * 3, "[REDACTED]", "Password: ", "Organization Name: ", "Start Date: ",
    "MX Records for inbound email from Internet\n", "Your Cisco CES portals:\n", "Email Security\n",
    "Email Security:\n", "Security Management:\n", "End User Quarantine\n", "https://dh1-esa1.eu.iphmx.com",
    "Hostname and IP addresses to be whitelisted(for Microsoft/Office365 and G-Suite users):\n",
    "Host and IP address used for outbound relay from Office365 and G-Suite:\n",
    "Include CES host and IP address in your SPF record:\n", "v=spf1 exists:%{i}.spf.", "hc1-2", ".eu", ".iphmx.com",
    "mx1.", "ob1.", "198.51.100.", "7", "256", "/33", ".", "~all", "\r\n", "\u2028", "\x85", "\u00a0",
]


@settings(derandomize=True, database=None, max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=400),
                      st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=8)), max_size=60)
                      .map("".join)),
       allow_redacted=st.booleans())
def test_property_arbitrary_text_fails_only_with_the_filter_error(text, allow_redacted):
    try:
        ces = ces_welcome_letter(text, allow_redacted=allow_redacted)
    except AnsibleFilterError:
        return
    assert set(ces) == KEYS
    for key in REQUIRED:
        assert ces[key] or (allow_redacted and key in ces["redacted_fields"])


@st.composite
def mutated_letters(draw):
    values, region = draw(generated_values())
    lines = render_letter(values).split("\n")
    for dummy in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "mark", "chop", "truncate"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            break
        if op == "delete":
            del lines[at]
        elif op == "duplicate":
            lines.insert(at, lines[at])
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "insert":
            lines.insert(at, draw(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=30))))
        elif op == "mark":
            line = lines[at]
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + draw(_MARKS) + line[cut + draw(st.integers(0, 6)):]
        elif op == "chop":
            line = lines[at]
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + line[cut + 1:]
        else:
            lines = lines[:at]
    return "\n".join(lines), values["password"]


@settings(derandomize=True, database=None, max_examples=80, deadline=None)
@given(mutated=mutated_letters(), allow_redacted=st.booleans())
def test_property_mutated_letters_fail_only_with_the_filter_error(mutated, allow_redacted):
    text, password = mutated
    try:
        ces = ces_welcome_letter(text, allow_redacted=allow_redacted)
    except AnsibleFilterError as exc:
        assert password not in str(exc)
        return
    assert set(ces) == KEYS
    assert password not in repr(ces)
    assert BLOCK not in repr(ces) and "[REDACTED]" not in repr(ces)
