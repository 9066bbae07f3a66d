# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every fault of the lab Exchange (``python -m lab exo fault ...``) against the Exchange Online modules.

Throttling (429, the concurrency error) and 503 are retried, reads also after 500 and a dropped connection; writes
are never sent twice (the lab's ``writes`` counter and the tenant prove it); a write whose answer was lost (500, a
closed connection) fails, and a re-run converges without a duplicate. Failures name what happened and are never a
crash.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import labkit  # pylint: disable=import-error

NAME = "Fault inbound"


def inbound_task(label="Inbound connector", **options):
    args = dict(name=NAME, sender_domains=["example.org"], sender_ip_addresses=["192.0.2.0/24"],
                retry_max_delay=0.5)
    args.update(options)
    return {"name": label, "mailops.secure_email.exo_inbound_connector": args, "ignore_errors": True}


def play(*tasks):
    return [labkit.tenant_play("Exchange faults", list(tasks))]


def counters(lab):
    return lab.status()["exo"]["counters"]


def connectors(lab, name=NAME):
    return [c for c in lab.exo_tenant().get("inbound_connectors") or [] if c.get("Name") == name]


def assert_clean_failure(record, *fragments):
    assert record["status"] == "failed", record
    text = labkit.failure_text(record)
    assert not [m for m in labkit.CRASH_MARKERS if m in text], text
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return text


def test_429_with_retry_after_is_retried_and_writes_once(lab, runner):
    lab.exo("fault", "--http-429", "3", "--retry-after", "1")
    run = runner.run(play(inbound_task()))
    assert run.task("Inbound connector")["result"]["changed"] is True, run.output[-3000:]
    numbers = counters(lab)
    assert numbers["faults_served"] == 3
    assert numbers["writes"] == 1
    assert len(connectors(lab)) == 1


def test_503_with_an_html_body_is_retried_and_writes_once(lab, runner):
    lab.exo("fault", "--http-503", "2")
    run = runner.run(play(inbound_task()))
    assert run.task("Inbound connector")["status"] == "ok", run.output[-3000:]
    assert counters(lab)["writes"] == 1 and counters(lab)["faults_served"] == 2
    assert len(connectors(lab)) == 1


def test_concurrency_limit_is_retried_and_writes_once(lab, runner):
    lab.exo("fault", "--concurrency", "2")
    run = runner.run(play(inbound_task()))
    assert run.task("Inbound connector")["status"] == "ok", run.output[-3000:]
    assert counters(lab)["writes"] == 1 and len(connectors(lab)) == 1


def test_500_on_a_read_is_retried(lab, runner):
    lab.exo("fault", "--http-500", "1")  # the first call is the Get-InboundConnector before the write
    run = runner.run(play(inbound_task()))
    assert run.task("Inbound connector")["status"] == "ok", run.output[-3000:]
    assert counters(lab)["writes"] == 1 and len(connectors(lab)) == 1


def test_500_on_a_write_is_not_retried_and_a_rerun_converges(lab, runner):
    lab.exo("fault", "--write-http-500", "1")
    run = runner.run(play(inbound_task("Faulted"), labkit.mark("rerun"), inbound_task("Again")))
    assert_clean_failure(run.task("Faulted"), "New-InboundConnector")
    assert run.mark("rerun")["exo_writes"] == 0, "a write answered with 500 was sent again"
    assert run.task("Again")["result"]["changed"] is True
    assert counters(lab)["writes"] == 1 and len(connectors(lab)) == 1


def test_throttling_beyond_max_retries_fails_without_writing(lab, runner):
    lab.exo("fault", "--http-429", "5", "--retry-after", "1")
    run = runner.run(play(inbound_task(max_retries=2)))
    assert_clean_failure(run.task("Inbound connector"), "Get-InboundConnector")
    assert counters(lab)["writes"] == 0 and not connectors(lab)


def test_403_with_a_nul_body_is_a_clear_error(lab, runner):
    lab.exo("fault", "--http-403-nul", "1")
    run = runner.run(play(inbound_task()))
    text = assert_clean_failure(run.task("Inbound connector"), "403")
    assert "\x00" not in text, "the NUL body is shown as is"
    assert counters(lab)["writes"] == 0 and not connectors(lab)


def test_latency_beyond_the_timeout_fails_without_writing(lab, runner):
    lab.exo("fault", "--latency", "3")
    run = runner.run(play(inbound_task(timeout=1, max_retries=1)))
    text = assert_clean_failure(run.task("Inbound connector"), "Get-InboundConnector")
    assert "timed out" in text.lower() or "timeout" in text.lower(), text
    lab.exo("fault", "--clear")
    assert counters(lab)["writes"] == 0 and not connectors(lab)


def test_latency_within_the_timeout_is_only_slow(lab, runner):
    lab.exo("fault", "--latency", "0.5")
    run = runner.run(play(inbound_task(timeout=10)))
    assert run.task("Inbound connector")["result"]["changed"] is True, run.output[-3000:]
    assert counters(lab)["writes"] == 1


def test_a_body_that_is_not_json_is_a_clear_error(lab, runner):
    lab.exo("fault", "--bad-body", "1")
    run = runner.run(play(inbound_task()))
    assert_clean_failure(run.task("Inbound connector"), "Get-InboundConnector", "JSON")
    assert counters(lab)["writes"] == 0 and not connectors(lab)


def test_a_dropped_connection_on_a_read_is_retried(lab, runner):
    lab.exo("fault", "--drop", "1")
    run = runner.run(play(inbound_task()))
    assert run.task("Inbound connector")["result"]["changed"] is True, run.output[-3000:]
    assert counters(lab)["writes"] == 1 and len(connectors(lab)) == 1


def test_a_write_whose_answer_is_lost_is_not_sent_twice_and_a_rerun_converges(lab, runner):
    lab.exo("fault", "--lost-answer", "1")
    run = runner.run(play(inbound_task("Faulted"), labkit.mark("rerun"), inbound_task("Again")))
    assert_clean_failure(run.task("Faulted"), "New-InboundConnector")
    assert run.mark("rerun")["exo_writes"] == 1, "the write was applied once (its answer was lost)"
    again = run.task("Again")
    assert again["status"] == "ok" and again["result"]["changed"] is False, again
    assert counters(lab)["writes"] == 1, "the re-run wrote again"
    assert len(connectors(lab)) == 1


def test_throttled_transport_rule_is_created_once(lab, runner):
    lab.exo("fault", "--http-429", "2", "--http-503", "1")
    rule = {"name": "Rule", "mailops.secure_email.exo_transport_rule": dict(
        name="Fault rule", sender_ip_ranges=["192.0.2.7"], set_scl=-1, retry_max_delay=0.5), "ignore_errors": True}
    run = runner.run(play(rule))
    assert run.task("Rule")["result"]["changed"] is True, run.output[-3000:]
    rules = [r for r in lab.exo_tenant().get("transport_rules") or [] if r.get("Name") == "Fault rule"]
    assert len(rules) == 1 and counters(lab)["writes"] == 1
