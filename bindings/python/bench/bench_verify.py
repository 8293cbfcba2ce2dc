"""wechatpay_notify.Verifier.verify_payment vs wechatpy's WeChatPay.parse_payment_result, on the same
~1 KB, 25-field MD5-signed payment notification, in one process (run by scripts/bench-python.sh).
The two are timed in alternating rounds (best round of each) so a busy machine skews both alike."""

from __future__ import annotations

import platform
import timeit
from collections.abc import Callable

import wechatpay_notify as wn
from wechatpy.pay import WeChatPay

KEY = "192006250b4c09247ec02edce69f6a2d"
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


def interleaved_best(
    a: Callable[[], object], n_a: int, b: Callable[[], object], n_b: int, rounds: int
) -> tuple[float, float]:
    """Best µs/op of each, timing them alternately so both see the same machine load."""
    best_a = best_b = float("inf")
    for _ in range(rounds):
        best_a = min(best_a, timeit.timeit(a, number=n_a) / n_a * 1e6)
        best_b = min(best_b, timeit.timeit(b, number=n_b) / n_b * 1e6)
    return best_a, best_b


def main() -> None:
    payload = body()
    ours = wn.Verifier(KEY, "MD5")
    theirs = WeChatPay(appid="wx2421b1c4370ec43b", api_key=KEY, mch_id="10000100")

    # Same payload, same verdict, same values.
    a = ours.verify_payment(payload)
    b = theirs.parse_payment_result(payload)
    assert a.total_fee == b["total_fee"] == 101 and a.transaction_id == b["transaction_id"]
    forged = payload.replace(b"[101]", b"[1]")
    try:
        ours.verify_payment(forged)
        raise SystemExit("forged payload verified")
    except wn.NotifyError:
        pass

    n_ours, n_theirs, rounds = 100_000, 2_000, 10
    t_ours, t_theirs = interleaved_best(
        lambda: ours.verify_payment(payload),
        n_ours,
        lambda: theirs.parse_payment_result(payload),
        n_theirs,
        rounds,
    )
    print(f"payload: {len(payload)} bytes, {len(FIELDS) + 1} fields (MD5); "
          f"Python {platform.python_version()} on {platform.machine()}")
    print(f"wechatpay_notify {wn.__version__} Verifier.verify_payment: {t_ours:8.2f} us/op  "
          f"(best of {rounds} x {n_ours})")
    print(f"wechatpy WeChatPay.parse_payment_result:      {t_theirs:8.2f} us/op  "
          f"(best of {rounds} x {n_theirs})")
    ratio = t_theirs / t_ours
    print(f"ratio: {ratio:.1f}x faster (target >= 25x): {'MET' if ratio >= 25 else 'NOT MET'}")


if __name__ == "__main__":
    main()
