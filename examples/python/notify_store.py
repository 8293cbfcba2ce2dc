"""The merchant's half of a WeChat Pay notify_url, shared by flask_app and fastapi_app: orders, the
payments log and the discrepancies, in SQLite.

A verified notification proves that WeChat Pay sent it, not that it pays *your* order for the
amount you expect; WeChat Pay's documentation asks every notify_url to check that. So a successful
payment marks its order paid only if the order exists, is still pending and its amount equals
``total_fee``; anything else is kept in ``discrepancies`` for a person to review and is never
fulfilled. WeChat Pay retries a notification until it gets SUCCESS (for up to 24 h), so the same
payment can arrive many times, even at once: each one is applied in a single ``BEGIN IMMEDIATE``
transaction keyed by its ``dedupe_key`` (``transaction_id``), and a retry changes nothing.

    python notify_store.py add-order OUT_TRADE_NO AMOUNT_FEN   # creates an order in $WECHATPAY_DB
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Literal

import wechatpay_notify as wn

log = logging.getLogger(__name__)

# The same schema in every example of this repository (Rust, Python, Node, .NET, C).
SCHEMA = """
-- The merchant's orders, created by the checkout before it calls unifiedorder.
CREATE TABLE IF NOT EXISTS orders (
    out_trade_no   TEXT PRIMARY KEY NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid')),
    transaction_id TEXT
);
-- Every verified payment notification, once per dedupe_key (transaction_id), with what it did.
CREATE TABLE IF NOT EXISTS payments (
    dedupe_key   TEXT PRIMARY KEY NOT NULL,
    out_trade_no TEXT,
    total_fee    INTEGER,
    result_code  TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('paid', 'failed', 'discrepancy')),
    received_at  TEXT NOT NULL DEFAULT (datetime('now'))
);
-- Verified successful payments that paid no order: for a person to review, never fulfilled.
CREATE TABLE IF NOT EXISTS discrepancies (
    dedupe_key       TEXT PRIMARY KEY NOT NULL REFERENCES payments (dedupe_key),
    out_trade_no     TEXT,
    total_fee        INTEGER,
    order_amount_fen INTEGER,
    reason           TEXT NOT NULL CHECK (reason IN ('unknown_order', 'amount_mismatch', 'already_paid')),
    received_at      TEXT NOT NULL DEFAULT (datetime('now'))
);
-- Refund notifications, once per dedupe_key (refund_id). Only a record: see record_refund.
CREATE TABLE IF NOT EXISTS refunds (
    dedupe_key    TEXT PRIMARY KEY NOT NULL,
    out_trade_no  TEXT,
    out_refund_no TEXT,
    refund_fee    INTEGER,
    refund_status TEXT,
    received_at   TEXT NOT NULL DEFAULT (datetime('now'))
);
"""

# What recording a payment did; "duplicate" (a retry) changed nothing.
Outcome = Literal["paid", "failed", "discrepancy", "duplicate"]
Reason = Literal["unknown_order", "amount_mismatch", "already_paid"]

PaymentRow = tuple[str, str | None, int | None, str | None, str]
OrderRow = tuple[str, int, str, str | None]
DiscrepancyRow = tuple[str, str | None, int | None, int | None, str]
RefundRow = tuple[str, str | None, str | None, int | None, str | None]

_INT64_MAX = 2**63 - 1


def _fen(amount: int | None) -> int | None:
    """An amount SQLite can hold; a larger one is stored as NULL (and matches no order)."""
    return amount if amount is not None and amount <= _INT64_MAX else None


class Store:
    """One SQLite file; each call opens its own connection (safe across server threads and
    processes: writers queue on SQLite's lock for up to 10 s)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (each statement is its own transaction), always closed."""
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as db:
            yield db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE (the write lock first, so concurrent deliveries apply one at a time);
        COMMIT on success, ROLLBACK on any error."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def create_order(self, out_trade_no: str, amount_fen: int) -> None:
        """Creates a pending order (in a real shop: the checkout, before it calls unifiedorder)."""
        with self._connect() as db:
            db.execute("INSERT INTO orders (out_trade_no, amount_fen) VALUES (?, ?)", (out_trade_no, amount_fen))

    def record_payment(self, n: wn.PaymentNotification) -> Outcome:
        """Records a verified payment and applies it to its order, in one transaction.

        A dedupe_key seen before changes nothing ("duplicate"); a failed payment is logged and
        leaves the order alone ("failed"); a successful one marks the order paid only if it exists,
        is pending and its amount equals total_fee ("paid"), else it goes to discrepancies
        ("discrepancy") and nothing is fulfilled.
        """
        key = n.dedupe_key
        if key is None:
            raise ValueError("a payment without transaction_id cannot be recorded")
        fee = _fen(n.total_fee)
        success = n.result_code == "SUCCESS"
        with self._transaction() as db:
            order = None
            if success and n.out_trade_no is not None:
                order = db.execute(
                    "SELECT amount_fen, status FROM orders WHERE out_trade_no = ?", (n.out_trade_no,)
                ).fetchone()
            reason: Reason | None = None
            if not success:
                outcome: Outcome = "failed"
            else:
                if order is None:
                    reason = "unknown_order"
                elif fee != order[0]:
                    reason = "amount_mismatch"
                elif order[1] != "pending":
                    reason = "already_paid"
                outcome = "paid" if reason is None else "discrepancy"
            inserted = db.execute(
                "INSERT INTO payments (dedupe_key, out_trade_no, total_fee, result_code, outcome)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                (key, n.out_trade_no, fee, n.result_code, outcome),
            ).rowcount
            if inserted == 0:
                return "duplicate"  # a retry: the first delivery did everything
            if outcome == "paid":
                db.execute(
                    "UPDATE orders SET status = 'paid', transaction_id = ? WHERE out_trade_no = ? AND status = 'pending'",
                    (key, n.out_trade_no),
                )
            elif reason is not None:
                db.execute(
                    "INSERT INTO discrepancies (dedupe_key, out_trade_no, total_fee, order_amount_fen, reason)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (key, n.out_trade_no, fee, None if order is None else order[0], reason),
                )
            return outcome

    def record_refund(self, n: wn.RefundNotification) -> bool:
        """Records a decrypted refund once. Returns False when it was already recorded.

        Only a record, never an action: req_info is AES-256-ECB without integrity, so blocks of two
        genuine refund notifications of the same merchant can be cut and pasted into a third that
        passes every check. Treat a refund notification as a hint: confirm it with the refund query
        API before any irreversible action.
        """
        if n.dedupe_key is None:
            raise ValueError("a refund without refund_id cannot be recorded")
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO refunds (dedupe_key, out_trade_no, out_refund_no, refund_fee, refund_status)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                (n.dedupe_key, n.out_trade_no, n.out_refund_no, _fen(n.refund_fee), n.refund_status),
            )
            return cur.rowcount == 1

    def order(self, out_trade_no: str) -> OrderRow | None:
        """(out_trade_no, amount_fen, status, transaction_id) of one order."""
        with self._connect() as db:
            row = db.execute(
                "SELECT out_trade_no, amount_fen, status, transaction_id FROM orders WHERE out_trade_no = ?",
                (out_trade_no,),
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def payments(self) -> list[PaymentRow]:
        """(dedupe_key, out_trade_no, total_fee, result_code, outcome) of every payment, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT dedupe_key, out_trade_no, total_fee, result_code, outcome FROM payments ORDER BY rowid"
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def discrepancies(self) -> list[DiscrepancyRow]:
        """(dedupe_key, out_trade_no, total_fee, order_amount_fen, reason), oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT dedupe_key, out_trade_no, total_fee, order_amount_fen, reason"
                " FROM discrepancies ORDER BY rowid"
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def refunds(self) -> list[RefundRow]:
        """(dedupe_key, out_trade_no, out_refund_no, refund_fee, refund_status), oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT dedupe_key, out_trade_no, out_refund_no, refund_fee, refund_status FROM refunds ORDER BY rowid"
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


XML = "text/xml; charset=utf-8"
# The verifier's default limit. The apps read at most one byte more, so that the verifier sees an
# oversized body as one (body_too_large, HTTP 413) without the rest of it ever being buffered.
MAX_BODY_BYTES = 65536


def fail_status(code: str) -> int:
    return 413 if code == "body_too_large" else 400


def handle_payment(verifier: wn.Verifier, store: Store, body: bytes) -> tuple[int, str]:
    """(HTTP status, reply) for a payment notification's raw body: what both apps answer.

    Every verified notification gets the exact SUCCESS reply, whatever it did (paid, failed,
    discrepancy, duplicate): replying FAIL would only make WeChat Pay send it again. A rejected one
    records nothing and gets FAIL with the error code; so does our own failure to record it
    (WeChat Pay then retries).
    """
    try:
        n = verifier.verify_payment(body)
    except wn.NotifyError as e:
        log.warning("rejected payment notification: %s", e)
        return fail_status(e.code), wn.reply_fail(e.code)
    if n.dedupe_key is None:
        # Only a failed payment can lack a transaction_id (the core requires one with
        # result_code=SUCCESS): nothing was paid and there is no key to record it under.
        log.info("verified failed payment without transaction_id: acknowledged")
        return 200, wn.reply_success()
    try:
        outcome = store.record_payment(n)
    except sqlite3.Error:
        log.exception("could not record payment %s", n.dedupe_key)
        return 500, wn.reply_fail("internal")
    if outcome == "discrepancy":
        log.warning("payment %s for order %r: DISCREPANCY, recorded for review", n.dedupe_key, n.out_trade_no)
    else:
        log.info("payment %s for order %r: %s", n.dedupe_key, n.out_trade_no, outcome)
    return 200, wn.reply_success()


def handle_refund(verifier: wn.Verifier, store: Store, body: bytes) -> tuple[int, str]:
    """(HTTP status, reply) for a refund notification's raw body. The refund is only recorded:
    confirm it with the refund query API before acting on it (see Store.record_refund)."""
    try:
        n = verifier.decrypt_refund(body)
    except wn.NotifyError as e:
        log.warning("rejected refund notification: %s", e)
        return fail_status(e.code), wn.reply_fail(e.code)
    if n.dedupe_key is None:
        log.warning("decrypted refund notification without refund_id: acknowledged, not recorded")
        return 200, wn.reply_success()
    try:
        store.record_refund(n)
    except sqlite3.Error:
        log.exception("could not record refund %s", n.dedupe_key)
        return 500, wn.reply_fail("internal")
    return 200, wn.reply_success()


def verifier_from_env() -> wn.Verifier:
    """The merchant configuration, from the environment (the key never on the command line)."""
    return wn.Verifier(
        os.environ["WECHATPAY_API_KEY"],
        os.environ.get("WECHATPAY_SIGN_TYPE", "MD5"),
        appid=os.environ.get("WECHATPAY_APPID"),
        mch_id=os.environ.get("WECHATPAY_MCH_ID"),
    )


def store_from_env() -> Store:
    return Store(os.environ.get("WECHATPAY_DB", "payments.sqlite3"))


def main(argv: list[str]) -> int:
    """``add-order OUT_TRADE_NO AMOUNT_FEN``: a stand-in for your checkout, so that the sample
    notifications have an order to pay."""
    if len(argv) != 3 or argv[0] != "add-order" or not (argv[2].isascii() and argv[2].isdigit()) or int(argv[2]) <= 0:
        print("usage: python notify_store.py add-order OUT_TRADE_NO AMOUNT_FEN  (WECHATPAY_DB)", file=sys.stderr)
        return 2
    store_from_env().create_order(argv[1], int(argv[2]))
    print(f"order {argv[1]} ({argv[2]} fen) created in {os.environ.get('WECHATPAY_DB', 'payments.sqlite3')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
