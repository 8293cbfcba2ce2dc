"""Runs every shared vector (tests/vectors/*.json) through the Python API.

Each file must yield exactly ``numberOfTests`` cases; every invalid case must raise NotifyError with
the exact code and an inert message (at most 200 characters, no character of Unicode categories Cc,
Cf, Zl, Zp, in ``e.message`` and in ``str(e)``); every valid case must match every expected value:
v2 ``fields`` (order and values), ``reqInfo`` and every key of ``typed``; v3 the event's fields,
``plaintext``, ``resource`` and every key of ``typed`` down to each property of the transaction,
refund, profit-sharing, transfer and complaint views; endpoint the label, kind, success, dedupe key and reply, and for a refusal its
version, label and reply. Each typed key must be an attribute of the result class; a typed value
written ``{"error": "<code>"}`` must raise NotifyError with that code on every read, and ``repr()``
must not raise. Config keys: V3Notify ``mchIds`` (``V3Verifier(mch_ids=...)``), an endpoint
profile's ``mchId`` (``MerchantProfile(mch_id=...)``) and its v3 part's ``mchIds``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import wechatpay_notify as wn
from support import (
    TYPED_VIEWS_FILE,
    V3_KEY,
    VECTORS,
    body_of,
    endpoint_of,
    load_vectors,
    pairs_of,
    v3_verifier_of,
    verifier_of,
)

FILES = [
    "v2_sign.json",
    "v2_pay.json",
    "v2_refund.json",
    "reply.json",
    "v3_notify.json",
    "endpoint.json",
    "v3_key_dirs.json",
]
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


def typed_value(result: object, name: str) -> Any:
    """The result's attribute ``name`` in the vectors' JSON form; a missing attribute fails. An
    attribute that raises NotifyError is ``{"error": code}``, the vectors' form of a typed value the
    core refuses (an amount present in another form than a non-negative integer)."""
    if name not in dir(result):
        pytest.fail(
            f"{type(result).__name__} has no attribute {name!r}, a typed property the vectors "
            "(and so the core) declare: add it to bindings/python (src/lib.rs and _native.pyi)"
        )
    try:
        value = getattr(result, name)
    except wn.NotifyError as e:
        assert_inert_message(e, f"{type(result).__name__}.{name}")
        # Raised on every read, and repr() shows it instead of raising.
        with pytest.raises(wn.NotifyError) as again:
            getattr(result, name)
        assert again.value.code == e.code
        repr(result)
        return {"error": e.code}
    if name == "coupons":
        return [{"id": c.id, "coupon_type": c.coupon_type, "fee": c.fee} for c in value]
    return value


def is_typed_error(want: Any) -> bool:
    """The vectors' form of a typed value the core refuses: ``{"error": "<code>"}``."""
    return isinstance(want, dict) and set(want) == {"error"} and isinstance(want["error"], str)


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


def headers_of(case: dict[str, Any], as_mapping: bool) -> list[tuple[str, str]] | dict[str, str]:
    """A case's request headers as (name, value) pairs in order, or as a dict (``as_mapping``; only
    for cases that name no header twice, in any case)."""
    pairs = pairs_of(case["headers"])
    if not as_mapping:
        return pairs
    assert len({k.lower() for k, _ in pairs}) == len(pairs), case["tcId"]
    return dict(pairs)


def reply_of(expected: dict[str, Any]) -> wn.HttpReply:
    return wn.HttpReply(expected["status"], expected["contentType"], expected["body"])


# The APIv3 resource views: the key of each in a vector's expected.typed, the attribute of
# V3Notification that reads it.
V3_VIEWS = ("transaction", "refund", "profit_sharing", "transfer", "complaint")
# The notification's own typed properties: the core's v3_notification view.
V3_OWN = tuple(p["name"] for p in load_vectors(TYPED_VIEWS_FILE)["views"]["v3_notification"])


def check_v3_notification(n: wn.V3Notification, expected: dict[str, Any], label: str) -> None:
    for key in ("id", "create_time", "event_type", "resource_type", "summary", "plaintext"):
        assert getattr(n, key) == expected[key], (label, key)
    assert n.resource == expected["resource"], label
    assert type(n.resource) is dict and n.resource is n.resource, label
    typed = expected["typed"]
    assert set(typed) == {*V3_OWN, *V3_VIEWS}, label
    for key, want in typed.items():
        got = typed_value(n, key)
        if key not in V3_VIEWS:
            assert got == want, (label, key, got)
        elif want is None:
            assert got is None, (label, key, got)
        else:
            assert got is not None, (label, key)
            for prop, value in want.items():
                got_value = typed_value(got, prop)
                assert got_value == value, (label, key, prop, got_value)
                assert type(got_value) is type(value), (label, key, prop, type(got_value))
                if is_typed_error(value):
                    assert f"{prop}=<error {value['error']}>" in repr(got) or prop not in repr(got), (label, prop)


def run_v3_case(
    group: dict[str, Any], case: dict[str, Any], label: str, as_text: bool, as_mapping: bool
) -> None:
    valid = case["result"] == "valid"
    try:
        verifier = v3_verifier_of(group["config"])
    except wn.NotifyError as e:
        # The group's configuration is unusable: every case is invalid with that code.
        assert not valid, (label, e.code, e.message)
        assert type(e) is wn.InvalidConfigError, (label, type(e))
        check_error(case, e, label)
        return
    assert group["config"]["apiV3Key"] not in repr(verifier)
    body: bytes | str = case["body"] if as_text else body_of(case)
    headers = headers_of(case, as_mapping)

    def action() -> wn.V3Notification:
        return verifier.verify(headers, body, now=case["now"])

    if not valid:
        expect_error(case, action, label)
        return
    check_v3_notification(action(), case["expected"], label)


def run_endpoint_case(group: dict[str, Any], case: dict[str, Any], label: str, as_text: bool) -> None:
    valid = case["result"] == "valid"
    try:
        endpoint = endpoint_of(group["config"])
    except wn.NotifyError as e:
        assert not valid, (label, e.code, e.message)
        assert type(e) is wn.InvalidConfigError, (label, type(e))
        check_error(case, e, label)
        return
    assert "expected" in case, label
    expected = case["expected"]
    body: bytes | str = case["body"] if as_text else body_of(case)
    headers = headers_of(case, False)
    if not valid:
        with pytest.raises(wn.EndpointRejected) as info:
            endpoint.handle(headers, body, now=case["now"])
        err = info.value
        check_error(case, err, label)
        assert (err.version, err.label) == (expected["version"], expected["label"]), label
        assert err.reply == reply_of(expected["reply"]), (label, err.reply)
        return
    result = endpoint.handle(headers, body, now=case["now"])
    assert (result.label, result.kind) == (expected["label"], expected["kind"]), label
    assert result.is_success is expected["isSuccess"], label
    assert result.dedupe_key == expected["dedupeKey"], label
    assert result.reply == reply_of(expected["reply"]), (label, result.reply)
    # The notification is the verifier's own result class, agreeing with the summary.
    classes = {
        "v2_payment": wn.PaymentNotification,
        "v2_refund": wn.RefundNotification,
        "v3": wn.V3Notification,
    }
    n = result.notification
    assert type(n) is classes[result.kind], (label, type(n))
    assert result.version == ("v3" if result.kind == "v3" else "v2"), label
    assert (n.is_success, n.dedupe_key) == (result.is_success, result.dedupe_key), label


def run_case(
    name: str, group: dict[str, Any], case: dict[str, Any], as_text: bool = False, as_mapping: bool = False
) -> None:
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

    if kind == "HttpReply":
        v2 = case["version"] == "v2"

        def made() -> wn.HttpReply:
            if case["kind"] == "success":
                return wn.reply_v2_success() if v2 else wn.reply_v3_success()
            return wn.reply_v2_fail(case["code"]) if v2 else wn.reply_v3_fail(case["code"])

        if valid:
            assert made() == reply_of(case["expected"]), label
        else:
            expect_error(case, made, label)
        return

    if kind == "V3Notify":
        run_v3_case(group, case, label, as_text, as_mapping)
        return

    if kind == "Endpoint":
        run_endpoint_case(group, case, label, as_text)
        return

    if kind == "V3KeyDir":
        directory = VECTORS / case["dir"]
        if valid:
            keys = wn.TrustedKeys.from_dir(directory)
            assert list(keys.ids) == case["ids"], label
            assert len(keys) == len(case["ids"]), label
            # A str path works as well as a Path, and the set is usable by a verifier.
            assert wn.TrustedKeys.from_dir(str(directory)).ids == keys.ids, label
            wn.V3Verifier(V3_KEY, keys)
        else:
            with pytest.raises(wn.NotifyError) as info:
                wn.TrustedKeys.from_dir(directory)
            check_error(case, info.value, label)
            assert case["messageIncludes"] in info.value.message, (label, info.value.message)
        return

    assert kind in ("V2Pay", "V2Refund"), label
    try:
        verifier = verifier_of(group["config"])
    except wn.NotifyError as e:
        # The group's configuration is unusable: every case is invalid with that code, and the
        # message never repeats the configured key.
        assert not valid, (label, e.code, e.message)
        check_error(case, e, label)
        assert group["config"]["apiKey"] not in e.message and group["config"]["apiKey"] not in str(e), label
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
        got = typed_value(result, key)
        assert got == want, (label, key, got)
        if is_typed_error(want):
            assert f"{key}=<error {want['error']}>" in repr(result) or key not in repr(result), (label, key)


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
    assert sorted(n for n in on_disk if n not in NOT_CASES) == sorted(FILES), "a new vector file needs a runner here"


@pytest.mark.parametrize(
    ("name", "group", "case"),
    all_cases(),
    ids=[f"{n}#{c['tcId']}" for n, _, c in all_cases()],
)
def test_case(name: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    run_case(name, group, case)


def text_body_cases() -> list[Case]:
    """The cases with a body whose body is text (``bodyHex`` bodies are not valid UTF-8)."""
    kinds = ("V2Pay", "V2Refund", "V3Notify", "Endpoint")
    return [c for c in all_cases() if c[1]["type"] in kinds and "body" in c[2]]


@pytest.mark.parametrize(
    ("name", "group", "case"),
    text_body_cases(),
    ids=[f"{n}#{c['tcId']}" for n, _, c in text_body_cases()],
)
def test_case_with_str_body(name: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    """A str body (encoded as UTF-8) gets the same verdict as the raw bytes."""
    run_case(name, group, case, as_text=True)


def mapping_header_cases() -> list[Case]:
    """The v3 cases that name no header twice (in any case): their headers fit a dict."""
    return [
        c
        for c in cases("v3_notify.json")
        if len({k.lower() for k, _ in c[2]["headers"]}) == len(c[2]["headers"])
    ]


@pytest.mark.parametrize(
    ("name", "group", "case"),
    mapping_header_cases(),
    ids=[f"{n}#{c['tcId']}" for n, _, c in mapping_header_cases()],
)
def test_v3_case_with_mapping_headers(name: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    """Headers given as a mapping get the same verdict as the (name, value) pairs."""
    run_case(name, group, case, as_mapping=True)


def test_repeated_headers_are_run_as_pairs() -> None:
    """The cases that repeat a header (only expressible as pairs) exist and are refused."""
    repeated = [c for c in cases("v3_notify.json") if c not in mapping_header_cases()]
    assert repeated and all(c[2]["result"] == "invalid" for c in repeated)
