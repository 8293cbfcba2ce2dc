"""``make bench-peers``: the same notifications through our core, our Python and Node packages and
the peers, in one run, with ratios (driven by scripts/bench-peers.sh, which builds and installs
everything this needs; the peers live in bench-work/, never in the project's dependencies).

Cases: the v2 payment notification of every benchmark, bench/payment-notification.xml (Chinese text
with full-width punctuation in ``attach``, two coupons, 26 fields, MD5 under
examples/notifications/api_key.txt) and the first valid APIv3 case of tests/vectors/v3_notify.json (RSA-2048 public key
mode, AES-256-GCM resource). Every implementation runs in its own long-lived driver process
(bench/peers/rust, py_driver.py, node_driver.js) that first checks it accepts the genuine
notification with the expected values and refuses a forged one. Then all drivers are timed in
interleaved rounds, one at a time (the others wait on their stdin), the order rotated each round:
each round is ``--round-ms`` of the driver's own process CPU time of handler-like calls (verify,
then read out_trade_no, transaction_id, total fee, success, and the fields / resource object).
Reported: µs per call of the best round and the median round, and ratios (best/best, median/median).
Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@dataclass
class Driver:
    key: str  # short name, e.g. "core"
    case: str  # "v2" or "v3"
    ours: bool
    lang: str
    argv: list[str]
    label: str = ""
    proc: subprocess.Popen[str] | None = None
    error: str | None = None
    cpu_us: list[float] = field(default_factory=list)  # per-call CPU µs of each round
    wall_us: list[float] = field(default_factory=list)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=ROOT)

    def wait_ready(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.startswith("ready "):
            self.label = line[6:].strip()
        else:
            self.stop()
            assert self.proc.stderr is not None
            err = [e.strip() for e in (line + self.proc.stderr.read()).strip().splitlines()]
            # The error itself, not its stack trace.
            err = [e for e in err if e and not e.startswith(("at ", "File ", "Traceback"))]
            self.error = " | ".join(err[:3]) or f"exited with {self.proc.returncode}"

    def run(self, ms: float) -> tuple[float, float]:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"run {ms}\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().split()
        if len(reply) != 3:
            assert self.proc.stderr is not None
            self.stop()
            raise SystemExit(f"{self.key}/{self.case}: driver failed: {self.proc.stderr.read()}")
        calls, cpu_ns, wall_ns = (int(w) for w in reply)
        return cpu_ns / calls / 1e3, wall_ns / calls / 1e3

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def best(self) -> float:
        return min(self.cpu_us)

    @property
    def median(self) -> float:
        return statistics.median(self.cpu_us)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


# What every implementation must read back from bench/payment-notification.xml.
PAYMENT_EXPECT = {
    "out_trade_no": "20261127131540000001",
    "transaction_id": "4200001234202611271234567890",
    "total_fee": 4480,
    "is_success": True,
    "field_count": 26,
}


def build_cases(args: argparse.Namespace) -> Path:
    key_file = ROOT / "examples" / "notifications" / "api_key.txt"
    body = (ROOT / "bench" / "payment-notification.xml").read_text(encoding="utf-8")
    genuine_fee = f"<total_fee><![CDATA[{PAYMENT_EXPECT['total_fee']}]]></total_fee>"
    assert body.count(genuine_fee) == 1
    v2 = {
        "api_key": key_file.read_text(encoding="ascii").strip(),
        "appid": "wx2421b1c4370ec43b",
        "mch_id": "10000100",
        "body": body,
        "forged": body.replace(genuine_fee, "<total_fee><![CDATA[1]]></total_fee>"),
        "expect": PAYMENT_EXPECT,
    }

    vectors = json.loads((ROOT / "tests" / "vectors" / "v3_notify.json").read_text(encoding="utf-8"))
    group = vectors["testGroups"][0]
    t = next(t for t in group["tests"] if t["result"] == "valid")
    headers = dict(t["headers"])
    serial = headers["Wechatpay-Serial"]
    typed = t["expected"]["typed"]["transaction"]
    v3 = {
        "tcId": t["tcId"],
        "api_v3_key": group["config"]["apiV3Key"],
        "serial": serial,
        "pem": dict(group["config"]["platformKeys"])[serial],
        "headers": t["headers"],
        "body": t["body"],
        # Any change to the signed body must be refused.
        "forged": t["body"].replace('"id":"', '"id":"X', 1),
        "now": t["now"],
        "expect": {
            "out_trade_no": typed["out_trade_no"],
            "transaction_id": typed["transaction_id"],
            "amount_total": typed["amount_total"],
            "is_success": t["expected"]["typed"]["is_success"],
        },
        # wechatpayv3 wants the merchant's own key (it signs requests only; callbacks do not use it).
        "merchant_private_key": str(ROOT / "tests" / "vectors" / "keys" / "pubkey-b-private.pem"),
    }
    assert v3["forged"] != v3["body"]
    out = Path(args.work) / "cases.json"
    out.write_text(json.dumps({"v2": v2, "v3": v3}, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def drivers(args: argparse.Namespace, cases: Path) -> list[Driver]:
    rust = [args.rust_bin, "serve", str(cases)]
    py = [args.python, str(HERE / "py_driver.py"), str(cases)]
    node = [args.node, str(HERE / "node_driver.js"), str(cases)]
    nm = str(Path(args.node_modules).resolve())
    return [
        Driver("core", "v2", True, "Rust", [*rust, "v2"]),
        Driver("python", "v2", True, "Python", [*py, "ours-v2"]),
        Driver("node", "v2", True, "Node", [*node, "ours-v2", nm]),
        Driver("wechatpy", "v2", False, "Python", [*py, "wechatpy-v2"]),
        Driver("axios-plugin", "v2", False, "Node", [*node, "plugin-v2", nm]),
        Driver("tenpay", "v2", False, "Node", [*node, "tenpay-v2", nm]),
        Driver("core", "v3", True, "Rust", [*rust, "v3"]),
        Driver("python", "v3", True, "Python", [*py, "ours-v3"]),
        Driver("node", "v3", True, "Node", [*node, "ours-v3", nm]),
        Driver("wechatpayv3", "v3", False, "Python", [*py, "wechatpayv3-v3"]),
        Driver("axios-plugin", "v3", False, "Node", [*node, "plugin-v3", nm]),
    ]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if a / b >= 10 else f"{a / b:.2f}x"


def table(case: str, title: str, ds: list[Driver]) -> None:
    ok = [d for d in ds if d.case == case and d.error is None]
    core = next((d for d in ok if d.key == "core"), None)
    ours = [d for d in ok if d.ours]
    peers = [d for d in ok if not d.ours]
    print(f"\n### {title}\n")
    print("| implementation | language | best µs/call | median µs/call | vs our core (best / median) |")
    print("|---|---|--:|--:|--:|")
    for d in sorted(ok, key=lambda d: d.best):
        vs = f"{ratio(d.best, core.best)} / {ratio(d.median, core.median)}" if core else "n/a"
        name = f"**{d.label}**" if d.ours else d.label
        print(f"| {name} | {d.lang} | {d.best:.2f} | {d.median:.2f} | {vs} |")
    for d in ds:
        if d.case == case and d.error is not None:
            print(f"| {d.key}: not timed ({d.error}) | {d.lang} | | | |")
    if ours and peers:
        print(f"\nPeer time / our time (best rounds; medians in brackets), {title}:\n")
        print("| peer | " + " | ".join(f"our {d.key} ({d.lang})" for d in ours) + " |")
        print("|---|" + "--:|" * len(ours))
        for p in peers:
            cells = [f"{ratio(p.best, d.best)} ({ratio(p.median, d.median)})"
                     + (" ←same language" if d.lang == p.lang else "") for d in ours]
            print(f"| {p.key} ({p.lang}) | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rust-bin", required=True)
    ap.add_argument("--python", required=True, help="a Python with wechatpay_notify, wechatpy, wechatpayv3")
    ap.add_argument("--node", default="node")
    ap.add_argument("--node-modules", required=True, help="node_modules with wechatpay-axios-plugin and tenpay")
    ap.add_argument("--work", required=True, help="scratch directory (cases.json, results.json)")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 15)))
    ap.add_argument("--round-ms", type=float, default=float(os.environ.get("ROUND_MS", 150)))
    ap.add_argument("--warm-ms", type=float, default=float(os.environ.get("WARM_MS", 600)))
    args = ap.parse_args()

    load_start = loadavg()
    t0 = time.monotonic()
    cases = build_cases(args)
    ds = drivers(args, cases)
    for d in ds:
        d.start()
    for d in ds:
        d.wait_ready()
        if d.error:
            print(f"warning: {d.key}/{d.case} not timed: {d.error}", file=sys.stderr)
    live = [d for d in ds if d.error is None]
    try:
        for d in live:  # warm-up (JIT, caches, batch calibration)
            d.run(args.warm_ms)
        for r in range(args.rounds):
            k = r % len(live)
            for d in live[k:] + live[:k]:
                cpu, wall = d.run(args.round_ms)
                d.cpu_us.append(cpu)
                d.wall_us.append(wall)
    finally:
        for d in ds:
            d.stop()
    load_end = loadavg()
    elapsed = time.monotonic() - t0

    v3case = json.loads(cases.read_text(encoding="utf-8"))["v3"]
    v2body = json.loads(cases.read_text(encoding="utf-8"))["v2"]["body"].encode()
    print("## Peer benchmark (make bench-peers)\n")
    print(f"Machine: nproc {len(os.sched_getaffinity(0))}, {cpu_model()}, "
          f"{platform.system()} {platform.release()}; load average {load_start} at start, {load_end} at end. "
          f"Python {platform.python_version()}, {subprocess.run([args.node, '--version'], capture_output=True, text=True).stdout.strip()} (Node), "
          f"{subprocess.run(['rustc', '--version'], capture_output=True, text=True).stdout.strip()}.")
    print(f"Method: {args.rounds} interleaved rounds of {args.round_ms:g} ms process CPU time per implementation "
          f"(order rotated each round) after {args.warm_ms:g} ms of warm-up; µs of process CPU time per call; "
          f"ratios of best rounds / of median rounds. Total {elapsed:.0f} s.")
    print(f"Each call: verify, then read out_trade_no, transaction_id, total fee and success "
          f"(and the fields / resource object); each driver first checks the values read back "
          f"and that a forged copy is refused.")
    table("v2", f"v2 payment notification ({len(v2body)} bytes, 26 fields, MD5; bench/payment-notification.xml)", ds)
    table("v3", f"APIv3 payment notification ({len(v3case['body'].encode())} bytes, tcId {v3case['tcId']} of "
                f"tests/vectors/v3_notify.json; RSA-2048 public key mode + AES-256-GCM)", ds)
    print("\nNotes: wechatpayv3 checks no timestamp window (ours does, at the vector's time; the "
          "axios-plugin recipe checks it as its response verifier does). tenpay's parse is async "
          "(xml2js callback wrapped in a Promise) and is timed awaited, as its middleware runs it; it "
          "has no APIv3 support. wechatpy has no APIv3 support.")

    results = {
        "machine": {"cpus": os.cpu_count(), "model": cpu_model(), "load_start": load_start, "load_end": load_end},
        "rounds": args.rounds, "round_ms": args.round_ms,
        "drivers": [{"key": d.key, "case": d.case, "lang": d.lang, "label": d.label, "error": d.error,
                     "cpu_us": d.cpu_us, "wall_us": d.wall_us} for d in ds],
    }
    (Path(args.work) / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
