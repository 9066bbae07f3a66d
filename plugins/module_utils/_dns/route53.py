# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Route 53 for dns_record (``provider: route53``): one boto3 client (private; the API may change).

The record model stays the one of the RFC 2136 path (record_module.py): RRsets are read into dnspython rdatas, planned
with the same rules, and written as ONE ``ChangeResourceRecordSets`` change batch per hosted zone, which Route 53
applies atomically (all changes of the batch or none). Each changed RRset is written as ``DELETE`` of the RRset as
read (Route 53 refuses a DELETE whose TTL and values are not exactly the current ones: the same pin as the RFC 2136
prerequisite) followed by ``CREATE`` of the new RRset; a new RRset is a ``CREATE`` (refused by Route 53 when it
exists by then), a removed one a ``DELETE``. ``UPSERT`` is not used: it would silently replace a change made by someone
else between the read and the write. Then ``GetChange`` is polled until the change is ``INSYNC``.

Only the API actions named in docs/dns.md are used: ListHostedZonesByName, ListResourceRecordSets,
ChangeResourceRecordSets, GetChange.

Every AWS call goes through :meth:`Route53.call`, which retries ``Throttling`` and ``PriorRequestNotComplete``
(and HTTP 5xx) with exponential backoff. Errors are :class:`common.DNSError` with a message that names the option.
Secrets (``aws_secret_access_key``, ``aws_session_token``) are never part of a message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import re
import time
import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common
from ansible_collections.mailops.secure_email.plugins.module_utils._dns.common import DNSError

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None

try:
    import dns.name
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.rdtypes.ANY.TXT
    import dns.rrset
except ImportError:
    pass  # reported by common.require_dnspython()

# Route 53 signs with us-east-1 whatever the caller's region (the API is global).
REGION = "us-east-1"
RETRY_CODES = ("Throttling", "ThrottlingException", "PriorRequestNotComplete", "RequestLimitExceeded",
               "ServiceUnavailable", "InternalFailure")
CREDENTIAL_CODES = ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
                    "InvalidAccessKeyId", "ExpiredToken", "ExpiredTokenException", "AuthFailure",
                    "MissingAuthenticationToken", "IncompleteSignature")
DENIED_CODES = ("AccessDenied", "AccessDeniedException")
# Per change batch (AWS quotas): 1000 ResourceRecord elements and 32000 characters of values.
MAX_BATCH_RECORDS = 1000
MAX_BATCH_CHARACTERS = 32000

ROUTE53_SPEC = dict(
    provider=dict(type="str", default="rfc2136", choices=["rfc2136", "route53"]),
    hosted_zone_id=dict(type="str"),
    aws_access_key_id=dict(type="str", no_log=False, aliases=["aws_access_key"],
                           fallback=(env_fallback, ["AWS_ACCESS_KEY_ID"])),
    aws_secret_access_key=dict(type="str", no_log=True, aliases=["aws_secret_key"],
                               fallback=(env_fallback, ["AWS_SECRET_ACCESS_KEY"])),
    aws_session_token=dict(type="str", no_log=True, fallback=(env_fallback, ["AWS_SESSION_TOKEN"])),
    aws_profile=dict(type="str", fallback=(env_fallback, ["AWS_PROFILE"])),
    endpoint_url=dict(type="str", fallback=(env_fallback, ["AWS_ENDPOINT_URL_ROUTE_53", "AWS_ENDPOINT_URL"])),
    route53_wait=dict(type="bool", default=True),
    route53_wait_timeout=dict(type="float", default=300.0),
    route53_retries=dict(type="int", default=6),
)


def require_boto3(fail):
    """Call ``fail(msg=..., exception=...)`` when boto3 is missing."""
    if not HAS_BOTO3:
        fail(msg="boto3 is required for provider=route53 on the host that runs dns_record (pip install boto3); for "
                 "execution environments it is listed in meta/ee-requirements.txt",
             exception=BOTO3_IMPORT_ERROR)


# -- names and values ----------------------------------------------------------------------------
_OCTAL = re.compile(r"\\([0-7]{3})")


def r53_name(text):
    """A name as Route 53 returns it (octal escapes such as \\052 for ``*``, trailing dot) -> dns.name.Name."""
    unescaped = _OCTAL.sub(lambda match: chr(int(match.group(1), 8)), text)
    return dns.name.from_text(unescaped, origin=dns.name.root)


def name_value(name):
    """dns.name.Name -> the Name element Route 53 takes (absolute, lower case; ``*`` as written)."""
    return name.to_text().lower()


def _txt_strings(text):
    """Route 53's TXT value ('"part one" "part two"', \\" and \\ooo escapes) -> the strings as bytes."""
    strings, index, length = [], 0, len(text)
    while index < length:
        if text[index].isspace():
            index += 1
            continue
        if text[index] != '"':
            end = index
            while end < length and not text[end].isspace():
                end += 1
            strings.append(_unescape(text[index:end]))
            index = end
            continue
        index += 1
        start = index
        while index < length and text[index] != '"':
            index += 2 if text[index] == "\\" else 1
        strings.append(_unescape(text[start:index]))
        index += 1
    return strings or [b""]


def _unescape(text):
    out, index = bytearray(), 0
    while index < len(text):
        char = text[index]
        if char == "\\" and _OCTAL.match(text, index):
            out.append(int(text[index + 1:index + 4], 8))
            index += 4
        elif char == "\\" and index + 1 < len(text):
            out.extend(text[index + 1].encode("utf-8"))
            index += 2
        else:
            out.extend(char.encode("utf-8"))
            index += 1
    return bytes(out)


def txt_value(rdata):
    """A TXT rdata -> Route 53's value: every string quoted, '"' and '\\' escaped, other bytes outside printable
    ASCII as \\ooo (Route 53 reads three-digit escapes as octal)."""
    parts = []
    for string in rdata.strings:
        chars = []
        for byte in bytearray(string):
            if byte in (0x22, 0x5C):
                chars.append("\\" + chr(byte))
            elif 0x20 <= byte < 0x7F:
                chars.append(chr(byte))
            else:
                chars.append("\\%03o" % byte)
        parts.append('"%s"' % "".join(chars))
    return " ".join(parts)


def rdata_value(rdata):
    """An rdata -> the Value of one Route 53 ResourceRecord (zone-file syntax, names absolute)."""
    if rdata.rdtype == dns.rdatatype.TXT:
        return txt_value(rdata)
    return rdata.to_text()


def parse_rdata(rdtype, value):
    """One Route 53 ResourceRecord Value -> rdata."""
    if rdtype == dns.rdatatype.TXT:
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, _txt_strings(value))
    return dns.rdata.from_text(dns.rdataclass.IN, rdtype, value, origin=dns.name.root, relativize=False)


def record_set(name, rdtype, ttl, rdatas):
    """The ResourceRecordSet element of a change."""
    return {"Name": name_value(name), "Type": dns.rdatatype.to_text(rdtype), "TTL": int(ttl),
            "ResourceRecords": [{"Value": rdata_value(rdata)} for rdata in rdatas]}


def changes_for(name, rdtype, current, desired, ttl):
    """The changes that make the RRset ``current`` (an RRset or None) ``desired`` with ``ttl``: DELETE as read (the
    pin) + CREATE, only CREATE for a new RRset, only DELETE to remove it."""
    out = []
    current_rdatas = list(current) if current is not None else []
    if current_rdatas:
        out.append({"Action": "DELETE", "ResourceRecordSet": record_set(name, rdtype, current.ttl, current_rdatas)})
    if desired:
        out.append({"Action": "CREATE", "ResourceRecordSet": record_set(name, rdtype, ttl, desired)})
    return out


def batch_size(changes):
    """(ResourceRecord elements, characters of values) of a change batch, counted as the AWS quotas count them:
    an UPSERT counts twice; DELETE and CREATE once each."""
    records = characters = 0
    for change in changes:
        factor = 2 if change["Action"] == "UPSERT" else 1
        values = [item["Value"] for item in change["ResourceRecordSet"].get("ResourceRecords", [])]
        records += factor * len(values)
        characters += factor * sum(len(value) for value in values)
    return records, characters


def zone_id_text(zone_id):
    """'/hostedzone/Z123' or 'Z123' -> 'Z123'."""
    return zone_id.rsplit("/", 1)[-1]


# -- the client ----------------------------------------------------------------------------------
class Route53(object):
    """One boto3 Route 53 client with retries, for one task."""

    def __init__(self, params, client=None, sleep=None, clock=None):
        self.params = params
        self.retries = params.get("route53_retries")
        if self.retries is None:
            self.retries = 6
        if self.retries < 0:
            raise DNSError("route53_retries: must be 0 or more, got %d" % self.retries)
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.calls = {}
        self._zones = {}
        self.zones_by_name = {}
        self.label = "Route 53" + (" at %s" % params["endpoint_url"] if params.get("endpoint_url") else "")
        self.client = client if client is not None else self._make_client(params)

    @staticmethod
    def _make_client(params):
        key_id, secret = params.get("aws_access_key_id"), params.get("aws_secret_access_key")
        if bool(key_id) != bool(secret):
            raise DNSError("%s is set but %s is not: static credentials need both (or the environment variables "
                           "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)" % (
                               ("aws_access_key_id", "aws_secret_access_key") if key_id
                               else ("aws_secret_access_key", "aws_access_key_id")))
        if params.get("aws_session_token") and not key_id:
            raise DNSError("aws_session_token: needs aws_access_key_id and aws_secret_access_key")
        endpoint = params.get("endpoint_url")
        if endpoint is not None and not re.match(r"^https?://[^/\s]+", endpoint):
            raise DNSError("endpoint_url: %r is not an http(s) URL" % endpoint)
        session_args = {}
        if key_id:
            session_args.update(aws_access_key_id=key_id, aws_secret_access_key=secret,
                                aws_session_token=params.get("aws_session_token") or None)
        elif params.get("aws_profile"):
            session_args["profile_name"] = params["aws_profile"]
        try:
            session = boto3.session.Session(**session_args)
        except botocore.exceptions.ProfileNotFound as exc:
            raise DNSError("aws_profile: %s" % exc)
        # Our own retries (call()), so that the backoff and the codes retried are ours and tested; botocore's are off.
        config = botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=30,
                                        user_agent_extra="mailops.secure_email")
        return session.client("route53", region_name=REGION, endpoint_url=endpoint or None, config=config)

    def backoff(self, attempt):
        """Seconds before retry ``attempt`` (1, 2, ...): 0.5, 1, 2, 4 ... capped at 20, with jitter."""
        return min(20.0, 0.5 * (2 ** (attempt - 1))) * (0.5 + random.random() / 2)

    def call(self, action, **kwargs):
        """One API call with retries. ``action`` is the boto3 method name (list_hosted_zones_by_name ...)."""
        attempt = 0
        while True:
            self.calls[action] = self.calls.get(action, 0) + 1
            try:
                return getattr(self.client, action)(**kwargs)
            except botocore.exceptions.ClientError as exc:
                error = exc.response.get("Error") or {}
                code = error.get("Code") or ""
                status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
                if (code in RETRY_CODES or status >= 500) and attempt < self.retries:
                    attempt += 1
                    self.sleep(self.backoff(attempt))
                    continue
                raise self.error(action, code, error.get("Message") or str(exc), status, attempt)
            except botocore.exceptions.NoCredentialsError:
                raise DNSError("%s: no AWS credentials: set aws_access_key_id and aws_secret_access_key (or "
                               "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or aws_profile (AWS_PROFILE)" % self.label)
            except botocore.exceptions.PartialCredentialsError as exc:
                raise DNSError("%s: incomplete AWS credentials: %s" % (self.label, exc))
            except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
                    botocore.exceptions.ReadTimeoutError) as exc:
                if attempt < self.retries:
                    attempt += 1
                    self.sleep(self.backoff(attempt))
                    continue
                raise DNSError("%s: cannot reach the API (endpoint_url %s): %s" % (
                    self.label, self.params.get("endpoint_url") or "the AWS default", exc))
            except botocore.exceptions.BotoCoreError as exc:
                raise DNSError("%s: %s" % (self.label, exc))

    def error(self, action, code, message, status, attempts):
        api = "".join(part.capitalize() for part in action.split("_"))
        if code in CREDENTIAL_CODES:
            return DNSError("%s: %s refused the credentials (%s: %s): check aws_access_key_id and "
                            "aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, aws_profile)"
                            % (self.label, api, code, message))
        if code in DENIED_CODES:
            return DNSError("%s: %s: access denied (%s): the IAM identity needs route53:%s (docs/dns.md lists the "
                            "permissions)" % (self.label, api, message, api))
        if code in RETRY_CODES or status >= 500:
            return DNSError("%s: %s failed after %d retries: %s: %s" % (self.label, api, attempts, code, message))
        return DNSError("%s: %s: %s: %s" % (self.label, api, code or status, message))

    # -- zones -------------------------------------------------------------------------------
    def zone_by_id(self, hosted_zone_id):
        """(zone Name, hosted zone id) of ``hosted_zone_id``: the apex is the name of the zone's first RRset
        (ListResourceRecordSets lists the apex first, and the apex always has SOA and NS)."""
        zone_id = zone_id_text(hosted_zone_id)
        if zone_id in self._zones:
            return self._zones[zone_id], zone_id
        try:
            listing = self.call("list_resource_record_sets", HostedZoneId=zone_id, MaxItems="1")
        except DNSError as exc:
            if "NoSuchHostedZone" in str(exc) or "InvalidInput" in str(exc):
                raise DNSError("hosted_zone_id: %s: no such hosted zone (%s)" % (hosted_zone_id, exc))
            raise
        sets = listing.get("ResourceRecordSets") or []
        if not sets:
            raise DNSError("hosted_zone_id: %s: the hosted zone has no record sets (not even SOA)" % hosted_zone_id)
        self._zones[zone_id] = r53_name(sets[0]["Name"])
        return self._zones[zone_id], zone_id

    def zone_by_name(self, zone, field="zone"):
        """The id of the public hosted zone named ``zone`` (ListHostedZonesByName), or None when there is none."""
        text = name_value(zone)
        listing = self.call("list_hosted_zones_by_name", DNSName=text, MaxItems="100")
        found = [item for item in listing.get("HostedZones") or []
                 if r53_name(item["Name"]) == zone and not (item.get("Config") or {}).get("PrivateZone")]
        if len(found) > 1:
            raise DNSError("%s: %d public hosted zones are named %s (%s); set hosted_zone_id to choose one" % (
                field, len(found), common.name_text(zone), ", ".join(zone_id_text(item["Id"]) for item in found)))
        return zone_id_text(found[0]["Id"]) if found else None

    def find_zone(self, name, field):
        """(zone Name, hosted zone id) of the closest public hosted zone that holds ``name``: the name itself, then
        its parents (one ListHostedZonesByName per candidate, cached)."""
        candidate = name
        while len(candidate.labels) > 1:
            key = name_value(candidate)
            if key not in self._zones:
                self._zones[key] = self.zone_by_name(candidate, field)
            if self._zones[key]:
                return candidate, self._zones[key]
            candidate = candidate.parent()
        raise DNSError("%s: no public hosted zone in this AWS account holds %s (looked for %s); check the name, the "
                       "credentials' account, or set hosted_zone_id" % (
                           field, common.name_text(name), ", ".join(self._candidates(name))))

    @staticmethod
    def _candidates(name):
        out, candidate = [], name
        while len(candidate.labels) > 1:
            out.append(common.name_text(candidate))
            candidate = candidate.parent()
        return out

    # -- record sets -------------------------------------------------------------------------
    def rrset(self, zone_id, name, rdtype, field="name"):
        """The RRset ``name``/``rdtype`` of the hosted zone as a dnspython RRset, or None."""
        listing = self.call("list_resource_record_sets", HostedZoneId=zone_id, StartRecordName=name_value(name),
                            StartRecordType=dns.rdatatype.to_text(rdtype), MaxItems="10")
        found = [item for item in listing.get("ResourceRecordSets") or []
                 if r53_name(item["Name"]) == name and item["Type"] == dns.rdatatype.to_text(rdtype)]
        if not found:
            return None
        label = "%s %s" % (common.name_text(name), dns.rdatatype.to_text(rdtype))
        if len(found) > 1 or found[0].get("SetIdentifier"):
            raise DNSError("%s: %s has a routing policy in Route 53 (SetIdentifier: weighted, latency, failover, ...); "
                           "dns_record manages simple record sets only" % (field, label))
        if found[0].get("AliasTarget"):
            raise DNSError("%s: %s is a Route 53 alias record; dns_record manages simple record sets only"
                           % (field, label))
        item = found[0]
        rrset = dns.rrset.RRset(name, dns.rdataclass.IN, rdtype)
        for record in item.get("ResourceRecords") or []:
            try:
                rrset.add(parse_rdata(rdtype, record["Value"]), ttl=int(item.get("TTL", 0)))
            except Exception as exc:  # pylint: disable=broad-except
                raise DNSError("%s: %s holds %r, which is not a valid %s value: %s" % (
                    field, label, record["Value"], dns.rdatatype.to_text(rdtype), exc))
        rrset.ttl = int(item.get("TTL", 0))
        return rrset

    def change(self, zone_id, changes, comment):
        """One ChangeResourceRecordSets (atomic): returns the ChangeInfo {Id, Status, SubmittedAt}."""
        response = self.call("change_resource_record_sets", HostedZoneId=zone_id,
                             ChangeBatch={"Comment": comment[:256], "Changes": changes})
        info = response["ChangeInfo"]
        return dict(id=zone_id_text(info["Id"]), status=info.get("Status"))

    def wait(self, change_id, timeout, progress=None):
        """Poll GetChange until INSYNC: 1 s, then 2, 4 ... at most 15 s apart. Returns the polls
        [{seconds, status}]; raises DNSError after ``timeout`` seconds."""
        start = self.clock()
        polls, delay = [], 1.0
        while True:
            info = self.call("get_change", Id=change_id)["ChangeInfo"]
            seconds = round(self.clock() - start, 1)
            polls.append(dict(seconds=seconds, status=info.get("Status")))
            if progress:
                progress(change_id, seconds, info.get("Status"))
            if info.get("Status") == "INSYNC":
                return polls
            if seconds + delay > timeout:
                raise DNSError("route53_wait_timeout: change %s is still %s after %.0f s (Route 53 applies it; run "
                               "again later or raise route53_wait_timeout)" % (change_id, info.get("Status"), seconds))
            self.sleep(delay)
            delay = min(15.0, delay * 2)
