# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner on a clustered lab (Centralized Management): cluster_mode, inherited tables, create_override."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.lab.esa.engine import ClusterSpec
from ansible_collections.mailops.secure_email.plugins.modules import esa_commit as COMMIT
from ansible_collections.mailops.secure_email.plugins.modules import esa_destination_controls as DC
from ansible_collections.mailops.secure_email.plugins.modules import esa_recipient_access as RAT
from ansible_collections.mailops.secure_email.plugins.modules import esa_sender_groups as SG
from ansible_collections.mailops.secure_email.plugins.modules import esa_smtp_routes as ROUTES
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_runner_support import (
    delta, pending_records, route, snapshot)

MACHINE = "machine:esa1.lab"
NEW_ROUTE = ["smtproutes", "NEW", "example.com", "a.example.net", "N", "<Enter>"]


def cluster_lab(monkeypatch, cluster_routes=()):
    """A two-machine cluster; ``cluster_routes`` committed at the cluster level; then a new login."""
    lab = Lab(cluster=ClusterSpec("ESA-CL", {"Main_Group": ["esa1.lab", "esa2.lab"]}))
    assert lab.session.prompt == "(Cluster ESA-CL)> "
    if cluster_routes:
        result = lab.run(monkeypatch, ROUTES, cluster_mode="cluster", config=list(cluster_routes))
        assert result["committed"], result
        lab.login()
    return lab


def domains(layer):
    return [r["domain"] for r in (layer or {}).get("smtp_routes") or []]


def listener(layer, name):
    return next(item for item in layer["listeners"] if item["name"] == name)


def test_inherited_table_fails_before_writing_and_names_create_override(monkeypatch):
    lab = cluster_lab(monkeypatch, [route("cluster.example", "c.example.net")])
    before = snapshot(lab)
    result = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, config=[route("example.com", "a.example.net")])
    assert result["failed"] is True
    assert result["msg"] == (
        "SMTP routes are not configured at Machine esa1.lab; they are inherited from Cluster ESA-CL. Set cluster_mode "
        "to edit them there, or create_override=true to create an override at Machine esa1.lab (a copy of the "
        "inherited settings, then the change). Nothing was written.")
    assert result["inherited_from"] == "Cluster ESA-CL"
    assert result["commands"] == NEW_ROUTE                # what would have been typed
    assert [r["domain"] for r in result["before"]] == ["cluster.example"]
    change = delta(lab, before)
    assert (change["writes"], change["commits"], change["clears"]) == (0, 0, 0)
    assert "smtp_routes" not in lab.app.committed_layers["machine:esa1.lab"]


def test_create_override_copies_the_inherited_table_then_changes_it(monkeypatch):
    lab = cluster_lab(monkeypatch, [route("cluster.example", "c.example.net")])
    before = snapshot(lab)
    result = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, create_override=True,
                     config=[route("example.com", "a.example.net")])
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["committed"] and result["verified"] == ["smtp_routes"]
    assert result["inherited_from"] == "Cluster ESA-CL"
    assert result["commands"] == NEW_ROUTE
    assert delta(lab, before)["commits"] == 1
    layers = lab.app.committed_layers
    assert domains(layers["machine:esa1.lab"]) == ["cluster.example", "example.com"]
    assert domains(layers["cluster"]) == ["cluster.example"]
    assert lab.session.prompt == "(Machine esa1.lab)> "
    # the machine has its own table now: no longer inherited, and the same task is idempotent
    lab.login()
    gathered = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, state="gathered")
    assert gathered["inherited_from"] is None
    assert [r["domain"] for r in gathered["gathered"]] == ["cluster.example", "example.com"]
    again = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, config=[route("example.com", "a.example.net")])
    assert again["changed"] is False and not again.get("failed")


def test_after_a_committed_override_the_same_login_changes_it_without_create_override(monkeypatch):
    lab = cluster_lab(monkeypatch)
    first = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, create_override=True,
                    config=[route("example.com", "a.example.net")])
    assert first["committed"]
    second = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, config=[route("example.org", "b.example.net")])
    assert not second.get("failed"), second.get("msg")
    assert second["inherited_from"] is None
    assert domains(lab.app.committed_layers["machine:esa1.lab"]) == ["example.com", "example.org"]
    assert domains(lab.app.committed_layers["cluster"]) == []


def test_check_mode_with_create_override_writes_nothing(monkeypatch):
    lab = cluster_lab(monkeypatch)
    before = snapshot(lab)
    result = lab.run(monkeypatch, ROUTES, check_mode=True, cluster_mode=MACHINE, create_override=True,
                     config=[route("example.com", "a.example.net")])
    assert result["changed"] is True and result["commands"] == NEW_ROUTE
    assert result["inherited_from"] == "Cluster ESA-CL"
    change = delta(lab, before)
    assert (change["writes"], change["commits"]) == (0, 0)
    assert "smtp_routes" not in lab.app.committed_layers["machine:esa1.lab"]


def test_gathered_at_a_lower_level_reports_where_the_table_lives(monkeypatch):
    lab = cluster_lab(monkeypatch, [route("cluster.example", "c.example.net")])
    before = snapshot(lab)
    result = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, state="gathered")
    assert result["inherited_from"] == "Cluster ESA-CL"
    assert [r["domain"] for r in result["gathered"]] == ["cluster.example"]
    assert delta(lab, before)["writes"] == 0 and delta(lab, before)["reads"] == {"smtproutes": 1}


def test_cluster_mode_cluster_writes_the_cluster_level(monkeypatch):
    lab = cluster_lab(monkeypatch)
    lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, state="gathered")          # leave the session elsewhere
    result = lab.run(monkeypatch, DC, cluster_mode="cluster", config=[dict(domain="example.com", tls="on")])
    assert not result.get("failed"), result.get("msg")
    assert result["inherited_from"] is None and result["verified"] == ["destination_controls"]
    assert lab.session.prompt == "(Cluster ESA-CL)> "
    layers = lab.app.committed_layers
    assert sorted(e["domain"] for e in layers["cluster"]["destination_controls"]) == ["DEFAULT", "example.com"]
    assert "destination_controls" not in layers["machine:esa1.lab"]


def test_group_mode_names_the_group_and_the_level_it_inherits_from(monkeypatch):
    lab = cluster_lab(monkeypatch)
    result = lab.run(monkeypatch, ROUTES, cluster_mode="group:Main_Group", config=[route("example.com", "a.example.net")])
    assert result["failed"]
    assert result["msg"].startswith("SMTP routes are not configured at Group Main_Group; they are inherited from "
                                    "Cluster ESA-CL.")
    assert "create_override=true" in result["msg"]
    assert lab.counters()["writes"] == 0


def test_recipient_access_override_at_machine_level(monkeypatch):
    lab = cluster_lab(monkeypatch)
    result = lab.run(monkeypatch, RAT, cluster_mode=MACHINE, create_override=True, listener="IncomingMail",
                     config=[dict(address="example.com", action="accept")])
    assert not result.get("failed"), result.get("msg")
    assert result["verified"] == ["rat/IncomingMail"]
    layers = lab.app.committed_layers
    assert [e["address"] for e in listener(layers["machine:esa1.lab"], "IncomingMail")["rat"]] == ["example.com", "ALL"]
    assert [e["address"] for e in listener(layers["cluster"], "IncomingMail")["rat"]] == ["ALL"]


# -- found while writing these tests -------------------------------------------------------------------------


def test_machine_mode_sender_group_never_lands_on_the_cluster_level(monkeypatch):
    lab = cluster_lab(monkeypatch)
    result = lab.run(monkeypatch, SG, cluster_mode=MACHINE, listener="IncomingMail",
                     config=[dict(name="PARTNERS", members=["192.0.2.1"], policy="TRUSTED")])
    cluster_groups = [g["name"] for g in listener(lab.app.committed_layers["cluster"], "IncomingMail")["hat"]["sender_groups"]]
    assert "PARTNERS" not in cluster_groups, "a machine-mode task changed the cluster level"
    assert result["failed"] and "create_override" in result["msg"]


def test_inherited_listener_tables_are_refused_before_writing(monkeypatch):
    lab = cluster_lab(monkeypatch)
    earlier = lab.run(monkeypatch, ROUTES, cluster_mode="cluster", commit=False,
                      config=[route("example.com", "a.example.net")])
    assert earlier["changed"] and lab.session.has_pending
    before = snapshot(lab)
    result = lab.run(monkeypatch, RAT, cluster_mode=MACHINE, listener="IncomingMail",
                     config=[dict(address="example.com", action="accept")])
    assert result["failed"]
    assert delta(lab, before)["clears"] == 0 and lab.session.has_pending, "the earlier task's change was cleared"
    assert result["inherited_from"] == "Cluster ESA-CL"
    assert "Nothing was written" in result["msg"]


def test_pending_override_is_not_inherited_any_more_in_the_same_login(monkeypatch):
    lab = cluster_lab(monkeypatch)
    first = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, create_override=True, commit=False,
                    config=[route("example.com", "a.example.net")])
    assert first["changed"] and first["inherited_from"] == "Cluster ESA-CL"
    second = lab.run(monkeypatch, ROUTES, cluster_mode=MACHINE, commit=False,
                     config=[route("example.org", "b.example.net")])
    assert not second.get("failed"), second.get("msg")
    assert second["inherited_from"] is None


def test_esa_commit_reads_back_the_documents_of_every_level(monkeypatch):
    lab = cluster_lab(monkeypatch)
    routes = lab.run(monkeypatch, ROUTES, cluster_mode="cluster", commit=False,
                     config=[route("example.com", "a.example.net")])
    assert routes["changed"] and not routes.get("failed")
    controls = lab.run(monkeypatch, DC, cluster_mode=MACHINE, create_override=True, commit=False,
                       config=[dict(domain="example.com", concurrency_limit=10)])
    assert controls["changed"] and not controls.get("failed"), controls.get("msg")
    result = lab.run(monkeypatch, COMMIT, pending=pending_records(controls))
    assert result["committed"] is True
    assert domains(lab.app.committed_layers["cluster"]) == ["example.com"]        # both were committed ...
    assert result["verified"] == ["destination_controls", "smtp_routes"]          # ... so both must be read back
