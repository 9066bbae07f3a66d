# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 18: dns_record provider=route53 and the dns_cutover role with dns_cutover_provider: route53, against the lab's
Route 53 (moto in server mode behind the lab's counting proxy, lab/route53.py) whose every change is pushed into the
lab's two real BIND instances, so that mail_dns_info and dns_wait read what the hosted zone holds.

The Route 53 calls are counted by the lab's proxy (moto counts nothing): "no change in check mode" is proven by the
ChangeResourceRecordSets counter AND by the hosted zone's record sets being the same before and after."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("dns")
pytest.importorskip("boto3")
pytest.importorskip("moto")

from conftest import ROOT, DnsLab, _runner  # noqa: E402  pylint: disable=wrong-import-position

CUTOVER = os.path.join(ROOT, "playbooks", "cutover.yml")
ROLLBACK = os.path.join(ROOT, "playbooks", "rollback.yml")
MX_HOSTS = ["mx1.hc4321-12.iphmx.com", "mx2.hc4321-12.iphmx.com"]
MECHANISM = "exists:%{i}.spf.hc4321-12.iphmx.com"
GATEWAY_MX = ["10 %s." % MX_HOSTS[0], "20 %s." % MX_HOSTS[1]]
SPF = "v=spf1 include:spf.protection.outlook.com -all"
FIXED_SPF = "v=spf1 include:spf.protection.outlook.com %s -all" % MECHANISM

RECORD_PLAYBOOK = """---
- name: dns_record through Route 53
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Records
      mailops.secure_email.dns_record:
        provider: route53
        endpoint_url: "{{ r53_endpoint }}"
        aws_access_key_id: "{{ r53_key_id }}"
        aws_secret_access_key: "{{ r53_secret }}"
        hosted_zone_id: "{{ r53_zone_id | default(omit) }}"
        zone: "{{ r53_zone | default(omit) }}"
        records: "{{ records }}"
      register: result
"""


class Route53Lab(DnsLab):
    """The DNS lab (BIND) plus ``python -m lab route53`` of the same state dir."""

    def r53(self, *args):
        proc = subprocess.run([sys.executable, "-m", "lab", "route53"] + list(args) + ["--state-dir", self.state_dir],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError("python -m lab route53 %s failed: %s%s" % (" ".join(args), proc.stdout, proc.stderr))
        return proc.stdout

    def r53_status(self):
        return json.loads(self.r53("status", "--json"))["route53"]

    def calls(self, action="ChangeResourceRecordSets"):
        return self.r53_status()["counters"]["calls"][action]

    def records(self):
        return json.loads(self.r53("records"))

    def r53_vars(self):
        status = self.r53_status()
        return dict(r53_endpoint=status["endpoint_url"], r53_key_id=status["access_key_id"],
                    r53_secret=status["secret_access_key"])


@pytest.fixture(scope="module")
def r53_server(tmp_path_factory):
    lab = Route53Lab(str(tmp_path_factory.mktemp("r53-lab")))
    lab.cli("up", "--dns-port", "0")
    with open(lab.inventory, "w") as handle:
        handle.write("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                     "      ansible_python_interpreter: %s\n" % sys.executable)
    try:
        # --pending-polls 1: the first GetChange of each change says PENDING (lab choice), so the wait is exercised.
        lab.r53("up", "--pending-polls", "1")
        yield lab
    finally:
        try:
            lab.r53("down")
        finally:
            lab.cli("down")


@pytest.fixture
def r53(r53_server):
    """BIND back at its initial zone, the hosted zone equal to it again, the counters zeroed."""
    r53_server.cli("reset")
    r53_server.r53("reset")
    return r53_server


@pytest.fixture
def r53_playbook(r53, tmp_path):
    return _runner(r53, tmp_path)


def _record_playbook(tmp_path):
    path = tmp_path / "route53_records.yml"
    path.write_text(RECORD_PLAYBOOK)
    return str(path)


def _mx(zone):
    return [dict(name=zone, type="MX", ttl=300, values=["10 %s" % MX_HOSTS[0], "20 %s" % MX_HOSTS[1]]),
            dict(name="sales." + zone, type="TXT", values=[FIXED_SPF])]


def test_dns_record_check_mode_converge_idempotent(r53, r53_playbook, tmp_path):
    zone = r53.zone
    variables = dict(r53.r53_vars(), records=_mx(zone))
    playbook = _record_playbook(tmp_path)
    before = r53.records()
    assert r53.calls() == 0

    # Check mode with diff: the plan, no ChangeResourceRecordSets, the hosted zone and BIND unchanged.
    plan = r53_playbook(playbook, variables, check=True, diff=True)
    result = plan.task("Records")["result"]
    assert result["changed"] is True
    assert r53.calls() == 0
    assert r53.records() == before
    assert "route53_changes" not in result
    assert set(result["route53_calls"]) <= {"list_hosted_zones_by_name", "list_resource_record_sets"}
    diff = "".join(entry["before"] + entry["after"] for entry in result["diff"])
    assert "300\tIN\tMX\t10 mx1.hc4321-12.iphmx.com." in diff and "0 %s-" % zone.split(".")[0] in diff
    assert r53.query(zone, "MX")[0] == ["0 example-test.mail.protection.outlook.com."]

    # Converge: ONE change batch for both RRsets, waited for until INSYNC (PENDING first: --pending-polls 1).
    converge = r53_playbook(playbook, variables)
    result = converge.task("Records")["result"]
    assert result["changed"] is True
    assert r53.calls() == 1
    [change] = result["route53_changes"]
    assert change["rrsets"] == 2 and change["status"] == "INSYNC"
    assert [poll["status"] for poll in change["polls"]] == ["PENDING", "INSYNC"]
    records = r53.records()
    assert records["%s. MX" % zone] == {"ttl": 300, "values": GATEWAY_MX}
    assert records["sales.%s. TXT" % zone] == {"ttl": 3600, "values": ['"%s"' % FIXED_SPF]}
    # The lab pushed the change into BIND: both instances serve it.
    for which in ("primary", "secondary"):
        assert r53.query(zone, "MX", which=which) == (GATEWAY_MX, 300)
    assert r53.query("sales." + zone, "TXT") == ([FIXED_SPF], 3600)

    # Second run: nothing to do, nothing sent.
    again = r53_playbook(playbook, variables)
    assert again.task("Records")["result"]["changed"] is False
    assert r53.calls() == 1
    assert r53.records() == records


def test_dns_record_bad_input_names_the_field(r53, r53_playbook, tmp_path):
    playbook = _record_playbook(tmp_path)
    good = r53.r53_vars()
    base = dict(good, records=[dict(name=r53.zone, type="MX", values=["10 %s" % MX_HOSTS[0]])])

    # A name in no hosted zone of the account.
    run = r53_playbook(playbook, dict(base, records=[dict(name="www.elsewhere.invalid", type="A",
                                                          values=["192.0.2.1"])]), expect_rc=2)
    msg = run.task("Records")["result"]["msg"]
    assert "records[0].name" in msg and "no public hosted zone" in msg and "elsewhere.invalid" in msg

    # The zone option naming a zone that is not hosted.
    run = r53_playbook(playbook, dict(base, r53_zone="other.test",
                                      records=[dict(name="www", type="A", values=["192.0.2.1"])]), expect_rc=2)
    assert run.task("Records")["result"]["msg"].startswith("zone: no public hosted zone named other.test")

    # A hosted zone id that does not exist, and one that is not an id at all.
    run = r53_playbook(playbook, dict(base, r53_zone_id="ZNOSUCHZONE1234"), expect_rc=2)
    assert "hosted_zone_id: ZNOSUCHZONE1234: no such hosted zone" in run.task("Records")["result"]["msg"]
    run = r53_playbook(playbook, dict(base, r53_zone_id="not an id"), expect_rc=2)
    assert "hosted_zone_id: 'not an id' is not a Route 53 hosted zone id" in run.task("Records")["result"]["msg"]

    # Credentials the endpoint does not know: the message names the options, never the secret.
    run = r53_playbook(playbook, dict(base, r53_key_id="AKIAWRONGWRONGWRONG0"), expect_rc=2)
    msg = run.task("Records")["result"]["msg"]
    assert "InvalidClientTokenId" in msg and "aws_access_key_id" in msg and "aws_secret_access_key" in msg
    assert good["r53_secret"] not in run.output

    # A key id without its secret.
    run = r53_playbook(playbook, dict(base, r53_secret=""), expect_rc=2)
    assert "aws_access_key_id is set but aws_secret_access_key is not" in run.task("Records")["result"]["msg"]

    assert r53.calls() == 0
    assert r53.r53_status()["counters"]["denied"] >= 1


def test_lab_applies_the_aws_change_batch_rules(r53):
    """The lab's proxy enforces what makes DELETE+CREATE a pin (moto alone does not): a DELETE must give the RRset as
    it is now, a CREATE must not find one; a refused batch changes nothing and is not pushed into BIND."""
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore.exceptions  # pylint: disable=import-outside-toplevel

    status = r53.r53_status()
    client = boto3.client("route53", endpoint_url=status["endpoint_url"], region_name="us-east-1",
                          aws_access_key_id=status["access_key_id"], aws_secret_access_key=status["secret_access_key"])
    zone_id, apex = status["hosted_zone_id"], r53.zone + "."
    before = r53.records()
    old_mx = {"Name": apex, "Type": "MX", "TTL": 3600,
              "ResourceRecords": [{"Value": "0 example-test.mail.protection.outlook.com."}]}
    new_mx = {"Name": apex, "Type": "MX", "TTL": 300, "ResourceRecords": [{"Value": "10 %s." % MX_HOSTS[0]}]}
    stale = dict(old_mx, TTL=1800)
    for changes, text in (([{"Action": "DELETE", "ResourceRecordSet": stale},
                            {"Action": "CREATE", "ResourceRecordSet": new_mx}], "do not match the current values"),
                          ([{"Action": "CREATE", "ResourceRecordSet": new_mx}], "but it already exists")):
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
        assert exc.value.response["Error"]["Code"] == "InvalidChangeBatch" and text in str(exc.value)
    assert r53.records() == before
    assert r53.r53_status()["counters"]["bind_syncs"] == 0
    # The pin as read is accepted, and reaches BIND.
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": old_mx}, {"Action": "CREATE", "ResourceRecordSet": new_mx}]})
    assert r53.query(r53.zone, "MX") == (["10 %s." % MX_HOSTS[0]], 300)


def _role_vars(r53, tmp_path, **extra):
    status = r53.r53_status()
    values = dict(
        ces=dict(mx_hosts=MX_HOSTS, spf_mechanism=MECHANISM),
        secure_email_domains=[dict(name=r53.zone), dict(name="sales." + r53.zone)],
        dns_cutover_provider="route53",
        dns_cutover_route53_endpoint_url=status["endpoint_url"],
        dns_cutover_aws_access_key_id=status["access_key_id"],
        dns_cutover_aws_secret_access_key=status["secret_access_key"],
        dns_cutover_nameservers=["127.0.0.1:%d" % r53.port],
        dns_cutover_resolvers=["127.0.0.1:%d" % r53.port],
        dns_cutover_check_gateway=False, dns_cutover_check_connector=False,
        dns_cutover_fix_spf=True, dns_cutover_settle=1,
        dns_cutover_state_dir=str(tmp_path / "state"))
    values.update(extra)
    return values


def _inventory(tmp_path):
    path = tmp_path / "tenants.yml"
    path.write_text("m365_tenants:\n  hosts:\n    localhost:\n")
    return ["-i", str(path)]


def test_role_cutover_check_converge_rerun_rollback(r53, r53_playbook, tmp_path):
    zone, sales = r53.zone, "sales." + r53.zone
    variables = _role_vars(r53, tmp_path)
    inventory = _inventory(tmp_path)
    initial = r53.records()

    # Check mode: the plan, no ChangeResourceRecordSets, the hosted zone unchanged. At -vvv the secret access key is
    # nowhere in the output (no_log in dns_record and in the role's argument spec).
    plan = r53_playbook(CUTOVER, variables, check=True, diff=True, args=inventory + ["-vvv"])
    assert plan.recap["failed"] == 0
    assert variables["dns_cutover_aws_secret_access_key"] not in plan.output
    assert r53.calls() == 0
    assert r53.records() == initial
    assert not (tmp_path / "state").exists() or not list((tmp_path / "state").iterdir())

    # Converge: lower the TTL, switch, SPF: one change batch each (both domains are in the one hosted zone).
    converge = r53_playbook(CUTOVER, variables, args=inventory)
    assert r53.calls() == 3
    records = r53.records()
    for domain in (zone, sales):
        assert records["%s. MX" % domain] == {"ttl": 300, "values": GATEWAY_MX}
        assert records["%s. TXT" % domain] == {"ttl": 3600, "values": ['"%s"' % FIXED_SPF]}
        for which in ("primary", "secondary"):  # dns_wait waited on BIND, which the lab fed from Route 53
            assert r53.query(domain, "MX", which=which) == (GATEWAY_MX, 300)
    waited = converge.task("Every authoritative nameserver serves the new MX")["result"]
    assert waited.get("failed") is not True and waited["changed"] is False
    insync = converge.task("Route 53 - the change batches are INSYNC")["result"]["msg"]
    assert "PENDING -> INSYNC" in insync and r53.r53_status()["hosted_zone_id"] in insync
    # The exact rollback state, as with rfc2136.
    state = tmp_path / "state"
    assert json.loads((state / ("%s.mx.json" % zone)).read_text()) == dict(
        domain=zone, ttl=3600, values=["0 example-test.mail.protection.outlook.com"])
    assert json.loads((state / ("%s.spf.json" % sales)).read_text()) == dict(
        domain=sales, ttl=3600, record=SPF, cutover_record=FIXED_SPF)

    # Second run: changed=0, nothing sent.
    rerun = r53_playbook(CUTOVER, variables, args=inventory)
    assert rerun.recap["changed"] == 0
    assert r53.calls() == 3

    # Rollback in check mode: a diff, no change.
    plan = r53_playbook(ROLLBACK, variables, check=True, diff=True, args=inventory)
    planned = plan.task("Restore the previous MX set and SPF string")["result"]
    assert planned["changed"] is True and r53.calls() == 3 and r53.records() == records
    assert "3600\tIN\tMX\t0 example-test.mail.protection.outlook.com." in "".join(
        entry["before"] + entry["after"] for entry in planned["diff"])

    # Rollback: every MX and TXT RRset back exactly (values AND TTL) in ONE change batch; BIND serves it.
    r53_playbook(ROLLBACK, variables, args=inventory)
    assert r53.calls() == 4
    assert r53.records() == initial
    assert r53.query(zone, "MX") == (["0 example-test.mail.protection.outlook.com."], 3600)
    assert r53.query(sales, "TXT") == ([SPF], 3600)

    # A second rollback finds everything restored: changed=0, nothing sent.
    again = r53_playbook(ROLLBACK, variables, args=inventory)
    assert again.recap["changed"] == 0 and r53.calls() == 4


def test_role_route53_needs_nameservers_and_keeps_the_mode_alias(r53, r53_playbook, tmp_path):
    inventory = _inventory(tmp_path)
    run = r53_playbook(CUTOVER, _role_vars(r53, tmp_path, dns_cutover_nameservers=[]), args=inventory, expect_rc=2)
    assert "dns_cutover_nameservers: required with dns_cutover_provider route53" in run.output
    run = r53_playbook(CUTOVER, _role_vars(r53, tmp_path, dns_cutover_provider="bind"), args=inventory, expect_rc=2)
    assert "dns_cutover_provider" in run.output and "route53" in run.output
    assert r53.calls() == 0
