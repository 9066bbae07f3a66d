"""The lab tenant: cmdlets behind InvokeCommand, over plain dicts (no HTTP here).

Behaviour follows docs/exchange-rest.md (the public evidence) where it says something; every other choice is
listed in lab/README.md ("Exchange Online", "Fidelity").  Records are stored in the shape
``Get-*`` returns (without the ``@odata.type`` annotations, which the server adds on the way out).
"""

import copy
import datetime
import ipaddress
import re
import uuid

DC_NAME = "LABDC01.mailopslab.prod.outlook.com"
NOT_FOUND_ID = "Ex6F9304"

T_ARGUMENT = "System.ArgumentException"
T_NOT_FOUND = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
T_TRANSFORM = "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException"
T_AMBIGUOUS = "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException"
T_BINDING = "System.Management.Automation.ParameterBindingException"
T_DATA = "Microsoft.Exchange.Data.DataValidationException"
T_EXISTS = "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException"
T_PAGING = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"


class CmdletError(Exception):
    """A cmdlet failure.  ``shape`` picks the error body (see server.error_body)."""

    def __init__(self, exc_type, message, shape="details", error_id=""):
        super().__init__(message)
        self.exc_type = exc_type
        self.message = message
        self.shape = shape
        self.error_id = error_id


def not_found(identity):
    return CmdletError(T_NOT_FOUND, f"The operation couldn't be performed because object '{identity}' couldn't be "
                                    f"found on '{DC_NAME}'.", error_id=NOT_FOUND_ID)


def argument_error(message):
    return CmdletError(T_ARGUMENT, message)


def data_error(message):
    return CmdletError(T_DATA, message)


def too_long(value, limit):
    return data_error(f"The length of the property is too long. The maximum length is {limit} and the length of "
                      f"the value provided is {len(value)}.")


# -- time ---------------------------------------------------------------------------------------
def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def exo_time(when, zone="Z"):
    """2026-07-23T22:55:13.0000000Z (zone "Z", "+00:00" or "" for none)."""
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{when.microsecond * 10:07d}" + zone


def parse_time(text):
    """ISO 8601 (7-digit fractions, Z, offsets; no zone = UTC) -> aware datetime; ValueError if invalid."""
    if isinstance(text, datetime.datetime):
        return text if text.tzinfo else text.replace(tzinfo=datetime.timezone.utc)
    value = re.sub(r"(\.\d{6})\d+", r"\1", str(text).strip())
    value = re.sub(r"Z$", "+00:00", value)
    when = datetime.datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


# -- parameter binding ------------------------------------------------------------------------------
class Enum:
    def __init__(self, type_name, *choices):
        self.type_name = type_name
        self.choices = choices


TENANT_CONNECTOR_TYPE = Enum("Microsoft.Exchange.Data.TenantConnectorType", "Partner", "OnPremises")
CONNECTOR_SOURCE = Enum("Microsoft.Exchange.Data.TenantConnectorSource", "Default", "HybridWizard", "Migrated")
TLS_AUTH_LEVEL = Enum("Microsoft.Exchange.Data.TlsAuthLevel", "EncryptionOnly", "CertificateValidation",
                      "DomainValidation")
MTA_STS_MODE = Enum("Microsoft.Exchange.Data.MtaStsMode", "Opportunistic", "None")
SMTP_DANE_MODE = Enum("Microsoft.Exchange.Data.SmtpDaneMode", "Opportunistic", "Mandatory", "None")
RULE_MODE = Enum("Microsoft.Exchange.MessagingPolicies.Rules.RuleMode", "Audit", "AuditAndNotify", "Enforce")
RULE_ERROR_ACTION = Enum("Microsoft.Exchange.MessagingPolicies.Rules.RuleErrorAction", "Ignore", "Defer")
SENDER_ADDRESS_LOCATION = Enum("Microsoft.Exchange.MessagingPolicies.Rules.SenderAddressLocation", "Header",
                               "Envelope", "HeaderOrEnvelope")
FROM_USER_SCOPE = Enum("Microsoft.Exchange.MessagingPolicies.Rules.FromUserScope", "InOrganization",
                       "NotInOrganization")
TO_USER_SCOPE = Enum("Microsoft.Exchange.MessagingPolicies.Rules.ToUserScope", "InOrganization",
                     "NotInOrganization", "ExternalPartner", "ExternalNonPartner")
AUDIT_SEVERITY = Enum("Microsoft.Exchange.MessagingPolicies.Rules.AuditSeverityLevel", "DoNotAudit", "Low",
                      "Medium", "High")
SUBJECT_FILTER = Enum("Microsoft.Exchange.Management.FfoReporting.SubjectFilterType", "Contains", "EndsWith",
                      "StartsWith")
RULE_STATE = Enum("Microsoft.Exchange.MessagingPolicies.Rules.RuleState", "Enabled", "Disabled")

COMMON_PARAMS = {"confirm", "whatif", "erroraction", "warningaction", "force", "verbose", "debug"}
LIST_TYPE = "System.Collections.Generic.List`1[System.String]"


def _transform_error(name, value, target, detail=""):
    shown = LIST_TYPE if isinstance(value, list) else ("$null" if value is None else str(value))
    text = f"Cannot process argument transformation on parameter '{name}'. Cannot convert value \"{shown}\" " \
           f"to type \"{target}\"."
    if detail:
        text += f" Error: \"{detail}\""
    return CmdletError(T_TRANSFORM, text, shape="internal")


def coerce(name, ptype, value):
    if value is None:
        return [] if ptype == "mvp" else None
    if ptype == "str":
        if isinstance(value, (list, dict)):
            raise _transform_error(name, value, "System.String")
        if isinstance(value, bool):
            return "True" if value else "False"
        return str(value)
    if ptype == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower().lstrip("$") in ("true", "false"):
            return value.strip().lower().lstrip("$") == "true"
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise _transform_error(name, value, "System.Boolean")
    if ptype in ("int", "scl"):
        try:
            if isinstance(value, bool) or isinstance(value, (list, dict)):
                raise ValueError
            number = int(str(value).strip())
        except ValueError:
            raise _transform_error(name, value, "System.Int32") from None
        if ptype == "scl" and not -1 <= number <= 9:
            raise _transform_error(name, value, "Microsoft.Exchange.Data.SclValue",
                                   "The value must be between -1 and 9.")
        return number
    if ptype == "mvp":
        items = value if isinstance(value, list) else [value]
        result = []
        for item in items:
            if isinstance(item, (list, dict)):
                raise _transform_error(name, value, "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]")
            result.append(str(item))
        return result
    if ptype == "date":
        try:
            return parse_time(value)
        except (TypeError, ValueError):
            raise _transform_error(name, value, "System.DateTime") from None
    if isinstance(ptype, Enum):
        if isinstance(value, str):
            for choice in ptype.choices:
                if choice.lower() == value.strip().lower():
                    return choice
        raise _transform_error(name, value, ptype.type_name,
                               f"Unable to match the identifier name {value} to a valid enumerator name. Specify "
                               f"one of the following enumerator names and try again: {', '.join(ptype.choices)}")
    raise AssertionError(ptype)


def bind(cmdlet, spec, parameters):
    """Canonical parameter names (case-insensitive) and coerced values, or the live 'Invalid cmdlet parameters'."""
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise CmdletError(T_AMBIGUOUS, "Parameter set cannot be resolved using the specified named parameters. "
                                       "Parameters must be an object.")
    by_lower = {name.lower(): name for name in spec}
    bound, unknown = {}, []
    for key, value in parameters.items():
        if "@" in key:
            continue
        canonical = by_lower.get(key.lower())
        if canonical is None:
            if key.lower() not in COMMON_PARAMS:
                unknown.append(key)
            continue
        bound[canonical] = coerce(canonical, spec[canonical], value)
    if unknown:
        raise CmdletError(T_AMBIGUOUS, "Parameter set cannot be resolved using the specified named parameters. "
                                       "Invalid cmdlet parameters specified. " + ", ".join(unknown))
    return bound


def require(cmdlet, bound, *names):
    missing = [n for n in names if bound.get(n) in (None, [], "")]
    if missing:
        raise CmdletError(T_BINDING, "Cannot process command because of one or more missing mandatory parameters: "
                                     + " ".join(missing) + ".")


# -- value checks -----------------------------------------------------------------------------------
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN_RE = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})+$")


def check_domain(field, value, allow_star=True):
    text = value[5:] if value.lower().startswith("smtp:") else value
    text = re.sub(r";\d+$", "", text)
    if text == "*" and allow_star:
        return
    if not _DOMAIN_RE.match(text):
        raise data_error(f"The value '{value}' of {field} isn't a valid domain. Use a domain such as contoso.com, "
                         f"a wildcard domain such as *.contoso.com, or * (embedded wildcards aren't allowed).")


def smtp_domain(value):
    """Storage form of an inbound connector sender domain: smtp:<domain>;1 (docs/exchange-rest.md section 9)."""
    if value.lower().startswith("smtp:"):
        return value if re.search(r";\d+$", value) else value + ";1"
    return f"smtp:{value};1"


def strip_host32(value):
    """The lab's canonicalisation of IP values: a /32 (/128) comes back as the bare address."""
    text = value.strip()
    if text.endswith("/32") or text.endswith("/128"):
        return text.rsplit("/", 1)[0]
    return text


def check_sender_ip(value):
    try:
        net = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        net = None
    if net is None or net.version != 4 or net.prefixlen < 24:
        raise data_error(f"The value '{value}' of SenderIPAddresses isn't valid. Inbound connectors accept IPv4 "
                         f"addresses and IPv4 CIDR ranges from /24 to /32 only; IPv6 isn't supported.")


def check_ip_or_range(field, value):
    text = value.strip()
    try:
        if "-" in text:
            first, last = (ipaddress.ip_address(p.strip()) for p in text.split("-", 1))
            if first.version != last.version or first > last:
                raise ValueError
        else:
            ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise data_error(f"The value '{value}' of {field} isn't a valid IP address, IP address range "
                         f"(a.b.c.d-e.f.g.h) or CIDR range.") from None


_HOST_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")


def check_smart_host(value):
    text = value.strip()
    try:
        ipaddress.ip_network(text, strict=False)
        return
    except ValueError:
        pass
    if not _HOST_RE.match(text):
        raise data_error(f"The value '{value}' of SmartHosts isn't a valid fully qualified domain name, IP address "
                         f"or CIDR range.")


def check_length(bound, name, limit):
    value = bound.get(name)
    if value and len(value) > limit:
        raise too_long(value, limit)


def find(items, identity, key="Name"):
    if identity is None:
        return None
    text = str(identity).strip().lower()
    for item in items:
        if str(item.get(key, "")).lower() == text or str(item.get("Identity", "")).lower() == text or \
                str(item.get("Guid", "")).lower() == text:
            return item
    return None


def result_size(bound, default=1000):
    value = bound.get("ResultSize")
    if value in (None, ""):
        return default
    if str(value).lower() == "unlimited":
        return None
    try:
        number = int(value)
        if number < 1:
            raise ValueError
        return number
    except ValueError:
        raise _transform_error("ResultSize", value, "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]") from None


TRUNCATION_WARNING = ("There are more results available than are currently displayed. To view them, increase the "
                      "value for the ResultSize parameter.")


# -- inbound connectors (docs/exchange-rest.md section 9) -----------------------------------------------
INBOUND_COMMON = {
    "Name": "str", "SenderDomains": "mvp", "AssociatedAcceptedDomains": "mvp", "CloudServicesMailEnabled": "bool",
    "Comment": "str", "ConnectorSource": CONNECTOR_SOURCE, "ConnectorType": TENANT_CONNECTOR_TYPE,
    "EFSkipIPs": "mvp", "EFSkipLastIP": "bool", "EFUsers": "mvp", "EFSkipMailGateway": "mvp", "EFTestMode": "bool",
    "ScanAndDropRecipients": "mvp", "Enabled": "bool", "RequireTls": "bool", "RestrictDomainsToCertificate": "bool",
    "RestrictDomainsToIPAddresses": "bool", "SenderIPAddresses": "mvp", "TlsSenderCertificateName": "str",
    "TreatMessagesAsInternal": "bool", "TrustedOrganizations": "mvp",
}
NEW_INBOUND = dict(INBOUND_COMMON, ClientHostNames="mvp")
SET_INBOUND = dict(INBOUND_COMMON, Identity="str")
GET_CONNECTOR = {"Identity": "str", "ResultSize": "str"}
GET_OUTBOUND = {"Identity": "str", "ResultSize": "str", "IncludeTestModeConnectors": "bool",
                "IsTransportRuleScoped": "bool"}
REMOVE = {"Identity": "str"}

INBOUND_DEFAULTS = {
    "Enabled": True, "ConnectorType": "Partner", "ConnectorSource": "Default", "Comment": None,
    "SenderIPAddresses": [], "SenderDomains": [], "TrustedOrganizations": [], "ClientHostNames": [],
    "AssociatedAcceptedDomains": [], "RequireTls": True, "RestrictDomainsToIPAddresses": False,
    "RestrictDomainsToCertificate": False, "CloudServicesMailEnabled": False, "TreatMessagesAsInternal": False,
    "TlsSenderCertificateName": None, "EFTestMode": False, "ScanAndDropRecipients": [], "EFSkipLastIP": False,
    "EFSkipIPs": [], "EFSkipMailGateway": [], "EFUsers": [], "AdminDisplayName": "",
}
PARTNER_ONLY_INBOUND = ("RestrictDomainsToIPAddresses", "RestrictDomainsToCertificate")


def _stamp(record, created=False, utc_suffix=True):
    now = exo_time(utcnow())
    if utc_suffix:
        record["WhenChangedUTC"] = now
        if created:
            record["WhenCreatedUTC"] = now
    else:
        record["WhenChanged"] = exo_time(utcnow(), "+00:00")


def _check_type_only(bound, record, names, allowed_type):
    for name in names:
        if name in bound and record["ConnectorType"] != allowed_type:
            raise argument_error(f"The {name} parameter can only be specified for Connector type {allowed_type}.")


def _apply_inbound(bound, record, tenant, creating):
    check_length(bound, "Name", 64)
    for value in bound.get("SenderDomains", []):
        check_domain("SenderDomains", value)
    for value in bound.get("AssociatedAcceptedDomains", []):
        check_domain("AssociatedAcceptedDomains", value, allow_star=False)
        if not find(tenant["accepted_domains"], value, key="DomainName"):
            raise argument_error(f"The domain '{value}' in AssociatedAcceptedDomains isn't an accepted domain of "
                                 f"this organization.")
    for value in bound.get("SenderIPAddresses", []):
        check_sender_ip(value)
    for value in bound.get("EFSkipIPs", []):
        check_ip_or_range("EFSkipIPs", value)
    for key, value in bound.items():
        if key == "Identity":
            continue
        if key == "SenderDomains":
            value = [smtp_domain(v) for v in value]
        elif key in ("SenderIPAddresses", "EFSkipIPs"):
            value = [strip_host32(v) for v in value]
        record[key] = value
    _check_type_only(bound, record, PARTNER_ONLY_INBOUND, "Partner")
    if record["TreatMessagesAsInternal"] and (record["ConnectorType"] != "OnPremises"
                                              or record["CloudServicesMailEnabled"]):
        raise argument_error("TreatMessagesAsInternal can't be $true when ConnectorType isn't OnPremises or "
                             "CloudServicesMailEnabled is $true.")
    if record["RestrictDomainsToIPAddresses"] and not record["SenderIPAddresses"]:
        raise argument_error("RestrictDomainsToIPAddresses requires at least one value in SenderIPAddresses.")
    if record["RestrictDomainsToCertificate"] and not record["TlsSenderCertificateName"]:
        raise argument_error("RestrictDomainsToCertificate requires TlsSenderCertificateName.")
    if record["TlsSenderCertificateName"]:
        check_domain("TlsSenderCertificateName", record["TlsSenderCertificateName"], allow_star=False)


def _new_connector(tenant, key, spec_bound, defaults, apply):
    require("New", spec_bound, "Name")
    if find(tenant[key], spec_bound["Name"]):
        raise CmdletError(T_EXISTS, f"The object '{spec_bound['Name']}' already exists.")
    record = copy.deepcopy(defaults)
    record.update(Name=spec_bound["Name"], Identity=spec_bound["Name"], Guid=str(uuid.uuid4()), IsValid=True)
    apply(spec_bound, record, tenant, True)
    record["Identity"] = record["Name"]
    _stamp(record, created=True)
    tenant[key].append(record)
    return record


def _set_connector(tenant, key, bound, apply, before_hook=None):
    require("Set", bound, "Identity")
    record = find(tenant[key], bound["Identity"])
    if record is None:
        raise not_found(bound["Identity"])
    if "Name" in bound and bound["Name"].lower() != record["Name"].lower() and find(tenant[key], bound["Name"]):
        raise CmdletError(T_EXISTS, f"The object '{bound['Name']}' already exists.")
    work = copy.deepcopy(record)
    if before_hook:
        before_hook(bound, work)
    apply(bound, work, tenant, False)
    work["Identity"] = work["Name"]
    _stamp(work)
    record.clear()
    record.update(work)


def _get(items, bound, filt=None):
    size = result_size(bound)
    if bound.get("Identity") not in (None, ""):
        record = find(items, bound["Identity"])
        if record is None:
            raise not_found(bound["Identity"])
        return [copy.deepcopy(record)], []
    chosen = [copy.deepcopy(r) for r in items if not filt or filt(r)]
    if size is not None and len(chosen) > size:
        return chosen[:size], [TRUNCATION_WARNING]
    return chosen, []


def _remove(items, bound):
    require("Remove", bound, "Identity")
    record = find(items, bound["Identity"])
    if record is None:
        raise not_found(bound["Identity"])
    items.remove(record)
    return record


def new_inbound(tenant, bound):
    require("New-InboundConnector", bound, "Name", "SenderDomains")
    _new_connector(tenant, "inbound_connectors", bound, INBOUND_DEFAULTS, _apply_inbound)
    return [], []


def set_inbound(tenant, bound):
    _set_connector(tenant, "inbound_connectors", bound, _apply_inbound)
    return [], []


def get_inbound(tenant, bound):
    return _get(tenant["inbound_connectors"], bound)


def remove_inbound(tenant, bound):
    _remove(tenant["inbound_connectors"], bound)
    return [], []


# -- outbound connectors (docs/exchange-rest.md section 10) -----------------------------------------------
OUTBOUND_COMMON = {
    "Name": "str", "AllAcceptedDomains": "bool", "CloudServicesMailEnabled": "bool", "Comment": "str",
    "ConnectorSource": CONNECTOR_SOURCE, "ConnectorType": TENANT_CONNECTOR_TYPE, "Enabled": "bool",
    "IsTransportRuleScoped": "bool", "MtaStsMode": MTA_STS_MODE, "RecipientDomains": "mvp",
    "RouteAllMessagesViaOnPremises": "bool", "SenderRewritingEnabled": "bool", "SmartHosts": "mvp",
    "SmtpDaneMode": SMTP_DANE_MODE, "TestMode": "bool", "TlsDomain": "str", "TlsSettings": TLS_AUTH_LEVEL,
    "UseMXRecord": "bool",
}
NEW_OUTBOUND = dict(OUTBOUND_COMMON, LinkForModifiedConnector="str")
SET_OUTBOUND = dict(OUTBOUND_COMMON, Identity="str", IsValidated="bool", LastValidationTimestamp="date",
                    ValidationRecipients="mvp")
VALIDATE_OUTBOUND = {"Identity": "str", "Recipients": "mvp"}

OUTBOUND_DEFAULTS = {
    "Enabled": True, "UseMXRecord": True, "Comment": None, "ConnectorType": "Partner", "ConnectorSource": "Default",
    "RecipientDomains": [], "SmartHosts": [], "TlsDomain": None, "TlsSettings": None,
    "IsTransportRuleScoped": False, "RouteAllMessagesViaOnPremises": False, "CloudServicesMailEnabled": False,
    "AllAcceptedDomains": False, "SenderRewritingEnabled": False, "MtaStsMode": "Opportunistic",
    "SmtpDaneMode": "Opportunistic", "TestMode": False, "ValidationRecipients": [], "IsValidated": False,
    "LastValidationTimestamp": None, "AdminDisplayName": "",
}
ONPREMISES_ONLY_OUTBOUND = ("AllAcceptedDomains", "RouteAllMessagesViaOnPremises", "SenderRewritingEnabled")
# Lab choice: a change to any of these through Set-OutboundConnector (without -IsValidated) clears IsValidated.
VALIDATION_RELEVANT = ("SmartHosts", "UseMXRecord", "TlsSettings", "TlsDomain", "RecipientDomains", "ConnectorType")


def _apply_outbound(bound, record, tenant, creating):
    check_length(bound, "Name", 64)
    for value in bound.get("RecipientDomains", []):
        check_domain("RecipientDomains", value)
    for value in bound.get("SmartHosts", []):
        check_smart_host(value)
    for key, value in bound.items():
        if key == "Identity":
            continue
        if key == "LastValidationTimestamp":
            value = exo_time(value, "") if value else None
        elif key == "SmartHosts":
            value = [strip_host32(v) for v in value]
        record[key] = value
    _check_type_only(bound, record, ONPREMISES_ONLY_OUTBOUND, "OnPremises")
    if not record["UseMXRecord"] and not record["SmartHosts"]:
        raise argument_error("SmartHosts must be specified when UseMXRecord is $false.")
    if record["UseMXRecord"] and record["SmartHosts"]:
        raise argument_error("SmartHosts can't be specified when UseMXRecord is $true.")
    if record["TlsDomain"] and record["TlsSettings"] != "DomainValidation":
        raise argument_error("TlsDomain can only be specified when TlsSettings is DomainValidation.")


def _outbound_before_set(bound, record):
    if "IsValidated" in bound:
        return
    for key in VALIDATION_RELEVANT:
        if key in bound and bound[key] != record.get(key):
            record["IsValidated"] = False
            return


def new_outbound(tenant, bound):
    require("New-OutboundConnector", bound, "Name")
    _new_connector(tenant, "outbound_connectors", bound, OUTBOUND_DEFAULTS, _apply_outbound)
    return [], []


def set_outbound(tenant, bound):
    _set_connector(tenant, "outbound_connectors", bound, _apply_outbound, _outbound_before_set)
    return [], []


def get_outbound(tenant, bound):
    include_test = bound.get("IncludeTestModeConnectors") is True
    scoped = bound.get("IsTransportRuleScoped")

    def filt(record):
        if record.get("TestMode") and not include_test:
            return False
        return scoped is None or bool(record.get("IsTransportRuleScoped")) == scoped

    return _get(tenant["outbound_connectors"], bound, filt)


def remove_outbound(tenant, bound):
    record = find(tenant["outbound_connectors"], bound.get("Identity"))
    if record is not None:
        for rule in tenant["transport_rules"]:
            if (rule.get("RouteMessageOutboundConnector") or "").lower() == record["Name"].lower():
                raise argument_error(f"The connector '{record['Name']}' can't be removed because the transport rule "
                                     f"'{rule['Name']}' routes messages to it.")
    _remove(tenant["outbound_connectors"], bound)
    return [], []


def prepare_validation(tenant, bound):
    """Validate-OutboundConnector, part 1 (under the lock): the connector and the recipients."""
    require("Validate-OutboundConnector", bound, "Identity", "Recipients")
    record = find(tenant["outbound_connectors"], bound["Identity"])
    if record is None:
        raise not_found(bound["Identity"])
    domains = [d.lower() for d in record.get("RecipientDomains") or [] if d != "*"]
    for recipient in bound["Recipients"]:
        if "@" not in recipient:
            raise data_error(f"The value '{recipient}' of Recipients isn't a valid SMTP address.")
        domain = recipient.rsplit("@", 1)[1].lower()
        if domains and not any(domain == d or (d.startswith("*.") and domain.endswith(d[1:])) for d in domains):
            raise argument_error(f"The recipient '{recipient}' isn't in a domain that's configured on the connector "
                                 f"'{record['Name']}'.")
    return copy.deepcopy(record)


# -- transport rules (docs/exchange-rest.md section 11) -----------------------------------------------
_P = "Microsoft.Exchange.MessagingPolicies.Rules.Tasks."
CONDITIONS = {  # parameter -> (type, predicate class)
    "SenderIpRanges": ("mvp", "SenderIpRangesPredicate"),
    "FromScope": (FROM_USER_SCOPE, "FromScopePredicate"),
    "SentToScope": (TO_USER_SCOPE, "SentToScopePredicate"),
    "SenderDomainIs": ("mvp", "SenderDomainIsPredicate"),
    "RecipientDomainIs": ("mvp", "RecipientDomainIsPredicate"),
    "From": ("mvp", "FromPredicate"),
    "SentTo": ("mvp", "SentToPredicate"),
    "HeaderMatchesMessageHeader": ("str", "HeaderMatchesPredicate"),
    "HeaderMatchesPatterns": ("mvp", None),
    "HeaderContainsMessageHeader": ("str", "HeaderContainsPredicate"),
    "HeaderContainsWords": ("mvp", None),
    "SubjectContainsWords": ("mvp", "SubjectContainsPredicate"),
}
ACTIONS = {  # parameter -> (type, action class)
    "SetSCL": ("scl", "SetSclAction"),
    "SetHeaderName": ("str", "SetHeaderAction"),
    "SetHeaderValue": ("str", None),
    "RemoveHeader": ("str", "RemoveHeaderAction"),
    "RouteMessageOutboundConnector": ("str", "RouteMessageOutboundConnectorAction"),
    "RouteMessageOutboundRequireTls": ("bool", "RouteMessageOutboundRequireTlsAction"),
    "PrependSubject": ("str", "PrependSubjectAction"),
    "SetAuditSeverity": (AUDIT_SEVERITY, "SetAuditSeverityAction"),
    "DeleteMessage": ("bool", "DeleteMessageAction"),
    "Quarantine": ("bool", "QuarantineAction"),
    "RedirectMessageTo": ("mvp", "RedirectMessageAction"),
    "BlindCopyTo": ("mvp", "BlindCopyToAction"),
    "StopRuleProcessing": ("bool", "StopRuleProcessingAction"),
}
PAIRS = (("SetHeaderName", "SetHeaderValue"), ("HeaderMatchesMessageHeader", "HeaderMatchesPatterns"),
         ("HeaderContainsMessageHeader", "HeaderContainsWords"),
         ("ExceptIfHeaderMatchesMessageHeader", "ExceptIfHeaderMatchesPatterns"),
         ("ExceptIfHeaderContainsMessageHeader", "ExceptIfHeaderContainsWords"))
RULE_PROPS = {
    "Name": "str", "Priority": "int", "Comments": "str", "Mode": RULE_MODE, "ActivationDate": "date",
    "ExpiryDate": "date", "RuleErrorAction": RULE_ERROR_ACTION, "SenderAddressLocation": SENDER_ADDRESS_LOCATION,
}
RULE_COMMON = dict(RULE_PROPS)
RULE_COMMON.update({k: t for k, (t, _c) in CONDITIONS.items()})
RULE_COMMON.update({"ExceptIf" + k: t for k, (t, _c) in CONDITIONS.items()})
RULE_COMMON.update({k: t for k, (t, _c) in ACTIONS.items()})
NEW_RULE = dict(RULE_COMMON, Enabled="bool", UseLegacyRegex="bool")
SET_RULE = dict(RULE_COMMON, Identity="str")
GET_RULE = {"Identity": "str", "ResultSize": "str", "State": RULE_STATE, "ExcludeConditionActionDetails": "bool"}
ENABLE_RULE = {"Identity": "str", "Mode": RULE_MODE}
DISABLE_RULE = {"Identity": "str"}
NO_ACTION = "To be valid, all rules have to include at least one action. Please specify an action. (Parameter 'Actions')"

RULE_DEFAULTS = {
    "DlpPolicy": None, "Comments": None, "ManuallyModified": False, "ActivationDate": None, "ExpiryDate": None,
    "Description": "", "Conditions": None, "Exceptions": None, "Actions": None, "State": "Enabled",
    "Mode": "Enforce", "RuleErrorAction": "Ignore", "SenderAddressLocation": "Header", "CopyTo": None,
    "AddToRecipients": None, "ApplyRightsProtectionTemplate": None, "IsValid": True,
}
for _name, (_t, _c) in CONDITIONS.items():
    RULE_DEFAULTS[_name] = None
    RULE_DEFAULTS["ExceptIf" + _name] = None
for _name, (_t, _c) in ACTIONS.items():
    RULE_DEFAULTS[_name] = False if _t == "bool" else None


def _set(value):
    return value not in (None, [], "", False)


def _quote_list(values):
    return " or ".join(f"'{v}'" for v in values)


_SCOPE_TEXT = {"InOrganization": "Inside the organization", "NotInOrganization": "Outside the organization",
               "ExternalPartner": "External partner", "ExternalNonPartner": "External non-partner"}


def _describe_condition(rule, prefix=""):
    lines = []

    def get(name):
        return rule.get(prefix + name)

    if _set(get("SenderIpRanges")):
        lines.append("Sender ip addresses belong to one of these ranges: " + _quote_list(get("SenderIpRanges")))
    if _set(get("FromScope")):
        lines.append(f"Is received from '{_SCOPE_TEXT[get('FromScope')]}'")
    if _set(get("SentToScope")):
        lines.append(f"Is sent to '{_SCOPE_TEXT[get('SentToScope')]}'")
    if _set(get("SenderDomainIs")):
        lines.append("Sender's address domain portion belongs to any of these domains: "
                     + _quote_list(get("SenderDomainIs")))
    if _set(get("RecipientDomainIs")):
        lines.append("Recipient's address domain portion belongs to any of these domains: "
                     + _quote_list(get("RecipientDomainIs")))
    if _set(get("From")):
        lines.append("Is received from " + _quote_list(get("From")))
    if _set(get("SentTo")):
        lines.append("Is sent to " + _quote_list(get("SentTo")))
    if _set(get("HeaderMatchesMessageHeader")):
        lines.append(f"'{get('HeaderMatchesMessageHeader')}' header matches the following patterns: "
                     + _quote_list(get("HeaderMatchesPatterns") or []))
    if _set(get("HeaderContainsMessageHeader")):
        lines.append(f"'{get('HeaderContainsMessageHeader')}' header contains "
                     + _quote_list(get("HeaderContainsWords") or []))
    if _set(get("SubjectContainsWords")):
        lines.append("Subject contains " + _quote_list(get("SubjectContainsWords")))
    return lines


def _describe_actions(rule):
    lines = []
    if rule.get("SetSCL") is not None:
        lines.append(f"Set the spam confidence level (SCL) to '{rule['SetSCL']}'")
    if _set(rule.get("SetHeaderName")):
        lines.append(f"Set message header '{rule['SetHeaderName']}' with the value '{rule.get('SetHeaderValue')}'")
    if _set(rule.get("RemoveHeader")):
        lines.append(f"Remove the message header '{rule['RemoveHeader']}'")
    if _set(rule.get("RouteMessageOutboundConnector")):
        lines.append(f"Route the message using the connector named '{rule['RouteMessageOutboundConnector']}'.")
    if rule.get("RouteMessageOutboundRequireTls"):
        lines.append("Require TLS encryption when delivering outbound")
    if _set(rule.get("PrependSubject")):
        lines.append(f"Prepend the subject with '{rule['PrependSubject']}'")
    if _set(rule.get("SetAuditSeverity")):
        lines.append(f"Set audit severity level to '{rule['SetAuditSeverity']}'")
    if rule.get("DeleteMessage"):
        lines.append("Delete the message without notifying anyone")
    if rule.get("Quarantine"):
        lines.append("Deliver the message to the hosted quarantine")
    if _set(rule.get("RedirectMessageTo")):
        lines.append("Redirect the message to " + _quote_list(rule["RedirectMessageTo"]))
    if _set(rule.get("BlindCopyTo")):
        lines.append("Blind carbon copy (Bcc) the message to " + _quote_list(rule["BlindCopyTo"]))
    if rule.get("StopRuleProcessing"):
        lines.append("Stop processing more rules")
    return lines


def _summaries(rule):
    conditions = [_P + c for k, (_t, c) in CONDITIONS.items() if c and _set(rule.get(k))]
    exceptions = [_P + c for k, (_t, c) in CONDITIONS.items() if c and _set(rule.get("ExceptIf" + k))]
    actions = [_P + c for k, (_t, c) in ACTIONS.items()
               if c and (_set(rule.get(k)) or (k == "SetSCL" and rule.get(k) is not None))]
    rule["Conditions"] = conditions or None
    rule["Exceptions"] = exceptions or None
    rule["Actions"] = actions or None
    text = ""
    cond_lines = _describe_condition(rule)
    if cond_lines:
        text += "If the message:\r\n\t" + "\r\n\tand ".join(cond_lines) + "\r\n"
    act_lines = _describe_actions(rule)
    text += "Take the following actions:\r\n\t" + "\r\n\tand ".join(act_lines) + "\r\n"
    exc_lines = _describe_condition(rule, "ExceptIf")
    if exc_lines:
        text += "Except if the message:\r\n\t" + "\r\n\tor ".join(exc_lines) + "\r\n"
    rule["Description"] = text
    size = len(text) + sum(len(str(rule.get(k) or "")) for k in RULE_COMMON)
    rule["Size"] = size
    rule["RegexSize"] = sum(len(p) for key in ("HeaderMatchesPatterns", "ExceptIfHeaderMatchesPatterns")
                            for p in rule.get(key) or [])
    return actions


def _apply_rule(bound, rule, tenant):
    check_length(bound, "Name", 64)
    check_length(bound, "Comments", 1024)
    for key in ("SenderIpRanges", "ExceptIfSenderIpRanges"):
        for value in bound.get(key) or []:
            check_ip_or_range(key, value)
    for key in ("HeaderMatchesPatterns", "ExceptIfHeaderMatchesPatterns"):
        for pattern in bound.get(key) or []:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise argument_error(f"The regular expression '{pattern}' in {key} isn't valid: {exc}.") from None
    connector = bound.get("RouteMessageOutboundConnector")
    if connector:
        found = find(tenant["outbound_connectors"], connector)
        if found is None:
            raise not_found(connector)
        bound["RouteMessageOutboundConnector"] = found["Name"]
    for key, value in bound.items():
        if key in ("Identity", "Priority", "Enabled", "UseLegacyRegex"):
            continue
        if key in ("ActivationDate", "ExpiryDate"):
            value = exo_time(value, "").split(".")[0] if value else None
        elif key in ("SenderIpRanges", "ExceptIfSenderIpRanges") and value is not None:
            value = [strip_host32(v) for v in value] or None
        elif isinstance(value, list) and not value:
            value = None
        rule[key] = value
    for first, second in PAIRS:
        if _set(rule.get(first)) != _set(rule.get(second)):
            raise argument_error(f"The {first} and {second} parameters must be used together.")
    actions = _summaries(rule)
    if not actions:
        raise argument_error(NO_ACTION)
    if rule["Size"] > 8192:
        raise argument_error(f"The rule '{rule['Name']}' exceeds the maximum limit of 8192 characters.")


def _ordered(tenant):
    rules = sorted(tenant["transport_rules"], key=lambda r: r.get("Priority", 0))
    for index, rule in enumerate(rules):
        rule["Priority"] = index
    tenant["transport_rules"] = rules
    return rules


def _place(tenant, rule, priority):
    rules = [r for r in _ordered(tenant) if r is not rule]
    rules.insert(priority, rule)
    for index, item in enumerate(rules):
        item["Priority"] = index
    tenant["transport_rules"] = rules


INVALID_PRIORITY = "The specified rule priority is invalid."


def new_rule(tenant, bound):
    require("New-TransportRule", bound, "Name")
    rules = _ordered(tenant)
    if find(rules, bound["Name"]):
        raise CmdletError(T_EXISTS, f"A transport rule with the name '{bound['Name']}' already exists.")
    priority = bound.get("Priority")
    if priority is None:
        priority = len(rules)
    if not 0 <= priority <= len(rules):
        raise argument_error(f"{INVALID_PRIORITY} Valid values are 0 to {len(rules)}.")
    app = tenant.get("_caller") or "mailops-lab-automation"
    rule = copy.deepcopy(RULE_DEFAULTS)
    rule.update(Name=bound["Name"], Identity=bound["Name"], Guid=str(uuid.uuid4()), CreatedBy=app,
                LastModifiedBy=app)
    _apply_rule(bound, rule, tenant)
    rule["State"] = "Disabled" if bound.get("Enabled") is False else "Enabled"
    _stamp(rule, utc_suffix=False)
    _place(tenant, rule, priority)
    return [], []


def set_rule(tenant, bound):
    require("Set-TransportRule", bound, "Identity")
    rules = _ordered(tenant)
    rule = find(rules, bound["Identity"])
    if rule is None:
        raise not_found(bound["Identity"])
    if "Name" in bound and bound["Name"].lower() != rule["Name"].lower() and find(rules, bound["Name"]):
        raise CmdletError(T_EXISTS, f"A transport rule with the name '{bound['Name']}' already exists.")
    priority = bound.get("Priority")
    if priority is not None and not 0 <= priority < len(rules):
        raise argument_error(f"{INVALID_PRIORITY} Valid values are 0 to {len(rules) - 1}.")
    work = copy.deepcopy(rule)
    _apply_rule(bound, work, tenant)
    work["Identity"] = work["Name"]
    work["LastModifiedBy"] = tenant.get("_caller") or "mailops-lab-automation"
    _stamp(work, utc_suffix=False)
    rule.clear()
    rule.update(work)
    if priority is not None:
        _place(tenant, rule, priority)
    return [], []


def _toggle(tenant, bound, state):
    require(f"{'Enable' if state == 'Enabled' else 'Disable'}-TransportRule", bound, "Identity")
    rule = find(_ordered(tenant), bound["Identity"])
    if rule is None:
        raise not_found(bound["Identity"])
    if not rule.get("Actions"):
        raise argument_error(NO_ACTION)
    rule["State"] = state
    if bound.get("Mode"):
        rule["Mode"] = bound["Mode"]
    _stamp(rule, utc_suffix=False)
    return [], []


def enable_rule(tenant, bound):
    return _toggle(tenant, bound, "Enabled")


def disable_rule(tenant, bound):
    return _toggle(tenant, bound, "Disabled")


def get_rule(tenant, bound):
    rules = _ordered(tenant)
    state = bound.get("State")
    records, warnings = _get(rules, bound, (lambda r: r.get("State") == state) if state else None)
    if bound.get("ExcludeConditionActionDetails"):
        for record in records:
            for key in list(record):
                if key in CONDITIONS or key in ACTIONS or key.startswith("ExceptIf") or \
                        key in ("Description", "Conditions", "Actions", "Exceptions"):
                    record[key] = None
    return records, warnings


def remove_rule(tenant, bound):
    _remove(tenant["transport_rules"], bound)
    _ordered(tenant)
    return [], []


# -- accepted domains and message trace (docs/exchange-rest.md sections 12, 13) ----------------------------
GET_ACCEPTED = {"Identity": "str", "ResultSize": "str"}
TRACE = {"StartDate": "date", "EndDate": "date", "SenderAddress": "mvp", "RecipientAddress": "mvp",
         "MessageId": "mvp", "MessageTraceId": "str", "Status": "mvp", "Subject": "str",
         "SubjectFilterType": SUBJECT_FILTER, "FromIP": "str", "ToIP": "str", "ResultSize": "int",
         "StartingRecipientAddress": "str"}


def get_accepted(tenant, bound):
    return _get(tenant["accepted_domains"], bound)


def _fmt_trace_time(when):
    return exo_time(when)


def get_trace(tenant, bound):
    now = utcnow()
    end = bound.get("EndDate") or now
    start = bound.get("StartDate") or (end - datetime.timedelta(hours=48))
    if start > end:
        raise argument_error("The StartDate value must be earlier than the EndDate value.")
    if end - start > datetime.timedelta(days=10):
        raise argument_error("You can only return 10 days worth of data per query. Reduce the time range between "
                             "StartDate and EndDate.")
    if start < now - datetime.timedelta(days=90):
        raise argument_error("The StartDate value can't be older than 90 days.")
    size = bound.get("ResultSize") or 1000
    if not 1 <= size <= 5000:
        raise argument_error("The ResultSize value must be between 1 and 5000.")

    def lower(values):
        return {v.lower() for v in values or []}

    senders, recipients = lower(bound.get("SenderAddress")), lower(bound.get("RecipientAddress"))
    statuses, message_ids = lower(bound.get("Status")), set(bound.get("MessageId") or [])
    subject = (bound.get("Subject") or "").lower()
    mode = bound.get("SubjectFilterType") or "Contains"
    starting = (bound.get("StartingRecipientAddress") or "").lower()
    rows = []
    for record in tenant.get("message_trace", []):
        received = parse_time(record["Received"])
        if not start <= received <= end:
            continue
        recipient = record.get("RecipientAddress", "").lower()
        if starting and received == end and recipient < starting:
            continue  # keyset continuation: inclusive of the boundary row (duplicates, as live)
        if senders and record.get("SenderAddress", "").lower() not in senders:
            continue
        if recipients and recipient not in recipients:
            continue
        if statuses and record.get("Status", "").lower() not in statuses:
            continue
        if message_ids and record.get("MessageId") not in message_ids:
            continue
        if bound.get("MessageTraceId") and record.get("MessageTraceId", "").lower() != \
                bound["MessageTraceId"].lower():
            continue
        if bound.get("FromIP") and record.get("FromIP") != bound["FromIP"]:
            continue
        if bound.get("ToIP") and record.get("ToIP") != bound["ToIP"]:
            continue
        text = (record.get("Subject") or "").lower()
        if subject and not {"Contains": subject in text, "StartsWith": text.startswith(subject),
                            "EndsWith": text.endswith(subject)}[mode]:
            continue
        rows.append((received, recipient, record))
    rows.sort(key=lambda item: item[1])
    rows.sort(key=lambda item: item[0], reverse=True)
    records = [copy.deepcopy(r) for _w, _r, r in rows[:size]]
    warnings = []
    if len(rows) > size:
        last = records[-1]
        warnings.append(
            "There are more results, use the following command to get more results "
            f"'Get-MessageTraceV2 -StartDate \"{_fmt_trace_time(start)}\" -EndDate \"{last['Received']}\" "
            f"-StartingRecipientAddress \"{last['RecipientAddress']}\" -ResultSize {size}'")
    return records, warnings


# -- dispatch -----------------------------------------------------------------------------------------
CMDLETS = {  # name -> (parameter spec, handler, is_write)
    "New-InboundConnector": (NEW_INBOUND, new_inbound, True),
    "Set-InboundConnector": (SET_INBOUND, set_inbound, True),
    "Get-InboundConnector": (GET_CONNECTOR, get_inbound, False),
    "Remove-InboundConnector": (REMOVE, remove_inbound, True),
    "New-OutboundConnector": (NEW_OUTBOUND, new_outbound, True),
    "Set-OutboundConnector": (SET_OUTBOUND, set_outbound, True),
    "Get-OutboundConnector": (GET_OUTBOUND, get_outbound, False),
    "Remove-OutboundConnector": (REMOVE, remove_outbound, True),
    "Validate-OutboundConnector": (VALIDATE_OUTBOUND, None, True),
    "New-TransportRule": (NEW_RULE, new_rule, True),
    "Set-TransportRule": (SET_RULE, set_rule, True),
    "Get-TransportRule": (GET_RULE, get_rule, False),
    "Remove-TransportRule": (REMOVE, remove_rule, True),
    "Enable-TransportRule": (ENABLE_RULE, enable_rule, True),
    "Disable-TransportRule": (DISABLE_RULE, disable_rule, True),
    "Get-AcceptedDomain": (GET_ACCEPTED, get_accepted, False),
    "Get-MessageTraceV2": (TRACE, get_trace, False),
}


def lookup(cmdlet_name):
    """(canonical name, spec, handler, is_write) or a CmdletError like the live gateway's."""
    for name, (spec, handler, write) in CMDLETS.items():
        if name.lower() == str(cmdlet_name or "").lower():
            return name, spec, handler, write
    raise CmdletError("System.Management.Automation.CommandNotFoundException",
                      f"The term '{cmdlet_name}' is not recognized as a name of a cmdlet, function, script file, or "
                      f"executable program.")


# -- seeding ----------------------------------------------------------------------------------------
SEED_KEYS = ("inbound_connectors", "outbound_connectors", "transport_rules", "accepted_domains", "message_trace")


def strip_annotations(record):
    return {k: v for k, v in record.items() if "@" not in k}


def seed(tenant, data, replace=False):
    """Put raw Get-* records into the tenant (e.g. graph2otel's live ones, docs/exchange-rest.md sections 9-13)."""
    unknown = set(data) - set(SEED_KEYS) - {"smart_hosts"}
    if unknown:
        raise ValueError(f"unknown seed keys: {', '.join(sorted(unknown))}; use {', '.join(SEED_KEYS)}")
    defaults = {"inbound_connectors": INBOUND_DEFAULTS, "outbound_connectors": OUTBOUND_DEFAULTS,
                "transport_rules": RULE_DEFAULTS}
    for key in SEED_KEYS:
        if key not in data:
            continue
        items = [] if replace else tenant[key]
        for raw in data[key]:
            record = copy.deepcopy(defaults.get(key, {}))
            record.update(strip_annotations(raw))
            if key != "message_trace":
                name = record.get("Name") or record.get("DomainName")
                if not name:
                    raise ValueError(f"{key}: a record without Name")
                record.setdefault("Identity", name)
                record.setdefault("Guid", str(uuid.uuid4()))
                existing = find(items, name, key="DomainName" if key == "accepted_domains" else "Name")
                if existing is not None:
                    items.remove(existing)
            else:
                record.setdefault("MessageTraceId", str(uuid.uuid4()))
                parse_time(record["Received"])
            if key == "transport_rules":
                record.setdefault("Priority", len(items))
                if record.get("Actions") is None and record.get("Conditions") is None:
                    _summaries(record)
            items.append(record)
        tenant[key] = items
        if key == "transport_rules":
            _ordered(tenant)
    if "smart_hosts" in data:
        tenant["smart_hosts"].update(data["smart_hosts"])
    return tenant
