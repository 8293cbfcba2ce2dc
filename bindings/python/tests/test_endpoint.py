"""The multi-merchant endpoint (SPEC §4, issue 11): MerchantProfile, Endpoint.handle, EndpointResult,
EndpointRejected. Every routing rule is exercised by the shared vectors (test_vectors.py, endpoint.json);
these tests pin the Python-specific parts."""

from __future__ import annotations

import copy
import gc
import pickle
import weakref
from typing import Any

import pytest
import wechatpay_notify as wn
from support import (
    KEY,
    V3_NOW,
    cases_of,
    endpoint_of,
    load_vectors,
    pairs_of,
    payment_pairs,
    signed_body,
    transaction_resource,
    v3_request,
    v3_verifier,
    v3_verifier_of,
    verifier_of,
)

V2_REFUSAL = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>"
V3_REFUSAL = '{"code":"FAIL","message":"rejected"}'


def group() -> dict[str, Any]:
    """The two-merchant group of endpoint.json (shop-a: MD5 v2 + v3; shop-b: HMAC v2 + v3)."""
    g: dict[str, Any] = load_vectors("endpoint.json")["testGroups"][0]
    return g


def case(tc_id: int) -> dict[str, Any]:
    for _, c in cases_of("endpoint.json"):
        if c["tcId"] == tc_id:
            return c
    raise AssertionError(f"no tcId {tc_id}")


def tc_id_of(comment: str) -> int:
    """The tcId of the endpoint.json case with this comment (tcIds move when cases are added)."""
    ids = [c["tcId"] for _, c in cases_of("endpoint.json") if c["comment"] == comment]
    assert len(ids) == 1, (comment, ids)
    tc_id: int = ids[0]
    return tc_id


def handle(endpoint: wn.Endpoint, tc_id: int) -> wn.EndpointResult:
    c = case(tc_id)
    return endpoint.handle(pairs_of(c["headers"]), c["body"], now=c["now"])


def test_profiles_keep_their_parts() -> None:
    a = group()["config"]["profiles"][0]
    v2, v3 = verifier_of(a["v2"]), v3_verifier_of(a["v3"])
    both = wn.MerchantProfile("shop-a", v2=v2, v3=v3)
    assert (both.label, both.v2, both.v3) == ("shop-a", v2, v3)
    assert both.v2 is v2 and both.v3 is v3
    only_v3 = wn.MerchantProfile("shop-c", v3=v3)
    assert only_v3.v2 is None and only_v3.v3 is v3
    assert repr(only_v3) == f"MerchantProfile(label='shop-c', v2=None, v3={v3!r}, mch_id=None)"
    assert both.mch_id is None and only_v3.mch_id is None
    assert a["v2"]["apiKey"] not in repr(both) and a["v3"]["apiV3Key"] not in repr(both)
    # The v2 part routes by mch_id: a verifier without one is refused at once.
    with pytest.raises(wn.InvalidConfigError) as info:
        wn.MerchantProfile("shop-x", v2=wn.Verifier(a["v2"]["apiKey"], "MD5"))
    assert info.value.code == "invalid_config" and "shop-x" in info.value.message


def test_results_carry_the_label_kind_notification_and_reply() -> None:
    endpoint = endpoint_of(group()["config"])
    assert endpoint.labels == ("shop-a", "shop-b")
    assert repr(endpoint) == "Endpoint(labels=('shop-a', 'shop-b'))"

    pay = handle(endpoint, 1)
    assert (pay.label, pay.kind, pay.version, pay.is_success) == ("shop-a", "v2_payment", "v2", True)
    assert isinstance(pay.notification, wn.PaymentNotification)
    assert pay.notification.mch_id == "10000100" and pay.notification is pay.notification
    assert pay.reply == wn.HttpReply(200, "text/xml", wn.reply_success())
    assert repr(pay) == (
        "EndpointResult(label='shop-a', kind='v2_payment', is_success=True, "
        "dedupe_key='4200001234202611270123456789')"
    )

    refund = handle(endpoint, 4)
    assert (refund.label, refund.kind) == ("shop-b", "v2_refund")
    assert isinstance(refund.notification, wn.RefundNotification)
    assert refund.notification.refund_status is not None
    assert refund.dedupe_key == f"{refund.notification.refund_id}:{wn.refund_state(refund.notification.refund_status)}"

    v3 = handle(endpoint, 5)
    assert (v3.label, v3.kind, v3.version) == ("shop-a", "v3", "v3")
    assert isinstance(v3.notification, wn.V3Notification)
    assert v3.notification.transaction is not None
    assert v3.reply == wn.reply_v3_success()
    # The v2 and APIv3 deliveries of one payment share the dedupe key.
    assert v3.dedupe_key == pay.dedupe_key == v3.notification.transaction.transaction_id


def test_cross_merchant_forgeries_are_refused_with_the_chosen_label() -> None:
    """A body naming merchant A but signed with B's key is routed to A, whose key refuses it."""
    endpoint = endpoint_of(group()["config"])
    with pytest.raises(wn.EndpointRejected) as info:
        handle(endpoint, tc_id_of("a v2 body naming merchant A, signed with B's key"))
    err = info.value
    assert (err.code, err.version, err.label) == ("signature_mismatch", "v2", "shop-a")
    # The reply names no code (SPEC §2): the code is on the exception, for the logs.
    assert err.reply == wn.HttpReply(200, "text/xml", V2_REFUSAL) == wn.HttpReply(200, "text/xml", wn.reply_fail(wn.REFUSAL_MESSAGE))
    assert isinstance(err, wn.NotifyError) and type(err) is wn.EndpointRejected
    assert str(err) == f"signature_mismatch: {err.message}"
    with pytest.raises(wn.EndpointRejected) as v3:
        handle(endpoint, tc_id_of("an APIv3 request under A's key id, signed with B's key"))
    assert (v3.value.version, v3.value.label, v3.value.reply.status) == ("v3", "shop-a", 401)
    assert v3.value.reply == wn.reply_v3_fail(v3.value) == wn.HttpReply(401, "application/json", V3_REFUSAL)


def test_rejections_copy_and_pickle() -> None:
    endpoint = endpoint_of(group()["config"])
    with pytest.raises(wn.EndpointRejected) as info:
        handle(endpoint, tc_id_of("a JSON body without Wechatpay-Signature: neither version"))
    err = info.value
    assert (err.code, err.version, err.label, err.reply.status) == ("malformed_xml", None, None, 400)
    assert err.reply == wn.HttpReply(400, "text/xml", V2_REFUSAL)
    for twin in (pickle.loads(pickle.dumps(err)), copy.copy(err)):
        assert type(twin) is wn.EndpointRejected
        assert (twin.code, twin.message, twin.version, twin.label, twin.reply) == (
            err.code,
            err.message,
            err.version,
            err.label,
            err.reply,
        )
    assert repr(err).startswith("EndpointRejected('malformed_xml', ")


def test_the_endpoint_keeps_copies_of_the_verifiers() -> None:
    """Profiles and verifiers can be dropped after the endpoint is built."""
    config = group()["config"]
    profiles = [
        wn.MerchantProfile(p["label"], v2=verifier_of(p["v2"]), v3=v3_verifier_of(p["v3"])) for p in config["profiles"]
    ]
    endpoint = wn.Endpoint(iter(profiles))
    del profiles
    gc.collect()
    assert handle(endpoint, 2).label == "shop-b"


def test_now_defaults_to_the_system_clock() -> None:
    endpoint = endpoint_of(group()["config"])
    c = case(5)
    with pytest.raises(wn.EndpointRejected) as info:
        endpoint.handle(pairs_of(c["headers"]), c["body"])
    assert (info.value.code, info.value.label) == ("timestamp_out_of_window", "shop-a")
    # v2 ignores the time.
    c1 = case(1)
    assert endpoint.handle(dict(pairs_of(c1["headers"])), c1["body"].encode()).label == "shop-a"


def test_build_refusals_are_invalid_config() -> None:
    a = group()["config"]["profiles"][0]
    with pytest.raises(wn.InvalidConfigError):
        wn.Endpoint([])
    with pytest.raises(wn.InvalidConfigError):
        wn.Endpoint([wn.MerchantProfile("empty")])
    profile = wn.MerchantProfile("shop-a", v2=verifier_of(a["v2"]))
    with pytest.raises(wn.InvalidConfigError) as info:
        wn.Endpoint([profile, profile])
    assert info.value.code == "invalid_config"


def test_a_result_cycle_is_collectable() -> None:
    endpoint = endpoint_of(group()["config"])

    class Witness:
        pass

    result = handle(endpoint, 1)
    n = result.notification
    assert isinstance(n, wn.PaymentNotification)
    witness = Witness()
    n.fields["result"], n.fields["witness"] = result, witness  # type: ignore[assignment]
    ref = weakref.ref(witness)
    del result, n, witness
    gc.collect()
    assert ref() is None


A_KEY = KEY  # a v2 API key (32 printable ASCII characters)
B_KEY = "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv"


def v2_payment(mch_id: str, key: str = A_KEY) -> bytes:
    return signed_body([(k, mch_id if k == "mch_id" else v) for k, v in payment_pairs()], key)


def test_a_profile_mch_id_routes_a_v2_verifier_without_one() -> None:
    profile = wn.MerchantProfile("shop-a", v2=wn.Verifier(A_KEY, "MD5"), mch_id="10000100")
    assert (profile.mch_id, profile.v2 is not None and profile.v2.mch_id) == ("10000100", None)
    assert repr(profile).startswith("MerchantProfile(label='shop-a', v2=Verifier(")
    assert repr(profile).endswith(", v3=None, mch_id='10000100')")
    endpoint = wn.Endpoint([profile])
    r = endpoint.handle({}, v2_payment("10000100"))
    assert (r.label, r.kind, r.dedupe_key) == ("shop-a", "v2_payment", "4200000001202611270000000001")
    # The verifier checks it as its own expected mch_id: another merchant is not routed here.
    with pytest.raises(wn.EndpointRejected) as info:
        endpoint.handle({}, v2_payment("10000200"))
    assert (info.value.code, info.value.reply) == ("merchant_mismatch", wn.HttpReply(200, "text/xml", V2_REFUSAL))
    # The same id on both is fine.
    agreeing = wn.MerchantProfile("a", v2=wn.Verifier(A_KEY, "MD5", mch_id="10000100"), mch_id="10000100")
    assert wn.Endpoint([agreeing]).handle({}, v2_payment("10000100")).label == "a"


def test_a_profile_mch_id_that_is_empty_or_disagrees_is_refused_by_the_endpoint() -> None:
    disagreeing = wn.MerchantProfile("a", v2=wn.Verifier(A_KEY, "MD5", mch_id="10000100"), mch_id="10000200")
    empty = wn.MerchantProfile("b", v3=v3_verifier(), mch_id="")
    for profile in (disagreeing, empty):
        with pytest.raises(wn.InvalidConfigError) as info:
            wn.Endpoint([profile])
        assert info.value.code == "invalid_config" and A_KEY not in str(info.value)
    # Without a merchant id anywhere, a v2 part cannot be routed.
    with pytest.raises(wn.InvalidConfigError):
        wn.MerchantProfile("c", v2=wn.Verifier(A_KEY, "MD5"), mch_id="")


def test_a_profile_mch_id_binds_the_v3_part() -> None:
    headers, body = v3_request(transaction_resource(mchid="1900000100"))
    bound = wn.Endpoint([wn.MerchantProfile("shop-a", v3=v3_verifier(), mch_id="1900000100")])
    assert bound.handle(headers, body, now=V3_NOW).label == "shop-a"
    other = wn.Endpoint([wn.MerchantProfile("shop-b", v3=v3_verifier(), mch_id="1900000200")])
    with pytest.raises(wn.EndpointRejected) as info:
        other.handle(headers, body, now=V3_NOW)
    err = info.value
    assert (err.code, err.version, err.label) == ("merchant_mismatch", "v3", "shop-b")
    assert err.reply == wn.HttpReply(401, "application/json", V3_REFUSAL)
    # The v3 verifier's own mch_ids win over the profile's.
    own = wn.MerchantProfile("shop-b", v3=v3_verifier(mch_ids=["1900000100"]), mch_id="1900000200")
    assert wn.Endpoint([own]).handle(headers, body, now=V3_NOW).label == "shop-b"


def test_a_v2_mch_id_binds_the_v3_part_of_its_profile() -> None:
    """A v2 verifier's mch_id declares the merchant id, so the profile's APIv3 part is bound to it."""
    headers, body = v3_request(transaction_resource(mchid="1900000100"))
    same = wn.MerchantProfile("a", v2=wn.Verifier(A_KEY, "MD5", mch_id="1900000100"), v3=v3_verifier())
    assert wn.Endpoint([same]).handle(headers, body, now=V3_NOW).label == "a"
    other = wn.MerchantProfile("a", v2=wn.Verifier(A_KEY, "MD5", mch_id="10000100"), v3=v3_verifier())
    with pytest.raises(wn.EndpointRejected) as info:
        wn.Endpoint([other]).handle(headers, body, now=V3_NOW)
    assert info.value.code == "merchant_mismatch"


def test_a_v3_only_profile_without_mch_id_serves_any_merchant() -> None:
    headers, body = v3_request(transaction_resource(mchid="1900000100"))
    endpoint = wn.Endpoint([wn.MerchantProfile("a", v3=v3_verifier())])
    assert endpoint.handle(headers, body, now=V3_NOW).label == "a"


def test_two_v2_profiles_with_one_api_key_are_refused() -> None:
    """A refund's req_info names no merchant: with one key, only the unsigned outer mch_id would
    tell the two merchants apart."""
    a = wn.MerchantProfile("a", v2=wn.Verifier(A_KEY, "MD5", mch_id="10000100"))
    b = wn.MerchantProfile("b", v2=wn.Verifier(A_KEY, "HMAC-SHA256", mch_id="10000200"))
    with pytest.raises(wn.InvalidConfigError) as info:
        wn.Endpoint([a, b])
    assert info.value.code == "invalid_config" and A_KEY not in str(info.value)
    c = wn.MerchantProfile("b", v2=wn.Verifier(B_KEY, "MD5", mch_id="10000200"))
    assert wn.Endpoint([a, c]).labels == ("a", "b")


def test_an_apiv3_body_over_the_profiles_limit_is_refused_before_anything_else() -> None:
    """SPEC §2: size limit first, through the endpoint as through the verifier alone."""
    headers, body = v3_request(transaction_resource())
    limit = len(body) - 1
    alone = v3_verifier(max_body_bytes=limit)
    with pytest.raises(wn.NotifyError) as direct:
        alone.verify(headers, body, now=V3_NOW)
    assert direct.value.code == "body_too_large"
    endpoint = wn.Endpoint([wn.MerchantProfile("a", v3=alone, mch_id="1900000100")])
    with pytest.raises(wn.EndpointRejected) as info:
        endpoint.handle(headers, body, now=V3_NOW)
    err = info.value
    assert (err.code, err.version, err.label) == ("body_too_large", "v3", "a")
    assert err.reply == wn.HttpReply(400, "application/json", V3_REFUSAL)
