// Exercises the example endpoint over real HTTP on loopback: two merchants (shop-a: the shipped samples'
// key, MD5, mch_id 10000100, the test key pubkey-a; shop-b: HMAC-SHA256, mch_id 10000200, pubkey-b),
// each with v2 and APIv3, configured by a profiles file naming key files and an environment variable
// (read by the library's loader, Endpoint.FromProfilesFile). Requests are made by the CLI as WeChat Pay
// sends them (`wechatpay-notify simulate pay|refund|v3 ... --print`: --mch-id, --out-trade-no,
// --total-fee, --result, --sign-type and the other merchant's key to forge, --private-key/--key-id,
// --stale-timestamp, --probe; --transaction-id for the v2 delivery of an APIv3 payment; --refund-id and
// --refund-status for several states of one refund; signed with the test keys of tests/vectors/keys/)
// and read back with the library's Verifier / V3Verifier where a test needs their transaction_id. The
// test itself never signs nor encrypts anything. The CLI's `simulate` also drives the server directly
// (issue 12.6), and the built notify-server.exe runs as a process with the test-only switch
// WECHATPAY_EXAMPLE_FAIL_FIRST.
// Usage (from the repo root): mono notify-server-test.exe WECHATPAY_NOTIFY_CLI NOTIFY_SERVER_EXE
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Json;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WechatPay.Notify;
using WechatPay.Notify.Example;
using WechatPay.Notify.Tests;

namespace WechatPay.Notify.Example.Tests
{
    internal static class NotifyServerTest
    {
        private const string Success = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";
        private const string SampleOrder = "20261127ORDER0001";
        private const string SampleTx = "4200001234202611270123456789";
        private const string AV3KeyEnv = "TEST_SHOP_A_API_V3_KEY";
        private const int MaxBodyBytes = 65536;
        private static string cli;
        private static string serverExe;
        private static string tempDir;

        private sealed class Merchant
        {
            public Merchant(string label, string mchId, string v2Key, string signType, string v3Key, string keyId, string keys)
            {
                Label = label;
                MchId = mchId;
                V2Key = v2Key;
                SignType = signType;
                V3Key = v3Key;
                KeyId = keyId;
                PrivateKey = Path.GetFullPath("tests/vectors/keys/" + keys + "-private.pem");
                PublicKey = Path.GetFullPath("tests/vectors/keys/" + keys + "-public.pem");
            }

            public string Label { get; }
            public string MchId { get; }
            public string V2Key { get; }
            public string SignType { get; }
            public string V3Key { get; }
            public string KeyId { get; }
            public string PrivateKey { get; }
            public string PublicKey { get; }
        }

        private static Merchant A;
        private static Merchant B;

        private sealed class Request
        {
            public Dictionary<string, string> Headers = new Dictionary<string, string>();
            public byte[] Body;
        }

        // ---- the deployment ----

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, uint mode);

        /// <summary>Writes a file only its owner can read (chmod 600): the library's loader refuses a
        /// profiles file or key file that group or others can access.</summary>
        private static void WritePrivate(string path, string text)
        {
            File.WriteAllText(path, text);
            T.Eq(0, chmod(path, Convert.ToUInt32("600", 8)), "chmod 600 " + path);
        }

        /// <summary>shop-a and shop-b: each one's v2 key in a file, shop-b's APIv3 key in a file,
        /// shop-a's in $TEST_SHOP_A_API_V3_KEY, the WeChat Pay public key each trusts (shop-a: the
        /// given keygen key instead, when set). Returns the profiles file.</summary>
        private static string WriteProfiles(string dir, string aKeyId = null, string aPublicKey = null)
        {
            var profiles = new JsonArray();
            foreach (Merchant m in new[] { A, B })
            {
                string md = Path.Combine(dir, m.Label);
                Directory.CreateDirectory(md);
                WritePrivate(Path.Combine(md, "api_key.txt"), m.V2Key + "\n");
                WritePrivate(Path.Combine(md, "api_v3_key.txt"), m.V3Key + "\n");
                File.Copy(m.PublicKey, Path.Combine(md, "wechatpay_public_key.pem"), true);
                var v3 = new JsonObject();
                var keys = new JsonObject();
                if (m == A && aKeyId != null) keys[aKeyId] = aPublicKey;
                else keys[m.KeyId] = m.Label + "/wechatpay_public_key.pem";
                v3["platform_keys"] = keys;
                if (m == A) v3["api_v3_key_env"] = AV3KeyEnv;
                else v3["api_v3_key_file"] = m.Label + "/api_v3_key.txt";
                var v2 = new JsonObject();
                v2["api_key_file"] = m.Label + "/api_key.txt";
                v2["sign_type"] = m.SignType;
                v2["mch_id"] = m.MchId;
                var profile = new JsonObject();
                profile["label"] = m.Label;
                profile["v2"] = v2;
                profile["v3"] = v3;
                profiles.Add(profile);
            }
            var doc = new JsonObject();
            doc["profiles"] = profiles;
            string path = Path.Combine(dir, "profiles.json");
            WritePrivate(path, doc.ToString());
            return path;
        }

        private static int dirs;

        private static string NewDir(string name)
        {
            string d = Path.Combine(tempDir, name + "-" + Interlocked.Increment(ref dirs));
            Directory.CreateDirectory(d);
            return d;
        }

        // ---- notifications ----

        /// <summary>Runs the CLI with exactly the given key variables; its exit status and stdout.</summary>
        private static int Cli(string[] args, Dictionary<string, string> env, out string stdout)
        {
            var info = new ProcessStartInfo(cli)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var quoted = new List<string>();
            foreach (string a in args) quoted.Add("\"" + a.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"");
            info.Arguments = string.Join(" ", quoted);
            info.EnvironmentVariables.Remove("WECHATPAY_API_KEY");
            info.EnvironmentVariables.Remove("WECHATPAY_API_V3_KEY");
            foreach (var e in env) info.EnvironmentVariables[e.Key] = e.Value;
            using (Process p = Process.Start(info))
            {
                Task<string> err = p.StandardError.ReadToEndAsync();
                stdout = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode > 1) throw new AssertionException("wechatpay-notify " + info.Arguments + ": exit " + p.ExitCode + ": " + err.Result);
                return p.ExitCode;
            }
        }

        private static Dictionary<string, string> Env(string name, string value)
        {
            return new Dictionary<string, string> { { name, value } };
        }

        /// <summary><c>wechatpay-notify simulate ... --print</c>: the headers (APIv3), a blank line, the body.</summary>
        private static Request Printed(List<string> args, Dictionary<string, string> env)
        {
            args.Insert(0, "simulate");
            args.Add("--print");
            string text;
            T.Eq(0, Cli(args.ToArray(), env, out text), "simulate --print");
            T.True(text.EndsWith("\n"), "printed request ends with a newline");
            text = text.Substring(0, text.Length - 1);
            var r = new Request();
            if (args[1] == "v3")
            {
                int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
                foreach (string line in text.Substring(0, blank).Split('\n'))
                {
                    int colon = line.IndexOf(": ", StringComparison.Ordinal);
                    r.Headers[line.Substring(0, colon)] = line.Substring(colon + 2);
                }
                text = text.Substring(blank + 2);
            }
            r.Body = Encoding.UTF8.GetBytes(text);
            return r;
        }

        /// <summary>An APIv3 notification of <paramref name="m"/> (its resource naming
        /// <paramref name="m"/>'s mch_id, or <paramref name="mchId"/>: the profile's mch_id binds its
        /// APIv3 part), signed now with <paramref name="signer"/>'s private key (default: the key
        /// <paramref name="m"/> trusts) under <paramref name="serial"/> (default its key id), the resource
        /// encrypted with <paramref name="v3Key"/>.</summary>
        private static Request V3(Merchant m, string what, string[] extra, Merchant signer = null, string serial = null,
            string v3Key = null, string mchId = null)
        {
            var args = new List<string>
            {
                "v3", what, "--private-key", (signer ?? m).PrivateKey, "--key-id", serial ?? m.KeyId, "--mch-id", mchId ?? m.MchId,
            };
            args.AddRange(extra);
            return Printed(args, Env("WECHATPAY_API_V3_KEY", v3Key ?? m.V3Key));
        }

        private static Request V3Pay(Merchant m, string order, long fee, params string[] extra)
        {
            var args = new List<string> { "--out-trade-no", order, "--total-fee", fee.ToString() };
            args.AddRange(extra);
            return V3(m, "pay", args.ToArray());
        }

        /// <summary>A genuine APIv3 request read back with the library's V3Verifier.</summary>
        private static V3Notification Read(Merchant m, Request r)
        {
            using (var v = new V3Verifier(m.V3Key, new Dictionary<string, string> { { m.KeyId, File.ReadAllText(m.PublicKey) } }))
            {
                return v.Verify(r.Headers, r.Body);
            }
        }

        private static string Tx(Merchant m, Request r)
        {
            return Read(m, r).Transaction.TransactionId;
        }

        /// <summary>A v2 payment of <paramref name="m"/> (<c>simulate pay --print</c>: a new
        /// transaction_id each time) naming its mch_id (or <paramref name="mchId"/>), signed with its
        /// algorithm and key (or <paramref name="signKey"/>, to forge).</summary>
        private static byte[] V2Pay(Merchant m, string order, long fee, string[] extra = null, string signKey = null,
            string mchId = null)
        {
            var args = new List<string>
            {
                "pay", "--sign-type", m.SignType, "--mch-id", mchId ?? m.MchId, "--out-trade-no", order, "--total-fee", fee.ToString(),
            };
            if (extra != null) args.AddRange(extra);
            return Printed(args, Env("WECHATPAY_API_KEY", signKey ?? m.V2Key)).Body;
        }

        /// <summary>The transaction_id of a genuine v2 payment of <paramref name="m"/>, read back with the
        /// library's Verifier.</summary>
        private static string Tx(Merchant m, byte[] payment)
        {
            using (var v = new Verifier(m.V2Key, m.SignType))
            {
                return v.VerifyPayment(payment).TransactionId;
            }
        }

        /// <summary>A v2 refund notification of <paramref name="m"/> (req_info encrypted as WeChat Pay does).</summary>
        private static byte[] V2Refund(Merchant m, string order, long fee)
        {
            return Printed(new List<string> { "refund", "--mch-id", m.MchId, "--out-trade-no", order, "--total-fee", fee.ToString() },
                Env("WECHATPAY_API_KEY", m.V2Key)).Body;
        }

        /// <summary>A v2 payment of <paramref name="m"/> carrying the transaction_id <paramref name="tx"/>
        /// (the v2 delivery of an APIv3 payment): <c>simulate pay --transaction-id TX --print</c>.</summary>
        private static byte[] V2PayWithTx(Merchant m, string tx, string order, long fee)
        {
            return V2Pay(m, order, fee, new[] { "--transaction-id", tx });
        }

        /// <summary>A v2 refund notification of <paramref name="m"/> for the refund <paramref name="refundId"/> in
        /// the state <paramref name="status"/> (SUCCESS, CHANGE, REFUNDCLOSE) of the sample's transaction:
        /// <c>simulate refund --refund-id ID --refund-status STATUS --print</c>, so that several states of
        /// one refund can be sent.</summary>
        private static byte[] V2RefundState(Merchant m, string refundId, string status, string order, long fee)
        {
            return Printed(new List<string>
                {
                    "refund", "--mch-id", m.MchId, "--out-trade-no", order, "--total-fee", fee.ToString(),
                    "--transaction-id", SampleTx, "--refund-id", refundId, "--refund-status", status,
                },
                Env("WECHATPAY_API_KEY", m.V2Key)).Body;
        }

        // ---- HTTP ----

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        /// <summary>
        /// Sends one request over a new loopback connection (<c>Connection: close</c>) and returns
        /// "status|content type|body". A minimal HTTP/1.1 client on TcpClient: HttpWebRequest on Mono
        /// intermittently aborts the request after a 204 reply (seen in about 1% of APIv3 posts, never
        /// with Python's or curl's client against the same server).
        /// </summary>
        private static string Post(string url, byte[] body, Dictionary<string, string> headers = null, string method = "POST")
        {
            var uri = new Uri(url);
            var head = new StringBuilder(method + " " + uri.PathAndQuery + " HTTP/1.1\r\nHost: " + uri.Authority + "\r\nConnection: close\r\n");
            if (method == "POST")
            {
                head.Append("Content-Type: " + (headers != null ? "application/json" : "text/xml") + "\r\n");
                head.Append("Content-Length: " + body.Length + "\r\n");
            }
            if (headers != null)
            {
                foreach (var h in headers) head.Append(h.Key + ": " + h.Value + "\r\n");
            }
            head.Append("\r\n");
            byte[] request = Encoding.UTF8.GetBytes(head.ToString());
            using (var client = new TcpClient())
            {
                client.Connect(IPAddress.Loopback, uri.Port);
                client.ReceiveTimeout = 60000;
                NetworkStream stream = client.GetStream();
                // Written alongside the reading: the server may answer (e.g. "too large") before it has
                // read the whole body, and then stops reading it.
                var writer = new Thread(() =>
                {
                    try
                    {
                        stream.Write(request, 0, request.Length);
                        if (method == "POST") stream.Write(body, 0, body.Length);
                    }
                    catch (IOException)
                    {
                        // The server answered and closed the connection first.
                    }
                }) { IsBackground = true };
                writer.Start();
                var raw = new MemoryStream();
                var buffer = new byte[8192];
                int n;
                try
                {
                    while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) raw.Write(buffer, 0, n);
                }
                catch (IOException)
                {
                    // A reset after the response: what was read is checked below.
                }
                writer.Join();
                string text = Encoding.UTF8.GetString(raw.ToArray());
                int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                T.True(split > 0, "a complete response head: " + text);
                string[] lines = text.Substring(0, split).Split(new[] { "\r\n" }, StringSplitOptions.None);
                string status = lines[0].Split(' ')[1], contentType = "";
                int length = -1;
                for (int i = 1; i < lines.Length; i++)
                {
                    int colon = lines[i].IndexOf(':');
                    string name = lines[i].Substring(0, colon).Trim().ToLowerInvariant(), value = lines[i].Substring(colon + 1).Trim();
                    if (name == "content-type") contentType = value;
                    if (name == "content-length") length = int.Parse(value);
                }
                string rest = text.Substring(split + 4);
                T.Eq(length < 0 ? rest.Length : length, Encoding.UTF8.GetByteCount(rest), "Content-Length vs body");
                return status + "|" + contentType + "|" + rest;
            }
        }

        private static string PostV3(string url, Request r)
        {
            return Post(url, r.Body, r.Headers);
        }

        /// <summary>The v2 FAIL reply for a refusal with <paramref name="code"/>: one constant message, never
        /// the code.</summary>
        private static string Fail(string code)
        {
            return "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>";
        }

        private const string V2Ok = "200|text/xml|" + Success;
        private const string V3Ok = "204||";

        private static string V2Refused(string code, int status = 200)
        {
            return status + "|text/xml|" + Fail(code);
        }

        /// <summary>The APIv3 FAIL body for a refusal with <paramref name="code"/>: one constant message.</summary>
        private static string V3Fail(string code)
        {
            return "{\"code\":\"FAIL\",\"message\":\"rejected\"}";
        }

        private static string V3Refused(string code, int status)
        {
            return status + "|application/json|" + V3Fail(code);
        }

        // ---- servers ----

        /// <summary>A server on a free loopback port with its own profiles and database; the orders
        /// (merchant, number, amount) are created first.</summary>
        private static void WithServer(string name, Action<string, Store> body, int failFirst = 0, string profiles = null,
            params object[] orders)
        {
            string dir = NewDir(name);
            var store = new Store(Path.Combine(dir, "payments.sqlite3"));
            for (int i = 0; i < orders.Length; i += 3) store.CreateOrder((string)orders[i], (string)orders[i + 1], Convert.ToInt64(orders[i + 2]));
            string prefix = "http://127.0.0.1:" + FreePort() + "/";
            using (Endpoint endpoint = Endpoint.FromProfilesFile(profiles ?? WriteProfiles(dir)))
            using (new NotifyServer(prefix, endpoint, store, failFirst))
            {
                body(prefix + "wechatpay/notify", store);
            }
        }

        private static string Payments(Store s)
        {
            return string.Join("\n", s.Rows("SELECT merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome FROM payments ORDER BY rowid"));
        }

        private static string Discrepancies(Store s)
        {
            return string.Join("\n", s.Rows("SELECT merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason FROM discrepancies ORDER BY rowid"));
        }

        private static string Order(Store s, Merchant m, string no)
        {
            return string.Join("\n", s.Rows("SELECT amount_fen, status, transaction_id FROM orders WHERE merchant = @p0 AND out_trade_no = @p1", m.Label, no));
        }

        private static int Count(Store s, string table)
        {
            return s.Rows("SELECT * FROM " + table).Count;
        }

        /// <summary><c>wechatpay-notify simulate ARGS --url URL</c>: the JSON report and the exit status.</summary>
        private static JsonObject Simulate(string url, Dictionary<string, string> env, out int exit, params string[] args)
        {
            var all = new List<string> { "simulate" };
            all.AddRange(args);
            all.Add("--url");
            all.Add(url);
            string stdout;
            exit = Cli(all.ToArray(), env, out stdout);
            return (JsonObject)JsonValue.Parse(stdout);
        }

        /// <summary>"status|reply_ok" for each attempt of a simulate report.</summary>
        private static string Attempts(JsonObject report)
        {
            var parts = new List<string>();
            foreach (JsonValue a in (JsonArray)report["attempts"]) parts.Add((int)a["status"] + "|" + (bool)a["reply_ok"]);
            return string.Join(",", parts);
        }

        private static string Keygen(string dir, out string keyId)
        {
            string stdout;
            T.Eq(0, Cli(new[] { "keygen", "--out", dir }, new Dictionary<string, string>(), out stdout), "keygen");
            keyId = File.ReadAllText(Path.Combine(dir, "test_key_id.txt")).Trim();
            T.Eq(keyId, (string)JsonValue.Parse(stdout)["key_id"], "keygen's report");
            return Path.Combine(dir, "test_private_key.pem");
        }

        private static void Cases()
        {
            T.Case("http: v2 and APIv3 payments of both merchants pay their orders once under retries", () =>
                WithServer("retries", (url, s) =>
                {
                    byte[] a2 = File.ReadAllBytes("examples/notifications/pay-md5.xml");
                    byte[] b2 = V2Pay(B, SampleOrder, 303);
                    string txB2 = Tx(B, b2);
                    Request a3 = V3Pay(A, "o-2", 202), b3 = V3Pay(B, "o-3", 404);
                    for (int i = 0; i < 3; i++)
                    {
                        T.Eq(V2Ok, Post(url, a2), "shop-a v2");
                        T.Eq(V3Ok, PostV3(url, a3), "shop-a v3");
                        T.Eq(V2Ok, Post(url, b2), "shop-b v2");
                        T.Eq(V3Ok, PostV3(url, b3), "shop-b v3");
                    }
                    string txA3 = Tx(A, a3), txB3 = Tx(B, b3);
                    T.Eq("shop-a|" + SampleTx + "|v2|" + SampleOrder + "|101|SUCCESS|paid\n" +
                         "shop-a|" + txA3 + "|v3|o-2|202|SUCCESS|paid\n" +
                         "shop-b|" + txB2 + "|v2|" + SampleOrder + "|303|SUCCESS|paid\n" +
                         "shop-b|" + txB3 + "|v3|o-3|404|SUCCESS|paid", Payments(s), "one payment each");
                    T.Eq("101|paid|" + SampleTx, Order(s, A, SampleOrder), "shop-a's order");
                    T.Eq("202|paid|" + txA3, Order(s, A, "o-2"), "shop-a's v3 order");
                    T.Eq("303|paid|" + txB2, Order(s, B, SampleOrder), "shop-b's order of the same number");
                    T.Eq("404|paid|" + txB3, Order(s, B, "o-3"), "shop-b's v3 order");
                    T.Eq("", Discrepancies(s), "no discrepancy");
                }, 0, null, A.Label, SampleOrder, 101, A.Label, "o-2", 202, B.Label, SampleOrder, 303, B.Label, "o-3", 404));

            T.Case("http: the v2 and APIv3 deliveries of one payment are recorded once, in either order", () =>
                WithServer("versions", (url, s) =>
                {
                    Request a3 = V3Pay(A, "o-5", 500), b3 = V3Pay(B, "o-6", 600);
                    string txA = Tx(A, a3), txB = Tx(B, b3);
                    T.Eq(V3Ok, PostV3(url, a3), "a v3");
                    T.Eq(V2Ok, Post(url, V2PayWithTx(A, txA, "o-5", 500)), "a v2");
                    T.Eq(V3Ok, PostV3(url, a3), "a v3 again");
                    T.Eq(V2Ok, Post(url, V2PayWithTx(B, txB, "o-6", 600)), "b v2");
                    T.Eq(V3Ok, PostV3(url, b3), "b v3");
                    T.Eq("shop-a|" + txA + "|v3|o-5|500|SUCCESS|paid\nshop-b|" + txB + "|v2|o-6|600|SUCCESS|paid", Payments(s), "payments");
                    T.Eq("500|paid|" + txA, Order(s, A, "o-5"), "a paid");
                    T.Eq("600|paid|" + txB, Order(s, B, "o-6"), "b paid");
                    T.Eq("", Discrepancies(s), "no discrepancy");
                }, 0, null, A.Label, "o-5", 500, B.Label, "o-6", 600));

            T.Case("http: an amount mismatch or an unknown order (even one of the other merchant) is recorded for review", () =>
                WithServer("mismatch", (url, s) =>
                {
                    Request b3 = V3Pay(B, "o-2", 99), a3 = V3Pay(A, "o-9", 900);
                    byte[] pay = File.ReadAllBytes("examples/notifications/pay-md5.xml");
                    for (int i = 0; i < 2; i++)
                    {
                        T.Eq(V2Ok, Post(url, pay), "sample: 101 against 100");
                        T.Eq(V3Ok, PostV3(url, b3), "v3: 99 against 100");
                        T.Eq(V3Ok, PostV3(url, a3), "v3: shop-b's order");
                    }
                    byte[] a2 = V2Pay(A, "o-9", 900);
                    T.Eq(V2Ok, Post(url, a2), "v2: shop-b's order");
                    T.Eq("shop-a|" + SampleTx + "|" + SampleOrder + "|101|100|amount_mismatch\n" +
                         "shop-b|" + Tx(B, b3) + "|o-2|99|100|amount_mismatch\n" +
                         "shop-a|" + Tx(A, a3) + "|o-9|900||unknown_order\n" +
                         "shop-a|" + Tx(A, a2) + "|o-9|900||unknown_order", Discrepancies(s), "discrepancies");
                    T.Eq("100|pending|", Order(s, A, SampleOrder), "not paid");
                    T.Eq("100|pending|", Order(s, B, "o-2"), "not paid");
                    T.Eq("900|pending|", Order(s, B, "o-9"), "shop-b's order untouched");
                    T.Eq("", Order(s, A, "o-9"), "no order created");
                }, 0, null, A.Label, SampleOrder, 100, B.Label, "o-2", 100, B.Label, "o-9", 900));

            T.Case("http: a second transaction for a paid order is recorded for review; failed payments pay nothing", () =>
                WithServer("second", (url, s) =>
                {
                    byte[] first = V2Pay(A, "o-1", 500), second = V2Pay(A, "o-1", 500);
                    byte[] failedV2 = V2Pay(A, "o-2", 500, new[] { "--result", "FAIL" });
                    foreach (byte[] b in new[] { first, second, failedV2, failedV2 })
                    {
                        T.Eq(V2Ok, Post(url, b), "reply");
                    }
                    string tx1 = Tx(A, first), tx2 = Tx(A, second), tx3 = Tx(A, failedV2);
                    Request failed = V3Pay(B, "o-3", 500, "--result", "FAIL");
                    T.Eq(V3Ok, PostV3(url, failed), "v3 failed payment");
                    T.Eq("500|paid|" + tx1, Order(s, A, "o-1"), "paid by the first");
                    T.Eq("500|pending|", Order(s, A, "o-2"), "v2 failed payment pays nothing");
                    T.Eq("500|pending|", Order(s, B, "o-3"), "v3 failed payment pays nothing");
                    // An unsuccessful payment's key names its state (transaction_id:STATE): a later success of
                    // the same transaction is another key.
                    T.Eq("shop-a|" + tx1 + "|v2|o-1|500|SUCCESS|paid\nshop-a|" + tx2 + "|v2|o-1|500|SUCCESS|discrepancy\n" +
                         "shop-a|" + tx3 + ":FAIL|v2|o-2|500|FAIL|failed\nshop-b|" + Tx(B, failed) + ":PAYERROR|v3|o-3|500|PAYERROR|failed",
                        Payments(s), "payments");
                    T.Eq("shop-a|" + tx2 + "|o-1|500|500|already_paid", Discrepancies(s), "discrepancy");
                }, 0, null, A.Label, "o-1", 500, A.Label, "o-2", 500, B.Label, "o-3", 500));

            T.Case("http: cross-merchant forgeries are refused with the endpoint's reply and record nothing", () =>
                WithServer("forged", (url, s) =>
                {
                    T.Eq(V2Refused("signature_mismatch"), Post(url, V2Pay(A, "o-1", 100, signKey: B.V2Key)), "names A, B's key");
                    T.Eq(V2Refused("signature_mismatch"), Post(url, V2Pay(B, "o-1", 100, signKey: A.V2Key)), "names B, A's key");
                    T.Eq(V2Refused("signature_mismatch"), Post(url, File.ReadAllBytes("examples/notifications/pay-forged.xml")), "tampered sample");
                    T.Eq(V3Refused("signature_mismatch", 401), PostV3(url, V3(A, "pay", new string[0], signer: B)), "A's key id, B's signature");
                    T.Eq(V3Refused("decrypt_failed", 400), PostV3(url, V3(B, "pay", new string[0], v3Key: A.V3Key)), "B's request, A's APIv3 key");
                    byte[] refund = V2Refund(B, "o-1", 100);
                    string named = Encoding.UTF8.GetString(refund).Replace(B.MchId, A.MchId);
                    T.Eq(V2Refused("decrypt_failed"), Post(url, Encoding.UTF8.GetBytes(named)), "refund naming A, B's key");
                    T.Eq(0, Count(s, "payments") + Count(s, "refunds"), "nothing recorded");
                    T.Eq("100|pending|", Order(s, A, "o-1"), "A's order");
                    T.Eq("100|pending|", Order(s, B, "o-1"), "B's order");
                }, 0, null, A.Label, "o-1", 100, B.Label, "o-1", 100));

            T.Case("http: APIv3 stale timestamps, probes, unknown key ids and missing headers are refused", () =>
                WithServer("stale", (url, s) =>
                {
                    T.Eq(V3Refused("timestamp_out_of_window", 401), PostV3(url, V3Pay(A, "o-1", 100, "--stale-timestamp")), "stale");
                    T.Eq(V3Refused("signature_probe", 401), PostV3(url, V3Pay(A, "o-1", 100, "--probe")), "probe");
                    T.Eq(V3Refused("unknown_serial", 401), PostV3(url, V3(A, "pay", new string[0], serial: "PUB_KEY_ID_0199999999999999999999999999")), "unknown id");
                    Request genuine = V3Pay(A, "o-1", 100);
                    var missing = new Request { Body = genuine.Body };
                    foreach (var h in genuine.Headers) if (h.Key != "Wechatpay-Timestamp") missing.Headers[h.Key] = h.Value;
                    T.Eq(V3Refused("missing_header", 401), PostV3(url, missing), "missing header");
                    var reserialised = new Request { Headers = genuine.Headers, Body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(genuine.Body).Replace("\",\"", "\", \"")) };
                    T.Eq(V3Refused("signature_mismatch", 401), PostV3(url, reserialised), "re-serialised body");
                    T.Eq(0, Count(s, "payments"), "nothing recorded");
                    T.Eq(V3Ok, PostV3(url, genuine), "the genuine one");
                    T.Eq("100|paid|" + Tx(A, genuine), Order(s, A, "o-1"), "paid");
                }, 0, null, A.Label, "o-1", 100));

            T.Case("http: refunds (v2 and APIv3) are recorded once and touch no order", () =>
                WithServer("refunds", (url, s) =>
                {
                    T.Eq(V2Ok, Post(url, File.ReadAllBytes("examples/notifications/pay-md5.xml")), "payment");
                    byte[] a = V2Refund(A, SampleOrder, 101);
                    Request b = V3(B, "refund", new[] { "--out-trade-no", "o-7", "--total-fee", "70" });
                    for (int i = 0; i < 2; i++)
                    {
                        T.Eq(V2Ok, Post(url, a), "v2 refund");
                        T.Eq(V3Ok, PostV3(url, b), "v3 refund");
                    }
                    T.Eq("shop-a|v2|" + SampleOrder + "|101|SUCCESS\nshop-b|v3|o-7|70|SUCCESS",
                        string.Join("\n", s.Rows("SELECT merchant, version, out_trade_no, refund_fee, refund_status FROM refunds ORDER BY rowid")), "refunds");
                    string refundB = Read(B, b).Refund.RefundId;
                    T.Eq(refundB + ":SUCCESS", s.Rows("SELECT dedupe_key FROM refunds WHERE merchant = 'shop-b'")[0], "keyed by refund_id:STATUS");
                    T.Eq("SUCCESS", s.RefundState(B.Label, refundB), "refund_states");
                    T.Eq(2, Count(s, "refund_states"), "one state per refund");
                    T.Eq("101|paid|" + SampleTx, Order(s, A, SampleOrder), "order untouched");
                    T.Eq(1, Count(s, "payments"), "payments untouched");
                }, 0, null, A.Label, SampleOrder, 101));

            T.Case("http: a refund's state moves forward only: ABNORMAL then SUCCESS ends SUCCESS, never back", () =>
                WithServer("refund-states", (url, s) =>
                {
                    const string rid = "50000000382026112700000000077";
                    byte[] abnormal = V2RefundState(A, rid, "CHANGE", SampleOrder, 101);
                    byte[] success = V2RefundState(A, rid, "SUCCESS", SampleOrder, 101);
                    byte[] closed = V2RefundState(A, rid, "REFUNDCLOSE", SampleOrder, 101);
                    T.Eq(V2Ok, Post(url, abnormal), "ABNORMAL");
                    T.Eq("ABNORMAL", s.RefundState(A.Label, rid), "after ABNORMAL");
                    T.Eq(V2Ok, Post(url, success), "SUCCESS");
                    T.Eq("SUCCESS", s.RefundState(A.Label, rid), "after SUCCESS");
                    foreach (byte[] late in new[] { abnormal, success, closed, abnormal })
                    {
                        T.Eq(V2Ok, Post(url, late), "a late or repeated delivery is acknowledged");
                    }
                    T.Eq("SUCCESS", s.RefundState(A.Label, rid), "never back from SUCCESS");
                    T.Eq(rid + ":ABNORMAL|CHANGE\n" + rid + ":SUCCESS|SUCCESS\n" + rid + ":CLOSED|REFUNDCLOSE",
                        string.Join("\n", s.Rows("SELECT dedupe_key, refund_status FROM refunds ORDER BY rowid")), "each state once");
                    // Another refund: ABNORMAL then CLOSED ends CLOSED, and a later SUCCESS does not move it.
                    const string rid2 = "50000000382026112700000000078";
                    T.Eq(V2Ok, Post(url, V2RefundState(B, rid2, "CHANGE", "o-8", 80)), "B ABNORMAL");
                    T.Eq(V2Ok, Post(url, V2RefundState(B, rid2, "REFUNDCLOSE", "o-8", 80)), "B CLOSED");
                    T.Eq(V2Ok, Post(url, V2RefundState(B, rid2, "SUCCESS", "o-8", 80)), "B SUCCESS after CLOSED");
                    T.Eq("CLOSED", s.RefundState(B.Label, rid2), "never back from CLOSED");
                    T.Eq(0, Count(s, "payments"), "no payment");
                }));

            T.Case("http: an APIv3 resource naming another merchant than the profile's is refused", () =>
                WithServer("v3-merchant", (url, s) =>
                {
                    T.Eq(V3Refused("merchant_mismatch", 401), PostV3(url, V3(A, "pay", new[] { "--out-trade-no", "o-1", "--total-fee", "100" }, mchId: B.MchId)),
                        "shop-a's key id, shop-b's mchid");
                    T.Eq(0, Count(s, "payments"), "nothing recorded");
                    T.Eq(V3Ok, PostV3(url, V3Pay(A, "o-1", 100)), "the merchant's own");
                    T.Eq("paid", Order(s, A, "o-1").Split('|')[1], "paid");
                }, 0, null, A.Label, "o-1", 100));

            T.Case("http: oversized, undecidable, unknown-merchant, wrong-method and wrong-path requests", () =>
                WithServer("oversized", (url, s) =>
                {
                    byte[] pay = File.ReadAllBytes("examples/notifications/pay-md5.xml");
                    string text = Encoding.UTF8.GetString(pay);
                    string padded = text.Replace("<xml>", "<xml>" + new string(' ', MaxBodyBytes - pay.Length));
                    T.Eq(MaxBodyBytes, Encoding.UTF8.GetByteCount(padded), "padded to the limit");
                    T.Eq(V2Refused("body_too_large", 400), Post(url, Encoding.UTF8.GetBytes(padded + " ")), "one byte over");
                    T.Eq(V2Refused("body_too_large", 400), Post(url, new byte[1000000]), "far over");
                    Request big = V3Pay(A, "o-1", 1);
                    var bigger = new Request { Headers = big.Headers, Body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(big.Body) + new string(' ', MaxBodyBytes)) };
                    T.Eq(V3Refused("body_too_large", 400), PostV3(url, bigger), "v3 over");
                    T.Eq(V2Refused("malformed_xml", 400), Post(url, Encoding.UTF8.GetBytes("{\"id\":1}")), "neither version");
                    T.Eq(V2Refused("forbidden_doctype", 400),
                        Post(url, Encoding.UTF8.GetBytes("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><a>&e;</a></xml>")), "DOCTYPE");
                    T.Eq(V2Refused("merchant_mismatch"), Post(url, V2Pay(A, "o-1", 1, mchId: "19999999")), "unknown mch_id");
                    T.Eq("405|text/xml|" + Fail("POST only"), Post(url, null, null, "GET"), "GET");
                    T.True(Post(url.Replace("/wechatpay/notify", "/elsewhere"), pay).StartsWith("404|"), "other path");
                    T.Eq(0, Count(s, "payments"), "nothing recorded");
                    T.Eq(V2Ok, Post(url, Encoding.UTF8.GetBytes(padded)), "exactly at the limit");
                    T.Eq(1, Count(s, "payments"), "recorded");
                }));

            T.Case("http: a database that fails is not acknowledged (500 in the request's version); the switch does the same", () =>
            {
                WithServer("dbfail", (url, s) =>
                {
                    // The file goes away under the running server: the next write finds no tables.
                    foreach (string f in Directory.GetFiles(Path.GetDirectoryName(s.Rows("PRAGMA database_list")[0].Split('|')[2]), "payments.sqlite3*"))
                    {
                        File.Delete(f);
                    }
                    T.Eq("500|text/xml|" + Fail("internal"), Post(url, File.ReadAllBytes("examples/notifications/pay-md5.xml")), "v2");
                    T.Eq("500|application/json|" + V3Fail("internal"), PostV3(url, V3Pay(B, "o-1", 1)), "v3");
                });
                WithServer("switch", (url, s) =>
                {
                    T.Eq("500|text/xml|" + Fail("internal"), Post(url, File.ReadAllBytes("examples/notifications/pay-md5.xml")), "v2");
                    T.Eq("500|application/json|" + V3Fail("internal"), PostV3(url, V3Pay(A, SampleOrder, 101)), "v3");
                    T.Eq(0, Count(s, "payments"), "nothing recorded");
                    T.Eq(V2Ok, Post(url, File.ReadAllBytes("examples/notifications/pay-md5.xml")), "then acknowledged");
                    T.Eq("101|paid|" + SampleTx, Order(s, A, SampleOrder), "paid");
                }, 2, null, A.Label, SampleOrder, 101);
            });

            T.Case("http: concurrent duplicates (v2 and APIv3), to two servers sharing one database file, pay each order once", () =>
            {
                string dir = NewDir("concurrent");
                string db = Path.Combine(dir, "payments.sqlite3");
                var a = new Store(db);
                a.CreateOrder(A.Label, "o-1", 300);
                a.CreateOrder(B.Label, "o-2", 300);
                string pa = "http://127.0.0.1:" + FreePort() + "/", pb = "http://127.0.0.1:" + FreePort() + "/";
                Request a3 = V3Pay(A, "o-1", 300);
                string tx = Tx(A, a3);
                byte[] a2 = V2PayWithTx(A, tx, "o-1", 300);
                var sends = new List<Func<string, string>>();
                for (int i = 0; i < 8; i++) sends.Add(u => Post(u, a2));
                for (int i = 0; i < 8; i++) sends.Add(u => PostV3(u, a3));
                for (int i = 0; i < 8; i++)
                {
                    byte[] b2 = V2Pay(B, "o-2", 300);
                    sends.Add(u => Post(u, b2));
                }
                var replies = new string[sends.Count];
                using (Endpoint endpoint = Endpoint.FromProfilesFile(WriteProfiles(dir)))
                using (new NotifyServer(pa, endpoint, a))
                using (new NotifyServer(pb, endpoint, new Store(db)))
                {
                    var go = new ManualResetEvent(false);
                    var threads = new List<Thread>();
                    for (int i = 0; i < sends.Count; i++)
                    {
                        int n = i;
                        var t = new Thread(() =>
                        {
                            go.WaitOne();
                            try
                            {
                                replies[n] = sends[n]((n % 2 == 0 ? pa : pb) + "wechatpay/notify");
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
                }
                for (int i = 0; i < replies.Length; i++) T.Eq(i >= 8 && i < 16 ? V3Ok : V2Ok, replies[i], "reply " + i);
                T.Eq(1 + 8, Count(a, "payments"), "one payment per transaction");
                T.Eq("300|paid|" + tx, Order(a, A, "o-1"), "shop-a's order paid once");
                T.Eq(1, a.Rows("SELECT * FROM orders WHERE merchant = 'shop-b' AND status = 'paid'").Count, "shop-b's order paid");
                T.Eq(7, a.Rows("SELECT * FROM discrepancies WHERE merchant = 'shop-b' AND reason = 'already_paid' " +
                               "AND dedupe_key <> (SELECT transaction_id FROM orders WHERE merchant = 'shop-b')").Count, "7 already_paid");
                T.Eq(7, Count(a, "discrepancies"), "no other discrepancy");
            });

            T.Case("profiles: the library's loader and its rules (keys never inline, file or variable, chmod 600, no unknown setting)", () =>
            {
                string dir = NewDir("profiles");
                string good = WriteProfiles(dir);
                using (Endpoint e = Endpoint.FromProfilesFile(good)) T.Eq("shop-a,shop-b", string.Join(",", e.Labels), "labels");
                // "code: message" of the refusal of an edited profiles file, "" when it loads.
                Func<Action<JsonObject>, string> variant = edit =>
                {
                    var doc = (JsonObject)JsonValue.Parse(File.ReadAllText(good));
                    edit(doc);
                    string path = Path.Combine(dir, "edited.json");
                    WritePrivate(path, doc.ToString());
                    try
                    {
                        using (Endpoint.FromProfilesFile(path)) return "";
                    }
                    catch (WechatPayNotifyException e)
                    {
                        return e.Code + ": " + e.Message;
                    }
                };
                string m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[0]["v2"])["api_key"] = A.V2Key);
                T.True(m.Contains("never written into the profiles file") && !m.Contains(A.V2Key), m);
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[1]["v3"])["api_v3_key_env"] = "X");
                T.True(m.Contains("exactly one of api_v3_key_file and api_v3_key_env"), m);
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[1]["v3"])["api_v3_key_file"] = "short.txt");
                T.True(m.Contains("cannot read"), m);
                WritePrivate(Path.Combine(dir, "short.txt"), "0123456789abcdef\n");
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[1]["v3"])["api_v3_key_file"] = "short.txt");
                T.True(m.StartsWith("invalid_config") && m.Contains("shop-b") && !m.Contains("0123456789abcdef"), m);
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[1]["v2"])["mch_id"] = A.MchId);
                T.True(m.StartsWith("invalid_config"), m);
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[1])["label"] = A.Label);
                T.True(m.StartsWith("invalid_config"), m);
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[0]["v2"]).Remove("mch_id"));
                T.True(m.Contains("invalid_config") && m.Contains("mch_id"), m);
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[0]["v2"])["signType"] = "MD5");
                T.True(m.StartsWith("invalid_config") && m.Contains("unknown v2 setting"), m);
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[0]["v2"]).Remove("sign_type"));
                T.True(m.StartsWith("invalid_config") && m.Contains("sign_type"), m);
                m = variant(d =>
                {
                    var keys = new JsonObject();
                    keys[B.KeyId] = "shop-b/api_key.txt";
                    ((JsonObject)((JsonArray)d["profiles"])[1]["v3"])["platform_keys"] = keys;
                });
                T.True(m.Contains("invalid_config") && !m.Contains(B.V2Key), m);
                m = variant(d => d.Remove("profiles"));
                T.True(m.Contains("\"profiles\" list"), m);
                string unset = "TEST_UNSET_" + Guid.NewGuid().ToString("N").Substring(0, 8);
                m = variant(d => ((JsonObject)((JsonArray)d["profiles"])[0]["v3"])["api_v3_key_env"] = unset);
                T.True(m.Contains("$" + unset), m);
                T.Eq(0, chmod(good, Convert.ToUInt32("644", 8)), "chmod 644");
                T.True(T.Throws<WechatPayNotifyException>(() => Endpoint.FromProfilesFile(good)).Message.Contains("chmod 600"), "readable by others");
                T.Eq("invalid_config", T.Throws<WechatPayNotifyException>(() => Endpoint.FromProfilesFile(Path.Combine(dir, "missing.json"))).Code, "missing");
            });

            T.Case("store: every outcome of RecordPayment, keyed by merchant, across a restart", () =>
            {
                string path = Path.Combine(NewDir("outcomes"), "payments.sqlite3");
                var s = new Store(path);
                s.CreateOrder("shop-a", "o-1", 5);
                s.CreateOrder("shop-b", "o-1", 7);
                T.Eq("failed", s.RecordPayment("shop-a", "t1", "v2", "o-1", 5, "FAIL", false), "failed");
                T.Eq("discrepancy", s.RecordPayment("shop-a", "t2", "v2", "o-1", 4, "SUCCESS", true), "amount");
                T.Eq("discrepancy", s.RecordPayment("shop-a", "t3", "v3", "o-1", ulong.MaxValue, "SUCCESS", true), "amount past long.MaxValue");
                T.Eq("discrepancy", s.RecordPayment("shop-a", "t4", "v2", "o-2", 5, "SUCCESS", true), "unknown order");
                T.Eq("paid", s.RecordPayment("shop-a", "t5", "v3", "o-1", 5, "SUCCESS", true), "paid");
                T.Eq("duplicate", s.RecordPayment("shop-a", "t5", "v2", "o-1", 5, "SUCCESS", true), "the other version's delivery");
                T.Eq("discrepancy", s.RecordPayment("shop-a", "t6", "v2", "o-1", 5, "SUCCESS", true), "already paid");
                T.Eq("paid", s.RecordPayment("shop-b", "t5", "v2", "o-1", 7, "SUCCESS", true), "the same key at another merchant");
                T.Eq("duplicate", s.RecordPayment("shop-a", "t2", "v2", "o-1", 4, "SUCCESS", true), "retry of a discrepancy");
                T.Eq("t2|amount_mismatch\nt3|amount_mismatch\nt4|unknown_order\nt6|already_paid",
                    string.Join("\n", s.Rows("SELECT dedupe_key, reason FROM discrepancies ORDER BY rowid")), "reasons");
                var reopened = new Store(path);
                T.Eq("duplicate", reopened.RecordPayment("shop-a", "t5", "v2", "o-1", 5, "SUCCESS", true), "after a restart");
                T.Eq("refund", reopened.RecordRefund("shop-a", "r1:ABNORMAL", "v2", "o-1", "R1", 5, "CHANGE", "r1"), "refund ABNORMAL");
                T.Eq("ABNORMAL", reopened.RefundState("shop-a", "r1"), "state ABNORMAL");
                T.Eq("refund", reopened.RecordRefund("shop-a", "r1:SUCCESS", "v2", "o-1", "R1", 5, "SUCCESS", "r1"), "refund SUCCESS");
                T.Eq("duplicate", reopened.RecordRefund("shop-a", "r1:SUCCESS", "v3", "o-1", "R1", 5, "SUCCESS", "r1"), "the other version's delivery");
                T.Eq("refund", reopened.RecordRefund("shop-a", "r1:CLOSED", "v3", "o-1", "R1", 5, "CLOSED", "r1"), "a later CLOSED is recorded");
                T.Eq("SUCCESS", reopened.RefundState("shop-a", "r1"), "but never moves SUCCESS back");
                T.Eq("no_state", reopened.RecordRefund("shop-a", "r2", "v2", "o-1", "R2", 5, "SUCCESS", "r2"), "a key that names no state");
                T.Eq(3, Count(reopened, "refunds"), "each state once");
                T.Eq(7, Count(reopened, "payments"), "records on disk");
                T.Throws<Exception>(() => s.CreateOrder("shop-a", "o-1", 5)); // an order number is created once per merchant
            });

            // ---- the CLI's simulate against the server (issue 12.6) ----

            T.Case("simulate: pay --repeat 3 is recorded once, for each merchant", () =>
                WithServer("sim-repeat", (url, s) =>
                {
                    int exit;
                    JsonObject r = Simulate(url, Env("WECHATPAY_API_KEY", A.V2Key), out exit,
                        "pay", "--mch-id", A.MchId, "--out-trade-no", "SIM-A-1", "--total-fee", "101", "--repeat", "3");
                    T.Eq(0, exit, "exit");
                    T.Eq(true, (bool)r["reply_ok"], "reply_ok");
                    T.Eq("200|True,200|True,200|True", Attempts(r), "attempts");
                    T.Eq(Success, (string)((JsonArray)r["attempts"])[0]["reply"], "reply");
                    r = Simulate(url, Env("WECHATPAY_API_KEY", B.V2Key), out exit, "pay", "--sign-type", "HMAC-SHA256",
                        "--mch-id", B.MchId, "--out-trade-no", "SIM-B-1", "--total-fee", "202", "--repeat", "3");
                    T.Eq("200|True,200|True,200|True", Attempts(r), "shop-b");
                    T.Eq("shop-a|v2|SIM-A-1|101|paid\nshop-b|v2|SIM-B-1|202|paid",
                        string.Join("\n", s.Rows("SELECT merchant, version, out_trade_no, total_fee, outcome FROM payments ORDER BY rowid")), "once each");
                    T.Eq(1, s.Rows("SELECT * FROM orders o JOIN payments p ON o.merchant = p.merchant AND o.transaction_id = p.dedupe_key " +
                                   "WHERE o.merchant = 'shop-a' AND o.status = 'paid'").Count, "shop-a's order paid by it");
                }, 0, null, A.Label, "SIM-A-1", 101, B.Label, "SIM-B-1", 202));

            T.Case("simulate: a forged key is refused (reply_ok false), nothing recorded", () =>
                WithServer("sim-forged", (url, s) =>
                {
                    int exit;
                    JsonObject r = Simulate(url, Env("WECHATPAY_API_KEY", B.V2Key), out exit,
                        "pay", "--mch-id", A.MchId, "--out-trade-no", "SIM-A-2", "--total-fee", "101");
                    T.Eq(1, exit, "exit");
                    T.Eq(false, (bool)r["reply_ok"], "reply_ok");
                    T.Eq(Fail("signature_mismatch"), (string)((JsonArray)r["attempts"])[0]["reply"], "reply");
                    T.Eq(0, Count(s, "payments"), "nothing recorded");
                    T.Eq("101|pending|", Order(s, A, "SIM-A-2"), "order");
                }, 0, null, A.Label, "SIM-A-2", 101));

            T.Case("simulate: v3 pay with a keygen key the server trusts (reply_ok true); stale and probe refused", () =>
            {
                string dir = NewDir("sim-v3");
                string keyId;
                string key = Keygen(Path.Combine(dir, "keygen"), out keyId);
                string profiles = WriteProfiles(dir, keyId, "keygen/test_public_key.pem");
                WithServer("sim-v3", (url, s) =>
                {
                    int exit;
                    var env = Env("WECHATPAY_API_V3_KEY", A.V3Key);
                    string[] pay = { "v3", "pay", "--private-key", key, "--key-id", keyId, "--mch-id", A.MchId, "--out-trade-no", "SIM-A-3", "--total-fee", "303" };
                    var stale = new List<string>(pay) { "--stale-timestamp" };
                    JsonObject r = Simulate(url, env, out exit, stale.ToArray());
                    T.Eq("401|False", Attempts(r), "stale");
                    T.Eq(V3Fail("timestamp_out_of_window"), (string)((JsonArray)r["attempts"])[0]["reply"], "stale reply");
                    r = Simulate(url, env, out exit, new List<string>(pay) { "--probe" }.ToArray());
                    T.Eq(V3Fail("signature_probe"), (string)((JsonArray)r["attempts"])[0]["reply"], "probe reply");
                    T.Eq(0, Count(s, "payments"), "nothing recorded");
                    r = Simulate(url, env, out exit, new List<string>(pay) { "--repeat", "2" }.ToArray());
                    T.Eq(0, exit, "exit");
                    T.Eq(true, (bool)r["reply_ok"], "reply_ok");
                    T.Eq("204|True,204|True", Attempts(r), "attempts");
                    T.Eq("shop-a|v3|SIM-A-3|303|paid", string.Join("\n", s.Rows("SELECT merchant, version, out_trade_no, total_fee, outcome FROM payments")), "once");
                    T.Eq("303|paid|" + s.Rows("SELECT dedupe_key FROM payments")[0], Order(s, A, "SIM-A-3"), "paid");
                }, 0, profiles, A.Label, "SIM-A-3", 303);
            });

            T.Case("simulate: --until-success against notify-server.exe started with WECHATPAY_EXAMPLE_FAIL_FIRST=2", () =>
            {
                string dir = NewDir("sim-retry");
                string keyId;
                string key = Keygen(Path.Combine(dir, "keygen"), out keyId);
                string profiles = WriteProfiles(dir, keyId, "keygen/test_public_key.pem");
                foreach (bool v3 in new[] { false, true })
                {
                    string db = Path.Combine(dir, (v3 ? "v3" : "v2") + ".sqlite3");
                    new Store(db).CreateOrder(A.Label, "SIM-A-4", 404);
                    string prefix = "http://127.0.0.1:" + FreePort() + "/";
                    var info = new ProcessStartInfo("mono", "\"" + serverExe + "\" " + prefix)
                    {
                        UseShellExecute = false,
                        RedirectStandardError = true,
                    };
                    info.EnvironmentVariables["WECHATPAY_PROFILES"] = profiles;
                    info.EnvironmentVariables["WECHATPAY_DB"] = db;
                    info.EnvironmentVariables["WECHATPAY_EXAMPLE_FAIL_FIRST"] = "2";
                    info.EnvironmentVariables[AV3KeyEnv] = A.V3Key;
                    using (Process server = Process.Start(info))
                    {
                        try
                        {
                            string line;
                            var log = new StringBuilder();
                            while ((line = server.StandardError.ReadLine()) != null && !line.StartsWith("listening on ")) log.AppendLine(line);
                            T.True(line != null, "the server did not start: " + log);
                            string url = line.Substring("listening on ".Length).Split(' ')[0];
                            T.Eq(prefix + "wechatpay/notify", url, "url");
                            // Keep reading its log so that it never blocks on a full pipe.
                            var drain = new Thread(() => server.StandardError.ReadToEnd()) { IsBackground = true };
                            drain.Start();
                            int exit;
                            JsonObject r = v3
                                ? Simulate(url, Env("WECHATPAY_API_V3_KEY", A.V3Key), out exit, "v3", "pay", "--private-key", key, "--key-id", keyId,
                                    "--mch-id", A.MchId, "--out-trade-no", "SIM-A-4", "--total-fee", "404", "--until-success", "--time-scale", "0.01")
                                : Simulate(url, Env("WECHATPAY_API_KEY", A.V2Key), out exit, "pay", "--mch-id", A.MchId,
                                    "--out-trade-no", "SIM-A-4", "--total-fee", "404", "--until-success", "--time-scale", "0.01");
                            T.Eq(0, exit, "exit");
                            T.Eq(v3 ? "500|False,500|False,204|True" : "500|False,500|False,200|True", Attempts(r), "attempts");
                            var after = new List<string>();
                            foreach (JsonValue a in (JsonArray)r["attempts"]) after.Add(((int)a["after_s"]).ToString());
                            T.Eq("0,15,15", string.Join(",", after), "WeChat Pay's schedule, time-scaled");
                            T.Eq(v3 ? V3Fail("internal") : Fail("internal"), (string)((JsonArray)r["attempts"])[0]["reply"], "the failure reply");
                            var store = new Store(db);
                            T.Eq(1, Count(store, "payments"), "recorded once");
                            T.Eq("404|paid|" + store.Rows("SELECT dedupe_key FROM payments")[0], Order(store, A, "SIM-A-4"), "paid");
                        }
                        finally
                        {
                            server.Kill();
                            server.WaitForExit();
                        }
                    }
                }
            });
        }

        private static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: mono notify-server-test.exe WECHATPAY_NOTIFY_CLI NOTIFY_SERVER_EXE   (from the repository root)");
                return 2;
            }
            cli = Path.GetFullPath(args[0]);
            serverExe = Path.GetFullPath(args[1]);
            A = new Merchant("shop-a", "10000100", File.ReadAllText("examples/notifications/api_key.txt").Trim(), SignType.Md5,
                "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", "PUB_KEY_ID_0114232134912410000000000000", "pubkey-a");
            B = new Merchant("shop-b", "10000200", "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv", SignType.HmacSha256,
                "0123456789abcdefghijklmnopqrstuv", "PUB_KEY_ID_0111111111111120000000000001", "pubkey-b");
            // The profiles name shop-a's APIv3 key by this variable.
            Environment.SetEnvironmentVariable(AV3KeyEnv, A.V3Key);
            tempDir = Path.Combine(Path.GetTempPath(), "wechatpay-notify-example-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(tempDir);
            try
            {
                Cases();
            }
            finally
            {
                Directory.Delete(tempDir, true);
            }
            return T.Summary();
        }
    }
}
