"""`make demo`: the whole guide rehearsed against the lab, end to end.

1. lab up (simulated ESA over SSH, simulated Exchange Online over HTTPS, two real BIND servers)
2. plan      playbooks/site.yml --check --diff        must write nothing anywhere
3. converge  playbooks/site.yml --diff                inbound, outbound, MX cutover
   mail flow playbooks/mail_flow.yml                  inbound, outbound and bypass probes, hop by hop (S7, S13)
4. audit     playbooks/audit.yml                      both sides and DNS, read only
5. re-run    playbooks/site.yml                       must report changed=0 and write nothing
6. rollback  playbooks/rollback.yml                   the recorded MX set comes back (with its TTL), checked by an audit
7. remove    playbooks/remove.yml                     what the roles created is gone, checked by an audit
8. one step  playbooks/inbound.yml --tags S5          only the SMTP routes come back, in one commit
9. converge  playbooks/site.yml                       everything back, then the posture report (no finding at
             playbooks/posture.yml                    warning or above; the report's path is printed)
10. rotate    playbooks/rotate_secret.yml              the outbound secret rotated with probes, no message dropped
    mail flow playbooks/mail_flow.yml                  the probes pass with the new secret
11. lab down, and a summary table: objects, changes, commits, writes, configuration reads, time per phase.

Every playbook runs with `-i inventories/lab` (the lab's endpoints and credentials come from
<state>/lab_vars.json). Exit status 0 only when every phase passed its check.
Expects .venv, the dependency collections and the scratch tree (make venv-main deps tree).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(ROOT, ".lab", "demo")
LOGS = os.path.join(ROOT, ".build", "logs")
PYTHON = sys.executable


def lab(*args, capture=False):
    command = [PYTHON, "-m", "lab", *args, "--state-dir", STATE]
    if capture:
        return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def counters():
    status = json.loads(lab("status", "--json", capture=True))
    esa = status["esa"]["counters"]
    exo = status["exo"].get("counters") or {}
    dns = status["dns"].get("counters") or {}
    return {
        "logins": esa["logins"], "commits": esa["commits"], "esa_writes": esa["writes"],
        "cli_lines": esa["lines_received"],
        # configuration reads (lab/esa/store.py): total, and the most reads of one command within one login
        # since the last `lab reset --read-max-only` (done before each phase, so: within the phase)
        "config_reads": sum((esa.get("config_reads") or {}).values()),
        "max_reads": max((esa.get("config_reads_max_per_login") or {}).values(), default=0),
        "http": exo.get("http_requests", 0), "exo_writes": exo.get("writes", 0),
        "dns_queries": sum(server.get("queries", 0) for server in dns.values()),
        "dns_updates": sum(server.get("updates", 0) for server in dns.values()),
    }


def recap(text):
    totals = {"changed": 0, "failed": 0, "unreachable": 0}
    found = False
    start = text.rfind("PLAY RECAP")
    for line in (text[start:] if start >= 0 else "").split("\n"):
        if not re.match(r"^\S+\s+: ok=", line):
            continue
        found = True
        for key in totals:
            match = re.search(r"\b%s=(\d+)" % key, line)
            totals[key] += int(match.group(1)) if match else 0
    return totals if found else None


def playbook(name, playbook_file, *args):
    log = os.path.join(LOGS, "demo-%s.log" % name)
    command = ["ansible-playbook", "-i", "inventories/lab", playbook_file, *args]
    print("\n== demo: %s: %s" % (name, " ".join(command)), flush=True)
    lab("reset", "--read-max-only", capture=True)  # config_reads_max_per_login: from here, this phase only
    before = counters()
    start = time.monotonic()
    output = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            output.append(line)
    seconds = time.monotonic() - start
    with open(log, "w", encoding="utf-8") as handle:
        handle.writelines(output)
    after = counters()
    delta = {key: after[key] - before[key] for key in after}
    delta["max_reads"] = after["max_reads"]  # a maximum, not a sum: zeroed before the phase
    result = recap("".join(output)) or {"changed": None, "failed": None, "unreachable": None}
    return dict(name=name, rc=proc.returncode, seconds=seconds, log=log, **result, **delta)


def objects():
    """What the collection manages after the converge, read from the lab's own state."""
    esa = json.loads(lab("config", capture=True))["esa"]
    exo = json.loads(lab("exo", "config", capture=True))["exo"]
    outgoing = [listener for listener in esa["listeners"] if listener["type"] == "private"]
    return {
        "ESA SMTP routes": len(esa["smtp_routes"]),
        "ESA destination controls (besides the default)": len(
            [d for d in esa["destination_controls"] if (d.get("domain") or "").lower() != "default"]),
        "ESA RAT entries": sum(len(listener.get("rat") or []) for listener in esa["listeners"]),
        "ESA message filters": len(esa["filters"]),
        "ESA sender groups on the outgoing listener": sum(len((listener.get("hat") or {}).get("sender_groups") or [])
                                                          for listener in outgoing),
        "Exchange inbound connectors": len(exo.get("inbound_connectors") or []),
        "Exchange outbound connectors": len(exo.get("outbound_connectors") or []),
        "Exchange transport rules": len(exo.get("transport_rules") or []),
    }


def mail_counters():
    """The lab gateway's mail counters (lab/esa/mailflow.py: messages, delivered, dropped, ...)."""
    try:
        with open(os.path.join(STATE, "esa_mail_counters.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def probe_hops(log):
    """{probe: "passed; hop status seconds; ..."} from the "Hops of each probe" lines of playbooks/mail_flow.yml."""
    found = {}
    with open(log, encoding="utf-8") as handle:
        for line in handle:
            match = re.search(r'"msg": "(inbound|outbound|bypass): (.*)"', line)
            if match:
                found[match.group(1)] = match.group(2)
    return found


def summary_table(phases):
    """The summary table (Markdown-style rows), one row per phase."""
    header = ("phase", "changed", "ESA logins", "CLI lines", "ESA writes", "commits", "config reads",
              "max reads/login", "HTTP calls", "EXO writes", "DNS queries", "DNS updates", "time")
    rows = [(p["name"], str(p["changed"]), str(p["logins"]), str(p["cli_lines"]), str(p["esa_writes"]),
             str(p["commits"]), str(p["config_reads"]), str(p["max_reads"]), str(p["http"]), str(p["exo_writes"]),
             str(p["dns_queries"]), str(p["dns_updates"]), "%.0f s" % p["seconds"]) for p in phases]
    lines = []
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths)] + rows:
        lines.append("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")
    return lines


def main():
    os.makedirs(LOGS, exist_ok=True)
    os.environ["LAB_STATE_DIR"] = STATE
    os.environ.setdefault("ANSIBLE_FORCE_COLOR", "0")
    lab("down")  # a leftover from an interrupted run
    shutil.rmtree(STATE, ignore_errors=True)  # the plan starts from a factory appliance, tenant and zone
    failures, phases, inventory, hops = [], [], {}, {}
    posture_report = None
    total = time.monotonic()
    try:
        print("== demo: starting the lab (state dir %s)" % os.path.relpath(STATE, ROOT), flush=True)
        if lab("up", "--esa-port", "0", "--dns-port", "0") != 0:
            print("demo: the lab did not start", file=sys.stderr)
            return 1
        if not (json.load(open(os.path.join(STATE, "lab_vars.json"), encoding="utf-8")).get("dns")):
            print("demo: the lab's DNS (BIND) is not running; install bind9 (make bind)", file=sys.stderr)
            return 1

        def check(phase, condition, message):
            if not condition:
                failures.append("%s: %s" % (phase["name"], message))

        plan = playbook("plan", "playbooks/site.yml", "--check", "--diff")
        phases.append(plan)
        check(plan, plan["rc"] == 0 and plan["failed"] == 0, "the check-mode run failed (rc %s)" % plan["rc"])
        writes = ("esa_writes", "commits", "exo_writes", "dns_updates")
        check(plan, sum(plan[k] for k in writes) == 0,
              "check mode wrote something: %s" % {k: plan[k] for k in writes})

        converge = playbook("converge", "playbooks/site.yml", "--diff")
        phases.append(converge)
        check(converge, converge["rc"] == 0 and converge["failed"] == 0, "the converge failed (rc %s)" % converge["rc"])
        check(converge, converge["commits"] <= 2, "%d commits (at most one per role run: inbound, outbound)"
              % converge["commits"])
        inventory = objects() if converge["rc"] == 0 else {}

        flow = playbook("mail flow (S7, S13)", "playbooks/mail_flow.yml")
        phases.append(flow)
        hops["after the converge"] = probe_hops(flow["log"])
        check(flow, flow["rc"] == 0 and flow["failed"] == 0 and flow["changed"] == 0,
              "a probe failed (rc %s): %s" % (flow["rc"], hops["after the converge"]))
        check(flow, sorted(hops["after the converge"]) == ["bypass", "inbound", "outbound"]
              and all(line.startswith("passed") for line in hops["after the converge"].values()),
              "not every probe passed: %s" % hops["after the converge"])
        check(flow, flow["esa_writes"] + flow["commits"] + flow["exo_writes"] + flow["dns_updates"] == 0,
              "the probes changed configuration")

        audit = playbook("audit", "playbooks/audit.yml")
        phases.append(audit)
        check(audit, audit["rc"] == 0 and audit["changed"] == 0, "the audit failed or changed something")
        audit_text = open(audit["log"], encoding="utf-8").read()
        check(audit, "points to cisco_gateway" in audit_text, "the audit does not show the MX on the gateway")

        rerun = playbook("re-run", "playbooks/site.yml", "--diff")
        phases.append(rerun)
        check(rerun, rerun["rc"] == 0 and rerun["changed"] == 0,
              "the second run reported changed=%s (rc %s)" % (rerun["changed"], rerun["rc"]))
        check(rerun, sum(rerun[k] for k in writes) == 0,
              "the second run wrote something: %s" % {k: rerun[k] for k in writes})

        rollback = playbook("rollback", "playbooks/rollback.yml")
        phases.append(rollback)
        check(rollback, rollback["rc"] == 0 and rollback["failed"] == 0, "the rollback failed")
        after = playbook("audit after rollback", "playbooks/audit.yml")
        phases.append(after)
        check(after, "points to exchange_online" in open(after["log"], encoding="utf-8").read(),
              "after the rollback the MX does not point at Exchange Online")

        remove = playbook("remove", "playbooks/remove.yml", "--diff")
        phases.append(remove)
        check(remove, remove["rc"] == 0 and remove["failed"] == 0, "the removal failed (rc %s)" % remove["rc"])
        check(remove, remove["commits"] <= 1, "%d commits (at most one per appliance)" % remove["commits"])
        removed = objects()
        check(remove, removed["ESA SMTP routes"] == 0 and removed["Exchange inbound connectors"] == 0
              and removed["Exchange outbound connectors"] == 0 and removed["Exchange transport rules"] == 0
              and removed["ESA message filters"] == 0, "objects left after the removal: %s" % removed)
        after = playbook("audit after removal", "playbooks/audit.yml")
        phases.append(after)
        check(after, after["rc"] == 0 and after["changed"] == 0, "the audit after the removal failed")

        # One guide step: S5 (SMTP routes) alone, with the validation, backup and commit it needs.
        step = playbook("one step (--tags S5)", "playbooks/inbound.yml", "--tags", "S5", "--diff")
        phases.append(step)
        stepped = objects()
        check(step, step["rc"] == 0 and step["commits"] == 1 and step["exo_writes"] == 0,
              "the S5 run failed, or committed %s times, or wrote to Exchange" % step["commits"])
        check(step, stepped["ESA SMTP routes"] == 2 and stepped["ESA destination controls (besides the default)"] == 0,
              "--tags S5 did more or less than the two SMTP routes: %s" % stepped)

        again = playbook("converge again", "playbooks/site.yml", "--diff")
        phases.append(again)
        check(again, again["rc"] == 0 and again["failed"] == 0, "the second converge failed (rc %s)" % again["rc"])
        check(again, objects() == inventory, "after the second converge the objects differ from the first: %s"
              % objects())

        report_dir = os.path.join(STATE, "posture")
        posture = playbook("posture", "playbooks/posture.yml", "-e", "posture_output_dir=" + report_dir,
                           "-e", "posture_threshold=warning")
        phases.append(posture)
        check(posture, posture["rc"] == 0 and posture["changed"] == 0,
              "the posture report found something at warning or above, or failed (rc %s)" % posture["rc"])
        report_html = os.path.join(report_dir, "posture.html")
        check(posture, os.path.exists(report_html), "no report at %s" % report_html)
        posture_report = report_html

        # Zero-downtime rotation of the outbound secret (playbooks/rotate_secret.yml), probes at steps 3 and 5; the
        # lab gateway's mail log must show no message dropped meanwhile, and the probes pass afterwards.
        dropped_before = mail_counters().get("dropped", 0)
        rotate = playbook("rotate secret", "playbooks/rotate_secret.yml", "--diff")
        phases.append(rotate)
        check(rotate, rotate["rc"] == 0 and rotate["failed"] == 0, "the rotation failed (rc %s)" % rotate["rc"])
        check(rotate, rotate["commits"] == 2 and rotate["exo_writes"] == 1,
              "%d commits and %d Exchange writes (two commits: widen, narrow; one rule change)"
              % (rotate["commits"], rotate["exo_writes"]))
        flow = playbook("mail flow after rotation", "playbooks/mail_flow.yml")
        phases.append(flow)
        hops["after the rotation"] = probe_hops(flow["log"])
        check(flow, flow["rc"] == 0 and sorted(hops["after the rotation"]) == ["bypass", "inbound", "outbound"]
              and all(line.startswith("passed") for line in hops["after the rotation"].values()),
              "not every probe passed after the rotation: %s" % hops["after the rotation"])
        dropped = mail_counters().get("dropped", 0) - dropped_before
        check(rotate, dropped == 0, "the gateway dropped %d message(s) during the rotation" % dropped)
    finally:
        print("\n== demo: stopping the lab", flush=True)
        lab("down")

    print("\n== demo: objects under management after the converge")
    for name, count in inventory.items():
        print("   %-50s %d" % (name, count))
    print("\n== demo: summary (lab counters per phase)\n")
    for line in summary_table(phases):
        print(line)
    print("\n   config reads: configuration commands run without a change (showconfig, smtproutes, ...);"
          " max reads/login: the most reads of one command within one ESA login")
    if hops:
        print("\n== demo: mail flow probes (playbooks/mail_flow.yml), hop by hop")
        for moment, probes in hops.items():
            print("   %s:" % moment)
            for probe in sorted(probes):
                print("      %-8s %s" % (probe, probes[probe]))
    print("\n   total %.0f s; logs in %s" % (time.monotonic() - total, os.path.relpath(LOGS, ROOT)))
    if posture_report:
        print("\n== demo: the posture report (kept after the lab stops): open %s" % os.path.relpath(posture_report, ROOT))
    if failures:
        print("\n== demo: FAILED")
        for failure in failures:
            print("   " + failure)
        return 1
    print("\n== demo: PASSED: plan wrote nothing; converge, cutover and audit passed; the re-run reported "
          "changed=0 and wrote nothing; the rollback restored the MX; the removal removed what the roles created; "
          "--tags S5 ran that step alone; the posture report is clean; the mail flow probes passed hop by hop, "
          "before and after a rotation of the outbound secret that dropped no message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
