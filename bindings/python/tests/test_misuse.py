"""The misuse rule (SPEC §3, issue 9.6), the same on every surface: an argument of the wrong *type*
raises the language's own TypeError (never NotifyError); a value of the right type that the library
refuses raises NotifyError with its code (``invalid_config`` for configuration, ``invalid_argument``
otherwise). A str holding a lone surrogate is such a value: it has no UTF-8 form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import wechatpay_notify as wn
from support import (
    KEY,
    REPO_ROOT,
    endpoint_of,
    load_vectors,
    pairs_of,
    payment_pairs,
    signed_body,
)

SURROGATE = "\ud800"
Call = Callable[[], object]


def verifier() -> wn.Verifier:
    return wn.Verifier(KEY, "MD5")


def refund_sample() -> tuple[str, str]:
    """A genuine refund notification's API key and body."""
    group = load_vectors("v2_refund.json")["testGroups"][0]
    key: str = group["config"]["apiKey"]
    body: str = group["tests"][0]["body"]
    return key, body


KEYS = REPO_ROOT / "tests" / "vectors" / "keys"
V3_KEY = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"  # SPEC §1's AES-GCM vector key: 32 bytes
PUB_ID = "PUB_KEY_ID_0114232134912410000000000000"


def v3_sample() -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid APIv3 case (tcId 1) and its group."""
    group = load_vectors("v3_notify.json")["testGroups"][0]
    return group, group["tests"][0]


def v3_verifier() -> wn.V3Verifier:
    return wn.V3Verifier(V3_KEY, {PUB_ID: (KEYS / "pubkey-a-public.pem").read_text()})


def endpoint() -> wn.Endpoint:
    return endpoint_of(load_vectors("endpoint.json")["testGroups"][0]["config"])


def bad(value: object) -> Any:
    """``value`` typed as Any, so that the type checker lets a deliberately wrong argument through."""
    return value


def wrong_types() -> list[tuple[str, Call]]:
    v = verifier()
    return [
        ("Verifier api_key int", lambda: wn.Verifier(bad(42), "MD5")),
        ("Verifier api_key bytes", lambda: wn.Verifier(bad(KEY.encode()), "MD5")),
        ("Verifier api_key None", lambda: wn.Verifier(bad(None), "MD5")),
        ("Verifier sign_type None", lambda: wn.Verifier(KEY, bad(None))),
        ("Verifier sign_type bytes", lambda: wn.Verifier(KEY, bad(b"MD5"))),
        ("Verifier appid int", lambda: wn.Verifier(KEY, "MD5", appid=bad(1))),
        ("Verifier mch_id bytes", lambda: wn.Verifier(KEY, "MD5", mch_id=bad(b"10000100"))),
        ("Verifier also_accept str", lambda: wn.Verifier(KEY, "MD5", also_accept="MD5")),
        ("Verifier also_accept bytes", lambda: wn.Verifier(KEY, "MD5", also_accept=bad(b"MD5"))),
        ("Verifier also_accept int", lambda: wn.Verifier(KEY, "MD5", also_accept=bad(5))),
        ("Verifier also_accept item", lambda: wn.Verifier(KEY, "MD5", also_accept=[bad(1)])),
        ("Verifier max_body_bytes str", lambda: wn.Verifier(KEY, "MD5", max_body_bytes=bad("10"))),
        ("Verifier max_body_bytes float", lambda: wn.Verifier(KEY, "MD5", max_body_bytes=bad(1.5))),
        ("Verifier max_body_bytes bool", lambda: wn.Verifier(KEY, "MD5", max_body_bytes=bad(True))),
        ("Verifier positional appid", lambda: bad(wn.Verifier)(KEY, "MD5", "wx")),
        ("Verifier unknown keyword", lambda: wn.Verifier(KEY, "MD5", **bad({"mchid": "1"}))),
        ("verify_payment int", lambda: v.verify_payment(bad(42))),
        ("verify_payment None", lambda: v.verify_payment(bad(None))),
        ("verify_payment list", lambda: v.verify_payment(bad([b"<xml/>"]))),
        ("decrypt_refund int", lambda: v.decrypt_refund(bad(42))),
        ("decrypt_refund None", lambda: v.decrypt_refund(bad(None))),
        ("sign fields str", lambda: wn.sign(bad("appid=x"), KEY, "MD5")),
        ("sign fields bytes", lambda: wn.sign(bad(b"appid"), KEY, "MD5")),
        ("sign fields int", lambda: wn.sign(bad(42), KEY, "MD5")),
        ("sign fields None", lambda: wn.sign(bad(None), KEY, "MD5")),
        ("sign pair of one", lambda: wn.sign(bad([("a",)]), KEY, "MD5")),
        ("sign pair of three", lambda: wn.sign(bad([("a", "1", "2")]), KEY, "MD5")),
        ("sign pair is a str", lambda: wn.sign(bad(["ab"]), KEY, "MD5")),
        ("sign value int", lambda: wn.sign(bad([("a", 1)]), KEY, "MD5")),
        ("sign name int", lambda: wn.sign(bad([(1, "a")]), KEY, "MD5")),
        ("sign mapping value int", lambda: wn.sign(bad({"a": 1}), KEY, "MD5")),
        ("sign api_key bytes", lambda: wn.sign([("a", "1")], bad(KEY.encode()), "MD5")),
        ("sign sign_type None", lambda: wn.sign([("a", "1")], KEY, bad(None))),
        ("reply_fail None", lambda: wn.reply_fail(bad(None))),
        ("reply_fail bytes", lambda: wn.reply_fail(bad(b"x"))),
        ("reply_fail int", lambda: wn.reply_fail(bad(42))),
        ("refund_state None", lambda: wn.refund_state(bad(None))),
        ("refund_state bytes", lambda: wn.refund_state(bad(b"CHANGE"))),
        *v3_wrong_types(),
        *endpoint_wrong_types(),
    ]


def v3_wrong_types() -> list[tuple[str, Call]]:
    v = v3_verifier()
    pem = (KEYS / "pubkey-a-public.pem").read_text()
    keys = {PUB_ID: pem}
    h = {"Wechatpay-Serial": PUB_ID}
    return [
        ("V3Verifier api_v3_key int", lambda: wn.V3Verifier(bad(42), keys)),
        ("V3Verifier api_v3_key bytes", lambda: wn.V3Verifier(bad(V3_KEY.encode()), keys)),
        ("V3Verifier api_v3_key None", lambda: wn.V3Verifier(bad(None), keys)),
        ("V3Verifier platform_keys None", lambda: wn.V3Verifier(V3_KEY, bad(None))),
        ("V3Verifier platform_keys str", lambda: wn.V3Verifier(V3_KEY, bad(pem))),
        ("V3Verifier platform_keys bytes", lambda: wn.V3Verifier(V3_KEY, bad(pem.encode()))),
        ("V3Verifier platform_keys int", lambda: wn.V3Verifier(V3_KEY, bad(5))),
        ("V3Verifier platform_keys list of str", lambda: wn.V3Verifier(V3_KEY, bad([pem]))),
        ("V3Verifier platform key bytes", lambda: wn.V3Verifier(V3_KEY, bad({PUB_ID: pem.encode()}))),
        ("V3Verifier platform key id int", lambda: wn.V3Verifier(V3_KEY, bad({1: pem}))),
        ("V3Verifier platform key triple", lambda: wn.V3Verifier(V3_KEY, bad([(PUB_ID, pem, pem)]))),
        ("V3Verifier max_clock_skew str", lambda: wn.V3Verifier(V3_KEY, keys, max_clock_skew=bad("300"))),
        ("V3Verifier max_clock_skew float", lambda: wn.V3Verifier(V3_KEY, keys, max_clock_skew=bad(1.5))),
        ("V3Verifier max_clock_skew bool", lambda: wn.V3Verifier(V3_KEY, keys, max_clock_skew=bad(True))),
        ("V3Verifier max_body_bytes str", lambda: wn.V3Verifier(V3_KEY, keys, max_body_bytes=bad("1"))),
        ("V3Verifier positional skew", lambda: bad(wn.V3Verifier)(V3_KEY, keys, 300)),
        ("V3Verifier mch_ids str", lambda: wn.V3Verifier(V3_KEY, keys, mch_ids=bad("1900000100"))),
        ("V3Verifier mch_ids bytes", lambda: wn.V3Verifier(V3_KEY, keys, mch_ids=bad(b"1900000100"))),
        ("V3Verifier mch_ids int", lambda: wn.V3Verifier(V3_KEY, keys, mch_ids=bad(1900000100))),
        ("V3Verifier mch_ids item int", lambda: wn.V3Verifier(V3_KEY, keys, mch_ids=[bad(1900000100)])),
        ("V3Verifier mch_ids item bytes", lambda: wn.V3Verifier(V3_KEY, keys, mch_ids=[bad(b"1900000100")])),
        ("V3Verifier mch_ids item None", lambda: wn.V3Verifier(V3_KEY, keys, mch_ids=["1", bad(None)])),
        ("V3Verifier unknown keyword", lambda: wn.V3Verifier(V3_KEY, keys, **bad({"maxClockSkew": 1}))),
        ("verify headers None", lambda: v.verify(bad(None), b"{}")),
        ("verify headers str", lambda: v.verify(bad("Wechatpay-Serial: x"), b"{}")),
        ("verify headers bytes", lambda: v.verify(bad(b"Wechatpay-Serial"), b"{}")),
        ("verify headers int", lambda: v.verify(bad(7), b"{}")),
        ("verify headers list of str", lambda: v.verify(bad(["Wechatpay-Serial"]), b"{}")),
        ("verify header value int", lambda: v.verify(bad({"Wechatpay-Timestamp": 1}), b"{}")),
        ("verify header value bytes", lambda: v.verify(bad([(b"Wechatpay-Nonce", b"n")]), b"{}")),
        ("verify header triple", lambda: v.verify(bad([("a", "b", "c")]), b"{}")),
        ("verify body None", lambda: v.verify(h, bad(None))),
        ("verify body int", lambda: v.verify(h, bad(1))),
        ("verify body dict", lambda: v.verify(h, bad({"id": "x"}))),
        ("verify now str", lambda: v.verify(h, b"{}", now=bad("1795000000"))),
        ("verify now float", lambda: v.verify(h, b"{}", now=bad(1795000000.0))),
        ("verify now bool", lambda: v.verify(h, b"{}", now=bad(True))),
        ("verify positional now", lambda: bad(v.verify)(h, b"{}", 1795000000)),
        ("trusts int", lambda: v.trusts(bad(1))),
        ("trusts None", lambda: v.trusts(bad(None))),
        ("trusts bytes", lambda: v.trusts(bad(PUB_ID.encode()))),
        ("reply_v3_fail None", lambda: wn.reply_v3_fail(bad(None))),
        ("reply_v3_fail int", lambda: wn.reply_v3_fail(bad(401))),
        ("reply_v3_fail bytes", lambda: wn.reply_v3_fail(bad(b"signature_mismatch"))),
    ]


def endpoint_wrong_types() -> list[tuple[str, Call]]:
    v2 = wn.Verifier(KEY, "MD5", mch_id="10000100")
    v3 = v3_verifier()
    profile = wn.MerchantProfile("a", v2=v2)
    e = endpoint()
    return [
        ("MerchantProfile label int", lambda: wn.MerchantProfile(bad(1), v2=v2)),
        ("MerchantProfile label None", lambda: wn.MerchantProfile(bad(None), v2=v2)),
        ("MerchantProfile v2 is a V3Verifier", lambda: wn.MerchantProfile("a", v2=bad(v3))),
        ("MerchantProfile v3 is a Verifier", lambda: wn.MerchantProfile("a", v3=bad(v2))),
        ("MerchantProfile v2 str", lambda: wn.MerchantProfile("a", v2=bad(KEY))),
        ("MerchantProfile v3 dict", lambda: wn.MerchantProfile("a", v3=bad({"api_v3_key": V3_KEY}))),
        ("MerchantProfile positional v2", lambda: bad(wn.MerchantProfile)("a", v2)),
        ("MerchantProfile mch_id int", lambda: wn.MerchantProfile("a", v3=v3, mch_id=bad(10000100))),
        ("MerchantProfile mch_id bytes", lambda: wn.MerchantProfile("a", v3=v3, mch_id=bad(b"10000100"))),
        ("MerchantProfile mch_id list", lambda: wn.MerchantProfile("a", v3=v3, mch_id=bad(["10000100"]))),
        ("Endpoint profiles None", lambda: wn.Endpoint(bad(None))),
        ("Endpoint profiles str", lambda: wn.Endpoint(bad("a"))),
        ("Endpoint profiles int", lambda: wn.Endpoint(bad(2))),
        ("Endpoint a profile", lambda: wn.Endpoint(bad(profile))),
        ("Endpoint item Verifier", lambda: wn.Endpoint(bad([profile, v2]))),
        ("Endpoint item dict", lambda: wn.Endpoint(bad([{"label": "a"}]))),
        ("handle headers None", lambda: e.handle(bad(None), b"<xml/>")),
        ("handle headers str", lambda: e.handle(bad("x"), b"<xml/>")),
        ("handle header value int", lambda: e.handle(bad({"Wechatpay-Signature": 1}), b"{}")),
        ("handle body None", lambda: e.handle({}, bad(None))),
        ("handle body int", lambda: e.handle({}, bad(1))),
        ("handle now float", lambda: e.handle({}, b"<xml/>", now=bad(1.0))),
        ("handle now str", lambda: e.handle({}, b"<xml/>", now=bad("1"))),
        ("handle positional now", lambda: bad(e.handle)({}, b"<xml/>", 1)),
        ("from_profiles_file None", lambda: wn.Endpoint.from_profiles_file(bad(None))),
        ("from_profiles_file int", lambda: wn.Endpoint.from_profiles_file(bad(3))),
        ("from_profiles_file bytes", lambda: wn.Endpoint.from_profiles_file(bad(b"profiles.json"))),
        ("from_profiles_file list", lambda: wn.Endpoint.from_profiles_file(bad(["profiles.json"]))),
        ("request_version None", lambda: wn.request_version(bad(None))),
        ("request_version str", lambda: wn.request_version(bad("Wechatpay-Signature: x"))),
        ("request_version header value int", lambda: wn.request_version(bad({"Wechatpay-Signature": 1}))),
        ("internal_error_reply None", lambda: wn.internal_error_reply(bad(None))),
        ("internal_error_reply bytes", lambda: wn.internal_error_reply(bad(b"x"))),
        ("internal_error_reply header triple", lambda: wn.internal_error_reply(bad([("a", "b", "c")]))),
    ]


def refused_values() -> list[tuple[str, str, Call]]:
    v = verifier()
    good = [("appid", "wx1"), ("mch_id", "10000100")]
    return [
        ("Verifier short key", "invalid_config", lambda: wn.Verifier("short", "MD5")),
        ("Verifier non-ASCII key", "invalid_config", lambda: wn.Verifier("密" * 32, "MD5")),
        ("Verifier surrogate key", "invalid_config", lambda: wn.Verifier(SURROGATE * 32, "MD5")),
        ("Verifier lowercase sign_type", "invalid_config", lambda: wn.Verifier(KEY, "md5")),
        ("Verifier unknown sign_type", "invalid_config", lambda: wn.Verifier(KEY, "SHA1")),
        ("Verifier surrogate sign_type", "invalid_config", lambda: wn.Verifier(KEY, SURROGATE)),
        ("Verifier unknown also_accept", "invalid_config",
         lambda: wn.Verifier(KEY, "MD5", also_accept=["HMAC-SHA1"])),
        ("Verifier negative max_body_bytes", "invalid_config",
         lambda: wn.Verifier(KEY, "MD5", max_body_bytes=-1)),
        ("Verifier huge max_body_bytes", "invalid_config",
         lambda: wn.Verifier(KEY, "MD5", max_body_bytes=2**70)),
        ("Verifier surrogate appid", "invalid_config", lambda: wn.Verifier(KEY, "MD5", appid=SURROGATE)),
        ("Verifier surrogate mch_id", "invalid_config", lambda: wn.Verifier(KEY, "MD5", mch_id=SURROGATE)),
        ("verify_payment surrogate str", "invalid_argument",
         lambda: v.verify_payment("<xml>" + SURROGATE + "</xml>")),
        ("decrypt_refund surrogate str", "invalid_argument",
         lambda: v.decrypt_refund("<xml>" + SURROGATE + "</xml>")),
        ("sign repeated name", "invalid_argument", lambda: wn.sign([("a", "1"), ("a", "2")], KEY, "MD5")),
        ("sign name with =", "invalid_argument", lambda: wn.sign([*good, ("a=b", "1")], KEY, "MD5")),
        ("sign name with &", "invalid_argument", lambda: wn.sign([*good, ("a&b", "1")], KEY, "MD5")),
        ("sign empty name", "invalid_argument", lambda: wn.sign([*good, ("", "1")], KEY, "MD5")),
        ("sign surrogate value", "invalid_argument", lambda: wn.sign([("a", SURROGATE)], KEY, "MD5")),
        ("sign surrogate name", "invalid_argument", lambda: wn.sign({SURROGATE: "1"}, KEY, "MD5")),
        ("sign short key", "invalid_config", lambda: wn.sign(good, "short", "MD5")),
        ("sign surrogate key", "invalid_config", lambda: wn.sign(good, SURROGATE * 32, "MD5")),
        ("sign unknown sign_type", "invalid_config", lambda: wn.sign(good, KEY, "HMAC-SHA1")),
        ("reply_fail surrogate", "invalid_argument", lambda: wn.reply_fail("bad " + SURROGATE)),
        ("refund_state surrogate", "invalid_argument", lambda: wn.refund_state(SURROGATE)),
        *v3_refused_values(),
        *endpoint_refused_values(),
    ]


def v3_refused_values() -> list[tuple[str, str, Call]]:
    v = v3_verifier()
    pem = (KEYS / "pubkey-a-public.pem").read_text()
    cert = (KEYS / "wechatpay-go-certificate.pem").read_text()
    keys = {PUB_ID: pem}
    h = {"Wechatpay-Serial": PUB_ID}
    return [
        ("V3Verifier 16-byte key", "invalid_config", lambda: wn.V3Verifier(V3_KEY[:16], keys)),
        ("V3Verifier 33-byte key", "invalid_config", lambda: wn.V3Verifier(V3_KEY + "x", keys)),
        ("V3Verifier 32 chars, 33 bytes", "invalid_config", lambda: wn.V3Verifier(V3_KEY[:31] + "é", keys)),
        ("V3Verifier surrogate key", "invalid_config", lambda: wn.V3Verifier(SURROGATE * 32, keys)),
        ("V3Verifier junk PEM", "invalid_config", lambda: wn.V3Verifier(V3_KEY, {PUB_ID: "not a PEM"})),
        ("V3Verifier RSA-1024", "invalid_config",
         lambda: wn.V3Verifier(V3_KEY, {PUB_ID: (KEYS / "rsa-1024-public.pem").read_text()})),
        ("V3Verifier EC key", "invalid_config",
         lambda: wn.V3Verifier(V3_KEY, {PUB_ID: (KEYS / "ec-p256-public.pem").read_text()})),
        ("V3Verifier certificate under another id", "invalid_config", lambda: wn.V3Verifier(V3_KEY, {"01": cert})),
        ("V3Verifier one id twice", "invalid_config",
         lambda: wn.V3Verifier(V3_KEY, [("D7CE59D1F522D701", cert), ("00d7ce59d1f522d701", cert)])),
        ("V3Verifier surrogate id", "invalid_config", lambda: wn.V3Verifier(V3_KEY, {SURROGATE: pem})),
        ("V3Verifier surrogate PEM", "invalid_config", lambda: wn.V3Verifier(V3_KEY, {PUB_ID: SURROGATE})),
        ("V3Verifier negative skew", "invalid_config", lambda: wn.V3Verifier(V3_KEY, keys, max_clock_skew=-1)),
        ("V3Verifier huge skew", "invalid_config", lambda: wn.V3Verifier(V3_KEY, keys, max_clock_skew=2**64)),
        ("V3Verifier negative max_body_bytes", "invalid_config",
         lambda: wn.V3Verifier(V3_KEY, keys, max_body_bytes=-1)),
        ("V3Verifier empty mch_id", "invalid_config", lambda: wn.V3Verifier(V3_KEY, keys, mch_ids=[""])),
        ("V3Verifier surrogate mch_id", "invalid_config", lambda: wn.V3Verifier(V3_KEY, keys, mch_ids=[SURROGATE])),
        ("verify surrogate header", "invalid_argument", lambda: v.verify({"Wechatpay-Nonce": SURROGATE}, b"{}")),
        ("verify surrogate header name", "invalid_argument", lambda: v.verify([(SURROGATE, "x")], b"{}")),
        ("verify surrogate body", "invalid_argument", lambda: v.verify(h, "{" + SURROGATE + "}")),
        ("verify negative now", "invalid_argument", lambda: v.verify(h, b"{}", now=-1)),
        ("verify huge now", "invalid_argument", lambda: v.verify(h, b"{}", now=2**64)),
        ("verify repeated header", "invalid_argument",
         lambda: v.verify([*pairs_of(v3_sample()[1]["headers"]), ("wechatpay-nonce", "again")],
                          v3_sample()[1]["body"], now=v3_sample()[1]["now"])),
        ("trusts surrogate", "invalid_argument", lambda: v.trusts(SURROGATE)),
        ("reply_v3_fail unknown code", "invalid_argument", lambda: wn.reply_v3_fail("no_such_code")),
        ("reply_v3_fail surrogate code", "invalid_argument", lambda: wn.reply_v3_fail(SURROGATE)),
    ]


def endpoint_refused_values() -> list[tuple[str, str, Call]]:
    e = endpoint()
    no_mch = wn.Verifier(KEY, "MD5")
    return [
        ("MerchantProfile v2 without mch_id", "invalid_config", lambda: wn.MerchantProfile("a", v2=no_mch)),
        ("MerchantProfile surrogate label", "invalid_config",
         lambda: wn.MerchantProfile(SURROGATE, v3=v3_verifier())),
        ("MerchantProfile surrogate mch_id", "invalid_config",
         lambda: wn.MerchantProfile("a", v3=v3_verifier(), mch_id=SURROGATE)),
        ("Endpoint empty profile mch_id", "invalid_config",
         lambda: wn.Endpoint([wn.MerchantProfile("a", v3=v3_verifier(), mch_id="")])),
        ("Endpoint profile mch_id against the v2 one", "invalid_config",
         lambda: wn.Endpoint([wn.MerchantProfile("a", v2=wn.Verifier(KEY, "MD5", mch_id="1"), mch_id="2")])),
        ("Endpoint same v2 API key twice", "invalid_config",
         lambda: wn.Endpoint([wn.MerchantProfile("a", v2=wn.Verifier(KEY, "MD5", mch_id="1")),
                              wn.MerchantProfile("b", v2=wn.Verifier(KEY, "MD5", mch_id="2"))])),
        ("Endpoint no profile", "invalid_config", lambda: wn.Endpoint([])),
        ("Endpoint empty profile", "invalid_config", lambda: wn.Endpoint([wn.MerchantProfile("a")])),
        ("Endpoint same key id twice", "invalid_config",
         lambda: wn.Endpoint([wn.MerchantProfile("a", v3=v3_verifier()), wn.MerchantProfile("b", v3=v3_verifier())])),
        ("handle surrogate header", "invalid_argument", lambda: e.handle({"Wechatpay-Signature": SURROGATE}, b"{}")),
        ("handle surrogate body", "invalid_argument", lambda: e.handle({}, "<xml>" + SURROGATE + "</xml>")),
        ("handle negative now", "invalid_argument", lambda: e.handle({}, b"<xml/>", now=-5)),
        ("from_profiles_file missing file", "invalid_config",
         lambda: wn.Endpoint.from_profiles_file(REPO_ROOT / "no-such-profiles.json")),
        ("request_version surrogate header", "invalid_argument",
         lambda: wn.request_version({"Wechatpay-Signature": SURROGATE})),
        ("internal_error_reply surrogate header", "invalid_argument",
         lambda: wn.internal_error_reply([(SURROGATE, "x")])),
    ]


@pytest.mark.parametrize(("label", "call"), wrong_types(), ids=[w[0] for w in wrong_types()])
def test_a_wrong_type_raises_type_error(label: str, call: Call) -> None:
    with pytest.raises(TypeError) as info:
        call()
    assert not isinstance(info.value, wn.NotifyError), label


def refused_value_params() -> list[Any]:
    return [pytest.param(*r, id=r[0]) for r in refused_values()]


@pytest.mark.parametrize(("label", "code", "call"), refused_value_params())
def test_a_refused_value_raises_notify_error_with_its_code(label: str, code: str, call: Call) -> None:
    with pytest.raises(wn.NotifyError) as info:
        call()
    err = info.value
    assert err.code == code, (label, err.code, err.message)
    assert not isinstance(err, TypeError), label
    expected_class = wn.InvalidConfigError if code == "invalid_config" else wn.InvalidArgumentError
    assert type(err) is expected_class, (label, type(err))
    assert isinstance(err, ValueError)  # a right type with a wrong value, as Python has it
    assert KEY not in str(err) and SURROGATE not in str(err)
    assert str(err) == f"{code}: {err.message}" and err.message.isascii()


def test_the_same_calls_with_good_values_work() -> None:
    """The refused-value cases differ from a working call in the value only."""
    v = wn.Verifier(
        KEY, "MD5", appid="wx2421b1c4370ec43b", mch_id="10000100", also_accept=["HMAC-SHA256"], max_body_bytes=4096
    )
    assert v.verify_payment(signed_body(payment_pairs()).decode()).is_success
    key, body = refund_sample()
    assert wn.Verifier(key, "MD5", max_body_bytes=4096).decrypt_refund(body).dedupe_key
    assert wn.sign([("appid", "wx1"), ("a_b", "1")], KEY, "MD5")
    assert "x" in wn.reply_fail("x")


def test_none_means_the_default_for_optional_arguments() -> None:
    v = wn.Verifier(KEY, "MD5", appid=None, mch_id=None, also_accept=None, max_body_bytes=None)
    assert (v.appid, v.mch_id, v.also_accept, v.max_body_bytes) == (None, None, (), 65536)


def test_a_request_the_endpoint_refuses_is_endpoint_rejected() -> None:
    """A right-typed request the core refuses -- even for a repeated header, which the verifier
    alone reports as invalid_argument -- carries the endpoint's decision and reply."""
    _, case = v3_sample()
    headers = [*pairs_of(case["headers"]), ("WECHATPAY-SERIAL", PUB_ID)]
    with pytest.raises(wn.EndpointRejected) as info:
        endpoint().handle(headers, case["body"], now=case["now"])
    err = info.value
    assert (err.code, err.version, err.label) == ("invalid_argument", "v3", None)
    assert err.reply == wn.reply_v3_fail("invalid_argument") and err.reply.status == 400
    assert not isinstance(err, TypeError)


def test_the_same_v3_and_endpoint_calls_with_good_values_work() -> None:
    group, case = v3_sample()
    cfg = group["config"]
    v = wn.V3Verifier(cfg["apiV3Key"], pairs_of(cfg["platformKeys"]), max_clock_skew=300, max_body_bytes=4096)
    assert v.verify(case["headers"], case["body"], now=case["now"]).is_success
    assert v.trusts(PUB_ID)
    assert wn.MerchantProfile("a", v2=wn.Verifier(KEY, "MD5", mch_id="1")).label == "a"
    assert wn.MerchantProfile("a", v2=wn.Verifier(KEY, "MD5"), mch_id="1").mch_id == "1"
    assert wn.V3Verifier(cfg["apiV3Key"], pairs_of(cfg["platformKeys"]), mch_ids=["1900000100"]).mch_ids == (
        "1900000100",
    )
    assert wn.refund_state("CHANGE") == "ABNORMAL"
    assert wn.reply_v3_fail("signature_mismatch").status == 401


def test_a_body_a_middleware_already_parsed_names_the_raw_body() -> None:
    # Flask's request.get_json() or a JSON middleware gives a dict: the signature covers the
    # exact bytes, so the TypeError says where frameworks keep them.
    group, case = v3_sample()
    for call in (
        lambda: v3_verifier().verify(case["headers"], bad({"id": "x"})),
        lambda: endpoint().handle({}, bad([{"id": "x"}])),
        lambda: verifier().verify_payment(bad({"return_code": "SUCCESS"})),
    ):
        with pytest.raises(TypeError, match="raw request body") as e:
            call()
        assert "request.get_data()" in str(e.value) and "request.body" in str(e.value)
