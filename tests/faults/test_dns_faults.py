# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS faults against the lab's real BIND: a server that is down (stopped, or a closed port), updates the server
refuses (a wrong TSIG key, a zone it does not serve, a static zone, the secondary) and a secondary that lags
(``python -m lab dns hold``). Every failure names the server and the reason, is never a crash, and writes
nothing; after the fault a re-run converges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import socket

import labkit  # pylint: disable=import-error

RECORD = dict(zone="example.test", type="A", values=["192.0.2.55"], ttl=300)


def record_task(label, **options):
    # each task its own name: the zone is reset only where a test needs serial 1
    args = dict(RECORD, name="%s.example.test" % label.lower().replace(" ", "-"), query_timeout=2)
    args.update(options)
    return {"name": label, "mailops.secure_email.dns_record": args, "ignore_errors": True}


def wait_task(label, name, **options):
    args = dict(zone="example.test", records=[dict(name=name, type="A", values=RECORD["values"])],
                timeout=4, sleep=0.5, query_timeout=1)
    args.update(options)
    return {"name": label, "mailops.secure_email.dns_wait": args, "ignore_errors": True}


def play(*tasks):
    return [labkit.tenant_play("DNS faults", list(tasks))]


def closed_port():
    """A TCP and UDP port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dns_settings(lab):
    return labkit.read_json(os.path.join(lab.state_dir, "dns", "settings.json"))


def assert_refused(record, *fragments):
    assert record["status"] == "failed", record
    text = labkit.failure_text(record)
    assert not [m for m in labkit.CRASH_MARKERS if m in text], text
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return text


def assert_nothing_written(run):
    before, after = run.mark("start"), run.end()
    assert not labkit.written(before, after), labkit.describe_writes(before, after)


def test_server_down_closed_port_tcp_and_udp(lab, runner):
    port = closed_port()
    run = runner.run(play(labkit.mark("start"), record_task("TCP", port=port),
                          record_task("UDP", port=port, protocol="udp", query_timeout=1),
                          wait_task("Wait", "tcp.example.test", nameservers=["127.0.0.1:%d" % port], timeout=3)))
    assert_refused(run.task("TCP"), "127.0.0.1", str(port))
    assert_refused(run.task("UDP"), "127.0.0.1", str(port))
    assert_refused(run.task("Wait"), "127.0.0.1")
    assert_nothing_written(run)


def test_named_stopped_then_started_again(lab, runner):
    lab.dns("reset")
    port = lab.vars()["dns"]["port"]
    lab.dns("down")
    try:
        run = runner.run(play(labkit.mark("start"), record_task("Down", name="restart.example.test")))
    finally:
        lab.dns("up", "--dns-port", str(port))
    assert_refused(run.task("Down"), "127.0.0.1", str(port))
    again = runner.run(play(labkit.mark("start"), record_task("Up", name="restart.example.test")))
    assert again.task("Up")["result"]["changed"] is True, again.output[-3000:]
    assert again.end()["dns_serial"] == again.mark("start")["dns_serial"] + 1


def test_wrong_tsig_key_is_refused(lab, runner):
    wrong = base64.b64encode(b"not the lab key, 32 bytes long!!").decode()
    run = runner.run(play(labkit.mark("start"), record_task("Wrong secret", key_secret=wrong),
                          record_task("Unknown key", key_name="no-such-key")))
    assert_refused(run.task("Wrong secret"), "BADSIG")
    assert_refused(run.task("Unknown key"), "BADKEY")
    assert_nothing_written(run)


def test_updates_the_server_refuses(lab, runner):
    secondary = dns_settings(lab)["secondary_port"]
    run = runner.run(play(
        labkit.mark("start"),
        record_task("Zone not served", zone="other.test", name="refused.other.test"),
        record_task("Static zone", zone="hc4321-12.iphmx.com", name="refused.hc4321-12.iphmx.com"),
        record_task("Secondary", port=secondary),
    ))
    for label in ("Zone not served", "Static zone", "Secondary"):
        text = assert_refused(run.task(label), "127.0.0.1")
        assert any(code in text for code in ("REFUSED", "NOTAUTH", "NOTIMP")), (label, text)
    assert_nothing_written(run)


def test_a_lagging_secondary_fails_the_wait_until_released(lab, runner):
    lab.dns("reset")
    lab.dns("hold")
    try:
        run = runner.run(play(record_task("Held"), wait_task("Wait while held", "held.example.test")))
    finally:
        lab.dns("release")
    assert run.task("Held")["result"]["changed"] is True, run.output[-3000:]
    text = assert_refused(run.task("Wait while held"), "held.example.test")
    assert "ns2" in text or "::1" in text or str(dns_settings(lab)["secondary_port"]) in text, text
    again = runner.run(play(wait_task("Wait after release", "held.example.test", timeout=20)))
    assert again.task("Wait after release")["status"] == "ok", again.output[-3000:]
