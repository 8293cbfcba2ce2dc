"""The Flask and FastAPI examples, driven by each framework's test client with the shipped sample
notifications (examples/notifications/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fastapi_app
import flask_app
import pytest
import wechatpay_notify as wn
from fastapi.testclient import TestClient
from notify_store import Store

SAMPLES = Path(__file__).resolve().parents[1] / "notifications"
API_KEY = (SAMPLES / "api_key.txt").read_text().strip()
SUCCESS = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"

Post = Callable[[str, bytes], tuple[int, str]]


def flask_client(verifier: wn.Verifier, store: Store) -> Post:
    client = flask_app.create_app(verifier, store).test_client()

    def post(path: str, body: bytes) -> tuple[int, str]:
        r = client.post(path, data=body, content_type="text/xml")
        assert r.content_type.startswith("text/xml")
        return r.status_code, r.get_data(as_text=True)

    return post


def fastapi_client(verifier: wn.Verifier, store: Store) -> Post:
    client = TestClient(fastapi_app.create_app(verifier, store))

    def post(path: str, body: bytes) -> tuple[int, str]:
        r = client.post(path, content=body, headers={"content-type": "text/xml"})
        assert r.headers["content-type"].startswith("text/xml")
        return r.status_code, r.text

    return post


@pytest.fixture(params=[flask_client, fastapi_client], ids=["flask", "fastapi"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Post, Store]:
    store = Store(tmp_path / "payments.sqlite3")
    verifier = wn.Verifier(API_KEY, "MD5", mch_id="10000100")
    make: Callable[[wn.Verifier, Store], Post] = request.param
    return make(verifier, store), store


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_payment_is_recorded_once_and_retries_still_get_success(app: tuple[Post, Store]) -> None:
    post, store = app
    body = sample("pay-md5.xml")
    expected = wn.Verifier(API_KEY, "MD5").verify_payment(body)
    for _ in range(3):  # WeChat Pay's retries
        assert post("/wechatpay/notify", body) == (200, SUCCESS)
    assert expected.dedupe_key is not None
    assert store.payments() == [
        (expected.dedupe_key, expected.out_trade_no, expected.total_fee, expected.is_success)
    ]


def test_forged_payment_records_nothing_and_gets_fail(app: tuple[Post, Store]) -> None:
    post, store = app
    status, reply = post("/wechatpay/notify", sample("pay-forged.xml"))
    assert status == 400
    assert reply == wn.reply_fail("signature_mismatch")
    assert store.payments() == []


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


def test_other_merchant_is_rejected(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    post = flask_client(wn.Verifier(API_KEY, "MD5", mch_id="19999999"), store)
    assert post("/wechatpay/notify", sample("pay-md5.xml")) == (400, wn.reply_fail("merchant_mismatch"))
    assert store.payments() == []


def test_refund_is_recorded_once(app: tuple[Post, Store]) -> None:
    post, store = app
    body = sample("refund.xml")
    expected = wn.Verifier(API_KEY, "MD5").decrypt_refund(body)
    assert post("/wechatpay/refund-notify", body) == (200, SUCCESS)
    assert post("/wechatpay/refund-notify", body) == (200, SUCCESS)
    assert expected.dedupe_key is not None
    assert store.refunds() == [
        (expected.dedupe_key, expected.out_refund_no, expected.refund_fee, expected.refund_status)
    ]
    tampered = body.replace(b"<req_info><![CDATA[", b"<req_info><![CDATA[AAAA")
    assert post("/wechatpay/refund-notify", tampered) == (400, wn.reply_fail("decrypt_failed"))
    assert len(store.refunds()) == 1
