# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Transport (mail flow) rules: fields, validation, priority and state handling (docs/exchange-rest.md section 11).

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors, inputs
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.common import find_by_name, validation_error
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.normalise import Field

FROM_SCOPES = ["InOrganization", "NotInOrganization"]
TO_SCOPES = ["InOrganization", "NotInOrganization", "ExternalPartner", "ExternalNonPartner"]

PROPERTY_FIELDS = [
    Field("comments", "Comments", "str"),
    Field("mode", "Mode", "enum", ["Audit", "AuditAndNotify", "Enforce"]),
    Field("activation_date", "ActivationDate", "date"),
    Field("expiry_date", "ExpiryDate", "date"),
    Field("rule_error_action", "RuleErrorAction", "enum", ["Ignore", "Defer"]),
    Field("sender_address_location", "SenderAddressLocation", "enum", ["Header", "Envelope", "HeaderOrEnvelope"]),
]
CONDITION_FIELDS = [
    Field("sender_ip_ranges", "SenderIpRanges", "ips"),
    Field("from_scope", "FromScope", "enum", FROM_SCOPES),
    Field("sent_to_scope", "SentToScope", "enum", TO_SCOPES),
    Field("sender_domain_is", "SenderDomainIs", "set_ci"),
    Field("recipient_domain_is", "RecipientDomainIs", "set_ci"),
    Field("from_addresses", "From", "set_ci"),
    Field("sent_to", "SentTo", "set_ci"),
    Field("header_matches_message_header", "HeaderMatchesMessageHeader", "str_ci"),
    Field("header_matches_patterns", "HeaderMatchesPatterns", "set"),
    Field("header_contains_message_header", "HeaderContainsMessageHeader", "str_ci"),
    Field("header_contains_words", "HeaderContainsWords", "set"),
    Field("subject_contains_words", "SubjectContainsWords", "set"),
]
EXCEPTION_FIELDS = [
    Field("except_if_sender_ip_ranges", "ExceptIfSenderIpRanges", "ips"),
    Field("except_if_from_scope", "ExceptIfFromScope", "enum", FROM_SCOPES),
    Field("except_if_sent_to_scope", "ExceptIfSentToScope", "enum", TO_SCOPES),
    Field("except_if_sender_domain_is", "ExceptIfSenderDomainIs", "set_ci"),
    Field("except_if_header_matches_message_header", "ExceptIfHeaderMatchesMessageHeader", "str_ci"),
    Field("except_if_header_matches_patterns", "ExceptIfHeaderMatchesPatterns", "set"),
]
ACTION_FIELDS = [
    Field("set_scl", "SetSCL", "int"),
    Field("set_header_name", "SetHeaderName", "str_ci"),
    Field("set_header_value", "SetHeaderValue", "secret"),
    Field("remove_header", "RemoveHeader", "str_ci"),
    Field("route_message_outbound_connector", "RouteMessageOutboundConnector", "str_ci"),
    Field("route_message_outbound_require_tls", "RouteMessageOutboundRequireTls", "bool"),
    Field("prepend_subject", "PrependSubject", "str"),
    Field("set_audit_severity", "SetAuditSeverity", "enum", ["DoNotAudit", "Low", "Medium", "High"]),
    Field("stop_rule_processing", "StopRuleProcessing", "bool"),
    Field("delete_message", "DeleteMessage", "bool"),
    Field("quarantine", "Quarantine", "bool"),
]
FIELDS = PROPERTY_FIELDS + CONDITION_FIELDS + EXCEPTION_FIELDS + ACTION_FIELDS
PAIRS = (("set_header_name", "set_header_value"), ("header_matches_message_header", "header_matches_patterns"),
         ("header_contains_message_header", "header_contains_words"),
         ("except_if_header_matches_message_header", "except_if_header_matches_patterns"))
# Options that name a message header (checked: RFC 5322 field names, no spaces).
HEADER_OPTIONS = ("set_header_name", "remove_header", "header_matches_message_header", "header_contains_message_header",
                  "except_if_header_matches_message_header")
# The header the outbound role's S11 rule sets (roles/outbound/defaults: outbound_header_name). Its value, the
# rule's own set_header_name's value, and what conditions on these headers match are secrets in every output.
SECRET_HEADER = "X-OUTBOUND-AUTH"
SECRET_CONDITIONS = (("header_matches_message_header", "header_matches_patterns"),
                     ("header_contains_message_header", "header_contains_words"),
                     ("except_if_header_matches_message_header", "except_if_header_matches_patterns"))
# Values masked wherever they appear in the result and in errors, when at least this long (a shorter one would
# mask unrelated text; the fields that hold them are masked whatever their length).
SECRET_MIN_LENGTH = 6
CONDITION_OPTIONS = [f.option for f in CONDITION_FIELDS]
ACTION_OPTIONS = [f.option for f in ACTION_FIELDS if f.option != "stop_rule_processing"]


def options():
    spec = {}
    for field in FIELDS:
        if field.is_list:
            spec[field.option] = dict(type="list", elements="str")
        elif field.kind == "enum":
            spec[field.option] = dict(type="str", choices=field.choices)
        elif field.kind == "secret":
            spec[field.option] = dict(type="str", no_log=True)
        else:
            spec[field.option] = dict(type={"bool": "bool", "int": "int"}.get(field.kind, "str"))
    return spec


DOMAIN_OPTIONS = ("sender_domain_is", "recipient_domain_is", "except_if_sender_domain_is")
ADDRESS_OPTIONS = ("from_addresses",)
PATTERN_OPTIONS = ("header_matches_patterns", "except_if_header_matches_patterns")


def precheck(params):
    """The checks that need nothing from the tenant, run before any request (ExoModule): error texts naming the
    option. Patterns are never repeated (they may match a secret header)."""
    found = []
    for option in DOMAIN_OPTIONS:
        for index, value in enumerate(params.get(option) or []):
            try:
                n.check_domain("%s[%d]" % (option, index), value, allow_star=False)
            except ValueError as exc:
                found.append(str(exc))
    for option in ADDRESS_OPTIONS:
        found += inputs.address_problems(option, params.get(option))
    for option in PATTERN_OPTIONS:
        for index, value in enumerate(params.get(option) or []):
            try:
                inputs.check_regex("%s[%d]" % (option, index), value)
            except ValueError as exc:
                found.append(str(exc))
    return found


def _has(values, option):
    value = values.get(option)
    return value not in (None, [], "", False)


def check(name, desired, current_values, rule_count, exists, allow_no_conditions):
    """Validate before any write; raises ExoValidationError naming the field and the rule."""
    problems = []
    for field, limit in (("name", 64), ("comments", 1024)):
        try:
            n.check_length(field, name if field == "name" else desired.get("comments"), limit)
        except ValueError as exc:
            problems.append(str(exc))
    for option in HEADER_OPTIONS:
        try:
            n.check_header_name(option, desired.get(option))
        except ValueError as exc:
            problems.append(str(exc))
    for option in ("sender_ip_ranges", "except_if_sender_ip_ranges"):
        for value in desired.get(option) or []:
            try:
                n.check_ip_or_range(option, value)
            except ValueError as exc:
                problems.append(str(exc))
    scl = desired.get("set_scl")
    if scl is not None and not -1 <= scl <= 9:
        problems.append("set_scl: %s is out of range; the spam confidence level is -1 (bypass) or 0 to 9" % scl)
    for option in ("activation_date", "expiry_date"):
        if desired.get(option):
            try:
                n.utc_datetime(desired[option])
            except ValueError:
                problems.append("%s: %r is not an ISO 8601 date and time (e.g. 2026-08-13T13:30:00Z)"
                                % (option, desired[option]))
    merged = dict(current_values or {})
    merged.update((k, v) for k, v in desired.items() if v is not None)
    for first, second in PAIRS:
        if _has(merged, first) != _has(merged, second):
            problems.append("%s and %s: Exchange needs both or neither" % (first, second))
    if not any(_has(merged, o) for o in ACTION_OPTIONS) and merged.get("set_scl") is None:
        problems.append("the rule has no action (e.g. set_scl, set_header_name/set_header_value, "
                        "route_message_outbound_connector); Exchange requires at least one")
    if not any(_has(merged, o) for o in CONDITION_OPTIONS) and not allow_no_conditions:
        problems.append("the rule has no condition, so Exchange would apply it to all messages; add a condition "
                        "or set allow_no_conditions=true")
    priority = desired.get("priority")
    if priority is not None:
        highest = rule_count - 1 if exists else rule_count
        if not 0 <= priority <= highest:
            problems.append("priority: %d is out of range; with %d rule(s) it must be 0 to %d (0 is the highest)"
                            % (priority, rule_count, highest))
    if problems:
        raise validation_error(problems)


def shown(record, headers=None):
    """The rule as the module shows it: option names, the header value masked, and what conditions on a secret
    header (``secret_headers(...)``, default X-OUTBOUND-AUTH and the rule's own header) match masked."""
    if record is None:
        return None
    values = dict((f.option, f.show(f.display(record.get(f.param)))) for f in FIELDS)
    values.update(name=record.get("Name"), identity=record.get("Identity"), guid=record.get("Guid"),
                  priority=record.get("Priority"), enabled=record.get("State") == "Enabled",
                  state=record.get("State"))
    return hide_conditions(values, headers if headers is not None else secret_headers({}, record))


def secret_headers(desired, record):
    """The headers whose values are secret, lower case: X-OUTBOUND-AUTH and the header the rule sets (wanted
    and current)."""
    names = set([SECRET_HEADER.lower()])
    for value in ((desired or {}).get("set_header_name"), n.strip_odata(record or {}).get("SetHeaderName")):
        if isinstance(value, str) and value.strip():
            names.add(value.strip().lower())
    return names


def hide_conditions(values, headers):
    """``values`` (option names) with the patterns and words of conditions on a header of ``headers`` masked."""
    values = dict(values)
    for header_option, values_option in SECRET_CONDITIONS:
        header = values.get(header_option)
        if isinstance(header, str) and header.strip().lower() in headers and values.get(values_option):
            items = values[values_option]
            values[values_option] = [n.MASK for dummy in items] if isinstance(items, list) else n.MASK
    return values


def secret_values(desired, record, headers):
    """The literal secrets of this task: the header value (wanted and current) and what conditions on a secret
    header match (wanted and current), longest first."""
    record = n.strip_odata(record or {})
    desired = desired or {}
    found = [desired.get("set_header_value"), record.get("SetHeaderValue")]
    fields = dict((f.option, f) for f in FIELDS)
    for header_option, values_option in SECRET_CONDITIONS:
        for header, items in ((desired.get(header_option), desired.get(values_option)),
                              (record.get(fields[header_option].param), record.get(fields[values_option].param))):
            if isinstance(header, str) and header.strip().lower() in headers:
                found += list(items) if isinstance(items, list) else [items]
    return sorted(set(v for v in found if isinstance(v, str) and len(v) >= SECRET_MIN_LENGTH), key=len, reverse=True)


def ensure(exo):
    """Create, update or remove the rule. The secrets it knows of (``secret_values``) are masked in the result and
    in errors, and handed to Ansible's own output filter (``no_log_values``)."""
    secrets = []
    try:
        _ensure(exo, secrets)
    except errors.ExoError as exc:
        if secrets:
            exc.message = n.mask_values(exc.message, secrets)
            exc.args = (exc.message,)
        raise


def _learn(exo, secrets, desired, record):
    for value in secret_values(desired, record, secret_headers(desired, record)):
        if value not in secrets:
            secrets.append(value)
    no_log_values = getattr(exo.module, "no_log_values", None)
    if isinstance(no_log_values, set):
        no_log_values.update(secrets)


def _exit(exo, secrets, result):
    return exo.exit(**n.mask_values(result, secrets))


def _ensure(exo, secrets):
    module, client = exo.module, exo.client
    params = module.params
    name = params["name"]
    rules = client.list_all("Get-TransportRule")
    record = find_by_name(rules, name)
    desired = dict((f.option, params.get(f.option)) for f in FIELDS)
    _learn(exo, secrets, desired, record)
    headers = secret_headers(desired, record)
    result = dict(changed=False)
    if params["state"] == "absent":
        if record is not None:
            result.update(changed=True, diff=dict(before=shown(record, headers), after={}))
            if not module.check_mode:
                client.invoke("Remove-TransportRule", dict(Identity=record["Name"]), write=True)
        result["rule"] = None
        return _exit(exo, secrets, result)
    current = n.current_values(FIELDS, record) if record is not None else None
    check(name, dict(desired, priority=params.get("priority")), current, len(rules), record is not None,
          params["allow_no_conditions"])
    if desired.get("set_scl") == -1:
        module.warn("set_scl=-1 bypasses spam filtering for whatever matches the rule. Microsoft recommends Enhanced "
                    "Filtering for Connectors on the inbound connector instead, and asks to disable SCL -1 rules "
                    "when Enhanced Filtering is on.")
    changes, before, after = n.compare(FIELDS, desired, record)
    enabled, priority = params.get("enabled"), params.get("priority")
    if record is not None:
        before.update(enabled=record.get("State") == "Enabled", priority=record.get("Priority"))
        after.update(enabled=before["enabled"], priority=before["priority"])
    after["name"] = name
    toggle = None
    if enabled is not None:
        after["enabled"] = enabled
        if record is not None and (record.get("State") == "Enabled") != enabled:
            toggle = "Enable-TransportRule" if enabled else "Disable-TransportRule"
    move = priority is not None and (record is None or record.get("Priority") != priority)
    if priority is not None:
        after["priority"] = priority
    creating = record is None
    result["changed"] = bool(creating or changes or toggle or move)
    if result["changed"] and not module.check_mode:
        if creating:
            new_params = dict(Name=name)
            new_params.update(n.parameters(FIELDS, desired, changes, creating=True))
            if enabled is not None:
                new_params["Enabled"] = enabled  # Enabled exists only on New-TransportRule
            if priority is not None:
                new_params["Priority"] = priority
            client.invoke("New-TransportRule", new_params, write=True)
        else:
            if changes or move:
                set_params = dict(Identity=record["Name"])
                set_params.update(n.parameters(FIELDS, desired, changes, creating=False))
                if move:
                    set_params["Priority"] = priority  # shifts the other rules (not reported as drift)
                client.invoke("Set-TransportRule", set_params, write=True)
            if toggle:
                client.invoke(toggle, dict(Identity=record["Name"]), write=True)
        record = find_by_name(client.list_all("Get-TransportRule"), name)
        _learn(exo, secrets, desired, record)
    before, after = hide_conditions(before, headers), hide_conditions(after, headers)
    result["diff"] = dict(before=dict(before, name=name) if before else {}, after=after)
    result["changes"] = sorted(list(changes) + (["enabled"] if toggle else []) + (["priority"] if move else []))
    result["rule"] = shown(record, headers) if record is not None else after
    return _exit(exo, secrets, result)


# -- state=parsed ------------------------------------------------------------------------------------------------
def parse(running_config):
    """state=parsed: [{name, option: value, ...}] of every rule of an export - the records of the REST gateway, or
    PowerShell's ``Get-TransportRule | ConvertTo-Json`` (/Date(ms)/ dates, ETS-wrapped arrays, enum names); with
    ``enabled`` from State and ``priority`` from Priority. A header value set by a rule is a secret: it is left out,
    and its option named in ``omitted`` (give it from your vault). Raises ExoValidationError naming the record, the
    property and the option of every problem."""
    records = n.export_records(running_config)
    parsed, omitted, problems = [], [], []
    for index, record in enumerate(records):
        where = "running_config[%d]" % index
        if not isinstance(record, dict):
            problems.append("%s: %s, not a transport rule record (an object)" % (where, n.describe(record)))
            continue
        keys = dict((str(k).lower(), k) for k in record)
        name = record.get(keys["name"]) if "name" in keys else None
        if not isinstance(name, str) or not name.strip():
            problems.append("%s.Name: %s; every rule record has its name in Name" % (
                where, "missing" if "name" not in keys else n.describe(name) + " is not a name"))
            continue
        label = "%s (%s)" % (where, name)
        if not any(key in keys for key in ("priority", "state", "mode")):
            problems.append("%s: none of the properties of a transport rule (Priority, State, Mode); give the output"
                            " of Get-TransportRule" % label)
            continue
        values, errs = n.parse_record(FIELDS, record, label)
        problems.extend(errs)
        entry = dict(name=name)
        state = n.unwrap(record.get(keys.get("state"))) if "state" in keys else None
        if state is not None:
            if str(state).lower() not in ("enabled", "disabled"):
                problems.append("%s.State (option enabled): %s is not Enabled or Disabled" % (label, n.describe(state)))
            else:
                entry["enabled"] = str(state).lower() == "enabled"
        if "priority" in keys:
            try:
                entry["priority"] = n.parse_value(Field("priority", "Priority", "int"), record[keys["priority"]])
            except n.ParseProblem as exc:
                problems.append("%s.Priority (option priority): %s" % (label, exc.text))
        secret_headers = set(h.lower() for h in (SECRET_HEADER, values.get("set_header_name") or "") if h)
        secret_options = ["set_header_value"] + [pattern for header, pattern in SECRET_CONDITIONS
                                                 if (values.get(header) or "").lower() in secret_headers]
        for option in secret_options:
            if values.pop(option, None) not in (None, "", []):
                omitted.append("%s.%s" % (label, option))
        entry.update(values)
        parsed.append(entry)
    if problems:
        raise errors.ExoValidationError("running_config could not be parsed: " + "; ".join(problems))
    return parsed, omitted
