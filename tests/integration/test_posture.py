# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The posture audit (issue 16) against the lab: playbooks/posture.yml with the repository's lab inventory.

The lab is converged once (playbooks/inbound.yml, outbound.yml, cutover.yml); then:

- the converged lab reports no finding at warning or above, and the lab's outbound secret is in no report file;
- each trap of ``python -m lab trap`` (lab/traps.py) makes the audit report exactly the expected finding codes (at
  warning or above), with the right object and fix, and ``posture_threshold`` fails the run. Between traps the state
  is put back with ``python -m lab trap --restore`` (no second converge).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, Run, playbook_env

pytest.importorskip("dns")

INVENTORY = os.path.join(ROOT, "inventories", "lab")
PLAYBOOKS = os.path.join(ROOT, "playbooks")
LAB_SECRET = "Lab-Outbound-Secret-4711"

# trap -> (the codes at warning or above the audit must report, a text the object must hold, a text the fix must hold)
TRAPS = {
    "partner-connector-open": ({"inbound_connector_unrestricted"}, "inbound connector Inbound from Cisco CES",
                               "restrict_domains_to_ip_addresses"),
    "enhanced-filtering-off": ({"enhanced_filtering_missing"}, "inbound connector Inbound from Cisco CES",
                               "inbound_enhanced_filtering"),
    "mx-mixed": ({"mx_mixed_gateway_eop"}, "tenant1: example.test", "dns_cutover"),
    "relay-unguarded": ({"relay_group_unguarded", "drift_gateway_object_missing"}, "sender group RELAY_O365",
                        "esa_message_filters"),
    "guide-filter-relaylist": ({"filter_unknown_sender_group", "relay_group_unguarded"}, "message filter "
                               "office365_outbound", "outbound_sender_group"),
    "scl-bypass": ({"scl_bypass_with_enhanced_filtering"}, "transport rule Bypass spam filtering",
                   "inbound_scl_bypass_rule"),
    "connector-tls": ({"connector_tls_not_required"}, "connector", "require_tls"),
    "destination-no-tls": ({"destination_tls_missing"}, "destination control example.test", "esa_destination_controls"),
    "ciphers": ({"tls_ciphers_differ"}, "outbound TLS ciphers", "outbound_tls_ciphers"),
    "spf-gateway-missing": ({"spf_gateway_missing"}, "tenant1: example.test", "dns_cutover_fix_spf"),
    "spf-too-many-lookups": ({"spf_too_many_lookups", "spf_gateway_unreachable"}, "tenant1: example.test",
                             "dns_record"),
    "dmarc-none": ({"dmarc_monitor_only"}, "tenant1: example.test", "_dmarc"),
    "dmarc-missing": ({"dmarc_missing"}, "tenant1: sales.example.test", "_dmarc"),
    "drift-gateway": ({"drift_gateway_object_missing"}, "SMTP route sales.example.test", "playbooks/inbound.yml"),
    "drift-tenant": ({"drift_tenant_object_missing"}, "outbound connector Outbound to Cisco CES", "playbooks/outbound.yml"),
}
INVENTORY_TRAPS = {
    "weak-secret": ({"secret_weak"}, "gateway esa1: outbound_secret", "outbound_secret"),
    "secret-metacharacters": ({"secret_weak"}, "gateway esa1: outbound_secret", "outbound_secret"),
}


class PostureLab(object):
    def __init__(self, lab, tmp_path):
        self.lab = lab
        self.tmp_path = tmp_path
        self.count = 0

    def run(self, playbooks, extra_vars=None, expect_rc=0):
        """ansible-playbook over the repository's lab inventory, pointed at the session's lab."""
        self.count += 1
        variables = dict(inbound_check_accepted_domains=False, secure_email_backup_dir=str(self.tmp_path / "backups"))
        variables.update(extra_vars or {})
        vars_file = self.tmp_path / ("vars-%d.json" % self.count)
        vars_file.write_text(json.dumps(variables))
        proc = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY]
            + [os.path.join(PLAYBOOKS, name) for name in playbooks] + ["-e", "@%s" % vars_file],
            env=playbook_env(self.tmp_path, LAB_STATE_DIR=self.lab.state_dir,
                             RESULT_RECORDER_FILE=str(self.tmp_path / ("results-%d.jsonl" % self.count)),
                             MAILOPS_ESA_LOCK_DIR=os.path.join(self.lab.state_dir, "esa-locks")),
            cwd=str(self.tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
            timeout=600, check=False)
        result = Run(proc, [])
        assert expect_rc is None or proc.returncode == expect_rc, "rc=%s, expected %s:\n%s" % (
            proc.returncode, expect_rc, result.output)
        return result

    def posture(self, name, extra_vars=None, expect_rc=0):
        out = self.tmp_path / ("posture-%s" % name)
        variables = dict(posture_output_dir=str(out))
        variables.update(extra_vars or {})
        run = self.run(["posture.yml"], variables, expect_rc=expect_rc)
        with open(str(out / "posture.json")) as handle:
            return run, json.load(handle), out


@pytest.fixture(scope="module")
def converged(lab_server, tmp_path_factory):
    lab_server.cli("reset")
    lab_server.cli("dns", "reset")
    tmp = tmp_path_factory.mktemp("posture")
    posture = PostureLab(lab_server, tmp)
    run = posture.run(["inbound.yml", "outbound.yml", "cutover.yml"])
    assert run.recap["failed"] == 0
    saved = str(tmp / "converged-state.json")
    lab_server.cli("trap", "--save", saved)
    yield posture, saved
    lab_server.cli("reset")
    lab_server.cli("dns", "reset")


def _serious(report):
    return [f for f in report["findings"] if f["severity"] in ("warning", "error", "critical")]


def test_converged_lab_is_clean_and_secret_free(converged):
    posture, saved = converged
    posture.lab.cli("trap", "--restore", saved)
    run, report, out = posture.posture("converged", dict(posture_threshold="warning"))
    assert _serious(report) == [], json.dumps(report["findings"], indent=1)
    assert report["tenants"] == ["tenant1"] and report["gateways"] == ["esa1"]
    files = [os.path.join(d, f) for d, _s, fs in os.walk(str(out)) for f in fs]
    assert {"posture.json", "posture.md", "posture.html", "posture.xml"} <= set(os.path.basename(f) for f in files)
    assert os.path.exists(str(out / "tenants" / "tenant1.html"))
    for path in files:
        with open(path) as handle:
            assert LAB_SECRET not in handle.read(), path
    assert LAB_SECRET not in run.output


def _check(report, expected, obj, fix):
    serious = _serious(report)
    assert set(f["code"] for f in serious) == expected, json.dumps(serious, indent=1)
    matching = [f for f in serious if obj in f["object"]]
    assert matching, json.dumps(serious, indent=1)
    assert any(fix in f["fix"] for f in matching), json.dumps(matching, indent=1)


@pytest.mark.parametrize("trap", sorted(TRAPS))
def test_trap_is_reported_and_gates(converged, trap):
    posture, saved = converged
    posture.lab.cli("trap", "--restore", saved)
    posture.lab.cli("trap", trap)
    try:
        expected, obj, fix = TRAPS[trap]
        run, report, out = posture.posture(trap, dict(posture_threshold="warning"), expect_rc=2)
        assert "posture: " in run.output and "at or above warning" in run.output
        _check(report, expected, obj, fix)
        with open(str(out / "posture.xml")) as handle:
            assert "<failure" in handle.read()
    finally:
        posture.lab.cli("trap", "--restore", saved)


@pytest.mark.parametrize("trap", sorted(INVENTORY_TRAPS))
def test_inventory_trap_reports_properties_only(converged, trap):
    posture, saved = converged
    posture.lab.cli("trap", "--restore", saved)
    extra = json.loads(posture.lab.cli("trap", "--list", "--json"))
    extra = [row["extra_vars"] for row in extra if row["trap"] == trap][0]
    expected, obj, fix = INVENTORY_TRAPS[trap]
    run, report, out = posture.posture(trap, dict(extra, posture_threshold="error"), expect_rc=2)
    _check(report, expected, obj, fix)
    finding = [f for f in report["findings"] if f["code"] == "secret_weak"][0]
    assert set(finding["evidence"]) >= {"length", "short", "guessable", "regex_metacharacters"}
    for path in [os.path.join(d, f) for d, _s, fs in os.walk(str(out)) for f in fs]:
        with open(path) as handle:
            assert extra["outbound_secret"] not in handle.read(), path
    assert extra["outbound_secret"] not in run.output


def test_msp_run_gives_a_summary_and_a_report_per_tenant(tmp_path):
    """One run over the MSP lab's inventory (lab/msp.py, docs/msp.md): 3 tenants behind 2 shared gateways, not
    converged. The cross-tenant summary names every tenant; each tenant's report holds its own domains' findings only;
    the shared secret of gateways that serve common tenants is not reuse."""
    root = str(tmp_path / "msp")
    cmd = [sys.executable, "-m", "lab", "msp"]
    subprocess.run(cmd + ["up", "--state-dir", root, "--tenants", "3", "--gateways", "2", "--domains", "1"],
                   cwd=ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with open(os.path.join(root, "msp.json")) as handle:
            msp = json.load(handle)
        out = tmp_path / "report"
        env = playbook_env(tmp_path, MAILOPS_ESA_LOCK_DIR=os.path.join(root, "esa-locks"))
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                               os.path.join(root, "inventory"), "--forks", "4", os.path.join(PLAYBOOKS, "posture.yml"),
                               "-e", "posture_output_dir=%s" % out], env=env, cwd=str(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=600,
                              check=False)
        assert proc.returncode == 0, proc.stdout[-6000:]
        tenants = sorted(msp["tenants"])
        with open(str(out / "posture.json")) as handle:
            report = json.load(handle)
        assert report["tenants"] == tenants and report["gateways"] == sorted(msp["gateways"])
        assert "secret_reused" not in [f["code"] for f in report["findings"]]
        for tenant in tenants:
            with open(str(out / "tenants" / ("%s.json" % tenant))) as handle:
                own = json.load(handle)
            assert own["tenants"] == [tenant] and own["findings"]
            for finding in own["findings"]:
                assert tenant in finding["tenants"]
                if finding["code"] == "drift_gateway_object_missing" and finding["evidence"].get("kind") == "smtp_route":
                    assert finding["tenants"] == [tenant]
                    # the MSP lab's domains are d<j>.t<NN>.example.test
                    assert ".%s." % tenant.replace("tenant", "t") in finding["evidence"]["declared"] + ".", finding
            assert os.path.exists(str(out / "tenants" / ("%s.html" % tenant)))
        with open(str(out / "posture.html")) as handle:
            html = handle.read()
        for tenant in tenants:
            assert 'id="tenant-%s"' % tenant in html
    finally:
        subprocess.run(cmd + ["down", "--state-dir", root], cwd=ROOT, check=False, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
