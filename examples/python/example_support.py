"""Shared by the examples' tests: two merchants (the repository's test keys, written to a profiles
directory as a deployment's would be), requests made by the CLI's ``wechatpay-notify simulate
--print`` as WeChat Pay makes them, the two apps served on loopback, a small HTTP client, and reads
of the database.

Every request comes from simulate, including a given ``transaction_id`` (``--transaction-id``: the
v2 and APIv3 deliveries of one payment, a failed payment's later success) and several states of one
refund (``--refund-id``, ``--refund-status``): the tests never sign nor encrypt anything themselves."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import subprocess
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
from notify_store import NOTIFY_PATH, Notify, Store
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
    """A deployment's configuration for A and B in ``directory``: each merchant's keys in files of
    their own (chmod 600), the WeChat Pay public key it trusts, and profiles.json naming them
    (chmod 600, never a key). Returns the profiles file."""
    profiles = []
    for m in (A, B):
        d = directory / m.label
        d.mkdir(parents=True, exist_ok=True)
        for name, key in (("api_key.txt", m.v2_key), ("api_v3_key.txt", m.v3_key)):
            (d / name).write_text(key + "\n")
            os.chmod(d / name, 0o600)
        (d / "wechatpay_public_key.pem").write_bytes((KEYS / m.public_key).read_bytes())
        profiles.append(
            {
                "label": m.label,
                "mch_id": m.mch_id,
                "v2": {"api_key_file": f"{m.label}/api_key.txt", "sign_type": m.sign_type},
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


# ---- requests, from `wechatpay-notify simulate --print` ------------------------------------------


def cli() -> Path:
    """The repository's CLI: $WECHATPAY_NOTIFY_CLI, else target/debug/wechatpay-notify (built by
    scripts/test-python.sh)."""
    path = Path(os.environ.get("WECHATPAY_NOTIFY_CLI") or ROOT / "target" / "debug" / "wechatpay-notify")
    assert path.is_file(), f"{path} is missing: run `cargo build -p wechatpay-notify-cli`, or set WECHATPAY_NOTIFY_CLI"
    return path


class Request(NamedTuple):
    headers: list[tuple[str, str]]
    body: bytes


def simulate(args: list[str], **env: str) -> Request:
    """``wechatpay-notify simulate ARGS --print`` with exactly the keys in ``env``: the request it
    writes (``Name: value`` lines and a blank line for APIv3, then the body and a newline)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WECHATPAY_")}
    done = subprocess.run([cli(), "simulate", *args, "--print"], env={**clean, **env}, capture_output=True, timeout=60)
    assert done.returncode == 0, done
    out = done.stdout.removesuffix(b"\n")
    head, sep, body = out.partition(b"\n\n")
    if not sep:
        return Request([], out)
    lines = [line.split(": ", 1) for line in head.decode().splitlines()]
    return Request([(name, value) for name, value in lines], body)


def pay(
    m: Merchant, out_trade_no: str, total_fee: int, *, key: str = "", mch_id: str = "", fail: bool = False
) -> Request:
    """A v2 payment of ``m`` (its mch_id and sign type), signed with its API key or ``key``."""
    args = ["pay", "--sign-type", m.sign_type, "--mch-id", mch_id or m.mch_id]
    args += ["--out-trade-no", out_trade_no, "--total-fee", str(total_fee), *(["--result", "FAIL"] if fail else [])]
    return simulate(args, WECHATPAY_API_KEY=key or m.v2_key)


def refund(
    m: Merchant, out_trade_no: str, fee: int, *, key: str = "", change: bool = False, refund_id: str = "", status: str = ""
) -> Request:
    """A v2 refund of ``m``, req_info encrypted with its API key or ``key``; SUCCESS, or CHANGE, or
    ``status`` (SUCCESS, CHANGE, REFUNDCLOSE); a new refund, or the refund ``refund_id``."""
    args = ["refund", "--mch-id", m.mch_id, "--out-trade-no", out_trade_no, "--total-fee", str(fee)]
    args += ["--result", "FAIL"] if change else []
    args += ["--refund-id", refund_id] if refund_id else []
    args += ["--refund-status", status] if status else []
    return simulate(args, WECHATPAY_API_KEY=key or m.v2_key)


def v3(
    what: str,
    m: Merchant,
    out_trade_no: str,
    total: int,
    *extra: str,
    signer: Merchant | None = None,
    key_id: str | None = None,
    v3_key: str | None = None,
    mchid: str | None = None,
) -> Request:
    """An APIv3 ``pay`` or ``refund`` of ``m``: its mchid, signed by its WeChat Pay test key under its
    key id, encrypted with its APIv3 key, unless another ``signer``, ``key_id``, ``v3_key`` or
    ``mchid`` is given; ``extra``: more simulate options (--result FAIL, --stale-timestamp, --probe)."""
    args = ["v3", what, "--private-key", str(KEYS / (signer or m).private_key), "--key-id", key_id or m.key_id]
    args += ["--mchid", mchid or m.mch_id, "--out-trade-no", out_trade_no, "--total-fee", str(total), *extra]
    return simulate(args, WECHATPAY_API_V3_KEY=v3_key or m.v3_key)


def transaction_id_of(m: Merchant, r: Request) -> str:
    """The transaction_id inside an APIv3 simulation of ``m`` (read by the library: it is encrypted)."""
    pem = (KEYS / m.public_key).read_text()
    t = wn.V3Verifier(m.v3_key, {m.key_id: pem}).verify(r.headers, r.body).transaction
    assert t is not None and t.transaction_id is not None
    return t.transaction_id


def v2_payment(m: Merchant, transaction_id: str, out_trade_no: str, fee: int, result_code: str = "SUCCESS") -> Request:
    """A v2 payment of ``m`` carrying a given transaction_id (``simulate pay --transaction-id``),
    signed with its API key and sign type; ``result_code`` SUCCESS or FAIL."""
    args = ["pay", "--sign-type", m.sign_type, "--mch-id", m.mch_id, "--transaction-id", transaction_id]
    args += ["--out-trade-no", out_trade_no, "--total-fee", str(fee), "--result", result_code]
    return simulate(args, WECHATPAY_API_KEY=m.v2_key)


def field(r: Request, name: str) -> str:
    """A field of a v2 simulation (CDATA, as simulate writes it)."""
    found = re.search(rb"<%s><!\[CDATA\[(.*?)\]\]></%s>" % (name.encode(), name.encode()), r.body)
    assert found is not None, name
    return found[1].decode()


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
    server = uvicorn.Server(uvicorn.Config(fastapi_app.create_app(notify), lifespan="off", log_level="warning"))
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


def post(
    port: int, r: Request | bytes, *, chunked: bool = False, method: str = "POST", path: str = NOTIFY_PATH
) -> Reply:
    """One request over a new HTTP/1.1 connection; the status, content type and body of the reply."""
    headers, body = (r.headers, r.body) if isinstance(r, Request) else ([], r)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path)
        conn.putheader("Content-Type", "application/json" if headers else "text/xml")
        for name, value in headers:
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
        response = conn.getresponse()
        return Reply(response.status, response.getheader("Content-Type"), response.read().decode())
    finally:
        conn.close()


V2_SUCCESS = Reply(200, "text/xml", wn.reply_success())
V3_SUCCESS = Reply(204, None, "")
V2_REFUSAL = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>"
V3_REFUSAL = '{"code":"FAIL","message":"rejected"}'


def v2_fail(status: int) -> Reply:
    """A v2 refusal: 200 once the version was decided, 400 for a body of neither version, 500 for
    our own failure; always the one FAIL reply (the code is only in the log)."""
    return Reply(status, "text/xml", V2_REFUSAL)


def v3_fail(status: int) -> Reply:
    return Reply(status, "application/json", V3_REFUSAL)


class Rejections(logging.Handler):
    """The error codes of the refusals Notify logs, in order: what the replies never say."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.codes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg.startswith("rejected ") and args and isinstance(args[-1], wn.NotifyError):
            self.codes.append(args[-1].code)

    def take(self) -> list[str]:
        codes, self.codes = self.codes, []
        return codes


@contextmanager
def rejections() -> Iterator[Rejections]:
    handler = Rejections()
    logger = logging.getLogger("wechatpay_notify_example")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


# ---- reading the database ----------------------------------------------------------------------


def rows(store: Store, table: str, columns: str) -> list[tuple[Any, ...]]:
    """Every row of a table (these columns), oldest first."""
    with store.connect() as db:
        return [tuple(r) for r in db.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()]


def order(store: Store, m: Merchant, out_trade_no: str) -> tuple[Any, ...] | None:
    """(amount_fen, status, transaction_id) of an order, or None."""
    found = [r[2:] for r in rows(store, "orders", "merchant, out_trade_no, amount_fen, status, transaction_id")
             if r[:2] == (m.label, out_trade_no)]
    return found[0] if found else None


def payments(store: Store) -> list[tuple[Any, ...]]:
    """(merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome)."""
    return rows(store, "payments", "merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome")


def discrepancies(store: Store) -> list[tuple[Any, ...]]:
    """(merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason)."""
    return rows(store, "discrepancies", "merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason")


def refunds(store: Store) -> list[tuple[Any, ...]]:
    """(merchant, dedupe_key, version, out_trade_no, refund_fee, refund_status)."""
    return rows(store, "refunds", "merchant, dedupe_key, version, out_trade_no, refund_fee, refund_status")


def refund_states(store: Store) -> list[tuple[Any, ...]]:
    """(merchant, refund_id, status)."""
    return rows(store, "refund_states", "merchant, refund_id, status")
