# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 15: a secret-header filter on the appliance, and tasks that do NOT pass ``secrets`` (docs/secrets.md).

The lab appliance holds the outbound filter of guide step S12 with its secret. Every result below comes from a task
without ``secrets``: the value tested for X-OUTBOUND-AUTH (or a header of ``secret_headers``) must appear nowhere in
it. The harness bypasses AnsibleModule's own no_log filtering, so these tests see what the modules mask themselves.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import backup_module, dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import documents
from ansible_collections.mailops.secure_email.plugins.modules import esa_config_backup as BACKUP
from ansible_collections.mailops.secure_email.plugins.modules import esa_info as INFO
from ansible_collections.mailops.secure_email.plugins.modules import esa_message_filters as MF
from ansible_collections.mailops.secure_email.plugins.modules import esa_sender_groups as SG
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_runner_support import delta, snapshot

SECRET = "Rq5Lm8Zt2Vx9Kp4W"
MASK = "********"


def s12(secret=SECRET, header="X-OUTBOUND-AUTH"):
    return ('if (sendergroup == "RELAY_O365") {\n    if header("%s") == "^%s$" {\n        strip-header("%s");\n'
            '    } else {\n        drop();\n    }\n}' % (header, secret, header))


def shown(secret=SECRET, header="X-OUTBOUND-AUTH"):
    """The normal form of ``s12`` as the modules show it (the value masked)."""
    return ('if (sendergroup == "RELAY_O365") { if header("%s") == "%s" { strip-header("%s"); } else { drop(); } }'
            % (header, MASK, header))


OTHER = dict(name="tag_all", body='if (true) { log-entry("seen"); }')


def leaks(result, secret=SECRET):
    """Whether the secret, or either half of it, appears anywhere in the result."""
    text = json.dumps(result)
    half = len(secret) // 2
    return secret in text or secret[:half] in text or secret[half:] in text


def seeded(monkeypatch, secret=SECRET, header="X-OUTBOUND-AUTH"):
    """A lab whose committed configuration holds the S12 filter (written as the outbound role writes it, with
    ``secrets``), and a new login."""
    lab = Lab()
    result = lab.run(monkeypatch, MF, secrets=[secret], config=[dict(name="office365_outbound", body=s12(secret, header))])
    assert result["committed"], result.get("msg")
    lab.login()
    return lab


def stored(lab):
    return dict((f["name"], f["body"]) for f in lab.app.committed["filters"])


def test_gathered_without_secrets_masks_the_value(monkeypatch):
    lab = seeded(monkeypatch)
    result = lab.run(monkeypatch, MF, state="gathered")
    assert result["gathered"] == [dict(name="office365_outbound", body=shown(), active=True)]
    assert not leaks(result)
    assert SECRET in stored(lab)["office365_outbound"], "the appliance keeps the real value"


def test_a_change_with_diff_without_secrets_masks_before_after_diff_and_commands(monkeypatch):
    lab = seeded(monkeypatch)
    for check_mode in (True, False):
        result = lab.run(monkeypatch, MF, check_mode=check_mode, diff=True, config=[OTHER])
        assert result["changed"] is True and not leaks(result), result
        assert result["before"] == [dict(name="office365_outbound", body=shown(), active=True)]
        assert result["diff"]["before"]["office365_outbound"]["body"] == shown()
        assert result["diff"]["after"]["office365_outbound"]["body"] == shown()
        assert result["commands"][:3] == ["filters", "NEW", "tag_all: " + OTHER["body"]]
    assert list(stored(lab)) == ["office365_outbound", "tag_all"]


def test_same_body_without_secrets_is_no_change_and_masked(monkeypatch):
    lab = seeded(monkeypatch)
    before = snapshot(lab)
    result = lab.run(monkeypatch, MF, diff=True, config=[dict(name="office365_outbound", body=s12())])
    assert result["changed"] is False and not leaks(result)
    assert result["after"] == [dict(name="office365_outbound", body=shown(), active=True)]
    assert delta(lab, before)["writes"] == 0


def test_a_new_secret_is_a_change_and_neither_value_is_shown(monkeypatch):
    lab = seeded(monkeypatch)
    new = "Nw7Bc3Hj6Ty1Qa8E"
    result = lab.run(monkeypatch, MF, diff=True, config=[dict(name="office365_outbound", body=s12(new))])
    assert result["changed"] is True and result["committed"] is True, result.get("msg")
    assert not leaks(result) and not leaks(result, new)
    assert "office365_outbound: " + shown() in result["commands"]
    assert new in stored(lab)["office365_outbound"], "the comparison and the write use the real value"


def test_deactivating_the_filter_shows_the_body_masked(monkeypatch):
    lab = seeded(monkeypatch)
    result = lab.run(monkeypatch, MF, diff=True, config=[dict(name="office365_outbound", active=False)])
    assert result["changed"] and not leaks(result)
    assert result["diff"]["after"]["office365_outbound"] == dict(body=shown(), active=False)


def test_refusal_by_the_relay_guard_without_secrets_masks_the_failure(monkeypatch):
    lab = seeded(monkeypatch)
    group = lab.run(monkeypatch, SG, listener="OutgoingMail",
                    config=[dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED")])
    assert group["committed"], group.get("msg")
    before = snapshot(lab)
    result = lab.run(monkeypatch, MF, diff=True, state="deleted", config=[dict(name="office365_outbound")])
    assert result["failed"] and "refused, nothing was written" in result["msg"]
    assert result["before"] == [dict(name="office365_outbound", body=shown(), active=True)]
    assert not leaks(result)
    assert delta(lab, before)["writes"] == 0


def test_refused_write_masks_the_transcript_without_secrets(monkeypatch):
    """Another session adds the filter after this login read the list; the appliance refuses the NEW, and the
    transcript (the typed body) is masked although the task had no ``secrets``."""
    lab = Lab()
    lab.run(monkeypatch, MF, config=[], state="gathered")
    other = lab.app.open_session(user="admin")
    other.start()
    dlg.run_dialogue(other.send_line, "filters", [
        dlg.Rule(r"Choose the operation", ["NEW", ""], menu=True),
        dlg.Rule(r"Enter filter script", ["office365_outbound: " + " ".join(s12().split()), "."], block=True)])
    dlg.run_dialogue(other.send_line, "commit", [dlg.Rule(r"comments", "other"), dlg.Rule(r"rollback", "Y", optional=True)])
    result = lab.run(monkeypatch, MF, config=[dict(name="office365_outbound", body=s12())])
    assert result["failed"] and "Duplicate filter name" in result["msg"]
    assert "office365_outbound: " + shown() in [step["answer"] for step in result["transcript"]]
    assert not leaks(result)


def test_secret_headers_masks_a_header_of_your_own(monkeypatch):
    lab = seeded(monkeypatch, header="X-Tenant-Key")
    plain = lab.run(monkeypatch, MF, state="gathered")
    assert leaks(plain), "X-Tenant-Key is not a secret header unless it is listed"
    result = lab.run(monkeypatch, MF, state="gathered", secret_headers=["x-tenant-key"])
    assert result["gathered"][0]["body"] == shown(header="X-Tenant-Key") and not leaks(result)


def test_parsed_and_rendered_without_secrets(monkeypatch):
    lab = Lab()
    listing = ("Num Active Valid Name\n=== ====== ===== ====\n  1 Y      Y     office365_outbound\n"
               "office365_outbound: %s\n" % " ".join(s12().split()))
    parsed = lab.run(monkeypatch, MF, state="parsed", running_config=listing)
    assert parsed["parsed"] == [dict(name="office365_outbound", body=shown(), active=True)] and not leaks(parsed)
    rendered = lab.run(monkeypatch, MF, state="rendered", config=[dict(name="office365_outbound", body=s12())])
    assert rendered["rendered"][2] == "office365_outbound: " + shown() and not leaks(rendered)


def test_a_header_name_with_a_space_is_refused_before_anything_is_read(monkeypatch):
    lab = Lab()
    before = snapshot(lab)
    body = s12().replace('strip-header("X-OUTBOUND-AUTH")', 'strip-header("X OUTBOUND AUTH")')
    result = lab.run(monkeypatch, MF, config=[dict(name="office365_outbound", body=body)])
    assert result["failed"] and not leaks(result)
    assert result["msg"].startswith("config[0].body: the header name 'X OUTBOUND AUTH' of strip-header() (line 3, ")
    assert "RFC 5322" in result["msg"]
    changed = delta(lab, before)
    assert changed["writes"] == 0 and changed["lines_received"] == 0 and changed["reads"] == {}


def test_secret_headers_must_be_header_names(monkeypatch):
    lab = Lab()
    before = snapshot(lab)
    result = lab.run(monkeypatch, MF, state="gathered", secret_headers=["X Tenant Key"])
    assert result["failed"] and result["msg"].startswith("Message filters: secret_headers[0]: 'X Tenant Key' is not a "
                                                         "header name: it contains a space")
    assert delta(lab, before)["lines_received"] == 0


# -- esa_info and esa_config_backup: bodies are never in their results; errors quoting the appliance are masked ---


def test_esa_info_returns_no_bodies_and_masks_an_error_quoting_a_filter(monkeypatch):
    lab = seeded(monkeypatch)
    info = lab.run(monkeypatch, INFO, gather=["all"])
    assert info["esa"]["message_filters"] == [dict(name="office365_outbound", active=True)] and not leaks(info)

    def fail(self, name):
        raise dlg.DialogueError("unexpected question: office365_outbound: %s\n[]>" % " ".join(s12().split()))

    monkeypatch.setattr(documents.Reader, "get", fail)
    failed = lab.run(monkeypatch, INFO, gather=["message_filters"])
    assert failed["failed"] and shown() in failed["msg"] and not leaks(failed)


def test_esa_config_backup_file_is_0600_holds_the_secret_and_the_result_does_not(monkeypatch, tmp_path):
    lab = seeded(monkeypatch)
    dest = tmp_path / "backups"
    result = lab.run(monkeypatch, BACKUP, dest=str(dest))
    assert result["changed"] and not leaks(result)
    assert stat.S_IMODE(os.stat(result["path"]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o700
    with open(result["path"]) as handle:
        assert SECRET in handle.read(), "a backup is the configuration as it is (docs/secrets.md)"

    def fail(client, passphrases):
        raise dlg.DialogueError("no prompt recognised at the end of the output: %r" % ("<filters>%s</filters>" % s12()))

    monkeypatch.setattr(backup_module, "read_xml", fail)
    failed = lab.run(monkeypatch, BACKUP, dest=str(dest))
    assert failed["failed"] and not leaks(failed)
