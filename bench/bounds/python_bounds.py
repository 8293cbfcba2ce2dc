"""How close can a dict-based result get to the SPEC §6 Python floor (20x wechatpy's
parse_payment_result, with handler-like access)? Run by scripts/bench-bounds.sh against a wheel
built with python.patch, which adds throwaway methods to the native Verifier: verification with no
result object, and verification plus the fields dict alone (fresh keys; keys shared as the package
shares them). Same notification and reads as bindings/python/bench/bench_verify.py; CPU time, best
of 9 interleaved rounds."""

from __future__ import annotations

import os
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python" / "bench"))

import bench_verify  # noqa: E402  (the benchmark's notification)
import wechatpay_notify as wn  # noqa: E402
from wechatpay_notify import _native  # noqa: E402
from wechatpy.pay import WeChatPay  # noqa: E402

body = bench_verify.body()
raw = _native.Verifier(bench_verify.KEY, "MD5")
verifier = wn.Verifier(bench_verify.KEY, "MD5")
peer = WeChatPay(appid="wx2421b1c4370ec43b", api_key=bench_verify.KEY, mch_id="10000100")


def reads(n):  # type: ignore[no-untyped-def]
    return n.fields, n.out_trade_no, n.transaction_id, n.total_fee, n.is_success


def wechatpy_reads():  # type: ignore[no-untyped-def]
    d = peer.parse_payment_result(body)
    return d, d["out_trade_no"], d["transaction_id"], int(d["total_fee"]), d["result_code"] == "SUCCESS"


cases = {
    "wechatpy parse_payment_result + reads": (wechatpy_reads, 1000),
    "package today + reads": (lambda: reads(verifier.verify_payment(body)), 50000),
    "verification, no result object": (lambda: raw.exp_verify_only(body), 50000),
    "verification + dict, fresh keys": (lambda: raw.exp_dict(body), 50000),
    "verification + dict, shared keys": (lambda: raw.exp_dict_shared(body), 50000),
}
best: dict[str, float] = {}
for _ in range(9):
    for name, (fn, n) in cases.items():
        us = timeit.Timer(fn, timer=time.process_time).timeit(number=n) / n * 1e6
        best[name] = min(best.get(name, float("inf")), us)
theirs = best["wechatpy parse_payment_result + reads"]
print(f"Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.2f}; "
      f"20x wechatpy = {theirs / 20:.2f} us per handler call")
for name, us in best.items():
    print(f"  {name:40} {us:6.2f} us  {theirs / us:5.1f}x")
