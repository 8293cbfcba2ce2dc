"""Hypothesis properties: sign -> verify round trips; arbitrary input never crashes."""

from __future__ import annotations

import string

import wechatpay_notify as wn
from hypothesis import given
from hypothesis import strategies as st
from support import KEY, Pairs, endpoint_of, load_vectors, pairs_of, signed_body, v3_verifier_of, xml_body

KNOWN_CODES = {
    "invalid_argument",
    "body_too_large",
    "malformed_xml",
    "forbidden_doctype",
    "duplicate_field",
    "missing_field",
    "return_code_fail",
    "missing_signature",
    "sign_type_mismatch",
    "signature_mismatch",
    "merchant_mismatch",
    "decrypt_failed",
}
V3_CODES = {
    "invalid_argument",
    "body_too_large",
    "missing_header",
    "signature_probe",
    "unsupported_algorithm",
    "unknown_serial",
    "timestamp_out_of_window",
    "signature_mismatch",
    "malformed_json",
    "missing_field",
    "decrypt_failed",
}
RESERVED = {"sign", "sign_type", "return_code"}

names = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True).filter(lambda n: n not in RESERVED)
# Every character XML 1.0 can carry (escaped text; \r travels as a character reference).
values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ),
    max_size=40,
)
field_maps = st.dictionaries(names, values, max_size=25)
sign_types = st.sampled_from(["MD5", "HMAC-SHA256"])
keys = st.text(alphabet=string.ascii_letters + string.digits + string.punctuation, min_size=32, max_size=32)


@given(fields=field_maps, sign_type=sign_types, key=keys)
def test_sign_then_verify_round_trips(fields: dict[str, str], sign_type: str, key: str) -> None:
    pairs: Pairs = [("return_code", "SUCCESS"), *fields.items()]
    body = signed_body(pairs, key=key, sign_type=sign_type)
    n = wn.Verifier(key, sign_type).verify_payment(body)
    assert list(n.fields.items()) == [*pairs, ("sign", wn.sign(pairs, key, sign_type))]
    assert n.sign_type == sign_type
    # A mapping and the same pairs in another order sign identically.
    assert wn.sign(dict(reversed(pairs)), key, sign_type) == n.fields["sign"]


@given(fields=field_maps, sign_type=sign_types, name=names, extra=values.filter(bool))
def test_any_added_or_changed_field_breaks_the_signature(
    fields: dict[str, str], sign_type: str, name: str, extra: str
) -> None:
    pairs: Pairs = [("return_code", "SUCCESS"), *fields.items()]
    signature = wn.sign(pairs, KEY, sign_type)
    tampered = [p for p in pairs if p[0] != name] + [(name, fields.get(name, "") + extra)]
    body = xml_body([*tampered, ("sign", signature)])
    try:
        wn.Verifier(KEY, sign_type).verify_payment(body)
    except wn.NotifyError as e:
        assert e.code == "signature_mismatch"
    else:
        raise AssertionError("a tampered notification verified")


@given(body=st.binary(max_size=2048))
def test_arbitrary_bytes_only_raise_notify_error(body: bytes) -> None:
    verifier = wn.Verifier(KEY, "MD5", also_accept=["HMAC-SHA256"], max_body_bytes=1024)
    for action in (verifier.verify_payment, verifier.decrypt_refund):
        try:
            action(body)
        except wn.NotifyError as e:
            assert e.code in KNOWN_CODES, e.code
        else:
            raise AssertionError("random bytes verified")


@given(body=st.text(max_size=512), prefix=st.sampled_from(["", "<xml>", "<xml><return_code>SUCCESS</return_code>"]))
def test_arbitrary_text_only_raises_notify_error(body: str, prefix: str) -> None:
    verifier = wn.Verifier(KEY, "HMAC-SHA256")
    try:
        verifier.verify_payment(prefix + body)
    except wn.NotifyError as e:
        assert e.code in KNOWN_CODES, e.code
    else:
        raise AssertionError("random text verified")


@given(data=st.data())
def test_mutated_notifications_never_verify(data: st.DataObject) -> None:
    body = bytearray(signed_body([("return_code", "SUCCESS"), ("total_fee", "100"), ("transaction_id", "42")]))
    index = data.draw(st.integers(0, len(body) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != body[index]))
    body[index] = new
    try:
        n = wn.Verifier(KEY, "MD5").verify_payment(body)
    except wn.NotifyError as e:
        assert e.code in KNOWN_CODES, e.code
    else:
        # Only a change that leaves the signed content identical may pass (e.g. inside a tag's
        # whitespace); the values must be exactly the signed ones.
        assert (n.total_fee, n.transaction_id) == (100, "42")


V3_GROUP = load_vectors("v3_notify.json")["testGroups"][0]
V3_CASE = V3_GROUP["tests"][0]  # a valid payment
V3_VERIFIER = v3_verifier_of(V3_GROUP["config"])
ENDPOINT = endpoint_of(load_vectors("endpoint.json")["testGroups"][0]["config"])
header_names = st.sampled_from(
    ["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial", "Wechatpay-Signature-Type",
     "wechatpay-serial", "Content-Type"]
)
header_maps = st.dictionaries(header_names, st.text(max_size=60), max_size=6)


@given(data=st.data())
def test_mutated_v3_notifications_never_verify(data: st.DataObject) -> None:
    body = bytearray(V3_CASE["body"].encode())
    index = data.draw(st.integers(0, len(body) - 1))
    body[index] = data.draw(st.integers(0, 255).filter(lambda b: b != body[index]))
    for verify in (
        lambda: V3_VERIFIER.verify(pairs_of(V3_CASE["headers"]), body, now=V3_CASE["now"]),
        lambda: ENDPOINT.handle(pairs_of(V3_CASE["headers"]), body, now=V3_CASE["now"]),
    ):
        try:
            verify()
        except wn.NotifyError as e:
            assert e.code == "signature_mismatch", e.code  # the signature covers every byte
        else:
            raise AssertionError("a mutated APIv3 body verified")


@given(headers=header_maps, body=st.binary(max_size=512), now=st.integers(0, 2**40))
def test_arbitrary_v3_requests_only_raise_notify_error(headers: dict[str, str], body: bytes, now: int) -> None:
    try:
        V3_VERIFIER.verify(headers, body, now=now)
    except wn.NotifyError as e:
        assert e.code in V3_CODES, e.code
    else:
        raise AssertionError("an arbitrary request verified")
    try:
        ENDPOINT.handle(headers, body, now=now)
    except wn.EndpointRejected as e:
        assert e.code in V3_CODES | KNOWN_CODES, e.code
        assert e.reply.status in (200, 400, 401), e.reply
    else:
        raise AssertionError("an arbitrary request was handled")
