"""Key rotation: TrustedKeys (from id -> PEM and from a directory), swapping the trusted keys of a
live V3Verifier and of an Endpoint merchant, the refusals that leave them as they were, and swaps
racing threads that verify.

The notifications are two valid cases of tests/vectors/v3_notify.json (same APIv3 key and time):
tcId 2 is signed with the platform certificate D7CE59D1F522D701 (the old key), tcId 1 with the
public key PUB_KEY_ID_0114232134912410000000000000 (the new one).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
import wechatpay_notify as wn
from support import KEYS, PUB_ID, V3_KEY, VECTORS, body_of, load_vectors

CERT_SERIAL = "D7CE59D1F522D701"
CERT = (KEYS / "wechatpay-go-certificate.pem").read_text()
PUB_A = (KEYS / "pubkey-a-public.pem").read_text()
PUB_B = (KEYS / "pubkey-b-public.pem").read_text()

Request = tuple[list[tuple[str, str]], bytes, int]


def request(tc_id: int) -> Request:
    for group in load_vectors("v3_notify.json")["testGroups"]:
        for case in group["tests"]:
            if case["tcId"] == tc_id:
                assert case["result"] == "valid"
                headers = [(name, value) for name, value in case["headers"]]
                return headers, body_of(case), case["now"]
    raise AssertionError(f"no tcId {tc_id}")


OLD = request(2)
NEW = request(1)


def outcome(verifier: wn.V3Verifier, req: Request) -> str:
    headers, body, now = req
    try:
        verifier.verify(headers, body, now=now)
    except wn.NotifyError as e:
        return e.code
    return "ok"


def old_keys() -> wn.TrustedKeys:
    return wn.TrustedKeys({CERT_SERIAL: CERT})


def new_keys() -> wn.TrustedKeys:
    return wn.TrustedKeys({PUB_ID: PUB_A})


def test_a_swap_changes_which_notifications_verify() -> None:
    v = wn.V3Verifier(V3_KEY, {CERT_SERIAL: CERT})
    assert (outcome(v, OLD), outcome(v, NEW)) == ("ok", "unknown_serial")
    v.replace_trusted_keys(new_keys())
    assert (outcome(v, OLD), outcome(v, NEW)) == ("unknown_serial", "ok")
    assert v.trusted_ids == (PUB_ID,)
    assert v.trusts(PUB_ID) and not v.trusts(CERT_SERIAL)
    # A plain mapping works as well, and both kinds at once during a migration.
    v.replace_trusted_keys({CERT_SERIAL: CERT, PUB_ID: PUB_A})
    assert (outcome(v, OLD), outcome(v, NEW)) == ("ok", "ok")
    snapshot = v.trusted_keys
    v.replace_trusted_keys(old_keys())
    assert snapshot.ids == (CERT_SERIAL, PUB_ID)
    assert v.trusted_keys.ids == (CERT_SERIAL,)


def test_a_verifier_can_start_from_a_directory() -> None:
    keys = wn.TrustedKeys.from_dir(VECTORS / "key-dirs" / "good")
    v = wn.V3Verifier(V3_KEY, keys, max_clock_skew=60)
    assert v.trusted_ids == (CERT_SERIAL, PUB_ID)
    assert (outcome(v, OLD), outcome(v, NEW)) == ("ok", "ok")
    assert repr(keys) == f"TrustedKeys(ids=({CERT_SERIAL!r}, {PUB_ID!r}))"
    assert keys.trusts("00d7ce59d1f522d701") and not keys.trusts("PUB_KEY_ID_1")


def test_refusals_leave_the_verifier_as_it_was() -> None:
    v = wn.V3Verifier(V3_KEY, old_keys())
    with pytest.raises(wn.InvalidConfigError) as empty:
        v.replace_trusted_keys({})
    assert empty.value.code == "invalid_config"
    with pytest.raises(wn.InvalidConfigError):
        v.replace_trusted_keys(wn.TrustedKeys([]))
    with pytest.raises(wn.InvalidConfigError):
        v.replace_trusted_keys({"0A1B": CERT})  # a certificate under another serial
    with pytest.raises(wn.InvalidConfigError):
        v.replace_trusted_keys({PUB_ID: (KEYS / "rsa-1024-public.pem").read_text()})
    with pytest.raises(wn.InvalidConfigError):
        wn.V3Verifier(V3_KEY, wn.TrustedKeys({}))
    assert v.trusted_ids == (CERT_SERIAL,)
    assert outcome(v, OLD) == "ok"


def test_wrong_argument_types_raise_type_error() -> None:
    v = wn.V3Verifier(V3_KEY, old_keys())
    for bad in (None, 42, "PEM", b"PEM", [("id",)]):
        with pytest.raises(TypeError):
            v.replace_trusted_keys(bad)  # type: ignore[arg-type]
    for path in (None, 42, b"/tmp"):
        with pytest.raises(TypeError):
            wn.TrustedKeys.from_dir(path)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        wn.TrustedKeys({PUB_ID: 1})  # type: ignore[arg-type]
    assert v.trusted_ids == (CERT_SERIAL,)


def test_directory_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(wn.InvalidConfigError) as missing:
        wn.TrustedKeys.from_dir(tmp_path / "absent")
    assert "cannot read the key directory" in missing.value.message
    (tmp_path / "PUB_KEY_ID_7.pem").write_text(PUB_A + " " * 70000)
    with pytest.raises(wn.InvalidConfigError) as big:
        wn.TrustedKeys.from_dir(tmp_path)
    assert big.value.message.startswith("PUB_KEY_ID_7.pem: larger than"), big.value.message
    (tmp_path / "PUB_KEY_ID_7.pem").write_text(PUB_B)
    os.symlink(tmp_path / "nowhere", tmp_path / "PUB_KEY_ID_8.pem")
    with pytest.raises(wn.InvalidConfigError) as dangling:
        wn.TrustedKeys.from_dir(tmp_path)
    assert dangling.value.message.startswith("PUB_KEY_ID_8.pem: cannot read"), dangling.value.message
    os.remove(tmp_path / "PUB_KEY_ID_8.pem")
    assert wn.TrustedKeys.from_dir(tmp_path).ids == ("PUB_KEY_ID_7",)


def test_concurrent_verifications_see_the_old_set_or_the_new_one() -> None:
    v = wn.V3Verifier(V3_KEY, old_keys())
    sets = (new_keys(), old_keys())
    stop = threading.Event()
    outcomes: list[set[str]] = [set() for _ in range(4)]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        req = OLD if i % 2 == 0 else NEW
        try:
            while not stop.is_set() or not outcomes[i]:
                outcomes[i].add(outcome(v, req))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for i in range(1000):
        v.replace_trusted_keys(sets[i % 2])
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    for seen in outcomes:
        # Only the old set's and the new set's verdicts: no other error, never an empty set.
        assert seen and seen <= {"ok", "unknown_serial"}, seen


def endpoint_outcome(e: wn.Endpoint, req: Request) -> str:
    headers, body, now = req
    try:
        return e.handle(headers, body, now=now).label
    except wn.EndpointRejected as r:
        return r.code


def test_an_endpoint_swaps_one_merchants_keys_and_routes() -> None:
    shop = wn.V3Verifier(V3_KEY, old_keys())
    other = wn.V3Verifier(V3_KEY, {"PUB_KEY_ID_2": PUB_B})
    e = wn.Endpoint([wn.MerchantProfile("shop", v3=shop), wn.MerchantProfile("other", v3=other)])
    assert (endpoint_outcome(e, OLD), endpoint_outcome(e, NEW)) == ("shop", "unknown_serial")
    # The endpoint took the verifier's keys when it was built.
    shop.replace_trusted_keys(new_keys())
    assert endpoint_outcome(e, NEW) == "unknown_serial"
    e.replace_trusted_keys("shop", new_keys())
    assert (endpoint_outcome(e, OLD), endpoint_outcome(e, NEW)) == ("unknown_serial", "shop")
    current = e.trusted_keys("shop")
    assert current is not None and current.ids == (PUB_ID,)
    assert e.trusted_keys("nobody") is None
    refusals: list[tuple[str, Any]] = [
        ("nobody", new_keys()),
        ("shop", {}),
        ("shop", {"PUB_KEY_ID_2": PUB_B}),  # trusted by "other"
    ]
    for label, keys in refusals:
        with pytest.raises(wn.InvalidConfigError):
            e.replace_trusted_keys(label, keys)
    assert endpoint_outcome(e, NEW) == "shop"
    with pytest.raises(TypeError):
        e.replace_trusted_keys(1, new_keys())  # type: ignore[arg-type]


def test_a_shared_endpoint_is_rotated_while_threads_handle_requests() -> None:
    e = wn.Endpoint([wn.MerchantProfile("shop", v3=wn.V3Verifier(V3_KEY, old_keys()))])
    sets = (new_keys(), old_keys())
    stop = threading.Event()
    seen: list[set[str]] = [set() for _ in range(4)]

    def work(i: int) -> None:
        req = OLD if i % 2 == 0 else NEW
        while not stop.is_set() or not seen[i]:
            seen[i].add(endpoint_outcome(e, req))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for i in range(1000):
        e.replace_trusted_keys("shop", sets[i % 2])
    stop.set()
    for t in threads:
        t.join()
    for s in seen:
        assert s and s <= {"shop", "unknown_serial"}, s
