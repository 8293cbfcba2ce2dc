// A WeChat Pay v2 notify_url endpoint on HttpListener: verifies each POSTed notification with
// WechatPay.Notify, applies a payment to the merchant's order in SQLite (once per dedupe key, since
// WeChat Pay retries for 24 h, even concurrently), and answers with the exact reply WeChat Pay expects.
//
//   POST /notify/pay     payment result notifications
//   POST /notify/refund  refund result notifications (recorded only)
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using Mono.Data.Sqlite;
using WechatPay.Notify;

namespace WechatPay.Notify.Example
{
    /// <summary>
    /// The merchant's orders, the payments log and the discrepancies, in one SQLite file (Mono's
    /// Mono.Data.Sqlite over the system libsqlite3). Every call opens its own connection, so
    /// request threads, and other processes sharing the file, each get SQLite's lock in turn.
    /// </summary>
    public sealed class Store
    {
        /// <summary>The same schema in every example of this repository (Rust, Python, Node, .NET, C).</summary>
        public const string Schema = @"
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
-- Refund notifications, once per dedupe_key (refund_id). Only a record: see RecordRefund.
CREATE TABLE IF NOT EXISTS refunds (
    dedupe_key    TEXT PRIMARY KEY NOT NULL,
    out_trade_no  TEXT,
    out_refund_no TEXT,
    refund_fee    INTEGER,
    refund_status TEXT,
    received_at   TEXT NOT NULL DEFAULT (datetime('now'))
);";

        private readonly string connectionString;

        public Store(string path)
        {
            connectionString = "Data Source=" + path + ";Version=3";
            using (SqliteConnection db = Open())
            {
                Exec(db, "PRAGMA journal_mode = WAL"); // readers do not block the writer
                Exec(db, Schema);
            }
        }

        private SqliteConnection Open()
        {
            var db = new SqliteConnection(connectionString);
            db.Open();
            Exec(db, "PRAGMA busy_timeout = 10000"); // wait up to 10 s for another writer
            return db;
        }

        private static SqliteCommand Command(SqliteConnection db, string sql, params object[] args)
        {
            SqliteCommand cmd = db.CreateCommand();
            cmd.CommandText = sql;
            for (int i = 0; i < args.Length; i++)
            {
                cmd.Parameters.Add(new SqliteParameter("@p" + i, args[i] ?? DBNull.Value));
            }
            return cmd;
        }

        private static int Exec(SqliteConnection db, string sql, params object[] args)
        {
            using (SqliteCommand cmd = Command(db, sql, args)) return cmd.ExecuteNonQuery();
        }

        /// <summary>Creates a pending order (in a real shop: the checkout, before it calls unifiedorder).</summary>
        public void CreateOrder(string outTradeNo, long amountFen)
        {
            using (SqliteConnection db = Open())
            {
                Exec(db, "INSERT INTO orders (out_trade_no, amount_fen) VALUES (@p0, @p1)", outTradeNo, amountFen);
            }
        }

        /// <summary>Records a verified payment and applies it to its order (see the other overload).</summary>
        public string RecordPayment(PaymentNotification n)
        {
            return RecordPayment(n.DedupeKey, n.OutTradeNo, n.TotalFee, n.ResultCode);
        }

        /// <summary>
        /// Records a verified payment and applies it to its order, in one transaction. Returns
        /// "duplicate" for a dedupe key seen before (nothing changes); "failed" for a failed payment
        /// (logged, the order left alone); "paid" when the order exists, is pending and its amount
        /// equals <paramref name="totalFee"/>; else "discrepancy" (recorded for review, nothing
        /// fulfilled).
        /// </summary>
        public string RecordPayment(string dedupeKey, string outTradeNo, ulong? totalFee, string resultCode)
        {
            if (dedupeKey == null) throw new ArgumentNullException("dedupeKey");
            // A fee past long.MaxValue cannot be stored; no order has it, so it is a mismatch.
            object fee = totalFee.HasValue && totalFee.Value <= long.MaxValue ? (object)(long)totalFee.Value : null;
            bool success = resultCode == "SUCCESS";
            using (SqliteConnection db = Open())
            {
                // IMMEDIATE: the write lock first, so concurrent deliveries are applied one at a time.
                Exec(db, "BEGIN IMMEDIATE");
                try
                {
                    object orderAmount = null;
                    string orderStatus = null;
                    if (success && outTradeNo != null)
                    {
                        using (SqliteCommand cmd = Command(db, "SELECT amount_fen, status FROM orders WHERE out_trade_no = @p0", outTradeNo))
                        using (SqliteDataReader r = cmd.ExecuteReader())
                        {
                            if (r.Read())
                            {
                                orderAmount = r.GetInt64(0);
                                orderStatus = r.GetString(1);
                            }
                        }
                    }
                    string reason = null;
                    if (success)
                    {
                        if (orderAmount == null) reason = "unknown_order";
                        else if (fee == null || (long)fee != (long)orderAmount) reason = "amount_mismatch";
                        else if (orderStatus != "pending") reason = "already_paid";
                    }
                    string outcome = !success ? "failed" : reason == null ? "paid" : "discrepancy";
                    int inserted = Exec(db,
                        "INSERT INTO payments (dedupe_key, out_trade_no, total_fee, result_code, outcome) " +
                        "VALUES (@p0, @p1, @p2, @p3, @p4) ON CONFLICT (dedupe_key) DO NOTHING",
                        dedupeKey, outTradeNo, fee, resultCode, outcome);
                    if (inserted == 0)
                    {
                        Exec(db, "ROLLBACK"); // a retry: the first delivery did everything
                        return "duplicate";
                    }
                    if (outcome == "paid")
                    {
                        Exec(db, "UPDATE orders SET status = 'paid', transaction_id = @p0 WHERE out_trade_no = @p1 AND status = 'pending'",
                            dedupeKey, outTradeNo);
                    }
                    else if (reason != null)
                    {
                        Exec(db,
                            "INSERT INTO discrepancies (dedupe_key, out_trade_no, total_fee, order_amount_fen, reason) " +
                            "VALUES (@p0, @p1, @p2, @p3, @p4)",
                            dedupeKey, outTradeNo, fee, orderAmount, reason);
                    }
                    Exec(db, "COMMIT");
                    return outcome;
                }
                catch
                {
                    try
                    {
                        Exec(db, "ROLLBACK");
                    }
                    catch (SqliteException)
                    {
                        // Nothing to roll back (the failure ended the transaction): keep the first error.
                    }
                    throw;
                }
            }
        }

        /// <summary>
        /// Records a decrypted refund once; false when it was already recorded. Only a record, never
        /// an action: req_info is AES-256-ECB without integrity, so blocks of two genuine refund
        /// notifications of the same merchant can be cut and pasted into a third that passes every
        /// check. Treat a refund notification as a hint: confirm it with the refund query API before
        /// any irreversible action.
        /// </summary>
        public bool RecordRefund(RefundNotification n)
        {
            if (n.DedupeKey == null) throw new ArgumentException("a refund without refund_id cannot be recorded");
            object fee = n.RefundFee.HasValue && n.RefundFee.Value <= long.MaxValue ? (object)(long)n.RefundFee.Value : null;
            using (SqliteConnection db = Open())
            {
                return Exec(db,
                    "INSERT INTO refunds (dedupe_key, out_trade_no, out_refund_no, refund_fee, refund_status) " +
                    "VALUES (@p0, @p1, @p2, @p3, @p4) ON CONFLICT (dedupe_key) DO NOTHING",
                    n.DedupeKey, n.OutTradeNo, n.OutRefundNo, fee, n.RefundStatus) == 1;
            }
        }

        /// <summary>The rows of a query, each as its columns joined with '|' (NULL as empty): for
        /// reviewing the tables by hand, and for the tests.</summary>
        public List<string> Rows(string sql, params object[] args)
        {
            var rows = new List<string>();
            using (SqliteConnection db = Open())
            using (SqliteCommand cmd = Command(db, sql, args))
            using (SqliteDataReader r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    var cols = new string[r.FieldCount];
                    for (int i = 0; i < cols.Length; i++) cols[i] = r.IsDBNull(i) ? "" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
                    rows.Add(string.Join("|", cols));
                }
            }
            return rows;
        }
    }

    public sealed class NotifyServer : IDisposable
    {
        // The verifier's default limit, plus one byte so that it sees a longer body as one.
        private const int MaxRead = 65536 + 1;
        private readonly HttpListener listener = new HttpListener();
        private readonly Verifier verifier;
        private readonly Thread loop;

        public NotifyServer(string prefix, Verifier verifier, Store store)
        {
            this.verifier = verifier;
            Store = store;
            listener.Prefixes.Add(prefix);
            listener.Start();
            loop = new Thread(Serve) { IsBackground = true, Name = "notify-server" };
            loop.Start();
        }

        public Store Store { get; }

        private void Serve()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = listener.GetContext();
                }
                catch (HttpListenerException)
                {
                    return; // stopped
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                ThreadPool.QueueUserWorkItem(_ => Handle(context));
            }
        }

        private void Handle(HttpListenerContext context)
        {
            HttpListenerResponse response = context.Response;
            try
            {
                if (context.Request.HttpMethod != "POST")
                {
                    Respond(response, 405, Reply.Fail("POST only"));
                    return;
                }
                string path = context.Request.Url.AbsolutePath;
                if (path != "/notify/pay" && path != "/notify/refund")
                {
                    Respond(response, 404, Reply.Fail("unknown path"));
                    return;
                }
                byte[] body = ReadBody(context.Request.InputStream);
                string key, outcome;
                if (path == "/notify/pay")
                {
                    PaymentNotification payment = verifier.VerifyPayment(body);
                    key = payment.DedupeKey;
                    // Only a failed payment can lack a transaction_id (the core requires one with
                    // result_code=SUCCESS): nothing was paid and there is no key to record it under.
                    outcome = key == null ? "failed payment without transaction_id, not recorded" : Store.RecordPayment(payment);
                }
                else
                {
                    RefundNotification refund = verifier.DecryptRefund(body);
                    key = refund.DedupeKey;
                    outcome = key == null ? "refund without refund_id, not recorded"
                        : Store.RecordRefund(refund) ? "refund recorded" : "duplicate";
                }
                Console.Error.WriteLine("notify: verified " + key + ": " + (outcome == "discrepancy" ? "DISCREPANCY, recorded for review" : outcome));
                // Acknowledge every verified notification: paid, failed, discrepancy or retry.
                Respond(response, 200, Reply.Success());
            }
            catch (WechatPayNotifyException e)
            {
                // Rejected: nothing is recorded; the reply names the code, never details. (The
                // core's messages are bounded and carry no control characters: safe to log.)
                Console.Error.WriteLine("notify: rejected: " + e.Code + ": " + e.Message);
                Respond(response, e.Code == "body_too_large" ? 413 : 400, Reply.Fail(e.Code));
            }
            catch (Exception e)
            {
                // Our own failure (the database): FAIL so that WeChat Pay retries later; the
                // transaction was rolled back.
                Console.Error.WriteLine("notify: error: " + e.Message);
                Respond(response, 500, Reply.Fail("internal"));
            }
        }

        private static byte[] ReadBody(Stream input)
        {
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int n;
            while (buffer.Length < MaxRead && (n = input.Read(chunk, 0, (int)Math.Min(chunk.Length, MaxRead - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }

        private static void Respond(HttpListenerResponse response, int status, string reply)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(reply);
            response.StatusCode = status;
            response.ContentType = "text/xml; charset=utf-8";
            response.ContentLength64 = bytes.Length;
            response.OutputStream.Write(bytes, 0, bytes.Length);
            response.Close();
        }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            loop.Join(TimeSpan.FromSeconds(5));
        }
    }
}
