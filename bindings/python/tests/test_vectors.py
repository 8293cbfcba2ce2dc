"""Runs every shared vector (tests/vectors/*.json) through the Python API.

Each file must yield exactly ``numberOfTests`` cases; every invalid case must raise NotifyError with
the exact code and an inert message (at most 200 characters, no character of Unicode categories Cc,
Cf, Zl, Zp, in ``e.message`` and in ``str(e)``); every valid case must match ``fields`` (order and
values), ``reqInfo`` and every key of ``typed``, each key being an attribute of the result class.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import wechatpay_notify as wn
from support import PENDING_FILES, TYPED_VIEWS_FILE, VECTORS, body_of, load_vectors, pairs_of

FILES = ["v2_sign.json", "v2_pay.json", "v2_refund.json", "reply.json"]
# JSON files in tests/vectors that hold no cases, and the test module that checks each one.
NOT_CASES = {TYPED_VIEWS_FILE: "test_typed_views.py"}

Case = tuple[str, dict[str, Any], dict[str, Any]]
Result = wn.PaymentNotification | wn.RefundNotification

MAX_MESSAGE_CHARS = 200
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def cases(name: str) -> Iterator[Case]:
    for group in load_vectors(name)["testGroups"]:
        for test in group["tests"]:
            yield name, group, test


def all_cases() -> list[Case]:
    return [c for name in FILES for c in cases(name)]


def make_verifier(config: dict[str, Any]) -> wn.Verifier:
    return wn.Verifier(
        config["apiKey"],
        config["signType"],
        appid=config["appid"],
        mch_id=config["mchId"],
        also_accept=config["alsoAccept"],
        max_body_bytes=config["maxBodyBytes"],
    )


def typed_value(result: Result, name: str) -> Any:
    """The result's attribute ``name`` in the vectors' JSON form; a missing attribute fails."""
    if not hasattr(result, name):
        pytest.fail(
            f"{type(result).__name__} has no attribute {name!r}, a typed property the vectors "
            "(and so the core) declare: add it to bindings/python (src/lib.rs and _native.pyi)"
        )
    value = getattr(result, name)
    if name == "coupons":
        return [{"id": c.id, "coupon_type": c.coupon_type, "fee": c.fee} for c in value]
    return value


def assert_inert_message(err: wn.NotifyError, label: str) -> None:
    """SPEC §2 / issue 8.3: a handler can log ``e.message`` and ``str(e)`` as they are."""
    for text in (err.message, str(err)):
        assert len(text) <= MAX_MESSAGE_CHARS, (label, len(text), text[:MAX_MESSAGE_CHARS])
        bad = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in FORBIDDEN_CATEGORIES})
        assert not bad, (label, "message holds control/format/separator characters", bad, ascii(text))


def check_error(case: dict[str, Any], err: wn.NotifyError, label: str) -> None:
    assert err.code == case["error"], (label, err.code, err.message)
    assert_inert_message(err, label)


def expect_error(case: dict[str, Any], action: Callable[[], object], label: str) -> None:
    with pytest.raises(wn.NotifyError) as info:
        action()
    check_error(case, info.value, label)


def run_case(name: str, group: dict[str, Any], case: dict[str, Any], as_text: bool = False) -> None:
    kind = group["type"]
    label = f"{name} tcId {case['tcId']}: {case['comment']}"
    assert case["result"] in ("valid", "invalid"), label
    valid = case["result"] == "valid"

    if kind == "V2Sign":
        fields = pairs_of(case["fields"])
        if valid:
            assert wn.sign(fields, case["apiKey"], case["signType"]) == case["signature"], label
        else:
            expect_error(case, lambda: wn.sign(fields, case["apiKey"], case["signType"]), label)
        return

    if kind == "Reply":
        assert valid, label
        if case["kind"] == "success":
            assert wn.reply_success() == case["expected"], label
        else:
            assert wn.reply_fail(case["message"]) == case["expected"], label
        return

    assert kind in ("V2Pay", "V2Refund"), label
    try:
        verifier = make_verifier(group["config"])
    except wn.NotifyError as e:
        # The group's configuration is unusable: every case is invalid with that code.
        assert not valid, (label, e.code, e.message)
        check_error(case, e, label)
        return
    assert group["config"]["apiKey"] not in repr(verifier)

    body: bytes | str = case["body"] if as_text else body_of(case)

    def action() -> Result:
        if kind == "V2Pay":
            return verifier.verify_payment(body)
        return verifier.decrypt_refund(body)

    if not valid:
        expect_error(case, action, label)
        return
    result = action()
    expected = case["expected"]
    assert list(result.fields.items()) == pairs_of(expected["fields"]), label
    if isinstance(result, wn.RefundNotification):
        assert list(result.req_info.items()) == pairs_of(expected["reqInfo"]), label
    for key, want in expected["typed"].items():
        assert typed_value(result, key) == want, (label, key)


@pytest.mark.parametrize("name", FILES)
def test_every_case_of_each_file_runs(name: str) -> None:
    declared = load_vectors(name)["numberOfTests"]
    ran = 0
    for _, group, case in cases(name):
        run_case(name, group, case)
        ran += 1
    assert ran == declared, f"{name}: ran {ran} cases, numberOfTests is {declared}"


def test_all_vector_files_are_covered() -> None:
    on_disk = sorted(p.name for p in VECTORS.glob("*.json"))
    assert sorted(n for n in on_disk if n not in NOT_CASES and n not in PENDING_FILES) == sorted(FILES), (
        "a new vector file needs a runner here"
    )
    assert set(PENDING_FILES) <= set(on_disk), "a pending vector file is gone: drop it from PENDING_FILES"


@pytest.mark.parametrize("name", sorted(PENDING_FILES))
def test_pending_vector_file(name: str) -> None:
    """A vector file whose API the binding lacks: reported as skipped, with the reason."""
    missing, reason = PENDING_FILES[name]
    assert not hasattr(wn, missing), f"wechatpay_notify.{missing} exists: run {name} here, drop it from PENDING_FILES"
    pytest.skip(f"{name}: {reason}")


@pytest.mark.parametrize(
    ("name", "group", "case"),
    all_cases(),
    ids=[f"{n}#{c['tcId']}" for n, _, c in all_cases()],
)
def test_case(name: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    run_case(name, group, case)


def text_body_cases() -> list[Case]:
    """The V2Pay/V2Refund cases whose body is text (``bodyHex`` bodies are not valid UTF-8)."""
    return [c for c in all_cases() if c[1]["type"] in ("V2Pay", "V2Refund") and "body" in c[2]]


@pytest.mark.parametrize(
    ("name", "group", "case"),
    text_body_cases(),
    ids=[f"{n}#{c['tcId']}" for n, _, c in text_body_cases()],
)
def test_case_with_str_body(name: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    """A str body (encoded as UTF-8) gets the same verdict as the raw bytes."""
    run_case(name, group, case, as_text=True)
