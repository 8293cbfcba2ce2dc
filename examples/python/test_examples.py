"""The Flask and FastAPI examples over real HTTP on loopback (werkzeug's server and uvicorn on
127.0.0.1, port 0, driven by http.client), with the shipped sample notifications
(examples/notifications/) and notifications signed here with the library's ``sign``."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import fastapi_app
import flask_app
import notify_store
import pytest
import uvicorn
import wechatpay_notify as wn
from notify_store import Store
from werkzeug.serving import make_server

SAMPLES = Path(__file__).resolve().parents[1] / "notifications"
API_KEY = (SAMPLES / "api_key.txt").read_text().strip()
MCH_ID = "10000100"
SUCCESS = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
# The order pay-md5.xml pays, and its transaction.
SAMPLE_ORDER = "20261127ORDER0001"
SAMPLE_TX = "4200001234202611270123456789"

Post = Callable[[str, bytes], tuple[int, str]]
Serve = Callable[[wn.Verifier, Store], AbstractContextManager[int]]


@contextmanager
def serve_flask(verifier: wn.Verifier, store: Store) -> Iterator[int]:
    """flask_app on werkzeug's threaded server (a thread per request); yields the port."""
    server = make_server("127.0.0.1", 0, flask_app.create_app(verifier, store), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextmanager
def serve_fastapi(verifier: wn.Verifier, store: Store) -> Iterator[int]:
    """fastapi_app on uvicorn (in a thread, so it installs no signal handlers); yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(fastapi_app.create_app(verifier, store), lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def client(port: int, *, chunked: bool = False) -> Post:
    """POSTs over a new HTTP/1.1 connection; returns (status, body) and checks the content type."""

    def post(path: str, body: bytes) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            headers = {"Content-Type": "text/xml"}
            if chunked:
                conn.request("POST", path, body=iter([body[i : i + 8192] for i in range(0, len(body), 8192)]),
                             headers=headers, encode_chunked=True)
            else:
                conn.request("POST", path, body=body, headers=headers)
            r = conn.getresponse()
            text = r.read().decode()
            assert (r.getheader("Content-Type") or "").startswith("text/xml"), r.getheader("Content-Type")
            return r.status, text
        finally:
            conn.close()

    return post


@pytest.fixture(params=[serve_flask, serve_fastapi], ids=["flask", "fastapi"])
def serve(request: pytest.FixtureRequest) -> Serve:
    result: Serve = request.param
    return result


@pytest.fixture
def app(serve: Serve, tmp_path: Path) -> Iterator[tuple[Post, Store]]:
    store = Store(tmp_path / "payments.sqlite3")
    verifier = wn.Verifier(API_KEY, "MD5", mch_id=MCH_ID)
    with serve(verifier, store) as port:
        yield client(port), store


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def notification(
    transaction_id: str, out_trade_no: str, total_fee: int, result_code: str = "SUCCESS", key: str = API_KEY
) -> bytes:
    """A payment notification as WeChat Pay sends it (CDATA values), signed with MD5 under `key`."""
    fields = {
        "appid": "wx2421b1c4370ec43b",
        "bank_type": "CFT",
        "cash_fee": str(total_fee),
        "fee_type": "CNY",
        "is_subscribe": "Y",
        "mch_id": MCH_ID,
        "nonce_str": "5d2b6c2a8db53831f7eda20af46e531c",
        "openid": "oUpF8uMEb4qRXf22hE3X68TekukE",
        "out_trade_no": out_trade_no,
        "result_code": result_code,
        "return_code": "SUCCESS",
        "time_end": "20261127131540",
        "total_fee": str(total_fee),
        "trade_type": "JSAPI",
        "transaction_id": transaction_id,
    }
    if result_code == "FAIL":
        fields["err_code"] = "NOTENOUGH"
    fields["sign"] = wn.sign(fields, key, "MD5")
    return ("<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>").encode()


def test_payment_is_recorded_once_and_retries_still_get_success(app: tuple[Post, Store]) -> None:
    post, store = app
    store.create_order(SAMPLE_ORDER, 101)
    body = sample("pay-md5.xml")
    expected = wn.Verifier(API_KEY, "MD5").verify_payment(body)
    for _ in range(3):  # WeChat Pay's retries
        assert post("/wechatpay/notify", body) == (200, SUCCESS)
    assert expected.dedupe_key == SAMPLE_TX
    assert store.payments() == [
        (expected.dedupe_key, expected.out_trade_no, expected.total_fee, expected.result_code, "paid")
    ]
    # The order is paid, once, by this transaction.
    assert store.order(SAMPLE_ORDER) == (SAMPLE_ORDER, 101, "paid", SAMPLE_TX)
    assert store.discrepancies() == []


def test_amount_mismatch_is_acknowledged_and_recorded_for_review(app: tuple[Post, Store]) -> None:
    post, store = app
    store.create_order(SAMPLE_ORDER, 100)  # the sample pays 101 fen
    for _ in range(2):
        assert post("/wechatpay/notify", sample("pay-md5.xml")) == (200, SUCCESS)
    assert store.payments() == [(SAMPLE_TX, SAMPLE_ORDER, 101, "SUCCESS", "discrepancy")]
    assert store.discrepancies() == [(SAMPLE_TX, SAMPLE_ORDER, 101, 100, "amount_mismatch")]
    assert store.order(SAMPLE_ORDER) == (SAMPLE_ORDER, 100, "pending", None)  # never fulfilled


def test_unknown_order_is_acknowledged_and_recorded_for_review(app: tuple[Post, Store]) -> None:
    post, store = app
    store.create_order("another-order", 101)
    for _ in range(2):
        assert post("/wechatpay/notify", sample("pay-md5.xml")) == (200, SUCCESS)
    assert store.payments() == [(SAMPLE_TX, SAMPLE_ORDER, 101, "SUCCESS", "discrepancy")]
    assert store.discrepancies() == [(SAMPLE_TX, SAMPLE_ORDER, 101, None, "unknown_order")]
    assert store.order(SAMPLE_ORDER) is None
    assert store.order("another-order") == ("another-order", 101, "pending", None)


def test_second_transaction_for_a_paid_order_is_recorded_for_review(app: tuple[Post, Store]) -> None:
    post, store = app
    store.create_order("o-1", 500)
    assert post("/wechatpay/notify", notification("4200000001", "o-1", 500)) == (200, SUCCESS)
    # The customer paid twice: genuine, but for a person to refund, not to fulfil again.
    assert post("/wechatpay/notify", notification("4200000002", "o-1", 500)) == (200, SUCCESS)
    assert store.order("o-1") == ("o-1", 500, "paid", "4200000001")
    assert store.discrepancies() == [("4200000002", "o-1", 500, 500, "already_paid")]


def test_failed_payment_is_acknowledged_and_leaves_the_order_alone(app: tuple[Post, Store]) -> None:
    post, store = app
    store.create_order("o-1", 500)
    body = notification("4200000003", "o-1", 500, result_code="FAIL")
    for _ in range(2):
        assert post("/wechatpay/notify", body) == (200, SUCCESS)
    assert store.payments() == [("4200000003", "o-1", 500, "FAIL", "failed")]
    assert store.order("o-1") == ("o-1", 500, "pending", None)
    assert store.discrepancies() == []


def test_forged_payment_records_nothing_and_gets_fail(app: tuple[Post, Store]) -> None:
    post, store = app
    store.create_order(SAMPLE_ORDER, 101)
    status, reply = post("/wechatpay/notify", sample("pay-forged.xml"))
    assert status == 400
    assert reply == wn.reply_fail("signature_mismatch")
    # Signed with another key.
    other_key = notification("4200000004", SAMPLE_ORDER, 101, key="0" * 32)
    assert post("/wechatpay/notify", other_key) == (400, wn.reply_fail("signature_mismatch"))
    # A genuine 1-fen payment raised to the order's amount after signing.
    genuine = notification("4200000004", SAMPLE_ORDER, 1)
    forged = genuine.replace(b"<total_fee><![CDATA[1]]>", b"<total_fee><![CDATA[101]]>")
    assert forged != genuine
    assert post("/wechatpay/notify", forged) == (400, wn.reply_fail("signature_mismatch"))
    assert store.payments() == []
    assert store.order(SAMPLE_ORDER) == (SAMPLE_ORDER, 101, "pending", None)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "malformed_xml"),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>', "forbidden_doctype"),
        (b"<xml><return_code>FAIL</return_code><return_msg>x</return_msg></xml>", "return_code_fail"),
    ],
)
def test_hostile_bodies_get_fail(app: tuple[Post, Store], body: bytes, code: str) -> None:
    post, store = app
    assert post("/wechatpay/notify", body) == (400, wn.reply_fail(code))
    assert store.payments() == []


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_is_refused_before_it_is_read(
    serve: Serve, tmp_path: Path, chunked: bool
) -> None:
    store = Store(tmp_path / "payments.sqlite3")
    with serve(wn.Verifier(API_KEY, "MD5"), store) as port:
        post = client(port, chunked=chunked)
        body = sample("pay-md5.xml")
        padded = body.replace(b"<xml>", b"<xml>" + b" " * (notify_store.MAX_BODY_BYTES - len(body)), 1)
        assert len(padded) == notify_store.MAX_BODY_BYTES
        assert post("/wechatpay/notify", padded + b" ") == (413, wn.reply_fail("body_too_large"))
        assert post("/wechatpay/refund-notify", b" " * 200_000) == (413, wn.reply_fail("body_too_large"))
        assert store.payments() == []
        # Exactly at the limit is read and verified (the sample has no order here: a discrepancy).
        assert post("/wechatpay/notify", padded) == (200, SUCCESS)
        assert [p[4] for p in store.payments()] == ["discrepancy"]


def test_other_merchant_is_rejected(serve: Serve, tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    with serve(wn.Verifier(API_KEY, "MD5", mch_id="19999999"), store) as port:
        assert client(port)("/wechatpay/notify", sample("pay-md5.xml")) == (400, wn.reply_fail("merchant_mismatch"))
    assert store.payments() == []


def test_refund_is_recorded_once(app: tuple[Post, Store]) -> None:
    post, store = app
    body = sample("refund.xml")
    expected = wn.Verifier(API_KEY, "MD5").decrypt_refund(body)
    assert post("/wechatpay/refund-notify", body) == (200, SUCCESS)
    assert post("/wechatpay/refund-notify", body) == (200, SUCCESS)
    assert expected.dedupe_key is not None
    assert store.refunds() == [
        (expected.dedupe_key, expected.out_trade_no, expected.out_refund_no, expected.refund_fee,
         expected.refund_status)
    ]
    tampered = body.replace(b"<req_info><![CDATA[", b"<req_info><![CDATA[AAAA")
    assert post("/wechatpay/refund-notify", tampered) == (400, wn.reply_fail("decrypt_failed"))
    assert len(store.refunds()) == 1
    # A refund is only recorded: no order or payment is touched.
    assert store.payments() == [] and store.discrepancies() == []


def test_concurrent_duplicates_pay_the_order_once(tmp_path: Path) -> None:
    """Both apps on one database file (two instances behind a load balancer), every request at
    once: 16 deliveries of one notification and 8 different transactions for another order."""
    store = Store(tmp_path / "payments.sqlite3")
    store.create_order("o-1", 300)
    store.create_order("o-2", 300)
    verifier = wn.Verifier(API_KEY, "MD5", mch_id=MCH_ID)
    same = notification("4200000100", "o-1", 300)
    others = [notification(f"42000002{i:02}", "o-2", 300) for i in range(8)]
    with serve_flask(verifier, store) as a, serve_fastapi(verifier, store) as b:
        posts = [client(a), client(b)]
        jobs = [(posts[i % 2], same) for i in range(16)] + [(posts[i % 2], body) for i, body in enumerate(others)]
        barrier = threading.Barrier(len(jobs))

        def send(job: tuple[Post, bytes]) -> tuple[int, str]:
            barrier.wait()
            return job[0]("/wechatpay/notify", job[1])

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            replies = list(pool.map(send, jobs))
    assert replies == [(200, SUCCESS)] * len(jobs)
    assert len(store.payments()) == 1 + 8
    assert store.order("o-1") == ("o-1", 300, "paid", "4200000100")
    o2 = store.order("o-2")
    assert o2 is not None and o2[2] == "paid"
    d = store.discrepancies()
    assert len(d) == 7
    assert all(r[1] == "o-2" and r[4] == "already_paid" and r[0] != o2[3] for r in d)


def test_add_order_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("WECHATPAY_DB", str(db))
    assert notify_store.main(["add-order", SAMPLE_ORDER, "101"]) == 0
    assert Store(db).order(SAMPLE_ORDER) == (SAMPLE_ORDER, 101, "pending", None)
    for bad in (["add-order", "x", "0"], ["add-order", "x", "1.5"], ["add-order", "x", "²"], ["add-order", "x"]):
        assert notify_store.main(bad) == 2
    assert "usage" in capsys.readouterr().err
