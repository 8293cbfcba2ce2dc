#!/usr/bin/env python3
"""Summarises valgrind memcheck logs (``--leak-check=full --show-leak-kinds=all``): what the leak
checker found in total and what is attributable to our module (records whose stack passes through
a file containing PATTERN, e.g. ``_native.abi3.so`` or ``wechatpay-notify.linux-x64-gnu.node``).

``compare``: two logs of the same soak program, a short run and a run ten times longer. Exits 1
when a loss grows with the number of rounds (definitely, indirectly or possibly lost, in total or
attributable to us: a per-round leak makes the long run's figure larger) or when a memory error
(invalid read/write, uninitialised value, bad free) has our module on its stack. One-time
allocations of the runtime or of module initialisation never freed at exit are reported but do
not fail: they do not grow.

``suite``: one log of a test suite. Exits 1 when a memory error has our module on its stack, or
when a definitely or indirectly lost block is attributable to us, except one allocated under a
FRAME given (the module's one-time registration, e.g. ``napi_register_module_v1``).

Usage: valgrind_summary.py compare LABEL PATTERN SHORT_ROUNDS SHORT_LOG LONG_ROUNDS LONG_LOG
       valgrind_summary.py suite LABEL PATTERN LOG [FRAME...]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

RECORD = re.compile(
    r"^([\d,]+) (?:\(([\d,]+) direct, ([\d,]+) indirect\) )?bytes in ([\d,]+) blocks are "
    r"(definitely lost|indirectly lost|possibly lost|still reachable) in loss record")
KINDS = ("definitely lost", "indirectly lost", "possibly lost", "still reachable")


def number(s: str) -> int:
    return int(s.replace(",", ""))


@dataclass
class Summary:
    total: dict[str, list[int]] = field(default_factory=lambda: {k: [0, 0] for k in KINDS})
    ours: dict[str, list[int]] = field(default_factory=lambda: {k: [0, 0] for k in KINDS})
    errors: int = 0
    our_errors: list[str] = field(default_factory=list)
    our_lost: list[str] = field(default_factory=list)  # our definitely/indirectly lost records


def read(path: str, pattern: str) -> Summary:
    s = Summary()
    block: list[str] = []
    lines = [re.sub(r"^==\d+== ?", "", line.rstrip("\n")) for line in open(path, encoding="utf-8",
                                                                          errors="replace")]
    for line in lines + [""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            head, text = block[0], "\n".join(block)
            m = RECORD.match(head)
            if m:
                kind = m.group(5)
                # "N (D direct, I indirect) bytes": N counts both; the direct part is this record's.
                size = number(m.group(2)) if m.group(2) else number(m.group(1))
                s.total[kind][0] += size
                s.total[kind][1] += number(m.group(4))
                if pattern in text:
                    s.ours[kind][0] += size
                    s.ours[kind][1] += number(m.group(4))
                    if kind in KINDS[:2]:
                        s.our_lost.append(text)
            elif re.search(r"^\s+at 0x", text, re.M) and not head.startswith(("HEAP", "LEAK")):
                s.errors += 1
                if pattern in text:
                    s.our_errors.append(text)
            block = []
    return s


def show(s: Summary) -> str:
    return "; ".join(f"{k} {s.total[k][0]} B in {s.total[k][1]} blocks (ours {s.ours[k][0]} B in "
                     f"{s.ours[k][1]})" for k in KINDS) + (
        f"; memory error contexts {s.errors} (ours {len(s.our_errors)})")


def compare(label: str, pattern: str, args: list[str]) -> list[str]:
    runs = [(args[0], read(args[1], pattern)), (args[2], read(args[3], pattern))]
    for rounds, s in runs:
        print(f"LEAKCHECK {label} {rounds} rounds: {show(s)}")
    (_, short), (_, long) = runs
    problems = []
    for kind in KINDS[:3]:
        if long.total[kind][0] > short.total[kind][0]:
            problems.append(f"{kind} grows with the rounds: {short.total[kind][0]} -> {long.total[kind][0]} B")
        if long.ours[kind][0] > short.ours[kind][0]:
            problems.append(f"{kind} (ours) grows with the rounds: {short.ours[kind][0]} -> {long.ours[kind][0]} B")
    for _, s in runs:
        problems += ["memory error with our module on the stack:\n" + t for t in s.our_errors]
    return problems


def suite(label: str, pattern: str, log: str, frames: list[str]) -> list[str]:
    s = read(log, pattern)
    print(f"LEAKCHECK {label}: {show(s)}")
    problems = ["memory error with our module on the stack:\n" + t for t in s.our_errors]
    allowed = [t for t in s.our_lost if any(f in t for f in frames)]
    if allowed:
        print(f"LEAKCHECK {label}: {len(allowed)} of our lost records are one-time registration "
              f"({', '.join(frames)}), allowed")
    problems += ["lost, attributable to us:\n" + t for t in s.our_lost if t not in allowed]
    return problems


def main() -> int:
    args = sys.argv[1:]
    if len(args) == 7 and args[0] == "compare":
        problems = compare(args[1], args[2], args[3:])
        ok = "OK (no loss grows with the rounds)"
    elif len(args) >= 4 and args[0] == "suite":
        problems = suite(args[1], args[2], args[3], args[4:])
        ok = "OK (no loss of ours but one-time registration, no memory error of ours)"
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(f"LEAKCHECK {args[1]}: {p}", file=sys.stderr)
    print(f"LEAKCHECK {args[1]}: {'FAILED' if problems else ok}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
