# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Route 53 client of dns_record (module_utils/_dns/route53.py), one function at a time. The boto3 client is a
small fake here (the integration suite tests/integration/test_dns_route53.py runs against the lab's moto)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

dns = pytest.importorskip("dns")
botocore = pytest.importorskip("botocore")

import botocore.exceptions  # noqa: E402  pylint: disable=wrong-import-position
import dns.name  # noqa: E402  pylint: disable=wrong-import-position
import dns.rdatatype  # noqa: E402  pylint: disable=wrong-import-position
import dns.rrset  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import record_module  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import route53  # noqa: E402

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def name(text):
    return dns.name.from_text(text)


def client_error(code, status=400, message="boom"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message},
                                            "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


class FakeClient(object):
    """Answers per method: a list of results or exceptions, taken in order (the last one repeats)."""

    def __init__(self, **answers):
        self.answers = answers
        self.requests = []

    def __getattr__(self, method):
        if method not in self.answers:
            raise AttributeError(method)

        def call(**kwargs):
            self.requests.append((method, kwargs))
            queue = self.answers[method]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if callable(answer) and not isinstance(answer, dict):
                answer = answer(**kwargs)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return call


def make(client, **params):
    sleeps = []
    base = dict(route53_retries=3, endpoint_url=None)
    base.update(params)
    return route53.Route53(base, client=client, sleep=sleeps.append), sleeps


# -- names and values --------------------------------------------------------------------------------
def test_r53_name_decodes_octal_escapes_and_is_absolute():
    assert route53.r53_name("\\052.example.com.") == name("*.example.com")
    assert route53.r53_name("Example.COM") == name("example.com")
    assert route53.name_value(name("Example.COM")) == "example.com."


def test_txt_value_round_trip_quotes_backslash_octal_and_long_strings():
    rdata = common.parse_value(dns.rdatatype.TXT, 'v=spf1 "quoted" back\\slash \x01 ' + "k" * 300, "values[0]")
    value = route53.txt_value(rdata)
    assert value.startswith('"v=spf1 \\"quoted\\" back\\\\slash \\001 ')
    assert value.count('" "') == 1  # two strings: 255 octets and the rest
    again = route53.parse_rdata(dns.rdatatype.TXT, value)
    assert common.rdata_key(again) == common.rdata_key(rdata)
    # Route 53's own forms: several quoted strings, and an unquoted word.
    assert common.txt_text(route53.parse_rdata(dns.rdatatype.TXT, '"v=spf1 " "-all"')) == "v=spf1 -all"
    assert common.txt_text(route53.parse_rdata(dns.rdatatype.TXT, "token")) == "token"
    assert common.txt_text(route53.parse_rdata(dns.rdatatype.TXT, '"a\\053b"')) == "a+b"


def test_parse_rdata_mx_names_are_absolute():
    rdata = route53.parse_rdata(dns.rdatatype.MX, "10 mx1.example.net")
    assert rdata.to_text() == "10 mx1.example.net."
    assert route53.rdata_value(rdata) == "10 mx1.example.net."


def test_changes_for_pins_the_rrset_as_read():
    current = dns.rrset.from_text("example.com.", 3600, "IN", "MX", "0 old.example.net.")
    desired = [common.parse_value(dns.rdatatype.MX, "10 mx1.example.net", "v")]
    replace = route53.changes_for(name("example.com"), dns.rdatatype.MX, current, desired, 300)
    assert [change["Action"] for change in replace] == ["DELETE", "CREATE"]
    assert replace[0]["ResourceRecordSet"] == {"Name": "example.com.", "Type": "MX", "TTL": 3600,
                                               "ResourceRecords": [{"Value": "0 old.example.net."}]}
    assert replace[1]["ResourceRecordSet"]["TTL"] == 300
    create = route53.changes_for(name("example.com"), dns.rdatatype.MX, None, desired, 300)
    assert [change["Action"] for change in create] == ["CREATE"]
    delete = route53.changes_for(name("example.com"), dns.rdatatype.MX, current, [], None)
    assert [change["Action"] for change in delete] == ["DELETE"]


def test_batch_size_counts_values_and_characters():
    changes = [{"Action": "DELETE", "ResourceRecordSet": {"ResourceRecords": [{"Value": "abc"}]}},
               {"Action": "UPSERT", "ResourceRecordSet": {"ResourceRecords": [{"Value": "de"}, {"Value": "f"}]}}]
    assert route53.batch_size(changes) == (5, 9)


def test_zone_id_text():
    assert route53.zone_id_text("/hostedzone/Z123") == "Z123"
    assert route53.zone_id_text("Z123") == "Z123"


# -- retries and errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("code,status", [("Throttling", 400), ("PriorRequestNotComplete", 400),
                                         ("ServiceUnavailable", 503), ("", 500)])
def test_call_retries_with_backoff_then_succeeds(code, status):
    fake = FakeClient(get_change=[client_error(code, status), client_error(code, status), {"ok": 1}])
    client, sleeps = make(fake)
    assert client.call("get_change", Id="C1") == {"ok": 1}
    assert len(sleeps) == 2 and sleeps[0] <= sleeps[1] * 2 and all(0 < s <= 20 for s in sleeps)
    assert client.calls == {"get_change": 3}


def test_call_gives_up_after_the_retries():
    fake = FakeClient(get_change=[client_error("Throttling", message="Rate exceeded")])
    client, sleeps = make(fake, route53_retries=2)
    with pytest.raises(common.DNSError) as exc:
        client.call("get_change", Id="C1")
    assert "GetChange failed after 2 retries: Throttling: Rate exceeded" in str(exc.value)
    assert len(sleeps) == 2


def test_backoff_grows_and_is_capped():
    client, _sleeps = make(FakeClient())
    assert all(client.backoff(1) <= 0.5 for _round in range(20))
    assert all(2 <= client.backoff(4) <= 4 for _round in range(20))
    assert all(client.backoff(30) <= 20 for _round in range(20))


def test_credential_errors_name_the_options_not_the_secret():
    fake = FakeClient(list_hosted_zones_by_name=[client_error("InvalidClientTokenId", 403, "The security token "
                                                              "included in the request is invalid.")])
    client, sleeps = make(fake, aws_secret_access_key=SECRET)
    with pytest.raises(common.DNSError) as exc:
        client.call("list_hosted_zones_by_name", DNSName="example.com.")
    text = str(exc.value)
    assert "aws_access_key_id" in text and "aws_secret_access_key" in text and "InvalidClientTokenId" in text
    assert SECRET not in text and not sleeps


def test_access_denied_names_the_permission():
    fake = FakeClient(change_resource_record_sets=[client_error("AccessDenied", 403, "not authorized")])
    client, _sleeps = make(fake)
    with pytest.raises(common.DNSError) as exc:
        client.call("change_resource_record_sets", HostedZoneId="Z1", ChangeBatch={})
    assert "route53:ChangeResourceRecordSets" in str(exc.value)


def test_make_client_refuses_half_a_key_pair():
    with pytest.raises(common.DNSError) as exc:
        route53.Route53._make_client(dict(aws_access_key_id="AKIA1", aws_secret_access_key=None))
    assert str(exc.value).startswith("aws_access_key_id is set but aws_secret_access_key is not")
    with pytest.raises(common.DNSError) as exc:
        route53.Route53._make_client(dict(aws_access_key_id=None, aws_secret_access_key=SECRET))
    assert str(exc.value).startswith("aws_secret_access_key is set but aws_access_key_id is not")
    assert SECRET not in str(exc.value)
    with pytest.raises(common.DNSError) as exc:
        route53.Route53._make_client(dict(aws_access_key_id="AKIA1", aws_secret_access_key=SECRET,
                                          endpoint_url="localhost:5000"))
    assert str(exc.value).startswith("endpoint_url: 'localhost:5000' is not an http(s) URL")


def test_require_boto3_names_boto3(monkeypatch):
    monkeypatch.setattr(route53, "HAS_BOTO3", False)
    seen = {}
    route53.require_boto3(lambda **kwargs: seen.update(kwargs))
    assert "boto3 is required for provider=route53" in seen["msg"] and "pip install boto3" in seen["msg"]


# -- zones -----------------------------------------------------------------------------------------------
def zones(*items):
    return {"HostedZones": [dict(Id="/hostedzone/%s" % zone_id, Name=zone_name, Config=dict(PrivateZone=private))
                            for zone_id, zone_name, private in items]}


def test_find_zone_walks_up_and_caches():
    def answer(DNSName, MaxItems):
        return zones(("Z1", "example.com.", False)) if DNSName == "example.com." else zones()
    fake = FakeClient(list_hosted_zones_by_name=[answer])
    client, _sleeps = make(fake)
    assert client.find_zone(name("a.b.example.com"), "name") == (name("example.com"), "Z1")
    assert [kwargs["DNSName"] for _method, kwargs in fake.requests] == ["a.b.example.com.", "b.example.com.",
                                                                        "example.com."]
    assert client.find_zone(name("b.example.com"), "name") == (name("example.com"), "Z1")
    assert len(fake.requests) == 3


def test_find_zone_without_a_zone_names_the_field():
    client, _sleeps = make(FakeClient(list_hosted_zones_by_name=[zones()]))
    with pytest.raises(common.DNSError) as exc:
        client.find_zone(name("www.example.org"), "records[2].name")
    assert str(exc.value).startswith("records[2].name: no public hosted zone in this AWS account holds www.example.org")


def test_zone_by_name_ignores_private_zones_and_refuses_twins():
    client, _sleeps = make(FakeClient(list_hosted_zones_by_name=[zones(("Z1", "example.com.", True),
                                                                       ("Z2", "example.com.", False))]))
    assert client.zone_by_name(name("example.com")) == "Z2"
    client, _sleeps = make(FakeClient(list_hosted_zones_by_name=[zones(("Z1", "example.com.", False),
                                                                       ("Z2", "example.com.", False))]))
    with pytest.raises(common.DNSError) as exc:
        client.zone_by_name(name("example.com"))
    assert "set hosted_zone_id" in str(exc.value) and "Z1, Z2" in str(exc.value)


def test_zone_by_id_reads_the_apex_and_reports_a_missing_zone():
    fake = FakeClient(list_resource_record_sets=[{"ResourceRecordSets": [{"Name": "example.com.", "Type": "MX"}]}])
    client, _sleeps = make(fake)
    assert client.zone_by_id("/hostedzone/Z9") == (name("example.com"), "Z9")
    missing = client_error("NoSuchHostedZone", 404, "No hosted zone found with ID: Z9")
    client, _sleeps = make(FakeClient(list_resource_record_sets=[missing]))
    with pytest.raises(common.DNSError) as exc:
        client.zone_by_id("Z9")
    assert str(exc.value).startswith("hosted_zone_id: Z9: no such hosted zone")


# -- record sets -------------------------------------------------------------------------------------------
def test_rrset_reads_the_set_and_skips_the_next_names():
    listing = {"ResourceRecordSets": [
        {"Name": "example.com.", "Type": "MX", "TTL": 3600, "ResourceRecords": [{"Value": "0 old.example.net."}]},
        {"Name": "example.com.", "Type": "NS", "TTL": 172800, "ResourceRecords": [{"Value": "ns-1.awsdns-1.com"}]}]}
    client, _sleeps = make(FakeClient(list_resource_record_sets=[listing]))
    found = client.rrset("Z1", name("example.com"), dns.rdatatype.MX)
    assert found.ttl == 3600 and common.values_text(found) == ["0 old.example.net."]
    assert client.rrset("Z1", name("example.com"), dns.rdatatype.TXT) is None


@pytest.mark.parametrize("extra,word", [({"SetIdentifier": "eu"}, "routing policy"),
                                        ({"AliasTarget": {"DNSName": "x."}}, "alias record")])
def test_rrset_refuses_what_it_cannot_manage(extra, word):
    item = {"Name": "example.com.", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": '"x"'}]}
    item.update(extra)
    client, _sleeps = make(FakeClient(list_resource_record_sets=[{"ResourceRecordSets": [item]}]))
    with pytest.raises(common.DNSError) as exc:
        client.rrset("Z1", name("example.com"), dns.rdatatype.TXT, "records[1].name")
    assert str(exc.value).startswith("records[1].name: example.com TXT") and word in str(exc.value)


def test_wait_polls_until_insync_with_growing_delays():
    fake = FakeClient(get_change=[{"ChangeInfo": {"Status": "PENDING"}}, {"ChangeInfo": {"Status": "PENDING"}},
                                  {"ChangeInfo": {"Status": "INSYNC"}}])
    client, sleeps = make(fake)
    seen = []
    polls = client.wait("C1", 60, progress=lambda *args: seen.append(args))
    assert [poll["status"] for poll in polls] == ["PENDING", "PENDING", "INSYNC"]
    assert sleeps == [1.0, 2.0] and len(seen) == 3


def test_wait_times_out_naming_the_option():
    now = [0.0]
    fake = FakeClient(get_change=[{"ChangeInfo": {"Status": "PENDING"}}])
    client = route53.Route53(dict(route53_retries=0), client=fake, sleep=lambda s: now.__setitem__(0, now[0] + s),
                             clock=lambda: now[0])
    with pytest.raises(common.DNSError) as exc:
        client.wait("C1", 10)
    assert str(exc.value).startswith("route53_wait_timeout: change C1 is still PENDING")


# -- the module's input with provider=route53 --------------------------------------------------------------
def params(**kwargs):
    base = dict(server=None, zone=None, name="example.com", type="MX", values=["10 mx1.example.net"], ttl=None,
                state="present", key_name=None, key_secret=None, key_algorithm="hmac-sha256", port=53,
                protocol="tcp", query_timeout=5.0, records=None, provider="route53", hosted_zone_id=None,
                route53_wait_timeout=300.0)
    base.update(kwargs)
    return base


def test_request_server_is_required_with_rfc2136_only():
    assert record_module.Request(params()).server is None
    with pytest.raises(common.DNSError) as exc:
        record_module.Request(params(provider="rfc2136"))
    assert str(exc.value).startswith("server: required with provider=rfc2136")


def test_request_checks_hosted_zone_id_and_timeout():
    assert record_module.Request(params(hosted_zone_id="/hostedzone/Z0123456789ABC")).provider == "route53"
    with pytest.raises(common.DNSError) as exc:
        record_module.Request(params(hosted_zone_id="Z01 23"))
    assert str(exc.value).startswith("hosted_zone_id: 'Z01 23' is not a Route 53 hosted zone id")
    with pytest.raises(common.DNSError) as exc:
        record_module.Request(params(route53_wait_timeout=0))
    assert str(exc.value) == "route53_wait_timeout: must be greater than 0"
