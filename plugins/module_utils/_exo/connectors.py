# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Inbound and outbound connectors: fields, validation, and the present/absent logic.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors, inputs
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.common import find_by_name, validation_error
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.normalise import Field

CONNECTOR_TYPES = ["Partner", "OnPremises"]

INBOUND_FIELDS = [
    Field("enabled", "Enabled", "bool"),
    Field("connector_type", "ConnectorType", "enum", CONNECTOR_TYPES),
    Field("comment", "Comment", "str"),
    Field("sender_domains", "SenderDomains", "domains"),
    Field("sender_ip_addresses", "SenderIPAddresses", "ips"),
    Field("associated_accepted_domains", "AssociatedAcceptedDomains", "set_ci"),
    Field("require_tls", "RequireTls", "bool"),
    Field("restrict_domains_to_ip_addresses", "RestrictDomainsToIPAddresses", "bool"),
    Field("restrict_domains_to_certificate", "RestrictDomainsToCertificate", "bool"),
    Field("tls_sender_certificate_name", "TlsSenderCertificateName", "str_ci"),
    Field("treat_messages_as_internal", "TreatMessagesAsInternal", "bool"),
    Field("cloud_services_mail_enabled", "CloudServicesMailEnabled", "bool"),
    Field("trusted_organizations", "TrustedOrganizations", "set_ci"),
    Field("ef_skip_ips", "EFSkipIPs", "ips"),
    Field("ef_skip_last_ip", "EFSkipLastIP", "bool"),
    Field("ef_users", "EFUsers", "set_ci"),
]

OUTBOUND_FIELDS = [
    Field("enabled", "Enabled", "bool"),
    Field("connector_type", "ConnectorType", "enum", CONNECTOR_TYPES),
    Field("comment", "Comment", "str"),
    Field("recipient_domains", "RecipientDomains", "set_ci"),
    Field("smart_hosts", "SmartHosts", "hosts"),
    Field("use_mx_record", "UseMXRecord", "bool"),
    Field("tls_settings", "TlsSettings", "enum", ["EncryptionOnly", "CertificateValidation", "DomainValidation"]),
    Field("tls_domain", "TlsDomain", "str_ci"),
    Field("is_transport_rule_scoped", "IsTransportRuleScoped", "bool"),
    Field("route_all_messages_via_on_premises", "RouteAllMessagesViaOnPremises", "bool"),
    Field("cloud_services_mail_enabled", "CloudServicesMailEnabled", "bool"),
    Field("all_accepted_domains", "AllAcceptedDomains", "bool"),
    Field("sender_rewriting_enabled", "SenderRewritingEnabled", "bool"),
    Field("test_mode", "TestMode", "bool"),
    Field("mta_sts_mode", "MtaStsMode", "enum", ["Opportunistic", "None"]),
    Field("smtp_dane_mode", "SmtpDaneMode", "enum", ["Opportunistic", "Mandatory", "None"]),
    Field("validation_recipients", "ValidationRecipients", "set_ci", new=False),
]

# Parameters Exchange accepts only for one connector type (docs/exchange-rest.md sections 9, 10; CIPP #3873).
TYPE_ONLY = {
    "inbound": (("restrict_domains_to_ip_addresses", "restrict_domains_to_certificate"), "Partner"),
    "outbound": (("all_accepted_domains", "route_all_messages_via_on_premises", "sender_rewriting_enabled"),
                 "OnPremises"),
}

# Documented defaults of New-*Connector, used to judge a new connector before it exists.
DEFAULTS = {
    "inbound": dict(connector_type="Partner", enabled=True),
    "outbound": dict(connector_type="Partner", use_mx_record=True, enabled=True),
}


class Kind(object):
    def __init__(self, name, noun, fields, get_params=None):
        self.name = name
        self.noun = noun
        self.fields = fields
        self.get_cmdlet = "Get-%sConnector" % noun
        self.new_cmdlet = "New-%sConnector" % noun
        self.set_cmdlet = "Set-%sConnector" % noun
        self.remove_cmdlet = "Remove-%sConnector" % noun
        self.get_params = get_params or {}


INBOUND = Kind("inbound", "Inbound", INBOUND_FIELDS)
# IncludeTestModeConnectors: test-mode connectors may be hidden otherwise (docs/exchange-rest.md section 6)
OUTBOUND = Kind("outbound", "Outbound", OUTBOUND_FIELDS, dict(IncludeTestModeConnectors=True))


def options(kind):
    """Module options of the connector fields (all optional; unset = not managed)."""
    spec = {}
    for field in kind.fields:
        if field.is_list:
            spec[field.option] = dict(type="list", elements="str")
        elif field.kind == "enum":
            spec[field.option] = dict(type="str", choices=field.choices)
        else:
            spec[field.option] = dict(type={"bool": "bool", "int": "int"}.get(field.kind, "str"))
    return spec


def _certificate_name_problem(field, value):
    """A certificate's domain name (mail.contoso.com, *.contoso.com) or Exchange's '<I>issuer<S>subject' form; an
    empty value clears the option."""
    if n.is_empty(value):
        return None
    text = value.strip()
    if text.startswith("<I>") or text.startswith("<S>"):
        return None
    try:
        n.check_domain(field, text, allow_star=False)
    except ValueError as exc:
        return str(exc)
    if text != value:
        return "%s: %r has leading or trailing spaces" % (field, value)
    return None


def precheck(kind, params):
    """The checks that need nothing from the tenant, run before any request (ExoModule): error texts naming the
    option."""
    found = []
    if kind.name == "inbound":
        found.append(_certificate_name_problem("tls_sender_certificate_name",
                                               params.get("tls_sender_certificate_name")))
    else:
        found.append(_certificate_name_problem("tls_domain", params.get("tls_domain")))
        found += inputs.address_problems("validation_recipients", params.get("validation_recipients"))
        spec = params.get("validate")
        if spec is not None and params.get("state") == "present":
            found += inputs.address_problems("validate.recipients", spec.get("recipients"), required=True)
    return [f for f in found if f]


def _effective(desired, current, option, default=None):
    if desired.get(option) is not None:
        return desired[option]
    if current is not None and option in current:
        return current[option]
    return default


def check(kind, name, desired, current_record):
    """Validate before any write; returns the desired values to manage. Raises ExoValidationError."""
    problems = []
    desired = dict(desired)
    if not name or not name.strip():
        problems.append("name: must not be empty")
    try:
        n.check_length("name", name, 64)
    except ValueError as exc:
        problems.append(str(exc))
    current = n.current_values(kind.fields, current_record) if current_record is not None else None
    defaults = DEFAULTS[kind.name]
    ctype = _effective(desired, current, "connector_type", defaults.get("connector_type"))
    restricted, allowed = TYPE_ONLY[kind.name]
    for option in restricted:
        if desired.get(option) is None:
            continue
        if ctype != allowed:
            if desired[option]:
                problems.append("%s: Exchange accepts it only on %s connectors (connector_type is %s)"
                                % (option, allowed, ctype))
            else:
                desired[option] = None  # false is the default; never send it to the other type
    checks = []
    if kind.name == "inbound":
        for value in desired.get("sender_ip_addresses") or []:
            checks.append(lambda v=value: n.check_sender_ip("sender_ip_addresses", v))
        for value in desired.get("sender_domains") or []:
            checks.append(lambda v=value: n.check_domain("sender_domains", v))
        for value in desired.get("associated_accepted_domains") or []:
            checks.append(lambda v=value: n.check_domain("associated_accepted_domains", v, allow_star=False,
                                                         allow_wildcard=False))
        for value in desired.get("ef_skip_ips") or []:
            checks.append(lambda v=value: n.check_ip_or_range("ef_skip_ips", v, reject_private=True))
        for check_ in checks:
            try:
                check_()
            except ValueError as exc:
                problems.append(str(exc))
        if current is None and not desired.get("sender_domains"):
            problems.append("sender_domains: required to create an inbound connector (use ['*'] for all domains)")
        if desired.get("ef_skip_last_ip") and desired.get("ef_skip_ips"):
            problems.append("ef_skip_last_ip and ef_skip_ips: use one or the other (ef_skip_last_ip=true skips only "
                            "the last hop; ef_skip_ips lists the hops to skip)")
        if _effective(desired, current, "restrict_domains_to_ip_addresses") and \
                not _effective(desired, current, "sender_ip_addresses"):
            problems.append("restrict_domains_to_ip_addresses: needs sender_ip_addresses")
        if _effective(desired, current, "restrict_domains_to_certificate") and \
                not _effective(desired, current, "tls_sender_certificate_name"):
            problems.append("restrict_domains_to_certificate: needs tls_sender_certificate_name")
        if _effective(desired, current, "treat_messages_as_internal") and (
                ctype != "OnPremises" or _effective(desired, current, "cloud_services_mail_enabled")):
            problems.append("treat_messages_as_internal: only on OnPremises connectors without "
                            "cloud_services_mail_enabled")
    else:
        for value in desired.get("smart_hosts") or []:
            checks.append(lambda v=value: n.check_smart_host("smart_hosts", v))
        for value in desired.get("recipient_domains") or []:
            checks.append(lambda v=value: n.check_domain("recipient_domains", v))
        for check_ in checks:
            try:
                check_()
            except ValueError as exc:
                problems.append(str(exc))
        use_mx = _effective(desired, current, "use_mx_record", defaults["use_mx_record"])
        hosts = _effective(desired, current, "smart_hosts")
        if not use_mx and not hosts:
            problems.append("smart_hosts: required when use_mx_record is false")
        if use_mx and hosts:
            problems.append("use_mx_record: must be false when smart_hosts are set (Exchange uses either MX "
                            "records or smart hosts)")
        if _effective(desired, current, "tls_domain") and \
                _effective(desired, current, "tls_settings") != "DomainValidation":
            problems.append("tls_domain: only with tls_settings=DomainValidation")
    if problems:
        raise validation_error(problems)
    return desired


def shown(kind, record):
    """The normalised view of a record (option names, canonical values) plus its identity."""
    if record is None:
        return None
    values = dict((f.option, f.show(f.display(record.get(f.param)))) for f in kind.fields)
    values.update(name=record.get("Name"), identity=record.get("Identity"), guid=record.get("Guid"))
    if kind.name == "outbound":
        values.update(is_validated=record.get("IsValidated"),
                      last_validation_timestamp=record.get("LastValidationTimestamp"))
    return values


def ensure(exo, kind, extra=None):
    """state present/absent for a connector; ``extra(exo, record, result)`` runs after (outbound validation)."""
    module, client = exo.module, exo.client
    params = module.params
    name = params["name"]
    records = client.list_all(kind.get_cmdlet, kind.get_params)
    record = find_by_name(records, name)
    result = dict(changed=False)
    if params["state"] == "absent":
        if record is not None:
            result.update(changed=True, diff=dict(before=shown(kind, record), after={}))
            if not module.check_mode:
                client.invoke(kind.remove_cmdlet, dict(Identity=record["Name"]), write=True)
        result["connector"] = None
        return exo.exit(**result)
    desired = dict((f.option, params.get(f.option)) for f in kind.fields)
    desired = check(kind, name, desired, record)
    changes, before, after = n.compare(kind.fields, desired, record)
    creating = record is None
    if creating or changes:
        result["changed"] = True
        if not module.check_mode:
            if creating:
                new_params = dict(Name=name)
                new_params.update(n.parameters(kind.fields, desired, changes, creating=True))
                client.invoke(kind.new_cmdlet, new_params, write=True)
                set_only = dict((k, v) for k, v in changes.items() if not _field(kind, k).new)
                later = n.parameters(kind.fields, desired, set_only, creating=False)
                if later:  # Set-only parameters (ValidationRecipients) after New (exchange-rest.md s. 10)
                    later["Identity"] = name
                    client.invoke(kind.set_cmdlet, later, write=True)
            else:
                set_params = dict(Identity=record["Name"])
                set_params.update(n.parameters(kind.fields, desired, changes, creating=False))
                client.invoke(kind.set_cmdlet, set_params, write=True)
            record = find_by_name(client.list_all(kind.get_cmdlet, kind.get_params), name)  # writes return nothing
    before_full = dict(before, name=name) if before else {}
    result["diff"] = dict(before=before_full, after=dict(after, name=name))
    result["changes"] = sorted(changes)
    if extra is not None:
        record = extra(exo, record, result)
    result["connector"] = shown(kind, record) if record is not None else dict(after, name=name)
    return exo.exit(**result)


def _field(kind, option):
    for field in kind.fields:
        if field.option == option:
            return field
    raise KeyError(option)


def outbound_validation(exo, record, result):
    """validate: {recipients: [...]} - Validate-OutboundConnector, then IsValidated only on success."""
    module, client = exo.module, exo.client
    spec = module.params.get("validate")
    if not spec:
        return record
    recipients = spec.get("recipients") or []
    bad = [r for r in recipients if "@" not in r]
    if not recipients or bad:
        raise validation_error(["validate.recipients: one or more e-mail addresses in the connector's recipient "
                                "domains are needed%s" % (" (not an address: %s)" % ", ".join(bad) if bad else "")])
    validated = bool(record and record.get("IsValidated"))
    if validated and not spec.get("force") and not result["changed"]:
        result["validation"] = dict(run=False, reason="already validated")
        return record
    result["changed"] = True
    if module.check_mode:
        result["validation"] = dict(run=False, reason="never run in check mode (it sends test messages)")
        return record
    name = module.params["name"]
    tasks = client.invoke("Validate-OutboundConnector", dict(Identity=name, Recipients=recipients), write=True).value
    failed = [t for t in tasks if not t.get("IsTaskSuccessful")]
    result["validation"] = dict(run=True, succeeded=bool(tasks) and not failed, tasks=tasks)
    if not tasks or failed:
        detail = "; ".join("%s %s: %s" % (t.get("TaskName"), t.get("Target") or "", t.get("Details") or "failed")
                           for t in failed) or "no task results"
        result["connector"] = shown(OUTBOUND, record)
        exo.fail("validation of outbound connector %r failed, IsValidated left %s: %s" % (
            name, "true" if validated else "false", detail), **result)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    client.invoke("Set-OutboundConnector", dict(Identity=name, IsValidated=True, LastValidationTimestamp=stamp,
                                                ValidationRecipients=recipients), write=True)
    record = find_by_name(client.list_all(OUTBOUND.get_cmdlet, OUTBOUND.get_params), name)
    result["diff"]["after"]["is_validated"] = True
    if result["diff"]["before"]:
        result["diff"]["before"]["is_validated"] = validated
    return record


# -- state=parsed ------------------------------------------------------------------------------------------------
def _unique_params(kind):
    other = OUTBOUND if kind is INBOUND else INBOUND
    theirs = set(f.param.lower() for f in other.fields)
    return [f.param for f in kind.fields if f.param.lower() not in theirs]


def render(kind, config):
    """The record the module sends to give connector ``config["name"]`` the declared options of ``config``
    (``parse`` reads it back)."""
    record = n.render(kind.fields, config)
    record["Name"] = config["name"]
    return record


def parse(kind, running_config):
    """state=parsed: [{name, option: value, ...}] of every connector of an export - the records of the REST
    gateway, or PowerShell's ``Get-*Connector | ConvertTo-Json`` (/Date(ms)/ dates, ETS-wrapped arrays, enum
    names). Nothing is validated against the tenant. Raises ExoValidationError naming the record, the property and
    the option of every problem."""
    records = n.export_records(running_config)
    own = _unique_params(kind)
    other = OUTBOUND if kind is INBOUND else INBOUND
    theirs = _unique_params(other)
    parsed, problems = [], []
    for index, record in enumerate(records):
        where = "running_config[%d]" % index
        if not isinstance(record, dict):
            problems.append("%s: %s, not a connector record (an object)" % (where, n.describe(record)))
            continue
        record = n.strip_odata(record)
        keys = dict((str(k).lower(), k) for k in record)
        name = record.get(keys.get("name")) if "name" in keys else None
        if not isinstance(name, str) or not name.strip():
            problems.append("%s.Name: %s; every connector record has its name in Name" % (
                where, "missing" if "name" not in keys else n.describe(name) + " is not a name"))
            continue
        label = "%s (%s)" % (where, name)
        if not any(p.lower() in keys for p in own):
            found = [p for p in theirs if p.lower() in keys]
            if found:
                problems.append("%s: an %s connector record (it has %s); parse it with %s" % (
                    label, other.name, ", ".join(found[:3]), "mailops.secure_email.exo_%s_connector" % other.name))
            else:
                problems.append("%s: none of the properties of an %s connector (%s); give the output of %s" % (
                    label, kind.name, ", ".join(own[:4]), kind.get_cmdlet))
            continue
        values, errs = n.parse_record(kind.fields, record, label)
        problems.extend(errs)
        entry = dict(name=name)
        entry.update(values)
        parsed.append(entry)
    if problems:
        raise errors.ExoValidationError("running_config could not be parsed: " + "; ".join(problems))
    return parsed
