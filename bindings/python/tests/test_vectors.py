"""Runs every shared vector (tests/vectors/*.json) through the Python API.

Each file must yield exactly ``numberOfTests`` cases; every invalid case must raise NotifyError with
the exact code; every valid case must match ``fields`` (order and values), ``reqInfo`` and every key
of ``typed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import wechatpay_notify as wn
from support import VECTORS, body_of, load_vectors, pairs_of

FILES = ["v2_sign.json", "v2_pay.json", "v2_refund.json", "reply.json"]

Case = tuple[str, dict[str, Any], dict[str, Any]]


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


def typed_value(result: wn.PaymentNotification | wn.RefundNotification, name: str) -> Any:
    value = getattr(result, name)
    if name == "coupons":
        return [{"id": c.id, "coupon_type": c.coupon_type, "fee": c.fee} for c in value]
    return value


def expect_error(case: dict[str, Any], action: Callable[[], object]) -> None:
    with pytest.raises(wn.NotifyError) as info:
        action()
    assert info.value.code == case["error"], (case["tcId"], case["comment"], str(info.value))


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
            expect_error(case, lambda: wn.sign(fields, case["apiKey"], case["signType"]))
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
        assert not valid and e.code == case["error"], (label, e.code)
        return
    assert group["config"]["apiKey"] not in repr(verifier)

    raw = body_of(case)
    body: bytes | str = raw
    if as_text:
        if "bodyHex" in case:
            return  # not text: covered by the bytes run
        body = case["body"]

    def action() -> wn.PaymentNotification | wn.RefundNotification:
        if kind == "V2Pay":
            return verifier.verify_payment(body)
        return verifier.decrypt_refund(body)

    if not valid:
        expect_error(case, action)
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
    assert on_disk == sorted(FILES), "a new vector file needs a runner here"


@pytest.mark.parametrize(
    ("name", "group", "case"),
    all_cases(),
    ids=[f"{n}#{c['tcId']}" for n, _, c in all_cases()],
)
def test_case(name: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    run_case(name, group, case)


@pytest.mark.parametrize(
    ("name", "group", "case"),
    [c for c in all_cases() if c[1]["type"] in ("V2Pay", "V2Refund")],
    ids=[f"{n}#{c['tcId']}" for n, g, c in all_cases() if g["type"] in ("V2Pay", "V2Refund")],
)
def test_case_with_str_body(name: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    """A str body (encoded as UTF-8) gets the same verdict as the raw bytes."""
    run_case(name, group, case, as_text=True)
