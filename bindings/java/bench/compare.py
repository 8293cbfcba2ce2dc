"""``make bench-java``: the Java binding against the Rust core on the same notifications, in one run.

WxJava and wechatpay-java (the Java peers) cannot be run here: they are not packaged by Debian, and
Maven Central is not reachable from these machines. So this measures the binding's own cost: the
core's driver (bench/peers/rust, the one make bench-peers times; release + LTO) and the Java driver
(bindings/java/bench/JavaDriver.java: the jar built by scripts/bench-java.sh from the release native
library) answer the bench/peers protocol, and bench/peers/run.py's rounds, timing and tables are
reused unchanged: interleaved rounds of process CPU time, handler-like calls (verify, then read
out_trade_no, transaction_id, the total fee, success, and the fields / the resource), each driver first
checking the values read back and that a forged copy is refused. The Java driver reads the APIv3
resource as plaintext() (the Java binding gives the JSON text; the core's driver parses it into a
serde_json::Value). Stdlib only.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench" / "peers"))
import run as peers  # noqa: E402  (bench/peers/run.py: Driver, build_cases, table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rust-bin", required=True)
    ap.add_argument("--java-cmd", required=True, help="the java command line of JavaDriver, before CASES_JSON v2|v3")
    ap.add_argument("--work", required=True)
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 15)))
    ap.add_argument("--round-ms", type=float, default=float(os.environ.get("ROUND_MS", 150)))
    ap.add_argument("--warm-ms", type=float, default=float(os.environ.get("WARM_MS", 3000)))
    args = ap.parse_args()

    load_start = peers.loadavg()
    t0 = time.monotonic()
    cases = peers.build_cases(args)
    java = args.java_cmd.split("\x1f")
    ds = [
        peers.Driver("core", "v2", True, "Rust", [args.rust_bin, "serve", str(cases), "v2"]),
        peers.Driver("java", "v2", True, "Java", [*java, str(cases), "v2"]),
        peers.Driver("core", "v3", True, "Rust", [args.rust_bin, "serve", str(cases), "v3"]),
        peers.Driver("java", "v3", True, "Java", [*java, str(cases), "v3"]),
    ]
    for d in ds:
        d.start()
    for d in ds:
        d.wait_ready()
        if d.error:
            raise SystemExit(f"{d.key}/{d.case}: {d.error}")
    try:
        for d in ds:  # warm-up: the JIT compiles the binding's paths
            d.run(args.warm_ms)
        for r in range(args.rounds):
            k = r % len(ds)
            for d in ds[k:] + ds[:k]:
                cpu, wall = d.run(args.round_ms)
                d.cpu_us.append(cpu)
                d.wall_us.append(wall)
    finally:
        for d in ds:
            d.stop()
    elapsed = time.monotonic() - t0
    java_version = subprocess.run([java[0], "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    print("## The Java binding against the core (make bench-java)\n")
    print(f"Machine: nproc {len(os.sched_getaffinity(0))}, {peers.cpu_model()}, {platform.system()} {platform.release()}; "
          f"load average {load_start} at start, {peers.loadavg()} at end. {java_version}; "
          f"{subprocess.run(['rustc', '--version'], capture_output=True, text=True).stdout.strip()}.")
    print(f"Method: bench/peers/run.py's: {args.rounds} interleaved rounds of {args.round_ms:g} ms process CPU time per "
          f"driver after {args.warm_ms:g} ms of warm-up; µs of process CPU time per call (the JVM's JIT and GC threads "
          f"included); best / median rounds. Total {elapsed:.0f} s. No Java peer SDK (WxJava, wechatpay-java) can be "
          f"installed here (not in Debian; Maven Central unreachable): the ratio is the binding's overhead over the core.")
    peers.table("v2", "v2 payment notification (bench/payment-notification.xml, 26 fields, MD5): verifyPayment + fields() "
                      "+ outTradeNo() + transactionId() + totalFee() + isSuccess()", ds)
    peers.table("v3", "APIv3 payment notification (the first valid case of tests/vectors/v3_notify.json): verify + "
                      "plaintext() + transaction().outTradeNo() / transactionId() / amountTotal() + isSuccess()", ds)


if __name__ == "__main__":
    main()
