# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mail_dns_info: MX, SPF, DMARC of a domain, analysed (private; the API may change)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import mail
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import spf as spf_lib
from ansible_collections.mailops.secure_email.plugins.module_utils._dns.common import DNSError

try:
    from concurrent.futures import ThreadPoolExecutor
except ImportError:  # Python 2 (not a supported target): the names are then asked one after the other
    ThreadPoolExecutor = None

try:
    import dns.exception
    import dns.nameserver
    import dns.resolver
except ImportError:
    pass  # reported by common.require_dnspython()

ARGUMENT_SPEC = dict(
    domain=dict(type="str"),
    domains=dict(type="list", elements="str"),
    hosts=dict(type="list", elements="str"),
    nameservers=dict(type="list", elements="str"),
    gateway_mechanism=dict(type="str"),
    resolve_includes=dict(type="bool", default=True),
)
ARGUMENT_SPEC.update(common.TRANSPORT_SPEC)
REQUIRED_ONE_OF = [("domain", "domains", "hosts")]
# Concurrent questions of one run (a cutover of 100 domains asks about 300 names): a resolver answers each in a
# few milliseconds, so eight in flight take the wall time from seconds to a fraction without flooding it.
PREFETCH_WORKERS = 8
MUTUALLY_EXCLUSIVE = [("domain", "domains")]


class Lookup(object):
    """Recursive lookups through the system resolver or the given nameservers."""

    def __init__(self, params):
        self.tcp = params["protocol"] == "tcp"
        nameservers = params.get("nameservers")
        if nameservers:
            self.resolver = dns.resolver.Resolver(configure=False)
            servers = []
            for index, text in enumerate(nameservers):
                host, port = common.split_endpoint(text, params["port"], "nameservers[%d]" % index)
                for address in common.resolve_host(host, "nameservers[%d]" % index):
                    servers.append(dns.nameserver.Do53Nameserver(address, port))
            self.resolver.nameservers = servers
        else:
            self.resolver = dns.resolver.Resolver()
            if params["port"] != 53:
                self.resolver.port = params["port"]
        self.resolver.timeout = params["query_timeout"]
        self.resolver.lifetime = params["query_timeout"] * 2
        self.queries = 0
        # One run asks each name and type once: many domains share their SPF includes
        # (include:spf.protection.outlook.com), and a name that failed (a timeout) is not waited for again.
        self.cache = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(name, rdtype):
        return (str(name).rstrip(".").lower() + ".", str(rdtype).upper())

    def _fill(self, key, name):
        try:
            entry = (self._resolve(name, key[1]), None)
        except LookupError as exc:
            entry = (None, str(exc))
        with self._lock:
            self.cache.setdefault(key, entry)

    def prefetch(self, questions, workers=PREFETCH_WORKERS):
        """Ask (name, type) questions concurrently and keep the answers (and failures) in the cache.

        The analysis then reads them in its own order, so that its result does not depend on the order in which
        answers arrived; only the wall time changes: N domains cost about N / workers round trips, not 3 N."""
        wanted = {}
        for name, rdtype in questions:
            key = self._key(name, rdtype)
            if key not in self.cache and key not in wanted:
                wanted[key] = name
        if len(wanted) < 2 or ThreadPoolExecutor is None:
            return
        with ThreadPoolExecutor(max_workers=min(workers, len(wanted))) as pool:
            list(pool.map(lambda item: self._fill(*item), wanted.items()))

    def rrset(self, name, rdtype):
        """(rrset or None). Raises LookupError with a reason when the name could not be resolved."""
        key = self._key(name, rdtype)
        if key not in self.cache:
            self._fill(key, name)
        rrset, error = self.cache[key]
        if error is not None:
            raise LookupError(error)
        return rrset

    def _resolve(self, name, rdtype):
        with self._lock:
            self.queries += 1
        try:
            answer = self.resolver.resolve(name, rdtype, tcp=self.tcp, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return None
        except dns.resolver.NoNameservers as exc:
            raise LookupError(_reason(exc))
        except dns.exception.Timeout:
            raise LookupError("timeout")
        except dns.exception.DNSException as exc:
            raise LookupError(str(exc))
        return answer.rrset

    def txt(self, name):
        rrset = self.rrset(name, "TXT")
        return [common.txt_text(r) for r in rrset] if rrset is not None else []


def _reason(exc):
    text = str(exc)
    for rcode in ("REFUSED", "SERVFAIL", "NOTAUTH", "NOTIMP"):
        if rcode in text:
            return "%s from every nameserver" % rcode
    return text


def analyse_spf(domain, txt_values, ttl, lookup, params):
    """The spf result of a domain (see spf.analyse): nested includes resolved through ``lookup`` unless
    resolve_includes is false."""
    if params["resolve_includes"]:
        resolve_txt = lookup.txt
    else:
        def resolve_txt(name):
            raise LookupError("%s: not resolved (resolve_includes=false)" % name)
    result = spf_lib.analyse(txt_values, resolve_txt, domain, params.get("gateway_mechanism"))
    result["ttl"] = ttl
    return result


def analyse_dmarc(txt_values, ttl):
    found = [value for value in txt_values if value.strip().replace(" ", "").upper().startswith("V=DMARC1")]
    result = dict(record=None, ttl=ttl, records_found=len(found), valid=False, tags={}, policy=None,
                  subdomain_policy=None, pct=None, rua=[], ruf=[], errors=[])
    if len(found) == 1:
        result.update(mail.parse_dmarc(found[0]))
    return result


def resolve_hosts(names, lookup):
    """A and AAAA of each host name: [{name, addresses, error}] and the findings for hosts that do not resolve."""
    hosts, found = [], []
    for index, text in enumerate(names):
        name = common.name_text(common.to_name(text, "hosts[%d]" % index)).lower()
        addresses, errors = [], []
        for rdtype in ("A", "AAAA"):
            try:
                rrset = lookup.rrset(name, rdtype)
            except LookupError as exc:
                errors.append("%s: %s" % (rdtype, exc))
                continue
            addresses += [r.to_text() for r in rrset] if rrset is not None else []
        error = None
        if not addresses:
            error = "; ".join(errors) or "no A or AAAA record"
            found.append(dict(severity="error", code="host_unresolved",
                              message="%s does not resolve (%s)" % (name, error)))
        hosts.append(dict(name=name, addresses=sorted(addresses), error=error))
    return hosts, found


def gather(params):
    port = params.get("port", 53)
    if not 0 < port < 65536:
        raise DNSError("port: must be between 1 and 65535, got %d" % port)
    if params.get("query_timeout") is not None and params["query_timeout"] <= 0:
        raise DNSError("query_timeout: must be greater than 0")
    # Every name is checked before the first query. An empty domain is an error, not "no domain" (it passes
    # required_one_of, and used to report nothing).
    if params.get("domain") is not None:
        common.to_name(params["domain"], "domain")
    for field in ("domains", "hosts"):
        for index, text in enumerate(params.get(field) or []):
            common.to_name(text, "%s[%d]" % (field, index))
    lookup = Lookup(params)
    if params.get("gateway_mechanism"):
        try:
            term = spf_lib.parse_term(params["gateway_mechanism"].strip())
        except spf_lib.SPFError as exc:
            raise DNSError("gateway_mechanism: %s" % exc)
        if term["kind"] != "mechanism":
            raise DNSError("gateway_mechanism: %r is a modifier, not a mechanism" % params["gateway_mechanism"])
    lookup.prefetch(_questions(params))
    hosts, host_findings = resolve_hosts(params.get("hosts") or [], lookup)
    result = dict(changed=False, domain=None, mx=None, spf=None, dmarc=None, ttls=None, findings=[])
    if params.get("domain") is not None:
        result.update(gather_domain(params["domain"], "domain", lookup, params))
    elif params.get("domains"):
        # One module run for many domains (the cutover of N domains costs one task, not N).
        result["domains"] = [gather_domain(name, "domains[%d]" % index, lookup, params)
                             for index, name in enumerate(params["domains"])]
        result["findings"] = [finding for item in result["domains"] for finding in item["findings"]]
    result.update(hosts=hosts, findings=result["findings"] + host_findings, queries=lookup.queries)
    result["worst_severity"] = _worst(result["findings"])
    return result


def _questions(params):
    """The first-level questions of a run, for Lookup.prefetch: each host's A and AAAA, each domain's MX, TXT and
    DMARC TXT (the names were checked by gather before)."""
    questions = []
    for text in params.get("hosts") or []:
        name = common.name_text(common.to_name(text, "hosts")).lower()
        questions += [(name, "A"), (name, "AAAA")]
    names = [params["domain"]] if params.get("domain") is not None else list(params.get("domains") or [])
    for text in names:
        domain = common.name_text(common.to_name(text, "domains")).lower()
        questions += [(domain, "MX"), (domain, "TXT"), ("_dmarc." + domain, "TXT")]
    return questions


def gather_domain(name, field, lookup, params):
    """MX, SPF and DMARC of one domain, analysed: {domain, mx, spf, dmarc, ttls, findings, worst_severity}."""
    domain = common.name_text(common.to_name(name, field)).lower()
    mx_records, mx_ttl, mx_error = [], None, None
    try:
        rrset = lookup.rrset(domain, "MX")
        if rrset is not None:
            mx_ttl = rrset.ttl
            mx_records = [(r.preference, r.exchange.to_text()) for r in rrset]
    except LookupError as exc:
        mx_error = str(exc)
    mx = mail.mx_summary(mx_records, mx_ttl)
    if mx_error:
        mx["error"] = mx_error
    txt_ttl, spf_error, txt_values = None, None, []
    try:
        rrset = lookup.rrset(domain, "TXT")
        if rrset is not None:
            txt_ttl = rrset.ttl
            txt_values = [common.txt_text(r) for r in rrset]
    except LookupError as exc:
        spf_error = str(exc)
    spf = analyse_spf(domain, txt_values, txt_ttl, lookup, params)
    if spf_error:
        spf["error"] = spf_error
    dmarc_ttl, dmarc_error, dmarc_values = None, None, []
    try:
        rrset = lookup.rrset("_dmarc." + domain, "TXT")
        if rrset is not None:
            dmarc_ttl = rrset.ttl
            dmarc_values = [common.txt_text(r) for r in rrset]
    except LookupError as exc:
        dmarc_error = str(exc)
    dmarc = analyse_dmarc(dmarc_values, dmarc_ttl)
    if dmarc_error:
        dmarc["error"] = dmarc_error
    found = mail.findings(domain, mx, spf, dmarc)
    return dict(domain=domain, mx=mx, spf=spf, dmarc=dmarc, ttls=dict(mx=mx_ttl, txt=txt_ttl, dmarc=dmarc_ttl),
                findings=found, worst_severity=_worst(found))


def _worst(found):
    for severity in ("error", "warning", "info"):
        if any(item["severity"] == severity for item in found):
            return severity
    return None


def run(module):
    common.require_dnspython(module.fail_json)
    try:
        result = gather(module.params)
    except DNSError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)
