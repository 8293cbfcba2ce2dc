#!/usr/bin/env python3
"""Tests of the C example (notify_cgi) over real HTTP on loopback, run by scripts/test-c.sh.

    python3 examples/c/test_notify_cgi.py NOTIFY_CGI WECHATPAY_NOTIFY_CLI [WRAPPER...]

notify_cgi is a CGI program, so the test runs it the way a web server does: the small CGI/1.1
gateway of cgi_gateway.py (http.server on 127.0.0.1, port 0) starts one notify_cgi process per
request with the request's meta-variables (HTTP_WECHATPAY_SIGNATURE, ...) in its environment and the
body on stdin, and turns the program's "Status:"/"Content-Type:" headers and body into the HTTP
response.
Concurrent requests are concurrent processes sharing one SQLite file. A few checks also run the
program directly (stdin in, stdout out, exit status).

Two merchants, each with v2 and APIv3, configured by a profiles file naming key files and an
environment variable: shop-a (the shipped samples' key, MD5, mch_id 10000100; the test key
pubkey-a) and shop-b (HMAC-SHA256, mch_id 10000200; pubkey-b). Requests are made by the CLI as
WeChat Pay sends them (`simulate pay|refund|v3 ... --print`: --mch-id, --out-trade-no, --total-fee,
--result, --sign-type and the key for forgeries, --private-key/--key-id, --stale-timestamp,
--probe; --transaction-id for the v2 delivery of an APIv3 payment; --refund-id and --refund-status
for several states of one refund) and read back with `verify` / `verify-v3` when a test needs their
transaction_id. The test itself never signs nor encrypts anything. The CLI's `simulate` also drives
the gateway directly, as the README says.
Every database check reads the file with Python's sqlite3 module. WRAPPER (e.g. valgrind ...)
prefixes every run of the program. Prints "N passed, M failed"; exits non-zero on any failure.
"""

from __future__ import annotations

import http.client
import json
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
from dataclasses import dataclass
from pathlib import Path

from cgi_gateway import Gateway  # beside this file

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "examples" / "notifications"
KEYS = ROOT / "tests" / "vectors" / "keys"
SUCCESS = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
SAMPLE_ORDER = "20261127ORDER0001"
SAMPLE_TX = "4200001234202611270123456789"
MAX_BODY_BYTES = 65536

CGI = sys.argv[1] if len(sys.argv) > 1 else ""
CLI = sys.argv[2] if len(sys.argv) > 2 else ""
WRAPPER = sys.argv[3:]


@dataclass(frozen=True)
class Merchant:
    label: str
    mch_id: str
    v2_key: str
    sign_type: str
    v3_key: str
    key_id: str
    private_key: Path
    public_key: Path


A = Merchant("shop-a", "10000100", (SAMPLES / "api_key.txt").read_text().strip(), "MD5",
             "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", "PUB_KEY_ID_0114232134912410000000000000",
             KEYS / "pubkey-a-private.pem", KEYS / "pubkey-a-public.pem")
B = Merchant("shop-b", "10000200", "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv", "HMAC-SHA256",
             "0123456789abcdefghijklmnopqrstuv", "PUB_KEY_ID_0111111111111120000000000001",
             KEYS / "pubkey-b-private.pem", KEYS / "pubkey-b-public.pem")
# The profiles name shop-a's APIv3 key by this environment variable (shop-b's by a file).
A_V3_KEY_ENV = "TEST_SHOP_A_API_V3_KEY"


# Every refusal carries one constant message, in both versions (SPEC §2): the code is for the log.
V2_REFUSAL = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>"
V3_REFUSAL = '{"code":"FAIL","message":"rejected"}'


def v2_fail(code: str) -> str:
    """The v2 FAIL reply for a refusal with `code` (which the reply never names)."""
    del code
    return V2_REFUSAL


def v3_fail(code: str) -> str:
    """The APIv3 FAIL body for a refusal with `code` (which the body never names)."""
    del code
    return V3_REFUSAL


# ---- the deployment: key files and the profiles file ----


def write_profiles(d: Path, a_platform_keys: dict[str, str] | None = None) -> Path:
    """shop-a and shop-b: each one's v2 key in a file, shop-b's APIv3 key in a file, shop-a's in
    $TEST_SHOP_A_API_V3_KEY, the WeChat Pay public key each trusts. Returns the profiles file."""
    profiles = []
    for m in (A, B):
        md = d / m.label
        md.mkdir(parents=True, exist_ok=True)
        for name, key in (("api_key.txt", m.v2_key), ("api_v3_key.txt", m.v3_key)):
            (md / name).write_text(key + "\n")
            (md / name).chmod(0o600)  # the library's loader refuses key files others can read
        (md / "wechatpay_public_key.pem").write_bytes(m.public_key.read_bytes())
        v3: dict[str, object] = {"platform_keys": {m.key_id: f"{m.label}/wechatpay_public_key.pem"}}
        if m is A:
            v3["api_v3_key_env"] = A_V3_KEY_ENV
            if a_platform_keys is not None:
                v3["platform_keys"] = a_platform_keys
        else:
            v3["api_v3_key_file"] = f"{m.label}/api_v3_key.txt"
        profiles.append({"label": m.label,
                         "v2": {"api_key_file": f"{m.label}/api_key.txt", "sign_type": m.sign_type,
                                "mch_id": m.mch_id},
                         "v3": v3})
    path = d / "profiles.json"
    path.write_text(json.dumps({"profiles": profiles}, indent=1))
    path.chmod(0o600)
    return path


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# ---- the CLI: APIv3 requests and v2 refunds as WeChat Pay sends them ----


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes


def cli(args: list[str], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    return subprocess.run([CLI, *args], input=stdin, env=full_env, capture_output=True, timeout=120)


def printed(args: list[str], env: dict[str, str]) -> Request:
    """`wechatpay-notify simulate ... --print`: the headers (APIv3), a blank line, the body."""
    p = cli(["simulate", *args, "--print"], env)
    assert p.returncode == 0, p
    text = p.stdout.decode()
    assert text.endswith("\n")
    text = text[:-1]
    headers: dict[str, str] = {}
    if args[0] == "v3":
        head, _, text = text.partition("\n\n")
        for line in head.split("\n"):
            name, _, value = line.partition(": ")
            headers[name] = value
    return Request(headers, text.encode())


def v2_payment(m: Merchant, order: str, fee: int, *extra: str, key: str | None = None,
               mch_id: str | None = None) -> bytes:
    """A v2 payment of merchant `m` (`simulate pay --print`: a new transaction_id each time unless
    `extra` names one with --transaction-id), naming its mch_id (or `mch_id`), signed with its
    algorithm and key (or `key`, to forge)."""
    return printed(["pay", "--sign-type", m.sign_type, "--mch-id", mch_id or m.mch_id, "--out-trade-no", order,
                    "--total-fee", str(fee), *extra], {"WECHATPAY_API_KEY": key or m.v2_key}).body


def v2_transaction_id(m: Merchant, body: bytes) -> str:
    """The transaction_id of a genuine v2 payment of `m`, read back with `wechatpay-notify verify`."""
    p = cli(["verify", "--sign-type", m.sign_type, "-"], {"WECHATPAY_API_KEY": m.v2_key}, body)
    assert p.returncode == 0, p
    tx: str = json.loads(p.stdout)["fields"]["transaction_id"]
    return tx


def v3_request(m: Merchant, what: str = "pay", *extra: str, signer: Merchant | None = None,
               serial: str | None = None, v3_key: str | None = None, mchid: str | None = None) -> Request:
    """An APIv3 notification of merchant `m` (its resource's mchid `m.mch_id`, or `mchid`), signed now
    with `signer`'s private key (default: the key `m` trusts) under `serial` (default `m.key_id`),
    the resource encrypted with `v3_key`. The profile's mch_id binds its APIv3 part: a resource
    naming another merchant is refused (merchant_mismatch)."""
    return printed(["v3", what, "--private-key", str((signer or m).private_key), "--key-id", serial or m.key_id,
                    "--mch-id", mchid or m.mch_id, *extra], {"WECHATPAY_API_V3_KEY": v3_key or m.v3_key})


def v3_payment(m: Merchant, order: str, fee: int, *extra: str) -> Request:
    return v3_request(m, "pay", "--out-trade-no", order, "--total-fee", str(fee), *extra)


def v3_resource(m: Merchant, r: Request) -> dict[str, object]:
    """The decrypted resource of a genuine APIv3 request, read back with `wechatpay-notify verify-v3`."""
    args = ["verify-v3", "--platform-key", f"{m.key_id}={m.public_key}"]
    for k, v in r.headers.items():
        args += ["--header", f"{k}: {v}"]
    p = cli([*args, "-"], {"WECHATPAY_API_V3_KEY": m.v3_key}, r.body)
    assert p.returncode == 0, p
    resource: dict[str, object] = json.loads(p.stdout)["resource"]
    return resource


def v2_refund(m: Merchant, order: str, fee: int) -> bytes:
    """A v2 refund notification of merchant `m` (req_info encrypted as WeChat Pay does)."""
    return printed(["refund", "--mch-id", m.mch_id, "--out-trade-no", order, "--total-fee", str(fee)],
                   {"WECHATPAY_API_KEY": m.v2_key}).body


def v2_payment_with_tx(m: Merchant, tx: str, order: str, fee: int) -> bytes:
    """A v2 payment of merchant `m` carrying the transaction_id `tx` (the v2 delivery of an APIv3
    payment): `simulate pay --transaction-id TX --print`."""
    return v2_payment(m, order, fee, "--transaction-id", tx)


def v2_refund_state(m: Merchant, refund_id: str, status: str, order: str, fee: int) -> bytes:
    """A v2 refund notification of merchant `m` for the refund `refund_id` in the state `status`
    (SUCCESS, CHANGE, REFUNDCLOSE) of the sample's transaction: `simulate refund --refund-id ID
    --refund-status STATUS --print`, so that several states of one refund can be sent."""
    return printed(["refund", "--mch-id", m.mch_id, "--out-trade-no", order, "--total-fee", str(fee),
                    "--transaction-id", SAMPLE_TX, "--refund-id", refund_id, "--refund-status", status],
                   {"WECHATPAY_API_KEY": m.v2_key}).body


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


class TestGateway(Gateway):
    """cgi_gateway.Gateway running notify_cgi through `run` (WRAPPER, sanitizer options); a run
    with a sanitizer report is broken (the test sees 502)."""

    def __init__(self, cgi_env: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), lambda env, body: run([], env, body, check=False), cgi_env)

    def broken(self, proc: subprocess.CompletedProcess[bytes]) -> bool:
        return super().broken(proc) or sanitizer_report(proc)


@dataclass
class Reply:
    status: int
    content_type: str | None
    body: str


def v2_ok() -> Reply:
    return Reply(200, "text/xml", SUCCESS)


def v3_ok() -> Reply:
    return Reply(204, None, "")


def v2_refused(code: str, status: int = 200) -> Reply:
    return Reply(status, "text/xml", v2_fail(code))


def v3_refused(code: str, status: int) -> Reply:
    return Reply(status, "application/json", v3_fail(code))


class Site:
    """A gateway serving notify_cgi with its own profiles and database file."""

    def __init__(self, tmp: Path, name: str, profiles: Path | None = None, **extra_env: str) -> None:
        self.db = str(tmp / f"{name}.sqlite3")
        self.profiles = profiles or write_profiles(tmp / f"{name}-profiles")
        self.env = {"WECHATPAY_PROFILES": str(self.profiles), "WECHATPAY_DB": self.db, A_V3_KEY_ENV: A.v3_key,
                    **extra_env}
        self.gateway = TestGateway(self.env)
        self.thread = threading.Thread(target=self.gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.gateway.server_address[1]}/wechatpay/notify"

    def close(self) -> None:
        self.gateway.shutdown()
        self.thread.join()
        self.gateway.server_close()

    def add_order(self, m: Merchant, order: str, fen: int) -> None:
        proc = run(["add-order", m.label, order, str(fen)], {"WECHATPAY_DB": self.db})
        assert proc.returncode == 0, proc.stderr

    def post(self, body: bytes, headers: dict[str, str] | None = None, method: str = "POST") -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.gateway.server_address[1], timeout=120)
        try:
            h = {"Content-Type": "application/json" if headers else "text/xml", **(headers or {})}
            conn.request(method, "/wechatpay/notify", body=body if method == "POST" else None, headers=h)
            r = conn.getresponse()
            text = r.read().decode()
            assert r.status != 502, text
            return Reply(r.status, r.getheader("Content-Type"), text)
        finally:
            conn.close()

    def v3(self, r: Request) -> Reply:
        return self.post(r.body, r.headers)

    def simulate(self, args: list[str], env: dict[str, str]) -> tuple[dict[str, object], int]:
        """`wechatpay-notify simulate ARGS --url URL`: the JSON report and the exit status."""
        p = cli(["simulate", *args, "--url", self.url], env)
        assert p.returncode in (0, 1), p
        report: dict[str, object] = json.loads(p.stdout)
        return report, p.returncode

    def query(self, sql: str, *args: str) -> list[tuple[object, ...]]:
        if not Path(self.db).exists():
            return []
        with closing(sqlite3.connect(self.db)) as db:
            return db.execute(sql, args).fetchall()

    def payments(self) -> list[tuple[object, ...]]:
        return self.query(
            "SELECT merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome FROM payments ORDER BY rowid")

    def discrepancies(self) -> list[tuple[object, ...]]:
        return self.query("SELECT merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason "
                          "FROM discrepancies ORDER BY rowid")

    def refunds(self) -> list[tuple[object, ...]]:
        return self.query("SELECT merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status "
                          "FROM refunds ORDER BY rowid")

    def refund_states(self) -> list[tuple[object, ...]]:
        return self.query("SELECT merchant, refund_id, status FROM refund_states ORDER BY merchant, refund_id")

    def order(self, m: Merchant, no: str) -> tuple[object, ...] | None:
        rows = self.query("SELECT amount_fen, status, transaction_id FROM orders WHERE merchant = ? AND out_trade_no = ?",
                          m.label, no)
        return rows[0] if rows else None


# ---- the tests ----

TESTS: list[Callable[[Path], None]] = []


def test(f: Callable[[Path], None]) -> Callable[[Path], None]:
    TESTS.append(f)
    return f


def with_site(tmp: Path, name: str, f: Callable[[Site], None], profiles: Path | None = None, **env: str) -> None:
    site = Site(tmp, name, profiles, **env)
    try:
        f(site)
    finally:
        site.close()


@test
def direct_runs_stdin_to_stdout_with_exit_status(tmp: Path) -> None:
    """The program without a web server: the reply on stdout, the outcome in the exit status."""
    db = str(tmp / "direct.sqlite3")
    env = {"WECHATPAY_PROFILES": str(write_profiles(tmp / "p")), "WECHATPAY_DB": db, A_V3_KEY_ENV: A.v3_key}
    assert run(["add-order", A.label, SAMPLE_ORDER, "101"], {"WECHATPAY_DB": db}).returncode == 0
    p = run([], env, sample("pay-md5.xml"))
    assert (p.returncode, p.stdout.decode()) == (0, SUCCESS + "\n"), p
    p = run([], env, sample("pay-forged.xml"))
    assert (p.returncode, p.stdout.decode()) == (1, v2_fail("signature_mismatch") + "\n"), p
    # The APIv3 headers from the environment, as a web server passes them: the empty success reply.
    r = v3_payment(B, "o-direct", 5)
    v3_env = {**env, **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in r.headers.items()}}
    p = run([], v3_env, r.body)
    assert (p.returncode, p.stdout.decode()) == (0, "\n"), p
    # Under a web server the reply gets CGI headers: the endpoint's status and content type.
    p = run([], {**env, "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST"}, sample("pay-md5.xml"))
    assert (p.returncode, p.stdout.decode()) == (0, "Status: 200 OK\r\nContent-Type: text/xml\r\n\r\n" + SUCCESS), p
    p = run([], {**v3_env, "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST"}, r.body)
    assert (p.returncode, p.stdout.decode()) == (0, "Status: 204 No Content\r\n\r\n"), p
    assert run(["extra-argument"], env).returncode == 2  # usage
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("SELECT merchant, dedupe_key, outcome FROM payments ORDER BY rowid").fetchall()[0] == (
            A.label, SAMPLE_TX, "paid")


@test
def both_merchants_both_versions_paid_once_under_retries(tmp: Path) -> None:
    def body(site: Site) -> None:
        # The same order number at both merchants: orders are keyed by merchant and number.
        site.add_order(A, SAMPLE_ORDER, 101)
        site.add_order(A, "o-2", 202)
        site.add_order(B, SAMPLE_ORDER, 303)
        site.add_order(B, "o-3", 404)
        a2, b2 = sample("pay-md5.xml"), v2_payment(B, SAMPLE_ORDER, 303)
        tx_b2 = v2_transaction_id(B, b2)
        a3, b3 = v3_payment(A, "o-2", 202), v3_payment(B, "o-3", 404)
        for _ in range(3):
            assert site.post(a2) == v2_ok()
            assert site.v3(a3) == v3_ok()
            assert site.post(b2) == v2_ok()
            assert site.v3(b3) == v3_ok()
        tx_a3, tx_b3 = v3_resource(A, a3)["transaction_id"], v3_resource(B, b3)["transaction_id"]
        assert site.payments() == [
            (A.label, SAMPLE_TX, "v2", SAMPLE_ORDER, 101, "SUCCESS", "paid"),
            (A.label, tx_a3, "v3", "o-2", 202, "SUCCESS", "paid"),
            (B.label, tx_b2, "v2", SAMPLE_ORDER, 303, "SUCCESS", "paid"),
            (B.label, tx_b3, "v3", "o-3", 404, "SUCCESS", "paid"),
        ]
        assert site.order(A, SAMPLE_ORDER) == (101, "paid", SAMPLE_TX)
        assert site.order(A, "o-2") == (202, "paid", tx_a3)
        assert site.order(B, SAMPLE_ORDER) == (303, "paid", tx_b2)
        assert site.order(B, "o-3") == (404, "paid", tx_b3)
        assert site.discrepancies() == []
        assert site.gateway.exits == [0] * 12

    with_site(tmp, "retries", body)


@test
def v2_and_v3_deliveries_of_one_payment_are_recorded_once(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(A, "o-5", 500)
        site.add_order(B, "o-6", 600)
        # shop-a: the APIv3 delivery first, then the v2 one of the same transaction_id.
        a3 = v3_payment(A, "o-5", 500)
        tx_a = str(v3_resource(A, a3)["transaction_id"])
        assert site.v3(a3) == v3_ok()
        assert site.post(v2_payment_with_tx(A, tx_a, "o-5", 500)) == v2_ok()
        assert site.v3(a3) == v3_ok()
        # shop-b: the other way round.
        b3 = v3_payment(B, "o-6", 600)
        tx_b = str(v3_resource(B, b3)["transaction_id"])
        assert site.post(v2_payment_with_tx(B, tx_b, "o-6", 600)) == v2_ok()
        assert site.v3(b3) == v3_ok()
        assert site.payments() == [
            (A.label, tx_a, "v3", "o-5", 500, "SUCCESS", "paid"),
            (B.label, tx_b, "v2", "o-6", 600, "SUCCESS", "paid"),
        ]
        assert site.order(A, "o-5") == (500, "paid", tx_a)
        assert site.order(B, "o-6") == (600, "paid", tx_b)
        assert site.discrepancies() == []

    with_site(tmp, "versions", body)


@test
def amount_mismatch_and_unknown_order_are_recorded_for_review(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(A, SAMPLE_ORDER, 100)  # the sample pays 101 fen
        site.add_order(B, "o-2", 100)
        site.add_order(B, "o-9", 900)  # exists at shop-b only
        b3 = v3_payment(B, "o-2", 99)
        a3 = v3_payment(A, "o-9", 900)
        for _ in range(2):
            assert site.post(sample("pay-md5.xml")) == v2_ok()
            assert site.v3(b3) == v3_ok()
            assert site.v3(a3) == v3_ok()
        a2 = v2_payment(A, "o-9", 900)
        assert site.post(a2) == v2_ok()
        tx_b3, tx_a3 = v3_resource(B, b3)["transaction_id"], v3_resource(A, a3)["transaction_id"]
        assert site.discrepancies() == [
            (A.label, SAMPLE_TX, SAMPLE_ORDER, 101, 100, "amount_mismatch"),
            (B.label, tx_b3, "o-2", 99, 100, "amount_mismatch"),
            (A.label, tx_a3, "o-9", 900, None, "unknown_order"),
            (A.label, v2_transaction_id(A, a2), "o-9", 900, None, "unknown_order"),
        ]
        assert [p[6] for p in site.payments()] == ["discrepancy"] * 4
        assert site.order(A, SAMPLE_ORDER) == (100, "pending", None)
        assert site.order(B, "o-2") == (100, "pending", None)
        assert site.order(B, "o-9") == (900, "pending", None)
        assert site.order(A, "o-9") is None

    with_site(tmp, "mismatch", body)


@test
def second_transaction_and_failed_payments(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(A, "o-1", 500)
        site.add_order(A, "o-2", 500)
        site.add_order(B, "o-3", 500)
        failed_v3 = v3_payment(B, "o-3", 500, "--result", "FAIL")
        first, second = v2_payment(A, "o-1", 500), v2_payment(A, "o-1", 500)
        failed = v2_payment(A, "o-2", 500, "--result", "FAIL")
        for b in (first, second, failed, failed):
            assert site.post(b) == v2_ok()
        tx1, tx2, tx3 = (v2_transaction_id(A, b) for b in (first, second, failed))
        assert site.v3(failed_v3) == v3_ok()
        assert site.order(A, "o-1") == (500, "paid", tx1)
        assert site.order(A, "o-2") == (500, "pending", None)
        assert site.order(B, "o-3") == (500, "pending", None)
        # An unsuccessful payment's key names its state (transaction_id:STATE), so a later success of
        # the same transaction would be another key, not "already recorded".
        assert [(p[1], p[5], p[6]) for p in site.payments()] == [
            (tx1, "SUCCESS", "paid"), (tx2, "SUCCESS", "discrepancy"),
            (f"{tx3}:FAIL", "FAIL", "failed"),
            (f"{v3_resource(B, failed_v3)['transaction_id']}:PAYERROR", "PAYERROR", "failed")]
        assert site.discrepancies() == [(A.label, tx2, "o-1", 500, 500, "already_paid")]

    with_site(tmp, "second", body)


@test
def cross_merchant_forgeries_are_refused_and_record_nothing(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(A, "o-1", 100)
        site.add_order(B, "o-1", 100)
        # v2: a body naming shop-a (routed to its verifier by mch_id) signed with shop-b's key, and
        # the reverse: the endpoint's v2 refusal (200, the XML FAIL).
        assert site.post(v2_payment(A, "o-1", 100, key=B.v2_key)) == v2_refused("signature_mismatch")
        assert site.post(v2_payment(B, "o-1", 100, key=A.v2_key)) == v2_refused("signature_mismatch")
        assert site.post(sample("pay-forged.xml")) == v2_refused("signature_mismatch")
        # APIv3: shop-a's key id (routing to shop-a) but signed with shop-b's private key.
        assert site.v3(v3_request(A, "pay", signer=B)) == v3_refused("signature_mismatch", 401)
        # Genuinely signed for shop-b, but the resource encrypted under shop-a's APIv3 key.
        assert site.v3(v3_request(B, "pay", v3_key=A.v3_key)) == v3_refused("decrypt_failed", 400)
        # A refund naming shop-a but encrypted with shop-b's key.
        forged_refund = v2_refund(B, "o-1", 100).replace(B.mch_id.encode(), A.mch_id.encode())
        assert site.post(forged_refund) == v2_refused("decrypt_failed")
        assert site.payments() == [] and site.refunds() == []
        assert site.order(A, "o-1") == (100, "pending", None)
        assert site.order(B, "o-1") == (100, "pending", None)
        assert site.gateway.exits == [1] * 6

    with_site(tmp, "forged", body)


@test
def v3_stale_probe_unknown_key_and_missing_header_are_refused(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(A, "o-1", 100)
        assert site.v3(v3_payment(A, "o-1", 100, "--stale-timestamp")) == v3_refused("timestamp_out_of_window", 401)
        assert site.v3(v3_payment(A, "o-1", 100, "--probe")) == v3_refused("signature_probe", 401)
        unknown = v3_request(A, "pay", serial="PUB_KEY_ID_0199999999999999999999999999")
        assert site.v3(unknown) == v3_refused("unknown_serial", 401)
        genuine = v3_payment(A, "o-1", 100)
        missing = Request({k: v for k, v in genuine.headers.items() if k != "Wechatpay-Timestamp"}, genuine.body)
        assert site.v3(missing) == v3_refused("missing_header", 401)
        reserialised = Request(genuine.headers, genuine.body.replace(b",", b", ", 1))
        assert site.v3(reserialised) == v3_refused("signature_mismatch", 401)
        assert site.payments() == []
        assert site.order(A, "o-1") == (100, "pending", None)
        assert site.v3(genuine) == v3_ok()
        assert site.order(A, "o-1") == (100, "paid", v3_resource(A, genuine)["transaction_id"])

    with_site(tmp, "stale", body)


@test
def refunds_are_recorded_once_and_never_acted_upon(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(A, SAMPLE_ORDER, 101)
        assert site.post(sample("pay-md5.xml")) == v2_ok()
        a = v2_refund(A, SAMPLE_ORDER, 101)
        b = v3_request(B, "refund", "--out-trade-no", "o-7", "--total-fee", "70")
        for _ in range(2):
            assert site.post(a) == v2_ok()
            assert site.v3(b) == v3_ok()
        rows = site.refunds()
        assert [(r[0], r[2], r[3], r[5], r[6]) for r in rows] == [
            (A.label, "v2", SAMPLE_ORDER, 101, "SUCCESS"), (B.label, "v3", "o-7", 70, "SUCCESS")], rows
        # Keyed by refund_id:STATUS; each refund's state kept in refund_states.
        refund_b = str(v3_resource(B, b)["refund_id"])
        assert rows[1][1] == f"{refund_b}:SUCCESS"
        assert str(rows[0][1]).endswith(":SUCCESS")
        assert sorted(site.refund_states()) == sorted([
            (A.label, str(rows[0][1]).rsplit(":", 1)[0], "SUCCESS"), (B.label, refund_b, "SUCCESS")])
        # Orders and payments untouched: a refund is a hint to confirm with the refund query API.
        assert site.order(A, SAMPLE_ORDER) == (101, "paid", SAMPLE_TX)
        assert len(site.payments()) == 1

    with_site(tmp, "refunds", body)


@test
def a_refund_state_moves_forward_only(tmp: Path) -> None:
    """ABNORMAL (v2 CHANGE) then SUCCESS for one refund: both notifications are recorded (two dedupe
    keys, refund_id:ABNORMAL and refund_id:SUCCESS) and the refund ends SUCCESS; a late ABNORMAL retry
    and a CLOSED after SUCCESS do not move it back; retries record nothing new."""

    def body(site: Site) -> None:
        rid = "50000000382026112700000000077"
        abnormal = v2_refund_state(A, rid, "CHANGE", SAMPLE_ORDER, 101)
        success = v2_refund_state(A, rid, "SUCCESS", SAMPLE_ORDER, 101)
        closed = v2_refund_state(A, rid, "REFUNDCLOSE", SAMPLE_ORDER, 101)
        assert site.post(abnormal) == v2_ok()
        assert site.refund_states() == [(A.label, rid, "ABNORMAL")]
        assert site.post(success) == v2_ok()
        assert site.refund_states() == [(A.label, rid, "SUCCESS")]
        for late in (abnormal, success, closed, abnormal):
            assert site.post(late) == v2_ok()  # acknowledged: WeChat Pay stops retrying
        assert site.refund_states() == [(A.label, rid, "SUCCESS")]
        assert [(r[1], r[6]) for r in site.refunds()] == [
            (f"{rid}:ABNORMAL", "CHANGE"), (f"{rid}:SUCCESS", "SUCCESS"), (f"{rid}:CLOSED", "REFUNDCLOSE")]
        # Another refund: ABNORMAL then CLOSED ends CLOSED.
        rid2 = "50000000382026112700000000078"
        assert site.post(v2_refund_state(B, rid2, "CHANGE", "o-8", 80)) == v2_ok()
        assert site.post(v2_refund_state(B, rid2, "REFUNDCLOSE", "o-8", 80)) == v2_ok()
        assert site.post(v2_refund_state(B, rid2, "SUCCESS", "o-8", 80)) == v2_ok()
        assert site.refund_states() == [(A.label, rid, "SUCCESS"), (B.label, rid2, "CLOSED")]
        assert site.payments() == [] and site.order(A, SAMPLE_ORDER) is None
        assert site.gateway.exits == [0] * 9

    with_site(tmp, "refund-states", body)


@test
def a_v3_resource_naming_another_merchant_is_refused(tmp: Path) -> None:
    """The profile's mch_id binds its APIv3 part: a genuine request under shop-a's key id whose
    resource names shop-b's mchid is merchant_mismatch (401), and nothing is recorded."""

    def body(site: Site) -> None:
        site.add_order(A, "o-1", 100)
        other = v3_request(A, "pay", "--out-trade-no", "o-1", "--total-fee", "100", mchid=B.mch_id)
        assert site.v3(other) == v3_refused("merchant_mismatch", 401)
        assert site.v3(v3_request(A, "pay", mchid="1900000100")) == v3_refused("merchant_mismatch", 401)
        assert site.payments() == [] and site.order(A, "o-1") == (100, "pending", None)
        assert site.v3(v3_payment(A, "o-1", 100)) == v3_ok()
        assert site.order(A, "o-1")[1] == "paid"  # type: ignore[index]

    with_site(tmp, "v3-merchant", body)


@test
def oversized_undecidable_unknown_merchant_and_wrong_method(tmp: Path) -> None:
    def body(site: Site) -> None:
        b = sample("pay-md5.xml")
        padded = b.replace(b"<xml>", b"<xml>" + b" " * (MAX_BODY_BYTES - len(b)), 1)
        assert len(padded) == MAX_BODY_BYTES
        # A body no merchant could be chosen for: the v2 FAIL with 400.
        assert site.post(padded + b" ") == v2_refused("body_too_large", 400)
        assert site.post(b" " * 1_000_000) == v2_refused("body_too_large", 400)
        big = v3_payment(A, "o-1", 1)
        assert site.v3(Request(big.headers, big.body + b" " * MAX_BODY_BYTES)) == v3_refused("body_too_large", 400)
        assert site.post(b'{"id":1}') == v2_refused("malformed_xml", 400)
        xxe = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><mch_id>10000100</mch_id><a>&e;</a></xml>'
        assert site.post(xxe) == v2_refused("forbidden_doctype", 400)
        assert site.post(b"") == v2_refused("malformed_xml", 400)
        assert site.post(v2_payment(A, "o-1", 1, mch_id="19999999")) == v2_refused("merchant_mismatch")
        assert site.post(b"", method="GET") == v2_refused("POST only", 405)
        assert site.payments() == []
        # Exactly at the limit is read and verified (no order here: a discrepancy).
        assert site.post(padded) == v2_ok()
        assert [p[6] for p in site.payments()] == ["discrepancy"]

    with_site(tmp, "oversized", body)


@test
def database_failure_is_not_acknowledged(tmp: Path) -> None:
    """If the notification cannot be recorded: 500 and a FAIL in the request's version; WeChat Pay
    retries later."""

    def body(site: Site) -> None:
        assert site.post(sample("pay-md5.xml")) == v2_refused("internal", 500)
        assert site.v3(v3_payment(B, "o-1", 1)) == v3_refused("internal", 500)
        assert site.gateway.exits == [3, 3]

    with_site(tmp, "dbfail", body, WECHATPAY_DB=str(tmp / "no-such-dir" / "payments.sqlite3"))


@test
def bad_configuration_is_refused(tmp: Path) -> None:
    """Exit 2 with the reason on stderr (never a key); under a web server 500 and a FAIL reply. The
    reasons are the library's loader's (wechatpay_endpoint_from_profiles_file)."""
    good = write_profiles(tmp / "p")
    doc = json.loads(good.read_text())

    def variant(name: str, edit: Callable[[dict], None], mode: int = 0o600) -> str:  # type: ignore[type-arg]
        d = json.loads(json.dumps(doc))
        edit(d)
        path = good.parent / f"{name}.json"
        path.write_text(json.dumps(d))
        path.chmod(mode)
        return str(path)

    cases = [
        (variant("inline", lambda d: d["profiles"][0]["v2"].update(api_key=A.v2_key)), "never written into"),
        (variant("both", lambda d: d["profiles"][1]["v3"].update(api_v3_key_env="X")), "exactly one of"),
        (variant("same-mch", lambda d: d["profiles"][1]["v2"].update(mch_id=A.mch_id)), "invalid_config"),
        (variant("same-label", lambda d: d["profiles"][1].update(label=A.label)), "invalid_config"),
        (variant("no-mch", lambda d: d["profiles"][0]["v2"].pop("mch_id")), "invalid_config"),
        (variant("bad-pem", lambda d: d["profiles"][1]["v3"].update(
            platform_keys={B.key_id: "shop-b/api_key.txt"})), "invalid_config"),
        (variant("no-list", lambda d: d.pop("profiles")), "profiles"),
        (variant("misspelt", lambda d: d["profiles"][0]["v2"].update(signType="MD5")), "unknown v2 setting"),
        (variant("no-sign-type", lambda d: d["profiles"][0]["v2"].pop("sign_type")), "sign_type"),
        (variant("readable", lambda d: None, 0o644), "chmod 600"),
        (str(tmp / "missing.json"), "missing.json"),
    ]
    for path, expected in cases:
        p = run([], {"WECHATPAY_PROFILES": path, "WECHATPAY_DB": str(tmp / "x.sqlite3"), A_V3_KEY_ENV: A.v3_key},
                sample("pay-md5.xml"))
        err = p.stderr.decode()
        assert p.returncode == 2 and expected in err and "configuration error" in err, (path, err)
        assert A.v2_key not in err and B.v2_key not in err and A.v3_key not in err, err
        assert p.stdout.decode() == v2_fail("invalid_config") + "\n"
    # The variable naming shop-a's APIv3 key is not set.
    p = run([], {"WECHATPAY_PROFILES": str(good), "WECHATPAY_DB": str(tmp / "x.sqlite3")}, sample("pay-md5.xml"))
    assert p.returncode == 2 and f"${A_V3_KEY_ENV}" in p.stderr.decode(), p
    # Under a web server: 500 and the FAIL, in the request's version.
    p = run([], {"WECHATPAY_PROFILES": cases[0][0], "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST",
                 "HTTP_WECHATPAY_SIGNATURE": "x"}, b"{}")
    assert p.stdout.decode() == ("Status: 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n"
                                 + v3_fail("invalid_config")), p


@test
def concurrent_duplicates_pay_each_order_once(tmp: Path) -> None:
    """24 requests released at once, each a notify_cgi process on one database file: 16 deliveries
    of one payment of shop-a (8 v2, 8 APIv3, one transaction_id) and 8 different transactions for
    one order of shop-b."""

    def body(site: Site) -> None:
        site.add_order(A, "o-1", 300)
        site.add_order(B, "o-2", 300)
        a3 = v3_payment(A, "o-1", 300)
        tx = str(v3_resource(A, a3)["transaction_id"])
        a2 = v2_payment_with_tx(A, tx, "o-1", 300)
        sends: list[Callable[[], Reply]] = [lambda: site.post(a2)] * 8 + [lambda: site.v3(a3)] * 8
        for i in range(8):
            b2 = v2_payment(B, "o-2", 300)
            sends.append(lambda b2=b2: site.post(b2))  # type: ignore[misc]
        barrier = threading.Barrier(len(sends))

        def send(f: Callable[[], Reply]) -> tuple[int, str]:
            barrier.wait()
            r = f()
            return r.status, r.body

        with ThreadPoolExecutor(max_workers=len(sends)) as pool:
            replies = list(pool.map(send, sends))
        assert replies == [(200, SUCCESS)] * 8 + [(204, "")] * 8 + [(200, SUCCESS)] * 8, Counter(replies)
        assert len(site.payments()) == 1 + 8
        assert site.order(A, "o-1") == (300, "paid", tx)
        o2 = site.order(B, "o-2")
        assert o2 is not None and o2[1] == "paid"
        d = site.discrepancies()
        assert len(d) == 7 and all(r[0] == B.label and r[5] == "already_paid" and r[1] != o2[2] for r in d), d

    with_site(tmp, "concurrent", body)


@test
def add_order_command(tmp: Path) -> None:
    env = {"WECHATPAY_DB": str(tmp / "orders.sqlite3")}
    assert run(["add-order", A.label, "o-1", "101"], env).returncode == 0
    assert run(["add-order", B.label, "o-1", "101"], env).returncode == 0  # another merchant's number
    assert run(["add-order", A.label, "o-1", "101"], env).returncode == 3  # created once per merchant
    for bad in (["add-order", A.label, "o-2", "0"], ["add-order", A.label, "o-2", "-1"],
                ["add-order", A.label, "o-2", "1.5"], ["add-order", A.label, "o-2", "99999999999999999999"],
                ["add-order", "o-2", "5"]):
        assert run(bad, env).returncode == 2, bad


# ---- the CLI's simulate against the gateway (issue 12.6) ----


def keygen(d: Path) -> tuple[Path, str]:
    p = cli(["keygen", "--out", str(d)], {})
    assert p.returncode == 0, p
    key_id = (d / "test_key_id.txt").read_text().strip()
    assert json.loads(p.stdout)["key_id"] == key_id
    return d / "test_private_key.pem", key_id


def attempts(report: dict[str, object]) -> list[dict[str, object]]:
    a = report["attempts"]
    assert isinstance(a, list)
    return a


@test
def simulate_pay_repeat_3_is_recorded_once(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(A, "SIM-A-1", 101)
        site.add_order(B, "SIM-B-1", 202)
        report, rc = site.simulate(["pay", "--mch-id", A.mch_id, "--out-trade-no", "SIM-A-1", "--total-fee", "101",
                                    "--repeat", "3"], {"WECHATPAY_API_KEY": A.v2_key})
        assert rc == 0 and report["reply_ok"] is True, report
        assert [(a["status"], a["reply"], a["reply_ok"]) for a in attempts(report)] == [(200, SUCCESS, True)] * 3
        report, rc = site.simulate(["pay", "--sign-type", "HMAC-SHA256", "--mch-id", B.mch_id, "--out-trade-no",
                                    "SIM-B-1", "--total-fee", "202", "--repeat", "3"], {"WECHATPAY_API_KEY": B.v2_key})
        assert rc == 0 and [a["status"] for a in attempts(report)] == [200] * 3, report
        rows = site.payments()
        assert [(r[0], r[2], r[3], r[4], r[6]) for r in rows] == [
            (A.label, "v2", "SIM-A-1", 101, "paid"), (B.label, "v2", "SIM-B-1", 202, "paid")]
        assert site.order(A, "SIM-A-1") == (101, "paid", rows[0][1])
        assert site.order(B, "SIM-B-1") == (202, "paid", rows[1][1])

    with_site(tmp, "sim-repeat", body)


@test
def simulate_pay_with_a_forged_key_is_refused(tmp: Path) -> None:
    def body(site: Site) -> None:
        site.add_order(A, "SIM-A-2", 101)
        report, rc = site.simulate(["pay", "--mch-id", A.mch_id, "--out-trade-no", "SIM-A-2", "--total-fee", "101"],
                                   {"WECHATPAY_API_KEY": B.v2_key})
        assert rc == 1 and report["reply_ok"] is False, report
        assert (attempts(report)[0]["status"], attempts(report)[0]["reply"]) == (200, v2_fail("signature_mismatch"))
        assert site.payments() == []
        assert site.order(A, "SIM-A-2") == (101, "pending", None)

    with_site(tmp, "sim-forged", body)


@test
def simulate_v3_with_a_keygen_key_the_example_trusts(tmp: Path) -> None:
    key, key_id = keygen(tmp / "shop-a-keygen")
    profiles = write_profiles(tmp / "p", {key_id: str(tmp / "shop-a-keygen" / "test_public_key.pem")})

    def body(site: Site) -> None:
        site.add_order(A, "SIM-A-3", 303)
        env = {"WECHATPAY_API_V3_KEY": A.v3_key}
        base = ["v3", "pay", "--private-key", str(key), "--key-id", key_id, "--mch-id", A.mch_id, "--out-trade-no",
                "SIM-A-3", "--total-fee", "303"]
        for extra, status, code in ((["--stale-timestamp"], 401, "timestamp_out_of_window"),
                                    (["--probe"], 401, "signature_probe")):
            report, rc = site.simulate(base + extra, env)
            assert rc == 1 and report["reply_ok"] is False, report
            assert (attempts(report)[0]["status"], attempts(report)[0]["reply"]) == (status, v3_fail(code))
        assert site.payments() == []
        report, rc = site.simulate(base + ["--repeat", "2"], env)
        assert rc == 0 and report["reply_ok"] is True, report
        assert [(a["status"], a["reply"]) for a in attempts(report)] == [(204, "")] * 2
        rows = site.payments()
        assert [(r[0], r[2], r[3], r[4], r[6]) for r in rows] == [(A.label, "v3", "SIM-A-3", 303, "paid")]
        assert site.order(A, "SIM-A-3") == (303, "paid", rows[0][1])

    with_site(tmp, "sim-v3", body, profiles)


@test
def simulate_until_success_against_a_handler_that_fails_twice(tmp: Path) -> None:
    """The TEST ONLY switch WECHATPAY_EXAMPLE_FAIL_FIRST=2: the first two requests get 500."""
    key, key_id = keygen(tmp / "shop-a-keygen")
    profiles = write_profiles(tmp / "p", {key_id: str(tmp / "shop-a-keygen" / "test_public_key.pem")})

    def v2(site: Site) -> None:
        site.add_order(A, "SIM-A-4", 404)
        report, rc = site.simulate(["pay", "--mch-id", A.mch_id, "--out-trade-no", "SIM-A-4", "--total-fee", "404",
                                    "--until-success", "--time-scale", "0.01"], {"WECHATPAY_API_KEY": A.v2_key})
        assert rc == 0 and report["reply_ok"] is True, report
        # WeChat Pay's schedule (15 s, 15 s, ...), a hundred times faster.
        assert [(a["status"], a["after_s"], a["reply_ok"]) for a in attempts(report)] == [
            (500, 0, False), (500, 15, False), (200, 15, True)]
        assert attempts(report)[0]["reply"] == v2_fail("internal")
        assert [(r[3], r[6]) for r in site.payments()] == [("SIM-A-4", "paid")]

    def v3(site: Site) -> None:
        site.add_order(A, "SIM-A-5", 505)
        report, rc = site.simulate(["v3", "pay", "--private-key", str(key), "--key-id", key_id, "--mch-id", A.mch_id,
                                    "--out-trade-no", "SIM-A-5", "--total-fee", "505", "--until-success",
                                    "--time-scale", "0.01"],
                                   {"WECHATPAY_API_V3_KEY": A.v3_key})
        assert rc == 0, report
        assert [a["status"] for a in attempts(report)] == [500, 500, 204]
        assert attempts(report)[0]["reply"] == v3_fail("internal")
        assert site.order(A, "SIM-A-5") == (505, "paid", site.payments()[0][1])

    with_site(tmp, "sim-retry-v2", v2, profiles, WECHATPAY_EXAMPLE_FAIL_FIRST="2")
    with_site(tmp, "sim-retry-v3", v3, profiles, WECHATPAY_EXAMPLE_FAIL_FIRST="2")


def main() -> int:
    if not CGI or not CLI:
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
