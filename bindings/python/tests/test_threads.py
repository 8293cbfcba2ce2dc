"""One Verifier shared by 8 threads (verification releases the GIL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import wechatpay_notify as wn
from support import KEY, payment_pairs, signed_body

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
