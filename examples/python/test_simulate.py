"""The apps as a user runs them (``python flask_app.py HOST:PORT``, ``python fastapi_app.py
HOST:PORT``, configured by the environment and a profiles file for two merchants), driven by the
CLI's ``simulate`` exactly as the README's "Test your handler locally" says (issue 12.6).

The CLI is the repository's ``wechatpay-notify`` binary: ``$WECHATPAY_NOTIFY_CLI``, else
``target/debug/wechatpay-notify`` (``cargo build -p wechatpay-notify-cli``; scripts/test-python.sh
builds it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from example_support import V2_REFUSAL, V3_REFUSAL, A, B, order, payments, refund_states, refunds, write_profiles
from example_support import cli as cli_path
from notify_store import Store

HERE = Path(__file__).resolve().parent
# The environment variable the profiles name for shop-a's APIv3 key in these tests.
A_V3_KEY_ENV = "SIM_SHOP_A_API_V3_KEY"
V2_SUCCESS = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"


@pytest.fixture(scope="module")
def cli() -> Path:
    return cli_path()


class KeygenKey(NamedTuple):
    """``wechatpay-notify keygen``'s output: a test key standing in for WeChat Pay's, and its id."""

    private_key: Path
    key_id: str


def keygen(cli: Path, out: Path) -> KeygenKey:
    done = subprocess.run([cli, "keygen", "--out", out], capture_output=True, check=True, timeout=120)
    report = json.loads(done.stdout)
    key_id = (out / "test_key_id.txt").read_text().strip()
    assert report["key_id"] == key_id
    return KeygenKey(out / "test_private_key.pem", key_id)


class Deployment(NamedTuple):
    """Profiles for shop-a and shop-b, where shop-a's APIv3 part trusts a keygen test key and reads
    its APIv3 key from the environment."""

    dir: Path
    profiles: Path
    trusted: KeygenKey
    untrusted: KeygenKey


@pytest.fixture(scope="module")
def deployment(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    d = tmp_path_factory.mktemp("deployment")
    profiles = write_profiles(d)
    trusted = keygen(cli, d / "shop-a-keygen")
    doc = json.loads(profiles.read_text())
    doc["profiles"][0]["v3"] = {
        "api_v3_key_env": A_V3_KEY_ENV,
        "platform_keys": {trusted.key_id: "shop-a-keygen/test_public_key.pem"},
    }
    profiles.write_text(json.dumps(doc))
    return Deployment(d, profiles, trusted, keygen(cli, d / "untrusted"))


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATPAY_", "SIM_SHOP_"))}
    env.update(extra)
    return env


class Example:
    """One app serving a deployment on 127.0.0.1 (a free port), as a process."""

    def __init__(self, module: str, d: Deployment, db: Path, cli: Path, fail_first: int | None = None) -> None:
        self.db, self.cli = db, cli
        env = clean_env(WECHATPAY_PROFILES=str(d.profiles), WECHATPAY_DB=str(db), **{A_V3_KEY_ENV: A.v3_key})
        if fail_first is not None:
            env["WECHATPAY_EXAMPLE_FAIL_FIRST"] = str(fail_first)
        self.proc = subprocess.Popen(
            [sys.executable, f"{module}.py", "127.0.0.1:0"],
            cwd=HERE,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        self.log: list[str] = []
        url = None
        for line in self.proc.stderr:
            self.log.append(line)
            if line.startswith("listening on "):
                url = line.split()[2]
                break
        if url is None:
            self.stop()
            pytest.fail(f"{module} did not start:\n{''.join(self.log)}")
        self.url = url
        # Keep draining its log (one line per request) so that it never blocks on a full pipe.
        self._drain = threading.Thread(target=lambda: self.log.extend(self.proc.stderr or []), daemon=True)
        self._drain.start()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        drain = getattr(self, "_drain", None)
        if drain is not None:
            drain.join(10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def add_order(self, merchant: str, no: str, fen: int) -> None:
        subprocess.run(
            [sys.executable, "notify_store.py", "add-order", merchant, no, str(fen)],
            cwd=HERE,
            env=clean_env(WECHATPAY_DB=str(self.db)),
            check=True,
            capture_output=True,
        )

    def store(self) -> Store:
        return Store(self.db)

    def logged(self, text: str, timeout: float = 10) -> bool:
        """Whether the app's log has (or gets within ``timeout`` seconds) a line containing ``text``
        (it is drained by a thread, so a line can arrive just after the reply)."""
        deadline = time.monotonic() + timeout
        while True:
            if any(text in line for line in list(self.log)):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def refused_with(self, code: str) -> bool:
        """Whether the app logged a refusal with this error code (the reply never names it)."""
        # "rejected v3 notification for shop-a: merchant_mismatch: ..."
        return self.logged(f": {code}: ")

    def simulate(self, args: list[str], **env: str) -> tuple[Any, bool]:
        """``wechatpay-notify simulate ARGS --url URL`` with exactly the keys in ``env``: the JSON
        report and whether the exit status said "acknowledged"."""
        done = subprocess.run(
            [self.cli, "simulate", *args, "--url", self.url], env=clean_env(**env), capture_output=True, timeout=120
        )
        assert done.returncode in (0, 1), f"{done}\nexample log:\n{''.join(self.log)}"
        report = json.loads(done.stdout)
        assert report["url"] == self.url
        assert report["reply_ok"] is (done.returncode == 0)
        return report, done.returncode == 0


@pytest.fixture(params=["flask_app", "fastapi_app"], ids=["flask", "fastapi"])
def module(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def example(module: str, deployment: Deployment, cli: Path, tmp_path: Path) -> Iterator[Example]:
    ex = Example(module, deployment, tmp_path / "payments.sqlite3", cli)
    try:
        yield ex
    finally:
        ex.stop()


def statuses(report: Any) -> list[int]:
    return [a["status"] for a in report["attempts"]]


def test_simulate_pay_repeat_3_is_recorded_once_for_each_merchant(example: Example) -> None:
    example.add_order(A.label, "SIM-A-1", 101)
    example.add_order(B.label, "SIM-B-1", 202)
    args = ["pay", "--mch-id", A.mch_id, "--out-trade-no", "SIM-A-1", "--total-fee", "101", "--repeat", "3"]
    report, ok = example.simulate(args, WECHATPAY_API_KEY=A.v2_key)
    assert ok, report
    assert statuses(report) == [200, 200, 200]
    assert [(a["reply"], a["reply_ok"]) for a in report["attempts"]] == [(V2_SUCCESS, True)] * 3
    args = ["pay", "--sign-type", "HMAC-SHA256", "--mch-id", B.mch_id, "--out-trade-no", "SIM-B-1"]
    report, ok = example.simulate([*args, "--total-fee", "202", "--repeat", "3"], WECHATPAY_API_KEY=B.v2_key)
    assert ok, report
    assert statuses(report) == [200, 200, 200]

    # Three deliveries each, one payment each, each order paid by it.
    store = example.store()
    rows = payments(store)
    assert [(p[0], p[2], p[3], p[4], p[6]) for p in rows] == [
        ("shop-a", "v2", "SIM-A-1", 101, "paid"),
        ("shop-b", "v2", "SIM-B-1", 202, "paid"),
    ]
    assert order(store, A, "SIM-A-1") == (101, "paid", rows[0][1])
    assert order(store, B, "SIM-B-1") == (202, "paid", rows[1][1])


def test_simulate_pay_signed_with_a_forged_key_is_refused(example: Example) -> None:
    example.add_order(A.label, "SIM-A-2", 101)
    # Merchant A's mch_id, but B's API key: refused, in the endpoint's v2 form.
    args = ["pay", "--mch-id", A.mch_id, "--out-trade-no", "SIM-A-2", "--total-fee", "101"]
    report, ok = example.simulate(args, WECHATPAY_API_KEY=B.v2_key)
    assert not ok
    assert (report["attempts"][0]["status"], report["attempts"][0]["reply"]) == (200, V2_REFUSAL)
    assert example.refused_with("signature_mismatch")
    # A merchant the example does not serve.
    args = ["pay", "--mch-id", "19999999", "--out-trade-no", "SIM-A-2", "--total-fee", "101"]
    report, ok = example.simulate(args, WECHATPAY_API_KEY=A.v2_key)
    assert not ok
    assert (report["attempts"][0]["status"], report["attempts"][0]["reply"]) == (200, V2_REFUSAL)
    assert example.refused_with("merchant_mismatch")
    store = example.store()
    assert payments(store) == []
    assert order(store, A, "SIM-A-2") == (101, "pending", None)


def test_simulate_v3_with_a_keygen_key_the_example_trusts(example: Example, deployment: Deployment) -> None:
    example.add_order(A.label, "SIM-A-3", 303)
    key = deployment.trusted
    signed = ["--private-key", str(key.private_key), "--key-id", key.key_id]
    # The merchant id in the resource: shop-a's (its profile's APIv3 part is bound to the mch_id of
    # its v2 part; simulate's default mchid is another merchant's).
    the_order = ["--mchid", A.mch_id, "--out-trade-no", "SIM-A-3", "--total-fee", "303"]

    def refused(extra: list[str], v3_key: str, status: int, code: str, signer: list[str] = signed) -> None:
        report, ok = example.simulate(["v3", "pay", *signer, *the_order, *extra], WECHATPAY_API_V3_KEY=v3_key)
        assert not ok
        assert (report["attempts"][0]["status"], report["attempts"][0]["reply"]) == (status, V3_REFUSAL)
        assert example.refused_with(code), code

    # What a handler must refuse: a ten-minute-old timestamp, WeChat Pay's probe, another APIv3 key
    # than the merchant's, a keygen key the example does not trust.
    refused(["--stale-timestamp"], A.v3_key, 401, "timestamp_out_of_window")
    refused(["--probe"], A.v3_key, 401, "signature_probe")
    refused([], B.v3_key, 400, "decrypt_failed")
    other = deployment.untrusted
    refused([], A.v3_key, 401, "unknown_serial", ["--private-key", str(other.private_key), "--key-id", other.key_id])
    # Genuine, signed with the key shop-a trusts, but for another merchant.
    report, ok = example.simulate(
        ["v3", "pay", *signed, "--mchid", "1900000999", "--out-trade-no", "SIM-A-3", "--total-fee", "303"],
        WECHATPAY_API_V3_KEY=A.v3_key,
    )
    assert not ok and (report["attempts"][0]["status"], report["attempts"][0]["reply"]) == (401, V3_REFUSAL)
    assert example.refused_with("merchant_mismatch")
    assert payments(example.store()) == []

    # The genuine simulation, delivered twice: 204 with no body, recorded once, the order paid.
    report, ok = example.simulate(["v3", "pay", *signed, *the_order, "--repeat", "2"], WECHATPAY_API_V3_KEY=A.v3_key)
    assert ok, report
    assert [(a["status"], a["reply"], a["reply_ok"]) for a in report["attempts"]] == [(204, "", True)] * 2
    store = example.store()
    rows = payments(store)
    assert [(p[0], p[2], p[4], p[6]) for p in rows] == [("shop-a", "v3", 303, "paid")]
    assert order(store, A, "SIM-A-3") == (303, "paid", rows[0][1])
    # A v3 refund is recorded, not acted upon.
    report, ok = example.simulate(["v3", "refund", *signed, *the_order], WECHATPAY_API_V3_KEY=A.v3_key)
    assert ok, report
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in refunds(store)] == [("shop-a", "v3", "SIM-A-3", 303, "SUCCESS")]
    ((merchant, refund_id, state),) = refund_states(store)
    assert (merchant, state) == ("shop-a", "SUCCESS") and refunds(store)[0][1] == f"{refund_id}:SUCCESS"
    assert order(store, A, "SIM-A-3") == (303, "paid", rows[0][1])


def test_simulate_until_success_against_the_fail_first_switch(
    module: str, deployment: Deployment, cli: Path, tmp_path: Path
) -> None:
    # TEST ONLY switch: the first two requests get 500, as if the database were down.
    ex = Example(module, deployment, tmp_path / "v2.sqlite3", cli, fail_first=2)
    try:
        ex.add_order(A.label, "SIM-A-4", 404)
        args = ["pay", "--mch-id", A.mch_id, "--out-trade-no", "SIM-A-4", "--total-fee", "404"]
        report, ok = ex.simulate([*args, "--until-success", "--time-scale", "0.01"], WECHATPAY_API_KEY=A.v2_key)
        assert ok, report
        attempts = report["attempts"]
        # WeChat Pay's schedule (15 s, 15 s, …), compressed a hundredfold.
        assert [(a["status"], a["after_s"], a["reply_ok"]) for a in attempts] == [
            (500, 0, False),
            (500, 15, False),
            (200, 15, True),
        ]
        assert attempts[0]["reply"] == V2_REFUSAL
        assert any("TEST ONLY" in line for line in ex.log)
        store = ex.store()
        assert len(payments(store)) == 1
        assert order(store, A, "SIM-A-4") == (404, "paid", payments(store)[0][1])
    finally:
        ex.stop()

    # The same in APIv3: the failures are 500 with the JSON FAIL body.
    ex = Example(module, deployment, tmp_path / "v3.sqlite3", cli, fail_first=2)
    try:
        ex.add_order(A.label, "SIM-A-5", 505)
        key = deployment.trusted
        args = ["v3", "pay", "--private-key", str(key.private_key), "--key-id", key.key_id, "--mchid", A.mch_id]
        args += ["--out-trade-no", "SIM-A-5", "--total-fee", "505", "--until-success", "--time-scale", "0.01"]
        report, ok = ex.simulate(args, WECHATPAY_API_V3_KEY=A.v3_key)
        assert ok, report
        assert statuses(report) == [500, 500, 204]
        assert report["attempts"][0]["reply"] == V3_REFUSAL
        store = ex.store()
        assert [(p[2], p[6]) for p in payments(store)] == [("v3", "paid")]
        assert order(store, A, "SIM-A-5") == (505, "paid", payments(store)[0][1])
    finally:
        ex.stop()


def test_the_app_refuses_a_bad_configuration(module: str, deployment: Deployment, tmp_path: Path) -> None:
    def run(profiles: Path, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, f"{module}.py", "127.0.0.1:0"],
            cwd=HERE,
            env=clean_env(WECHATPAY_PROFILES=str(profiles), WECHATPAY_DB=str(tmp_path / "x.sqlite3"), **env),
            capture_output=True,
            text=True,
            timeout=60,
        )

    # The APIv3 key's variable is not set; then set to a key of the wrong length; a missing file;
    # the test-only switch set to something that is not a number.
    for profiles, env, expected in [
        (deployment.profiles, {}, f"${A_V3_KEY_ENV}"),
        (deployment.profiles, {A_V3_KEY_ENV: "too short"}, "invalid_config"),
        (tmp_path / "missing.json", {}, "cannot read"),
        (deployment.profiles, {A_V3_KEY_ENV: A.v3_key, "WECHATPAY_EXAMPLE_FAIL_FIRST": "two"}, "not a number"),
    ]:
        done = run(profiles, **env)
        assert done.returncode == 2, done
        assert "configuration error" in done.stderr and expected in done.stderr, done.stderr
        assert "too short" not in done.stderr and A.v3_key not in done.stderr
