"""The misuse rule (SPEC §3, issue 9.6), the same on every surface: an argument of the wrong *type*
raises the language's own TypeError (never NotifyError); a value of the right type that the library
refuses raises NotifyError with its code (``invalid_config`` for configuration, ``invalid_argument``
otherwise). A str holding a lone surrogate is such a value: it has no UTF-8 form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import wechatpay_notify as wn
from support import KEY, load_vectors, payment_pairs, signed_body

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
    ]


@pytest.mark.parametrize(("label", "call"), wrong_types(), ids=[w[0] for w in wrong_types()])
def test_a_wrong_type_raises_type_error(label: str, call: Call) -> None:
    with pytest.raises(TypeError) as info:
        call()
    assert not isinstance(info.value, wn.NotifyError), label


@pytest.mark.parametrize(
    ("label", "code", "call"), refused_values(), ids=[r[0] for r in refused_values()]
)
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
