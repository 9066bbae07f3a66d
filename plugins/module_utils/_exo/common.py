# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared module glue for the exo_* modules: connection options, client construction, error reporting.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import client as exo_client
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import inputs


def connection_argument_spec():
    """Options of every exo_* module (doc fragment mailops.secure_email._exo)."""
    return dict(
        tenant_id=dict(type="str", aliases=["tenant"], fallback=(env_fallback, ["EXO_TENANT_ID"])),
        client_id=dict(type="str", fallback=(env_fallback, ["EXO_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["EXO_CLIENT_SECRET"])),
        certificate_path=dict(type="path", fallback=(env_fallback, ["EXO_CERTIFICATE_PATH"])),
        certificate_content=dict(type="str", no_log=True, fallback=(env_fallback, ["EXO_CERTIFICATE_CONTENT"])),
        certificate_password=dict(type="str", no_log=True, fallback=(env_fallback, ["EXO_CERTIFICATE_PASSWORD"])),
        certificate_thumbprint=dict(type="str", fallback=(env_fallback, ["EXO_CERTIFICATE_THUMBPRINT"])),
        cloud=dict(type="str", default="commercial", choices=sorted(exo_client.CLOUDS),
                   fallback=(env_fallback, ["EXO_CLOUD"])),
        base_url=dict(type="str", fallback=(env_fallback, ["EXO_BASE_URL"])),
        authority=dict(type="str", fallback=(env_fallback, ["EXO_AUTHORITY"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["EXO_CA_PATH"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["EXO_VALIDATE_CERTS"])),
        timeout=dict(type="int", default=120),
        max_retries=dict(type="int", default=6),
        retry_max_delay=dict(type="float", default=30.0),
    )


def argument_spec(**options):
    spec = connection_argument_spec()
    spec.update(options)
    return spec


MUTUALLY_EXCLUSIVE = [("certificate_path", "certificate_content")]


class ExoModule(object):
    """Wraps an AnsibleModule: builds the client, turns ExoError into fail_json with the real message.

    Before anything else (no request is made before), every string option is checked for control characters,
    the connection options are checked, and then ``validate(params)`` (the module's own checks that need no
    tenant data; a list of error texts naming the fields) runs."""

    def __init__(self, module, validate=None):
        self.module = module
        check_inputs(module, validate)
        if not exo_client.HAS_REQUESTS:
            module.fail_json(msg=missing_required_lib("requests"), exception=exo_client.REQUESTS_IMPORT_ERROR)
        if not exo_client.HAS_MSAL:
            module.fail_json(msg=missing_required_lib("msal"), exception=exo_client.MSAL_IMPORT_ERROR)
        params = module.params
        for name, env in (("tenant_id", "EXO_TENANT_ID"), ("client_id", "EXO_CLIENT_ID")):
            if not params.get(name):
                module.fail_json(msg="%s is required: set the option (or module_defaults group/mailops.secure_email.exo)"
                                     " or the environment variable %s" % (name, env))
        if not (params.get("client_secret") or params.get("certificate_path") or params.get("certificate_content")):
            module.fail_json(msg="a credential is required: client_secret (EXO_CLIENT_SECRET), certificate_path "
                                 "(EXO_CERTIFICATE_PATH) or certificate_content (EXO_CERTIFICATE_CONTENT)")
        try:
            pem = exo_client.certificate_pem(params)
        except ValueError as exc:
            module.fail_json(msg=str(exc))
        if pem:
            try:  # before any request: an expired certificate fails here, one about to expire warns
                exo_client.check_certificate(pem, module.warn)
            except errors.ExoError as exc:
                module.fail_json(msg=exc.message)
        if params.get("ca_path") and not os.path.isfile(params["ca_path"]):
            module.fail_json(msg="ca_path: %s is not a file" % params["ca_path"])
        self.client = exo_client.ExoClient(
            tenant_id=params["tenant_id"], client_id=params["client_id"],
            client_secret=None if pem else params.get("client_secret"), certificate_pem=pem,
            certificate_password=params.get("certificate_password"),
            certificate_thumbprint=params.get("certificate_thumbprint"), cloud=params["cloud"],
            base_url=params.get("base_url"), authority=params.get("authority"), ca_path=params.get("ca_path"),
            validate_certs=params["validate_certs"], timeout=params["timeout"], max_retries=params["max_retries"],
            retry_max_delay=params["retry_max_delay"], warn=module.warn)

    def exit(self, **result):
        result["http_calls"] = self.client.http_calls()
        self.module.exit_json(**result)

    def fail(self, msg, **result):
        result["http_calls"] = self.client.http_calls()
        self.module.fail_json(msg=msg, **result)

    def run(self, func):
        try:
            func(self)
        except errors.ExoError as exc:
            extra = dict((k, v) for k, v in exc.to_dict().items() if v is not None)
            self.fail(exc.message, error_class=type(exc).__name__, **extra)


def check_inputs(module, validate=None):
    """fail_json naming every bad option, before any request (the values are never repeated for control
    characters: they may be secrets)."""
    found = inputs.control_problems(module.params)
    if not found:  # the specific checks may repeat values; never one holding a control character
        found = inputs.connection_problems(module.params)
        if validate is not None:
            found += validate(module.params)
    if found:
        module.fail_json(msg=validation_error(found).message, error_class="ExoValidationError")


def validation_error(field_errors):
    return errors.ExoValidationError("invalid options, nothing was changed: " + "; ".join(field_errors))


def find_by_name(records, name, key="Name"):
    """Match by name, case-insensitively (never trust Get -Identity for existence, docs/exchange-rest.md section 6)."""
    wanted = name.strip().lower()
    for record in records:
        if str(record.get(key) or "").lower() == wanted:
            return record
    return None
