"""Python drivers for ``make bench-peers`` (scripts/bench-peers.sh, bench/peers/run.py).

``py_driver.py CASES_JSON IMPL`` with IMPL one of ``ours-v2`` (wechatpay_notify ``Verifier``),
``wechatpy-v2`` (``WeChatPay.parse_payment_result``), ``ours-v3`` (wechatpay_notify
``V3Verifier``), ``wechatpayv3-v3`` (wechatpayv3 ``WeChatPay.callback``).

Each checks its case first (the genuine notification verifies and reads back the expected values,
the forged one is refused), prints ``ready <label>``, then answers ``run <ms>`` lines with
``<calls> <cpu_ns> <wall_ns>``: handler-like calls (verify, then read what a notify handler reads)
repeated until this process has used ``<ms>`` of CPU time.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

Handler = Callable[[], tuple[Any, ...]]


def ours_v2(c: dict[str, Any]) -> tuple[str, Handler, Callable[[], object]]:
    import wechatpay_notify as wn

    verifier = wn.Verifier(c["api_key"], "MD5")
    body = c["body"].encode()
    forged = c["forged"].encode()

    def handler() -> tuple[Any, ...]:
        n = verifier.verify_payment(body)
        return (n.fields, n.out_trade_no, n.transaction_id, n.total_fee, n.is_success)

    def check() -> None:
        assert len(handler()[0]) == c["expect"]["field_count"]
        try:
            verifier.verify_payment(forged)
        except wn.NotifyError:
            return
        raise AssertionError("the forged notification verified")

    return f"wechatpay_notify {wn.__version__} (Python)", handler, check


def wechatpy_v2(c: dict[str, Any]) -> tuple[str, Handler, Callable[[], object]]:
    from wechatpy.exceptions import InvalidSignatureException
    from wechatpy.pay import WeChatPay

    pay = WeChatPay(appid=c["appid"], api_key=c["api_key"], mch_id=c["mch_id"])
    body = c["body"].encode()
    forged = c["forged"].encode()

    def handler() -> tuple[Any, ...]:
        d = pay.parse_payment_result(body)
        return (d, d["out_trade_no"], d["transaction_id"], d["total_fee"],
                d["return_code"] == "SUCCESS" and d["result_code"] == "SUCCESS")

    def check() -> None:
        try:
            pay.parse_payment_result(forged)
        except InvalidSignatureException:
            return
        raise AssertionError("the forged notification verified")

    return f"wechatpy {version('wechatpy')} parse_payment_result", handler, check


def ours_v3(c: dict[str, Any]) -> tuple[str, Handler, Callable[[], object]]:
    import wechatpay_notify as wn

    verifier = wn.V3Verifier(c["api_v3_key"], {c["serial"]: c["pem"]})
    headers = dict(c["headers"])
    body = c["body"].encode()
    forged = c["forged"].encode()
    now = c["now"]

    def handler() -> tuple[Any, ...]:
        n = verifier.verify(headers, body, now=now)
        t = n.transaction
        assert t is not None
        return (n.resource, t.out_trade_no, t.transaction_id, t.amount_total, n.is_success)

    def check() -> None:
        assert handler()[0]["out_trade_no"] == c["expect"]["out_trade_no"]
        try:
            verifier.verify(headers, forged, now=now)
        except wn.NotifyError:
            return
        raise AssertionError("the forged notification verified")

    return f"wechatpay_notify {wn.__version__} V3Verifier (Python)", handler, check


def wechatpayv3_v3(c: dict[str, Any]) -> tuple[str, Handler, Callable[[], object]]:
    from wechatpayv3 import WeChatPay, WeChatPayType

    pay = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid="1900000100",
        # The merchant's own key signs requests only; callbacks do not use it.
        private_key=open(c["merchant_private_key"], encoding="ascii").read(),
        cert_serial_no="5F00112233445566",
        appid="wxd678efh567hg6787",
        apiv3_key=c["api_v3_key"],
        public_key=c["pem"],
        public_key_id=c["serial"],
    )
    headers = dict(c["headers"])
    body = c["body"].encode()
    forged = c["forged"].encode()

    def handler() -> tuple[Any, ...]:
        d = pay.callback(headers, body)
        r = d["resource"]
        return (r, r["out_trade_no"], r["transaction_id"], r["amount"]["total"],
                r["trade_state"] == "SUCCESS")

    def check() -> None:
        assert pay.callback(headers, forged) is None, "the forged notification verified"

    return f"wechatpayv3 {version('wechatpayv3')} callback", handler, check


IMPLS = {"ours-v2": ("v2", ours_v2), "wechatpy-v2": ("v2", wechatpy_v2),
         "ours-v3": ("v3", ours_v3), "wechatpayv3-v3": ("v3", wechatpayv3_v3)}


def main() -> None:
    cases_path, impl = sys.argv[1], sys.argv[2]
    which, make = IMPLS[impl]
    with open(cases_path, encoding="utf-8") as f:
        case = json.load(f)[which]
    label, handler, check = make(case)
    e = case["expect"]
    want = ((e["out_trade_no"], e["transaction_id"], e["total_fee"], e["is_success"]) if which == "v2"
            else (e["out_trade_no"], e["transaction_id"], e["amount_total"], e["is_success"]))
    got = handler()[1:]
    assert got == want, (got, want)
    check()
    print(f"ready {label}", flush=True)

    process_time_ns, perf_counter_ns = time.process_time_ns, time.perf_counter_ns
    batch = 1  # calls between clock readings, recalibrated after each run to about 1 ms
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        target = int(float(words[1]) * 1e6)
        calls, cpu0, wall0 = 0, process_time_ns(), perf_counter_ns()
        while True:
            for _ in range(batch):
                handler()
            calls += batch
            cpu = process_time_ns() - cpu0
            if cpu >= target:
                break
        wall = perf_counter_ns() - wall0
        batch = max(1, calls * 1_000_000 // cpu)
        print(f"{calls} {cpu} {wall}", flush=True)


if __name__ == "__main__":
    main()
