// Exercises the example endpoint over real HTTP on loopback, with the shipped samples and
// notifications signed here with the library's Signer.Sign: a valid notification pays its order once
// even when WeChat Pay retries it (also concurrently, to two servers sharing one database file); an
// amount mismatch or an unknown order is acknowledged and recorded for review, never fulfilled; a
// forged one gets FAIL and records nothing.
// Usage (from the repo root): mono notify-server-test.exe
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using WechatPay.Notify;
using WechatPay.Notify.Example;
using WechatPay.Notify.Tests;

namespace WechatPay.Notify.Example.Tests
{
    internal static class NotifyServerTest
    {
        private const string Success = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";
        private const string MchId = "10000100";
        private const string SampleOrder = "20261127ORDER0001";
        private const string SampleTx = "4200001234202611270123456789";
        private static string key;
        private static string tempDir;

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        private static string Post(string url, byte[] body, string method = "POST")
        {
            var request = (HttpWebRequest)WebRequest.Create(url);
            request.Method = method;
            request.ContentType = "text/xml";
            request.Proxy = null;
            request.KeepAlive = false;
            request.Timeout = 60000;
            if (method == "POST")
            {
                request.ContentLength = body.Length;
                using (Stream s = request.GetRequestStream()) s.Write(body, 0, body.Length);
            }
            HttpWebResponse response;
            try
            {
                response = (HttpWebResponse)request.GetResponse();
            }
            catch (WebException e)
            {
                response = (HttpWebResponse)e.Response;
                if (response == null) throw;
            }
            using (response)
            using (var reader = new StreamReader(response.GetResponseStream(), Encoding.UTF8))
            {
                T.True(response.ContentType.StartsWith("text/xml"), "content type " + response.ContentType);
                return (int)response.StatusCode + " " + reader.ReadToEnd();
            }
        }

        private static string Fail(string code)
        {
            return "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[" + code + "]]></return_msg></xml>";
        }

        /// <summary>A payment notification as WeChat Pay sends it (CDATA values), signed with MD5.</summary>
        private static byte[] Notification(string tx, string order, long fee, string resultCode = "SUCCESS", string signKey = null)
        {
            var fields = new List<KeyValuePair<string, string>>
            {
                new KeyValuePair<string, string>("appid", "wx2421b1c4370ec43b"),
                new KeyValuePair<string, string>("bank_type", "CFT"),
                new KeyValuePair<string, string>("cash_fee", fee.ToString()),
                new KeyValuePair<string, string>("fee_type", "CNY"),
                new KeyValuePair<string, string>("mch_id", MchId),
                new KeyValuePair<string, string>("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
                new KeyValuePair<string, string>("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
                new KeyValuePair<string, string>("out_trade_no", order),
                new KeyValuePair<string, string>("result_code", resultCode),
                new KeyValuePair<string, string>("return_code", "SUCCESS"),
                new KeyValuePair<string, string>("time_end", "20261127131540"),
                new KeyValuePair<string, string>("total_fee", fee.ToString()),
                new KeyValuePair<string, string>("trade_type", "JSAPI"),
                new KeyValuePair<string, string>("transaction_id", tx),
            };
            if (resultCode == "FAIL") fields.Add(new KeyValuePair<string, string>("err_code", "NOTENOUGH"));
            fields.Add(new KeyValuePair<string, string>("sign", Signer.Sign(fields, signKey ?? key, SignType.Md5)));
            var xml = new StringBuilder("<xml>");
            foreach (var f in fields) xml.Append("<" + f.Key + "><![CDATA[" + f.Value + "]]></" + f.Key + ">");
            return Encoding.UTF8.GetBytes(xml.Append("</xml>").ToString());
        }

        private static string NewDb(string name)
        {
            return Path.Combine(tempDir, name + ".sqlite3");
        }

        /// <summary>A server on a free loopback port with its own database; the orders are created first.</summary>
        private static void WithServer(string name, Action<string, Store> body, params object[] orders)
        {
            var store = new Store(NewDb(name));
            for (int i = 0; i < orders.Length; i += 2) store.CreateOrder((string)orders[i], Convert.ToInt64(orders[i + 1]));
            string prefix = "http://127.0.0.1:" + FreePort() + "/";
            using (var verifier = new Verifier(key, SignType.Md5, mchId: MchId))
            using (new NotifyServer(prefix, verifier, store))
            {
                body(prefix, store);
            }
        }

        private static string Payments(Store s)
        {
            return string.Join("\n", s.Rows("SELECT dedupe_key, out_trade_no, total_fee, result_code, outcome FROM payments ORDER BY rowid"));
        }

        private static string Discrepancies(Store s)
        {
            return string.Join("\n", s.Rows("SELECT dedupe_key, out_trade_no, total_fee, order_amount_fen, reason FROM discrepancies ORDER BY rowid"));
        }

        private static string Order(Store s, string no)
        {
            return string.Join("\n", s.Rows("SELECT out_trade_no, amount_fen, status, transaction_id FROM orders WHERE out_trade_no = @p0", no));
        }

        private static int Main()
        {
            // HttpWebRequest allows 2 connections per host unless told otherwise; the concurrent case needs more.
            ServicePointManager.DefaultConnectionLimit = 64;
            ServicePointManager.Expect100Continue = false;
            key = File.ReadAllText("examples/notifications/api_key.txt").Trim();
            byte[] pay = File.ReadAllBytes("examples/notifications/pay-md5.xml");
            byte[] forged = File.ReadAllBytes("examples/notifications/pay-forged.xml");
            byte[] refund = File.ReadAllBytes("examples/notifications/refund.xml");
            tempDir = Path.Combine(Path.GetTempPath(), "wechatpay-notify-example-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(tempDir);
            try
            {
                string sharedDb = NewDb("shared");
                var sharedStore = new Store(sharedDb);
                sharedStore.CreateOrder(SampleOrder, 101);
                string prefix = "http://127.0.0.1:" + FreePort() + "/";
                using (var verifier = new Verifier(key, SignType.Md5, mchId: MchId))
                using (var server = new NotifyServer(prefix, verifier, sharedStore))
                {
                    T.Case("http: a valid payment is acknowledged with the exact SUCCESS reply and pays its order", () =>
                    {
                        T.Eq("200 " + Success, Post(prefix + "notify/pay", pay), "reply");
                        T.Eq(SampleTx + "|" + SampleOrder + "|101|SUCCESS|paid", Payments(server.Store), "recorded once");
                        T.Eq(SampleOrder + "|101|paid|" + SampleTx, Order(server.Store, SampleOrder), "order paid");
                    });
                    T.Case("http: WeChat Pay's retries are acknowledged again but recorded only once", () =>
                    {
                        T.Eq("200 " + Success, Post(prefix + "notify/pay", pay), "first retry");
                        T.Eq("200 " + Success, Post(prefix + "notify/pay", pay), "second retry");
                        T.Eq(1, server.Store.Rows("SELECT * FROM payments").Count, "still one record");
                        T.Eq("", Discrepancies(server.Store), "no discrepancy");
                    });
                    T.Case("http: a forged payment gets FAIL and records nothing", () =>
                    {
                        T.Eq("400 " + Fail("signature_mismatch"), Post(prefix + "notify/pay", forged), "tampered sample");
                        T.Eq("400 " + Fail("signature_mismatch"),
                            Post(prefix + "notify/pay", Notification("4200000009", SampleOrder, 101, signKey: new string('0', 32))), "another key");
                        string genuine = Encoding.UTF8.GetString(Notification("4200000009", "o-forged", 1));
                        string raised = genuine.Replace("<total_fee><![CDATA[1]]>", "<total_fee><![CDATA[101]]>");
                        T.True(raised != genuine, "raised");
                        T.Eq("400 " + Fail("signature_mismatch"), Post(prefix + "notify/pay", Encoding.UTF8.GetBytes(raised)), "amount raised after signing");
                        T.Eq(1, server.Store.Rows("SELECT * FROM payments").Count, "nothing new recorded");
                    });
                    T.Case("http: garbage and wrong methods are refused without recording", () =>
                    {
                        T.True(Post(prefix + "notify/pay", Encoding.UTF8.GetBytes("<xml><a>")).Contains("malformed_xml"), "malformed");
                        T.Eq("413 " + Fail("body_too_large"), Post(prefix + "notify/pay", new byte[70000]), "too large");
                        T.True(Post(prefix + "notify/pay", null, "GET").StartsWith("405 "), "GET");
                        T.True(Post(prefix + "elsewhere", pay).StartsWith("404 "), "unknown path");
                        T.Eq(1, server.Store.Rows("SELECT * FROM payments").Count, "nothing new recorded");
                    });
                    T.Case("http: a refund notification is decrypted, acknowledged and recorded once, touching no order", () =>
                    {
                        T.Eq("200 " + Success, Post(prefix + "notify/refund", refund), "reply");
                        T.Eq("200 " + Success, Post(prefix + "notify/refund", refund), "retry");
                        T.Eq("50000505542026112700000000001|101", string.Join("\n", server.Store.Rows("SELECT dedupe_key, refund_fee FROM refunds")), "refund");
                        T.Eq(1, server.Store.Rows("SELECT * FROM payments").Count, "payments untouched");
                        T.Eq(SampleOrder + "|101|paid|" + SampleTx, Order(server.Store, SampleOrder), "order untouched");
                    });
                }
                T.Case("http: the database survives a restart (the retry after it is still a duplicate)", () =>
                {
                    var reopened = new Store(sharedDb);
                    T.Eq("duplicate", reopened.RecordPayment(SampleTx, SampleOrder, 101, "SUCCESS"), "known key");
                    T.Eq(1, reopened.Rows("SELECT * FROM payments").Count, "records on disk");
                });
                T.Case("http: an amount mismatch is acknowledged and recorded for review, never fulfilled", () =>
                    WithServer("mismatch", (p, s) =>
                    {
                        T.Eq("200 " + Success, Post(p + "notify/pay", pay), "reply");
                        T.Eq("200 " + Success, Post(p + "notify/pay", pay), "retry");
                        T.Eq(SampleTx + "|" + SampleOrder + "|101|SUCCESS|discrepancy", Payments(s), "payment");
                        T.Eq(SampleTx + "|" + SampleOrder + "|101|100|amount_mismatch", Discrepancies(s), "discrepancy");
                        T.Eq(SampleOrder + "|100|pending|", Order(s, SampleOrder), "order not paid");
                    }, SampleOrder, 100));
                T.Case("http: an unknown order is acknowledged and recorded for review", () =>
                    WithServer("unknown", (p, s) =>
                    {
                        T.Eq("200 " + Success, Post(p + "notify/pay", pay), "reply");
                        T.Eq(SampleTx + "|" + SampleOrder + "|101||unknown_order", Discrepancies(s), "discrepancy");
                        T.Eq("", Order(s, SampleOrder), "no order created");
                        T.Eq("another-order|101|pending|", Order(s, "another-order"), "other order untouched");
                    }, "another-order", 101));
                T.Case("http: a second transaction for a paid order is recorded for review; a failed payment pays nothing", () =>
                    WithServer("second", (p, s) =>
                    {
                        foreach (byte[] b in new[]
                        {
                            Notification("4200000001", "o-1", 500), Notification("4200000002", "o-1", 500),
                            Notification("4200000003", "o-2", 500, "FAIL"), Notification("4200000003", "o-2", 500, "FAIL"),
                        })
                        {
                            T.Eq("200 " + Success, Post(p + "notify/pay", b), "reply");
                        }
                        T.Eq("o-1|500|paid|4200000001", Order(s, "o-1"), "paid by the first");
                        T.Eq("o-2|500|pending|", Order(s, "o-2"), "a failed payment pays nothing");
                        T.Eq("4200000001|o-1|500|SUCCESS|paid\n4200000002|o-1|500|SUCCESS|discrepancy\n4200000003|o-2|500|FAIL|failed",
                            Payments(s), "payments");
                        T.Eq("4200000002|o-1|500|500|already_paid", Discrepancies(s), "discrepancy");
                    }, "o-1", 500, "o-2", 500));
                T.Case("http: concurrent duplicates, to two servers sharing one database file, pay each order once", () =>
                {
                    string db = NewDb("concurrent");
                    var a = new Store(db);
                    a.CreateOrder("o-1", 300);
                    a.CreateOrder("o-2", 300);
                    string pa = "http://127.0.0.1:" + FreePort() + "/", pb = "http://127.0.0.1:" + FreePort() + "/";
                    using (var verifier = new Verifier(key, SignType.Md5, mchId: MchId))
                    using (new NotifyServer(pa, verifier, a))
                    using (new NotifyServer(pb, verifier, new Store(db)))
                    {
                        var bodies = new List<byte[]>();
                        byte[] same = Notification("4200000100", "o-1", 300);
                        for (int i = 0; i < 16; i++) bodies.Add(same);
                        for (int i = 0; i < 8; i++) bodies.Add(Notification("42000002" + i, "o-2", 300));
                        var replies = new string[bodies.Count];
                        var go = new ManualResetEvent(false);
                        var threads = new List<Thread>();
                        for (int i = 0; i < bodies.Count; i++)
                        {
                            int n = i;
                            var t = new Thread(() =>
                            {
                                go.WaitOne();
                                try
                                {
                                    replies[n] = Post((n % 2 == 0 ? pa : pb) + "notify/pay", bodies[n]);
                                }
                                catch (Exception e)
                                {
                                    replies[n] = e.ToString();
                                }
                            });
                            t.Start();
                            threads.Add(t);
                        }
                        go.Set();
                        foreach (Thread t in threads) t.Join();
                        foreach (string r in replies) T.Eq("200 " + Success, r, "every reply");
                    }
                    T.Eq(1 + 8, a.Rows("SELECT * FROM payments").Count, "one payment per transaction");
                    T.Eq("o-1|300|paid|4200000100", Order(a, "o-1"), "o-1 paid once");
                    T.Eq(1, a.Rows("SELECT * FROM orders WHERE out_trade_no = 'o-2' AND status = 'paid'").Count, "o-2 paid");
                    T.Eq(7, a.Rows("SELECT * FROM discrepancies WHERE out_trade_no = 'o-2' AND reason = 'already_paid' " +
                                   "AND dedupe_key <> (SELECT transaction_id FROM orders WHERE out_trade_no = 'o-2')").Count, "7 already_paid");
                    T.Eq(7, a.Rows("SELECT * FROM discrepancies").Count, "no other discrepancy");
                });
                T.Case("store: every outcome of RecordPayment", () =>
                {
                    var s = new Store(NewDb("outcomes"));
                    s.CreateOrder("o-1", 5);
                    T.Eq("failed", s.RecordPayment("t1", "o-1", 5, "FAIL"), "failed");
                    T.Eq("discrepancy", s.RecordPayment("t2", "o-1", 4, "SUCCESS"), "amount");
                    T.Eq("discrepancy", s.RecordPayment("t3", "o-1", ulong.MaxValue, "SUCCESS"), "amount past long.MaxValue");
                    T.Eq("discrepancy", s.RecordPayment("t4", "o-2", 5, "SUCCESS"), "unknown order");
                    T.Eq("paid", s.RecordPayment("t5", "o-1", 5, "SUCCESS"), "paid");
                    T.Eq("duplicate", s.RecordPayment("t5", "o-1", 5, "SUCCESS"), "retry");
                    T.Eq("discrepancy", s.RecordPayment("t6", "o-1", 5, "SUCCESS"), "already paid");
                    T.Eq("duplicate", s.RecordPayment("t2", "o-1", 4, "SUCCESS"), "retry of a discrepancy");
                    T.Eq("t2|amount_mismatch\nt3|amount_mismatch\nt4|unknown_order\nt6|already_paid",
                        string.Join("\n", s.Rows("SELECT dedupe_key, reason FROM discrepancies ORDER BY rowid")), "reasons");
                    T.Throws<Exception>(() => s.CreateOrder("o-1", 5)); // an order number is created once
                });
            }
            finally
            {
                Directory.Delete(tempDir, true);
            }
            return T.Summary();
        }
    }
}
