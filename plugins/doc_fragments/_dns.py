# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # TSIG options (dns_record, dns_wait).
    DOCUMENTATION = r"""
options:
  key_name:
    description:
      - Name of the TSIG key, as in the server's C(key "<name>" {...};) statement.
      - Set it together with O(key_secret). Without both, messages are not signed.
      - If not set, the environment variable E(DNS_TSIG_KEY_NAME) is used.
    type: str
  key_secret:
    description:
      - The TSIG secret, base64 (the C(secret) of the server's key statement). It is never logged or returned.
      - If not set, the environment variable E(DNS_TSIG_SECRET) is used.
    type: str
  key_algorithm:
    description:
      - The TSIG algorithm.
      - If not set, the environment variable E(DNS_TSIG_ALGORITHM) is used, else V(hmac-sha256).
    type: str
    default: hmac-sha256
    choices: [hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5]
requirements:
  - dnspython >= 2.0
"""

    # Transport options (dns_record, dns_wait, mail_dns_info).
    TRANSPORT = r"""
options:
  port:
    description:
      - The nameservers' port.
    type: int
    default: 53
  protocol:
    description:
      - V(tcp) is the default; it has no size limit and is what RFC 2136 updates should use.
      - With V(udp), a truncated answer is asked again over TCP.
    type: str
    default: tcp
    choices: [tcp, udp]
  query_timeout:
    description:
      - Seconds to wait for one answer.
    type: float
    default: 5.0
"""

    # Attributes of the modules that only read (dns_wait, mail_dns_info).
    READ_ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: The module only sends queries; check mode behaves as a normal run.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
"""
