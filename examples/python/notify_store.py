"""Idempotent bookkeeping for verified notifications, in SQLite.

WeChat Pay retries a notification until it gets SUCCESS (for up to 24 h), so the same payment can
arrive many times: the table's primary key is the notification's ``dedupe_key``
(``transaction_id`` for payments, ``refund_id`` for refunds) and a retry inserts nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import wechatpay_notify as wn

SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    transaction_id TEXT PRIMARY KEY,
    out_trade_no   TEXT,
    total_fee      INTEGER,
    is_success     INTEGER NOT NULL,
    fields_json    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
    refund_id      TEXT PRIMARY KEY,
    out_refund_no  TEXT,
    refund_fee     INTEGER,
    refund_status  TEXT,
    req_info_json  TEXT NOT NULL
);
"""


class Store:
    """One SQLite file; each call opens its own connection (safe across server threads)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success, rolls back on error, and is always closed."""
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            yield db

    def record_payment(self, n: wn.PaymentNotification) -> bool:
        """Records a verified payment once. Returns False when it was already recorded."""
        if n.dedupe_key is None:
            # No transaction_id (possible on result_code=FAIL): nothing was paid, nothing to key on.
            return False
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO payments (transaction_id, out_trade_no, total_fee, is_success, fields_json)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (transaction_id) DO NOTHING",
                (n.dedupe_key, n.out_trade_no, n.total_fee, int(n.is_success), json.dumps(n.fields)),
            )
            return cur.rowcount == 1

    def record_refund(self, n: wn.RefundNotification) -> bool:
        """Records a decrypted refund once. Returns False when it was already recorded."""
        if n.dedupe_key is None:
            return False
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO refunds (refund_id, out_refund_no, refund_fee, refund_status, req_info_json)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (refund_id) DO NOTHING",
                (n.dedupe_key, n.out_refund_no, n.refund_fee, n.refund_status, json.dumps(n.req_info)),
            )
            return cur.rowcount == 1

    def payments(self) -> list[tuple[str, str | None, int | None, bool]]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT transaction_id, out_trade_no, total_fee, is_success FROM payments ORDER BY rowid"
            ).fetchall()
        return [(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def refunds(self) -> list[tuple[str, str | None, int | None, str | None]]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT refund_id, out_refund_no, refund_fee, refund_status FROM refunds ORDER BY rowid"
            ).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]


def verifier_from_env() -> wn.Verifier:
    """The merchant configuration, from the environment (the key never on the command line)."""
    import os

    return wn.Verifier(
        os.environ["WECHATPAY_API_KEY"],
        os.environ.get("WECHATPAY_SIGN_TYPE", "MD5"),
        appid=os.environ.get("WECHATPAY_APPID"),
        mch_id=os.environ.get("WECHATPAY_MCH_ID"),
    )
