// Exercises the example endpoint over real HTTP on loopback: a valid notification is acknowledged
// and recorded once even when WeChat Pay retries it; a forged one gets FAIL and records nothing.
// Usage (from the repo root): mono notify-server-test.exe
using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using WechatPay.Notify;
using WechatPay.Notify.Example;
using WechatPay.Notify.Tests;

namespace WechatPay.Notify.Example.Tests
{
    internal static class NotifyServerTest
    {
        private const string Success = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

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
                return (int)response.StatusCode + " " + reader.ReadToEnd();
            }
        }

        private static int Main()
        {
            string key = File.ReadAllText("examples/notifications/api_key.txt").Trim();
            byte[] pay = File.ReadAllBytes("examples/notifications/pay-md5.xml");
            byte[] forged = File.ReadAllBytes("examples/notifications/pay-forged.xml");
            byte[] refund = File.ReadAllBytes("examples/notifications/refund.xml");
            string ledgerFile = Path.Combine(Path.GetTempPath(), "wechatpay-notify-ledger-" + Guid.NewGuid().ToString("N") + ".tsv");
            string prefix = "http://127.0.0.1:" + FreePort() + "/";
            try
            {
                using (var verifier = new Verifier(key, SignType.Md5, mchId: "10000100"))
                using (var server = new NotifyServer(prefix, verifier, new Ledger(ledgerFile)))
                {
                    T.Case("http: a valid payment is acknowledged with the exact SUCCESS reply and recorded", () =>
                    {
                        T.Eq("200 " + Success, Post(prefix + "notify/pay", pay), "reply");
                        T.Eq(1, server.Ledger.Count, "recorded once");
                    });
                    T.Case("http: WeChat Pay's retries are acknowledged again but recorded only once", () =>
                    {
                        T.Eq("200 " + Success, Post(prefix + "notify/pay", pay), "first retry");
                        T.Eq("200 " + Success, Post(prefix + "notify/pay", pay), "second retry");
                        T.Eq(1, server.Ledger.Count, "still one record");
                    });
                    T.Case("http: a forged payment gets FAIL and records nothing", () =>
                    {
                        string reply = Post(prefix + "notify/pay", forged);
                        T.True(reply.StartsWith("200 <xml><return_code><![CDATA[FAIL]]>") && reply.Contains("signature_mismatch"), "reply: " + reply);
                        T.Eq(1, server.Ledger.Count, "nothing new recorded");
                    });
                    T.Case("http: garbage and wrong methods are refused without recording", () =>
                    {
                        T.True(Post(prefix + "notify/pay", Encoding.UTF8.GetBytes("<xml><a>")).Contains("malformed_xml"), "malformed");
                        T.True(Post(prefix + "notify/pay", new byte[70000]).Contains("body_too_large"), "too large");
                        T.True(Post(prefix + "notify/pay", null, "GET").StartsWith("405 "), "GET");
                        T.True(Post(prefix + "elsewhere", pay).StartsWith("404 "), "unknown path");
                        T.Eq(1, server.Ledger.Count, "nothing new recorded");
                    });
                    T.Case("http: a refund notification is decrypted, acknowledged and recorded once", () =>
                    {
                        T.Eq("200 " + Success, Post(prefix + "notify/refund", refund), "reply");
                        T.Eq("200 " + Success, Post(prefix + "notify/refund", refund), "retry");
                        T.Eq(2, server.Ledger.Count, "payment + refund");
                    });
                }
                T.Case("http: the ledger file survives a restart (the retry after it is still a duplicate)", () =>
                {
                    var reloaded = new Ledger(ledgerFile);
                    T.Eq(2, reloaded.Count, "records on disk");
                    T.True(!reloaded.Record("pay:4200001234202611270123456789", "again"), "known key");
                });
            }
            finally
            {
                File.Delete(ledgerFile);
            }
            return T.Summary();
        }
    }
}
