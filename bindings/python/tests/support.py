"""Helpers shared by the test modules: repository paths, the shared vectors, building bodies."""

from __future__ import annotations

import base64
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
KEYS = REPO_ROOT / "tests" / "vectors" / "keys"
# An APIv3 merchant of the tests' own: SPEC §1's 32-byte AES-GCM vector key, and the test key pair
# tests/vectors/keys/pubkey-a-{private,public}.pem standing in for WeChat Pay's public key.
V3_KEY = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
PUB_ID = "PUB_KEY_ID_0114232134912410000000000000"
V3_NOW = 1795000000

Pairs = list[tuple[str, str]]

# Known defects of the core these tests pin (marked xfail(strict=True): each turns into a failure
# once the core is fixed, so that the mark is removed then).
CORE_BIND_DROPS_V3 = (
    "core 45f6cd8: MerchantProfile::bind drops the APIv3 part of a profile that declares no merchant "
    "id (`if let (Some(v3), Some(m)) = (self.v3.take(), ...)` takes v3 even when m is None)"
)
CORE_ENDPOINT_SKIPS_V3_SIZE = (
    "core 45f6cd8: Endpoint::handle_v3 calls V3Verifier::verify_parsed, which skips the verifier's "
    "max_body_bytes check (SPEC §2: body_too_large before parsing)"
)


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
        # The merchant ids it serves (a list of strings; absent: none, any merchant passes).
        mch_ids=config.get("mchIds", ()),
    )


def endpoint_of(config: dict[str, Any]) -> wn.Endpoint:
    """An endpoint from an endpoint.json group config (a profile's optional ``mchId`` binds both
    of its parts)."""
    return wn.Endpoint(
        wn.MerchantProfile(
            p["label"],
            v2=verifier_of(p["v2"]) if p.get("v2") is not None else None,
            v3=v3_verifier_of(p["v3"]) if p.get("v3") is not None else None,
            mch_id=p.get("mchId"),
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


def v3_verifier(**options: Any) -> wn.V3Verifier:
    """A verifier for the notifications :func:`v3_request` signs."""
    return wn.V3Verifier(V3_KEY, {PUB_ID: (KEYS / "pubkey-a-public.pem").read_text()}, **options)


def v3_request(resource: dict[str, Any] | str, event_type: str = "TRANSACTION.SUCCESS") -> tuple[Pairs, bytes]:
    """An APIv3 notification of the tests' own, made as WeChat Pay makes one: ``resource`` (a dict,
    or JSON text written as is) encrypted with AES-256-GCM under :data:`V3_KEY`, the body signed
    with SHA256withRSA by the test private key at :data:`V3_NOW`. Returns (headers, body)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    plaintext = resource if isinstance(resource, str) else json.dumps(resource, separators=(",", ":"))
    original_type = "refund" if event_type.startswith("REFUND.") else "transaction"
    nonce = "fdasflkja484"
    ciphertext = AESGCM(V3_KEY.encode()).encrypt(nonce.encode(), plaintext.encode(), original_type.encode())
    event = {
        "id": "EV-TEST-0001",
        "create_time": "2026-11-18T17:33:15+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "test",
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": original_type,
            "nonce": nonce,
        },
    }
    body = json.dumps(event, separators=(",", ":")).encode()
    key = serialization.load_pem_private_key((KEYS / "pubkey-a-private.pem").read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    header_nonce = "593BEC0C930BF1AFEB40B4A08C8FB242"
    message = f"{V3_NOW}\n{header_nonce}\n".encode() + body + b"\n"
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    headers = [
        ("Wechatpay-Timestamp", str(V3_NOW)),
        ("Wechatpay-Nonce", header_nonce),
        ("Wechatpay-Signature", signature),
        ("Wechatpay-Serial", PUB_ID),
    ]
    return headers, body


def transaction_resource(mchid: str | None = "1900000100", **changes: Any) -> dict[str, Any]:
    """A TRANSACTION.SUCCESS resource (direct merchant ``mchid``; None: no mchid), with ``changes``
    applied (``amount=...`` replaces the amount object; a None value removes the key)."""
    resource: dict[str, Any] = {
        "mchid": mchid,
        "appid": "wxd678efh567hg6787",
        "out_trade_no": "ORDER-T-1",
        "transaction_id": "4200000000000000000000000777",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "ok",
        "success_time": "2026-11-18T17:33:12+08:00",
        "payer": {"openid": "o-test"},
        "amount": {"total": 999, "payer_total": 999, "currency": "CNY", "payer_currency": "CNY"},
    }
    for name, value in changes.items():
        if value is None:
            resource.pop(name, None)
        else:
            resource[name] = value
    return resource
