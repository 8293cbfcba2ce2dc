"""The Python surface: inputs, results, errors, reprs, versions (SPEC §4, Python)."""

from __future__ import annotations

import gc
import pickle
import re
import weakref
import tomllib
from collections import OrderedDict

import pytest
import wechatpay_notify as wn
from support import KEY, REPO_ROOT, load_vectors, payment_pairs, signed_body, xml_body

PUBLISHED = [
    ("appid", "wxd930ea5d5a258f4f"),
    ("mch_id", "10000100"),
    ("device_info", "1000"),
    ("body", "test"),
    ("nonce_str", "ibuaiVcKdpRxkhJA"),
]


def test_version_matches_pyproject_and_cargo() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "bindings/python/pyproject.toml").read_text())
    cargo = tomllib.loads((REPO_ROOT / "Cargo.toml").read_text())
    assert wn.__version__ == pyproject["project"]["version"]
    assert wn.__version__ == cargo["workspace"]["package"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wn.__version__)


def test_sign_accepts_mappings_and_pairs() -> None:
    md5 = "9A0A8659F005D6984697E2CA0A9CF3B7"
    assert wn.sign(PUBLISHED, KEY, "MD5") == md5
    assert wn.sign(dict(PUBLISHED), KEY, "MD5") == md5
    assert wn.sign(OrderedDict(reversed(PUBLISHED)), KEY, "MD5") == md5
    assert wn.sign(iter(PUBLISHED), KEY, "MD5") == md5
    assert wn.sign([list(p) for p in PUBLISHED], KEY, "MD5") == md5  # type: ignore[misc]
    assert (
        wn.sign(PUBLISHED, KEY, "HMAC-SHA256")
        == "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    )
    assert wn.sign({"test1": "test1", "test2": "test2"}, KEY, "MD5") == "1E3A8D73B5A4AEE787C0F68B5DAB8520"


def test_sign_errors() -> None:
    # Wrong types and refused values on every entry point: test_misuse.py.
    with pytest.raises(wn.InvalidArgumentError) as dup:
        wn.sign([("a", "1"), ("a", "2")], KEY, "MD5")
    assert dup.value.code == "invalid_argument"
    with pytest.raises(wn.InvalidConfigError) as bad_key:
        wn.sign(PUBLISHED, "short", "MD5")
    assert bad_key.value.code == "invalid_config"


def test_all_body_types_give_the_same_result() -> None:
    verifier = wn.Verifier(KEY, "MD5")
    raw = signed_body(payment_pairs())
    results = [
        verifier.verify_payment(body)
        for body in (raw, bytearray(raw), memoryview(raw), raw.decode("utf-8"))
    ]
    assert all(r.fields == results[0].fields for r in results)


def test_fields_are_built_once_per_result() -> None:
    verifier = wn.Verifier(KEY, "MD5")
    body = signed_body(payment_pairs())
    n = verifier.verify_payment(body)
    assert n.fields is n.fields  # one dict per result, not one per read
    assert n.fields is not verifier.verify_payment(body).fields  # and one per result
    # The typed attributes read the verified values in the core, never the dict.
    n.fields["total_fee"] = "1"
    assert n.total_fee == 888 and n.fields["total_fee"] == "1"
    # A cycle through the dict is collectable (the result is known to the garbage collector).
    class Witness:
        pass

    probe = verifier.verify_payment(body)
    cycle: dict[str, object] = probe.fields  # type: ignore[assignment]
    witness = Witness()
    cycle["self"], cycle["witness"] = probe, witness
    ref = weakref.ref(witness)
    del probe, cycle, witness
    gc.collect()
    assert ref() is None


def test_dict_keys_are_reused_only_when_equal() -> None:
    """Key strings are shared between results whose names match by position; every dict is still
    exactly its own document, whatever the previous documents' names and order."""
    verifier = wn.Verifier(KEY, "MD5")
    pairs = payment_pairs()
    first = verifier.verify_payment(signed_body(pairs)).fields
    second = verifier.verify_payment(signed_body(pairs)).fields
    assert all(a is b for a, b in zip(first, second))  # same names, same positions: shared keys
    # Other orders and other names, one after the other: each dict is its own document.
    reordered = [pairs[1], pairs[0], *pairs[2:], ("zz_extra", "1")]
    renamed = [("a" + name, value) for name, value in pairs] + pairs
    for doc in (reordered, pairs[:3] + pairs[5:], renamed, pairs, reordered):
        n = verifier.verify_payment(signed_body(doc))
        assert list(n.fields.items())[:-1] == doc
        assert all(type(k) is str for k in n.fields)
    # A result's dict is not affected by later documents (its keys are immutable str).
    assert list(first.items()) == list(second.items())


def test_refund_documents_are_built_once_per_result() -> None:
    group = load_vectors("v2_refund.json")["testGroups"][0]
    n = wn.Verifier(group["config"]["apiKey"], "MD5").decrypt_refund(group["tests"][0]["body"])
    assert n.fields is n.fields and n.req_info is n.req_info
    assert n.fields is not n.req_info


def test_payment_result_attributes() -> None:
    pairs = [
        *payment_pairs(transaction_id="4200000099", total_fee=1000),
        ("coupon_fee", "30"),
        ("coupon_count", "2"),
        ("coupon_id_0", "c-a"),
        ("coupon_type_0", "CASH"),
        ("coupon_fee_0", "10"),
        ("coupon_id_1", "c-b"),
        ("coupon_fee_1", ""),
        ("attach", ""),
    ]
    body = signed_body(pairs, sign_type="HMAC-SHA256")
    n = wn.Verifier(KEY, "HMAC-SHA256", appid="wx2421b1c4370ec43b", mch_id="10000100").verify_payment(body)
    assert list(n.fields)[-1] == "sign"
    assert list(n.fields.items())[:-1] == pairs  # document order, empty attach included
    assert n.fields["attach"] == "" and n.attach == ""
    assert n.sign_type == "HMAC-SHA256"
    assert n.is_success is True
    assert n.dedupe_key == n.transaction_id == "4200000099"
    assert (n.total_fee, n.cash_fee, n.coupon_fee, n.coupon_count) == (1000, 1000, 30, 2)
    assert n.settlement_total_fee is None and n.sub_mch_id is None and n.err_code is None
    assert isinstance(n.total_fee, int)
    assert all(isinstance(c, wn.Coupon) for c in n.coupons)
    assert n.coupons == n.coupons and n.coupons[0] != n.coupons[1]
    assert [(c.id, c.coupon_type, c.fee) for c in n.coupons] == [("c-a", "CASH", 10), ("c-b", None, None)]
    assert repr(n.coupons[0]) == "Coupon(id='c-a', coupon_type='CASH', fee=10)"
    assert repr(n) == (
        "PaymentNotification(out_trade_no='order-000099', transaction_id='4200000099', "
        "total_fee=1000, result_code='SUCCESS')"
    )
    assert (n.appid, n.mch_id, n.trade_type, n.openid, n.time_end) == (
        "wx2421b1c4370ec43b",
        "10000100",
        "JSAPI",
        "oUpF8uMEb4qRXf22hE3X68TekukE",
        "20261127131540",
    )


def test_failed_payment_is_verified_but_not_success() -> None:
    pairs = [(k, "FAIL" if k == "result_code" else v) for k, v in payment_pairs()]
    pairs.append(("err_code", "NOTENOUGH"))
    n = wn.Verifier(KEY, "MD5").verify_payment(signed_body(pairs))
    assert n.is_success is False and n.err_code == "NOTENOUGH"
    # Keyed by its state, so that a later success of the same transaction is recorded too.
    assert n.dedupe_key == f"{n.transaction_id}:FAIL"


@pytest.mark.parametrize("value", ["1.00", "-1", "1e2", " 1", "１", "18446744073709551616", "0x10"])
def test_an_amount_in_another_form_raises_missing_field(value: str) -> None:
    """SPEC §2: a present amount that is not all digits is an error of that attribute, never None
    (the application's own parser might read a number there)."""
    pairs = [(k, value if k == "cash_fee" else v) for k, v in payment_pairs(transaction_id="4200000098")]
    pairs += [("coupon_count", "1"), ("coupon_id_0", "c-a"), ("coupon_fee_0", value)]
    n = wn.Verifier(KEY, "MD5").verify_payment(signed_body(pairs))
    for name in ("cash_fee", "coupons"):
        for _ in range(2):
            with pytest.raises(wn.NotifyError) as info:
                getattr(n, name)
            err = info.value
            assert type(err) is wn.NotifyError and err.code == "missing_field", name
            assert str(err) == f"missing_field: {err.message}" and KEY not in str(err)
    # The other attributes still read, and repr() never raises.
    assert (n.total_fee, n.coupon_count, n.fields["cash_fee"], n.is_success) == (888, 1, value, True)
    assert repr(n).startswith("PaymentNotification(out_trade_no='order-000098'")
    # Shown in repr() when it is one of the attributes repr() shows.
    failed = [
        (k, value if k == "total_fee" else "FAIL" if k == "result_code" else v)
        for k, v in payment_pairs(transaction_id="4200000097")
    ]
    f = wn.Verifier(KEY, "MD5").verify_payment(signed_body(failed))
    with pytest.raises(wn.NotifyError) as total:
        f.total_fee  # noqa: B018
    assert total.value.code == "missing_field"
    assert repr(f) == (
        "PaymentNotification(out_trade_no='order-000097', transaction_id='4200000097', "
        "total_fee=<error missing_field>, result_code='FAIL')"
    )


def test_empty_and_absent_amounts_are_none() -> None:
    pairs = [*payment_pairs(transaction_id="4200000096"), ("coupon_fee", ""), ("settlement_total_fee", "")]
    n = wn.Verifier(KEY, "MD5").verify_payment(signed_body(pairs))
    assert (n.coupon_fee, n.settlement_total_fee, n.coupon_count, n.coupons) == (None, None, None, [])


def test_a_success_payment_needs_an_all_digit_total_fee() -> None:
    """For result_code=SUCCESS the core refuses the whole notification instead (SPEC §2)."""
    pairs = [(k, "8.88" if k == "total_fee" else v) for k, v in payment_pairs()]
    with pytest.raises(wn.NotifyError) as info:
        wn.Verifier(KEY, "MD5").verify_payment(signed_body(pairs))
    assert info.value.code == "missing_field"


def test_refund_state_reads_v2_statuses_in_v3_words() -> None:
    assert [wn.refund_state(s) for s in ("SUCCESS", "CHANGE", "REFUNDCLOSE", "ABNORMAL", "CLOSED", "")] == [
        "SUCCESS",
        "ABNORMAL",
        "CLOSED",
        "ABNORMAL",
        "CLOSED",
        "",
    ]


def test_errors_carry_codes_and_derive_from_the_package_base() -> None:
    verifier = wn.Verifier(KEY, "MD5", mch_id="10000100")
    body = signed_body(payment_pairs())
    cases = {
        "signature_mismatch": body.replace(b"<total_fee>888<", b"<total_fee>1<"),
        "missing_signature": xml_body(payment_pairs()),
        "malformed_xml": b"<xml><a><b/></a></xml>",
        "forbidden_doctype": b'<!DOCTYPE xml [<!ENTITY x "y">]><xml><a>&x;</a></xml>',
        "body_too_large": b" " * 65537,
        "return_code_fail": b"<xml><return_code>FAIL</return_code></xml>",
        "merchant_mismatch": signed_body([(k, "1" if k == "mch_id" else v) for k, v in payment_pairs()]),
        "sign_type_mismatch": signed_body([*payment_pairs(), ("sign_type", "HMAC-SHA256")], sign_type="HMAC-SHA256"),
        "duplicate_field": b"<xml><a>1</a><a>2</a></xml>",
    }
    for code, bad in cases.items():
        with pytest.raises(wn.NotifyError) as info:
            verifier.verify_payment(bad)
        err = info.value
        assert err.code == code
        assert type(err) is wn.NotifyError and isinstance(err, Exception)
        assert str(err).startswith(f"{code}: ") and err.message
        assert KEY not in str(err)
        copy = pickle.loads(pickle.dumps(err))
        assert (type(copy), copy.code, copy.message) == (wn.NotifyError, err.code, err.message)


def test_invalid_configuration_never_shows_the_key() -> None:
    for kwargs in (
        {"api_key": KEY[:-1], "sign_type": "MD5"},
        {"api_key": KEY, "sign_type": "SHA1"},
        {"api_key": KEY, "sign_type": "MD5", "also_accept": ["HMAC-SHA1"]},
        {"api_key": KEY, "sign_type": "MD5", "max_body_bytes": -1},
    ):
        with pytest.raises(wn.InvalidConfigError) as info:
            wn.Verifier(**kwargs)
        assert info.value.code == "invalid_config"
        assert KEY[:-1] not in str(info.value) and KEY[:-1] not in repr(info.value)


def test_verifier_reads_its_configuration_back_from_the_core() -> None:
    v = wn.Verifier(
        KEY, "MD5", appid="wx1", also_accept=("HMAC-SHA256", "MD5", "HMAC-SHA256"), max_body_bytes=1000
    )
    # also_accept as the core keeps it: without the pinned algorithm, without repeats.
    assert (v.sign_type, v.appid, v.mch_id, v.also_accept, v.max_body_bytes) == (
        "MD5",
        "wx1",
        None,
        ("HMAC-SHA256",),
        1000,
    )
    assert repr(v) == (
        "Verifier(sign_type='MD5', appid='wx1', mch_id=None, also_accept=('HMAC-SHA256',), "
        "max_body_bytes=1000)"
    )
    assert KEY not in repr(v) and KEY not in str(v)
    w = wn.Verifier(KEY, "HMAC-SHA256", mch_id="10000100")
    assert (w.sign_type, w.appid, w.mch_id, w.also_accept, w.max_body_bytes) == (
        "HMAC-SHA256",
        None,
        "10000100",
        (),
        65536,
    )
    assert repr(w) == (
        "Verifier(sign_type='HMAC-SHA256', appid=None, mch_id='10000100', also_accept=(), "
        "max_body_bytes=65536)"
    )
    with pytest.raises(AttributeError):
        v.appid = "wx2"  # type: ignore[misc]


def test_max_body_bytes_is_applied() -> None:
    body = signed_body(payment_pairs())
    wn.Verifier(KEY, "MD5", max_body_bytes=len(body)).verify_payment(body)
    with pytest.raises(wn.NotifyError) as info:
        wn.Verifier(KEY, "MD5", max_body_bytes=len(body) - 1).verify_payment(body)
    assert info.value.code == "body_too_large"


def test_also_accept_is_an_explicit_opt_in() -> None:
    md5_signed = signed_body(payment_pairs(), sign_type="MD5")
    with pytest.raises(wn.NotifyError) as info:
        wn.Verifier(KEY, "HMAC-SHA256").verify_payment(md5_signed)
    assert info.value.code == "signature_mismatch"
    n = wn.Verifier(KEY, "HMAC-SHA256", also_accept=["MD5"]).verify_payment(md5_signed)
    assert n.sign_type == "MD5"


def test_replies() -> None:
    assert wn.reply_success() == (
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
    )
    assert wn.reply_fail("签名失败") == (
        "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名失败]]></return_msg></xml>"
    )
    assert "]]><![CDATA[>" in wn.reply_fail("a]]>b")


def test_refund_result_attributes() -> None:
    group = load_vectors("v2_refund.json")["testGroups"][0]
    case = group["tests"][0]
    n = wn.Verifier(group["config"]["apiKey"], "MD5").decrypt_refund(case["body"].encode())
    assert "req_info" in n.fields and isinstance(n.req_info, dict)
    assert n.refund_id == n.req_info["refund_id"] and n.refund_status is not None
    assert n.dedupe_key == f"{n.refund_id}:{wn.refund_state(n.refund_status)}"
    assert n.refund_fee == int(n.req_info["refund_fee"])
    assert repr(n).startswith("RefundNotification(out_refund_no=")
    assert group["config"]["apiKey"] not in repr(n)


def test_public_names() -> None:
    assert set(wn.__all__) == {
        "REFUSAL_MESSAGE",
        "Coupon",
        "Endpoint",
        "EndpointRejected",
        "EndpointResult",
        "HttpReply",
        "InvalidArgumentError",
        "InvalidConfigError",
        "MerchantProfile",
        "NotifyError",
        "PaymentNotification",
        "RefundNotification",
        "TrustedKeys",
        "V3Notification",
        "V3Complaint",
        "V3ProfitSharing",
        "V3Refund",
        "V3Transaction",
        "V3Transfer",
        "V3Verifier",
        "Verifier",
        "__version__",
        "internal_error_reply",
        "refund_state",
        "reply_fail",
        "reply_success",
        "reply_v2_fail",
        "reply_v2_success",
        "reply_v3_fail",
        "reply_v3_success",
        "request_version",
        "sign",
    }
    assert all(hasattr(wn, name) for name in wn.__all__)


def test_every_exception_derives_from_the_package_base() -> None:
    assert issubclass(wn.NotifyError, Exception)
    exceptions = {
        obj
        for obj in (getattr(wn, name) for name in wn.__all__)
        if isinstance(obj, type) and issubclass(obj, BaseException)
    }
    assert exceptions == {wn.NotifyError, wn.InvalidConfigError, wn.InvalidArgumentError, wn.EndpointRejected}
    for cls in (wn.NotifyError, wn.InvalidConfigError, wn.InvalidArgumentError):
        err = cls("invalid_config", "m")
        assert (err.code, err.message, str(err)) == ("invalid_config", "m", "invalid_config: m")
    reply = wn.reply_v3_fail("signature_mismatch")
    rejected = wn.EndpointRejected("signature_mismatch", "m", "v3", "shop-a", reply)
    assert isinstance(rejected, wn.NotifyError)
    assert (rejected.code, rejected.message, str(rejected)) == ("signature_mismatch", "m", "signature_mismatch: m")
    assert (rejected.version, rejected.label, rejected.reply) == ("v3", "shop-a", reply)
