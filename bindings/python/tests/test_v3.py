"""The APIv3 surface (SPEC §4 Python, issue 10): V3Verifier, V3Notification, its typed views, the
APIv3 replies. Every rule is exercised by the shared vectors (test_vectors.py); these tests pin the
Python-specific parts: input forms, the clock, object identity, reprs, replies, errors."""

from __future__ import annotations

import gc
import json
import pickle
import weakref
from typing import Any

import pytest
import wechatpay_notify as wn
from support import (
    REPO_ROOT,
    V3_KEY,
    V3_NOW,
    cases_of,
    load_vectors,
    pairs_of,
    transaction_resource,
    v3_request,
    v3_verifier,
    v3_verifier_of,
)

KEYS = REPO_ROOT / "tests" / "vectors" / "keys"
PUBLIC_KEY_ID = "PUB_KEY_ID_0114232134912410000000000000"


def valid_case(tc_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    for group, case in cases_of("v3_notify.json"):
        if case["tcId"] == tc_id:
            assert case["result"] == "valid"
            return group, case
    raise AssertionError(f"no tcId {tc_id}")


def payment() -> tuple[wn.V3Verifier, list[tuple[str, str]], bytes, int]:
    """tcId 1: a payment in the public key mode, with its verifier, headers, body and time."""
    group, case = valid_case(1)
    return v3_verifier_of(group["config"]), pairs_of(case["headers"]), case["body"].encode(), case["now"]


def test_verify_returns_the_event_and_its_typed_views() -> None:
    verifier, headers, body, now = payment()
    n = verifier.verify(headers, body, now=now)
    assert (n.id, n.event_type, n.resource_type) == ("EV-2026111817331200001", "TRANSACTION.SUCCESS", "encrypt-resource")
    assert n.is_success is True and n.dedupe_key == "4200000712202611186734455230"
    t = n.transaction
    assert isinstance(t, wn.V3Transaction) and n.refund is None
    assert (t.out_trade_no, t.amount_total, t.payer_openid, t.sub_mchid) == (
        "20261118ORDER0001",
        999,
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        None,
    )
    assert repr(t) == (
        "V3Transaction(out_trade_no='20261118ORDER0001', transaction_id='4200000712202611186734455230', "
        "amount_total=999, trade_state='SUCCESS')"
    )
    assert repr(n) == (
        "V3Notification(id='EV-2026111817331200001', event_type='TRANSACTION.SUCCESS', "
        "dedupe_key='4200000712202611186734455230')"
    )
    # The view stays usable after the notification is gone (it shares the core's result).
    del n
    gc.collect()
    assert t.transaction_id == "4200000712202611186734455230"


def test_resource_is_the_parsed_plaintext_built_once() -> None:
    verifier, headers, body, now = payment()
    n = verifier.verify(headers, body, now=now)
    assert n.resource is n.resource and type(n.resource) is dict
    assert list(n.resource) == ["mchid", "appid", "out_trade_no", "transaction_id", "trade_type", "trade_state",
                                "trade_state_desc", "bank_type", "attach", "success_time", "payer", "amount"]
    # The typed views read the verified values in the core, never the dict.
    n.resource["amount"] = {"total": 1}
    assert n.transaction is not None and n.transaction.amount_total == 999
    # A cycle through the dict is collectable.

    class Witness:
        pass

    probe = verifier.verify(headers, body, now=now)
    witness = Witness()
    probe.resource["self"], probe.resource["witness"] = probe, witness
    ref = weakref.ref(witness)
    del probe, witness
    gc.collect()
    assert ref() is None


def test_large_amounts_stay_exact() -> None:
    group, case = valid_case(14)
    n = v3_verifier_of(group["config"]).verify(pairs_of(case["headers"]), case["body"], now=case["now"])
    total = case["expected"]["typed"]["transaction"]["amount_total"]
    assert total > 2**53
    assert n.transaction is not None and n.transaction.amount_total == total
    assert n.resource["amount"]["total"] == total and type(n.resource["amount"]["total"]) is int


def test_refund_view_and_other_events() -> None:
    group, case = valid_case(8)
    n = v3_verifier_of(group["config"]).verify(pairs_of(case["headers"]), case["body"], now=case["now"])
    assert n.transaction is None and isinstance(n.refund, wn.V3Refund)
    assert n.refund.refund_status == "SUCCESS" and n.is_success
    assert n.dedupe_key == f"{n.refund.refund_id}:SUCCESS"
    assert repr(n.refund).startswith("V3Refund(out_refund_no=")
    group, case = valid_case(11)
    other = v3_verifier_of(group["config"]).verify(pairs_of(case["headers"]), case["body"], now=case["now"])
    assert other.transaction is None and other.refund is None
    assert other.dedupe_key == other.id and other.is_success is False


def test_header_and_body_forms_give_the_same_result() -> None:
    verifier, headers, body, now = payment()
    lowercase = [(k.lower(), v) for k, v in headers]
    forms: list[Any] = [headers, dict(headers), dict(lowercase), iter(headers), tuple(headers), [list(p) for p in headers]]
    bodies: list[Any] = [body, bytearray(body), memoryview(body), body.decode()]
    expected = verifier.verify(headers, body, now=now).plaintext
    for h in forms:
        assert verifier.verify(h, body, now=now).plaintext == expected
    for b in bodies:
        assert verifier.verify(headers, b, now=now).plaintext == expected


def test_werkzeug_and_starlette_headers() -> None:
    """The header objects of the frameworks in the examples work as they are."""
    from starlette.datastructures import Headers as StarletteHeaders
    from werkzeug.datastructures import EnvironHeaders, Headers

    verifier, headers, body, now = payment()
    environ = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers}
    for h in (Headers(headers), EnvironHeaders(environ), StarletteHeaders(dict(headers))):
        assert verifier.verify(h, body, now=now).dedupe_key == "4200000712202611186734455230"
    # A repeated header is refused whatever the container (a proxy may keep either copy).
    doubled = Headers([*headers, ("wechatpay-serial", PUBLIC_KEY_ID)])
    with pytest.raises(wn.InvalidArgumentError) as info:
        verifier.verify(doubled, body, now=now)
    assert info.value.code == "invalid_argument"
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in [*headers, ("Wechatpay-Nonce", "x")]]
    with pytest.raises(wn.InvalidArgumentError):
        verifier.verify(StarletteHeaders(raw=raw), body, now=now)


def test_now_defaults_to_the_system_clock() -> None:
    """The vectors are signed at a fixed time, long enough ago that the clock is outside the
    default window, and inside a window of a billion seconds."""
    verifier, headers, body, _ = payment()
    with pytest.raises(wn.NotifyError) as info:
        verifier.verify(headers, body)
    assert info.value.code == "timestamp_out_of_window"
    group, _ = valid_case(1)
    wide = v3_verifier_of({**group["config"], "maxClockSkew": 10**9})
    assert wide.verify(headers, body).is_success
    assert wide.verify(headers, body, now=None).is_success


def test_configuration_is_read_back_from_the_core() -> None:
    group, _ = valid_case(1)
    pairs = pairs_of(group["config"]["platformKeys"])
    v = wn.V3Verifier(group["config"]["apiV3Key"], dict(pairs))
    # As configured, in order; certificates by their uppercase hex serial (no leading zero).
    assert v.trusted_ids == tuple(k.lstrip("0").upper() if k.startswith("0") else k for k, _ in pairs)
    assert "A1B2C3D4E5F6071" in v.trusted_ids and all(v.trusts(k) for k, _ in pairs)
    assert (v.max_clock_skew, v.max_body_bytes) == (300, 65536)
    assert v.trusts(PUBLIC_KEY_ID) and v.trusts("d7ce59d1f522d701") and v.trusts("00D7CE59D1F522D701")
    assert not v.trusts("PUB_KEY_ID_0114232134912410000000000001") and not v.trusts("")
    w = wn.V3Verifier(group["config"]["apiV3Key"], pairs, max_clock_skew=60, max_body_bytes=1024)
    assert (w.trusted_ids, w.max_clock_skew, w.max_body_bytes) == (v.trusted_ids, 60, 1024)
    assert repr(w) == f"V3Verifier(trusted_ids={v.trusted_ids!r}, max_clock_skew=60, max_body_bytes=1024, mch_ids=())"
    assert group["config"]["apiV3Key"] not in repr(w)
    defaults = wn.V3Verifier(group["config"]["apiV3Key"], pairs[:1], max_clock_skew=None, max_body_bytes=None)
    assert (defaults.max_clock_skew, defaults.max_body_bytes, defaults.mch_ids) == (300, 65536, ())
    with pytest.raises(wn.InvalidConfigError, match="no WeChat Pay key is trusted"):
        wn.V3Verifier(group["config"]["apiV3Key"], {})
    with pytest.raises(AttributeError):
        v.max_clock_skew = 1  # type: ignore[misc]


def test_a_certificate_is_named_by_its_serial() -> None:
    key = load_vectors("v3_notify.json")["testGroups"][0]["config"]["apiV3Key"]
    pem = (KEYS / "wechatpay-go-certificate.pem").read_text()
    assert wn.V3Verifier(key, {"D7CE59D1F522D701": pem}).trusts("d7ce59d1f522d701")
    with pytest.raises(wn.InvalidConfigError) as info:
        wn.V3Verifier(key, {"D7CE59D1F522D702": pem})
    assert info.value.code == "invalid_config"
    with pytest.raises(wn.InvalidConfigError):
        wn.V3Verifier(key, {"PUB_KEY_ID_1": (KEYS / "rsa-1024-public.pem").read_text()})


def test_errors_carry_codes_and_never_the_key() -> None:
    verifier, headers, body, now = payment()
    tampered = body.replace(b"EV-2026111817331200001", b"EV-2026111817331200002")
    with pytest.raises(wn.NotifyError) as info:
        verifier.verify(headers, tampered, now=now)
    err = info.value
    assert type(err) is wn.NotifyError and err.code == "signature_mismatch"
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), copy.code, copy.message) == (wn.NotifyError, err.code, err.message)
    with pytest.raises(wn.InvalidConfigError) as bad_key:
        wn.V3Verifier("a7cde1ZJB1kG2e7V", {})  # the 16-byte key of the wechatpay-go fixture
    assert bad_key.value.code == "invalid_config" and "a7cde1ZJB1kG2e7V" not in str(bad_key.value)


def test_v3_replies() -> None:
    ok = wn.reply_v3_success()
    assert ok == wn.HttpReply(204, None, "") and (ok.status, ok.content_type, ok.body) == (204, None, "")
    status, content_type, body = wn.reply_v3_fail("signature_mismatch")
    assert (status, content_type, body) == (401, "application/json", '{"code":"FAIL","message":"rejected"}')
    assert wn.reply_v3_fail("malformed_json").status == 400
    assert wn.reply_v3_fail("invalid_config").status == 500
    verifier, headers, body_bytes, now = payment()
    with pytest.raises(wn.NotifyError) as info:
        verifier.verify(headers, body_bytes, now=now + 301)
    assert wn.reply_v3_fail(info.value) == wn.reply_v3_fail("timestamp_out_of_window")
    assert wn.reply_v3_fail(info.value).status == 401
    # Any other exception (a bug, a database failure) is the internal reply: WeChat Pay retries.
    assert wn.reply_v3_fail(RuntimeError("db down")) == wn.HttpReply(
        500, "application/json", '{"code":"FAIL","message":"rejected"}'
    )
    with pytest.raises(wn.InvalidArgumentError):
        wn.reply_v3_fail("no_such_code")
    with pytest.raises(wn.InvalidArgumentError):
        wn.reply_v3_fail(wn.NotifyError("no_such_code", "m"))
    # Immutable and picklable.
    with pytest.raises(AttributeError):
        ok.status = 200  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(ok)) == ok


# Every SPEC §3 code with its APIv3 status: 401 when the request was not proven authentic, 400
# when it is malformed or unsupported, 500 for our own configuration or a bug.
V3_STATUSES = {
    "invalid_config": 500,
    "invalid_argument": 400,
    "body_too_large": 400,
    "malformed_xml": 400,
    "forbidden_doctype": 400,
    "duplicate_field": 400,
    "missing_field": 400,
    "return_code_fail": 400,
    "missing_signature": 401,
    "sign_type_mismatch": 401,
    "signature_mismatch": 401,
    "merchant_mismatch": 401,
    "decrypt_failed": 400,
    "malformed_json": 400,
    "missing_header": 401,
    "unsupported_algorithm": 400,
    "unknown_serial": 401,
    "signature_probe": 401,
    "timestamp_out_of_window": 401,
    "internal": 500,
}


@pytest.mark.parametrize(("code", "status"), sorted(V3_STATUSES.items()))
def test_every_refusal_reply_carries_the_one_constant_message(code: str, status: int) -> None:
    """SPEC §2: the reply never names the code (the code stays on the error, for the logs)."""
    reply = wn.reply_v3_fail(code)
    assert reply == wn.HttpReply(status, "application/json", '{"code":"FAIL","message":"rejected"}')
    assert wn.REFUSAL_MESSAGE == "rejected"
    assert json.loads(reply.body) == {"code": "FAIL", "message": wn.REFUSAL_MESSAGE}
    assert wn.reply_v3_fail(wn.NotifyError(code, "m")) == reply


def test_mch_ids_bind_the_verifier_to_its_merchants() -> None:
    headers, body = v3_request(transaction_resource(mchid="1900000100"))
    # No merchant id: any merchant passes (the default).
    assert v3_verifier().verify(headers, body, now=V3_NOW).transaction is not None
    # One of them (any iterable of str; repeats kept once, in order).
    accepting = v3_verifier(mch_ids=iter(["1900000999", "1900000100", "1900000999"]))
    assert accepting.mch_ids == ("1900000999", "1900000100")
    assert repr(accepting).endswith("max_clock_skew=300, max_body_bytes=65536, mch_ids=('1900000999', '1900000100'))")
    n = accepting.verify(headers, body, now=V3_NOW)
    assert n.transaction is not None and n.transaction.mchid == "1900000100"
    assert v3_verifier(mch_ids=("1900000100",)).verify(headers, body, now=V3_NOW).is_success
    # Another merchant's notification, genuine and signed by the same WeChat Pay key: refused after
    # decryption, with the APIv3 "not authentic" status.
    other = v3_verifier(mch_ids=["1900000200"])
    with pytest.raises(wn.NotifyError) as info:
        other.verify(headers, body, now=V3_NOW)
    assert type(info.value) is wn.NotifyError and info.value.code == "merchant_mismatch"
    assert wn.reply_v3_fail(info.value).status == 401
    # A partner notification is bound by sp_mchid; a resource naming no merchant is refused.
    partner = transaction_resource(mchid=None, sp_mchid="1900000300", sub_mchid="1900000100")
    h, b = v3_request(partner)
    assert v3_verifier(mch_ids=["1900000300"]).verify(h, b, now=V3_NOW).transaction is not None
    with pytest.raises(wn.NotifyError) as sub:
        v3_verifier(mch_ids=["1900000100"]).verify(h, b, now=V3_NOW)
    assert sub.value.code == "merchant_mismatch"
    h, b = v3_request(transaction_resource(mchid=None))
    with pytest.raises(wn.NotifyError) as none:
        v3_verifier(mch_ids=["1900000100"]).verify(h, b, now=V3_NOW)
    assert none.value.code == "merchant_mismatch"
    assert v3_verifier().verify(h, b, now=V3_NOW).transaction is not None


def test_mch_ids_values() -> None:
    assert v3_verifier(mch_ids=()).mch_ids == () and v3_verifier(mch_ids=None).mch_ids == ()
    with pytest.raises(wn.InvalidConfigError) as info:
        v3_verifier(mch_ids=["1900000100", ""])
    assert info.value.code == "invalid_config" and V3_KEY not in str(info.value)
    with pytest.raises(AttributeError):
        v3_verifier().mch_ids = ("1",)  # type: ignore[misc]


@pytest.mark.parametrize(
    "amount",
    ['100.0', '1e2', '-1', '18446744073709551616', '"100"', 'true', '{"fen":1}'],
)
def test_an_amount_in_another_form_raises_missing_field(amount: str) -> None:
    """A present amount that is not a non-negative JSON integer is an error, never None."""
    plain = json.dumps(transaction_resource(), separators=(",", ":"))
    resource = plain.replace('"total":999', f'"total":{amount}')
    assert resource != plain
    headers, body = v3_request(resource)
    n = v3_verifier().verify(headers, body, now=V3_NOW)
    t = n.transaction
    assert t is not None
    for _ in range(2):
        with pytest.raises(wn.NotifyError) as info:
            t.amount_total  # noqa: B018
        assert type(info.value) is wn.NotifyError and info.value.code == "missing_field"
        assert "amount_total" in info.value.message
    # The other properties, and repr(), still work.
    assert (t.amount_payer_total, t.out_trade_no, n.is_success) == (999, "ORDER-T-1", True)
    assert repr(t) == (
        "V3Transaction(out_trade_no='ORDER-T-1', transaction_id='4200000000000000000000000777', "
        "amount_total=<error missing_field>, trade_state='SUCCESS')"
    )


def test_absent_and_null_amounts_are_none() -> None:
    headers, body = v3_request(transaction_resource(amount={"total": None, "currency": "CNY"}))
    t = v3_verifier().verify(headers, body, now=V3_NOW).transaction
    assert t is not None and (t.amount_total, t.amount_payer_total) == (None, None)
    assert "amount_total=None" in repr(t)


def test_refund_amount_errors_and_dedupe_keys_name_the_state() -> None:
    def refund(status: str, **amount: Any) -> dict[str, Any]:
        return {
            "mchid": "1900000100",
            "out_trade_no": "ORDER-T-1",
            "transaction_id": "4200000000000000000000000777",
            "out_refund_no": "R-1",
            "refund_id": "50300000000000000000000000777",
            "refund_status": status,
            "amount": {"total": 999, "refund": 999, "payer_total": 999, "payer_refund": 999, **amount},
        }

    keys = []
    for status in ("ABNORMAL", "SUCCESS", "CLOSED"):
        h, b = v3_request(refund(status), f"REFUND.{status}")
        n = v3_verifier().verify(h, b, now=V3_NOW)
        assert n.refund is not None and n.is_success is (status == "SUCCESS")
        keys.append(n.dedupe_key)
    assert keys == [f"50300000000000000000000000777:{s}" for s in ("ABNORMAL", "SUCCESS", "CLOSED")]
    h, b = v3_request(refund("SUCCESS", refund=-5), "REFUND.SUCCESS")
    r = v3_verifier().verify(h, b, now=V3_NOW).refund
    assert r is not None and r.amount_total == 999
    with pytest.raises(wn.NotifyError) as info:
        r.amount_refund  # noqa: B018
    assert info.value.code == "missing_field"
    assert "amount_refund=<error missing_field>" in repr(r)


def test_an_unsuccessful_payment_is_keyed_by_its_state() -> None:
    h, b = v3_request(transaction_resource(trade_state="PAYERROR"))
    n = v3_verifier().verify(h, b, now=V3_NOW)
    assert n.is_success is False and n.dedupe_key == "4200000000000000000000000777:PAYERROR"
    h, b = v3_request(transaction_resource())
    assert v3_verifier().verify(h, b, now=V3_NOW).dedupe_key == "4200000000000000000000000777"
