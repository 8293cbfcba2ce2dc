"""Shared by the examples' tests: two merchants (their keys are the repository's test keys, written to
a profiles directory as a deployment's would be), notifications signed as WeChat Pay signs them (v2
with the library's ``sign``, refunds' req_info with AES-256-ECB; APIv3 with SHA256withRSA over the
raw body and an AES-256-GCM resource, through ``cryptography``), the two apps served on loopback,
and a small HTTP client (one request per connection, http.client)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import fastapi_app
import flask_app
import uvicorn
import wechatpay_notify as wn
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from notify_store import NOTIFY_PATH, Notify
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
KEYS = ROOT / "tests" / "vectors" / "keys"


class Merchant(NamedTuple):
    """One merchant's keys, as WeChat Pay and the merchant share them."""

    label: str
    mch_id: str
    v2_key: str
    sign_type: str
    v3_key: str
    key_id: str  # the WeChat Pay public key the merchant trusts (Wechatpay-Serial)
    private_key: str  # the test private key signing as "WeChat Pay" for it (tests/vectors/keys/)
    public_key: str


A = Merchant(
    "shop-a",
    "10000100",
    "192006250b4c09247ec02edce69f6a2d",
    "MD5",
    "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
    "PUB_KEY_ID_0114232134912410000000000000",
    "pubkey-a-private.pem",
    "pubkey-a-public.pem",
)
B = Merchant(
    "shop-b",
    "10000200",
    "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv",
    "HMAC-SHA256",
    "0123456789abcdefghijklmnopqrstuv",
    "PUB_KEY_ID_0111111111111120000000000001",
    "pubkey-b-private.pem",
    "pubkey-b-public.pem",
)


def write_profiles(directory: Path) -> Path:
    """A deployment's configuration for A and B in ``directory``: each merchant's v2 key and APIv3
    key in its own file, the WeChat Pay public key it trusts, and profiles.json naming them (never
    a key). Returns the profiles file."""
    profiles = []
    for m in (A, B):
        d = directory / m.label
        d.mkdir(parents=True, exist_ok=True)
        (d / "api_key.txt").write_text(m.v2_key + "\n")
        (d / "api_v3_key.txt").write_text(m.v3_key + "\n")
        (d / "wechatpay_public_key.pem").write_bytes((KEYS / m.public_key).read_bytes())
        for name in ("api_key.txt", "api_v3_key.txt"):
            os.chmod(d / name, 0o600)
        profiles.append(
            {
                "label": m.label,
                "v2": {"api_key_file": f"{m.label}/api_key.txt", "sign_type": m.sign_type, "mch_id": m.mch_id},
                "v3": {
                    "api_v3_key_file": f"{m.label}/api_v3_key.txt",
                    "platform_keys": {m.key_id: f"{m.label}/wechatpay_public_key.pem"},
                },
            }
        )
    path = directory / "profiles.json"
    path.write_text(json.dumps({"profiles": profiles}, indent=1))
    os.chmod(path, 0o600)
    return path


# ---- v2 ----------------------------------------------------------------------------------------


def xml_of(fields: dict[str, str], root: str = "xml") -> str:
    return f"<{root}>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + f"</{root}>"


def v2_payment_signed(
    key: str,
    sign_type: str,
    mch_id: str,
    transaction_id: str,
    out_trade_no: str,
    total_fee: int,
    result_code: str = "SUCCESS",
) -> bytes:
    """A v2 payment notification as WeChat Pay sends it (CDATA values), for ``mch_id``, signed with
    ``key`` (the merchant's, unless forging)."""
    fields = {
        "appid": "wx2421b1c4370ec43b",
        "attach": "支付测试",
        "bank_type": "CFT",
        "cash_fee": str(total_fee),
        "fee_type": "CNY",
        "is_subscribe": "Y",
        "mch_id": mch_id,
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
        fields["err_code_des"] = "余额不足"
    fields["sign"] = wn.sign(fields, key, sign_type)
    return xml_of(fields).encode()


def v2_payment(m: Merchant, transaction_id: str, out_trade_no: str, total_fee: int, result_code: str = "SUCCESS") -> bytes:
    """A genuine v2 payment of merchant ``m``."""
    return v2_payment_signed(m.v2_key, m.sign_type, m.mch_id, transaction_id, out_trade_no, total_fee, result_code)


def encrypt_req_info(inner: dict[str, str], api_key: str) -> str:
    """req_info as WeChat Pay makes it: base64(AES-256-ECB(PKCS#7(<root>…</root>))) under the 32
    ASCII characters of the lowercase hex MD5 of the API key."""
    key = hashlib.md5(api_key.encode()).hexdigest().encode()
    padder = block_padding.PKCS7(128).padder()
    data = padder.update(xml_of(inner, "root").encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def v2_refund(
    m: Merchant, refund_id: str, out_trade_no: str, refund_fee: int, *, key: str | None = None, status: str = "SUCCESS"
) -> bytes:
    """A v2 refund notification of merchant ``m`` (req_info encrypted with its API key, or ``key``)
    reporting ``status`` (SUCCESS, CHANGE, REFUNDCLOSE)."""
    fee = str(refund_fee)
    inner = {
        "out_refund_no": f"R-{out_trade_no}",
        "out_trade_no": out_trade_no,
        "refund_account": "REFUND_SOURCE_RECHARGE_FUNDS",
        "refund_fee": fee,
        "refund_id": refund_id,
        "refund_recv_accout": "支付用户零钱",
        "refund_request_source": "API",
        "refund_status": status,
        "settlement_refund_fee": fee,
        "settlement_total_fee": fee,
        "success_time": "2026-11-27 13:20:00",
        "total_fee": fee,
        "transaction_id": "4200000000000000000000000001",
    }
    req_info = encrypt_req_info(inner, key or m.v2_key)
    return (
        "<xml><return_code>SUCCESS</return_code><appid><![CDATA[wx2421b1c4370ec43b]]></appid>"
        f"<mch_id><![CDATA[{m.mch_id}]]></mch_id><nonce_str><![CDATA[TeqClE3i0mvn3DrK]]></nonce_str>"
        f"<req_info><![CDATA[{req_info}]]></req_info></xml>"
    ).encode()


# ---- APIv3 -------------------------------------------------------------------------------------


class V3Request(NamedTuple):
    headers: list[tuple[str, str]]
    body: bytes


def transaction(m: Merchant, transaction_id: str, out_trade_no: str, total: int, trade_state: str = "SUCCESS") -> dict[str, Any]:
    """A TRANSACTION.* resource of merchant ``m`` (its mch_id, as in its v2 notifications)."""
    return {
        "mchid": m.mch_id,
        "appid": "wxd678efh567hg6787",
        "out_trade_no": out_trade_no,
        "transaction_id": transaction_id,
        "trade_type": "JSAPI",
        "trade_state": trade_state,
        "trade_state_desc": "支付成功",
        "bank_type": "CMC",
        "attach": "",
        "success_time": "2026-11-27T13:15:40+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
    }


def refund(m: Merchant, refund_id: str, out_trade_no: str, amount: int, status: str = "SUCCESS") -> dict[str, Any]:
    """A REFUND.* resource of merchant ``m`` reporting ``status`` (SUCCESS, ABNORMAL, CLOSED)."""
    return {
        "mchid": m.mch_id,
        "out_trade_no": out_trade_no,
        "transaction_id": "4200000000000000000000000002",
        "out_refund_no": f"R-{out_trade_no}",
        "refund_id": refund_id,
        "refund_status": status,
        "success_time": "2026-11-27T13:20:00+08:00",
        "user_received_account": "支付用户零钱",
        "amount": {"total": amount, "refund": amount, "payer_total": amount, "payer_refund": amount},
    }


def v3_body(api_v3_key: str, event_id: str, event_type: str, resource: dict[str, Any]) -> bytes:
    """The notification body: ``resource`` encrypted with AES-256-GCM under ``api_v3_key`` (12-byte
    nonce, associated_data as AAD), as WeChat Pay sends it."""
    original_type = "refund" if event_type.startswith("REFUND.") else "transaction"
    nonce = "fdasflkja484"
    plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()
    ciphertext = AESGCM(api_v3_key.encode()).encrypt(nonce.encode(), plaintext, original_type.encode())
    event = {
        "id": event_id,
        "create_time": "2026-11-27T13:15:41+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": original_type,
            "nonce": nonce,
        },
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def v3_headers(body: bytes, private_key: str, serial: str, timestamp: int) -> list[tuple[str, str]]:
    """The Wechatpay-* headers of ``body``: SHA256withRSA (PKCS#1 v1.5) with the private key file
    ``private_key`` (in tests/vectors/keys/) over ``timestamp\\nnonce\\nbody\\n``, announcing ``serial``."""
    key = serialization.load_pem_private_key((KEYS / private_key).read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    nonce = "593BEC0C930BF1AFEB40B4A08C8FB242"
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return [
        ("Wechatpay-Timestamp", str(timestamp)),
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Signature", base64.b64encode(signature).decode()),
        ("Wechatpay-Serial", serial),
        ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"),
    ]


def v3_event(m: Merchant, event_type: str, resource: dict[str, Any]) -> V3Request:
    """A genuine APIv3 event of merchant ``m``, signed now."""
    key = resource.get("refund_id") or resource.get("transaction_id") or "x"
    body = v3_body(m.v3_key, f"EV-{key}-{event_type}", event_type, resource)
    return V3Request(v3_headers(body, m.private_key, m.key_id, int(time.time())), body)


def v3_payment(m: Merchant, transaction_id: str, out_trade_no: str, total: int, trade_state: str = "SUCCESS") -> V3Request:
    """A genuine APIv3 payment of merchant ``m``, signed now."""
    return v3_event(m, "TRANSACTION.SUCCESS", transaction(m, transaction_id, out_trade_no, total, trade_state))


# ---- the apps on loopback, and a client ----------------------------------------------------------


@contextmanager
def serve_flask(notify: Notify) -> Iterator[int]:
    """flask_app on werkzeug's threaded server (a thread per request); yields the port."""
    server = make_server("127.0.0.1", 0, flask_app.create_app(notify), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextmanager
def serve_fastapi(notify: Notify) -> Iterator[int]:
    """fastapi_app on uvicorn (in a thread, so it installs no signal handlers); yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(fastapi_app.create_app(notify), lifespan="off", log_level="warning")
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


class Reply(NamedTuple):
    status: int
    content_type: str | None
    body: str


def request(
    port: int,
    body: bytes,
    headers: list[tuple[str, str]] | None = None,
    *,
    content_type: str = "text/xml",
    chunked: bool = False,
    method: str = "POST",
    path: str = NOTIFY_PATH,
) -> Reply:
    """One request over a new HTTP/1.1 connection; the status, content type and body of the reply."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path)
        conn.putheader("Content-Type", content_type)
        for name, value in headers or []:
            conn.putheader(name, value)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for i in range(0, len(body), 8192):
                piece = body[i : i + 8192]
                conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
        r = conn.getresponse()
        text = r.read().decode()
        if r.status == 204:
            assert text == "", text
        return Reply(r.status, r.getheader("Content-Type"), text)
    finally:
        conn.close()


def post_v2(port: int, body: bytes, **kwargs: Any) -> Reply:
    return request(port, body, **kwargs)


def post_v3(port: int, r: V3Request) -> Reply:
    return request(port, r.body, r.headers, content_type="application/json")


# ---- replies -----------------------------------------------------------------------------------

V2_SUCCESS = Reply(200, "text/xml", wn.reply_success())
V3_SUCCESS = Reply(204, None, "")


V2_REFUSAL = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>"
V3_REFUSAL = '{"code":"FAIL","message":"rejected"}'


def v2_fail(status: int) -> Reply:
    """A v2 refusal: 200 when the version was decided (the FAIL is in the XML), 400 when the body
    could not be read as either version, 500 for our own failure; always the one FAIL reply
    (wn.REFUSAL_MESSAGE: the error code is only in the log)."""
    assert wn.reply_fail(wn.REFUSAL_MESSAGE) == V2_REFUSAL
    return Reply(status, "text/xml", V2_REFUSAL)


def v3_fail(status: int) -> Reply:
    """An APIv3 refusal: ``status``, application/json, always {"code":"FAIL","message":"rejected"}
    (the error code is only in the log)."""
    return Reply(status, "application/json", V3_REFUSAL)


class Rejections(logging.Handler):
    """The error codes of the refusals Notify logs ("rejected ... notification: <code>: ..."), in
    order: what the replies no longer say."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.codes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg.startswith("rejected ") and args and isinstance(args[-1], wn.NotifyError):
            self.codes.append(args[-1].code)

    def take(self) -> list[str]:
        """The codes logged since the last call."""
        codes, self.codes = self.codes, []
        return codes


@contextmanager
def rejections() -> Iterator[Rejections]:
    """Collects the codes of the refusals the example logs (from every server thread)."""
    handler = Rejections()
    logger = logging.getLogger("wechatpay_notify_example")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
