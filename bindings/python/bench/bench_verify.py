"""wechatpay_notify vs the peers on the same notifications, in one process (run by
scripts/bench-python.sh): v2 against wechatpy on the notification of every benchmark
(bench/payment-notification.xml: Chinese text with full-width punctuation in ``attach``, two coupons,
26 fields, MD5), APIv3 against wechatpayv3 on a payment notification of the shared vectors.

The figures of SPEC §6, each against wechatpy's ``WeChatPay.parse_payment_result`` (which hands back
a full dict) followed by the same reads from that dict:

- a typical handler: verify the body, then read ``out_trade_no``, ``transaction_id``,
  ``total_fee``, ``is_success``, ``dedupe_key`` (floor 25x);
- the same handler reading ``fields`` as well (floor 17x).

Verification alone is printed too. The two libraries are timed in
alternating rounds, in CPU time of this (single-threaded) process, so that other processes on a
busy machine skew neither side; the ratio is taken from the best round of each, medians alongside.

APIv3: ``V3Verifier.verify`` against wechatpayv3's ``WeChatPay.callback`` (RSA-SHA256 verify of the
signed message, AES-256-GCM decrypt, JSON parse of the body and of the resource), on tcId 1 of
tests/vectors/v3_notify.json (public key mode), verification alone and followed by what a handler
reads (the resource dict, out_trade_no, amount total, success). wechatpayv3 checks no timestamp
window; ours runs at the vector's ``now``. Floor: verification alone at least 1.5x wechatpayv3's
callback; the handler ratio is reported."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import wechatpay_notify as wn
from wechatpay_notify import V3Verifier
from wechatpayv3 import WeChatPay as WeChatPayV3
from wechatpayv3 import WeChatPayType
from wechatpy.pay import WeChatPay

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors"

KEY = "192006250b4c09247ec02edce69f6a2d"
# SPEC §6 floors against wechatpy's parse_payment_result: a typical handler, and one reading fields too.
TYPICAL_FLOOR = 25.0
FIELDS_FLOOR = 17.0
# SPEC §6 floor against wechatpayv3's callback: V3Verifier.verify on the same APIv3 notification.
V3_FLOOR = 1.5
# The notification of every benchmark (Rust, Python, Node, peers), signed MD5 under KEY.
PAYLOAD = Path(__file__).resolve().parents[3] / "bench" / "payment-notification.xml"
FIELD_COUNT = 26


def body() -> bytes:
    return PAYLOAD.read_bytes()


def interleaved(
    a: Callable[[], object], n_a: int, b: Callable[[], object], n_b: int, rounds: int
) -> tuple[list[float], list[float]]:
    """CPU µs/op of each round of each, timed alternately so both see the same machine state."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(rounds):
        ta.append(timeit.Timer(a, timer=time.process_time).timeit(number=n_a) / n_a * 1e6)
        tb.append(timeit.Timer(b, timer=time.process_time).timeit(number=n_b) / n_b * 1e6)
    return ta, tb


def report(
    label: str, ours_name: str, theirs_name: str, mine: Callable[[], object], peer: Callable[[], object],
    n_ours: int, n_theirs: int, rounds: int,
) -> float:
    """Times both, prints the figures, returns the best-round ratio (theirs / ours)."""
    t_ours, t_theirs = interleaved(mine, n_ours, peer, n_theirs, rounds)
    best = min(t_theirs) / min(t_ours)
    median = statistics.median(t_theirs) / statistics.median(t_ours)
    print(f"{label}:")
    print(f"  {ours_name}: best {min(t_ours):7.2f} us/op, median {statistics.median(t_ours):7.2f}  "
          f"({rounds} rounds x {n_ours})")
    print(f"  {theirs_name}: best {min(t_theirs):7.2f} us/op, median {statistics.median(t_theirs):7.2f}  "
          f"({rounds} rounds x {n_theirs})")
    print(f"  ratio: {best:.2f}x (best rounds), {median:.2f}x (medians)")
    return best


def verdict(ratio: float, floor: float, digits: int = 1) -> str:
    return f"{ratio:.{digits}f}x (floor >= {floor:g}x: {'MET' if ratio >= floor else 'NOT MET'})"


def v3_bench() -> None:
    data = json.loads((VECTORS / "v3_notify.json").read_text(encoding="utf-8"))
    group = data["testGroups"][0]
    case = next(t for t in group["tests"] if t["tcId"] == 1)
    assert case["result"] == "valid" and "PUB_KEY_ID" in dict(case["headers"])["Wechatpay-Serial"]
    headers: dict[str, str] = dict(case["headers"])
    payload: bytes = case["body"].encode()
    now: int = case["now"]
    api_v3_key: str = group["config"]["apiV3Key"]
    serial = headers["Wechatpay-Serial"]
    pem = dict(group["config"]["platformKeys"])[serial]
    ours = V3Verifier(api_v3_key, {serial: pem})
    theirs = WeChatPayV3(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid="1900000100",
        # The merchant's own key signs requests only; callbacks do not use it.
        private_key=(VECTORS / "keys" / "pubkey-b-private.pem").read_text(),
        cert_serial_no="5F00112233445566",
        appid="wxd678efh567hg6787",
        apiv3_key=api_v3_key,
        public_key=pem,
        public_key_id=serial,
    )

    def ours_handler() -> tuple[object, ...]:
        n = ours.verify(headers, payload, now=now)
        t = n.transaction
        assert t is not None
        return (n.resource, t.out_trade_no, t.amount_total, n.is_success)

    def theirs_handler() -> tuple[object, ...]:
        d: dict[str, Any] = theirs.callback(headers, payload)
        r = d["resource"]
        return (r, r["out_trade_no"], r["amount"]["total"], r["trade_state"] == "SUCCESS")

    # Same payload, same verdict, same values.
    a, b = ours_handler(), theirs_handler()
    assert a == b and a[1:] == ("20261118ORDER0001", 999, True), (a, b)
    forged = payload.replace(b'"id":"', b'"id":"X', 1)
    assert theirs.callback(headers, forged) is None
    try:
        ours.verify(headers, forged, now=now)
        raise SystemExit("forged APIv3 payload verified")
    except wn.NotifyError:
        pass

    print(f"APIv3 payload: {len(payload)} bytes (RSA-2048 public key mode, AES-256-GCM resource of "
          f"{len(case['expected']['plaintext'])} bytes)")
    n, rounds = 5_000, 11
    ratio = report("APIv3 verify only", f"wechatpay_notify V3Verifier.verify", "wechatpayv3 callback",
                   lambda: ours.verify(headers, payload, now=now), lambda: theirs.callback(headers, payload),
                   n, n, rounds)
    report("APIv3 verify + handler reads (resource, out_trade_no, amount total, success)",
           "wechatpay_notify", "wechatpayv3 callback + dict reads", ours_handler, theirs_handler, n, n, rounds)
    print(f"APIv3 ratio: V3Verifier.verify {verdict(ratio, V3_FLOOR, 2)} against wechatpayv3's callback (best rounds)")


def main() -> None:
    payload = body()
    ours = wn.Verifier(KEY, "MD5")
    theirs = WeChatPay(appid="wx2421b1c4370ec43b", api_key=KEY, mch_id="10000100")

    def ours_typical() -> tuple[object, ...]:
        n = ours.verify_payment(payload)
        return (n.out_trade_no, n.transaction_id, n.total_fee, n.is_success, n.dedupe_key)

    # wechatpy's dict, read alike; its idempotency key made by the same rule (the transaction id of
    # a success, else transaction_id:RESULT_CODE).
    def reads(d: dict[str, Any]) -> tuple[object, ...]:
        ok = d["return_code"] == "SUCCESS" and d["result_code"] == "SUCCESS"
        key = d["transaction_id"] if ok else f"{d['transaction_id']}:{d['result_code']}"
        return (d["out_trade_no"], d["transaction_id"], d["total_fee"], ok, key)

    def theirs_typical() -> tuple[object, ...]:
        return reads(theirs.parse_payment_result(payload))

    def ours_with_fields() -> tuple[object, ...]:
        n = ours.verify_payment(payload)
        return (n.fields, n.out_trade_no, n.transaction_id, n.total_fee, n.is_success, n.dedupe_key)

    def theirs_with_fields() -> tuple[object, ...]:
        d = theirs.parse_payment_result(payload)
        return (d, *reads(d))

    # Same payload, same verdict, same values.
    want = ("20261127131540000001", "4200001234202611271234567890", 4480, True, "4200001234202611271234567890")
    assert ours_typical() == theirs_typical() == want, (ours_typical(), theirs_typical())
    a, b = ours_with_fields(), theirs_with_fields()
    assert a[1:] == b[1:] == want, (a, b)
    assert isinstance(a[0], dict) and len(a[0]) == FIELD_COUNT
    forged = payload.replace(b"<total_fee><![CDATA[4480]]>", b"<total_fee><![CDATA[1]]>")
    assert forged != payload
    try:
        ours.verify_payment(forged)
        raise SystemExit("forged payload verified")
    except wn.NotifyError:
        pass

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"payload: bench/payment-notification.xml, {len(payload)} bytes, {FIELD_COUNT} fields (MD5); "
          f"Python {platform.python_version()} on {platform.machine()}, load average {load}")
    n_ours, n_theirs, rounds = 100_000, 2_000, 11
    typical = report(
        "typical handler: verify + out_trade_no, transaction_id, total_fee, is_success, dedupe_key",
        f"wechatpay_notify {wn.__version__}", "wechatpy parse_payment_result + the same reads",
        ours_typical, theirs_typical, n_ours, n_theirs, rounds,
    )
    with_fields = report(
        "the same handler reading fields too",
        f"wechatpay_notify {wn.__version__}", "wechatpy parse_payment_result + the same reads",
        ours_with_fields, theirs_with_fields, n_ours, n_theirs, rounds,
    )
    report("verify only", f"wechatpay_notify {wn.__version__}", "wechatpy parse_payment_result",
           lambda: ours.verify_payment(payload), lambda: theirs.parse_payment_result(payload),
           n_ours, n_theirs, rounds)

    print(f"ratios: typical handler {verdict(typical, TYPICAL_FLOOR)}; "
          f"with fields {verdict(with_fields, FIELDS_FLOOR)}")
    print()
    v3_bench()


if __name__ == "__main__":
    main()
