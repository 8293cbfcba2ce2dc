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

KEY = "192006250b4c09247ec02edce69f6a2d"

Pairs = list[tuple[str, str]]


def load_vectors(name: str) -> dict[str, Any]:
    """One shared vector file, loaded by path relative to the repository root (never copied)."""
    path = VECTORS / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def verifier_of(config: dict[str, Any]) -> wn.Verifier:
    """A v2 verifier from a vector config (v2_pay/v2_refund groups, endpoint profiles' v2 part)."""
    return wn.Verifier(
        config["apiKey"],
        config["signType"],
        appid=config["appid"],
        mch_id=config["mchId"],
        also_accept=config["alsoAccept"],
        max_body_bytes=config.get("maxBodyBytes"),
    )


def v3_verifier_of(config: dict[str, Any]) -> wn.V3Verifier:
    """An APIv3 verifier from a vector config (v3_notify groups, endpoint profiles' v3 part), its
    trusted keys given as the documented id -> PEM mapping."""
    pairs = pairs_of(config["platformKeys"])
    platform_keys = dict(pairs)
    assert len(platform_keys) == len(pairs), "a vector config repeats a key id"
    return wn.V3Verifier(
        config["apiV3Key"],
        platform_keys,
        max_clock_skew=config.get("maxClockSkew"),
        max_body_bytes=config.get("maxBodyBytes"),
    )


def endpoint_of(config: dict[str, Any]) -> wn.Endpoint:
    """An endpoint from an endpoint.json group config."""
    return wn.Endpoint(
        wn.MerchantProfile(
            p["label"],
            v2=verifier_of(p["v2"]) if p["v2"] is not None else None,
            v3=v3_verifier_of(p["v3"]) if p["v3"] is not None else None,
        )
        for p in config["profiles"]
    )


def cases_of(name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every (group, test) of a vector file."""
    return [(group, test) for group in load_vectors(name)["testGroups"] for test in group["tests"]]


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
