package io.github.wechatpay_notify.example;

import io.github.wechatpay_notify.EndpointResult;
import io.github.wechatpay_notify.NotifyException;
import io.github.wechatpay_notify.PaymentNotification;
import io.github.wechatpay_notify.RefundNotification;
import io.github.wechatpay_notify.V3Notification;
import io.github.wechatpay_notify.V3Refund;
import io.github.wechatpay_notify.V3Transaction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The merchants' orders, the payments log, the discrepancies and the refunds, in one SQLite file
 * (JDBC through Debian's xerial sqlite-jdbc), with the schema every example shares
 * (examples/schema.sql, packaged as the resource {@code schema.sql}). Every call opens its own
 * connection, so request threads, and other processes sharing the file, each get SQLite's lock in
 * turn; {@code merchant} is the profile label the endpoint reports.
 */
public final class Store {
    /** The shared schema, examples/schema.sql. */
    public static final String SCHEMA = readSchema();

    private final String url;

    private static String readSchema() {
        try (InputStream in = Store.class.getResourceAsStream("/schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("the resource schema.sql is missing: package examples/schema.sql with the example");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens (and creates) the database at {@code path}, in WAL mode, with the shared schema. */
    public Store(String path) throws SQLException {
        url = "jdbc:sqlite:" + path;
        try (Connection db = open(); Statement s = db.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL"); // readers do not block the writer
            for (String statement : statements(SCHEMA)) {
                s.executeUpdate(statement);
            }
        }
    }

    /** The schema's statements (its comments removed; no statement holds a ';' of its own). */
    static List<String> statements(String script) {
        StringBuilder sql = new StringBuilder();
        for (String line : script.split("\n")) {
            int comment = line.indexOf("--");
            sql.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
        }
        List<String> out = new ArrayList<>();
        for (String s : sql.toString().split(";")) {
            if (!s.trim().isEmpty()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private Connection open() throws SQLException {
        Connection db = DriverManager.getConnection(url);
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout = 10000"); // wait up to 10 s for another writer
        }
        return db;
    }

    private static PreparedStatement prepare(Connection db, String sql, Object... args) throws SQLException {
        PreparedStatement st = db.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            st.setObject(i + 1, args[i]);
        }
        return st;
    }

    private static int exec(Connection db, String sql, Object... args) throws SQLException {
        try (PreparedStatement st = prepare(db, sql, args)) {
            return st.executeUpdate();
        }
    }

    /** An amount in fen as stored: null when absent (it then matches no order). */
    private static Long fen(OptionalLong amount) {
        return amount.isPresent() ? amount.getAsLong() : null;
    }

    /** Creates a pending order (in a real shop: the checkout, before it asks WeChat Pay to pay it). */
    public void createOrder(String merchant, String outTradeNo, long amountFen) throws SQLException {
        try (Connection db = open()) {
            exec(db, "INSERT INTO orders (merchant, out_trade_no, amount_fen) VALUES (?, ?, ?)", merchant, outTradeNo, amountFen);
        }
    }

    /**
     * Records a verified notification for its merchant ({@link EndpointResult#label()}), read through the
     * library's typed views, and says what it did: a payment (v2 payment, APIv3 {@code TRANSACTION.*})
     * goes to {@link #recordPayment}, a refund (v2 refund, APIv3 {@code REFUND.*}) to
     * {@link #recordRefund}; anything else is acknowledged, not recorded.
     */
    public String record(EndpointResult r) throws SQLException {
        // The dedupe key names what a notification reports: a successful payment's transaction_id (the
        // same in both versions), transaction_id:STATE for one that failed, refund_id:STATUS for a refund
        // (v2 CHANGE reads as ABNORMAL, REFUNDCLOSE as CLOSED).
        if (r.payment() != null) {
            PaymentNotification p = r.payment();
            // The core requires a transaction_id with result_code=SUCCESS: only a failed payment can lack
            // one, and there is no key to record it under.
            if (p.dedupeKey() == null) {
                return "acknowledged, not recorded: a failed payment without transaction_id";
            }
            return describe(recordPayment(r.label(), p.dedupeKey(), "v2", p.outTradeNo(), amount(p::totalFee, "total_fee"),
                    p.resultCode(), p.isSuccess(), p.transactionId()));
        }
        if (r.refund() != null) {
            RefundNotification f = r.refund();
            if (f.dedupeKey() == null) {
                return "acknowledged, not recorded: a refund without refund_id";
            }
            return describe(recordRefund(r.label(), f.dedupeKey(), "v2", f.outTradeNo(), f.outRefundNo(),
                    amount(f::refundFee, "refund_fee"), f.refundStatus(), f.refundId()));
        }
        V3Notification n = r.v3();
        if (n != null && n.transaction() != null) {
            V3Transaction t = n.transaction();
            return describe(recordPayment(r.label(), n.dedupeKey(), "v3", t.outTradeNo(), amount(t::amountTotal, "amount.total"),
                    t.tradeState(), n.isSuccess(), t.transactionId()));
        }
        if (n != null && n.refund() != null) {
            V3Refund f = n.refund();
            return describe(recordRefund(r.label(), n.dedupeKey(), "v3", f.outTradeNo(), f.outRefundNo(),
                    amount(f::amountRefund, "amount.refund"), f.refundStatus(), f.refundId()));
        }
        return "acknowledged, not recorded: an event type this example does not handle";
    }

    /**
     * A typed amount, or empty when absent. One present in another form than an amount in fen (the
     * library's {@code missing_field}) is logged and recorded as absent, so it pays no order.
     */
    private static OptionalLong amount(Supplier<OptionalLong> read, String name) {
        try {
            return read.get();
        } catch (NotifyException e) {
            System.err.println("notify: " + name + ": " + e.getCode() + ": " + e.getMessage());
            return OptionalLong.empty();
        }
    }

    private static String describe(String outcome) {
        switch (outcome) {
            case "paid":
                return "order paid";
            case "failed":
                return "failed payment recorded";
            case "discrepancy":
                return "DISCREPANCY, recorded for review";
            case "duplicate":
                return "already recorded";
            case "refund":
                return "refund recorded (never acted upon: confirm with the refund query API)";
            case "no_state":
                return "acknowledged, not recorded: a refund whose key names no state";
            default:
                return outcome;
        }
    }

    /**
     * Records a verified payment and applies it to its merchant's order, in one transaction. Returns
     * "duplicate" for a (merchant, dedupe key) seen before, a retry or the other version's delivery
     * (nothing changes); "failed" for a failed payment (logged, the order left alone); "paid" when the
     * merchant has the order, it is pending and its amount equals {@code totalFee}; else "discrepancy"
     * (recorded for review, nothing fulfilled).
     */
    public String recordPayment(String merchant, String dedupeKey, String version, String outTradeNo, OptionalLong totalFee,
            String result, boolean success, String transactionId) throws SQLException {
        Long fee = fen(totalFee);
        try (Connection db = open()) {
            // IMMEDIATE: the write lock first, so concurrent deliveries are applied one at a time.
            exec(db, "BEGIN IMMEDIATE");
            try {
                Long orderAmount = null;
                String orderStatus = null;
                if (success && outTradeNo != null) {
                    try (PreparedStatement st = prepare(db, "SELECT amount_fen, status FROM orders WHERE merchant = ? AND out_trade_no = ?",
                            merchant, outTradeNo); ResultSet rs = st.executeQuery()) {
                        if (rs.next()) {
                            orderAmount = rs.getLong(1);
                            orderStatus = rs.getString(2);
                        }
                    }
                }
                String reason = null;
                if (success) {
                    if (orderAmount == null) {
                        reason = "unknown_order";
                    } else if (fee == null || !fee.equals(orderAmount)) {
                        reason = "amount_mismatch";
                    } else if (!"pending".equals(orderStatus)) {
                        reason = "already_paid";
                    }
                }
                String outcome = !success ? "failed" : reason == null ? "paid" : "discrepancy";
                int inserted = exec(db, "INSERT INTO payments (merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant, dedupe_key) DO NOTHING",
                        merchant, dedupeKey, version, outTradeNo, fee, result, outcome);
                if (inserted == 0) {
                    exec(db, "ROLLBACK"); // a retry: the first delivery did everything
                    return "duplicate";
                }
                if (outcome.equals("paid")) {
                    exec(db, "UPDATE orders SET status = 'paid', transaction_id = ? WHERE merchant = ? AND out_trade_no = ?",
                            transactionId != null ? transactionId : dedupeKey, merchant, outTradeNo);
                } else if (outcome.equals("discrepancy")) {
                    exec(db, "INSERT INTO discrepancies (merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason) "
                            + "VALUES (?, ?, ?, ?, ?, ?)", merchant, dedupeKey, outTradeNo, fee, orderAmount, reason);
                }
                exec(db, "COMMIT");
                return outcome;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(db);
                throw e;
            }
        }
    }

    /**
     * Records a verified refund notification once per (merchant, dedupe key), and moves the refund's
     * state in refund_states forward only (the schema's one upsert): ABNORMAL may become SUCCESS or
     * CLOSED, never the reverse, whatever order retries arrive in. Never acted upon: a v2 req_info is
     * AES-256-ECB without integrity; confirm with the refund query API first. Returns "refund",
     * "duplicate", or "no_state" for a key that is not {@code refund_id:STATUS}.
     */
    public String recordRefund(String merchant, String dedupeKey, String version, String outTradeNo, String outRefundNo,
            OptionalLong refundFee, String refundStatus, String refundId) throws SQLException {
        if (refundId == null || !dedupeKey.startsWith(refundId + ":")) {
            return "no_state";
        }
        String state = dedupeKey.substring(refundId.length() + 1);
        try (Connection db = open()) {
            exec(db, "BEGIN IMMEDIATE");
            try {
                int inserted = exec(db, "INSERT INTO refunds (merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, "
                        + "refund_status) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant, dedupe_key) DO NOTHING",
                        merchant, dedupeKey, version, outTradeNo, outRefundNo, fen(refundFee), refundStatus);
                if (inserted == 0) {
                    exec(db, "ROLLBACK"); // a retry of this state: the first delivery did everything
                    return "duplicate";
                }
                exec(db, "INSERT INTO refund_states (merchant, refund_id, status) VALUES (?, ?, ?) "
                        + "ON CONFLICT (merchant, refund_id) DO UPDATE SET status = excluded.status, updated_at = datetime('now') "
                        + "WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')", merchant, refundId, state);
                exec(db, "COMMIT");
                return "refund";
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(db);
                throw e;
            }
        }
    }

    private static void rollbackQuietly(Connection db) {
        try {
            exec(db, "ROLLBACK");
        } catch (SQLException ignored) {
            // Nothing to roll back (the failure ended the transaction): keep the first error.
        }
    }

    /** A refund's latest recorded state (refund_states), or null when none. */
    public String refundState(String merchant, String refundId) throws SQLException {
        List<String> rows = rows("SELECT status FROM refund_states WHERE merchant = ? AND refund_id = ?", merchant, refundId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** The rows of a query, each as its columns joined with '|' (NULL as empty): for review by hand and the tests. */
    public List<String> rows(String sql, Object... args) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection db = open(); PreparedStatement st = prepare(db, sql, args); ResultSet rs = st.executeQuery()) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    Object v = rs.getObject(i);
                    row.append(i > 1 ? "|" : "").append(v == null ? "" : v.toString());
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }
}
