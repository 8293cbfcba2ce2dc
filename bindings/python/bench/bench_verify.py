"""wechatpay_notify vs wechatpy on the same ~1 KB, 25-field MD5-signed payment notification, in one
process (run by scripts/bench-python.sh).

The headline figure is handler-like access (SPEC §6): verify the body, then read what a notify
handler reads -- ``fields``, ``out_trade_no``, ``transaction_id``, ``total_fee``, ``is_success`` --
against wechatpy's ``WeChatPay.parse_payment_result`` (which hands back a full dict) followed by the
same reads from that dict. Verification alone is printed too. The two libraries are timed in
alternating rounds, in CPU time of this (single-threaded) process, so that other processes on a
busy machine skew neither side; the ratio is taken from the best round of each, medians alongside."""

from __future__ import annotations

import platform
import statistics
import time
import timeit
from collections.abc import Callable

import wechatpay_notify as wn
from wechatpy.pay import WeChatPay

KEY = "192006250b4c09247ec02edce69f6a2d"
FLOOR = 20.0  # SPEC §6: handler-like access at least 20x wechatpy's parse_payment_result
FIELDS = [
    ("appid", "wx2421b1c4370ec43b"),
    # No leading/trailing spaces: xmltodict (under wechatpy) strips them and then rejects the
    # genuine signature.
    ("attach", "order note: 2 x green tea, 1 x jasmine; deliver to gate B"),
    ("bank_type", "CMC"),
    ("cash_fee", "90"),
    ("cash_fee_type", "CNY"),
    ("coupon_count", "1"),
    ("coupon_fee", "11"),
    ("coupon_fee_0", "11"),
    ("coupon_id_0", "10000"),
    ("coupon_type_0", "CASH"),
    ("device_info", "013467007045764"),
    ("fee_type", "CNY"),
    ("is_subscribe", "Y"),
    ("mch_id", "10000100"),
    ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
    ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
    ("out_trade_no", "20261127131540000001"),
    ("result_code", "SUCCESS"),
    ("return_code", "SUCCESS"),
    ("settlement_total_fee", "101"),
    ("sub_mch_id", "1900000109"),
    ("time_end", "20261127131540"),
    ("total_fee", "101"),
    ("trade_type", "JSAPI"),
    ("transaction_id", "4200001234202611271234567890"),
]


def body() -> bytes:
    sig = wn.sign(FIELDS, KEY, "MD5")
    parts = [f"<{k}><![CDATA[{v}]]></{k}>" for k, v in [*FIELDS, ("sign", sig)]]
    return ("<xml>" + "".join(parts) + "</xml>").encode()


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


def main() -> None:
    payload = body()
    ours = wn.Verifier(KEY, "MD5")
    theirs = WeChatPay(appid="wx2421b1c4370ec43b", api_key=KEY, mch_id="10000100")

    def ours_handler() -> tuple[object, ...]:
        n = ours.verify_payment(payload)
        return (n.fields, n.out_trade_no, n.transaction_id, n.total_fee, n.is_success)

    def theirs_handler() -> tuple[object, ...]:
        d = theirs.parse_payment_result(payload)
        return (d, d["out_trade_no"], d["transaction_id"], d["total_fee"], d["result_code"] == "SUCCESS")

    # Same payload, same verdict, same values.
    a, b = ours_handler(), theirs_handler()
    assert a[1:] == b[1:] == ("20261127131540000001", "4200001234202611271234567890", 101, True), (a, b)
    assert isinstance(a[0], dict) and len(a[0]) == len(FIELDS) + 1
    forged = payload.replace(b"[101]", b"[1]")
    try:
        ours.verify_payment(forged)
        raise SystemExit("forged payload verified")
    except wn.NotifyError:
        pass

    print(f"payload: {len(payload)} bytes, {len(FIELDS) + 1} fields (MD5); "
          f"Python {platform.python_version()} on {platform.machine()}")
    n_ours, n_theirs, rounds = 100_000, 2_000, 11
    ratio = 0.0
    for label, mine, peer in (
        ("verify + handler reads (fields, out_trade_no, transaction_id, total_fee, is_success)",
         ours_handler, theirs_handler),
        ("verify only", lambda: ours.verify_payment(payload), lambda: theirs.parse_payment_result(payload)),
    ):
        t_ours, t_theirs = interleaved(mine, n_ours, peer, n_theirs, rounds)
        best = min(t_theirs) / min(t_ours)
        median = statistics.median(t_theirs) / statistics.median(t_ours)
        print(f"{label}:")
        print(f"  wechatpay_notify {wn.__version__}: best {min(t_ours):7.2f} us/op, "
              f"median {statistics.median(t_ours):7.2f}  ({rounds} rounds x {n_ours})")
        print(f"  wechatpy parse_payment_result: best {min(t_theirs):7.2f} us/op, "
              f"median {statistics.median(t_theirs):7.2f}  ({rounds} rounds x {n_theirs})")
        print(f"  ratio: {best:.1f}x (best rounds), {median:.1f}x (medians)")
        if not ratio:
            ratio = best
    print(f"handler-like ratio {ratio:.1f}x (floor >= {FLOOR:.0f}x): {'MET' if ratio >= FLOOR else 'NOT MET'}")


if __name__ == "__main__":
    main()
