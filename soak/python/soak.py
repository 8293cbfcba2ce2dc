"""The Python surface of the soak (scripts/soak.sh): ROUNDS rounds of the five cases written by
soak/extract.py (valid payment, forged payment, malformed payment, valid refund, valid APIv3
notification) through the installed ``wechatpay_notify`` package, each verdict checked every
round. Memory is sampled after WARMUP rounds and at the end, each time after ``gc.collect()``:
VmRSS from /proc/self/status and ``sys.getallocatedblocks()``.

Usage: python soak.py CASES_DIR ROUNDS WARMUP
Prints ``RESULT python <verifications> <seconds> <rss_start_kb> <rss_end_kb> python_blocks <start>
<end>`` for scripts/soak.sh to judge; exits 1 on a wrong verdict.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

import wechatpay_notify as wn


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def v2_verifier(cfg: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {"appid": cfg["appid"], "mch_id": cfg["mchId"],
                              "also_accept": tuple(cfg["alsoAccept"])}
    if cfg["maxBodyBytes"] is not None:
        kwargs["max_body_bytes"] = cfg["maxBodyBytes"]
    return wn.Verifier(cfg["apiKey"], cfg["signType"], **kwargs)


def v3_verifier(cfg: dict[str, Any]) -> Any:
    # SPEC §4: V3Verifier(api_v3_key, platform_keys: Mapping[str, str], *, max_clock_skew=300).
    kwargs: dict[str, Any] = {}
    if cfg["maxClockSkew"] is not None:
        kwargs["max_clock_skew"] = cfg["maxClockSkew"]
    if cfg["maxBodyBytes"] is not None:
        kwargs["max_body_bytes"] = cfg["maxBodyBytes"]
    return wn.V3Verifier(cfg["apiV3Key"], dict(cfg["platformKeys"]), **kwargs)


def load(directory: Path) -> list[tuple[str, Callable[[], Any], dict[str, Any]]]:
    """Each case as (name, a call performing one verification, what it must give)."""
    doc = json.loads((directory / "cases.json").read_text(encoding="utf-8"))
    out = []
    for c in doc["cases"]:
        body = (directory / c["bodyFile"]).read_bytes()
        kind = c["kind"]
        if kind == "pay":
            call = v2_verifier(c["config"]).verify_payment
            run = (lambda call, body: lambda: call(body))(call, body)
        elif kind == "refund":
            call = v2_verifier(c["config"]).decrypt_refund
            run = (lambda call, body: lambda: call(body))(call, body)
        elif kind == "v3":
            verify = v3_verifier(c["config"]).verify
            headers = {name: value for name, value in c["headers"]}
            now = c["now"]
            run = (lambda verify, headers, body, now: lambda: verify(headers, body, now=now))(
                verify, headers, body, now)
        else:
            raise ValueError(f"unknown case kind {kind}")
        out.append((c["name"], run, c["expect"]))
    return out


def main() -> int:
    if len(sys.argv) != 4:
        print("usage: soak.py CASES_DIR ROUNDS WARMUP", file=sys.stderr)
        return 2
    cases = load(Path(sys.argv[1]))
    rounds, warmup = int(sys.argv[2]), int(sys.argv[3])
    plan = [(name, run, expect["ok"], expect["dedupeKey"] if expect["ok"] else expect["error"])
            for name, run, expect in cases]
    started = time.perf_counter()
    rss_start = blocks_start = 0
    for round_ in range(rounds):
        if round_ == warmup:
            gc.collect()
            rss_start, blocks_start = rss_kb(), sys.getallocatedblocks()
        for name, run, ok, want in plan:
            try:
                got = run().dedupe_key
            except wn.NotifyError as e:
                if ok or e.code != want:
                    print(f"soak python: round {round_}: {name}: got {e}, want {want}", file=sys.stderr)
                    return 1
            else:
                if not ok or got != want:
                    print(f"soak python: round {round_}: {name}: got dedupe key {got!r}, want {want}",
                          file=sys.stderr)
                    return 1
    seconds = time.perf_counter() - started
    gc.collect()
    rss_end, blocks_end = rss_kb(), sys.getallocatedblocks()
    print(f"RESULT python {rounds * len(plan)} {seconds:.1f} {rss_start} {rss_end} "
          f"python_blocks {blocks_start} {blocks_end}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
