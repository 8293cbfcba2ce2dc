// One WeChat Pay notify_url on HttpListener for several merchants, v2 and APIv3: every request goes to
// a WechatPay.Notify.Endpoint, which decides the version and the merchant and verifies the raw request
// with that merchant's own keys; a verified payment is applied to that merchant's order in SQLite
// (once per dedupe key, however often WeChat Pay retries, whichever version delivers it), a refund is
// recorded once per dedupe key (refund_id:STATUS) with its latest state moved forward only, and the
// reply is the endpoint's own (status, content type and body; a refusal never names its code). The
// merchants come from a profiles file read by the library's loader (Endpoint.FromProfilesFile), and
// the reply to our own failures (the database) is the library's too (Reply.InternalError,
// EndpointResult.InternalErrorReply).
//
//   POST /wechatpay/notify   every notification of every merchant in the profiles file
using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using Mono.Data.Sqlite;
using WechatPay.Notify;

namespace WechatPay.Notify.Example
{
    /// <summary>
    /// The merchants' orders, the payments log, the discrepancies and the refunds, in one SQLite file
    /// (Mono's Mono.Data.Sqlite over the system libsqlite3). Every call opens its own connection, so
    /// request threads, and other processes sharing the file, each get SQLite's lock in turn.
    /// </summary>
    public sealed class Store
    {
        /// <summary>The schema, <c>examples/schema.sql</c>, shared by every example and embedded in this
        /// program as the resource <c>schema.sql</c> (<c>mcs -resource:examples/schema.sql,schema.sql</c>);
        /// <c>merchant</c> is the profile label the endpoint reports.</summary>
        public static readonly string Schema = ReadSchema();

        private static string ReadSchema()
        {
            using (Stream stream = typeof(Store).Assembly.GetManifestResourceStream("schema.sql"))
            {
                if (stream == null)
                    throw new InvalidOperationException("the resource schema.sql is missing: compile with -resource:examples/schema.sql,schema.sql");
                using (var reader = new StreamReader(stream, Encoding.UTF8))
                    return reader.ReadToEnd();
            }
        }

        private readonly string connectionString;

        public Store(string path)
        {
            // "Journal Mode=Default": otherwise Mono.Data.Sqlite runs PRAGMA journal_mode=DELETE on every
            // Open, flipping the file out of WAL mode while other connections use it; concurrent
            // deliveries could then deadlock until its 30 s command timeout (seen in about 1 run in 15
            // of 24 concurrent writers).
            connectionString = "Data Source=" + path + ";Version=3;Journal Mode=Default";
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

        /// <summary>An amount in fen as stored: null when absent or past long.MaxValue (it then
        /// matches no order).</summary>
        private static object Fen(ulong? amount)
        {
            return amount.HasValue && amount.Value <= long.MaxValue ? (object)(long)amount.Value : null;
        }

        /// <summary>Creates a pending order for a merchant (in a real shop: the checkout, before it asks
        /// WeChat Pay to pay it).</summary>
        public void CreateOrder(string merchant, string outTradeNo, long amountFen)
        {
            using (SqliteConnection db = Open())
            {
                Exec(db, "INSERT INTO orders (merchant, out_trade_no, amount_fen) VALUES (@p0, @p1, @p2)",
                    merchant, outTradeNo, amountFen);
            }
        }

        /// <summary>
        /// Records a verified notification for its merchant (<see cref="EndpointResult.Label"/>), reading
        /// it through the library's typed views, and says what it did: a payment (v2 payment, APIv3
        /// <c>TRANSACTION.*</c>) goes to <see cref="RecordPayment"/>, a refund (v2 refund, APIv3
        /// <c>REFUND.*</c>) to <see cref="RecordRefund"/>; anything else is acknowledged, not recorded.
        /// </summary>
        public string Record(EndpointResult r)
        {
            // The dedupe key names what a notification reports: a successful payment's transaction_id
            // (the same in both versions), transaction_id:STATE for one that failed, refund_id:STATUS
            // for a refund (v2 CHANGE reads as ABNORMAL, REFUNDCLOSE as CLOSED).
            if (r.Payment != null)
            {
                PaymentNotification p = r.Payment;
                // The core requires a transaction_id with result_code=SUCCESS: only a failed payment can
                // lack one, and there is no key to record it under.
                if (p.DedupeKey == null) return "acknowledged, not recorded: a failed payment without transaction_id";
                return Describe(RecordPayment(r.Label, p.DedupeKey, "v2", p.OutTradeNo, Amount(() => p.TotalFee, "total_fee"),
                    p.ResultCode, p.IsSuccess, p.TransactionId));
            }
            if (r.Refund != null)
            {
                RefundNotification f = r.Refund;
                if (f.DedupeKey == null) return "acknowledged, not recorded: a refund without refund_id";
                return Describe(RecordRefund(r.Label, f.DedupeKey, "v2", f.OutTradeNo, f.OutRefundNo,
                    Amount(() => f.RefundFee, "refund_fee"), f.RefundStatus, f.RefundId));
            }
            V3Notification n = r.V3;
            if (n != null && n.Transaction != null)
            {
                V3Transaction t = n.Transaction;
                return Describe(RecordPayment(r.Label, n.DedupeKey, "v3", t.OutTradeNo, Amount(() => t.AmountTotal, "amount.total"),
                    t.TradeState, n.IsSuccess, t.TransactionId));
            }
            if (n != null && n.Refund != null)
            {
                V3Refund f = n.Refund;
                return Describe(RecordRefund(r.Label, n.DedupeKey, "v3", f.OutTradeNo, f.OutRefundNo,
                    Amount(() => f.AmountRefund, "amount.refund"), f.RefundStatus, f.RefundId));
            }
            return "acknowledged, not recorded: an event type this example does not handle";
        }

        /// <summary>A typed amount, or null when absent. One present in another form than an amount in fen
        /// (the library's <c>missing_field</c>) is logged and recorded as absent, so it pays no order.</summary>
        private static ulong? Amount(Func<ulong?> read, string name)
        {
            try
            {
                return read();
            }
            catch (WechatPayNotifyException e)
            {
                Console.Error.WriteLine("notify: " + name + ": " + e.Code + ": " + e.Message);
                return null;
            }
        }

        private static string Describe(string outcome)
        {
            switch (outcome)
            {
                case "paid": return "order paid";
                case "failed": return "failed payment recorded";
                case "discrepancy": return "DISCREPANCY, recorded for review";
                case "duplicate": return "already recorded";
                case "refund": return "refund recorded (never acted upon: confirm with the refund query API)";
                case "no_state": return "acknowledged, not recorded: a refund whose key names no state";
                default: return outcome;
            }
        }

        /// <summary>
        /// Records a verified payment and applies it to its merchant's order, in one transaction.
        /// Returns "duplicate" for a (merchant, dedupe key) seen before, a retry or the other version's
        /// delivery (nothing changes); "failed" for a failed payment (logged, the order left alone);
        /// "paid" when the merchant has the order, it is pending and its amount equals
        /// <paramref name="totalFee"/>; else "discrepancy" (recorded for review, nothing fulfilled).
        /// </summary>
        /// <param name="transactionId">The payment's transaction_id, recorded on the order it pays (null:
        /// the dedupe key, which is the transaction_id of a successful payment).</param>
        public string RecordPayment(string merchant, string dedupeKey, string version, string outTradeNo, ulong? totalFee,
            string result, bool success, string transactionId = null)
        {
            if (merchant == null) throw new ArgumentNullException("merchant");
            if (dedupeKey == null) throw new ArgumentNullException("dedupeKey");
            object fee = Fen(totalFee);
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
                        using (SqliteCommand cmd = Command(db,
                            "SELECT amount_fen, status FROM orders WHERE merchant = @p0 AND out_trade_no = @p1", merchant, outTradeNo))
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
                        "INSERT INTO payments (merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome) " +
                        "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6) ON CONFLICT (merchant, dedupe_key) DO NOTHING",
                        merchant, dedupeKey, version, outTradeNo, fee, result, outcome);
                    if (inserted == 0)
                    {
                        Exec(db, "ROLLBACK"); // a retry: the first delivery did everything
                        return "duplicate";
                    }
                    if (outcome == "paid")
                    {
                        Exec(db, "UPDATE orders SET status = 'paid', transaction_id = @p0 " +
                                 "WHERE merchant = @p1 AND out_trade_no = @p2 AND status = 'pending'",
                            transactionId ?? dedupeKey, merchant, outTradeNo);
                    }
                    else if (reason != null)
                    {
                        Exec(db,
                            "INSERT INTO discrepancies (merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason) " +
                            "VALUES (@p0, @p1, @p2, @p3, @p4, @p5)",
                            merchant, dedupeKey, outTradeNo, fee, orderAmount, reason);
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
        /// Records a refund notification once per (merchant, dedupe key), each state of a refund being its
        /// own delivery (<c>refund_id:STATUS</c>), and moves the refund's state in <c>refund_states</c>
        /// forward with the schema's one upsert (ABNORMAL or PROCESSING may become SUCCESS or CLOSED, never
        /// the reverse, whatever order retries arrive in), in one transaction. Returns "refund", or
        /// "duplicate" for a state recorded before, or "no_state" when the key names no state of
        /// <paramref name="refundId"/>. Only a record, never an action: a v2 req_info is AES-256-ECB
        /// without integrity, so blocks of two genuine refund notifications of the same merchant can be
        /// cut and pasted into a third that passes every check. Treat a refund notification as a hint:
        /// confirm it with the refund query API before any irreversible action.
        /// </summary>
        public string RecordRefund(string merchant, string dedupeKey, string version, string outTradeNo, string outRefundNo,
            ulong? refundFee, string refundStatus, string refundId)
        {
            if (merchant == null) throw new ArgumentNullException("merchant");
            if (dedupeKey == null) throw new ArgumentNullException("dedupeKey");
            // The state in APIv3's words is the key's: the library already read CHANGE as ABNORMAL and
            // REFUNDCLOSE as CLOSED, so it is not mapped again here.
            if (refundId == null || !dedupeKey.StartsWith(refundId + ":", StringComparison.Ordinal) ||
                dedupeKey.Length == refundId.Length + 1)
            {
                return "no_state";
            }
            string state = dedupeKey.Substring(refundId.Length + 1);
            using (SqliteConnection db = Open())
            {
                Exec(db, "BEGIN IMMEDIATE");
                try
                {
                    int inserted = Exec(db,
                        "INSERT INTO refunds (merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status) " +
                        "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6) ON CONFLICT (merchant, dedupe_key) DO NOTHING",
                        merchant, dedupeKey, version, outTradeNo, outRefundNo, Fen(refundFee), refundStatus);
                    if (inserted == 0)
                    {
                        Exec(db, "ROLLBACK"); // a retry of this state: the first delivery did everything
                        return "duplicate";
                    }
                    Exec(db,
                        "INSERT INTO refund_states (merchant, refund_id, status) VALUES (@p0, @p1, @p2) " +
                        "ON CONFLICT (merchant, refund_id) DO UPDATE SET status = excluded.status, updated_at = datetime('now') " +
                        "WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')",
                        merchant, refundId, state);
                    Exec(db, "COMMIT");
                    return "refund";
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

        /// <summary>A refund's latest recorded state (<c>refund_states</c>), or null when none.</summary>
        public string RefundState(string merchant, string refundId)
        {
            List<string> rows = Rows("SELECT status FROM refund_states WHERE merchant = @p0 AND refund_id = @p1", merchant, refundId);
            return rows.Count == 0 ? null : rows[0];
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
                    for (int i = 0; i < cols.Length; i++) cols[i] = r.IsDBNull(i) ? "" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture);
                    rows.Add(string.Join("|", cols));
                }
            }
            return rows;
        }
    }

    public sealed class NotifyServer : IDisposable
    {
        /// <summary>The one path WeChat Pay posts every notification to (your notify_url).</summary>
        public const string NotifyPath = "/wechatpay/notify";

        // The verifiers' default limit (the profiles use it), plus one byte so that the endpoint sees a
        // longer body as one.
        private const int MaxRead = 65536 + 1;

        private readonly HttpListener listener = new HttpListener();
        private readonly Endpoint endpoint;
        private readonly Thread loop;
        private int failFirst;

        /// <summary>Serves <paramref name="endpoint"/> (not disposed here) at <paramref name="prefix"/>
        /// (e.g. <c>http://127.0.0.1:8080/</c>), recording into <paramref name="store"/>.</summary>
        /// <param name="failFirstForTests">TEST ONLY: the first N requests get 500 with the
        /// <c>internal</c> FAIL reply before anything is read, as if the database were down (to exercise
        /// WeChat Pay's retries, e.g. <c>wechatpay-notify simulate --until-success</c>). Never set it in
        /// production.</param>
        public NotifyServer(string prefix, Endpoint endpoint, Store store, int failFirstForTests = 0)
        {
            this.endpoint = endpoint;
            failFirst = failFirstForTests;
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
            try
            {
                Dispatch(context);
            }
            catch (Exception e) when (e is HttpListenerException || e is IOException || e is ObjectDisposedException)
            {
                Console.Error.WriteLine("notify: could not answer: " + e.Message); // the client went away
            }
        }

        private void Dispatch(HttpListenerContext context)
        {
            HttpListenerRequest request = context.Request;
            HttpListenerResponse response = context.Response;
            if (request.Url.AbsolutePath != NotifyPath)
            {
                new HttpReply(404, "text/xml", Reply.Refusal()).WriteTo(response);
                return;
            }
            if (request.HttpMethod != "POST")
            {
                new HttpReply(405, "text/xml", Reply.Refusal()).WriteTo(response);
                return;
            }
            if (Interlocked.Decrement(ref failFirst) >= 0)
            {
                Console.Error.WriteLine("notify: TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500");
                InternalError(response, request);
                return;
            }
            EndpointResult result;
            try
            {
                byte[] body = ReadBody(request.InputStream);
                // Every header as received (the endpoint reads the Wechatpay-* ones); now: the clock.
                result = endpoint.Handle(request.Headers, body);
            }
            catch (EndpointRejectedException e)
            {
                // Refused: nothing is recorded; the reply is the endpoint's constant refusal, the code and
                // message go to the log. (The core's messages are bounded and carry no control
                // characters: safe to log.)
                Console.Error.WriteLine("notify: rejected " +
                                        (e.Version.HasValue ? e.Version.Value.ToString().ToLowerInvariant() : "undecided") +
                                        " notification" + (e.Label != null ? " for " + e.Label : "") + ": " + e.Code + ": " + e.Message);
                e.Reply.WriteTo(response);
                return;
            }
            catch (WechatPayNotifyException e)
            {
                // Refused before the endpoint looked at the request (a header it cannot take).
                Console.Error.WriteLine("notify: rejected: " + e.Code + ": " + e.Message);
                new HttpReply(400, "text/xml", Reply.Refusal()).WriteTo(response);
                return;
            }
            // Verified: from here on the reply is the success reply whatever the notification says (a
            // failed payment, a retry, an order that does not match), unless we fail to record it.
            string outcome;
            try
            {
                outcome = Store.Record(result);
            }
            catch (Exception e) when (!(e is HttpListenerException))
            {
                // Our own failure (the database): not acknowledged, so that WeChat Pay retries later (the
                // transaction was rolled back); the library's reply for it, in the result's version.
                Console.Error.WriteLine("notify: error: " + e.Message);
                result.InternalErrorReply.WriteTo(response);
                return;
            }
            Console.Error.WriteLine("notify: verified " + result.Label + " " + result.Kind + " notification " +
                                    (result.DedupeKey ?? "(no dedupe key)") + ": " + outcome);
            result.Reply.WriteTo(response);
        }

        /// <summary>Our own failure before a notification was verified: the library's reply for it in
        /// the version the request's headers name (500 and the constant refusal), so that WeChat Pay
        /// retries.</summary>
        private static void InternalError(HttpListenerResponse response, HttpListenerRequest request)
        {
            HttpReply reply;
            try
            {
                reply = Reply.InternalError(request.Headers);
            }
            catch (ArgumentException)
            {
                reply = Reply.InternalError(new NameValueCollection()); // a header with no UTF-8 form: v2
            }
            reply.WriteTo(response);
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

        /// <summary>The endpoint's reply: its status, its content type (none for an empty body) and its
        /// body, exactly.</summary>
        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            loop.Join(TimeSpan.FromSeconds(5));
        }
    }
}
