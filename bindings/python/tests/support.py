"""Helpers shared by the test modules: repository paths, the shared vectors, building bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import wechatpay_notify as wn

REPO_ROOT = Path(__file__).resolve().parents[3]
VECTORS = REPO_ROOT / "tests" / "vectors"
# The core's declaration of each result type's typed properties (written by `cargo run -p xtask --
# vectors`): {"schema": ..., "views": {"payment": [{"name": ..., "kind": ...}, ...], ...}}.
TYPED_VIEWS_FILE = "typed_views.json"

# What the core and the shared vectors have that the Python binding does not bind yet, with the
# reason. Each entry is reported by a test as skipped (with this reason, never silently), and that
# test fails once the binding grows the missing class, so the entry cannot outlive the gap.
PENDING_V3 = "APIv3 (issue 10) is not bound in Python yet: wechatpay_notify has no V3Verifier"
PENDING_ENDPOINT = "the multi-merchant endpoint (issue 11) is not bound in Python yet: no Endpoint"
PENDING_FILES = {"v3_notify.json": ("V3Verifier", PENDING_V3), "endpoint.json": ("Endpoint", PENDING_ENDPOINT)}
PENDING_VIEWS = {"v3_transaction": ("V3Verifier", PENDING_V3), "v3_refund": ("V3Verifier", PENDING_V3)}
KEY = "192006250b4c09247ec02edce69f6a2d"

Pairs = list[tuple[str, str]]


def load_vectors(name: str) -> dict[str, Any]:
    """One shared vector file, loaded by path relative to the repository root (never copied)."""
    path = VECTORS / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def body_of(case: dict[str, Any]) -> bytes:
    """A case's body, byte for byte (``body`` is UTF-8 text, ``bodyHex`` raw bytes)."""
    if "bodyHex" in case:
        return bytes.fromhex(case["bodyHex"])
    body: str = case["body"]
    return body.encode("utf-8")


def pairs_of(raw: list[list[str]]) -> Pairs:
    return [(k, v) for k, v in raw]


def xml_body(pairs: Pairs) -> bytes:
    """A flat ``<xml>`` document with each value as escaped text (\\r as a character reference)."""
    parts = ["<xml>"]
    for name, value in pairs:
        text = escape(value).replace("\r", "&#13;")
        parts.append(f"<{name}>{text}</{name}>")
    parts.append("</xml>")
    return "".join(parts).encode("utf-8")


def signed_body(pairs: Pairs, key: str = KEY, sign_type: str = "MD5") -> bytes:
    """``pairs`` plus their signature, as a notification body."""
    return xml_body([*pairs, ("sign", wn.sign(pairs, key, sign_type))])


def payment_pairs(transaction_id: str = "4200000001202611270000000001", total_fee: int = 888) -> Pairs:
    """A realistic payment notification's fields (before signing)."""
    return [
        ("appid", "wx2421b1c4370ec43b"),
        ("bank_type", "CFT"),
        ("cash_fee", str(total_fee)),
        ("fee_type", "CNY"),
        ("is_subscribe", "Y"),
        ("mch_id", "10000100"),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ("out_trade_no", f"order-{transaction_id[-6:]}"),
        ("result_code", "SUCCESS"),
        ("return_code", "SUCCESS"),
        ("time_end", "20261127131540"),
        ("total_fee", str(total_fee)),
        ("trade_type", "JSAPI"),
        ("transaction_id", transaction_id),
    ]
