"""The Flask and FastAPI apps over real HTTP on loopback (werkzeug's threaded server and uvicorn on
127.0.0.1, port 0, driven by http.client): one route for two merchants, v2 and APIv3, configured by
a profiles file, with requests made by `wechatpay-notify simulate --print` (example_support)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, NamedTuple

import notify_store
import pytest
import wechatpay_notify as wn
from example_support import (
    A,
    B,
    V2_SUCCESS,
    V3_SUCCESS,
    ROOT,
    Merchant,
    Rejections,
    Reply,
    Request,
    discrepancies,
    field,
    order,
    pay,
    payments,
    post,
    refund,
    refund_states,
    refunds,
    rejections,
    serve_fastapi,
    serve_flask,
    transaction_id_of,
    v2_fail,
    v2_payment,
    v3,
    v3_fail,
    write_profiles,
)
from notify_store import MAX_BODY_BYTES, NOTIFY_PATH, Notify, Payment, Store, record_of

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


def notify(profiles: Path, store: Store, fail_first: int = 0) -> Notify:
    return Notify(wn.Endpoint.from_profiles_file(profiles), store, fail_first=fail_first)


@pytest.fixture
def app(serve: Serve, profiles: Path, tmp_path: Path) -> Iterator[App]:
    store = Store(tmp_path / "payments.sqlite3")
    with rejections() as rejected, serve(notify(profiles, store)) as port:
        yield App(port, store, rejected)


def ack(r: Request) -> Reply:
    """The success reply of a request's version: v2 200 with the XML SUCCESS, APIv3 204."""
    return V3_SUCCESS if r.headers else V2_SUCCESS


def paid_by(store: Store, m: Merchant, no: str) -> str:
    """The transaction that paid an order (it must be paid)."""
    o = order(store, m, no)
    assert o is not None and o[1] == "paid", o
    tx: str = o[2]
    return tx


def test_payments_of_both_merchants_in_both_versions_pay_once_under_retries(app: App) -> None:
    port, store, _ = app
    # The same order number at both merchants: orders are keyed by merchant and number.
    for m, no, fen in ((A, "o-1", 101), (A, "o-2", 202), (B, "o-1", 303), (B, "o-3", 404)):
        store.create_order(m.label, no, fen)
    a2, a3 = pay(A, "o-1", 101), v3("pay", A, "o-2", 202)
    b2, b3 = pay(B, "o-1", 303), v3("pay", B, "o-3", 404)
    # WeChat Pay retries each: the first delivery pays, the others change nothing.
    for _ in range(3):
        assert [post(port, r) for r in (a2, a3, b2, b3)] == [V2_SUCCESS, V3_SUCCESS, V2_SUCCESS, V3_SUCCESS]
    assert [(p[0], p[2], p[3], p[4], p[6]) for p in payments(store)] == [
        (A.label, "v2", "o-1", 101, "paid"),
        (A.label, "v3", "o-2", 202, "paid"),
        (B.label, "v2", "o-1", 303, "paid"),
        (B.label, "v3", "o-3", 404, "paid"),
    ]
    assert paid_by(store, A, "o-1") == field(a2, "transaction_id")
    assert paid_by(store, A, "o-2") == transaction_id_of(A, a3)
    assert paid_by(store, B, "o-1") == field(b2, "transaction_id")
    assert paid_by(store, B, "o-3") == transaction_id_of(B, b3)
    assert discrepancies(store) == []


def test_the_v2_and_v3_deliveries_of_one_payment_are_recorded_once(app: App) -> None:
    port, store, _ = app
    store.create_order(A.label, "o-5", 500)
    store.create_order(B.label, "o-6", 600)
    # A merchant migrating to APIv3 receives both: the dedupe key (transaction_id) is the same.
    a3 = v3("pay", A, "o-5", 500)
    a2 = v2_payment(A, transaction_id_of(A, a3), "o-5", 500)
    assert [post(port, r) for r in (a3, a2, a3)] == [V3_SUCCESS, V2_SUCCESS, V3_SUCCESS]
    # And the other way round.
    b3 = v3("pay", B, "o-6", 600)
    b2 = v2_payment(B, transaction_id_of(B, b3), "o-6", 600)
    assert [post(port, r) for r in (b2, b3)] == [V2_SUCCESS, V3_SUCCESS]
    assert [(p[0], p[2], p[6]) for p in payments(store)] == [(A.label, "v3", "paid"), (B.label, "v2", "paid")]
    assert paid_by(store, A, "o-5") == transaction_id_of(A, a3)
    assert paid_by(store, B, "o-6") == transaction_id_of(B, b3)


def test_amount_mismatch_and_unknown_orders_are_acknowledged_but_only_recorded_for_review(app: App) -> None:
    port, store, _ = app
    store.create_order(A.label, "o-1", 100)
    store.create_order(B.label, "o-2", 100)
    store.create_order(B.label, "o-9", 900)
    # Genuine and signed, but 1 fen (v2 total_fee) and 99 fen (v3 amount.total) against 100; and
    # an order that exists, but at merchant B, paid to A.
    for r in (pay(A, "o-1", 1), v3("pay", B, "o-2", 99), pay(A, "o-9", 900), v3("pay", A, "o-9", 900)):
        assert [post(port, r), post(port, r)] == [ack(r)] * 2  # a retry changes nothing
    assert [(d[0], d[2], d[3], d[4], d[5]) for d in discrepancies(store)] == [
        (A.label, "o-1", 1, 100, "amount_mismatch"),
        (B.label, "o-2", 99, 100, "amount_mismatch"),
        (A.label, "o-9", 900, None, "unknown_order"),
        (A.label, "o-9", 900, None, "unknown_order"),
    ]
    # Never fulfilled.
    assert order(store, A, "o-1") == (100, "pending", None) and order(store, B, "o-2") == (100, "pending", None)
    assert order(store, A, "o-9") is None and order(store, B, "o-9") == (900, "pending", None)


def test_a_second_transaction_for_a_paid_order_is_recorded_for_review(app: App) -> None:
    port, store, _ = app
    store.create_order(A.label, "o-1", 1)
    first = pay(A, "o-1", 1)
    assert post(port, first) == V2_SUCCESS
    # The customer paid the same order twice: genuine, but to be refunded by a person.
    second = v3("pay", A, "o-1", 1)
    assert post(port, second) == V3_SUCCESS
    assert paid_by(store, A, "o-1") == field(first, "transaction_id")
    assert discrepancies(store) == [(A.label, transaction_id_of(A, second), "o-1", 1, 1, "already_paid")]


def test_cross_merchant_forgeries_are_refused_and_record_nothing(app: App) -> None:
    port, store, rejected = app
    store.create_order(A.label, "o-1", 100)
    # v2: a body naming A (its mch_id routes it to A's verifier) signed with B's key, and the
    # reverse: the endpoint's v2 refusal, 200 with the XML FAIL.
    assert post(port, pay(A, "o-1", 100, key=B.v2_key)) == v2_fail(200)
    assert post(port, pay(B, "o-1", 100, key=A.v2_key)) == v2_fail(200)
    # A tampered amount.
    genuine = pay(A, "o-1", 100)
    tampered = genuine.body.replace(b"<total_fee><![CDATA[100]]>", b"<total_fee><![CDATA[1]]>")
    assert tampered != genuine.body
    assert post(port, tampered) == v2_fail(200)
    assert rejected.take() == ["signature_mismatch"] * 3
    # v3: A's key id (routing to A) but signed with B's WeChat Pay key; signed for B, but encrypted
    # under A's APIv3 key (B's key does not decrypt it).
    assert post(port, v3("pay", A, "o-1", 100, signer=B)) == v3_fail(401)
    assert post(port, v3("pay", A, "o-1", 100, signer=B, key_id=B.key_id)) == v3_fail(400)
    assert rejected.take() == ["signature_mismatch", "decrypt_failed"]
    # Genuinely signed and encrypted for A, but naming B's mchid: A's APIv3 part is bound to A.
    assert post(port, v3("pay", A, "o-1", 100, mchid=B.mch_id)) == v3_fail(401)
    assert rejected.take() == ["merchant_mismatch"]

    assert payments(store) == [] and order(store, A, "o-1") == (100, "pending", None)
    assert post(port, genuine) == V2_SUCCESS  # the genuine one still pays
    assert paid_by(store, A, "o-1") == field(genuine, "transaction_id")


def test_v3_stale_timestamps_probes_and_unknown_keys_are_refused(app: App) -> None:
    port, store, rejected = app
    store.create_order(A.label, "o-1", 100)
    genuine = v3("pay", A, "o-1", 100)
    refused = [
        v3("pay", A, "o-1", 100, "--stale-timestamp"),  # ten minutes old: outside the 300 s window
        v3("pay", A, "o-1", 100, "--probe"),  # WeChat Pay's probe traffic
        v3("pay", A, "o-1", 100, key_id="PUB_KEY_ID_0199999999999999999999999999"),  # no merchant trusts it
        Request([h for h in genuine.headers if h[0] != "Wechatpay-Timestamp"], genuine.body),
        Request(genuine.headers, genuine.body.replace(b",", b", ", 1)),  # re-serialised after signing
    ]
    assert [post(port, r) for r in refused] == [v3_fail(401)] * 5
    assert rejected.take() == [
        "timestamp_out_of_window",
        "signature_probe",
        "unknown_serial",
        "missing_header",
        "signature_mismatch",
    ]
    assert payments(store) == []
    assert post(port, genuine) == V3_SUCCESS
    assert paid_by(store, A, "o-1") == transaction_id_of(A, genuine)


def test_refunds_are_recorded_once_per_state_and_never_acted_upon(app: App) -> None:
    port, store, rejected = app
    store.create_order(A.label, "o-1", 100)
    assert post(port, pay(A, "o-1", 100)) == V2_SUCCESS
    a, b = refund(A, "o-1", 100), v3("refund", B, "o-2", 200)
    a_change, b_abnormal = refund(A, "o-3", 300, change=True), v3("refund", B, "o-4", 400, "--result", "FAIL")
    for _ in range(2):
        assert [post(port, r) for r in (a, b, a_change, b_abnormal)] == [V2_SUCCESS, V3_SUCCESS] * 2
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in refunds(store)] == [
        (A.label, "v2", "o-1", 100, "SUCCESS"),
        (B.label, "v3", "o-2", 200, "SUCCESS"),
        (A.label, "v2", "o-3", 300, "CHANGE"),
        (B.label, "v3", "o-4", 400, "ABNORMAL"),
    ]
    # Each refund's state, in APIv3's words (v2 CHANGE is ABNORMAL); the dedupe key names it.
    states = refund_states(store)
    assert [(s[0], s[2]) for s in states] == [(A.label, "SUCCESS"), (B.label, "SUCCESS"), (A.label, "ABNORMAL"),
                                              (B.label, "ABNORMAL")]
    assert [r[1] for r in refunds(store)] == [f"{s[1]}:{s[2]}" for s in states]
    # The order is untouched: a refund is a hint to confirm with the refund query API.
    assert order(store, A, "o-1") == (100, "paid", payments(store)[0][1]) and len(payments(store)) == 1
    # A refund naming A but encrypted with B's key is refused.
    assert post(port, refund(A, "o-1", 100, key=B.v2_key)) == v2_fail(200)
    assert rejected.take() == ["decrypt_failed"]
    assert len(refunds(store)) == 4


def test_a_failed_payment_is_recorded_as_failed_and_does_not_swallow_its_later_success(app: App) -> None:
    """result_code=FAIL (v2) and trade_state=PAYERROR (v3) are genuine: acknowledged and recorded as
    failed. Their dedupe_key names the state, so the success of the same transaction pays."""
    port, store, _ = app
    store.create_order(A.label, "o-1", 300)
    store.create_order(B.label, "o-2", 400)
    store.create_order(B.label, "o-3", 500)
    failed = pay(A, "o-1", 300, fail=True)
    tx = field(failed, "transaction_id")
    assert [post(port, failed), post(port, failed)] == [V2_SUCCESS] * 2
    assert post(port, v3("pay", B, "o-3", 500, "--result", "FAIL")) == V3_SUCCESS
    # B's success arrives by APIv3 after its failure arrived by v2.
    success_b = v3("pay", B, "o-2", 400)
    tx_b = transaction_id_of(B, success_b)
    assert post(port, v2_payment(B, tx_b, "o-2", 400, result_code="FAIL")) == V2_SUCCESS
    assert order(store, A, "o-1") == (300, "pending", None) and order(store, B, "o-2") == (400, "pending", None)
    assert post(port, v2_payment(A, tx, "o-1", 300)) == V2_SUCCESS
    assert post(port, success_b) == V3_SUCCESS
    assert paid_by(store, A, "o-1") == tx and paid_by(store, B, "o-2") == tx_b
    assert [(p[1].partition(":")[2], p[5], p[6]) for p in payments(store)] == [
        ("FAIL", "FAIL", "failed"),
        ("PAYERROR", "PAYERROR", "failed"),
        ("FAIL", "FAIL", "failed"),
        ("", "SUCCESS", "paid"),
        ("", "SUCCESS", "paid"),
    ]
    assert order(store, B, "o-3") == (500, "pending", None) and discrepancies(store) == []


def test_oversized_undecidable_and_unknown_merchant_requests_get_the_endpoints_refusal(app: App) -> None:
    port, store, rejected = app
    store.create_order(A.label, "o-1", 1)
    # A validly signed v2 notification padded (ignorable whitespace) past the limit: the size limit
    # comes first; a body no merchant could be chosen for gets the v2 FAIL with 400.
    body = pay(A, "o-1", 1).body
    padded = body.replace(b"<xml>", b"<xml>" + b" " * MAX_BODY_BYTES, 1)
    assert [post(port, padded), post(port, padded, chunked=True), post(port, b" " * (4 << 20))] == [v2_fail(400)] * 3
    assert rejected.take() == ["body_too_large"] * 3
    big = v3("pay", A, "o-1", 1)
    assert post(port, Request(big.headers, big.body + b" " * MAX_BODY_BYTES)) == v3_fail(400)
    assert rejected.take() == ["body_too_large"]
    # Not XML and no Wechatpay-Signature; an empty body; an XXE attempt; a merchant nobody serves.
    xxe = b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><a>&x;</a></xml>'
    for r in (b'{"id":1}', b"", xxe):
        assert post(port, r) == v2_fail(400)
    assert post(port, pay(A, "o-1", 1, mch_id="19999999")) == v2_fail(200)
    assert rejected.take() == ["malformed_xml", "malformed_xml", "forbidden_doctype", "merchant_mismatch"]
    assert payments(store) == []
    # Exactly at the limit is not "too large" (and chunked bodies are read like any other).
    at_limit = body.replace(b"<xml>", b"<xml>" + b" " * (MAX_BODY_BYTES - len(body)), 1)
    assert len(at_limit) == MAX_BODY_BYTES
    assert post(port, at_limit, chunked=True) == V2_SUCCESS
    assert order(store, A, "o-1") == (1, "paid", field(Request([], body), "transaction_id"))


def test_one_route_only(app: App) -> None:
    port, store, _ = app
    assert post(port, pay(A, "o-1", 1), path=NOTIFY_PATH + "/pay").status == 404
    assert post(port, b"", method="GET").status == 405
    assert payments(store) == []


def test_the_test_only_switch_fails_the_first_requests_with_500(serve: Serve, profiles: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "payments.sqlite3")
    store.create_order(A.label, "o-1", 1)
    with serve(notify(profiles, store, fail_first=2)) as port:
        v2 = pay(A, "o-1", 1)
        # Not acknowledged, in each version's form: WeChat Pay retries.
        assert [post(port, v2), post(port, v3("pay", A, "o-1", 1))] == [v2_fail(500), v3_fail(500)]
        assert payments(store) == []
        assert post(port, v2) == V2_SUCCESS
    assert paid_by(store, A, "o-1") == field(v2, "transaction_id")


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
    with serve(notify(profiles, store)) as port:
        b3 = v3("pay", B, "o-1", 5)
        b2 = v2_payment(B, transaction_id_of(B, b3), "o-1", 5)
        # The reply of the verified request's version when our own code fails: 500, WeChat Pay retries.
        assert [post(port, b2), post(port, b3)] == [v2_fail(500), v3_fail(500)]
        assert payments(store) == []
        assert [post(port, b3), post(port, b2)] == [V3_SUCCESS, V2_SUCCESS]
    assert [(p[0], p[2], p[6]) for p in payments(store)] == [(B.label, "v3", "paid")]


def test_concurrent_duplicates_pay_each_order_once(profiles: Path, tmp_path: Path) -> None:
    """Flask and FastAPI on one database file (two instances behind a load balancer), every request
    released at once: 16 deliveries of one payment of A (8 v2, 8 v3, one transaction_id) and 8
    different transactions for one order of B."""
    store = Store(tmp_path / "payments.sqlite3")
    store.create_order(A.label, "o-1", 1)
    store.create_order(B.label, "o-2", 1)
    a3 = v3("pay", A, "o-1", 1)
    a2 = v2_payment(A, transaction_id_of(A, a3), "o-1", 1)
    others = [pay(B, "o-2", 1) if i % 2 == 0 else v3("pay", B, "o-2", 1) for i in range(8)]
    with serve_flask(notify(profiles, store)) as a, serve_fastapi(notify(profiles, Store(store.path))) as b:
        jobs = [((a, b)[i % 2], a2 if i % 4 < 2 else a3) for i in range(16)]
        jobs += [((a, b)[i % 2], r) for i, r in enumerate(others)]
        barrier = threading.Barrier(len(jobs))

        def send(job: tuple[int, Request]) -> tuple[Reply, Reply]:
            port, r = job
            barrier.wait()
            return post(port, r), ack(r)

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            replies = list(pool.map(send, jobs))
    assert all(got == expected for got, expected in replies)
    assert len(payments(store)) == 1 + 8
    assert paid_by(store, A, "o-1") == transaction_id_of(A, a3)
    winner = paid_by(store, B, "o-2")
    d = discrepancies(store)
    assert len(d) == 7 and all(r[0] == B.label and r[5] == "already_paid" and r[1] != winner for r in d)


# ---- without HTTP ---------------------------------------------------------------------------------


def test_the_profiles_file_is_read_by_the_library(tmp_path: Path) -> None:
    """The rules that matter to a merchant, applied by the core's loader (wn.Endpoint.from_profiles_file):
    a misspelt setting and a key written inline are refused, key files and the file itself must be
    chmod 600; every refusal names the place and never a key."""
    good = write_profiles(tmp_path)
    assert wn.Endpoint.from_profiles_file(good).labels == (A.label, B.label)
    original = json.loads(good.read_text())

    def refused(change: Callable[[Any], None], mode: int = 0o600) -> str:
        doc = json.loads(json.dumps(original))
        change(doc["profiles"][1])
        path = tmp_path / "edited.json"
        path.write_text(json.dumps(doc))
        path.chmod(mode)
        with pytest.raises(wn.InvalidConfigError) as info:
            wn.Endpoint.from_profiles_file(path)
        message = str(info.value)
        assert message.startswith("invalid_config: ") and B.v2_key not in message and B.v3_key not in message
        return message

    assert 'unknown v2 setting "signType"' in refused(lambda p: p["v2"].update(signType="MD5"))
    assert "never written into the profiles file" in refused(lambda p: p["v2"].update(api_key=B.v2_key))
    assert "chmod 600" in refused(lambda p: None, mode=0o644)
    (tmp_path / "shop-b" / "api_key.txt").chmod(0o644)
    assert "v2 api_key_file: chmod 600" in refused(lambda p: None)


def test_an_amount_the_core_refuses_never_pays(tmp_path: Path) -> None:
    """A verified payment whose amount is not an integer (100.0) is recorded with a NULL amount as a
    discrepancy, the order left pending. simulate cannot write such an amount: the notification is
    the shared vector's ("an amount written 100.0"), handled by an endpoint at the vector's time."""
    vectors = json.loads((ROOT / "tests" / "vectors" / "v3_notify.json").read_text())
    cases = [(g["config"], c) for g in vectors["testGroups"] for c in g["tests"]]
    config, case = next((g, c) for g, c in cases if c["comment"] == "an amount written 100.0")
    verifier = wn.V3Verifier(config["apiV3Key"], dict(config["platformKeys"]))
    endpoint = wn.Endpoint([wn.MerchantProfile(A.label, v3=verifier)])
    result = endpoint.handle([tuple(h) for h in case["headers"]], case["body"], now=case["now"])
    record = record_of(result)
    assert isinstance(record, Payment) and record.total_fee is None and record.out_trade_no is not None
    store = Store(tmp_path / "payments.sqlite3")
    store.create_order(A.label, record.out_trade_no, 100)
    assert store.record_payment(record) == "discrepancy"
    assert discrepancies(store) == [(A.label, record.dedupe_key, record.out_trade_no, None, 100, "amount_mismatch")]
    assert order(store, A, record.out_trade_no) == (100, "pending", None)


def test_every_outcome_of_record_payment_is_keyed_by_merchant(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    store.create_order("shop-a", "o-1", 5)
    store.create_order("shop-b", "o-1", 7)
    with pytest.raises(sqlite3.IntegrityError):
        store.create_order("shop-a", "o-1", 5)

    def p(m: str, key: str, fee: int | None, success: bool = True, version: str = "v2") -> Payment:
        return Payment(m, key, version, "o-1", fee, "SUCCESS" if success else "FAIL", success)

    assert store.record_payment(p("shop-a", "t1", 7)) == "discrepancy"  # shop-b's amount
    assert store.record_payment(p("shop-b", "t1", 7)) == "paid"  # one key, another merchant
    assert store.record_payment(p("shop-b", "t1", 7, version="v3")) == "duplicate"
    assert store.record_payment(p("shop-a", "t2", 5, success=False)) == "failed"
    assert store.record_payment(p("shop-a", "t3", 5)) == "paid"
    assert store.record_payment(p("shop-a", "t4", 5)) == "discrepancy"
    assert store.record_payment(p("shop-c", "t5", 5)) == "discrepancy"
    assert store.record_payment(p("shop-a", "t6", None)) == "discrepancy"
    again = Store(path)  # reopening the file keeps one row per key
    assert again.record_payment(p("shop-a", "t3", 5)) == "duplicate"
    assert [(d[0], d[1], d[4], d[5]) for d in discrepancies(again)] == [
        ("shop-a", "t1", 5, "amount_mismatch"),
        ("shop-a", "t4", 5, "already_paid"),
        ("shop-c", "t5", None, "unknown_order"),
        ("shop-a", "t6", 5, "amount_mismatch"),
    ]
    assert order(again, A, "o-1") == (5, "paid", "t3") and order(again, B, "o-1") == (7, "paid", "t1")
    assert len(payments(again)) == 7


def test_a_refund_state_moves_forward_only(app: App) -> None:
    """ABNORMAL then SUCCESS for one refund_id ends SUCCESS (each state has its own dedupe key, so
    the later state is recorded); a late or retried ABNORMAL, in either version, never moves it back;
    CLOSED is final too; one refund_id at two merchants is two refunds. Each state is a notification
    over HTTP from ``simulate ... --refund-id ID --refund-status STATUS``."""
    port, store, rejected = app

    def v3_state(m: Merchant, rid: str, status: str) -> Request:
        return v3("refund", m, "o-1", 100, "--refund-id", rid, "--refund-status", status)

    def v2_state(m: Merchant, rid: str, status: str) -> Request:
        return refund(m, "o-1", 100, refund_id=rid, status=status)

    a_abnormal = v3_state(A, "R1", "ABNORMAL")
    steps = [
        (a_abnormal, 1),  # recorded
        (v3_state(A, "R1", "SUCCESS"), 2),  # the later state: recorded
        (a_abnormal, 2),  # a retry
        (v3_state(A, "R1", "ABNORMAL"), 2),  # a late ABNORMAL, made anew
        (v2_state(A, "R1", "CHANGE"), 2),  # the v2 delivery of ABNORMAL
        (v2_state(B, "R2", "CHANGE"), 3),
        (v2_state(B, "R2", "REFUNDCLOSE"), 4),
        (v2_state(B, "R2", "SUCCESS"), 5),  # after CLOSED: recorded, state kept
        (v2_state(B, "R1", "CHANGE"), 6),  # A's refund_id at B: another refund
    ]
    for i, (r, recorded) in enumerate(steps):
        assert post(port, r) == ack(r), i  # acknowledged: WeChat Pay stops retrying
        assert len(refunds(store)) == recorded, i
    assert refund_states(store) == [(A.label, "R1", "SUCCESS"), (B.label, "R2", "CLOSED"), (B.label, "R1", "ABNORMAL")]
    assert [(x[1], x[2], x[5]) for x in refunds(store)] == [
        ("R1:ABNORMAL", "v3", "ABNORMAL"),
        ("R1:SUCCESS", "v3", "SUCCESS"),
        ("R2:ABNORMAL", "v2", "CHANGE"),
        ("R2:CLOSED", "v2", "REFUNDCLOSE"),
        ("R2:SUCCESS", "v2", "SUCCESS"),
        ("R1:ABNORMAL", "v2", "CHANGE"),
    ]
    assert payments(store) == [] and rejected.take() == []


def test_add_order_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("WECHATPAY_DB", str(db))
    assert notify_store.main(["add-order", "shop-a", "ORDER-1", "101"]) == 0
    assert order(Store(db), A, "ORDER-1") == (101, "pending", None)
    assert notify_store.main(["add-order", "shop-a", "ORDER-1", "101"]) == 1  # already there
    for bad in (["add-order", "shop-a", "x", "0"], ["add-order", "shop-a", "x", "1.5"], ["add-order", "x", "5"]):
        assert notify_store.main(bad) == 2
    assert "usage" in capsys.readouterr().err
