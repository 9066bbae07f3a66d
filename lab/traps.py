"""``python -m lab trap <name>|--list``: make a running (converged) lab unsafe on purpose, one posture trap at a time.

Each trap writes one unsafe state through the lab's own stores (the ESA's committed configuration, the Exchange
tenant) or a TSIG-signed DNS update to the lab's BIND, so that ``playbooks/posture.yml`` must report the matching
finding (docs/posture.md, "Traps"). ``python -m lab reset`` (and ``lab dns reset``) undo them; the traps assume the
lab was converged first (``playbooks/site.yml``), since most of them weaken what the roles wrote.

Traps on the inventory side (the outbound secret) are not lab state: ``--list`` shows the extra variable to pass.
"""

import argparse
import json
import sys

from .cli import LabError, _stored_config
from .dns.bind import KEY_NAME, ZONE, BindLab
from .esa.store import FileStore
from .exo.store import ExoStore
from .state import StateDir, default_state_dir

TENANT_CONNECTOR = "Inbound from Cisco CES"
OUTBOUND_CONNECTOR = "Outbound to Cisco CES"
FILTER = "office365_outbound"
GATEWAY_TERM = "exists:%{i}.spf.hc4321-12.iphmx.com"
WEAK_CIPHERS = "ALL:!aNULL"


# -- the three stores ------------------------------------------------------------------------------------------
def _esa_tables(state, table, change):
    """Apply ``change(value)`` to ``table`` at every level that holds it (standalone: local)."""
    stored = _stored_config(state)
    if not stored:
        raise LabError(f"no stored ESA configuration in {state.path}; run 'python -m lab up' first")
    store = FileStore(state.path, stored["identity"])
    found = False
    with store.config_transaction() as data:
        for tables in data["layers"].values():
            if table in tables:
                found = True
                result = change(tables[table])
                if result is not None:
                    tables[table] = result
    if not found:
        raise LabError(f"the ESA configuration has no {table} table")


def _exo(state, change):
    with ExoStore(state.path).tenant_transaction() as tenant:
        change(tenant)


def _named(items, name):
    for item in items:
        if item.get("Name") == name:
            return item
    raise LabError(f"the lab tenant has no {name!r}; converge the lab first (playbooks/site.yml)")


def _dns(state, changes):
    import dns.query  # dnspython: in the venv that runs the lab
    import dns.rcode
    import dns.tsig
    import dns.tsigkeyring
    import dns.update

    settings = BindLab(state.path).settings()
    if not settings:
        raise LabError("the lab DNS is not set up; run 'python -m lab up'")
    keyring = dns.tsigkeyring.from_text({KEY_NAME: settings["key_secret"]})
    update = dns.update.UpdateMessage(ZONE, keyring=keyring, keyname=KEY_NAME, keyalgorithm=dns.tsig.HMAC_SHA256)
    for action, name, rdtype, value in changes:
        if action == "delete":
            update.delete(name, rdtype)
        elif action == "add":
            update.add(name, 300, rdtype, value)
        else:
            update.replace(name, 300, rdtype, value)
    response = dns.query.tcp(update, "127.0.0.1", port=settings["port"], timeout=30)
    if response.rcode() != dns.rcode.NOERROR:
        raise LabError("the DNS update failed: %s" % dns.rcode.to_text(response.rcode()))


# -- the traps ------------------------------------------------------------------------------------------------
def _connector(**fields):
    def apply(state):
        def change(tenant):
            _named(tenant["inbound_connectors"], TENANT_CONNECTOR).update(fields)
        _exo(state, change)
    return apply


def _open_connector(state):
    _connector(RestrictDomainsToIPAddresses=False, RestrictDomainsToCertificate=False, SenderIPAddresses=[])(state)


def _scl_bypass(state):
    def change(tenant):
        from .exo import tenant as tenant_mod

        tenant_mod.seed(tenant, {"transport_rules": [{
            "Name": "Bypass spam filtering - inbound email from Cisco CES", "SetSCL": -1, "State": "Enabled",
            "Mode": "Enforce", "SenderIpRanges": ["198.51.100.105/32", "198.51.100.143/32"]}]})
    _exo(state, change)


def _connector_tls(state):
    def change(tenant):
        _named(tenant["inbound_connectors"], TENANT_CONNECTOR)["RequireTls"] = False
        _named(tenant["outbound_connectors"], OUTBOUND_CONNECTOR)["TlsSettings"] = None
    _exo(state, change)


def _drift_tenant(state):
    def change(tenant):
        tenant["outbound_connectors"].remove(_named(tenant["outbound_connectors"], OUTBOUND_CONNECTOR))
    _exo(state, change)


def _drop_filter(state):
    _esa_tables(state, "filters", lambda filters: [f for f in filters if f.get("name") != FILTER])


def _guide_filter(state):
    """The guide's filter as printed: it names RELAYLIST, a group this appliance does not have."""
    def filters(items):
        for item in items:
            if item.get("name") == FILTER:
                item["body"] = item["body"].replace('"RELAY_O365"', '"RELAYLIST"')
        return items

    def listeners(items):
        for listener in items:
            groups = listener.get("hat", {}).get("sender_groups") or []
            listener["hat"]["sender_groups"] = [g for g in groups if g.get("name") != "RELAYLIST"]
        return items
    _esa_tables(state, "filters", filters)
    _esa_tables(state, "listeners", listeners)


def _destination_tls(state):
    def change(items):
        for item in items:
            if item.get("domain") == "example.test":
                item["tls"] = "off"
        return items
    _esa_tables(state, "destination_controls", change)


def _ciphers(state):
    def change(ssl):
        ssl["outbound_ciphers"] = WEAK_CIPHERS
        return ssl
    _esa_tables(state, "ssl", change)


def _drift_gateway(state):
    _esa_tables(state, "smtp_routes", lambda routes: [r for r in routes if r.get("domain") != "sales.example.test"])


def _spf(record):
    # one TXT record, in character strings of at most 255 octets (RFC 1035 3.3.14; SPF joins them, RFC 7208 3.3)
    text = " ".join('"%s"' % record[i:i + 200] for i in range(0, len(record), 200))
    return lambda state: _dns(state, [("replace", "example.test.", "TXT", text)])


TRAPS = {
    "partner-connector-open": ("inbound_connector_unrestricted", "Partner inbound connector accepts any sender IP",
                               _open_connector),
    "enhanced-filtering-off": ("enhanced_filtering_missing", "Enhanced Filtering removed from the inbound connector",
                               _connector(EFSkipIPs=[], EFSkipLastIP=False)),
    "mx-mixed": ("mx_mixed_gateway_eop", "example.test: an Exchange Online MX next to the gateway hosts",
                 lambda state: _dns(state, [("add", "example.test.", "MX",
                                             "30 example-test.mail.protection.outlook.com.")])),
    "relay-unguarded": ("relay_group_unguarded", "the secret-header message filter is deleted", _drop_filter),
    "guide-filter-relaylist": ("filter_unknown_sender_group", "the guide's filter (sendergroup RELAYLIST) on an "
                               "appliance whose group is RELAY_O365", _guide_filter),
    "scl-bypass": ("scl_bypass_with_enhanced_filtering", "an SCL -1 transport rule next to Enhanced Filtering",
                   _scl_bypass),
    "connector-tls": ("connector_tls_not_required", "inbound connector without RequireTls, outbound without "
                      "TlsSettings", _connector_tls),
    "destination-no-tls": ("destination_tls_missing", "destination control of example.test with TLS off",
                           _destination_tls),
    "ciphers": ("tls_ciphers_differ", "outbound cipher string %s" % WEAK_CIPHERS, _ciphers),
    "spf-gateway-missing": ("spf_gateway_missing", "example.test: SPF without the gateway term",
                            _spf("v=spf1 include:spf.protection.outlook.com -all")),
    "spf-too-many-lookups": ("spf_too_many_lookups", "example.test: SPF with 11 lookups before the gateway term",
                             _spf("v=spf1 " + " ".join("a:relay.example.test/%d" % (20 + i) for i in range(11))
                                  + " " + GATEWAY_TERM + " -all")),
    "dmarc-none": ("dmarc_monitor_only", "_dmarc.example.test p=none",
                   lambda state: _dns(state, [("replace", "_dmarc.example.test.", "TXT",
                                               '"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.test"')])),
    "dmarc-missing": ("dmarc_missing", "_dmarc.example.test deleted",
                      lambda state: _dns(state, [("delete", "_dmarc.example.test.", "TXT", None)])),
    "drift-gateway": ("drift_gateway_object_missing", "the SMTP route of sales.example.test deleted", _drift_gateway),
    "drift-tenant": ("drift_tenant_object_missing", "the outbound connector deleted", _drift_tenant),
}
# Inventory-side traps: nothing to write in the lab, pass the variable to playbooks/posture.yml.
INVENTORY_TRAPS = {
    "weak-secret": ("secret_weak", "a short, guessable outbound secret", {"outbound_secret": "secret123"}),
    "secret-metacharacters": ("secret_weak", "an outbound secret with regex metacharacters",
                              {"outbound_secret": "Lab.Outbound*Secret+4711"}),
}


# DNS names the traps touch: --save keeps their records, --restore writes them back.
DNS_NAMES = (("example.test.", "MX"), ("example.test.", "TXT"), ("_dmarc.example.test.", "TXT"))


def save(state):
    """The state the traps change: the ESA's stored configuration, the tenant, the touched DNS records."""
    import dns.message
    import dns.query

    settings = BindLab(state.path).settings() or {}
    records = []
    for name, rdtype in DNS_NAMES:
        values = []
        if settings:
            response = dns.query.tcp(dns.message.make_query(name, rdtype), "127.0.0.1", port=settings["port"],
                                     timeout=10)
            for rrset in response.answer:
                values += [rdata.to_text() for rdata in rrset]
        records.append([name, rdtype, values])
    return {"esa": _stored_config(state), "exo": ExoStore(state.path).read_tenant(), "dns": records}


def restore(state, saved):
    stored = _stored_config(state)
    with FileStore(state.path, stored["identity"]).config_transaction() as data:
        data["layers"] = saved["esa"]["layers"]

    def change(tenant):
        tenant.clear()
        tenant.update(saved["exo"])
    _exo(state, change)
    changes = []
    for name, rdtype, values in saved["dns"]:
        changes.append(("delete", name, rdtype, None))
        changes += [("add", name, rdtype, value) for value in values]
    _dns(state, changes)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lab trap", description="Seed one unsafe state (a posture trap) "
                                     "into the running lab; 'python -m lab reset' and 'lab dns reset' undo it.")
    parser.add_argument("name", nargs="?", choices=sorted(TRAPS) + sorted(INVENTORY_TRAPS), help="the trap")
    parser.add_argument("--list", action="store_true", help="list the traps and the finding each must cause")
    parser.add_argument("--json", action="store_true", help="with --list: JSON")
    parser.add_argument("--state-dir", default=default_state_dir(),
                        help="state directory (env LAB_STATE_DIR, default <repo>/.lab)")
    parser.add_argument("--save", metavar="FILE", help="save what the traps change (ESA, tenant, DNS) to FILE")
    parser.add_argument("--restore", metavar="FILE", help="write back a state saved with --save")
    args = parser.parse_args(argv)
    if args.save or args.restore:
        state = StateDir(args.state_dir)
        try:
            if args.save:
                with open(args.save, "w", encoding="utf-8") as handle:
                    json.dump(save(state), handle)
            else:
                with open(args.restore, encoding="utf-8") as handle:
                    restore(state, json.load(handle))
        except (LabError, OSError, ValueError) as exc:
            print(f"lab trap: error: {exc}", file=sys.stderr)
            return 1
        print("saved" if args.save else "restored")
        return 0
    if args.list or not args.name:
        rows = [dict(trap=name, finding=code, what=text, extra_vars=None) for name, (code, text, _f) in TRAPS.items()]
        rows += [dict(trap=name, finding=code, what=text, extra_vars=extra)
                 for name, (code, text, extra) in INVENTORY_TRAPS.items()]
        rows.sort(key=lambda row: row["trap"])
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                extra = " (inventory: -e '%s')" % json.dumps(row["extra_vars"]) if row["extra_vars"] else ""
                print("%-24s %-36s %s%s" % (row["trap"], row["finding"], row["what"], extra))
        return 0
    if args.name in INVENTORY_TRAPS:
        code, text, extra = INVENTORY_TRAPS[args.name]
        print(f"{args.name}: inventory-side, nothing written; run playbooks/posture.yml with -e '{json.dumps(extra)}' "
              f"(expect {code})")
        return 0
    code, text, apply = TRAPS[args.name]
    try:
        apply(StateDir(args.state_dir))
    except LabError as exc:
        print(f"lab trap: error: {exc}", file=sys.stderr)
        return 1
    print(f"trap {args.name} seeded: {text} (expect {code})")
    return 0
