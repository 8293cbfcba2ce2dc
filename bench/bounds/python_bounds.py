"""How close can a dict-based result get to the SPEC §6 Python floor (wechatpy's
parse_payment_result, with handler-like access)? Run by scripts/bench-bounds.sh with the package's
release wheel and the bench-only extension of bench/bounds/python (wechatpay_notify_bounds:
verification with no result object, and verification plus the fields dict alone, with fresh keys
and with keys shared across calls). The notification of every benchmark
(bench/payment-notification.xml); CPU time, best of 9 interleaved rounds."""

from __future__ import annotations

import os
import sys
import time
import timeit
from pathlib import Path

import wechatpay_notify as wn
from wechatpay_notify_bounds import BoundVerifier
from wechatpy.pay import WeChatPay

KEY = "192006250b4c09247ec02edce69f6a2d"
body = (Path(__file__).resolve().parents[1] / "payment-notification.xml").read_bytes()
bound = BoundVerifier(KEY)
verifier = wn.Verifier(KEY, "MD5")
peer = WeChatPay(appid="wx2421b1c4370ec43b", api_key=KEY, mch_id="10000100")


def reads(n):  # type: ignore[no-untyped-def]
    return n.fields, n.out_trade_no, n.transaction_id, n.total_fee, n.is_success


def wechatpy_reads():  # type: ignore[no-untyped-def]
    d = peer.parse_payment_result(body)
    return d, d["out_trade_no"], d["transaction_id"], int(d["total_fee"]), d["result_code"] == "SUCCESS"


# Every side reads the same notification alike.
assert reads(verifier.verify_payment(body))[1:] == wechatpy_reads()[1:]
assert bound.dict_fresh(body) == bound.dict_shared(body) == dict(verifier.verify_payment(body).fields)

cases = {
    "wechatpy parse_payment_result + reads": (wechatpy_reads, 1000),
    "package today + reads": (lambda: reads(verifier.verify_payment(body)), 50000),
    "verification, no result object": (lambda: bound.verify_only(body), 50000),
    "verification + dict, fresh keys": (lambda: bound.dict_fresh(body), 50000),
    "verification + dict, shared keys": (lambda: bound.dict_shared(body), 50000),
}
best: dict[str, float] = {}
for _ in range(9):
    for name, (fn, n) in cases.items():
        us = timeit.Timer(fn, timer=time.process_time).timeit(number=n) / n * 1e6
        best[name] = min(best.get(name, float("inf")), us)
theirs = best["wechatpy parse_payment_result + reads"]
print(f"Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.2f}; payload {len(body)} bytes; "
      f"SPEC §6 budgets: 25x wechatpy = {theirs / 25:.2f} us (handler without fields), "
      f"17x = {theirs / 17:.2f} us (with fields)")
for name, us in best.items():
    print(f"  {name:40} {us:6.2f} us  {theirs / us:5.1f}x")
