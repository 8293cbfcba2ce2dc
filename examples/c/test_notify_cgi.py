#!/usr/bin/env python3
"""Tests of the C example (notify_cgi) over real HTTP on loopback, run by scripts/test-c.sh.

    python3 examples/c/test_notify_cgi.py NOTIFY_CGI LIBWECHATPAY_NOTIFY_SO [WRAPPER...]

notify_cgi is a CGI program, so the test runs it the way a web server does: a small CGI/1.1
gateway (http.server on 127.0.0.1, port 0) starts one notify_cgi process per request with the
request's meta-variables in its environment and the body on stdin, and turns the program's
"Status:"/"Content-Type:" headers and body into the HTTP response. Concurrent requests are
concurrent processes sharing one SQLite file. A few checks also run the program directly (stdin in,
stdout out, exit status). Notifications are the shipped samples (examples/notifications/) and
notifications signed here with the library's own wechatpay_sign, called through ctypes. Every
database check reads the file with Python's sqlite3 module. WRAPPER (e.g. valgrind ...) prefixes
every run of the program. Prints "N passed, M failed"; exits non-zero on any failure.
"""

from __future__ import annotations

import ctypes
import http.client
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "examples" / "notifications"
API_KEY = (SAMPLES / "api_key.txt").read_text().strip()
MCH_ID = "10000100"
SUCCESS = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
SAMPLE_ORDER = "20261127ORDER0001"
SAMPLE_TX = "4200001234202611270123456789"
MAX_BODY_BYTES = 65536

CGI = sys.argv[1] if len(sys.argv) > 1 else ""
LIB = sys.argv[2] if len(sys.argv) > 2 else ""
WRAPPER = sys.argv[3:]


def fail_reply(code: str) -> str:
    return f"<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[{code}]]></return_msg></xml>"


# ---- signing with the library (the C ABI's wechatpay_sign) ----


class Str(ctypes.Structure):
    _fields_ = [("data", ctypes.c_char_p), ("len", ctypes.c_size_t)]


class Field(ctypes.Structure):
    _fields_ = [("name", Str), ("value", Str)]


def load_sign() -> Callable[[dict[str, str], str], str]:
    lib = ctypes.CDLL(LIB)
    lib.wechatpay_sign.argtypes = [
        ctypes.POINTER(Field), ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
        ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p),
    ]
    lib.wechatpay_sign.restype = ctypes.c_void_p
    lib.wechatpay_error_code.argtypes = [ctypes.c_void_p]
    lib.wechatpay_error_code.restype = ctypes.c_char_p
    lib.wechatpay_error_free.argtypes = [ctypes.c_void_p]
    lib.wechatpay_string_data.argtypes = [ctypes.c_void_p]
    lib.wechatpay_string_data.restype = ctypes.c_void_p
    lib.wechatpay_string_len.argtypes = [ctypes.c_void_p]
    lib.wechatpay_string_len.restype = ctypes.c_size_t
    lib.wechatpay_string_free.argtypes = [ctypes.c_void_p]

    def sign(fields: dict[str, str], key: str) -> str:
        encoded = [(k.encode(), v.encode()) for k, v in fields.items()]
        array = (Field * len(encoded))(*[Field(Str(k, len(k)), Str(v, len(v))) for k, v in encoded])
        out = ctypes.c_void_p()
        k, t = key.encode(), b"MD5"
        err = lib.wechatpay_sign(array, len(encoded), k, len(k), t, len(t), ctypes.byref(out))
        if err:
            code = lib.wechatpay_error_code(err).decode()
            lib.wechatpay_error_free(err)
            raise ValueError(code)
        try:
            return ctypes.string_at(lib.wechatpay_string_data(out), lib.wechatpay_string_len(out)).decode()
        finally:
            lib.wechatpay_string_free(out)

    return sign


SIGN = load_sign() if LIB else None


def notification(tx: str, order: str, fee: int, result_code: str = "SUCCESS", key: str = API_KEY) -> bytes:
    """A payment notification as WeChat Pay sends it (CDATA values), signed with MD5 under `key`."""
    fields = {
        "appid": "wx2421b1c4370ec43b",
        "bank_type": "CFT",
        "cash_fee": str(fee),
        "fee_type": "CNY",
        "mch_id": MCH_ID,
        "nonce_str": "5d2b6c2a8db53831f7eda20af46e531c",
        "openid": "oUpF8uMEb4qRXf22hE3X68TekukE",
        "out_trade_no": order,
        "result_code": result_code,
        "return_code": "SUCCESS",
        "time_end": "20261127131540",
        "total_fee": str(fee),
        "trade_type": "JSAPI",
        "transaction_id": tx,
    }
    if result_code == "FAIL":
        fields["err_code"] = "NOTENOUGH"
    assert SIGN is not None
    fields["sign"] = SIGN(fields, key)
    return ("<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>").encode()


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# ---- running the program ----


SANITIZER_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


def sanitizer_report(proc: subprocess.CompletedProcess[bytes]) -> bool:
    return b"Sanitizer" in proc.stderr or b"runtime error:" in proc.stderr


def run(args: list[str], env: dict[str, str], stdin: bytes = b"", check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """notify_cgi with exactly `env` (plus PATH and any sanitizer options), as a web server or a
    shell would start it. A sanitizer report on stderr fails the test whatever the exit status."""
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    full_env.update({k: os.environ[k] for k in SANITIZER_ENV if k in os.environ})
    proc = subprocess.run([*WRAPPER, CGI, *args], input=stdin, env=full_env, capture_output=True, timeout=120)
    assert not (check and sanitizer_report(proc)), proc.stderr.decode()
    return proc


class Gateway(ThreadingHTTPServer):
    """A CGI/1.1 gateway for notify_cgi on 127.0.0.1 (one process per request)."""

    daemon_threads = True
    request_queue_size = 64  # the concurrent test connects 24 clients at once

    def __init__(self, cgi_env: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), CgiHandler)
        self.cgi_env = cgi_env
        self.exits: list[int] = []
        self.lock = threading.Lock()


class CgiHandler(BaseHTTPRequestHandler):
    server: Gateway

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass

    def do_POST(self) -> None:
        self.cgi()

    def do_GET(self) -> None:
        self.cgi()

    def cgi(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            **self.server.cgi_env,
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": self.request_version,
            "SERVER_SOFTWARE": "test-gateway",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "/wechatpay/notify",
            "PATH_INFO": "",
            "QUERY_STRING": "",
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
        }
        if self.command == "POST":
            env["CONTENT_LENGTH"] = str(len(body))
        proc = run([], env, body, check=False)
        with self.server.lock:
            self.server.exits.append(proc.returncode)
        head, sep, payload = proc.stdout.partition(b"\r\n\r\n")
        if not sep or proc.returncode not in (0, 1, 3) or sanitizer_report(proc):
            # A broken program: the test sees 502 and the end of its stderr.
            self.send_error(502, f"CGI exited {proc.returncode}: {proc.stderr[-1500:]!r}")
            return
        status, headers = 200, []
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            else:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)


class Site:
    """A gateway serving notify_cgi with its own database file."""

    def __init__(self, tmp: Path, name: str, **extra_env: str) -> None:
        self.db = str(tmp / f"{name}.sqlite3")
        self.env = {"WECHATPAY_API_KEY": API_KEY, "WECHATPAY_SIGN_TYPE": "MD5", "WECHATPAY_MCH_ID": MCH_ID,
                    "WECHATPAY_DB": self.db, **extra_env}
        self.gateway = Gateway(self.env)
        self.thread = threading.Thread(target=self.gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.gateway.shutdown()
        self.thread.join()
        self.gateway.server_close()

    def add_order(self, order: str, fen: int) -> None:
        proc = run(["add-order", order, str(fen)], {"WECHATPAY_DB": self.db})
        assert proc.returncode == 0, proc.stderr

    def post(self, body: bytes, method: str = "POST") -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.gateway.server_address[1], timeout=120)
        try:
            conn.request(method, "/wechatpay/notify", body=body if method == "POST" else None,
                         headers={"Content-Type": "text/xml"})
            r = conn.getresponse()
            text = r.read().decode()
            assert r.status != 502, text
            assert (r.getheader("Content-Type") or "").startswith("text/xml"), r.getheader("Content-Type")
            return r.status, text
        finally:
            conn.close()

    def query(self, sql: str, *args: str) -> list[tuple[object, ...]]:
        if not Path(self.db).exists():
            return []
        with closing(sqlite3.connect(self.db)) as db:
            return db.execute(sql, args).fetchall()

    def payments(self) -> list[tuple[object, ...]]:
        return self.query("SELECT dedupe_key, out_trade_no, total_fee, result_code, outcome FROM payments ORDER BY rowid")

    def discrepancies(self) -> list[tuple[object, ...]]:
        return self.query(
            "SELECT dedupe_key, out_trade_no, total_fee, order_amount_fen, reason FROM discrepancies ORDER BY rowid")

    def order(self, no: str) -> tuple[object, ...] | None:
        rows = self.query("SELECT out_trade_no, amount_fen, status, transaction_id FROM orders WHERE out_trade_no = ?", no)
        return rows[0] if rows else None


# ---- the tests ----

TESTS: list[Callable[[Path], None]] = []


def test(f: Callable[[Path], None]) -> Callable[[Path], None]:
    TESTS.append(f)
    return f


def with_site(tmp: Path, name: str, f: Callable[[Site], None], **env: str) -> None:
    site = Site(tmp, name, **env)
    try:
        f(site)
    finally:
        site.close()


@test
def direct_runs_stdin_to_stdout_with_exit_status(tmp: Path) -> None:
    """The program without a web server: the reply on stdout, the outcome in the exit status."""
    db = str(tmp / "direct.sqlite3")
    env = {"WECHATPAY_API_KEY": API_KEY, "WECHATPAY_MCH_ID": MCH_ID, "WECHATPAY_DB": db}
    assert run(["add-order", SAMPLE_ORDER, "101"], {"WECHATPAY_DB": db}).returncode == 0
    p = run(["MD5"], env, sample("pay-md5.xml"))
    assert (p.returncode, p.stdout.decode()) == (0, SUCCESS + "\n"), p
    # The algorithm from WECHATPAY_SIGN_TYPE instead of the argument.
    p = run([], {**env, "WECHATPAY_SIGN_TYPE": "HMAC-SHA256"}, sample("pay-hmac-sha256.xml"))
    assert (p.returncode, p.stdout.decode()) == (0, SUCCESS + "\n"), p
    p = run(["MD5"], env, sample("pay-forged.xml"))
    assert (p.returncode, p.stdout.decode()) == (1, fail_reply("signature_mismatch") + "\n"), p
    p = run(["MD5"], {**env, "WECHATPAY_API_KEY": "short"})
    assert p.returncode == 2 and b"<![CDATA[FAIL]]>" in p.stdout, p
    assert run([], {}).returncode == 2  # no key, no algorithm: usage
    # Under a web server the reply gets CGI headers.
    p = run(["MD5"], {**env, "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST"}, sample("pay-md5.xml"))
    assert p.returncode == 0 and p.stdout.decode() == "Content-Type: text/xml; charset=utf-8\r\n\r\n" + SUCCESS, p
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("SELECT dedupe_key, outcome FROM payments").fetchall() == [(SAMPLE_TX, "paid")]


@test
def paid_once_under_retries(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(SAMPLE_ORDER, 101)
        for _ in range(3):
            assert site.post(sample("pay-md5.xml")) == (200, SUCCESS)
        assert site.payments() == [(SAMPLE_TX, SAMPLE_ORDER, 101, "SUCCESS", "paid")]
        assert site.order(SAMPLE_ORDER) == (SAMPLE_ORDER, 101, "paid", SAMPLE_TX)
        assert site.discrepancies() == []
        assert site.gateway.exits == [0, 0, 0]

    with_site(tmp, "retries", body)


@test
def amount_mismatch_is_recorded_for_review(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(SAMPLE_ORDER, 100)  # the sample pays 101 fen
        for _ in range(2):
            assert site.post(sample("pay-md5.xml")) == (200, SUCCESS)
        assert site.payments() == [(SAMPLE_TX, SAMPLE_ORDER, 101, "SUCCESS", "discrepancy")]
        assert site.discrepancies() == [(SAMPLE_TX, SAMPLE_ORDER, 101, 100, "amount_mismatch")]
        assert site.order(SAMPLE_ORDER) == (SAMPLE_ORDER, 100, "pending", None)

    with_site(tmp, "mismatch", body)


@test
def unknown_order_is_recorded_for_review(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order("another-order", 101)
        for _ in range(2):
            assert site.post(sample("pay-md5.xml")) == (200, SUCCESS)
        assert site.discrepancies() == [(SAMPLE_TX, SAMPLE_ORDER, 101, None, "unknown_order")]
        assert site.order(SAMPLE_ORDER) is None
        assert site.order("another-order") == ("another-order", 101, "pending", None)

    with_site(tmp, "unknown", body)


@test
def second_transaction_and_failed_payment(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order("o-1", 500)
        site.add_order("o-2", 500)
        for b in (notification("4200000001", "o-1", 500), notification("4200000002", "o-1", 500),
                  notification("4200000003", "o-2", 500, "FAIL"), notification("4200000003", "o-2", 500, "FAIL")):
            assert site.post(b) == (200, SUCCESS)
        assert site.order("o-1") == ("o-1", 500, "paid", "4200000001")
        assert site.order("o-2") == ("o-2", 500, "pending", None)
        assert [(p[0], p[4]) for p in site.payments()] == [
            ("4200000001", "paid"), ("4200000002", "discrepancy"), ("4200000003", "failed")]
        assert site.discrepancies() == [("4200000002", "o-1", 500, 500, "already_paid")]

    with_site(tmp, "second", body)


@test
def forged_is_refused_and_records_nothing(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(SAMPLE_ORDER, 101)
        assert site.post(sample("pay-forged.xml")) == (400, fail_reply("signature_mismatch"))
        assert site.post(notification("4200000004", SAMPLE_ORDER, 101, key="0" * 32)) == (
            400, fail_reply("signature_mismatch"))
        genuine = notification("4200000004", SAMPLE_ORDER, 1)
        raised = genuine.replace(b"<total_fee><![CDATA[1]]>", b"<total_fee><![CDATA[101]]>")
        assert raised != genuine
        assert site.post(raised) == (400, fail_reply("signature_mismatch"))
        xxe = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>'
        assert site.post(xxe) == (400, fail_reply("forbidden_doctype"))
        assert site.post(b"") == (400, fail_reply("malformed_xml"))
        assert site.payments() == []
        assert site.order(SAMPLE_ORDER) == (SAMPLE_ORDER, 101, "pending", None)
        assert site.gateway.exits == [1] * 5

    with_site(tmp, "forged", body)


@test
def other_merchant_is_refused(tmp: Path) -> None:
    def body(site: Site) -> None:
        assert site.post(sample("pay-md5.xml")) == (400, fail_reply("merchant_mismatch"))
        assert site.payments() == []

    with_site(tmp, "merchant", body, WECHATPAY_MCH_ID="19999999")


@test
def oversized_body_and_wrong_method(tmp: Path) -> None:
    def body(site: Site) -> None:
        b = sample("pay-md5.xml")
        padded = b.replace(b"<xml>", b"<xml>" + b" " * (MAX_BODY_BYTES - len(b)), 1)
        assert len(padded) == MAX_BODY_BYTES
        assert site.post(padded + b" ") == (413, fail_reply("body_too_large"))
        assert site.post(b" " * 1_000_000) == (413, fail_reply("body_too_large"))
        assert site.post(b"", method="GET") == (405, fail_reply("POST only"))
        assert site.payments() == []
        # Exactly at the limit is read and verified (no order here: a discrepancy).
        assert site.post(padded) == (200, SUCCESS)
        assert [p[4] for p in site.payments()] == ["discrepancy"]

    with_site(tmp, "oversized", body)


@test
def database_failure_is_not_acknowledged(tmp: Path) -> None:
    """If the payment cannot be recorded, FAIL (HTTP 500): WeChat Pay retries later."""

    def body(site: Site) -> None:
        assert site.post(sample("pay-md5.xml")) == (500, fail_reply("internal"))
        assert site.gateway.exits == [3]

    with_site(tmp, "dbfail", body, WECHATPAY_DB=str(tmp / "no-such-dir" / "payments.sqlite3"))


@test
def concurrent_duplicates_pay_each_order_once(tmp: Path) -> None:
    """24 requests released at once, each a notify_cgi process on one database file: 16 copies of
    one notification and 8 different transactions for another order."""

    def body(site: Site) -> None:
        site.add_order("o-1", 300)
        site.add_order("o-2", 300)
        same = notification("4200000100", "o-1", 300)
        bodies = [same] * 16 + [notification(f"42000002{i:02}", "o-2", 300) for i in range(8)]
        barrier = threading.Barrier(len(bodies))

        def send(b: bytes) -> tuple[int, str]:
            barrier.wait()
            return site.post(b)

        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            replies = list(pool.map(send, bodies))
        assert replies == [(200, SUCCESS)] * len(bodies), Counter(replies)
        assert len(site.payments()) == 1 + 8
        assert site.order("o-1") == ("o-1", 300, "paid", "4200000100")
        o2 = site.order("o-2")
        assert o2 is not None and o2[2] == "paid"
        d = site.discrepancies()
        assert len(d) == 7 and all(r[1] == "o-2" and r[4] == "already_paid" and r[0] != o2[3] for r in d), d

    with_site(tmp, "concurrent", body)


@test
def add_order_command(tmp: Path) -> None:
    env = {"WECHATPAY_DB": str(tmp / "orders.sqlite3")}
    assert run(["add-order", "o-1", "101"], env).returncode == 0
    assert run(["add-order", "o-1", "101"], env).returncode == 3  # an order number is created once
    for bad in (["add-order", "o-2", "0"], ["add-order", "o-2", "-1"], ["add-order", "o-2", "1.5"],
                ["add-order", "o-2", "99999999999999999999"], ["add-order", "o-2"]):
        assert run(bad, env).returncode == 2, bad


def main() -> int:
    if not CGI or not LIB:
        print(__doc__, file=sys.stderr)
        return 2
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="notify-cgi-") as tmp:
        for t in TESTS:
            case = Path(tmp) / t.__name__
            case.mkdir()
            try:
                t(case)
                passed += 1
                print(f"ok {t.__name__}")
            except Exception:
                failed += 1
                print(f"FAIL {t.__name__}")
                traceback.print_exc(file=sys.stdout)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
