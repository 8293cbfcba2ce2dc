"""The merchant's half of one WeChat Pay notify_url for several merchants, v2 and APIv3, shared by
flask_app and fastapi_app: the handler (``Notify``), the SQLite store, the configuration.

Every request goes to a ``wechatpay_notify.Endpoint`` read from a profiles file by the library's own
loader (``Endpoint.from_profiles_file``): it decides the version and the merchant and verifies the
request with that merchant's keys. What this module adds is WeChat Pay's requirement on every
notify_url: a verified notification proves that WeChat Pay sent it, not that it pays *your* order.
So a successful payment marks the merchant's order paid only if that merchant has it, it is still
pending and its amount equals the payment's; anything else is kept in ``discrepancies`` for a person
to review. WeChat Pay retries until it is acknowledged, and a merchant migrating to APIv3 receives
both versions of one payment: each notification is recorded once per (merchant, ``dedupe_key``) in
one ``BEGIN IMMEDIATE`` transaction (the core's key names the state: ``transaction_id:FAIL`` does
not swallow the later success, a refund is ``refund_id:STATUS``). Refunds are recorded, never acted
upon; each refund's latest state only moves forward (``refund_states``).

    python notify_store.py add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN   # an order in $WECHATPAY_DB
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Literal, NamedTuple

import wechatpay_notify as wn

log = logging.getLogger("wechatpay_notify_example")

NOTIFY_PATH = "/wechatpay/notify"  # your notify_url, for every merchant and both versions
MAX_BODY_BYTES = 65536  # the endpoint's default limit; the apps read one byte more, never the rest
READ_LIMIT = MAX_BODY_BYTES + 1
# examples/schema.sql, shared by every example; `merchant` is the profile label.
SCHEMA = (Path(__file__).resolve().parent.parent / "schema.sql").read_text(encoding="utf-8")

Outcome = Literal["paid", "failed", "discrepancy", "duplicate"]


class Payment(NamedTuple):
    merchant: str
    dedupe_key: str
    version: str
    out_trade_no: str | None
    total_fee: int | None  # v2 total_fee, v3 amount.total; None when unusable (matches no order)
    result: str | None  # v2 result_code, v3 trade_state
    success: bool


class Refund(NamedTuple):
    merchant: str
    dedupe_key: str  # refund_id:STATUS
    version: str
    out_trade_no: str | None
    out_refund_no: str | None
    refund_fee: int | None
    refund_status: str | None  # as received (v2: SUCCESS, CHANGE, REFUNDCLOSE)
    refund_id: str | None
    state: str | None  # the status in APIv3's words (wn.refund_state), for refund_states


def fen(read: Callable[[], int | None]) -> int | None:
    """An amount to record: a typed attribute of the core, or None (NULL, which pays no order) when
    the core refuses it (present but not an integer: NotifyError missing_field) or SQLite cannot
    hold it."""
    try:
        amount = read()
    except wn.NotifyError as e:
        log.warning("recording an amount as NULL: %s", e)
        return None
    return amount if amount is not None and amount < 2**63 else None


def record_of(r: wn.EndpointResult) -> Payment | Refund | None:
    """What to record for a verified notification, read through the core's typed views; None for
    what this shop does not record (another event type, a failed v2 payment without an id)."""
    n, key, merchant, version = r.notification, r.dedupe_key, r.label, r.version
    if key is None:
        return None
    if isinstance(n, wn.PaymentNotification):
        return Payment(merchant, key, version, n.out_trade_no, fen(lambda: n.total_fee), n.result_code, n.is_success)
    if isinstance(n, wn.RefundNotification):
        status, fee = n.refund_status, fen(lambda: n.refund_fee)
        state = None if status is None else wn.refund_state(status)
        return Refund(merchant, key, version, n.out_trade_no, n.out_refund_no, fee, status, n.refund_id, state)
    t, rf = n.transaction, n.refund
    if t is not None:
        return Payment(merchant, key, version, t.out_trade_no, fen(lambda: t.amount_total), t.trade_state, n.is_success)
    if rf is not None:
        status, fee = rf.refund_status, fen(lambda: rf.amount_refund)
        state = None if status is None else wn.refund_state(status)
        return Refund(merchant, key, version, rf.out_trade_no, rf.out_refund_no, fee, status, rf.refund_id, state)
    return None


class Store:
    """One SQLite file; a connection per call (safe across threads and processes: WAL, and writers
    queue on SQLite's lock for up to 10 s)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as db:
            yield db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE (concurrent deliveries apply one at a time), COMMIT, or ROLLBACK."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def create_order(self, merchant: str, out_trade_no: str, amount_fen: int) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT INTO orders (merchant, out_trade_no, amount_fen) VALUES (?, ?, ?)",
                (merchant, out_trade_no, amount_fen),
            )

    def record_payment(self, p: Payment) -> Outcome:
        """Once per (merchant, dedupe_key): a success pays the merchant's pending order of the same
        amount ("paid"), else goes to discrepancies; a failure is only recorded."""
        with self.transaction() as db:
            order = db.execute(
                "SELECT amount_fen, status FROM orders WHERE merchant = ? AND out_trade_no = ?",
                (p.merchant, p.out_trade_no),
            ).fetchone()
            reason = None
            if p.success:
                if order is None:
                    reason = "unknown_order"
                elif p.total_fee != order[0]:
                    reason = "amount_mismatch"
                elif order[1] != "pending":
                    reason = "already_paid"
            outcome: Outcome = "failed" if not p.success else "discrepancy" if reason else "paid"
            if not db.execute(
                "INSERT INTO payments (merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (*p[:6], outcome),
            ).rowcount:
                return "duplicate"  # a retry, or the other version's delivery
            if outcome == "paid":
                db.execute(
                    "UPDATE orders SET status = 'paid', transaction_id = ?"
                    " WHERE merchant = ? AND out_trade_no = ? AND status = 'pending'",
                    (p.dedupe_key, p.merchant, p.out_trade_no),  # a successful payment's key is its transaction_id
                )
            elif reason:
                db.execute(
                    "INSERT INTO discrepancies (merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen,"
                    " reason) VALUES (?, ?, ?, ?, ?, ?)",
                    (p.merchant, p.dedupe_key, p.out_trade_no, p.total_fee, order and order[0], reason),
                )
            return outcome

    def record_refund(self, r: Refund) -> bool:
        """Once per (merchant, refund_id:STATUS); a new state moves refund_states forward (a SUCCESS
        or CLOSED refund never goes back). Only a record: confirm a refund with the refund query API
        before acting on it (a v2 req_info is AES-256-ECB without integrity)."""
        with self.transaction() as db:
            if not db.execute(
                "INSERT INTO refunds (merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee,"
                " refund_status) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                r[:7],
            ).rowcount:
                return False
            if r.refund_id and r.state:
                db.execute(
                    "INSERT INTO refund_states (merchant, refund_id, status) VALUES (?, ?, ?)"
                    " ON CONFLICT (merchant, refund_id) DO UPDATE SET status = excluded.status,"
                    " updated_at = datetime('now') WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')",
                    (r.merchant, r.refund_id, r.state),
                )
            return True


class Notify:
    """What both apps do with a request. ``fail_first``: TEST ONLY, the first N requests get 500 (as
    if the database were down), to exercise WeChat Pay's retries; never set it in production."""

    def __init__(self, endpoint: wn.Endpoint, store: Store, *, fail_first: int = 0) -> None:
        self.endpoint, self.store, self.fail_first = endpoint, store, fail_first
        self.lock = threading.Lock()

    def handle(self, headers: list[tuple[str, str]], body: bytes) -> wn.HttpReply:
        """The reply to a request: every header as received, and the raw body."""
        with self.lock:
            injected, self.fail_first = self.fail_first > 0, max(self.fail_first - 1, 0)
        if injected:
            log.warning("TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500")
            return wn.internal_error_reply(headers)
        try:
            result = self.endpoint.handle(headers, body)
        except wn.EndpointRejected as e:  # nothing recorded; the code is for this log, never the reply
            log.warning("rejected %s notification for %s: %s", e.version or "undecided", e.label or "nobody", e)
            return e.reply
        # Verified: acknowledge it whatever it says (refusing only makes WeChat Pay send it again),
        # unless recording it fails.
        what = f"{result.label} {result.kind} {result.dedupe_key}"
        record = record_of(result)
        try:
            if isinstance(record, Payment):
                outcome = self.store.record_payment(record)  # a discrepancy is for a person to review
                log.log(logging.WARNING if outcome == "discrepancy" else logging.INFO, "verified %s: %s", what, outcome)
            elif isinstance(record, Refund):
                new = self.store.record_refund(record)
                log.info("verified %s: refund %s (confirm it before acting)", what, "recorded" if new else "duplicate")
            else:
                log.info("verified %s: acknowledged, not recorded", what)
        except sqlite3.Error as e:
            log.error("could not record %s: %s", what, e)
            return result.internal_error_reply()  # 500 in its version: WeChat Pay retries
        return result.reply


class Settings(NamedTuple):
    notify: Notify
    db_path: str
    host: str
    port: int


def notify_from_env() -> Notify:
    """``WECHATPAY_PROFILES`` (default profiles.json), ``WECHATPAY_DB`` (default payments.sqlite3),
    ``WECHATPAY_EXAMPLE_FAIL_FIRST`` (TEST ONLY). Raises ValueError (InvalidConfigError included)."""
    endpoint = wn.Endpoint.from_profiles_file(os.environ.get("WECHATPAY_PROFILES") or "profiles.json")
    n = os.environ.get("WECHATPAY_EXAMPLE_FAIL_FIRST") or "0"
    if not (n.isascii() and n.isdigit()):
        raise ValueError(f"WECHATPAY_EXAMPLE_FAIL_FIRST: not a number: {n!r}")
    if int(n):
        log.warning("TEST ONLY: the first %s requests will get 500 (WECHATPAY_EXAMPLE_FAIL_FIRST)", n)
    return Notify(endpoint, Store(os.environ.get("WECHATPAY_DB") or "payments.sqlite3"), fail_first=int(n))


def settings_from_env(argv: list[str]) -> Settings:
    """The handler, and the listen address: the first argument, else WECHATPAY_LISTEN, else
    127.0.0.1:8080."""
    listen = argv[0] if argv else os.environ.get("WECHATPAY_LISTEN") or "127.0.0.1:8080"
    host, _, port = listen.rpartition(":")
    if not host or not (port.isascii() and port.isdigit()):
        raise ValueError(f"listen address must be HOST:PORT, got {listen!r}")
    notify = notify_from_env()
    return Settings(notify, notify.store.path, host, int(port))


def main(argv: list[str]) -> int:
    """``add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN``: a stand-in for your checkout."""
    if len(argv) != 4 or argv[0] != "add-order" or not (argv[3].isascii() and argv[3].isdigit()) or int(argv[3]) <= 0:
        print("usage: python notify_store.py add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN", file=sys.stderr)
        return 2
    db_path = os.environ.get("WECHATPAY_DB") or "payments.sqlite3"
    try:
        Store(db_path).create_order(argv[1], argv[2], int(argv[3]))
    except sqlite3.Error as e:
        print(f"{db_path}: {e}", file=sys.stderr)
        return 1
    print(f"order {argv[1]}/{argv[2]} ({argv[3]} fen) created in {db_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
