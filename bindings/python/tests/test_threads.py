"""One Verifier, one V3Verifier and one Endpoint, each shared by 8 threads (verification releases the GIL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import wechatpay_notify as wn
from support import KEY, body_of, endpoint_of, load_vectors, pairs_of, payment_pairs, signed_body, v3_verifier_of

THREADS = 8
PER_THREAD = 300


def test_one_verifier_shared_by_eight_threads() -> None:
    verifier = wn.Verifier(KEY, "HMAC-SHA256", mch_id="10000100")
    bodies = []
    for i in range(PER_THREAD):
        tid = f"42000000{i:08d}"
        good = signed_body(payment_pairs(transaction_id=tid, total_fee=i + 1), sign_type="HMAC-SHA256")
        forged = good.replace(f"<total_fee>{i + 1}<".encode(), f"<total_fee>{i + 2}<".encode())
        bodies.append((tid, i + 1, good, forged))
    barrier = threading.Barrier(THREADS)

    def work(offset: int) -> tuple[int, int]:
        barrier.wait()
        ok = rejected = 0
        for j in range(PER_THREAD):
            tid, fee, good, forged = bodies[(j + offset * 37) % PER_THREAD]
            n = verifier.verify_payment(good)
            assert (n.dedupe_key, n.total_fee) == (tid, fee)
            ok += 1
            try:
                verifier.verify_payment(forged)
            except wn.NotifyError as e:
                assert e.code == "signature_mismatch"
                rejected += 1
        return ok, rejected

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    assert results == [(PER_THREAD, PER_THREAD)] * THREADS


def run_shared(work: Callable[[int], int]) -> list[int]:
    """Runs ``work(offset)`` on THREADS threads started together; returns each one's count."""
    barrier = threading.Barrier(THREADS)

    def start(offset: int) -> int:
        barrier.wait()
        return work(offset)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(start, range(THREADS)))


def v3_requests() -> list[tuple[list[tuple[str, str]], bytes, int, str, bytes]]:
    """The valid v3 vectors of the main group: headers, body, now, dedupe key, and a forgery."""
    group = load_vectors("v3_notify.json")["testGroups"][0]
    out = []
    for case in group["tests"]:
        if case["result"] == "valid":
            body = body_of(case)
            out.append((pairs_of(case["headers"]), body, case["now"], case["expected"]["typed"]["dedupe_key"],
                        body.replace(b'"id":"', b'"id":"X', 1)))
    assert len(out) >= 10
    return out


def test_one_v3_verifier_shared_by_eight_threads() -> None:
    verifier = v3_verifier_of(load_vectors("v3_notify.json")["testGroups"][0]["config"])
    requests = v3_requests()

    def work(offset: int) -> int:
        done = 0
        for j in range(PER_THREAD // 3):
            headers, body, now, key, forged = requests[(j + offset * 7) % len(requests)]
            assert verifier.verify(headers, body, now=now).dedupe_key == key
            try:
                verifier.verify(headers, forged, now=now)
                raise AssertionError("a forged body verified")
            except wn.NotifyError as e:
                assert e.code == "signature_mismatch"
            done += 1
        return done

    assert run_shared(work) == [PER_THREAD // 3] * THREADS


def test_one_endpoint_shared_by_eight_threads() -> None:
    group = load_vectors("endpoint.json")["testGroups"][0]
    endpoint = endpoint_of(group["config"])
    cases = [(pairs_of(c["headers"]), body_of(c), c["now"], c["result"], c["expected"]) for c in group["tests"]]

    def work(offset: int) -> int:
        done = 0
        for j in range(PER_THREAD // 3):
            headers, body, now, result, expected = cases[(j + offset * 5) % len(cases)]
            try:
                r = endpoint.handle(headers, body, now=now)
                assert result == "valid" and (r.label, r.kind, r.dedupe_key) == (
                    expected["label"],
                    expected["kind"],
                    expected["dedupeKey"],
                )
            except wn.EndpointRejected as e:
                assert result == "invalid" and (e.label, e.reply.status) == (
                    expected["label"],
                    expected["reply"]["status"],
                )
            done += 1
        return done

    assert run_shared(work) == [PER_THREAD // 3] * THREADS
