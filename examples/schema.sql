-- The database of every example notify endpoint (Rust, Python, Node, .NET, C): each one runs this
-- file when it opens the database. `merchant` is the profile label the endpoint reports.
-- The merchants' orders, created by the checkout before it asks WeChat Pay to pay them.
CREATE TABLE IF NOT EXISTS orders (
    merchant       TEXT NOT NULL,
    out_trade_no   TEXT NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid')),
    transaction_id TEXT,
    PRIMARY KEY (merchant, out_trade_no)
);
-- Every verified payment notification, once per merchant and dedupe_key (transaction_id, the same
-- for the v2 and v3 deliveries of one payment), with what it did. version: the first delivery's.
CREATE TABLE IF NOT EXISTS payments (
    merchant     TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL,
    version      TEXT NOT NULL CHECK (version IN ('v2', 'v3')),
    out_trade_no TEXT,
    total_fee    INTEGER, -- fen: v2 total_fee, v3 amount.total
    result       TEXT,    -- v2 result_code, v3 trade_state
    outcome      TEXT NOT NULL CHECK (outcome IN ('paid', 'failed', 'discrepancy')),
    received_at  TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (merchant, dedupe_key)
);
-- Verified successful payments that paid no order: for a person to review, never fulfilled.
CREATE TABLE IF NOT EXISTS discrepancies (
    merchant         TEXT NOT NULL,
    dedupe_key       TEXT NOT NULL,
    out_trade_no     TEXT,
    total_fee        INTEGER,
    order_amount_fen INTEGER,
    reason           TEXT NOT NULL CHECK (reason IN ('unknown_order', 'amount_mismatch', 'already_paid')),
    received_at      TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (merchant, dedupe_key),
    FOREIGN KEY (merchant, dedupe_key) REFERENCES payments (merchant, dedupe_key)
);
-- Refund notifications, once per merchant and dedupe_key (refund_id:STATUS: each state of a refund
-- is its own delivery). A record, never acted upon: a v2 req_info is AES-256-ECB without
-- integrity; confirm with the refund query API first.
CREATE TABLE IF NOT EXISTS refunds (
    merchant      TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL,
    version       TEXT NOT NULL CHECK (version IN ('v2', 'v3')),
    out_trade_no  TEXT,
    out_refund_no TEXT,
    refund_fee    INTEGER, -- fen: v2 refund_fee, v3 amount.refund
    refund_status TEXT,
    received_at   TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (merchant, dedupe_key)
);
-- Each refund's latest state (v3's words: v2 CHANGE is ABNORMAL, REFUNDCLOSE is CLOSED). It only
-- moves forward: ABNORMAL (or PROCESSING) may become SUCCESS or CLOSED, never the reverse, whatever
-- order retries arrive in. Every example updates it with this one statement:
--   INSERT INTO refund_states (merchant, refund_id, status) VALUES (?, ?, ?)
--   ON CONFLICT (merchant, refund_id) DO UPDATE SET status = excluded.status, updated_at = datetime('now')
--   WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')
CREATE TABLE IF NOT EXISTS refund_states (
    merchant   TEXT NOT NULL,
    refund_id  TEXT NOT NULL,
    status     TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (merchant, refund_id)
);
