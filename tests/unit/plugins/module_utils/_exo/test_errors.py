# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Error mapping on the live error bodies of docs/exchange-rest.md section 7."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors

# docs/exchange-rest.md section 7: graph2otel internal/exoclient/errors_test.go (live, HTTP 400)
TRANSFORM = (
    r'''{"error":{"code":"BadRequest","message":"Invalid Operation","innererror":{"message":"Invalid Operati'''
    r'''on","type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException","stacktrace":"","internalexce'''
    r'''ption":{"message":"Cannot process argument transformation on parameter 'QuarantineTypes'. Cannot con'''
    r'''vert value \"Nonsense\" to type \"Microsoft.Exchange.Management.FfoQuarantine.QuarantineMessageTypeE'''
    r'''num[]\". Error: \"Unable to match the identifier name Nonsense to a valid enumerator name. Specify o'''
    r'''ne of the following enumerator names and try again: Spam, TransportRule, Bulk, Phish, HighConfPhish,'''
    r''' Malware, SPOMalware, DataLossPrevention, FileTypeBlock, AdminTriggered, PPI\"","type":"Microsoft.Ex'''
    r'''change.AdminApi.CommandInvocation.ParameterTransformationException","stacktrace":""}},"adminapi.warn'''
    r'''ings@odata.type":"#Collection(String)","@adminapi.warnings":[]}}''')
AMBIGUOUS = (
    r'''{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"code":"Client","target":"",'''
    r'''"message":"|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter s'''
    r'''et cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. Bog'''
    r'''usParameter"}],"innererror":{"message":"Invalid Operation","type":"Microsoft.Exchange.Admin.OData.Co'''
    r'''re.ODataServiceException","stacktrace":"","internalexception":{"message":"Parameter set cannot be re'''
    r'''solved using the specified named parameters. Invalid cmdlet parameters specified. BogusParameter","t'''
    r'''ype":"Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException","stacktrace":""}'''
    r'''}}}''')
NOT_FOUND = (
    r'''{"error":{"code":"InternalServerError","message":"Error executing cmdlet",'''
    r'''"details":[{"code":"Client","target":"","message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.'''
    r'''ManagementObjectNotFoundException|The operation couldn't be performed because object '''
    r''''user2@jichen0107d.com' couldn't be found on 'EXHV-1242.EXHV-1242dom.extest.microsoft.com'."}],'''
    r'''"innererror":{"message":"Error executingcmdlet","type":'''
    r'''"Microsoft.Exchange.Admin.OData.Core.ODataServiceException","stacktrace":" 357"}}}''')
SENDER_REWRITING = json.dumps({"error": {"code": "BadRequest", "message": "Invalid Operation", "details": [
    {"code": "Client", "target": "", "message": "|System.ArgumentException|The SenderRewritingEnabled parameter "
                                                "can only be specified for Connector type OnPremises."}]}})


def test_parameter_transformation_shows_the_real_message():
    err = errors.error_from_response(400, TRANSFORM.encode(), {}, "Set-HostedContentFilterPolicy")
    assert isinstance(err, errors.ExoCmdletError)
    assert err.exception_type == "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException"
    assert "Cannot process argument transformation on parameter 'QuarantineTypes'" in err.message
    assert "Invalid Operation" not in err.message
    assert err.message.startswith("Set-HostedContentFilterPolicy: ")


def test_ambiguous_parameter_set():
    err = errors.error_from_response(400, AMBIGUOUS, {}, "Get-InboundConnector")
    assert isinstance(err, errors.ExoCmdletError)
    assert err.exception_type.endswith("AmbiguousParameterSetException")
    assert err.message.endswith("Invalid cmdlet parameters specified. BogusParameter")


def test_not_found_from_details_only():
    err = errors.error_from_response(400, NOT_FOUND, {}, "Get-TransportRule")
    assert isinstance(err, errors.ExoNotFoundError)
    assert err.error_id == "Ex6F9304"
    assert err.exception_type == "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
    assert "couldn't be found" in err.message and "|" not in err.message


def test_details_with_empty_error_id():
    err = errors.error_from_response(400, SENDER_REWRITING)
    assert err.exception_type == "System.ArgumentException" and err.error_id is None
    assert err.message == "The SenderRewritingEnabled parameter can only be specified for Connector type OnPremises."


def test_403_nul_body_means_directory_role():
    err = errors.error_from_response(403, b"\x00" * 4096)
    assert isinstance(err, errors.ExoPermissionError)
    assert "directory role" in err.message and "4096 NUL bytes" in err.message


def test_401_means_app_role_or_consent():
    err = errors.error_from_response(401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    assert isinstance(err, errors.ExoAuthError)
    assert "Exchange.ManageAsApp" in err.message and "consent" in err.message


def test_html_and_generic_only_messages():
    err = errors.error_from_response(500, b"<html><body><h1>Service Unavailable</h1></body></html>")
    assert "Service Unavailable" in err.message and "<h1>" not in err.message
    generic = errors.error_from_response(500, json.dumps({"error": {"code": "InternalServerError",
                                                                    "message": "Invalid Operation"}}))
    assert "no further detail" in generic.message


def test_concurrency_text_is_throttling():
    body = json.dumps({"error": {"code": "BadRequest", "message": "You have reached the maximum number of "
                                 "concurrent requests per tenant. Please wait and try again."}})
    assert isinstance(errors.error_from_response(400, body), errors.ExoThrottledError)
    assert errors.is_concurrency_limit(body)


def test_token_error_from_msal_result():
    err = errors.token_error({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret "
                              "provided. Ensure ... Trace ID: 1 Correlation ID: 2 Timestamp: 3"})
    assert isinstance(err, errors.ExoAuthError) and err.status == 401
    assert "AADSTS7000215" in err.message and "Trace ID" not in err.message and "client secret" in err.message
