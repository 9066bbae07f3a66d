# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection and credential options of every Exchange Online module.
    DOCUMENTATION = r"""
options:
  tenant_id:
    description:
      - The tenant, as its GUID or its initial domain (C(contoso.onmicrosoft.com)).
      - Required; when not set, the value of the environment variable E(EXO_TENANT_ID) is used.
    type: str
    aliases: [tenant]
  client_id:
    description:
      - The application (client) ID of the Entra app registration that has C(Exchange.ManageAsApp).
      - Required; when not set, the value of the environment variable E(EXO_CLIENT_ID) is used.
    type: str
  client_secret:
    description:
      - A client secret of the app (its value, not its ID).
      - When not set, the value of the environment variable E(EXO_CLIENT_SECRET) is used.
      - A certificate (O(certificate_path) or O(certificate_content)) is used instead when one is given.
    type: str
  certificate_path:
    description:
      - A PEM file with the private key of the app's certificate, and normally the certificate itself.
      - When not set, the value of the environment variable E(EXO_CERTIFICATE_PATH) is used.
    type: path
  certificate_content:
    description:
      - The same PEM content as O(certificate_path), as a string.
      - When not set, the value of the environment variable E(EXO_CERTIFICATE_CONTENT) is used.
    type: str
  certificate_password:
    description:
      - The passphrase of an encrypted private key.
      - When not set, the value of the environment variable E(EXO_CERTIFICATE_PASSWORD) is used.
    type: str
  certificate_thumbprint:
    description:
      - The SHA-1 thumbprint (hex) of the certificate registered on the app. Needed only when the PEM holds no
        certificate; otherwise the certificate is sent and its SHA-256 thumbprint is used.
      - When not set, the value of the environment variable E(EXO_CERTIFICATE_THUMBPRINT) is used.
    type: str
  cloud:
    description:
      - The Microsoft cloud, which selects the Exchange host, the Entra authority and the token scope.
      - When not set, the value of the environment variable E(EXO_CLOUD) is used, else V(commercial).
    type: str
    choices: [china, commercial, dod, gcc, gcc_high]
    default: commercial
  base_url:
    description:
      - Overrides the Exchange host of O(cloud), for example a regional host or the lab.
      - When not set, the value of the environment variable E(EXO_BASE_URL) is used.
    type: str
  authority:
    description:
      - Overrides the Entra authority host of O(cloud) (C(https://login.microsoftonline.com)). The tenant is
        appended unless the URL already has a path. It must be C(https://).
      - When not set, the value of the environment variable E(EXO_AUTHORITY) is used.
    type: str
  ca_path:
    description:
      - A CA bundle to verify the authority and Exchange with. It is passed on every request, so it also wins over
        E(REQUESTS_CA_BUNDLE). Proxy settings from the environment still apply.
      - When not set, the value of the environment variable E(EXO_CA_PATH) is used.
    type: path
  validate_certs:
    description:
      - Verify TLS certificates. Only turn this off for tests.
      - When not set, the value of the environment variable E(EXO_VALIDATE_CERTS) is used, else V(true).
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for one HTTP answer.
    type: int
    default: 120
  max_retries:
    description:
      - Retries of one call on HTTP 429, 503, 504 (and 500, 502 for reads) and on the "maximum number of concurrent
        requests" error, honouring C(Retry-After).
    type: int
    default: 6
  retry_max_delay:
    description:
      - The cap, in seconds, of one wait between retries (C(Retry-After) or the exponential backoff).
    type: float
    default: 30.0
requirements:
  - msal
  - requests
notes:
  - Runs on the controller (C(connection=local)). It calls the Exchange Online REST gateway
    C(POST {base}/adminapi/beta/{tenant}/InvokeCommand), the one Exchange Online PowerShell uses, with an app-only
    token. The app needs the application permission C(Exchange.ManageAsApp) and a directory role such as Exchange
    Administrator; see C(docs/exchange-online.md) in the collection.
  - The result has C(http_calls), the number of HTTP calls made.
"""

    # Every Exchange Online module.
    ATTRIBUTES = r"""
attributes:
  action_group:
    support: full
    membership: [mailops.secure_email.exo]
    description: Use C(group/mailops.secure_email.exo) in C(module_defaults) to set the connection options once.
"""

    # Modules that change the tenant.
    WRITE_ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Reads only; reports what would change and sends no write.
  diff_mode:
    support: full
    description: Shows the normalised values before and after; secrets are shown as C(********).
"""

    # Read-only modules.
    READ_ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
"""
