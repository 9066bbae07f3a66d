# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The configuration XML (``showconfig``): the passphrase question, unwrapping, extraction and shared parts.

This module is PRIVATE to the collection. It can change at any time.

Facts (docs/asyncos-cli.md, "showconfig and saveconfig"): showconfig asks how
to show passphrases (a numbered menu on newer releases, a yes/no question on
older ones); it shows the committed configuration only; and the appliance
wraps long output lines at the terminal width, cutting words.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import xml.etree.ElementTree as ET

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import Rule

PASSPHRASE_OPTIONS = {"mask": "1", "encrypt": "2"}
# libssh and paramiko request an 80-column pty unless told otherwise
TERMINAL_WIDTH = 80


def rules(passphrases="mask"):
    """The passphrase question in both of its forms (only one is asked)."""
    return [Rule(r"Choose the passphrase option", PASSPHRASE_OPTIONS[passphrases], optional=True, name="passphrase option"),
            Rule(r"Do you want to mask the passphrase", "Y" if passphrases == "mask" else "N", optional=True,
                 name="mask passphrase")]


def wrap_width(lines, width=None):
    """The width the output was wrapped at, or None when no line was wrapped.

    Wrapped pieces are exactly as long as the terminal is wide, so the width is the longest line's length: the
    session's (``TERMINAL_WIDTH``) when that is the longest, else a length that at least two lines share (a
    wrapped listing has many full pieces; a genuine longest line is seldom repeated).
    """
    lengths = [len(line) for line in lines]
    if not lengths:
        return None
    longest = max(lengths)
    if width is not None:
        return width if longest == width else None
    if longest == TERMINAL_WIDTH or (longest >= 40 and lengths.count(longest) >= 2):
        return longest
    return None


def unwrap(text, width=None):
    """Join the pieces of lines the appliance wrapped at the terminal width."""
    lines = text.replace("\r\n", "\n").replace("\r", "").split("\n")
    width = wrap_width(lines, width) if width != 0 else None
    if width is None:
        return "\n".join(lines)
    joined = []
    carry = ""
    for line in lines:
        if len(line) == width:
            carry += line
            continue
        joined.append(carry + line)
        carry = ""
    if carry:
        joined.append(carry)
    return "\n".join(joined)


def extract(output, width=None):
    """The XML text of a showconfig output, from ``<?xml`` to ``</config>``, unwrapped."""
    text = unwrap(output, width)
    start = text.find("<?xml")
    if start < 0:
        start = text.find("<config")
    end = text.rfind("</config>")
    if start < 0 or end < 0:
        raise ValueError("showconfig did not return a configuration XML")
    return text[start:end + len("</config>")] + "\n"


def parse(output):
    """The parsed configuration of a showconfig output: unwrapped first; as printed when that does not parse
    (a genuine line as long as the terminal is wide looks like a wrapped one)."""
    try:
        return root(extract(output))
    except ValueError:
        return root(extract(output, width=0))


def root(xml_text):
    """The parsed ``<config>`` element (the DOCTYPE line removed: ElementTree does not resolve it)."""
    body = re.sub(r"<!DOCTYPE[^>]*>", "", xml_text[xml_text.find("<"):])
    if not body.lstrip().startswith(("<config", "<?xml")):
        body = "<config>%s</config>" % body
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError("the configuration XML could not be parsed: %s" % exc)


def text_of(node, tag):
    return (node.findtext(tag) or "").strip()


def listeners(config):
    """[{name, type, interface, port}] from the parsed XML."""
    found = []
    for listener in config.iter("listener"):
        port = text_of(listener, "port")
        found.append(dict(name=text_of(listener, "listener_name"), type=text_of(listener, "type"),
                          interface=text_of(listener, "interface_name"), port=int(port) if port.isdigit() else None))
    return found


def listener(config, name):
    for node in config.iter("listener"):
        if text_of(node, "listener_name") == name:
            return node
    return None


def summary(config):
    """hostname, listeners and cluster membership from the parsed XML."""
    cluster = None
    node = config.find("cluster")
    if node is not None:
        cluster = dict(name=text_of(node, "cluster_name"), groups={})
        for group in node.findall("cluster_group"):
            cluster["groups"][text_of(group, "group_name")] = [
                (m.text or "").strip() for m in group.iter() if m.tag in ("machine", "machine_name", "hostname") and m.text]
    return dict(hostname=text_of(config, "hostname"), listeners=listeners(config), cluster=cluster)
