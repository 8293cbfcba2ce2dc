#!/usr/bin/env python3
"""Picks the soak's five cases from the shared vectors and writes them to OUT_DIR.

One round of the soak is, on every surface, exactly these five verifications:

1. ``pay_valid``      the first valid case of tests/vectors/v2_pay.json
2. ``pay_forged``     the first case of v2_pay.json whose error is ``signature_mismatch``
3. ``pay_malformed``  the first case of v2_pay.json whose error is ``malformed_xml``
4. ``refund_valid``   the first valid case of tests/vectors/v2_refund.json
5. ``v3_valid``       the first valid case of tests/vectors/v3_notify.json (headers, body, now)

Each case carries its own group's config (a surface builds one verifier per case, once) and what
every round must observe: ``{"ok": true, "dedupeKey": ...}`` or ``{"ok": false, "error": code}``.
Bodies go to their own files, byte for byte (``body`` as UTF-8, ``bodyHex`` decoded), so no surface
re-encodes them; everything else is in OUT_DIR/cases.json.

Usage: extract.py VECTORS_DIR OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable


def body_bytes(test: dict[str, Any]) -> bytes:
    if "body" in test:
        return str(test["body"]).encode("utf-8")
    return bytes.fromhex(test["bodyHex"])


Case = dict[str, Any]


def first(vectors: Path, file: str, want: Callable[[Case], bool]) -> tuple[Case, Case]:
    doc = json.loads((vectors / file).read_text(encoding="utf-8"))
    for group in doc["testGroups"]:
        for test in group["tests"]:
            if want(test):
                return group, test
    raise SystemExit(f"extract.py: no matching case in {file}")


def valid(test: Case) -> bool:
    return bool(test["result"] == "valid")


def error(code: str) -> Callable[[Case], bool]:
    return lambda test: bool(test["result"] == "invalid" and test["error"] == code)


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: extract.py VECTORS_DIR OUT_DIR")
    vectors, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    picks = [
        ("pay_valid", "pay", "v2_pay.json", valid),
        ("pay_forged", "pay", "v2_pay.json", error("signature_mismatch")),
        ("pay_malformed", "pay", "v2_pay.json", error("malformed_xml")),
        ("refund_valid", "refund", "v2_refund.json", valid),
        ("v3_valid", "v3", "v3_notify.json", valid),
    ]
    cases = []
    for name, kind, file, want in picks:
        group, test = first(vectors, file, want)
        body_file = f"{name}.body"
        (out / body_file).write_bytes(body_bytes(test))
        case: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "source": f"{file} tcId {test['tcId']}",
            "config": group["config"],
            "bodyFile": body_file,
        }
        if kind == "v3":
            names = [h[0].lower() for h in test["headers"]]
            # Python's and .NET's APIs take a mapping: the chosen case must not repeat a name.
            if len(set(names)) != len(names):
                raise SystemExit(f"extract.py: {case['source']} repeats a header name")
            case["headers"] = test["headers"]
            case["now"] = test["now"]
        if test["result"] == "valid":
            case["expect"] = {"ok": True, "dedupeKey": test["expected"]["typed"]["dedupe_key"]}
        else:
            case["expect"] = {"ok": False, "error": test["error"]}
        cases.append(case)
    (out / "cases.json").write_text(json.dumps({"cases": cases}, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    for case in cases:
        print(f"  {case['name']:<14} {case['source']}  expect {json.dumps(case['expect'])}")


if __name__ == "__main__":
    main()
