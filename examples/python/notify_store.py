"""The merchant's half of one WeChat Pay notify_url for several merchants, v2 and APIv3, shared by
flask_app and fastapi_app: the profiles file, the SQLite store (orders, payments, discrepancies,
refunds) and the request handler.

Every request goes to a ``wechatpay_notify.Endpoint``, which decides the version (a
``Wechatpay-Signature`` header: APIv3, merchant by ``Wechatpay-Serial``; otherwise v2 XML, merchant by
``mch_id``, a refund when ``req_info`` is present) and verifies it with that merchant's own keys.
Every protocol rule is the core's; what this module adds is WeChat Pay's requirement on every
notify_url: a verified notification proves that WeChat Pay sent it, not that it pays *your* order.
So a successful payment marks the merchant's order paid only if that merchant has it, it is still
pending and its amount equals the payment's (v2 ``total_fee``, APIv3 ``amount.total``); anything
else is kept in ``discrepancies`` for a person to review and never fulfilled. WeChat Pay retries a
notification until it is acknowledged (for up to 24 h), and a merchant migrating to APIv3 receives
both versions of one payment: each payment is recorded once per (merchant, ``dedupe_key``) in one
``BEGIN IMMEDIATE`` transaction, and a retry changes nothing. The core's ``dedupe_key`` names the
state where one object can report several: a payment that did not succeed is
``transaction_id:STATE`` (its later success is still recorded and pays), a refund is
``refund_id:STATUS``. Refunds are recorded, never acted upon; each refund's latest state is kept in
``refund_states`` and only moves forward (ABNORMAL may become SUCCESS or CLOSED, never the reverse,
whatever order the deliveries arrive in; v2 ``CHANGE``/``REFUNDCLOSE`` read as ``ABNORMAL``/``CLOSED``).

    python notify_store.py add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN   # an order in $WECHATPAY_DB
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Literal, NamedTuple

import wechatpay_notify as wn

log = logging.getLogger("wechatpay_notify_example")

# The one path WeChat Pay posts every notification to (your notify_url, for every merchant and both
# versions).
NOTIFY_PATH = "/wechatpay/notify"
# The verifiers' default limit (the profiles use it). The apps read at most one byte more, so that
# the endpoint sees a longer body as one (body_too_large) without the rest ever being buffered.
MAX_BODY_BYTES = 65536
READ_LIMIT = MAX_BODY_BYTES + 1

# The schema, examples/schema.sql, shared by every example. `merchant` is the profile label the
# endpoint reports.
SCHEMA = (Path(__file__).resolve().parent.parent / "schema.sql").read_text(encoding="utf-8")

Version = Literal["v2", "v3"]
# What recording a payment did; "duplicate" (a retry, or the other version's delivery) changed nothing.
Outcome = Literal["paid", "failed", "discrepancy", "duplicate"]
Reason = Literal["unknown_order", "amount_mismatch", "already_paid"]


# ---- the profiles file ---------------------------------------------------------------------------


class ConfigError(Exception):
    """Why the profiles file could not be used. The message names files, variables and fields, never
    a key (the core's errors never contain one either)."""


def _text(part: dict[str, Any], name: str) -> str | None:
    value = part.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"{name} must be a string")


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{what} must be a JSON object")
    return value


def _secret(part: dict[str, Any], name: str, base: Path) -> str:
    """A key named by ``<name>_file`` (relative to the profiles file; surrounding whitespace
    trimmed) or ``<name>_env``. A key written inline under ``<name>`` is refused."""
    if name in part:
        raise ConfigError(f"{name}: keys are never written into the profiles file; use {name}_file or {name}_env")
    file, var = _text(part, f"{name}_file"), _text(part, f"{name}_env")
    if file is not None and var is None:
        path = base / file
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    if var is not None and file is None:
        value = os.environ.get(var)
        if value is None:
            raise ConfigError(f"${var} (named by {name}_env) is not set")
        return value
    raise ConfigError(f"give exactly one of {name}_file and {name}_env")


def _v2_part(part: dict[str, Any], base: Path) -> wn.Verifier:
    also_accept = part.get("also_accept") or []
    if not isinstance(also_accept, list) or not all(isinstance(t, str) for t in also_accept):
        raise ConfigError("also_accept must be a list of sign type names")
    return wn.Verifier(
        _secret(part, "api_key", base),
        _text(part, "sign_type") or "MD5",
        # Required by MerchantProfile (it refuses a v2 part without one: v2 routes by mch_id).
        mch_id=_text(part, "mch_id"),
        appid=_text(part, "appid"),
        also_accept=also_accept,
    )


def _v3_part(part: dict[str, Any], base: Path) -> wn.V3Verifier:
    files = part.get("platform_keys")
    if not isinstance(files, dict) or not all(isinstance(f, str) for f in files.values()):
        raise ConfigError("platform_keys must map key ids to PEM files")
    pems: dict[str, str] = {}
    for key_id, file in files.items():
        path = base / file
        try:
            pems[key_id] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read {path}: {e}") from None
    api_v3_key = _secret(part, "api_v3_key", base)
    try:
        return wn.V3Verifier(api_v3_key, pems)
    except wn.NotifyError as e:
        # The core says what is wrong (a key of the wrong length, a PEM that is not an RSA key of
        # 2048 bits or more); name the files it came from.
        raise ConfigError(f"{e} (platform_keys: {', '.join(str(base / f) for f in files.values())})") from None


def load_endpoint(path: str | Path) -> wn.Endpoint:
    """Reads the profiles file at ``path`` (the JSON format of ``wechatpay-notify verify-any
    --profiles``) and builds the endpoint; raises ConfigError.

    ::

        {"profiles": [
          {"label": "shop-a",
           "v2": {"api_key_file": "shop-a/api_key.txt", "sign_type": "MD5", "mch_id": "10000100"},
           "v3": {"api_v3_key_env": "SHOP_A_API_V3_KEY",
                  "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "shop-a/wechatpay_public_key.pem"}}},
          {"label": "shop-b", "v2": {...}, "v3": {...}}
        ]}

    Every value is checked by the core (Verifier, V3Verifier, MerchantProfile, Endpoint): two
    profiles with the same label, mch_id or key id are refused (``invalid_config``).
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    except ValueError as e:
        raise ConfigError(f"{path} is not JSON: {e}") from None
    items = doc.get("profiles") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ConfigError(f'{path}: needs a "profiles" list')
    base = path.parent
    profiles = []
    for i, item in enumerate(items):
        p = _object(item, f"profiles[{i}]")
        label = _text(p, "label")
        if label is None:
            raise ConfigError(f"profiles[{i}] needs a label")
        try:
            v2 = None if p.get("v2") is None else _v2_part(_object(p["v2"], "v2"), base)
            v3 = None if p.get("v3") is None else _v3_part(_object(p["v3"], "v3"), base)
            profiles.append(wn.MerchantProfile(label, v2=v2, v3=v3))
        except (ConfigError, wn.NotifyError) as e:
            raise ConfigError(f"profile {label}: {e}") from None
    try:
        return wn.Endpoint(profiles)
    except wn.NotifyError as e:
        raise ConfigError(str(e)) from None


# ---- what a verified notification is recorded as ---------------------------------------------


class Payment(NamedTuple):
    """A verified payment, as recorded."""

    merchant: str
    # transaction_id when the payment succeeded (the same for the v2 and v3 deliveries),
    # transaction_id:STATE when it did not (so that its later success is not a "duplicate")
    dedupe_key: str
    version: Version
    out_trade_no: str | None
    total_fee: int | None  # fen (None when absent or too large for SQLite: it then matches no order)
    result: str | None  # v2 result_code, v3 trade_state
    success: bool  # the core's is_success: only then can it pay an order


class Refund(NamedTuple):
    """A verified refund notification, as recorded (never acted upon)."""

    merchant: str
    dedupe_key: str  # refund_id:STATUS (the state in APIv3's words): one row per state of a refund
    version: Version
    out_trade_no: str | None
    out_refund_no: str | None
    refund_fee: int | None
    refund_status: str | None  # as received (v2: SUCCESS, CHANGE, REFUNDCLOSE)


class RefundState(NamedTuple):
    """A refund's latest state (refund_states): SUCCESS, ABNORMAL, CLOSED, ... in APIv3's words."""

    merchant: str
    refund_id: str
    status: str


class Unrecorded(NamedTuple):
    """Acknowledged but not recorded, and why."""

    why: str


_INT64_MAX = 2**63 - 1


def _fen(read: Callable[[], int | None]) -> int | None:
    """An amount as recorded: ``read()`` (a typed attribute of the core) when SQLite can hold it,
    else NULL, which matches no order (so such a payment goes to discrepancies, never pays): a
    larger amount, and an amount the core refuses (present in another form than a non-negative
    integer: the attribute raises NotifyError ``missing_field``)."""
    try:
        amount = read()
    except wn.NotifyError as e:
        log.warning("recording an amount as NULL: %s", e)
        return None
    return amount if amount is not None and amount <= _INT64_MAX else None


class RefundRecord(NamedTuple):
    """A verified refund notification, as record_refund takes it: the row, the refund's id, and the
    state it reports in APIv3's words (v2 CHANGE -> ABNORMAL, REFUNDCLOSE -> CLOSED)."""

    row: Refund
    refund_id: str | None
    state: str | None


def record_of(result: wn.EndpointResult) -> Payment | RefundRecord | Unrecorded:
    """What to record for a verified notification; every field is read through the core's typed
    views, and the dedupe key is the core's."""
    merchant, version, n = result.label, result.version, result.notification
    if isinstance(n, wn.PaymentNotification):
        if n.dedupe_key is None:
            # The core requires a transaction_id with result_code=SUCCESS: only a failed payment
            # can lack one, and there is no key to record it under.
            return Unrecorded("a failed payment without transaction_id")
        total = _fen(lambda: n.total_fee)
        return Payment(merchant, n.dedupe_key, version, n.out_trade_no, total, n.result_code, n.is_success)
    if isinstance(n, wn.RefundNotification):
        if n.dedupe_key is None:
            return Unrecorded("a refund without refund_id")
        row = Refund(
            merchant, n.dedupe_key, version, n.out_trade_no, n.out_refund_no, _fen(lambda: n.refund_fee), n.refund_status
        )
        # The core requires refund_id and refund_status in a v2 refund.
        return RefundRecord(row, n.refund_id, None if n.refund_status is None else wn.refund_state(n.refund_status))
    t, r = n.transaction, n.refund
    if t is not None:
        total = _fen(lambda: t.amount_total)
        return Payment(merchant, n.dedupe_key, version, t.out_trade_no, total, t.trade_state, n.is_success)
    if r is not None:
        row = Refund(
            merchant, n.dedupe_key, version, r.out_trade_no, r.out_refund_no, _fen(lambda: r.amount_refund), r.refund_status
        )
        # As the core's dedupe key: refund_status, else the event type's (REFUND.ABNORMAL, ...).
        status = r.refund_status or n.event_type.removeprefix("REFUND.")
        return RefundRecord(row, r.refund_id, wn.refund_state(status) if status else None)
    return Unrecorded(f"event type {n.event_type} is not handled here")


# ---- the store -------------------------------------------------------------------------------


class Order(NamedTuple):
    merchant: str
    out_trade_no: str
    amount_fen: int
    status: str  # pending, paid
    transaction_id: str | None


class PaymentRow(NamedTuple):
    merchant: str
    dedupe_key: str
    version: str  # of the first delivery
    out_trade_no: str | None
    total_fee: int | None
    result: str | None
    outcome: str  # paid, failed, discrepancy


class Discrepancy(NamedTuple):
    merchant: str
    dedupe_key: str
    out_trade_no: str | None
    total_fee: int | None
    order_amount_fen: int | None
    reason: str  # unknown_order, amount_mismatch, already_paid


class Store:
    """One SQLite file; each call opens its own connection (safe across server threads and
    processes: WAL mode, and writers queue on SQLite's lock for up to 10 s)."""

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

    def create_order(self, merchant: str, out_trade_no: str, amount_fen: int) -> None:
        """Creates a pending order for a merchant (in a real shop: the checkout, before it asks
        WeChat Pay to pay it)."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO orders (merchant, out_trade_no, amount_fen) VALUES (?, ?, ?)",
                (merchant, out_trade_no, amount_fen),
            )

    def record_payment(self, p: Payment) -> Outcome:
        """Records a verified payment and applies it to its merchant's order, in one transaction.

        A (merchant, dedupe_key) seen before changes nothing ("duplicate": a retry, or the same
        payment delivered by the other API version); a failed payment is logged and leaves the order
        alone ("failed"); a successful one marks the order paid only if the merchant has it, it is
        pending and its amount equals the payment's ("paid"), else it goes to discrepancies
        ("discrepancy") and nothing is fulfilled.
        """
        with self._transaction() as db:
            order: tuple[int, str] | None = None
            if p.success and p.out_trade_no is not None:
                order = db.execute(
                    "SELECT amount_fen, status FROM orders WHERE merchant = ? AND out_trade_no = ?",
                    (p.merchant, p.out_trade_no),
                ).fetchone()
            reason: Reason | None = None
            if p.success:
                if order is None:
                    reason = "unknown_order"
                elif p.total_fee != order[0]:
                    reason = "amount_mismatch"
                elif order[1] != "pending":
                    reason = "already_paid"
            outcome: Outcome = "failed" if not p.success else "paid" if reason is None else "discrepancy"
            inserted = db.execute(
                "INSERT INTO payments (merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant, dedupe_key) DO NOTHING",
                (p.merchant, p.dedupe_key, p.version, p.out_trade_no, p.total_fee, p.result, outcome),
            ).rowcount
            if inserted == 0:
                return "duplicate"  # the first delivery did everything
            if outcome == "paid":
                # A successful payment's dedupe_key is its transaction_id.
                db.execute(
                    "UPDATE orders SET status = 'paid', transaction_id = ?"
                    " WHERE merchant = ? AND out_trade_no = ? AND status = 'pending'",
                    (p.dedupe_key, p.merchant, p.out_trade_no),
                )
            elif reason is not None:
                db.execute(
                    "INSERT INTO discrepancies (merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (p.merchant, p.dedupe_key, p.out_trade_no, p.total_fee, None if order is None else order[0], reason),
                )
            return outcome

    def record_refund(self, r: Refund, refund_id: str | None = None, state: str | None = None) -> bool:
        """Records a refund notification once per (merchant, dedupe_key) (``refund_id:STATUS``: each
        state of a refund is recorded once) and, when it is new, moves the refund's latest state in
        ``refund_states`` forward to ``state`` (APIv3's words: use ``wechatpay_notify.refund_state``
        for a v2 status), in one transaction; True when it is new.

        The state moves forward only: ABNORMAL (or PROCESSING) may become SUCCESS or CLOSED, but a
        SUCCESS or CLOSED refund never goes back, whatever order the deliveries arrive in (the one
        upsert examples/schema.sql gives every example).

        Only a record, never an action: a v2 refund's req_info is AES-256-ECB without integrity, so
        blocks of two genuine refund notifications of the same merchant can be cut and pasted into a
        third that passes every check. Treat a refund notification as a hint: confirm it with the
        refund query API before any irreversible action.
        """
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO refunds (merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee,"
                " refund_status) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant, dedupe_key) DO NOTHING",
                tuple(r),
            )
            if cur.rowcount == 0:
                return False  # the first delivery of this state did everything
            if refund_id and state:
                db.execute(
                    "INSERT INTO refund_states (merchant, refund_id, status) VALUES (?, ?, ?)"
                    " ON CONFLICT (merchant, refund_id) DO UPDATE SET status = excluded.status,"
                    " updated_at = datetime('now') WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')",
                    (r.merchant, refund_id, state),
                )
            return True

    def order(self, merchant: str, out_trade_no: str) -> Order | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT merchant, out_trade_no, amount_fen, status, transaction_id FROM orders"
                " WHERE merchant = ? AND out_trade_no = ?",
                (merchant, out_trade_no),
            ).fetchone()
        return None if row is None else Order(*row)

    def count(self) -> int:
        """The number of recorded payments."""
        with self._connect() as db:
            n: int = db.execute("SELECT COUNT(*) FROM payments").fetchone()[0]
        return n

    def payments(self) -> list[PaymentRow]:
        """Every recorded payment, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome"
                " FROM payments ORDER BY rowid"
            ).fetchall()
        return [PaymentRow(*r) for r in rows]

    def discrepancies(self) -> list[Discrepancy]:
        """Every discrepancy, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason"
                " FROM discrepancies ORDER BY rowid"
            ).fetchall()
        return [Discrepancy(*r) for r in rows]

    def refund_state(self, merchant: str, refund_id: str) -> str | None:
        """A refund's latest state (SUCCESS, ABNORMAL, CLOSED, ...), or None when none was recorded."""
        with self._connect() as db:
            row = db.execute(
                "SELECT status FROM refund_states WHERE merchant = ? AND refund_id = ?", (merchant, refund_id)
            ).fetchone()
        return None if row is None else str(row[0])

    def refund_states(self) -> list[RefundState]:
        """Every refund's latest state, first recorded first."""
        with self._connect() as db:
            rows = db.execute("SELECT merchant, refund_id, status FROM refund_states ORDER BY rowid").fetchall()
        return [RefundState(*r) for r in rows]

    def refunds(self) -> list[Refund]:
        """Every recorded refund, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status"
                " FROM refunds ORDER BY rowid"
            ).fetchall()
        return [Refund(*r) for r in rows]


# ---- the handler -------------------------------------------------------------------------------

Headers = list[tuple[str, str]]


def _is_v3(headers: Iterable[tuple[str, str]]) -> bool:
    return any(name.lower() == "wechatpay-signature" for name, _ in headers)


def internal_reply(v3: bool) -> wn.HttpReply:
    """Our own failure (the database, or the test-only switch): 500 and the FAIL reply in the
    request's version, with the one refusal message (wn.REFUSAL_MESSAGE), so that WeChat Pay
    retries later."""
    return wn.reply_v3_fail("internal") if v3 else wn.HttpReply(500, "text/xml", wn.reply_fail(wn.REFUSAL_MESSAGE))


class Notify:
    """What both apps do with a request: the endpoint's verdict, the store, the endpoint's reply.

    ``fail_first``: TEST ONLY. The first N requests get 500 (as if the database were down), so that
    WeChat Pay's retries can be exercised with ``wechatpay-notify simulate --until-success``. Never
    set it in production.
    """

    def __init__(self, endpoint: wn.Endpoint, store: Store, *, fail_first: int = 0) -> None:
        self.endpoint = endpoint
        self.store = store
        self._fail_first = fail_first
        self._lock = threading.Lock()

    def _take_injected_failure(self) -> bool:
        with self._lock:
            if self._fail_first <= 0:
                return False
            self._fail_first -= 1
            return True

    def handle(self, headers: Headers, body: bytes) -> wn.HttpReply:
        """The reply (status, content type, body) to a request: its headers as (name, value) pairs,
        every one as received, and its raw body (at most READ_LIMIT bytes of it)."""
        if self._take_injected_failure():
            log.warning("TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500")
            return internal_reply(_is_v3(headers))
        try:
            result = self.endpoint.handle(headers, body)
        except wn.EndpointRejected as e:
            # Nothing is recorded. The reply carries one constant message (wn.REFUSAL_MESSAGE): the
            # code is for this log only. (The core's messages are bounded and free of control
            # characters: safe to log.)
            label = f" for {e.label}" if e.label else ""
            log.warning("rejected %s notification%s: %s", e.version or "undecided", label, e)
            return e.reply
        # Verified: from here on the reply is the success reply whatever the notification says (a
        # failed payment, a retry, an order that does not match): refusing it would only make WeChat
        # Pay send it again. The one exception is our own failure to record it.
        what = f"{result.label} {result.kind} notification"
        record = record_of(result)
        try:
            if isinstance(record, Payment):
                outcome = self.store.record_payment(record)
                if outcome == "discrepancy":
                    log.warning("verified %s: payment %s: DISCREPANCY, recorded for review", what, record.dedupe_key)
                else:
                    log.info("verified %s: payment %s: %s", what, record.dedupe_key, outcome)
            elif isinstance(record, RefundRecord):
                new = self.store.record_refund(record.row, record.refund_id, record.state)
                log.info(
                    "verified %s: refund %s: %s (never acted upon: confirm with the refund query API)",
                    what,
                    record.row.dedupe_key,
                    "recorded" if new else "already recorded",
                )
            else:
                log.info("verified %s: acknowledged, not recorded: %s", what, record.why)
        except sqlite3.Error as e:
            # Not acknowledged: WeChat Pay retries, and the retry is recorded then.
            log.error("could not record the verified %s: %s", what, e)
            return internal_reply(result.version == "v3")
        return result.reply


# ---- configuration from the environment ------------------------------------------------------


class Settings(NamedTuple):
    notify: Notify
    db_path: str
    host: str
    port: int


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def notify_from_env() -> Notify:
    """The handler configured by the environment (keys only ever from files or the environment,
    never from argv or code): ``WECHATPAY_PROFILES`` (the profiles file, default profiles.json),
    ``WECHATPAY_DB`` (default payments.sqlite3), ``WECHATPAY_EXAMPLE_FAIL_FIRST`` (TEST ONLY)."""
    endpoint = load_endpoint(_env("WECHATPAY_PROFILES") or "profiles.json")
    store = Store(_env("WECHATPAY_DB") or "payments.sqlite3")
    fail_first = 0
    n = _env("WECHATPAY_EXAMPLE_FAIL_FIRST")
    if n is not None:
        if not (n.isascii() and n.isdigit()):
            raise ConfigError(f"WECHATPAY_EXAMPLE_FAIL_FIRST: not a number: {n!r}")
        fail_first = int(n)
        log.warning("TEST ONLY: the first %d requests will get 500 (WECHATPAY_EXAMPLE_FAIL_FIRST)", fail_first)
    return Notify(endpoint, store, fail_first=fail_first)


def settings_from_env(argv: list[str]) -> Settings:
    """The handler and the listen address: the first argument (HOST:PORT), else WECHATPAY_LISTEN,
    else 127.0.0.1:8080."""
    listen = argv[0] if argv else _env("WECHATPAY_LISTEN") or "127.0.0.1:8080"
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not (port.isascii() and port.isdigit()):
        raise ConfigError(f"listen address must be HOST:PORT, got {listen!r}")
    notify = notify_from_env()
    return Settings(notify, notify.store.path, host, int(port))


def main(argv: list[str]) -> int:
    """``add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN``: a stand-in for your checkout, so that
    simulated notifications have an order to pay. MERCHANT is a profile label."""
    if len(argv) != 4 or argv[0] != "add-order" or not (argv[3].isascii() and argv[3].isdigit()) or int(argv[3]) <= 0:
        print(
            "usage: python notify_store.py add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN  (WECHATPAY_DB)",
            file=sys.stderr,
        )
        return 2
    db_path = _env("WECHATPAY_DB") or "payments.sqlite3"
    try:
        Store(db_path).create_order(argv[1], argv[2], int(argv[3]))
    except sqlite3.Error as e:
        print(f"{db_path}: {e}", file=sys.stderr)
        return 1
    print(f"order {argv[1]}/{argv[2]} ({argv[3]} fen) created in {db_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
