"""The Flask and FastAPI apps over real HTTP on loopback (werkzeug's threaded server and uvicorn on
127.0.0.1, port 0, driven by http.client): one route for two merchants, v2 and APIv3, configured by
a profiles file, with notifications signed here as WeChat Pay signs them (example_support)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, NamedTuple

import notify_store
import pytest
from example_support import (
    A,
    B,
    V2_SUCCESS,
    V3_SUCCESS,
    Merchant,
    Rejections,
    Reply,
    V3Request,
    post_v2,
    post_v3,
    refund,
    rejections,
    request,
    serve_fastapi,
    serve_flask,
    transaction,
    v2_fail,
    v2_payment,
    v2_payment_signed,
    v2_refund,
    v3_body,
    v3_event,
    v3_fail,
    v3_headers,
    v3_payment,
    write_profiles,
)
from notify_store import (
    MAX_BODY_BYTES,
    NOTIFY_PATH,
    ConfigError,
    Discrepancy,
    Notify,
    Order,
    Payment,
    PaymentRow,
    Refund,
    RefundState,
    Store,
    Version,
    load_endpoint,
)

Serve = Callable[[Notify], AbstractContextManager[int]]


class App(NamedTuple):
    port: int
    store: Store
    rejected: Rejections  # the error codes of the refusals, as logged (the replies never name them)


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_profiles(tmp_path_factory.mktemp("profiles"))


@pytest.fixture(params=[serve_flask, serve_fastapi], ids=["flask", "fastapi"])
def serve(request: pytest.FixtureRequest) -> Serve:
    result: Serve = request.param
    return result


@pytest.fixture
def app(serve: Serve, profiles: Path, tmp_path: Path) -> Iterator[App]:
    store = Store(tmp_path / "payments.sqlite3")
    with rejections() as rejected, serve(Notify(load_endpoint(profiles), store)) as port:
        yield App(port, store, rejected)


def _now() -> int:
    return int(time.time())


def paid(m: Merchant, no: str, amount: int, tx: str) -> Order:
    return Order(m.label, no, amount, "paid", tx)


def pending(m: Merchant, no: str, amount: int) -> Order:
    return Order(m.label, no, amount, "pending", None)


def row(m: Merchant, key: str, version: str, no: str, fee: int, outcome: str = "paid") -> PaymentRow:
    return PaymentRow(m.label, key, version, no, fee, "SUCCESS", outcome)


def test_payments_of_both_merchants_in_both_versions_pay_once_under_retries(app: App) -> None:
    port, store, _ = app
    # The same order number at both merchants: orders are keyed by merchant and number.
    store.create_order(A.label, "o-1", 101)
    store.create_order(A.label, "o-2", 202)
    store.create_order(B.label, "o-1", 303)
    store.create_order(B.label, "o-3", 404)
    a2 = v2_payment(A, "4200000000000000000000000101", "o-1", 101)
    a3 = v3_payment(A, "4200000000000000000000000102", "o-2", 202)
    b2 = v2_payment(B, "4200000000000000000000000201", "o-1", 303)
    b3 = v3_payment(B, "4200000000000000000000000202", "o-3", 404)
    # WeChat Pay retries each: the first delivery pays, the others change nothing.
    for _ in range(3):
        assert post_v2(port, a2) == V2_SUCCESS
        assert post_v3(port, a3) == V3_SUCCESS
        assert post_v2(port, b2) == V2_SUCCESS
        assert post_v3(port, b3) == V3_SUCCESS
    assert store.payments() == [
        row(A, "4200000000000000000000000101", "v2", "o-1", 101),
        row(A, "4200000000000000000000000102", "v3", "o-2", 202),
        row(B, "4200000000000000000000000201", "v2", "o-1", 303),
        row(B, "4200000000000000000000000202", "v3", "o-3", 404),
    ]
    assert store.order(A.label, "o-1") == paid(A, "o-1", 101, "4200000000000000000000000101")
    assert store.order(A.label, "o-2") == paid(A, "o-2", 202, "4200000000000000000000000102")
    assert store.order(B.label, "o-1") == paid(B, "o-1", 303, "4200000000000000000000000201")
    assert store.order(B.label, "o-3") == paid(B, "o-3", 404, "4200000000000000000000000202")
    assert store.discrepancies() == []


def test_the_v2_and_v3_deliveries_of_one_payment_are_recorded_once(app: App) -> None:
    port, store, _ = app
    store.create_order(A.label, "o-5", 500)
    store.create_order(B.label, "o-6", 600)
    # A merchant migrating to APIv3 receives both: the dedupe key (transaction_id) is the same.
    tx_a = "4200000000000000000000000501"
    assert post_v3(port, v3_payment(A, tx_a, "o-5", 500)) == V3_SUCCESS
    assert post_v2(port, v2_payment(A, tx_a, "o-5", 500)) == V2_SUCCESS
    assert post_v3(port, v3_payment(A, tx_a, "o-5", 500)) == V3_SUCCESS
    # And the other way round.
    tx_b = "4200000000000000000000000601"
    assert post_v2(port, v2_payment(B, tx_b, "o-6", 600)) == V2_SUCCESS
    assert post_v3(port, v3_payment(B, tx_b, "o-6", 600)) == V3_SUCCESS
    assert store.payments() == [row(A, tx_a, "v3", "o-5", 500), row(B, tx_b, "v2", "o-6", 600)]
    assert store.order(A.label, "o-5") == paid(A, "o-5", 500, tx_a)
    assert store.order(B.label, "o-6") == paid(B, "o-6", 600, tx_b)
    assert store.discrepancies() == []


def test_amount_mismatch_is_acknowledged_but_only_recorded_for_review(app: App) -> None:
    port, store, _ = app
    store.create_order(A.label, "o-1", 100)
    store.create_order(B.label, "o-2", 100)
    # Genuine and signed, but 1 fen (v2 total_fee) and 99 fen (v3 amount.total) against 100.
    for _ in range(2):
        assert post_v2(port, v2_payment(A, "4200000010", "o-1", 1)) == V2_SUCCESS
        assert post_v3(port, v3_payment(B, "4200000011", "o-2", 99)) == V3_SUCCESS
    assert store.payments() == [
        row(A, "4200000010", "v2", "o-1", 1, "discrepancy"),
        row(B, "4200000011", "v3", "o-2", 99, "discrepancy"),
    ]
    assert store.discrepancies() == [
        Discrepancy(A.label, "4200000010", "o-1", 1, 100, "amount_mismatch"),
        Discrepancy(B.label, "4200000011", "o-2", 99, 100, "amount_mismatch"),
    ]
    # Never fulfilled.
    assert store.order(A.label, "o-1") == pending(A, "o-1", 100)
    assert store.order(B.label, "o-2") == pending(B, "o-2", 100)


def test_unknown_order_is_acknowledged_but_only_recorded_for_review(app: App) -> None:
    port, store, _ = app
    # The order exists, but at merchant B: a payment to A naming it pays nothing.
    store.create_order(B.label, "o-9", 900)
    assert post_v2(port, v2_payment(A, "4200000020", "o-9", 900)) == V2_SUCCESS
    v3 = v3_payment(A, "4200000021", "o-9", 900)
    assert post_v3(port, v3) == V3_SUCCESS
    assert post_v3(port, v3) == V3_SUCCESS
    assert store.discrepancies() == [
        Discrepancy(A.label, "4200000020", "o-9", 900, None, "unknown_order"),
        Discrepancy(A.label, "4200000021", "o-9", 900, None, "unknown_order"),
    ]
    assert store.order(A.label, "o-9") is None
    assert store.order(B.label, "o-9") == pending(B, "o-9", 900)


def test_a_second_transaction_for_a_paid_order_is_recorded_for_review(app: App) -> None:
    port, store, _ = app
    store.create_order(A.label, "o-1", 1)
    assert post_v2(port, v2_payment(A, "4200000012", "o-1", 1)) == V2_SUCCESS
    # The customer paid the same order twice: the second payment is genuine, but it must be
    # refunded by a person, not fulfilled again.
    assert post_v3(port, v3_payment(A, "4200000013", "o-1", 1)) == V3_SUCCESS
    assert store.order(A.label, "o-1") == paid(A, "o-1", 1, "4200000012")
    assert store.discrepancies() == [Discrepancy(A.label, "4200000013", "o-1", 1, 1, "already_paid")]


def test_cross_merchant_forgeries_are_refused_and_record_nothing(app: App) -> None:
    port, store, rejected = app
    store.create_order(A.label, "o-1", 100)
    store.create_order(B.label, "o-1", 100)
    # v2: a body naming A (its mch_id routes it to A's verifier) but signed with B's key (with A's
    # algorithm, so only the key differs). The endpoint's v2 refusal: 200 with the XML FAIL.
    forged = v2_payment_signed(B.v2_key, A.sign_type, A.mch_id, "4200000030", "o-1", 100)
    assert post_v2(port, forged) == v2_fail(200)
    assert rejected.take() == ["signature_mismatch"]
    # And naming B, signed with A's key.
    forged = v2_payment_signed(A.v2_key, B.sign_type, B.mch_id, "4200000031", "o-1", 100)
    assert post_v2(port, forged) == v2_fail(200)
    assert rejected.take() == ["signature_mismatch"]
    # A tampered amount.
    genuine = v2_payment(A, "4200000032", "o-1", 100)
    tampered = genuine.replace(b"<total_fee><![CDATA[100]]>", b"<total_fee><![CDATA[1]]>")
    assert tampered != genuine
    assert post_v2(port, tampered) == v2_fail(200)
    assert rejected.take() == ["signature_mismatch"]

    # v3: A's key id in Wechatpay-Serial (routing to A) but signed with B's private key.
    body = v3_body(A.v3_key, "EV-forged-1", "TRANSACTION.SUCCESS", transaction(A, "4200000033", "o-1", 100))
    forged_v3 = V3Request(v3_headers(body, B.private_key, A.key_id, _now()), body)
    assert post_v3(port, forged_v3) == v3_fail(401)
    assert rejected.take() == ["signature_mismatch"]
    # Genuinely signed for B (B's key and id), but the resource encrypted under A's APIv3 key: B's
    # key does not decrypt it.
    body = v3_body(A.v3_key, "EV-forged-2", "TRANSACTION.SUCCESS", transaction(A, "4200000034", "o-1", 100))
    forged_v3 = V3Request(v3_headers(body, B.private_key, B.key_id, _now()), body)
    assert post_v3(port, forged_v3) == v3_fail(400)
    assert rejected.take() == ["decrypt_failed"]

    assert store.count() == 0
    assert store.order(A.label, "o-1") == pending(A, "o-1", 100)
    assert store.order(B.label, "o-1") == pending(B, "o-1", 100)
    # The genuine one still pays.
    assert post_v2(port, genuine) == V2_SUCCESS
    assert store.order(A.label, "o-1") == paid(A, "o-1", 100, "4200000032")


def test_v3_stale_timestamps_probes_and_unknown_keys_are_refused(app: App) -> None:
    port, store, rejected = app
    store.create_order(A.label, "o-1", 100)
    genuine = v3_payment(A, "4200000040", "o-1", 100)

    def signed_at(ts: int) -> V3Request:
        return V3Request(v3_headers(genuine.body, A.private_key, A.key_id, ts), genuine.body)

    # Correctly signed, but ten minutes old, or ten minutes ahead: outside the 300 s window.
    assert post_v3(port, signed_at(_now() - 600)) == v3_fail(401)
    assert rejected.take() == ["timestamp_out_of_window"]
    assert post_v3(port, signed_at(_now() + 600)) == v3_fail(401)
    assert rejected.take() == ["timestamp_out_of_window"]
    # WeChat Pay's probe traffic.
    probe = [(k, "WECHATPAY/SIGNTEST/c2lnbmF0dXJl" if k == "Wechatpay-Signature" else v) for k, v in genuine.headers]
    assert post_v3(port, V3Request(probe, genuine.body)) == v3_fail(401)
    assert rejected.take() == ["signature_probe"]
    # A key id no merchant trusts.
    unknown = v3_headers(genuine.body, A.private_key, "PUB_KEY_ID_0199999999999999999999999999", _now())
    assert post_v3(port, V3Request(unknown, genuine.body)) == v3_fail(401)
    assert rejected.take() == ["unknown_serial"]
    # A header missing.
    missing = [(k, v) for k, v in genuine.headers if k != "Wechatpay-Timestamp"]
    assert post_v3(port, V3Request(missing, genuine.body)) == v3_fail(401)
    assert rejected.take() == ["missing_header"]
    # The body re-serialised (whitespace changed) after signing.
    reserialised = genuine.body.replace(b",", b", ", 1)
    assert post_v3(port, V3Request(genuine.headers, reserialised)) == v3_fail(401)
    assert rejected.take() == ["signature_mismatch"]

    assert store.count() == 0
    assert store.order(A.label, "o-1") == pending(A, "o-1", 100)
    assert post_v3(port, genuine) == V3_SUCCESS
    assert store.order(A.label, "o-1") == paid(A, "o-1", 100, "4200000040")


def test_refunds_are_recorded_once_and_never_acted_upon(app: App) -> None:
    port, store, rejected = app
    store.create_order(A.label, "o-1", 100)
    store.create_order(B.label, "o-2", 200)
    assert post_v2(port, v2_payment(A, "4200000050", "o-1", 100)) == V2_SUCCESS
    assert post_v3(port, v3_payment(B, "4200000051", "o-2", 200)) == V3_SUCCESS
    a = v2_refund(A, "50000000000000000000000000001", "o-1", 100)
    b = v3_event(B, "REFUND.SUCCESS", refund(B, "50300000000000000000000000002", "o-2", 200))
    for _ in range(2):
        assert post_v2(port, a) == V2_SUCCESS
        assert post_v3(port, b) == V3_SUCCESS
    assert store.refunds() == [
        Refund(A.label, "50000000000000000000000000001:SUCCESS", "v2", "o-1", "R-o-1", 100, "SUCCESS"),
        Refund(B.label, "50300000000000000000000000002:SUCCESS", "v3", "o-2", "R-o-2", 200, "SUCCESS"),
    ]
    assert store.refund_states() == [
        RefundState(A.label, "50000000000000000000000000001", "SUCCESS"),
        RefundState(B.label, "50300000000000000000000000002", "SUCCESS"),
    ]
    # The orders and payments are untouched: a refund is a hint to confirm with the refund query
    # API (a v2 req_info is AES-256-ECB without integrity).
    assert store.order(A.label, "o-1") == paid(A, "o-1", 100, "4200000050")
    assert store.order(B.label, "o-2") == paid(B, "o-2", 200, "4200000051")
    assert store.count() == 2
    # A refund naming A but encrypted with B's key is refused.
    forged = v2_refund(A, "50000000000000000000000000003", "o-1", 100, key=B.v2_key)
    assert post_v2(port, forged) == v2_fail(200)
    assert rejected.take() == ["decrypt_failed"]
    assert len(store.refunds()) == 2


def test_a_refund_state_moves_forward_only(app: App) -> None:
    """ABNORMAL then SUCCESS for one refund_id ends SUCCESS (each state is its own dedupe key, so the
    later state is recorded); a late or retried ABNORMAL never moves it back; v2 CHANGE and
    REFUNDCLOSE read as ABNORMAL and CLOSED."""
    port, store, _ = app
    rid = "50300000000000000000000000101"
    abnormal = v3_event(A, "REFUND.ABNORMAL", refund(A, rid, "o-1", 100, status="ABNORMAL"))
    success = v3_event(A, "REFUND.SUCCESS", refund(A, rid, "o-1", 100))
    assert post_v3(port, abnormal) == V3_SUCCESS
    assert store.refund_state(A.label, rid) == "ABNORMAL"
    assert post_v3(port, success) == V3_SUCCESS
    assert store.refund_state(A.label, rid) == "SUCCESS"
    # Retries of both, in any order, and the v2 delivery of the ABNORMAL state (CHANGE): the state
    # stays SUCCESS, and each state is recorded once.
    for request in (abnormal, success, abnormal):
        assert post_v3(port, request) == V3_SUCCESS
    assert post_v2(port, v2_refund(A, rid, "o-1", 100, status="CHANGE")) == V2_SUCCESS
    assert store.refund_state(A.label, rid) == "SUCCESS"
    assert [(r.dedupe_key, r.version, r.refund_status) for r in store.refunds()] == [
        (f"{rid}:ABNORMAL", "v3", "ABNORMAL"),
        (f"{rid}:SUCCESS", "v3", "SUCCESS"),
    ]

    # v2 first, in v2's words: CHANGE (ABNORMAL), then REFUNDCLOSE (CLOSED); then a SUCCESS that
    # arrives after the refund was closed does not reopen it either.
    rid2 = "50000000000000000000000000102"
    assert post_v2(port, v2_refund(B, rid2, "o-2", 200, status="CHANGE")) == V2_SUCCESS
    assert store.refund_state(B.label, rid2) == "ABNORMAL"
    assert post_v2(port, v2_refund(B, rid2, "o-2", 200, status="REFUNDCLOSE")) == V2_SUCCESS
    assert store.refund_state(B.label, rid2) == "CLOSED"
    assert post_v3(port, v3_event(B, "REFUND.ABNORMAL", refund(B, rid2, "o-2", 200, status="ABNORMAL"))) == V3_SUCCESS
    assert post_v2(port, v2_refund(B, rid2, "o-2", 200)) == V2_SUCCESS
    assert store.refund_state(B.label, rid2) == "CLOSED"
    assert [r.dedupe_key for r in store.refunds() if r.merchant == B.label] == [
        f"{rid2}:ABNORMAL",
        f"{rid2}:CLOSED",
        f"{rid2}:SUCCESS",
    ]
    assert store.refund_states() == [RefundState(A.label, rid, "SUCCESS"), RefundState(B.label, rid2, "CLOSED")]
    # One refund_id at two merchants is two refunds.
    assert post_v2(port, v2_refund(A, rid2, "o-2", 200, status="CHANGE")) == V2_SUCCESS
    assert store.refund_state(A.label, rid2) == "ABNORMAL" and store.refund_state(B.label, rid2) == "CLOSED"
    assert store.count() == 0  # no payment was touched


def test_a_failed_payment_does_not_swallow_its_later_success(app: App) -> None:
    """The failed delivery's dedupe_key is transaction_id:STATE, so the success of the same
    transaction is not a duplicate: it pays the order."""
    port, store, _ = app
    store.create_order(A.label, "o-1", 300)
    store.create_order(B.label, "o-2", 400)
    assert post_v2(port, v2_payment(A, "4200000065", "o-1", 300, result_code="FAIL")) == V2_SUCCESS
    assert post_v3(port, v3_payment(B, "4200000066", "o-2", 400, trade_state="PAYERROR")) == V3_SUCCESS
    assert store.order(A.label, "o-1") == pending(A, "o-1", 300)
    assert post_v2(port, v2_payment(A, "4200000065", "o-1", 300)) == V2_SUCCESS
    assert post_v3(port, v3_payment(B, "4200000066", "o-2", 400)) == V3_SUCCESS
    assert store.order(A.label, "o-1") == paid(A, "o-1", 300, "4200000065")
    assert store.order(B.label, "o-2") == paid(B, "o-2", 400, "4200000066")
    assert [(p.dedupe_key, p.outcome) for p in store.payments()] == [
        ("4200000065:FAIL", "failed"),
        ("4200000066:PAYERROR", "failed"),
        ("4200000065", "paid"),
        ("4200000066", "paid"),
    ]


def test_an_apiv3_notification_naming_another_merchant_is_refused(app: App) -> None:
    """The profile's APIv3 part is bound to the merchant id of its v2 part: a genuine notification
    signed and encrypted with A's keys but naming B's mchid is refused (merchant_mismatch, 401)."""
    port, store, rejected = app
    store.create_order(A.label, "o-1", 100)
    resource = {**transaction(A, "4200000067", "o-1", 100), "mchid": B.mch_id}
    assert post_v3(port, v3_event(A, "TRANSACTION.SUCCESS", resource)) == v3_fail(401)
    assert rejected.take() == ["merchant_mismatch"]
    assert store.count() == 0 and store.order(A.label, "o-1") == pending(A, "o-1", 100)


def test_an_amount_the_core_refuses_never_pays(app: App) -> None:
    """A verified payment whose amount is not an integer (100.0): acknowledged, recorded with a NULL
    amount, kept in discrepancies, the order left pending."""
    port, store, _ = app
    store.create_order(A.label, "o-1", 100)
    resource = transaction(A, "4200000068", "o-1", 100)
    resource["amount"] = {**resource["amount"], "total": 100.0}
    assert post_v3(port, v3_event(A, "TRANSACTION.SUCCESS", resource)) == V3_SUCCESS
    assert store.payments() == [PaymentRow(A.label, "4200000068", "v3", "o-1", None, "SUCCESS", "discrepancy")]
    assert store.discrepancies() == [Discrepancy(A.label, "4200000068", "o-1", None, 100, "amount_mismatch")]
    assert store.order(A.label, "o-1") == pending(A, "o-1", 100)


def test_failed_payments_are_acknowledged_and_recorded_as_failed(app: App) -> None:
    port, store, _ = app
    store.create_order(A.label, "o-1", 888)
    store.create_order(B.label, "o-2", 888)
    # result_code=FAIL (v2) and trade_state=PAYERROR (v3) are genuine notices of failed payments:
    # acknowledge them (refusing would only make WeChat Pay retry) and record them as failed.
    a = v2_payment(A, "4200000060", "o-1", 888, result_code="FAIL")
    b = v3_payment(B, "4200000061", "o-2", 888, trade_state="PAYERROR")
    for _ in range(2):
        assert post_v2(port, a) == V2_SUCCESS
        assert post_v3(port, b) == V3_SUCCESS
    assert [(p.merchant, p.dedupe_key, p.result, p.outcome) for p in store.payments()] == [
        (A.label, "4200000060:FAIL", "FAIL", "failed"),
        (B.label, "4200000061:PAYERROR", "PAYERROR", "failed"),
    ]
    assert store.order(A.label, "o-1") == pending(A, "o-1", 888)
    assert store.order(B.label, "o-2") == pending(B, "o-2", 888)
    assert store.discrepancies() == []


def test_oversized_undecidable_and_unknown_merchant_requests_get_the_endpoints_refusal(app: App) -> None:
    port, store, rejected = app
    store.create_order(A.label, "o-1", 1)
    # A validly signed v2 notification padded (ignorable whitespace) past the limit: the size limit
    # comes first; a body no merchant could be chosen for gets the v2 FAIL with 400.
    body = v2_payment(A, "4200000080", "o-1", 1)
    padded = body.replace(b"<xml>", b"<xml>" + b" " * MAX_BODY_BYTES, 1)
    assert post_v2(port, padded) == v2_fail(400)
    assert rejected.take() == ["body_too_large"]
    assert post_v2(port, padded, chunked=True) == v2_fail(400)
    assert rejected.take() == ["body_too_large"]
    assert post_v2(port, b" " * (4 << 20)) == v2_fail(400)
    assert rejected.take() == ["body_too_large"]
    # Not XML and no Wechatpay-Signature; an empty body; an XXE attempt; a merchant nobody serves.
    assert post_v2(port, b'{"id":1}', content_type="application/json") == v2_fail(400)
    assert rejected.take() == ["malformed_xml"]
    assert post_v2(port, b"") == v2_fail(400)
    assert rejected.take() == ["malformed_xml"]
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<xml><mch_id>10000100</mch_id><attach>&x;</attach></xml>"
    )
    assert post_v2(port, xxe) == v2_fail(400)
    assert rejected.take() == ["forbidden_doctype"]
    other = v2_payment_signed(A.v2_key, A.sign_type, "19999999", "4200000082", "o-1", 1)
    assert post_v2(port, other) == v2_fail(200)
    assert rejected.take() == ["merchant_mismatch"]
    assert store.count() == 0

    # Exactly at the limit is not "too large" (and chunked bodies are read like any other).
    at_limit = body.replace(b"<xml>", b"<xml>" + b" " * (MAX_BODY_BYTES - len(body)), 1)
    assert len(at_limit) == MAX_BODY_BYTES
    assert post_v2(port, at_limit, chunked=True) == V2_SUCCESS
    assert store.order(A.label, "o-1") == paid(A, "o-1", 1, "4200000080")


# A known defect of the core (commit 45f6cd8): Endpoint::handle_v3 calls verify_parsed, which skips
# the APIv3 verifier's max_body_bytes check, so the body is verified (and refused as
# signature_mismatch, 401) instead of refused first as body_too_large. strict: this fails once the
# core is fixed, so that the mark is removed then.
@pytest.mark.xfail(strict=True, reason="core 45f6cd8: the endpoint skips the APIv3 body size check")
def test_an_oversized_apiv3_request_gets_the_apiv3_size_refusal(app: App) -> None:
    port, store, rejected = app
    big = v3_payment(A, "4200000081", "o-1", 1)
    assert post_v3(port, V3Request(big.headers, big.body + b" " * MAX_BODY_BYTES)) == v3_fail(400)
    assert rejected.take() == ["body_too_large"]
    assert store.count() == 0


def test_one_route_only(app: App) -> None:
    port, store, _ = app
    body = v2_payment(A, "4200000090", "o-1", 1)
    assert request(port, body, path=NOTIFY_PATH + "/pay").status == 404
    assert request(port, b"", method="GET").status == 405
    assert store.count() == 0


def test_the_test_only_switch_fails_the_first_requests_with_500(serve: Serve, profiles: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "payments.sqlite3")
    store.create_order(A.label, "o-1", 1)
    with serve(Notify(load_endpoint(profiles), store, fail_first=2)) as port:
        v2 = v2_payment(A, "4200000095", "o-1", 1)
        # Not acknowledged, in each version's form: WeChat Pay retries.
        assert post_v2(port, v2) == v2_fail(500)
        assert post_v3(port, v3_payment(A, "4200000095", "o-1", 1)) == v3_fail(500)
        assert store.count() == 0
        assert post_v2(port, v2) == V2_SUCCESS
    assert store.order(A.label, "o-1") == paid(A, "o-1", 1, "4200000095")


class FlakyStore(Store):
    """A store whose first ``failures`` writes fail as a locked database does."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    def record_payment(self, p: Payment) -> notify_store.Outcome:
        if self.failures > 0:
            self.failures -= 1
            raise sqlite3.OperationalError("database is locked")
        return super().record_payment(p)


def test_a_failed_database_write_is_not_acknowledged_and_the_retry_is_recorded(
    serve: Serve, profiles: Path, tmp_path: Path
) -> None:
    store = FlakyStore(tmp_path / "payments.sqlite3", failures=2)
    store.create_order(B.label, "o-1", 5)
    with serve(Notify(load_endpoint(profiles), store)) as port:
        v2 = v2_payment(B, "4200000096", "o-1", 5)
        v3 = v3_payment(B, "4200000096", "o-1", 5)
        assert post_v2(port, v2) == v2_fail(500)
        assert post_v3(port, v3) == v3_fail(500)
        assert store.count() == 0
        assert post_v3(port, v3) == V3_SUCCESS
        assert post_v2(port, v2) == V2_SUCCESS
    assert store.payments() == [row(B, "4200000096", "v3", "o-1", 5)]


def test_concurrent_duplicates_pay_each_order_once(profiles: Path, tmp_path: Path) -> None:
    """Flask and FastAPI on one database file (two instances behind a load balancer), every request
    released at once: 16 deliveries of one payment of A (8 v2, 8 v3, one transaction_id) and 8
    different transactions for one order of B."""
    store = Store(tmp_path / "payments.sqlite3")
    store.create_order(A.label, "o-1", 1)
    store.create_order(B.label, "o-2", 1)
    v2 = v2_payment(A, "4200000070", "o-1", 1)
    v3 = v3_payment(A, "4200000070", "o-1", 1)
    jobs: list[tuple[int, bytes | V3Request]] = []
    with serve_flask(Notify(load_endpoint(profiles), store)) as a, serve_fastapi(
        Notify(load_endpoint(profiles), Store(store.path))
    ) as b:
        ports = (a, b)
        for i in range(16):
            jobs.append((ports[i % 2], v2 if i % 4 < 2 else v3))
        for i in range(8):
            tx = f"42000001{i:02}"
            jobs.append((ports[i % 2], v2_payment(B, tx, "o-2", 1) if i % 2 == 0 else v3_payment(B, tx, "o-2", 1)))
        barrier = threading.Barrier(len(jobs))

        def send(job: tuple[int, bytes | V3Request]) -> tuple[Reply, Reply]:
            port, what = job
            barrier.wait()
            if isinstance(what, V3Request):
                return post_v3(port, what), V3_SUCCESS
            return post_v2(port, what), V2_SUCCESS

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            replies = list(pool.map(send, jobs))
    for got, expected in replies:
        assert got == expected
    assert store.count() == 1 + 8
    assert store.order(A.label, "o-1") == paid(A, "o-1", 1, "4200000070")
    other = store.order(B.label, "o-2")
    assert other is not None and other.status == "paid"
    d = store.discrepancies()
    assert len(d) == 7, d
    assert all(r.reason == "already_paid" and r.merchant == B.label and r.dedupe_key != other.transaction_id for r in d)


def test_profiles_file_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = write_profiles(tmp_path)
    assert load_endpoint(good).labels == (A.label, B.label)
    original = json.loads(good.read_text())

    def try_with(edit: Callable[[Any], None]) -> str:
        doc = json.loads(json.dumps(original))
        edit(doc)
        path = tmp_path / "edited.json"
        path.write_text(json.dumps(doc))
        with pytest.raises(ConfigError) as info:
            load_endpoint(path)
        return str(info.value)

    def set_(path: list[Any], value: Any) -> Callable[[Any], None]:
        def edit(doc: Any) -> None:
            for k in path[:-1]:
                doc = doc[k]
            doc[path[-1]] = value

        return edit

    # A key written inline is refused, and never echoed.
    e = try_with(set_(["profiles", 0, "v2", "api_key"], A.v2_key))
    assert "never written into the profiles file" in e and A.v2_key not in e
    # Both a file and a variable, or neither.
    e = try_with(set_(["profiles", 0, "v3", "api_v3_key_env"], "X"))
    assert "exactly one of api_v3_key_file and api_v3_key_env" in e
    # A variable that is not set; then set (the key comes from the environment).
    monkeypatch.delenv("WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE", raising=False)
    by_env = dict(original["profiles"][1]["v3"])
    del by_env["api_v3_key_file"]
    by_env["api_v3_key_env"] = "WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE"
    e = try_with(set_(["profiles", 1, "v3"], by_env))
    assert "$WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE" in e and "shop-b" in e
    monkeypatch.setenv("WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE", B.v3_key)
    doc = json.loads(json.dumps(original))
    doc["profiles"][1]["v3"] = by_env
    (tmp_path / "by-env.json").write_text(json.dumps(doc))
    assert load_endpoint(tmp_path / "by-env.json").labels == (A.label, B.label)
    # The core's rules: two merchants with one mch_id, one label, or one key id; a v2 part without
    # mch_id; a key of the wrong length; a PEM that is not a key; an unknown sign type.
    assert "invalid_config" in try_with(set_(["profiles", 1, "v2", "mch_id"], A.mch_id))
    assert "invalid_config" in try_with(set_(["profiles", 1, "label"], A.label))
    e = try_with(set_(["profiles", 1, "v3", "platform_keys"], {A.key_id: "shop-a/wechatpay_public_key.pem"}))
    assert "invalid_config" in e
    no_mch_id = dict(original["profiles"][0]["v2"])
    del no_mch_id["mch_id"]
    e = try_with(set_(["profiles", 0, "v2"], no_mch_id))
    assert "invalid_config" in e and "mch_id" in e
    (tmp_path / "short.txt").write_text("0123456789abcdef\n")
    e = try_with(set_(["profiles", 0, "v3", "api_v3_key_file"], "short.txt"))
    assert "invalid_config" in e and "0123456789abcdef" not in e
    e = try_with(set_(["profiles", 0, "v3", "platform_keys"], {A.key_id: "shop-a/api_key.txt"}))
    assert "invalid_config" in e and "api_key.txt" in e and A.v2_key not in e and A.v3_key not in e
    assert "invalid_config" in try_with(set_(["profiles", 0, "v2", "sign_type"], "SHA1"))
    assert "cannot read" in try_with(set_(["profiles", 0, "v2", "api_key_file"], "missing.txt"))
    assert '"profiles" list' in try_with(set_(["profiles"], {}))
    with pytest.raises(ConfigError, match="cannot read"):
        load_endpoint(tmp_path / "missing.json")


def test_every_outcome_of_record_payment_is_keyed_by_merchant(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    store.create_order("shop-a", "o-1", 5)
    store.create_order("shop-b", "o-1", 7)
    with pytest.raises(sqlite3.IntegrityError):
        store.create_order("shop-a", "o-1", 5)

    def pay(m: str, key: str, fee: int | None, success: bool = True, version: Version = "v2") -> Payment:
        return Payment(m, key, version, "o-1", fee, "SUCCESS" if success else "FAIL", success)

    assert store.record_payment(pay("shop-a", "t1", 7)) == "discrepancy"  # shop-b's amount
    assert store.record_payment(pay("shop-b", "t1", 7)) == "paid"  # one key, another merchant
    assert store.record_payment(pay("shop-b", "t1", 7, version="v3")) == "duplicate"
    assert store.record_payment(pay("shop-a", "t2", 5, success=False)) == "failed"
    assert store.record_payment(pay("shop-a", "t3", 5)) == "paid"
    assert store.record_payment(pay("shop-a", "t4", 5)) == "discrepancy"
    assert store.record_payment(pay("shop-c", "t5", 5)) == "discrepancy"
    assert store.record_payment(pay("shop-a", "t6", None)) == "discrepancy"
    # Reopening the file keeps one row per key.
    again = Store(path)
    assert again.record_payment(pay("shop-a", "t3", 5)) == "duplicate"
    assert [(d.merchant, d.dedupe_key, d.order_amount_fen, d.reason) for d in again.discrepancies()] == [
        ("shop-a", "t1", 5, "amount_mismatch"),
        ("shop-a", "t4", 5, "already_paid"),
        ("shop-c", "t5", None, "unknown_order"),
        ("shop-a", "t6", 5, "amount_mismatch"),
    ]
    assert again.order("shop-a", "o-1") == Order("shop-a", "o-1", 5, "paid", "t3")
    assert again.order("shop-b", "o-1") == Order("shop-b", "o-1", 7, "paid", "t1")
    assert again.count() == 7


def test_add_order_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("WECHATPAY_DB", str(db))
    assert notify_store.main(["add-order", "shop-a", "ORDER-1", "101"]) == 0
    assert Store(db).order("shop-a", "ORDER-1") == Order("shop-a", "ORDER-1", 101, "pending", None)
    assert notify_store.main(["add-order", "shop-a", "ORDER-1", "101"]) == 1  # already there
    for bad in (
        ["add-order", "shop-a", "x", "0"],
        ["add-order", "shop-a", "x", "1.5"],
        ["add-order", "shop-a", "x", "²"],
        ["add-order", "x", "5"],
    ):
        assert notify_store.main(bad) == 2
    assert "usage" in capsys.readouterr().err
