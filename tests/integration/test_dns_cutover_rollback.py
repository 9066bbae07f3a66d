# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 14: the dns_cutover rollback is exact, the SPF fix keeps the other TXT values, and the guide step tags
work. The collection's own playbooks/cutover.yml and playbooks/rollback.yml run against the lab's two real BIND
instances (UPDATEs counted by BIND itself)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import threading
import time

import pytest

dns = pytest.importorskip("dns")

import dns.query  # noqa: E402
import dns.tsigkeyring  # noqa: E402
import dns.update  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CUTOVER = os.path.join(ROOT, "playbooks", "cutover.yml")
ROLLBACK = os.path.join(ROOT, "playbooks", "rollback.yml")

MX_HOSTS = ["mx1.hc4321-12.iphmx.com", "mx2.hc4321-12.iphmx.com"]
MECHANISM = "exists:%{i}.spf.hc4321-12.iphmx.com"
GATEWAY_MX = ["10 %s." % MX_HOSTS[0], "20 %s." % MX_HOSTS[1]]
SPF = "v=spf1 ip4:192.0.2.0/24 include:spf.protection.outlook.com ~all"
FIXED_SPF = "v=spf1 ip4:192.0.2.0/24 include:spf.protection.outlook.com %s ~all" % MECHANISM
# The other TXT strings of the domain: site verification tokens, and one longer than a 255-octet string.
OTHER_TXT = ["google-site-verification=Zx9fQ2mT7rV1bN4kLp0sHd3yWc8uJe6aGi5oXq", "MS=ms12345678",
             "long-token=" + "k" * 300]
MX_TTL, TXT_TTL = 1800, 900  # neither the lab's 3600 nor dns_cutover_ttl (300): the rollback must keep them


def _m365(domain):
    return ["0 %s.mail.protection.outlook.com." % domain.replace(".", "-")]


def _send(dns_lab, changes):
    """One UPDATE to the lab primary: changes = [(name, ttl, type, [rdata text, ...])] (replace each RRset)."""
    keyring = dns.tsigkeyring.from_text({dns_lab.info()["tsig"]["key_name"]: dns_lab.secret})
    update = dns.update.Update(dns_lab.zone, keyring=keyring, keyalgorithm="hmac-sha256")
    for name, ttl, rdtype, values in changes:
        update.replace(name + ".", ttl, rdtype, *values)
    address, port = dns_lab.endpoint("primary")
    assert dns.query.tcp(update, address, port=port, timeout=5).rcode() == 0


def _txt(text):
    """Zone-file form of a TXT value, split at 200 octets (not 255) to see that the other values keep their text."""
    return " ".join('"%s"' % text[index:index + 200] for index in range(0, len(text), 200))


def _seed(dns_lab, domains, mx_ttl=MX_TTL):
    """Each domain on Exchange Online (MX with TTL mx_ttl), TXT = its SPF and the verification tokens, TTL 900."""
    _send(dns_lab, [change for domain in domains for change in (
        (domain, mx_ttl, "MX", _m365(domain)),
        (domain, TXT_TTL, "TXT", [_txt(SPF)] + [_txt(value) for value in OTHER_TXT]))])


def _inventory(tmp_path):
    """The lab's localhost as the tenant host of the collection's playbooks (no esa_gateways: the gateway gate is off)."""
    path = tmp_path / "tenants.yml"
    path.write_text("m365_tenants:\n  hosts:\n    localhost:\n")
    return ["-i", str(path)]


def _vars(dns_lab, tmp_path, domains, **extra):
    values = dict(
        ces=dict(mx_hosts=MX_HOSTS, spf_mechanism=MECHANISM),
        secure_email_domains=[dict(name=domain) for domain in domains],
        dns_cutover_server="127.0.0.1", dns_cutover_port=dns_lab.port,
        dns_cutover_key_name=dns_lab.info()["tsig"]["key_name"], dns_cutover_key_secret=dns_lab.secret,
        dns_cutover_resolvers=["127.0.0.1:%d" % dns_lab.port],
        dns_cutover_check_gateway=False, dns_cutover_check_connector=False,
        dns_cutover_fix_spf=True, dns_cutover_settle=1,
        dns_cutover_state_dir=str(tmp_path / "state"))
    values.update(extra)
    return values


def _updates(dns_lab):
    return dns_lab.counters()["primary"]["updates"]


def _served(dns_lab, domain, which="primary"):
    return dns_lab.query(domain, "MX", which=which), dns_lab.query(domain, "TXT", which=which)


def _listed(run):
    """The role tasks --list-tasks printed (name without the role prefix) and their tags; other lines (plays, tasks
    outside a role such as an include_role stub) under the key None, with the text of the line."""
    tasks = {}
    for line in run.output.splitlines():
        match = re.match(r"^\s+(\S+ : )?(.+?)\tTAGS: \[(.*)\]$", line)
        if match and match.group(1):
            tasks[match.group(2)] = set(tag.strip() for tag in match.group(3).split(",") if tag.strip())
        elif match and not match.group(2).startswith("play #"):
            tasks.setdefault(None, []).append(match.group(2))
    return tasks


def test_cutover_then_rollback_is_exact_and_keeps_the_other_txt_values(dns_lab, dns_playbook, tmp_path):
    domains = [dns_lab.zone, "sales." + dns_lab.zone]
    _seed(dns_lab, domains)
    before = dict((domain, _served(dns_lab, domain)) for domain in domains)
    assert before[dns_lab.zone] == ((_m365(dns_lab.zone), MX_TTL), (sorted([SPF] + OTHER_TXT), TXT_TTL))
    variables = _vars(dns_lab, tmp_path, domains)
    inventory = _inventory(tmp_path)

    # The cutover: MX on the gateway; only the SPF string of each TXT RRset changed, the tokens and the TTL kept.
    updates = _updates(dns_lab)
    cutover = dns_playbook(CUTOVER, variables, args=inventory)
    assert _updates(dns_lab) - updates == 3  # lower the TTL, switch, SPF: one UPDATE each for both domains
    for domain in domains:
        for which in ("primary", "secondary"):
            assert _served(dns_lab, domain, which) == ((GATEWAY_MX, 300), (sorted([FIXED_SPF] + OTHER_TXT), TXT_TTL))
    written = cutover.task("SPF - write the TXT RRsets (the SPF string replaced, every other value and the TTL kept)")
    assert [record["after"]["ttl"] for record in written["result"]["records"]] == [TXT_TTL, TXT_TTL]
    # What the rollback needs was recorded per domain: the MX set with its TTL, the SPF string with the TXT TTL.
    state = tmp_path / "state"
    for domain in domains:
        assert json.loads((state / ("%s.mx.json" % domain)).read_text()) == dict(
            domain=domain, ttl=MX_TTL, values=[value.rstrip(".") for value in _m365(domain)])
        assert json.loads((state / ("%s.spf.json" % domain)).read_text()) == dict(
            domain=domain, ttl=TXT_TTL, record=SPF, cutover_record=FIXED_SPF)

    # The rollback in check mode: the plan with a diff, no UPDATE, nothing changed on the servers.
    updates = _updates(dns_lab)
    plan = dns_playbook(ROLLBACK, variables, check=True, diff=True, args=inventory)
    assert _updates(dns_lab) == updates
    assert _served(dns_lab, dns_lab.zone) == ((GATEWAY_MX, 300), (sorted([FIXED_SPF] + OTHER_TXT), TXT_TTL))
    planned = plan.task("Restore the previous MX set and SPF string")
    assert planned["result"]["changed"] is True
    diff = "".join(entry["before"] + entry["after"] for entry in planned["result"]["diff"])
    assert "%d\tIN\tMX\t%s" % (MX_TTL, _m365(dns_lab.zone)[0]) in diff
    assert '%d\tIN\tTXT\t"%s"' % (TXT_TTL, SPF) in diff and '"%s"' % FIXED_SPF in diff
    assert "TXT\t\"%s\"" % OTHER_TXT[0] in diff  # the TXT RRset is shown whole: the tokens stay

    # The rollback: MX values AND their recorded TTL, the recorded SPF string, every other TXT value, in ONE UPDATE.
    rollback = dns_playbook(ROLLBACK, variables, args=inventory)
    assert _updates(dns_lab) - updates == 1
    assert rollback.recap["changed"] >= 1
    for domain in domains:
        for which in ("primary", "secondary"):
            assert _served(dns_lab, domain, which) == before[domain], (domain, which)

    # Idempotent: a second rollback (and its check mode) changes nothing and sends no UPDATE.
    again = dns_playbook(ROLLBACK, variables, args=inventory)
    assert again.recap["changed"] == 0
    assert again.task("Restore the previous MX set and SPF string")["result"]["changed"] is False
    assert dns_playbook(ROLLBACK, variables, check=True, diff=True, args=inventory).recap["changed"] == 0
    assert _updates(dns_lab) - updates == 1
    for domain in domains:
        assert _served(dns_lab, domain) == before[domain]

    # Manual mode prints the same rollback (MX with the recorded TTL, the SPF string) and waits until DNS serves it.
    manual = dns_playbook(ROLLBACK, dict(variables, dns_cutover_mode="manual", dns_cutover_server="",
                                         dns_cutover_nameservers=["127.0.0.1:%d" % dns_lab.port]), args=inventory)
    printed = manual.task("Print the records to restore (manual)")["result"]["msg"]
    assert "Set the MX RRset of %s to %s (TTL %d) at your DNS provider." % (
        dns_lab.zone, _m365(dns_lab.zone)[0].rstrip("."), MX_TTL) in printed, printed
    assert "Set the SPF TXT string of %s back to %s (keep its other TXT strings)." % (
        dns_lab.zone, json.dumps(SPF)) in printed, printed
    assert manual.task("Every authoritative nameserver serves the restored MX")["status"] == "ok"
    assert _updates(dns_lab) - updates == 1


def test_rollback_refuses_an_spf_string_changed_since_the_cutover(dns_lab, dns_playbook, tmp_path):
    domain = dns_lab.zone
    _seed(dns_lab, [domain])
    variables = _vars(dns_lab, tmp_path, [domain])
    inventory = _inventory(tmp_path)
    dns_playbook(CUTOVER, variables, args=inventory)
    # Someone adds a sender to SPF after the cutover: restoring the recorded string would drop it.
    edited = FIXED_SPF.replace(" ~all", " include:mailgun.org ~all")
    _send(dns_lab, [(domain, TXT_TTL, "TXT", [_txt(edited)] + [_txt(value) for value in OTHER_TXT])])
    updates = _updates(dns_lab)
    refused = dns_playbook(ROLLBACK, variables, args=inventory, expect_rc=2)
    message = refused.task("Refuse to restore an SPF string that was changed since the cutover")["result"]["msg"]
    assert message.startswith("Nothing was restored: the SPF of %s is now " % domain), message
    assert edited in message and "dns_cutover_rollback_spf: false" in message
    assert _updates(dns_lab) == updates
    assert dns_lab.query(domain, "MX")[0] == GATEWAY_MX

    # dns_cutover_rollback_spf: false restores the MX (with its recorded TTL) and leaves the TXT RRset alone.
    dns_playbook(ROLLBACK, dict(variables, dns_cutover_rollback_spf=False), args=inventory)
    assert _served(dns_lab, domain) == ((_m365(domain), MX_TTL), (sorted([edited] + OTHER_TXT), TXT_TTL))
    assert _updates(dns_lab) == updates + 1


def _after(condition, changes, dns_lab, errors):
    """A thread that sends one UPDATE (someone else's change) as soon as condition() is true."""
    def act():
        deadline = time.monotonic() + 120
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            _send(dns_lab, changes)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions of the test
            errors.append(repr(exc))
    helper = threading.Thread(target=act)
    helper.start()
    return helper


def test_a_txt_change_between_the_read_and_the_write_is_reported(dns_lab, dns_playbook, tmp_path):
    """Someone adds a TXT value in the moment between the role's read of the TXT RRset and its write (one to two
    seconds: the tasks in between). dns_record replaces the RRset it finds, so the value is lost; the role must fail
    and name it, in the SPF fix and in the rollback."""
    domain = dns_lab.zone
    _seed(dns_lab, [domain])
    variables = _vars(dns_lab, tmp_path, [domain])
    inventory = _inventory(tmp_path)
    errors = []

    # The cutover: the value comes in as soon as the role has recorded the SPF string (the task before the write).
    recorded = tmp_path / "state" / ("%s.spf.json" % domain)
    token = "docusign=1b2c3d4e-race"
    helper = _after(recorded.exists, [(domain, TXT_TTL, "TXT", [_txt(value) for value in [SPF] + OTHER_TXT + [token]])],
                    dns_lab, errors)
    run = dns_playbook(CUTOVER, variables, args=inventory, expect_rc=2)
    helper.join()
    assert not errors, errors
    message = run.task("No other TXT change was replaced (read-then-write race)")["result"]["msg"]
    assert message.startswith("The TXT RRset of %s was changed by someone else between the read and the write of "
                              "the SPF fix" % domain), message
    assert '%s lost ["%s"], got back []' % (domain, token) in message  # named, so it can be put back
    assert dns_lab.query(domain, "TXT")[0] == sorted([FIXED_SPF] + OTHER_TXT)

    # The rollback: the value comes in as soon as the role has read the TXT RRset.
    def read_by_the_rollback():
        return any("Read the TXT RRsets whose SPF string is restored" in path.read_text()
                   for path in tmp_path.glob("results-*.jsonl"))
    token = "apple-domain-verification=race2"
    helper = _after(read_by_the_rollback,
                    [(domain, TXT_TTL, "TXT", [_txt(value) for value in [FIXED_SPF] + OTHER_TXT + [token]])],
                    dns_lab, errors)
    run = dns_playbook(ROLLBACK, variables, args=inventory, expect_rc=2)
    helper.join()
    assert not errors, errors
    message = run.task("No other TXT change was replaced (read-then-write race)")["result"]["msg"]
    assert "write of the rollback" in message and '%s lost ["%s"]' % (domain, token) in message, message
    assert _served(dns_lab, domain) == ((_m365(domain), MX_TTL), (sorted([SPF] + OTHER_TXT), TXT_TTL))


def test_an_interrupted_cutover_keeps_the_ttl_recorded_first(dns_lab, dns_playbook, tmp_path):
    """A cutover stopped after lowering the TTL: the re-run must not record the lowered TTL as the one to restore."""
    domain = dns_lab.zone
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    recorded = dict(domain=domain, ttl=MX_TTL, values=[value.rstrip(".") for value in _m365(domain)])
    (state / ("%s.mx.json" % domain)).write_text(json.dumps(recorded, indent=4, sort_keys=True) + "\n")
    _seed(dns_lab, [domain], mx_ttl=60)  # as the first run left it: TTL lowered to dns_cutover_low_ttl
    variables = _vars(dns_lab, tmp_path, [domain], dns_cutover_fix_spf=False,
                      dns_cutover_check_spf=False)
    inventory = _inventory(tmp_path)
    dns_playbook(CUTOVER, variables, args=inventory)
    assert dns_lab.query(domain, "MX")[0] == GATEWAY_MX
    assert json.loads((state / ("%s.mx.json" % domain)).read_text()) == recorded
    dns_playbook(ROLLBACK, variables, args=inventory)
    assert dns_lab.query(domain, "MX") == (_m365(domain), MX_TTL)
    assert dns_lab.query(domain, "TXT") == (sorted([SPF] + OTHER_TXT), TXT_TTL)  # no SPF record: TXT untouched


def test_step_tags_list_and_run_one_step(dns_lab, dns_playbook, tmp_path):
    domain = dns_lab.zone
    _seed(dns_lab, [domain])
    variables = _vars(dns_lab, tmp_path, [domain])
    inventory = _inventory(tmp_path)

    # --list-tasks shows the role's real tasks (imported, not an include_role stub) with their tags.
    s6 = _listed(dns_playbook(CUTOVER, variables, args=inventory + ["--list-tasks", "--tags", "S6"]))
    s14 = _listed(dns_playbook(CUTOVER, variables, args=inventory + ["--list-tasks", "--tags", "S14"]))
    listed = _listed(dns_playbook(ROLLBACK, variables, args=inventory + ["--list-tasks", "--tags", "rollback"]))
    for name in ("Lower the MX TTL (values kept)", "Switch the MX RRset to the gateway",
                 "Record the previous MX set for rollback", "Preflight - resolve the gateway MX hosts",
                 "Gather the appliance facts (the routes and the RAT, which the gate needs)"):
        assert {"S6", "dns"} <= s6[name], (name, s6)
    spf_write = "SPF - write the TXT RRsets (the SPF string replaced, every other value and the TTL kept)"
    assert {"S14", "dns"} <= s14[spf_write] and "S6" not in s14[spf_write]
    assert {"S6", "S14"} <= s14["Mail DNS before the cutover"]
    assert None not in s6 and None not in s14 and None not in listed, (s6, s14, listed)  # no include_role stub
    assert {"rollback", "dns"} <= listed["Restore the previous MX set and SPF string"]
    # Every task of the role carries a guide step tag and dns (the argument validation runs always).
    for tasks in (s6, s14):
        assert len(tasks) > 10, tasks
        for name, tags in tasks.items():
            assert "always" in tags or ("dns" in tags and tags & {"S6", "S14"}), (name, tags)

    # --tags S6 runs the MX cutover only: the SPF is not touched (although dns_cutover_fix_spf is on).
    updates = _updates(dns_lab)
    run = dns_playbook(CUTOVER, variables, args=inventory + ["--tags", "S6"])
    assert _updates(dns_lab) - updates == 2  # lower the TTL, switch
    assert _served(dns_lab, domain) == ((GATEWAY_MX, 300), (sorted([SPF] + OTHER_TXT), TXT_TTL))
    ran = set(record["task"].split(" : ")[-1] for record in run.records)
    assert "Switch the MX RRset to the gateway" in ran and not [name for name in ran if name.startswith("SPF - ")]
    # --tags S14 then fixes SPF only, in one UPDATE.
    run = dns_playbook(CUTOVER, variables, args=inventory + ["--tags", "S14"])
    assert _updates(dns_lab) - updates == 3
    assert _served(dns_lab, domain) == ((GATEWAY_MX, 300), (sorted([FIXED_SPF] + OTHER_TXT), TXT_TTL))
    ran = set(record["task"].split(" : ")[-1] for record in run.records)
    assert spf_write in ran and "Switch the MX RRset to the gateway" not in ran


def test_a_gateway_term_after_all_is_not_effective_and_is_moved_before_all(dns_lab, dns_playbook, tmp_path):
    """The gateway mechanism after 'all' is never evaluated (RFC 7208 5.1): the cutover moves it before 'all', and
    the rollback puts the record back as it was."""
    domain = dns_lab.zone
    late = "v=spf1 include:spf.protection.outlook.com ~all %s" % MECHANISM
    _send(dns_lab, [(domain, MX_TTL, "MX", _m365(domain)), (domain, TXT_TTL, "TXT", [_txt(late), _txt(OTHER_TXT[1])])])
    variables = _vars(dns_lab, tmp_path, [domain])
    inventory = _inventory(tmp_path)
    dns_playbook(CUTOVER, variables, args=inventory)
    txt, ttl = dns_lab.query(domain, "TXT")
    assert ttl == TXT_TTL and OTHER_TXT[1] in txt
    spf = [value for value in txt if value.startswith("v=spf1")]
    assert spf == ["v=spf1 include:spf.protection.outlook.com %s ~all" % MECHANISM], spf
    dns_playbook(ROLLBACK, variables, args=inventory)
    assert sorted(dns_lab.query(domain, "TXT")[0]) == sorted([late, OTHER_TXT[1]])


def test_a_gateway_term_behind_the_lookup_limit_is_refused_before_any_update(dns_lab, dns_playbook, tmp_path):
    """Eleven lookups before the gateway term: receivers return permerror before they reach it, and adding or moving
    the term cannot help; the preflight names the domain and the reason, and nothing is sent."""
    domain = dns_lab.zone
    heavy = "v=spf1 %s %s ~all" % (" ".join("a:h%d.%s" % (number, domain) for number in range(11)), MECHANISM)
    _send(dns_lab, [(domain, MX_TTL, "MX", _m365(domain)), (domain, TXT_TTL, "TXT", [_txt(heavy)])])
    updates = _updates(dns_lab)
    refused = dns_playbook(CUTOVER, _vars(dns_lab, tmp_path, [domain]), args=_inventory(tmp_path), expect_rc=2)
    message = refused.task("Preflight - SPF authorises the gateway, or dns_cutover_fix_spf adds it")["result"]["msg"]
    assert domain in message and "receivers never reach it" in message and "lookups" in message, message
    assert _updates(dns_lab) == updates and dns_lab.query(domain, "MX")[0] == _m365(domain)
