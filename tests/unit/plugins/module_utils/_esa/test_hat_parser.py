# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HAT text parser (hat.parse): every shape of the published samples, wrapped comments, bare entries through
parsed/gathered/the relay guard, and refusals that name the line - never a wrong table, never a traceback.

The example texts follow the shapes of the AsyncOS CLI Reference Guides (hostaccess PRINT, 9.7 p. 3-263; "Importing
the HAT", 7.3 and 8.0.1) with values of their own. The properties render tables with the collection's own renderer
(``hat.render``: the format ``hat.parse`` reads) and cross-check the lab's renderer (``lab/esa/hat.py``: the text the
lab's ``showconfig`` puts in ``<hat>``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailops.secure_email.lab.esa import hat as lab_hat
from ansible_collections.mailops.secure_email.lab.esa import xmlconfig as lab_xml
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import config_xml, hat, listener_documents
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import mail_flow_policies as mfp
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import relay_guard
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.plugins.modules import esa_mail_flow_policies as MFP
from ansible_collections.mailops.secure_email.plugins.modules import esa_sender_groups as SG
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab

PROPERTY = dict(derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))


def row(name, members=(), policy=None, behavior=None, comment=None, bare=False, **extra):
    return dict(dict(name=name, members=list(members), policy=policy, behavior=behavior, comment=comment, bare=bare),
                **extra)


def refused(text, line):
    """The HatError of ``text``; it names ``line``."""
    with pytest.raises(hat.HatError) as info:
        hat.parse(text)
    assert str(info.value).startswith("line %d: " % line), str(info.value)
    return str(info.value)


# -- the published shapes ----------------------------------------------------------------------------------------
# Policies first (a behaviour, or a behaviour and a { } block of overrides), then the sender groups in match order,
# bare host entries with an inline behaviour between them, ALL last; an export file starts with # lines.
EXPORTED = """# File exported by the CLI at 20240102T030405
$OPEN
    ACCEPT
$SLOW
    ACCEPT {
        spam_check = "on"
        max_msgs_per_session = 4
        max_concurrency = 2
        max_rcpts_per_hour = 30
        max_message_size = 2097152
        tls = "off"
    }
$FRIENDLY
    ACCEPT {
        spam_check = "off"
        max_rcpts_per_hour = -1
    }
$REFUSED
    REJECT {}
$PASSTHRU
    RELAY
PARTNERS:
        198.51.100.0/24, .partner.example
        mail.vendor.example
        SBRS[2.0:10.0]
        $FRIENDLY (Our partners, no spam scanning)
bulk.example
    REJECT (refuse the domain "bulk.example")
203.0.113.
    TCPREFUSE (TCPREFUSE the hosts in "203.0.113")
GREYLIST:
        SBRS[-5.0:-1.0]
        $SLOW (Doubtful senders are slowed down)
192.0.2.77
    RELAY (RELAY the address 192.0.2.77)
ALL
    $OPEN (Everyone else)
"""


def test_the_reference_shapes():
    table = hat.parse(EXPORTED)
    assert table["policies"] == [
        dict(name="OPEN", behavior="ACCEPT", parameters={}),
        dict(name="SLOW", behavior="ACCEPT", parameters=dict(spam_check="on", max_msgs_per_session=4, max_concurrency=2,
                                                             max_rcpts_per_hour=30, max_message_size=2097152, tls="off")),
        dict(name="FRIENDLY", behavior="ACCEPT", parameters=dict(spam_check="off", max_rcpts_per_hour=-1)),
        dict(name="REFUSED", behavior="REJECT", parameters={}),
        dict(name="PASSTHRU", behavior="RELAY", parameters={})]
    assert table["sender_groups"] == [
        row("PARTNERS", ["198.51.100.0/24", ".partner.example", "mail.vendor.example", "SBRS[2.0:10.0]"], "FRIENDLY",
            comment="Our partners, no spam scanning"),
        row("bulk.example", ["bulk.example"], behavior="REJECT", comment='refuse the domain "bulk.example"', bare=True),
        row("203.0.113.", ["203.0.113."], behavior="TCPREFUSE", comment='TCPREFUSE the hosts in "203.0.113"', bare=True),
        row("GREYLIST", ["SBRS[-5.0:-1.0]"], "SLOW", comment="Doubtful senders are slowed down"),
        row("192.0.2.77", ["192.0.2.77"], behavior="RELAY", comment="RELAY the address 192.0.2.77", bare=True),
        row("ALL", [], "OPEN", comment="Everyone else")]
    assert hat.parse(hat.render(table)) == table


def test_indentation_inside_blocks_is_free():
    """The transport strips the leading blanks of the first line after a pager stop: block lines may start at the
    margin; the whole text may also be indented (a YAML block)."""
    stripped = "\n".join(line.lstrip() if line.startswith(" ") else line for line in EXPORTED.split("\n"))
    assert hat.parse(stripped) == hat.parse(EXPORTED)
    assert hat.parse("\n".join("    " + line for line in EXPORTED.split("\n"))) == hat.parse(EXPORTED)


# -- wrapped comments (failure class 1) --------------------------------------------------------------------------
# A long comment breaks after a blank, which stays at the end of the line, and goes on in column 1 (7.3 guide,
# "Importing the HAT"). The old parser read such text without error into wrong groups. In the texts below, "~" marks
# the blank kept at the end of a broken line.
WRAPPED = """$KNOWN
    ACCEPT
$NOPE
    REJECT
FRIENDS:
        198.51.100.12
        $KNOWN (Partners we know well get no spam scanning and no rate~
limits)
SPAMMERS:
        .junk.example
        $NOPE (Rejected outright)
LATE:
        192.0.2.200
        $NOPE (Another long comment that the page breaks before the~
entry that follows)
ALL
    $KNOWN (Everyone else)
""".replace("~\n", " \n")


def test_a_wrapped_group_comment_is_joined():
    assert hat.parse(WRAPPED)["sender_groups"] == [
        row("FRIENDS", ["198.51.100.12"], "KNOWN", comment="Partners we know well get no spam scanning and no rate limits"),
        row("SPAMMERS", [".junk.example"], "NOPE", comment="Rejected outright"),
        row("LATE", ["192.0.2.200"], "NOPE", comment="Another long comment that the page breaks before the entry that follows"),
        row("ALL", [], "KNOWN", comment="Everyone else")]


@pytest.mark.parametrize("lines, comment", [
    (["        $KNOWN ", "(Partners we know well)"], "Partners we know well"),                  # before the comment
    (["        $KNOWN (as in (RFC 5321) ", "and its errata)"], "as in (RFC 5321) and its errata"),  # after an inner )
    (["        $KNOWN (one two ", "three four ", "five six)"], "one two three four five six"),     # three pieces
    (["        $KNOWN (a terminal breaks mid-wo", "rd)"], "a terminal breaks mid-word"),          # no blank at the break
], ids=["before-comment", "inner-paren", "three-pieces", "mid-word"])
def test_wrap_shapes(lines, comment):
    text = "$KNOWN\n    ACCEPT\nFRIENDS:\n        198.51.100.12\n%s\nALL\n    $KNOWN (Everyone else)\n" % "\n".join(lines)
    assert hat.parse(text)["sender_groups"][0] == row("FRIENDS", ["198.51.100.12"], "KNOWN", comment=comment)


@pytest.mark.parametrize("text, line", [
    # the comment never closes before the next entry
    ("$KNOWN\n    ACCEPT\nFRIENDS:\n        10.1.1.1\n        $KNOWN (no end\nALL\n    $KNOWN (Everyone else)\n", 5),
    # a continuation must start in column 1: an indented line is a new line of the table
    ("$KNOWN\n    ACCEPT\nFRIENDS:\n        $KNOWN (broken \n        here)\nALL\n    $KNOWN (Everyone else)\n", 4),
    # the last comment of the text is cut
    ("$KNOWN\n    ACCEPT\nALL\n    $KNOWN (Everyone el", 4),
])
def test_an_unclosed_comment_is_refused(text, line):
    assert "is not closed" in refused(text, line)


# -- bare entries (failure class 2) ------------------------------------------------------------------------------
BARE = """$PASSTHRU
    RELAY
$NOPE
    REJECT
SCANNERS:
        10.20.0.0/24
        $PASSTHRU (The scanners of the second floor, which relay through the~
gateway)
10.20.1.9
    RELAY (the copier)
10.20.1.10 TCPREFUSE (an old fax gateway)
2001:db8:20::25 RELAY
10.20.1.11 $PASSTHRU (the plotter)
outside.example
    CONTINUE
0.0.0.0/0
    $PASSTHRU
ALL
    $NOPE (Everyone else)
""".replace("~\n", " \n")
BARE_GROUPS = [
    ("SCANNERS", ["10.20.0.0/24"], "PASSTHRU", None, None),
    ("10.20.1.9", ["10.20.1.9"], None, "RELAY", True),
    ("10.20.1.10", ["10.20.1.10"], None, "TCPREFUSE", True),
    ("2001:db8:20::25", ["2001:db8:20::25"], None, "RELAY", True),
    ("10.20.1.11", ["10.20.1.11"], "PASSTHRU", None, True),
    ("outside.example", ["outside.example"], None, "CONTINUE", True),
    ("0.0.0.0/0", ["0.0.0.0/0"], "PASSTHRU", None, True),
    ("ALL", [], "NOPE", None, None)]


def _bare_view(groups):
    return [(g["name"], g["members"], g["policy"], g.get("behavior"), g.get("bare")) for g in groups]


def test_bare_entries_between_groups_keep_their_behaviour_or_policy():
    """Two-line and one-line bare entries (a behaviour or a $POLICY, IPv4 or IPv6), after a wrapped group comment: each
    stays its own row. The old parser gave the copier's RELAY to SCANNERS and took 10.20.1.9 as its member."""
    assert _bare_view(sg.groups_from_hat(hat.parse(BARE))) == BARE_GROUPS


def test_a_bare_entry_after_a_wrapped_comment_keeps_its_relay():
    """The old parser read this without error as one group SCANNERS with the members 10.20.0.0/24, two pieces of the
    comment and 10.20.1.9, and the behaviour RELAY: the bare entry vanished into the group."""
    text = ("$NOPE\n    REJECT\nSCANNERS:\n        10.20.0.0/24\n        $NOPE (The scanners of the second floor, "
            "refused \nfor now)\n10.20.1.9\n    RELAY (the copier)\nALL\n    $NOPE (Everyone else)\n")
    assert _bare_view(sg.groups_from_hat(hat.parse(text))) == [
        ("SCANNERS", ["10.20.0.0/24"], "NOPE", None, None), ("10.20.1.9", ["10.20.1.9"], None, "RELAY", True),
        ("ALL", [], "NOPE", None, None)]


def test_bare_entries_reach_the_relay_guard():
    table = hat.parse(BARE)
    document = dict(sender_groups=sg.groups_from_hat(table), policies=mfp.policies_from_hat(table))
    assert [(r["name"], r["kind"], r["behavior"]) for r in relay_guard.rows(document)] == [
        ("SCANNERS", "group", "RELAY"), ("10.20.1.9", "bare", "RELAY"), ("10.20.1.10", "bare", "TCPREFUSE"),
        ("2001:db8:20::25", "bare", "RELAY"), ("10.20.1.11", "bare", "RELAY"), ("outside.example", "bare", "CONTINUE"),
        ("0.0.0.0/0", "bare", "RELAY"), ("ALL", "all", "REJECT")]
    found = relay_guard.evaluate("OutgoingMail", document, [], None)[0]
    assert [(f["row"], f["category"]) for f in found] == [("0.0.0.0/0", "open")]


def _xml(listener, text):
    """A showconfig XML with one listener whose <hat> is ``text``."""
    return ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<config>\n  <listeners>\n    <listener>\n'
            '      <listener_name>%s</listener_name>\n      <type>private</type>\n      <hat>%s</hat>\n'
            '    </listener>\n  </listeners>\n</config>\n'
            % (listener, text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")))


def test_bare_entries_through_gathered_and_parsed(monkeypatch):
    """gathered reads the <hat> of showconfig (listener_documents); state=parsed takes HAT text or that XML."""
    text = BARE.replace(" \ngateway)", " gateway)")     # showconfig XML is unwrapped by the driver
    document = listener_documents._hat(config_xml.parse(_xml("OutgoingMail", text)), "OutgoingMail")
    assert _bare_view(document["sender_groups"]) == BARE_GROUPS
    assert sg.SenderGroups("OutgoingMail").parse(_xml("OutgoingMail", text)) == document["sender_groups"]
    lab = Lab()
    for running_config in (BARE, _xml("OutgoingMail", text)):
        result = lab.run(monkeypatch, SG, state="parsed", running_config=running_config, listener="OutgoingMail")
        assert _bare_view(result["parsed"]) == BARE_GROUPS
        assert result["parsed"][1] == dict(name="10.20.1.9", members=["10.20.1.9"], sbrs=None, policy=None,
                                           comment="the copier", dns_verification=[], behavior="RELAY", bare=True)
        policies = lab.run(monkeypatch, MFP, state="parsed", running_config=running_config, listener="OutgoingMail")
        assert [(p["name"], p["behavior"]) for p in policies["parsed"]] == [("PASSTHRU", "relay"), ("NOPE", "reject")]
    result = lab.run(monkeypatch, SG, state="parsed", running_config=_xml("Elsewhere", text), listener="OutgoingMail")
    assert result["failed"] and "listener 'OutgoingMail' is not in the configuration XML (listeners: Elsewhere)" in result["msg"]


# -- refusals (failure class 3) ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, line, what", [
    ("Hello, this is a letter.\n", 1, "expected an entry at the left margin"),
    ('<?xml version="1.0"?>\n<config/>\n', 1, "not HAT text"),
    ("Recipient Access Table\n\n.example.com ACCEPT\nALL REJECT\n", 1, "expected an entry"),
    # starts inside a policy's block, inside a sender group, at a group's policy line, at a closing brace
    ("        max_concurrency = 10\n    }\n$NOPE\n    REJECT\nALL\n    $NOPE\n", 1, "starts inside a block"),
    ("        10.1.1.1\n        $NOPE (x)\nALL\n    $NOPE\n", 1, "starts inside a block"),
    ("        $NOPE (Everyone else)\n", 1, "starts inside a block"),
    ("    }\nALL\n    REJECT\n", 1, "starts inside a block"),
    # the table's own rules
    ("ALL\n    REJECT\nLATE:\n    $NOPE\n", 3, "follows ALL"),
    ("$NOPE\n    REJECT\nG:\n    1.2.3.4\n    $NOPE\n", 5, "ends without the ALL entry"),
    ("$NOPE\n    REJECT\nG:\n    $NOPE\nG:\n    $NOPE\nALL\n    $NOPE\n", 5, "appears twice"),
    ("$NOPE\n    REJECT\n$NOPE\n    ACCEPT\nALL\n    $NOPE\n", 3, "defined twice"),
    ("$NOPE\n    DISCARD\nALL\n    $NOPE\n", 2, "expected the behaviour of policy $NOPE"),
    ("$SLOW\n    ACCEPT {\n        max_concurrency = many\n    }\nALL\n    $SLOW\n", 3, "expected an integer"),
    ("$SLOW\n    ACCEPT {\n        tls = \"sideways\"\n    }\nALL\n    $SLOW\n", 3, "expected off, preferred"),
    ("$SLOW\n    ACCEPT {\n        max_concurrency = 10\n$NOPE\n    REJECT\nALL\n    $NOPE\n", 4, "expected a parameter"),
    ("G:\n    1.2.3.4\nH:\n    $NOPE\nALL\n    $NOPE\n", 3, "starts before sender group G"),
    ("G:\n    1.2.3.4\nALL\n    $NOPE\n", 3, "starts before sender group G"),
    ("G:\n    not a member\n    $NOPE\nALL\n    $NOPE\n", 2, "expected a member"),
    ("spam.example\nALL\n    REJECT\n", 2, "expected the $POLICY (comment) or behaviour line"),
    ("G:\n    dns_verification = maybe\n    $NOPE\nALL\n    $NOPE\n", 2, "unknown DNS verification"),
    ("", 1, "the text is empty"),
])
def test_text_that_is_not_a_hat_is_refused_naming_the_line(text, line, what):
    assert what in refused(text, line)


@pytest.mark.parametrize("value", [None, b"ALL\n    REJECT\n", 42, ["ALL"]])
def test_what_is_not_text_is_refused(value):
    with pytest.raises(hat.HatError, match="must be text"):
        hat.parse(value)


@pytest.mark.parametrize("module, text, message", [
    (SG, "$NOPE\n    REJECT\nG:\n    1.2.3.4\n    $NOPE\n", "running_config: line 5: the text ends without the ALL entry"),
    (SG, WRAPPED.replace("\nlimits)", "\n        limits)"), "running_config: line 7: the comment of sender group FRIENDS"),
    (MFP, "$SLOW\n    ACCEPT {\n        max_concurrency = many\n    }\nALL\n    $SLOW\n",
     "running_config: line 3: max_concurrency = many in policy $SLOW: expected an integer"),
])
def test_state_parsed_fails_with_the_line(monkeypatch, module, text, message):
    result = Lab().run(monkeypatch, module, state="parsed", running_config=text, listener="IncomingMail")
    assert result["failed"] and message in result["msg"], result


def test_an_unreadable_hat_on_another_listener_fails_the_module_cleanly(monkeypatch):
    """The relay guard reads every listener's HAT: one cut inside a policy's block (a pager stop) failed the module
    with a traceback; now the change is refused and the message names the listener and the line."""
    render = lab_xml.render_hat

    def cut(table):
        text = render(table)
        if "RELAYLIST" in text:     # the private listener
            text = text.replace("    RELAY\n", "    RELAY {\n        max_concurrency = 10\n", 1)
        return text

    monkeypatch.setattr(lab_xml, "render_hat", cut)
    for module, config in ((SG, [dict(name="EXTRA", members=["192.0.2.9"], policy="ACCEPTED")]),
                           (MFP, [dict(name="EXTRA", behavior="accept")])):
        result = Lab().run(monkeypatch, module, check_mode=True, listener="IncomingMail", config=config)
        assert result["failed"] and "the HAT of listener OutgoingMail could not be parsed: line 4: expected a parameter" \
            in result["msg"], result


# -- properties --------------------------------------------------------------------------------------------------
LETTERS = string.ascii_uppercase
NAMES = st.builds(lambda first, rest: first + rest, st.sampled_from(LETTERS),
                  st.text(alphabet=LETTERS + string.digits + "_-", max_size=10))
LABEL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
HOSTS = st.one_of(
    st.builds(lambda a, b, c, d: "%d.%d.%d.%d" % (a, b, c, d), *([st.integers(0, 255)] * 4)),
    st.builds(lambda labels, dot: ("." if dot else "") + ".".join(labels) + ".example", st.lists(LABEL, min_size=1, max_size=3),
              st.booleans()),
    st.sampled_from(["10.1.", "10.1.1.1-20", "192.0.2.0/24", "2001:db8::/32", "2001:db8::25", "fe80::"]))
MEMBERS = st.one_of(HOSTS, st.sampled_from(["SBRS[-10.0:-3.0]", "SBRS[none]", "SBO:12345", "dnslist[zen.example]"]))
ONE_LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=30)
COMMENTS = st.one_of(st.none(), ONE_LINE.filter(bool))
WORD = st.text(alphabet=string.ascii_lowercase + string.digits + ".,;-", min_size=1, max_size=10)
WORDY = st.one_of(st.none(), st.lists(WORD, min_size=1, max_size=14).map(" ".join))
KNOWN = dict([(k, st.sampled_from(["on", "off"])) for k in ("spam_check", "virus_check", "use_sb", "tls_verify_client")]
             + [(k, st.sampled_from(["off", "preferred", "required"])) for k in ("tls", "smtpauth_allow")]
             + [(k, st.integers(-1, 100000)) for k in ("max_concurrency", "max_rcpts_per_hour", "dhap_limit")]
             + [("max_message_size", st.integers(1, 10 ** 9))])
# keys whose values the collection reads (mail_flow_policies.PARAMETERS): the parser checks their form
CHECKED = set(mfp.HAT_KEY.values())
OTHER_KEY = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=10).filter(
    lambda k: k not in CHECKED and k != "comment")
PARAMETERS = st.builds(lambda known, other: dict(known, **other),
                       st.fixed_dictionaries({}, optional=KNOWN),
                       st.dictionaries(OTHER_KEY, st.one_of(st.integers(-10 ** 6, 10 ** 9), ONE_LINE), max_size=3))


@st.composite
def tables(draw, comments=COMMENTS):
    policy_names = draw(st.lists(NAMES, max_size=4, unique_by=str.lower))
    policies = []
    for name in policy_names:
        policy = dict(name=name, behavior=draw(st.sampled_from(hat.BEHAVIORS)), parameters=draw(PARAMETERS))
        comment = draw(comments)
        if comment and comment.strip():
            policy["comment"] = comment
        policies.append(policy)
    targets = st.one_of(st.sampled_from(policy_names), NAMES) if policy_names else NAMES

    def terminal():
        if draw(st.booleans()):
            return dict(policy=draw(targets), behavior=None)
        return dict(policy=None, behavior=draw(st.sampled_from(hat.BEHAVIORS)))

    rows, used = [], set([hat.ALL.lower()])
    for dummy in range(draw(st.integers(0, 5))):
        if draw(st.booleans()):
            name = draw(NAMES)
            if name.lower() in used:
                continue
            group = dict(name=name, members=draw(st.lists(MEMBERS, max_size=4)), comment=draw(comments), bare=False,
                         **terminal())
            checks = draw(st.lists(st.sampled_from(hat.DNS_VERIFICATION), unique=True, max_size=3))
            if checks:
                group["dns_verification"] = checks
        else:
            name = draw(HOSTS)
            if name.lower() in used:
                continue
            group = dict(name=name, members=[name], comment=draw(comments), bare=True, **terminal())
        used.add(name.lower())
        rows.append(group)
    rows.append(dict(name=hat.ALL, members=[], comment=draw(comments), bare=False, **terminal()))
    return dict(policies=policies, sender_groups=rows)


@settings(max_examples=150, **PROPERTY)
@given(table=tables())
def test_render_then_parse_is_the_same_table(table):
    assert hat.parse(hat.render(table)) == table


def wrap(text, width):
    """The text as a narrow page or terminal shows it: each comment line breaks after the last blank that fits, the
    blank kept, the rest going on in column 1 (the 7.3 guide's shape)."""
    out = []
    for line in text.split("\n"):
        if not re.match(r"^\s*(\$\S+|%s) \(.*\)$" % "|".join(hat.BEHAVIORS), line):
            out.append(line)
            continue
        margin = len(line) - len(line.lstrip())
        while len(line) > width:
            cuts = [i for i in range(margin + 1, min(width, len(line) - 1)) if line[i] == " " and line[i + 1] != " "]
            if not cuts:
                break
            out.append(line[:cuts[-1] + 1])
            line, margin = line[cuts[-1] + 1:], 0
        out.append(line)
    return "\n".join(out)


@settings(max_examples=150, **PROPERTY)
@given(table=tables(comments=WORDY), width=st.integers(30, 70))
def test_wrapped_comments_parse_to_the_same_table(table, width):
    assert hat.parse(wrap(hat.render(table), width)) == table


@settings(max_examples=100, **PROPERTY)
@given(table=tables(), data=st.data())
def test_block_lines_at_the_margin_parse_to_the_same_table(table, data):
    """Any block line may lose its indentation (the first line after a pager stop)."""
    lines = hat.render(table).split("\n")
    indented = [i for i, line in enumerate(lines) if line.startswith(" ")]
    chosen = data.draw(st.lists(st.sampled_from(indented), unique=True) if indented else st.just([]))
    assert hat.parse("\n".join(line.lstrip() if i in chosen else line for i, line in enumerate(lines))) == table


@settings(max_examples=100, **PROPERTY)
@given(table=tables(), data=st.data())
def test_text_cut_at_a_line_is_refused(table, data):
    lines = hat.render(table).rstrip("\n").split("\n")
    keep = data.draw(st.integers(0, len(lines) - 1))
    with pytest.raises(hat.HatError):
        hat.parse("\n".join(lines[:keep]) + "\n")


FRAGMENTS = ["$NOPE", "    ACCEPT {", "    REJECT {}", "    }", "        max_concurrency = 10", "        tls = \"off",
             "ALL", "ALL:", "G:", "        10.1.1.1, 10.1.1.2", "        $NOPE (a comment", "limits)", "        $NOPE (x) ",
             "10.9.9.9 RELAY (y", "    RELAY", "        dns_verification = lookup_fail", "# exported", "", "   ",
             "        SBRS[-1.0:2.0]", "(", ")", "{", "=", "\t$NOPE", "2001:db8::1 $NOPE"]
KINDS = (sg.SenderGroups("L"), mfp.MailFlowPolicies("L"))


def _only_hat_errors(text):
    try:
        table = hat.parse(text)
    except hat.HatError:
        return
    assert isinstance(table, dict)
    for kind in KINDS:      # what parsed and gathered hand on: only the modules' own errors
        try:
            kind.parse(text)
        except (hat.HatError, sg.SenderGroupError, mfp.PolicyError):
            pass


@settings(max_examples=200, **PROPERTY)
@given(text=st.one_of(st.text(max_size=200),
                      st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("\n".join),
                      st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=12).map("\n".join)))
def test_arbitrary_text_raises_only_hat_errors(text):
    _only_hat_errors(text)


@settings(max_examples=200, **PROPERTY)
@given(table=tables(), mutations=st.lists(st.tuples(st.sampled_from(["drop", "copy", "swap", "insert", "indent",
                                                                     "dedent", "cut", "chars"]),
                                                    st.integers(0, 10 ** 6), st.integers(0, 10 ** 6),
                                                    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8))),
                                          min_size=1, max_size=3))
def test_mutated_text_raises_only_hat_errors(table, mutations):
    text = hat.render(table)
    for verb, first, second, fragment in mutations:
        lines = text.split("\n")
        i, j = first % len(lines), second % len(lines)
        if verb == "drop":
            del lines[i]
        elif verb == "copy":
            lines.insert(j, lines[i])
        elif verb == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif verb == "insert":
            lines.insert(i, fragment)
        elif verb == "indent":
            lines[i] = "    " + lines[i]
        elif verb == "dedent":
            lines[i] = lines[i].lstrip()
        text = "\n".join(lines)
        if verb == "cut":
            text = text[:first % (len(text) + 1)]
        elif verb == "chars":
            at = first % (len(text) + 1)
            text = text[:at] + fragment + text[at:]
    _only_hat_errors(text)


@st.composite
def lab_hats(draw):
    """A HAT as the lab holds it: its factory table and generated groups with canonical members and comments."""
    table = lab_hat.factory_hat(draw(st.sampled_from(["public", "private"])))
    names = [p["name"] for p in table["policies"]]
    for dummy in range(draw(st.integers(0, 2))):
        name = draw(NAMES)
        parameters = dict((key, value) for key, value in draw(st.fixed_dictionaries({}, optional=dict(
            max_concurrency=st.integers(1, 1000), tls=st.sampled_from(["off", "preferred", "required"]),
            spam_check=st.booleans(), max_rcpts_per_hour=st.integers(1, 100)))).items())
        if name.lower() not in [n.lower() for n in names]:
            names.append(name)
            table["policies"].append(lab_hat.policy(name, draw(st.sampled_from(hat.BEHAVIORS)), parameters, draw(COMMENTS)))
    for dummy in range(draw(st.integers(0, 3))):
        name = draw(NAMES)
        if lab_hat.find_group(table, name) or name.upper() == "ALL":
            continue
        members = lab_hat.parse_members(",".join(draw(st.lists(HOSTS, min_size=1, max_size=3))))
        comment = draw(st.one_of(st.none(), WORDY))
        dns = [check for check in lab_hat.DNS_VERIFICATION
               if check in draw(st.lists(st.sampled_from(lab_hat.DNS_VERIFICATION), unique=True, max_size=2))]
        table["sender_groups"].insert(-1, lab_hat.group(name, members, draw(st.sampled_from(names)), comment, dns))
    return lab_hat.validate(table)


def _text_value(key, value):
    text = lab_hat.text_value(key, value)
    return text[1:-1] if text.startswith('"') else int(text)


@settings(max_examples=60, **PROPERTY)
@given(table=lab_hats())
def test_the_labs_hat_text_reads_as_the_lab_holds_it(table):
    """The lab renders the <hat> of showconfig; the parser reads what the lab holds (and so does the lab's own parser,
    so both read one format)."""
    text = lab_hat.render_hat(table)
    parsed = hat.parse(text)
    assert [(p["name"], p["behavior"], p["parameters"], p.get("comment")) for p in parsed["policies"]] == [
        (p["name"], p["behavior"], dict((k, _text_value(k, v)) for k, v in p["parameters"].items()), p.get("comment"))
        for p in table["policies"]]
    assert [(g["name"], g["members"], g["policy"], g["comment"], g.get("dns_verification", [])) for g in parsed["sender_groups"]] \
        == [(g["name"], g["members"], g["policy"], g["comment"], g["dns_verification"]) for g in table["sender_groups"]]
    assert lab_hat.parse_hat(text, table["default_policy"]) == table
