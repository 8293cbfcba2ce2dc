"""APIv3 smoke test of an installed wechatpay-notify wheel (scripts/test-platforms.sh, on other
platforms' interpreters): verifies the valid notifications of tests/vectors/v3_notify.json's first
group (RSA-SHA256 signature, AES-256-GCM resource) and expects a tampered body to be refused.

    smoke_v3.py VECTORS_DIR     prints "ok v3: N verified, tampered refused (CODE)", exit 0; else exit 1
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import wechatpay_notify as wn


def main() -> int:
    doc = json.loads((Path(sys.argv[1]) / "v3_notify.json").read_text(encoding="utf-8"))
    group = doc["testGroups"][0]
    config = group["config"]
    verifier = wn.V3Verifier(config["apiV3Key"], [tuple(k) for k in config["platformKeys"]])
    verified = 0
    for test in group["tests"]:
        if test["result"] != "valid" or "body" not in test:
            continue
        headers = [tuple(h) for h in test["headers"]]
        n = verifier.verify(headers, test["body"], now=test["now"])
        expected = test["expected"]
        if n.id != expected["id"] or n.plaintext != expected["plaintext"]:
            print(f"tcId {test['tcId']}: {n.id} / {n.plaintext[:60]}")
            return 1
        verified += 1
        last = test
    if verified == 0:
        print("no valid APIv3 vector")
        return 1
    tampered = last["body"].replace('"id":"', '"id":"X', 1)
    try:
        verifier.verify([tuple(h) for h in last["headers"]], tampered, now=last["now"])
    except wn.NotifyError as e:
        print(f"ok v3: {verified} verified, tampered refused ({e.code})")
        return 0
    print("the tampered APIv3 body was accepted")
    return 1


if __name__ == "__main__":
    sys.exit(main())
