// One reply type for both versions and its HttpListener adapter (HttpReply.WriteTo), over loopback
// HTTP: every reply the library makes arrives with its exact status, content type and body.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace WechatPay.Notify.Tests
{
    internal static class WebTests
    {
        private const string SuccessXml =
            "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";
        private const string RefusalXml =
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>";
        private const string V3Refusal = "{\"code\":\"FAIL\",\"message\":\"rejected\"}";

        private sealed class Expected
        {
            public Func<HttpReply> Make;
            public int Status;
            public string ContentType;
            public string Body;
        }

        private static readonly Dictionary<string, Expected> Replies = new Dictionary<string, Expected>
        {
            { "v2-success", new Expected { Make = Reply.V2Success, Status = 200, ContentType = "text/xml", Body = SuccessXml } },
            { "v2-refusal", new Expected { Make = () => Reply.V2Fail("signature_mismatch"), Status = 200, ContentType = "text/xml", Body = RefusalXml } },
            { "v2-own-failure", new Expected { Make = () => Reply.V2Fail("internal"), Status = 500, ContentType = "text/xml", Body = RefusalXml } },
            { "v3-success", new Expected { Make = Reply.V3Success, Status = 204, ContentType = null, Body = "" } },
            { "v3-refusal", new Expected { Make = () => Reply.V3Fail("signature_mismatch"), Status = 401, ContentType = "application/json", Body = V3Refusal } },
            { "v3-own-failure", new Expected { Make = () => Reply.V3Fail("internal"), Status = 500, ContentType = "application/json", Body = V3Refusal } },
        };

        public static void Run()
        {
            T.Case("replies: one HttpReply type for both versions, one status rule", () =>
            {
                foreach (var e in Replies)
                {
                    HttpReply r = e.Value.Make();
                    T.Eq(e.Value.Status, r.Status, e.Key + " status");
                    T.Eq(e.Value.ContentType, r.ContentType, e.Key + " content type");
                    T.Eq(e.Value.Body, r.Body, e.Key + " body");
                }
                foreach (string code in new[] { "malformed_xml", "missing_field", "decrypt_failed", "signature_mismatch" })
                {
                    T.Eq(200, Reply.V2Fail(code).Status, code);
                }
                foreach (string code in new[] { "invalid_config", "internal" })
                {
                    T.Eq(500, Reply.V2Fail(code).Status, code);
                    T.Eq(500, Reply.V3Fail(code).Status, code);
                }
                T.True(Reply.V2Fail("internal").Equals(Reply.InternalError(new Dictionary<string, string>())), "own failure = InternalError");
                T.Eq(Reply.Success(), Reply.V2Success().Body, "V2Success body");
                T.Eq("invalid_argument", T.Throws<WechatPayNotifyException>(() => Reply.V2Fail("no_such_code")).Code, "unknown code");
                T.Eq("error", T.Throws<ArgumentNullException>(() => Reply.V2Fail((WechatPayNotifyException)null)).ParamName, "null error");
                var mine = new HttpReply(200, "text/xml", "x");
                T.True(mine.Equals(new HttpReply(200, "text/xml", "x")) && mine.GetHashCode() == new HttpReply(200, "text/xml", "x").GetHashCode(), "equality");
                T.True(!mine.Equals(new HttpReply(500, "text/xml", "x")), "inequality");
                T.Eq("status", T.Throws<ArgumentOutOfRangeException>(() => new HttpReply(99, null, "")).ParamName, "status range");
                T.Eq("body", T.Throws<ArgumentNullException>(() => new HttpReply(200, null, null)).ParamName, "null body");
                T.Eq("response", T.Throws<ArgumentNullException>(() => mine.WriteTo(null)).ParamName, "null response");
            });

            T.Case("HttpListener: HttpReply.WriteTo sends every reply exactly", () =>
            {
                string prefix = "http://127.0.0.1:" + FreePort() + "/";
                using (var listener = new HttpListener())
                {
                    listener.Prefixes.Add(prefix);
                    listener.Start();
                    var server = new Thread(() =>
                    {
                        for (int i = 0; i < Replies.Count; i++)
                        {
                            HttpListenerContext context = listener.GetContext();
                            Replies[context.Request.Url.AbsolutePath.Substring(1)].Make().WriteTo(context.Response);
                        }
                    });
                    server.Start();
                    foreach (var e in Replies)
                    {
                        int status;
                        string contentType, body;
                        Post(prefix + e.Key, out status, out contentType, out body);
                        T.Eq(e.Value.Status, status, e.Key + " status");
                        T.Eq(e.Value.ContentType, contentType, e.Key + " content type");
                        T.Eq(e.Value.Body, body, e.Key + " body");
                    }
                    T.True(server.Join(TimeSpan.FromSeconds(10)), "server done");
                }
            });
        }

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        private static void Post(string url, out int status, out string contentType, out string body)
        {
            var request = (HttpWebRequest)WebRequest.Create(url);
            request.Method = "POST";
            request.ContentLength = 0;
            request.Proxy = null;
            HttpWebResponse response;
            try
            {
                response = (HttpWebResponse)request.GetResponse();
            }
            catch (WebException e) when (e.Response != null)
            {
                response = (HttpWebResponse)e.Response;
            }
            using (response)
            using (var reader = new StreamReader(response.GetResponseStream(), Encoding.UTF8))
            {
                status = (int)response.StatusCode;
                string type = response.Headers["Content-Type"];
                contentType = string.IsNullOrEmpty(type) ? null : type;
                body = reader.ReadToEnd();
            }
        }
    }
}
