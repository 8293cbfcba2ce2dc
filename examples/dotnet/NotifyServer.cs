// A WeChat Pay v2 notify_url endpoint on HttpListener: verifies each POSTed notification with
// WechatPay.Notify, records it once (keyed by its dedupe key, since WeChat Pay retries for 24 h),
// and answers with the exact reply WeChat Pay expects.
//
//   POST /notify/pay     payment result notifications
//   POST /notify/refund  refund result notifications
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using WechatPay.Notify;

namespace WechatPay.Notify.Example
{
    /// <summary>Verified notifications, recorded at most once per dedupe key (in memory, and appended
    /// to a file when one is given so a restart keeps the record).</summary>
    public sealed class Ledger
    {
        private readonly ConcurrentDictionary<string, string> entries = new ConcurrentDictionary<string, string>();
        private readonly string path;
        private readonly object fileLock = new object();

        public Ledger(string path = null)
        {
            this.path = path;
            if (path != null && File.Exists(path))
            {
                foreach (string line in File.ReadAllLines(path, Encoding.UTF8))
                {
                    int tab = line.IndexOf('\t');
                    if (tab > 0) entries.TryAdd(line.Substring(0, tab), line.Substring(tab + 1));
                }
            }
        }

        public int Count
        {
            get { return entries.Count; }
        }

        public bool Contains(string key)
        {
            return entries.ContainsKey(key);
        }

        /// <summary>Records <paramref name="key"/> once; false when it was already recorded (a retry).</summary>
        public bool Record(string key, string summary)
        {
            if (!entries.TryAdd(key, summary)) return false;
            if (path != null)
            {
                lock (fileLock)
                {
                    File.AppendAllText(path, key + "\t" + summary + "\n", Encoding.UTF8);
                }
            }
            return true;
        }
    }

    public sealed class NotifyServer : IDisposable
    {
        private const int MaxRead = 65536 + 1; // the verifier's default limit, plus one to detect overflow
        private readonly HttpListener listener = new HttpListener();
        private readonly Verifier verifier;
        private readonly Thread loop;

        public NotifyServer(string prefix, Verifier verifier, Ledger ledger)
        {
            this.verifier = verifier;
            Ledger = ledger;
            listener.Prefixes.Add(prefix);
            listener.Start();
            loop = new Thread(Serve) { IsBackground = true, Name = "notify-server" };
            loop.Start();
        }

        public Ledger Ledger { get; }

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
                    response.StatusCode = 405;
                    Respond(response, Reply.Fail("POST only"));
                    return;
                }
                string path = context.Request.Url.AbsolutePath;
                if (path != "/notify/pay" && path != "/notify/refund")
                {
                    response.StatusCode = 404;
                    Respond(response, Reply.Fail("unknown path"));
                    return;
                }
                byte[] body = ReadBody(context.Request.InputStream);
                string key, summary;
                if (path == "/notify/pay")
                {
                    PaymentNotification payment = verifier.VerifyPayment(body);
                    if (payment.DedupeKey == null) throw new InvalidDataException("a verified payment without transaction_id");
                    key = "pay:" + payment.DedupeKey;
                    summary = "out_trade_no=" + payment.OutTradeNo + " total_fee=" + payment.TotalFee +
                              " success=" + payment.IsSuccess;
                }
                else
                {
                    RefundNotification refund = verifier.DecryptRefund(body);
                    if (refund.DedupeKey == null) throw new InvalidDataException("a verified refund without refund_id");
                    key = "refund:" + refund.DedupeKey;
                    summary = "out_refund_no=" + refund.OutRefundNo + " refund_fee=" + refund.RefundFee +
                              " status=" + refund.RefundStatus;
                }
                bool first = Ledger.Record(key, summary);
                Console.Error.WriteLine("notify: verified " + key + (first ? " (recorded)" : " (retry, already recorded)"));
                // Acknowledge every verified notification, also result_code=FAIL ones and retries.
                Respond(response, Reply.Success());
            }
            catch (WechatPayNotifyException e)
            {
                // Rejected: nothing is recorded; the reply names the code, never details.
                Console.Error.WriteLine("notify: rejected: " + e.Code + ": " + e.Message);
                Respond(response, Reply.Fail(e.Code));
            }
            catch (Exception e)
            {
                // Our own failure (the ledger file, a notification we cannot key): FAIL so that WeChat
                // Pay retries later; nothing was recorded.
                Console.Error.WriteLine("notify: error: " + e.Message);
                response.StatusCode = 500;
                Respond(response, Reply.Fail("internal error"));
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

        private static void Respond(HttpListenerResponse response, string reply)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(reply);
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
