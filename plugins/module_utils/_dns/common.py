# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS plumbing shared by the DNS modules and the dns_wait action (private; the API may change).

Everything that talks to a nameserver goes through :class:`Client`: queries (TSIG-signed when a key is
given), the SOA walk, and the one UPDATE message of dns_record. Errors are :class:`DNSError` with a message
for the user.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import re
import socket
import time
import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import names

try:
    import dns.exception
    import dns.flags
    import dns.inet
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdata
    import dns.rdataclass
    import dns.rdataset
    import dns.rdatatype
    import dns.rdtypes.ANY.TXT
    import dns.rrset
    import dns.tsig
    import dns.tsigkeyring
    import dns.update
except ImportError:
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None

ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5")
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "NS")
WAIT_TYPES = RECORD_TYPES + ("PTR", "SOA", "DS", "DNSKEY", "TLSA", "SVCB", "HTTPS", "SSHFP", "NAPTR")

# Options shared by the modules that talk to one nameserver (doc fragment mailops.secure_email._dns).
TSIG_SPEC = dict(
    key_name=dict(type="str", fallback=(env_fallback, ["DNS_TSIG_KEY_NAME"])),
    key_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["DNS_TSIG_SECRET"])),
    key_algorithm=dict(type="str", default="hmac-sha256", choices=list(ALGORITHMS),
                       fallback=(env_fallback, ["DNS_TSIG_ALGORITHM"])),
)
TRANSPORT_SPEC = dict(
    port=dict(type="int", default=53),
    protocol=dict(type="str", default="tcp", choices=["tcp", "udp"]),
    query_timeout=dict(type="float", default=5.0),
)


class DNSError(Exception):
    """An error with a message for the user."""


def require_dnspython(fail):
    """Call ``fail(msg=..., exception=...)`` when dnspython is missing."""
    if not HAS_DNSPYTHON:
        fail(msg="dnspython >= 2.0 is required on the host that runs this (pip install dnspython); "
                 "for execution environments it is listed in meta/ee-requirements.txt",
             exception=DNSPYTHON_IMPORT_ERROR)


def check_tsig(params):
    """Validate the TSIG options before anything is sent. Returns (keyring, keyname, algorithm) or Nones."""
    name, secret = params.get("key_name"), params.get("key_secret")
    if not name and not secret:
        return None, None, None
    if not name:
        raise DNSError("key_secret is set but key_name is not: a TSIG key needs both (or DNS_TSIG_KEY_NAME)")
    if not secret:
        raise DNSError("key_name is set but key_secret is not: a TSIG key needs both (or DNS_TSIG_SECRET)")
    try:
        decoded = base64.b64decode(secret.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise DNSError("key_secret: must be base64 (as in BIND's key file 'secret \"...\";'); the value given is not")
    if not decoded:
        raise DNSError("key_secret: must not be empty")
    try:
        keyname = dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        raise DNSError("key_name: %r is not a valid key name: %s" % (name, exc))
    algorithm = params.get("key_algorithm") or "hmac-sha256"
    if algorithm not in ALGORITHMS:
        raise DNSError("key_algorithm: must be one of %s, got %r" % (", ".join(ALGORITHMS), algorithm))
    keyring = {keyname: dns.tsig.Key(keyname, decoded, dns.name.from_text(algorithm))}
    return keyring, keyname, dns.name.from_text(algorithm)


def clean_name_text(text, field):
    """User text of a DNS name -> ASCII text: stripped, no white space inside, Unicode labels as A-labels.

    Empty strings and white space are refused (an empty name is never "not set")."""
    if text is None or not isinstance(text, str) or not text.strip():
        raise DNSError("%s: must not be empty: a DNS name is required" % field)
    text = text.strip()
    if re.search(r"\s", text):
        raise DNSError("%s: %r is not a DNS name (it contains white space)" % (field, text))
    try:
        return names.to_ascii(text, field)
    except names.IDNAError as exc:
        raise DNSError(str(exc))


def _from_text(ascii_text, field, shown, relative=False):
    """ASCII text -> Name, absolute (the trailing dot is optional) or, with ``relative``, as written."""
    try:
        return dns.name.from_text(ascii_text, origin=None if relative else dns.name.root)
    except dns.exception.DNSException as exc:
        raise DNSError("%s: %r is not a valid DNS name: %s" % (field, shown, exc))


def to_name(text, field):
    """A fully qualified dns.name.Name from user text; the trailing dot is optional (domains, hosts, zones).

    Unicode names become A-labels (IDNA 2003, see names.py)."""
    ascii_text = clean_name_text(text, field)
    if ascii_text == "@":
        raise DNSError("%s: '@' (the zone apex) is only valid as a record name together with zone; write the "
                       "name in full" % field)
    return _from_text(ascii_text, field, text.strip())


def zone_name(text, field="zone"):
    """The zone option: fully qualified (trailing dot optional), never empty."""
    if isinstance(text, str) and not text.strip():
        raise DNSError("%s: must not be empty: give the zone (for example example.com) or omit the option"
                       % field)
    return to_name(text, field)


def owner_name(text, field, zone=None):
    """The owner name of dns_record (``name``) and dns_wait (``records[N].name``), read against ``zone``.

    Rules, in this order (comparisons are case-insensitive, Unicode is compared in its A-label form):

    1. A name that ends with a dot is absolute. With a zone it must be the zone or under it.
    2. Without zone every name is fully qualified (trailing dot optional); ``@`` is an error.
    3. ``@`` is the zone apex.
    4. A name that equals the zone or ends with ``.<zone>`` (with or without the trailing dot) is taken as
       written: ``example.com`` with zone ``example.com`` is the apex, never ``example.com.example.com``.
    5. A single label (``www``, ``_dmarc``, ``*``) is relative and joined to the zone.
    6. Anything else (more than one label, not under the zone, no trailing dot) is ambiguous and an error:
       it might be a name outside the zone or a relative name, and guessing writes to the wrong name.
    """
    ascii_text = clean_name_text(text, field)
    shown = text.strip()
    if zone is None:
        if ascii_text == "@":
            raise DNSError("%s: '@' stands for the zone apex and needs zone; set zone or write the name in full"
                           % field)
        return _from_text(ascii_text, field, shown)
    zone_text = name_text(zone)
    if ascii_text == "@":
        return zone
    absolute = _from_text(ascii_text, field, shown)
    if ascii_text.endswith("."):
        if not absolute.is_subdomain(zone):
            raise DNSError("%s: %s is not inside zone %s (a name that ends with a dot is absolute; it must be the "
                           "zone or end with .%s.)" % (field, name_text(absolute), zone_text, zone_text))
        return absolute
    if absolute.is_subdomain(zone):
        return absolute
    relative = _from_text(ascii_text, field, shown, relative=True)
    if len(relative.labels) == 1:
        try:
            return relative.concatenate(zone)
        except dns.exception.DNSException as exc:
            raise DNSError("%s: %r joined to zone %s is not a valid DNS name: %s" % (field, shown, zone_text, exc))
    raise DNSError("%s: %r is ambiguous with zone %s: it is not the zone, does not end with .%s, and has more than "
                   "one label, so it is not read as relative to the zone either (only a single label such as www, "
                   "or @ for the apex, is joined to the zone). Write the full name inside the zone, for example "
                   "%s.%s, or check zone" % (field, shown, zone_text, zone_text, ascii_text.rstrip("."), zone_text))


def name_text(name):
    """Name without the trailing dot (what users write)."""
    return name.to_text(omit_final_dot=True) if name != dns.name.root else "."


# -- values ---------------------------------------------------------------------------------------
def _txt_rdata(value):
    """TXT value as users give it (the text) -> rdata, split into strings of 255 octets.

    Text that starts with a double quote is taken as zone-file syntax ('"part one" "part two"')."""
    if value.startswith('"'):
        return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, value, relativize=False)
    raw = value.encode("utf-8")
    chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks)


def txt_text(rdata):
    """The text of a TXT/SPF rdata: its strings joined (how receivers read SPF/DMARC)."""
    return b"".join(rdata.strings).decode("utf-8", "replace")


def parse_value(rdtype, value, field):
    """One value -> rdata (names are absolute: a trailing dot is optional)."""
    if not isinstance(value, str):
        value = str(value)
    text = value.strip()
    if not text:
        raise DNSError("%s: empty value" % field)
    if rdtype != dns.rdatatype.TXT and not names.is_ascii(text):
        for char, what in names.DEVIATIONS:
            if char in text:
                raise DNSError("%s: %r contains %s, which IDNA 2003 and IDNA 2008 turn into different names; write "
                               "that host name with A-labels (xn--...)" % (field, value, what))
    try:
        if rdtype == dns.rdatatype.TXT:
            return _txt_rdata(value)
        # Host names in values: Unicode labels become A-labels with the same codec as owner names (IDNA 2003).
        return dns.rdata.from_text(dns.rdataclass.IN, rdtype, text, origin=dns.name.root, relativize=False,
                                   idna_codec=dns.name.IDNA_2003)
    except (dns.exception.DNSException, ValueError, TypeError) as exc:
        expected = {
            "A": "an IPv4 address", "AAAA": "an IPv6 address", "CNAME": "a host name", "NS": "a host name",
            "MX": "'<preference> <host>', for example '10 mx1.example.com'",
            "SRV": "'<priority> <weight> <port> <target>'", "CAA": "'<flags> <tag> \"<value>\"', for example "
            "'0 issue \"letsencrypt.org\"'", "TXT": "text",
        }.get(dns.rdatatype.to_text(rdtype), "a value in zone-file syntax")
        raise DNSError("%s: %r is not a valid %s value (expected %s): %s"
                       % (field, value, dns.rdatatype.to_text(rdtype), expected, exc))


def value_text(rdata):
    """rdata -> the text users compare with (TXT: the joined text; others: zone-file syntax)."""
    if rdata.rdtype in (dns.rdatatype.TXT, dns.rdatatype.SPF):
        return txt_text(rdata)
    return rdata.to_text()


def values_text(rdatas):
    return sorted(value_text(r) for r in rdatas)


def rdata_key(rdata):
    """Comparison key: TXT by joined text (chunking does not matter); others canonical wire form."""
    if rdata.rdtype in (dns.rdatatype.TXT, dns.rdatatype.SPF):
        return (rdata.rdtype, b"".join(rdata.strings))
    return (rdata.rdtype, rdata.to_digestable(dns.name.root))


def parse_rdtype(text, field="type", allowed=None):
    try:
        rdtype = dns.rdatatype.from_text(str(text).upper())
    except dns.exception.DNSException:
        raise DNSError("%s: %r is not a DNS record type" % (field, text))
    if allowed and dns.rdatatype.to_text(rdtype) not in allowed:
        raise DNSError("%s: %s is not supported here; one of %s" % (field, text, ", ".join(allowed)))
    return rdtype


# -- endpoints ------------------------------------------------------------------------------------
def split_endpoint(text, default_port, field):
    """'192.0.2.1', '192.0.2.1:5353', '[2001:db8::1]:5353', '2001:db8::1', 'ns1.example.com' -> (host, port).

    A host name is checked as a DNS name and returned in ASCII (Unicode labels as A-labels); errors name
    ``field`` (``server``, ``nameservers[N]``)."""
    usage = "a nameserver is an address, a host name, address:port or [IPv6]:port"
    if text is None or not str(text).strip():
        raise DNSError("%s: must not be empty (%s)" % (field, usage))
    text = str(text).strip()
    match = re.match(r"^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$", text)
    if match:
        host, port = match.group(1), match.group(2)
        if not is_address(host):
            raise DNSError("%s: %r is not a nameserver: %s is not an IPv6 address (%s)" % (field, text, host, usage))
    elif "[" in text or "]" in text or re.search(r"\s", text):
        raise DNSError("%s: %r is not a nameserver (%s)" % (field, text, usage))
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, None
    if not host:
        raise DNSError("%s: %r is not a nameserver (%s)" % (field, text, usage))
    try:
        port = int(port) if port is not None else int(default_port)
    except ValueError:
        raise DNSError("%s: %r has an invalid port" % (field, text))
    if not 0 < port < 65536:
        raise DNSError("%s: port %d is out of range 1-65535" % (field, port))
    if not is_address(host):
        if ":" in host:
            raise DNSError("%s: %r is not a nameserver: %s is not an IPv6 address (%s)" % (field, text, host, usage))
        name = to_name(host, field)
        if len(name.labels) < 2:
            raise DNSError("%s: %r is not a nameserver (%s)" % (field, text, usage))
        host = name.to_text(omit_final_dot=True)
    return host, port


def is_address(text):
    try:
        dns.inet.af_for_address(text)
        return True
    except ValueError:
        return False


def endpoint_text(address, port, default_port=53):
    if port == default_port:
        return address
    return ("[%s]:%d" if ":" in address else "%s:%d") % (address, port)


def resolve_host(host, field):
    """A host name -> its IPv4 and IPv6 addresses (system resolver), or the address itself."""
    if is_address(host):
        return [host]
    try:
        infos = socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DNSError("%s: cannot resolve %r: %s" % (field, host, exc))
    out = []
    for info in infos:
        address = info[4][0]
        if address not in out:
            out.append(address)
    return out


# -- the client -----------------------------------------------------------------------------------
TSIG_ERRORS = {
    "PeerBadKey": "BADKEY: the server does not know the TSIG key %(key)s (check key_name and that the server "
                  "has this key)",
    "PeerBadSignature": "BADSIG: the server rejected the TSIG signature of key %(key)s (wrong key_secret or "
                        "key_algorithm %(alg)s)",
    "PeerBadTime": "BADTIME: the server rejected the TSIG time (clocks of this host and the server differ by "
                   "more than the fudge)",
    "PeerBadTruncation": "BADTRUNC: the server rejected the truncated TSIG MAC",
    "BadSignature": "the server's answer has a bad TSIG signature (wrong key_secret?)",
    "BadAlgorithm": "TSIG algorithm %(alg)s is not supported",
}


class Client(object):
    """Queries and UPDATEs to one nameserver (address, port)."""

    def __init__(self, address, port=53, protocol="tcp", timeout=5.0, keyring=None, keyname=None, algorithm=None,
                 label=None):
        self.address = address
        self.port = port
        self.protocol = protocol
        self.timeout = timeout
        self.keyring = keyring
        self.keyname = keyname
        self.algorithm = algorithm
        self.label = label or endpoint_text(address, port)

    def _alg_text(self):
        return name_text(self.algorithm) if self.algorithm else "(none)"

    def _key_text(self):
        return name_text(self.keyname) if self.keyname else "(none)"

    def _send(self, message):
        try:
            if self.protocol == "udp":
                response = dns.query.udp(message, self.address, timeout=self.timeout, port=self.port)
                if response.flags & dns.flags.TC:
                    response = dns.query.tcp(message, self.address, timeout=self.timeout, port=self.port)
                return response
            return dns.query.tcp(message, self.address, timeout=self.timeout, port=self.port)
        except dns.tsig.PeerError as exc:
            template = TSIG_ERRORS.get(type(exc).__name__, "TSIG error: %(exc)s")
            raise DNSError("%s: %s" % (self.label, template % dict(key=self._key_text(), alg=self._alg_text(), exc=exc)))
        except (dns.tsig.BadSignature, dns.tsig.BadAlgorithm) as exc:
            template = TSIG_ERRORS.get(type(exc).__name__, "TSIG error: %(exc)s")
            raise DNSError("%s: %s" % (self.label, template % dict(key=self._key_text(), alg=self._alg_text(), exc=exc)))
        except dns.exception.Timeout:
            raise DNSTimeout("%s: no answer within %.1f s (%s)" % (self.label, self.timeout, self.protocol.upper()))
        except (OSError, EOFError) as exc:
            raise DNSUnreachable("%s: %s" % (self.label, exc))
        except dns.exception.DNSException as exc:
            raise DNSError("%s: %s" % (self.label, exc))

    def query(self, name, rdtype, sign=True, recursion=False):
        message = dns.message.make_query(name, rdtype, use_edns=True, payload=1232)
        if not recursion:
            message.flags &= ~dns.flags.RD
        if sign and self.keyring:
            message.use_tsig(self.keyring, keyname=self.keyname, algorithm=self.algorithm)
        return self._send(message)

    def rrset(self, name, rdtype, sign=True):
        """(rrset or None, rcode text). NXDOMAIN and NODATA give None."""
        response = self.query(name, rdtype, sign=sign)
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DNSRcode(self.label, name, rdtype, rcode)
        rrset = response.get_rrset(response.answer, name, dns.rdataclass.IN, rdtype)
        return rrset, dns.rcode.to_text(rcode)

    def find_zone(self, name):
        """The zone of ``name`` by an SOA walk against this server."""
        current = name
        while True:
            response = self.query(current, dns.rdatatype.SOA)
            rcode = response.rcode()
            if rcode in (dns.rcode.REFUSED, dns.rcode.SERVFAIL, dns.rcode.NOTAUTH):
                raise DNSError("%s: %s to the SOA query for %s: the server is not authoritative for (or refuses) "
                               "the zone of %s; set zone explicitly or check server" % (
                                   self.label, dns.rcode.to_text(rcode), name_text(current), name_text(name)))
            for rrset in response.answer:
                if rrset.rdtype == dns.rdatatype.SOA and rrset.name == current:
                    return current
            for rrset in response.authority:
                if rrset.rdtype == dns.rdatatype.SOA and name.is_subdomain(rrset.name):
                    return rrset.name
            if current == dns.name.root:
                raise DNSError("%s: no SOA found for any parent of %s; set zone explicitly"
                               % (self.label, name_text(name)))
            current = current.parent()

    def update(self, message):
        if self.keyring:
            message.use_tsig(self.keyring, keyname=self.keyname, algorithm=self.algorithm)
        response = self._send(message)
        return response.rcode()


class DNSTimeout(DNSError):
    pass


class DNSUnreachable(DNSError):
    pass


class DNSRcode(DNSError):
    def __init__(self, label, name, rdtype, rcode):
        self.rcode = rcode
        self.rcode_text = dns.rcode.to_text(rcode)
        super(DNSRcode, self).__init__("%s: %s to the query %s %s" % (
            label, self.rcode_text, name_text(name), dns.rdatatype.to_text(rdtype)))


UPDATE_RCODES = {
    "REFUSED": "REFUSED: the server does not accept this update (the zone is not dynamic, the TSIG key is not "
               "allowed by allow-update/update-policy for this name and type, or the server is a secondary)",
    "NOTAUTH": "NOTAUTH: the server is not authoritative for zone %(zone)s (or the TSIG key was not accepted)",
    "NOTZONE": "NOTZONE: %(name)s is not inside zone %(zone)s",
    "NXRRSET": "NXRRSET: the RRset changed on the server after it was read (prerequisite failed); "
               "nothing was changed - run again",
    "YXRRSET": "YXRRSET: the RRset appeared on the server after it was read (prerequisite failed); "
               "nothing was changed - run again",
    "YXDOMAIN": "YXDOMAIN: prerequisite failed; nothing was changed - run again",
    "NXDOMAIN": "NXDOMAIN: prerequisite failed; nothing was changed - run again",
    "SERVFAIL": "SERVFAIL: the server failed to apply the update (see its log)",
    "FORMERR": "FORMERR: the server could not parse the update",
    "NOTIMP": "NOTIMP: the server does not implement dynamic updates (RFC 2136)",
}


def update_error(rcode, zone, name):
    text = dns.rcode.to_text(rcode)
    template = UPDATE_RCODES.get(text, "%s: the update failed" % text)
    return template % dict(zone=name_text(zone), name=name_text(name))


def sleep(seconds):
    if seconds > 0:
        time.sleep(seconds)
