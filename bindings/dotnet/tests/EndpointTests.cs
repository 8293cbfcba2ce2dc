// The endpoint (one notify_url for many merchants, v2 and v3) through the .NET binding: every case
// of tests/vectors/endpoint.json (exact verdicts, codes and numbers, the message rule, label / kind /
// IsSuccess / DedupeKey / Reply of valid cases, Version / Label / Reply of refusals, refused
// profiles, the internal-failure reply of every request and result), then the API: the profiles file
// (the core's loader), the misuse rule, disposal, verifier copies, concurrency.
using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WechatPay.Notify.Tests
{
    internal static class EndpointTests
    {
        private const string File = "endpoint.json";

        /// <summary>A request kept from the vectors for the API tests, with its expected label.</summary>
        private sealed class Case
        {
            public Dictionary<string, string> Headers;
            public byte[] Body;
            public long Now;
            public string Label;
        }

        private static List<object> firstProfiles;
        private static Case v2Payment;
        private static Case v2Refund;
        private static Case v3;
        private static Case forged;

        public static void Run(string dir)
        {
            Vectors(dir);
            T.Case("endpoint: the vectors gave profiles, a v2 payment, a v2 refund, a v3 event and a forgery to reuse", () =>
            {
                T.True(firstProfiles != null && v2Payment != null && v2Refund != null && v3 != null && forged != null, "kept cases");
            });
            if (firstProfiles == null || v2Payment == null || v2Refund == null || v3 == null || forged == null) return;
            Api();
        }

        /// <summary>
        /// Builds an endpoint from `config.profiles`: each profile's verifiers are built as the v2_pay
        /// and v3_notify runners build theirs (the v3 part's optional `mchIds` too), the profile's
        /// optional `mchId` given to MerchantProfile, and the verifiers disposed as soon as the
        /// endpoint is built (it keeps its own copies).
        /// </summary>
        private static Endpoint Build(List<object> profiles)
        {
            var verifiers = new List<IDisposable>();
            try
            {
                var list = new List<MerchantProfile>();
                foreach (object o in profiles)
                {
                    var profile = (JsonObject)o;
                    Verifier v2 = null;
                    V3Verifier v3 = null;
                    if (profile["v2"] != null)
                    {
                        WechatPayNotifyException error;
                        v2 = VectorTests.Build((JsonObject)profile["v2"], out error);
                        if (error != null) throw error;
                        verifiers.Add(v2);
                    }
                    if (profile["v3"] != null)
                    {
                        v3 = V3Tests.Build((JsonObject)profile["v3"]);
                        verifiers.Add(v3);
                    }
                    // The profile's optional merchant id binds both versions.
                    list.Add(new MerchantProfile((string)profile["label"], v2, v3, (string)profile["mchId"]));
                }
                // Alternately through the params array and the IEnumerable constructors.
                return profiles.Count % 2 == 0 ? new Endpoint(list.ToArray()) : new Endpoint(list);
            }
            finally
            {
                foreach (IDisposable v in verifiers) v.Dispose();
            }
        }

        private static void Vectors(string dir)
        {
            JsonObject root = VectorTests.Load(dir, File, "wechatpay-notify/endpoint/1");
            if (root == null) return;
            long ran = 0;
            bool first = true;
            foreach (JsonObject group in VectorTests.Objects(root["testGroups"]))
            {
                var profiles = (List<object>)((JsonObject)group["config"])["profiles"];
                Endpoint endpoint = null;
                WechatPayNotifyException buildError = null;
                try
                {
                    endpoint = Build(profiles);
                }
                catch (WechatPayNotifyException e)
                {
                    buildError = e;
                }
                bool keep = first;
                if (first) firstProfiles = profiles;
                first = false;
                using (endpoint)
                {
                    foreach (JsonObject test in VectorTests.Objects(group["tests"]))
                    {
                        ran++;
                        T.Case(VectorTests.Name(File, test), () =>
                        {
                            bool valid = (string)test["result"] == "valid";
                            string code = (string)test["error"];
                            T.True(valid || ((string)test["result"] == "invalid" && code != null), "result/error");
                            T.True(test["now"] is long, "now");
                            long now = (long)test["now"];
                            if (endpoint == null)
                            {
                                T.True(!valid, "the group's profiles were refused, so every case is invalid");
                                T.CheckError(code, buildError); // the code, its number, the message rule
                                T.True(!(buildError is EndpointRejectedException), "a refused configuration is not a refused request");
                                return;
                            }
                            string text = (string)test["body"];
                            byte[] raw = text == null ? VectorTests.Hex((string)test["bodyHex"]) : Encoding.UTF8.GetBytes(text);
                            Dictionary<string, string> headers = V3Tests.Headers(test["headers"]);
                            // Raw bytes through byte[], every other text body through the string
                            // overload; the headers through IDictionary, or NameValueCollection when a
                            // name repeats.
                            Func<EndpointResult> run;
                            if (headers == null) run = () => endpoint.Handle(V3Tests.Collection(test["headers"]), raw, now);
                            else if (text != null && (long)test["tcId"] % 2 == 0) run = () => endpoint.Handle(headers, text, now);
                            else run = () => endpoint.Handle(headers, raw, now);
                            var expected = (JsonObject)test["expected"];
                            if (!valid)
                            {
                                WechatPayNotifyException e = T.Code(code, () => run()); // also the number and the message rule
                                T.CleanMessage(e.Message, "ex.Message");
                                var rejected = e as EndpointRejectedException;
                                T.True(rejected != null, "a refused request is an EndpointRejectedException, got " + e.GetType());
                                CheckRejection(rejected, expected);
                                // Our own failure for this request: the version it was refused as (v2 when undecided).
                                CheckInternal(headers == null ? Reply.InternalError(V3Tests.Collection(test["headers"])) : Reply.InternalError(headers),
                                    rejected.Version == ApiVersion.V3);
                                // The version it is refused in, as the application sees it before verification.
                                T.Eq(rejected.Version == ApiVersion.V3 ? ApiVersion.V3 : ApiVersion.V2,
                                    headers == null ? Reply.RequestVersion(V3Tests.Collection(test["headers"])) : Reply.RequestVersion(headers),
                                    "request version");
                                if (keep && code == "signature_mismatch" && headers != null && headers.Count == 0 && forged == null)
                                {
                                    forged = new Case { Headers = headers, Body = raw, Now = now, Label = rejected.Label };
                                }
                                return;
                            }
                            EndpointResult r = run();
                            CheckResult(r, expected);
                            CheckInternal(headers == null ? Reply.InternalError(V3Tests.Collection(test["headers"])) : Reply.InternalError(headers),
                                r.Version == ApiVersion.V3);
                            T.Eq(r.Version,
                                headers == null ? Reply.RequestVersion(V3Tests.Collection(test["headers"])) : Reply.RequestVersion(headers),
                                "request version");
                            if (keep && headers != null)
                            {
                                var c = new Case { Headers = headers, Body = raw, Now = now, Label = r.Label };
                                if (r.Kind == EndpointResult.V2PaymentKind && v2Payment == null) v2Payment = c;
                                if (r.Kind == EndpointResult.V2RefundKind && v2Refund == null) v2Refund = c;
                                if (r.Kind == EndpointResult.V3Kind && v3 == null) v3 = c;
                            }
                        });
                    }
                }
            }
            VectorTests.Total(root, File, ran);
        }

        /// <summary>Every key of `expected` is one this runner checks: a key added to the vectors fails
        /// here until the .NET surface reads it.</summary>
        private static void KnownKeys(JsonObject expected, params string[] keys)
        {
            T.True(expected != null, "expected is present");
            foreach (var pair in expected)
            {
                T.True(Array.IndexOf(keys, pair.Key) >= 0, "expected key " + pair.Key + " is not checked by the .NET runner");
            }
        }

        internal static void CheckReply(HttpReply reply, JsonObject want)
        {
            KnownKeys(want, "status", "contentType", "body");
            T.Eq((long)want["status"], (long)reply.Status, "reply status");
            T.Eq((string)want["contentType"], reply.ContentType, "reply content type");
            T.Eq((string)want["body"], reply.Body, "reply body");
        }

        private static void CheckResult(EndpointResult r, JsonObject want)
        {
            KnownKeys(want, "label", "kind", "isSuccess", "dedupeKey", "reply");
            T.Eq((string)want["label"], r.Label, "Label");
            T.Eq((string)want["kind"], r.Kind, "Kind");
            T.Eq((bool)want["isSuccess"], r.IsSuccess, "IsSuccess");
            T.Eq((string)want["dedupeKey"], r.DedupeKey, "DedupeKey");
            CheckReply(r.Reply, (JsonObject)want["reply"]);
            CheckInternal(r.InternalErrorReply, r.Version == ApiVersion.V3);
            // Exactly the notification of its kind, of the matching version, with the same key.
            switch (r.Kind)
            {
                case EndpointResult.V2PaymentKind:
                    T.True(r.Payment != null && r.Refund == null && r.V3 == null, "a payment only");
                    T.Eq(ApiVersion.V2, r.Version, "Version");
                    T.Eq(r.DedupeKey, r.Payment.DedupeKey, "the payment's DedupeKey");
                    T.Eq(r.IsSuccess, r.Payment.IsSuccess, "the payment's IsSuccess");
                    break;
                case EndpointResult.V2RefundKind:
                    T.True(r.Payment == null && r.Refund != null && r.V3 == null, "a refund only");
                    T.Eq(ApiVersion.V2, r.Version, "Version");
                    T.Eq(r.DedupeKey, r.Refund.DedupeKey, "the refund's DedupeKey");
                    T.Eq(r.IsSuccess, r.Refund.IsSuccess, "the refund's IsSuccess");
                    break;
                default:
                    T.Eq(EndpointResult.V3Kind, r.Kind, "Kind");
                    T.True(r.Payment == null && r.Refund == null && r.V3 != null, "an APIv3 notification only");
                    T.Eq(ApiVersion.V3, r.Version, "Version");
                    T.Eq(r.DedupeKey, r.V3.DedupeKey, "the notification's DedupeKey");
                    T.Eq(r.IsSuccess, r.V3.IsSuccess, "the notification's IsSuccess");
                    break;
            }
        }

        /// <summary>The reply for the application's own failure: 500 and the version's constant refusal.</summary>
        private static void CheckInternal(HttpReply reply, bool v3)
        {
            T.Eq(500, reply.Status, "internal reply status");
            T.Eq(v3 ? "application/json" : "text/xml", reply.ContentType, "internal reply content type");
            T.Eq(v3 ? Reply.V3Fail("internal").Body : Reply.Refusal(), reply.Body, "internal reply body");
        }

        private static void CheckRejection(EndpointRejectedException e, JsonObject want)
        {
            KnownKeys(want, "version", "label", "reply");
            var version = (string)want["version"];
            T.Eq(version == "v2" ? ApiVersion.V2 : version == "v3" ? ApiVersion.V3 : (ApiVersion?)null, e.Version, "Version");
            T.True(version == null || version == "v2" || version == "v3", "expected.version is v2, v3 or null");
            T.Eq((string)want["label"], e.Label, "Label");
            CheckReply(e.Reply, (JsonObject)want["reply"]);
        }

        private static EndpointResult Handle(Endpoint e, Case c)
        {
            return e.Handle(c.Headers, c.Body, c.Now);
        }

        private static Verifier V2(string mchId)
        {
            return new Verifier("192006250b4c09247ec02edce69f6a2d", SignType.Md5, mchId: mchId);
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, uint mode);

        /// <summary>Writes a file with <paramref name="mode"/> (the core's loader refuses a profiles or key
        /// file that group or others can read).</summary>
        private static void WriteFile(string path, string text, uint mode)
        {
            System.IO.File.WriteAllText(path, text, new UTF8Encoding(false));
            T.Eq(0, chmod(path, mode), "chmod " + path);
        }

        private static string Q(string s)
        {
            var sb = new StringBuilder("\"");
            foreach (char c in s)
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4"));
                else sb.Append(c);
            }
            return sb.Append('"').ToString();
        }

        /// <summary>The vectors' profiles (config.profiles) as a profiles file in <paramref name="dir"/>:
        /// every key in a file of its own with mode 0600, every PEM in a file. Returns its path.</summary>
        private static string WriteProfiles(string dir, List<object> profiles)
        {
            var doc = new StringBuilder("{\"profiles\": [");
            int i = 0;
            foreach (object o in profiles)
            {
                var p = (JsonObject)o;
                if (i > 0) doc.Append(", ");
                doc.Append("{\"label\": ").Append(Q((string)p["label"]));
                if (p["mchId"] != null) doc.Append(", \"mch_id\": ").Append(Q((string)p["mchId"]));
                var v2 = (JsonObject)p["v2"];
                if (v2 != null)
                {
                    string key = "p" + i + "-v2.key";
                    WriteFile(Path.Combine(dir, key), (string)v2["apiKey"], Convert.ToUInt32("600", 8));
                    doc.Append(", \"v2\": {\"api_key_file\": ").Append(Q(key)).Append(", \"sign_type\": ").Append(Q((string)v2["signType"]));
                    if (v2["mchId"] != null) doc.Append(", \"mch_id\": ").Append(Q((string)v2["mchId"]));
                    if (v2["appid"] != null) doc.Append(", \"appid\": ").Append(Q((string)v2["appid"]));
                    var also = new List<string>();
                    foreach (object t in (List<object>)v2["alsoAccept"]) also.Add(Q((string)t));
                    if (also.Count > 0) doc.Append(", \"also_accept\": [").Append(string.Join(", ", also)).Append(']');
                    if (v2["maxBodyBytes"] != null) doc.Append(", \"max_body_bytes\": ").Append((long)v2["maxBodyBytes"]);
                    doc.Append('}');
                }
                var v3 = (JsonObject)p["v3"];
                if (v3 != null)
                {
                    string key = "p" + i + "-v3.key";
                    WriteFile(Path.Combine(dir, key), (string)v3["apiV3Key"], Convert.ToUInt32("600", 8));
                    doc.Append(", \"v3\": {\"api_v3_key_file\": ").Append(Q(key)).Append(", \"platform_keys\": {");
                    int k = 0;
                    foreach (object pair in (List<object>)v3["platformKeys"])
                    {
                        var kv = (List<object>)pair;
                        string pem = "p" + i + "-k" + k + ".pem";
                        WriteFile(Path.Combine(dir, pem), (string)kv[1], Convert.ToUInt32("644", 8));
                        doc.Append(k++ > 0 ? ", " : "").Append(Q((string)kv[0])).Append(": ").Append(Q(pem));
                    }
                    doc.Append('}');
                    var ids = new List<string>();
                    if (v3.Has("mchIds") && v3["mchIds"] != null) foreach (object m in (List<object>)v3["mchIds"]) ids.Add(Q((string)m));
                    if (ids.Count > 0) doc.Append(", \"mch_ids\": [").Append(string.Join(", ", ids)).Append(']');
                    if (v3.Has("maxClockSkew") && v3["maxClockSkew"] != null) doc.Append(", \"max_clock_skew\": ").Append((long)v3["maxClockSkew"]);
                    if (v3.Has("maxBodyBytes") && v3["maxBodyBytes"] != null) doc.Append(", \"max_body_bytes\": ").Append((long)v3["maxBodyBytes"]);
                    doc.Append('}');
                }
                doc.Append('}');
                i++;
            }
            string path = Path.Combine(dir, "profiles.json");
            WriteFile(path, doc.Append("]}").ToString(), Convert.ToUInt32("600", 8));
            return path;
        }

        /// <summary>One request through two endpoints: the same verdict, code, label, kind and key.</summary>
        private static void SameOutcome(Endpoint a, Endpoint b, Case c)
        {
            Func<Endpoint, string> outcome = e =>
            {
                try
                {
                    EndpointResult r = Handle(e, c);
                    return r.Label + "|" + r.Kind + "|" + r.DedupeKey;
                }
                catch (EndpointRejectedException x)
                {
                    return x.Code + "|" + x.Label;
                }
            };
            T.Eq(outcome(a), outcome(b), "the same outcome from the profiles file");
        }

        private static void ProfilesFile()
        {
            string dir = Path.Combine(Path.GetTempPath(), "wechatpay-dotnet-profiles-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string path = null;
                T.Case("endpoint FromProfilesFile: the core's loader builds the endpoint the builder does from the same profiles", () =>
                {
                    path = WriteProfiles(dir, firstProfiles);
                    using (Endpoint built = Build(firstProfiles))
                    using (Endpoint loaded = Endpoint.FromProfilesFile(path))
                    {
                        T.Eq(string.Join(",", built.Labels), string.Join(",", loaded.Labels), "Labels");
                        foreach (Case c in new[] { v2Payment, v2Refund, v3, forged }) SameOutcome(built, loaded, c);
                        T.Eq(v2Payment.Label, Handle(loaded, v2Payment).Label, "a v2 payment routed to its merchant");
                    }
                });
                T.Case("endpoint FromProfilesFile: refused files are invalid_config naming no key; misuse is the language's error", () =>
                {
                    T.True(path != null, "the profiles file was written");
                    T.Eq(0, chmod(path, Convert.ToUInt32("644", 8)), "chmod 644");
                    WechatPayNotifyException e = T.Code("invalid_config", () => Endpoint.FromProfilesFile(path));
                    T.True(e.Message.Contains("chmod 600"), "the message says chmod 600: " + e.Message);
                    T.Eq(0, chmod(path, Convert.ToUInt32("600", 8)), "chmod 600");
                    string inline = Path.Combine(dir, "inline.json");
                    const string key = "192006250b4c09247ec02edce69f6a2d";
                    WriteFile(inline, "{\"profiles\": [{\"label\": \"x\", \"v2\": {\"api_key\": \"" + key +
                        "\", \"sign_type\": \"MD5\", \"mch_id\": \"1\"}}]}", Convert.ToUInt32("600", 8));
                    e = T.Code("invalid_config", () => Endpoint.FromProfilesFile(inline));
                    T.True(!e.Message.Contains(key), "no key in the message");
                    T.Code("invalid_config", () => Endpoint.FromProfilesFile(Path.Combine(dir, "missing.json")));
                    T.Code("invalid_config", () => Endpoint.FromProfilesFile(""));
                    T.Eq("path", T.Throws<ArgumentNullException>(() => Endpoint.FromProfilesFile(null)).ParamName, "null path");
                    T.Eq("path", T.Throws<ArgumentException>(() => Endpoint.FromProfilesFile("p\ud800.json")).ParamName, "no UTF-8 form");
                });
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        private static void InternalErrorReply()
        {
            T.Case("endpoint Reply.InternalError: the request's version from its headers (any case), and misuse", () =>
            {
                CheckInternal(Reply.InternalError(new Dictionary<string, string>()), false);
                CheckInternal(Reply.InternalError(new Dictionary<string, string> { { "wechatpay-SIGNATURE", "" } }), true);
                CheckInternal(Reply.InternalError(v3.Headers), true);
                CheckInternal(Reply.InternalError(v2Payment.Headers), false);
                var collection = new NameValueCollection { { "Wechatpay-Signature", "a" }, { "Wechatpay-Signature", "b" } };
                CheckInternal(Reply.InternalError(collection), true);
                T.Eq(ApiVersion.V2, Reply.RequestVersion(new Dictionary<string, string>()), "no headers: v2");
                T.Eq(ApiVersion.V3, Reply.RequestVersion(new Dictionary<string, string> { { "wechatpay-SIGNATURE", "" } }), "any case");
                T.Eq(ApiVersion.V3, Reply.RequestVersion(collection), "a collection");
                T.Eq("headers", T.Throws<ArgumentNullException>(() => Reply.RequestVersion((IDictionary<string, string>)null)).ParamName, "null (version)");
                T.Eq("headers", T.Throws<ArgumentException>(() => Reply.RequestVersion(new Dictionary<string, string> { { "X-Name", "\udc00" } })).ParamName, "no UTF-8 form (version)");
                T.Eq("headers", T.Throws<ArgumentNullException>(() => Reply.InternalError((IDictionary<string, string>)null)).ParamName, "null");
                T.Eq("headers", T.Throws<ArgumentNullException>(() => Reply.InternalError((NameValueCollection)null)).ParamName, "null collection");
                var nullName = new NameValueCollection { { null, "x" } };
                T.Eq("headers", T.Throws<ArgumentNullException>(() => Reply.InternalError(nullName)).ParamName, "a null header name (not skipped)");
                var lone = new Dictionary<string, string> { { "X-Name", "\udc00" } };
                T.Eq("headers", T.Throws<ArgumentException>(() => Reply.InternalError(lone)).ParamName, "no UTF-8 form");
            });
        }

        private static void Api()
        {
            T.Case("endpoint api: one endpoint, two merchants, v2 and v3; labels; the notifications as the verifiers give them", () =>
            {
                using (Endpoint e = Build(firstProfiles))
                {
                    T.Eq("shop-a,shop-b", string.Join(",", e.Labels), "Labels");
                    T.True(e.ToString().Contains("shop-a") && !e.ToString().Contains("192006250b4c09247ec02edce69f6a2d"), "ToString names labels, not keys");
                    EndpointResult p = Handle(e, v2Payment);
                    T.True(p.Payment.TotalFee.HasValue && p.Payment.TotalFee.Value > 0, "TotalFee");
                    T.Eq(p.Payment.TransactionId, p.DedupeKey, "a successful payment's key is transaction_id");
                    T.Eq(200, p.Reply.Status, "v2 status");
                    T.Eq(Reply.Success(), p.Reply.Body, "the v2 SUCCESS reply");
                    EndpointResult r = Handle(e, v2Refund);
                    T.Eq(r.Refund.RefundId + ":" + (r.Refund.RefundStatus == "CHANGE" ? "ABNORMAL" : r.Refund.RefundStatus == "REFUNDCLOSE" ? "CLOSED" : r.Refund.RefundStatus),
                        r.DedupeKey, "a refund's key is refund_id:STATUS");
                    T.True(r.Refund.ReqInfo.Count > 0, "ReqInfo");
                    EndpointResult n = Handle(e, v3);
                    T.True(n.V3.Transaction != null || n.V3.Refund != null, "a typed APIv3 view");
                    T.Eq(204, n.Reply.Status, "v3 status");
                    T.Eq(null, n.Reply.ContentType, "no content type");
                    T.Eq(Reply.V3Success().Body, n.Reply.Body, "the v3 success reply");
                    T.True(n.ToString().Contains(n.Label), "ToString");
                }
            });

            T.Case("endpoint api: refusals are EndpointRejectedException, catchable as WechatPayNotifyException", () =>
            {
                using (Endpoint e = Build(firstProfiles))
                {
                    try
                    {
                        Handle(e, forged);
                        throw new AssertionException("the forgery was accepted");
                    }
                    catch (WechatPayNotifyException ex)
                    {
                        var rejected = (EndpointRejectedException)ex;
                        T.Eq("signature_mismatch", rejected.Code, "Code");
                        T.Eq(ApiVersion.V2, rejected.Version, "Version");
                        T.Eq(forged.Label, rejected.Label, "Label");
                        T.Eq(Reply.Refusal(), rejected.Reply.Body, "the one constant v2 refusal");
                        T.True(!rejected.Reply.Body.Contains("signature_mismatch"), "the reply never names the code");
                        T.True(rejected.ToString().Contains("signature_mismatch"), "ToString");
                    }
                    // A Wechatpay header received twice: the core's invalid_argument, with the v3 reply.
                    var collection = new NameValueCollection();
                    foreach (var h in v3.Headers) collection.Add(h.Key, h.Value);
                    foreach (var h in v3.Headers)
                    {
                        if (h.Key.Equals("Wechatpay-Signature", StringComparison.OrdinalIgnoreCase)) collection.Add(h.Key.ToLowerInvariant(), h.Value);
                    }
                    var dup = (EndpointRejectedException)T.Code("invalid_argument", () => e.Handle(collection, v3.Body, v3.Now));
                    T.Eq(ApiVersion.V3, dup.Version, "Version");
                    T.Eq(400, dup.Reply.Status, "status");
                    T.Eq(Reply.V3Fail(dup).Body, dup.Reply.Body, "the v3 FAIL reply");
                    // Undecidable: no version, no label, the v2 FAIL reply with 400.
                    var empty = (EndpointRejectedException)T.Code("malformed_xml", () => e.Handle(new Dictionary<string, string>(), new byte[0], 0));
                    T.True(empty.Version == null && empty.Label == null, "nothing decided");
                    T.Eq(400, empty.Reply.Status, "status");
                    T.Eq("text/xml", empty.Reply.ContentType, "content type");
                    T.Eq(Reply.Refusal(), empty.Reply.Body, "the one constant v2 refusal");
                }
            });

            T.Case("endpoint api: now is the caller's; null reads the system clock", () =>
            {
                using (Endpoint e = Build(firstProfiles))
                {
                    T.Code("timestamp_out_of_window", () => e.Handle(v3.Headers, v3.Body, v3.Now + 301));
                    T.True(Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - v3.Now) > 300, "the vector's time is not today's");
                    T.Code("timestamp_out_of_window", () => e.Handle(v3.Headers, v3.Body));
                    // v2 has no timestamp: now does not matter.
                    T.Eq(v2Payment.Label, e.Handle(v2Payment.Headers, v2Payment.Body).Label, "v2 with the system clock");
                }
            });

            T.Case("endpoint api: the endpoint keeps its own copies of the verifiers", () =>
            {
                // The v2 verifier of the kept payment's merchant, alone under another label.
                JsonObject config = null;
                foreach (object o in firstProfiles)
                {
                    if ((string)((JsonObject)o)["label"] == v2Payment.Label) config = (JsonObject)((JsonObject)o)["v2"];
                }
                WechatPayNotifyException error;
                Verifier v = VectorTests.Build(config, out error);
                T.True(v != null, "the kept payment's merchant has a v2 verifier");
                Endpoint e = new Endpoint(new MerchantProfile("only", v));
                v.Dispose();
                using (e)
                {
                    T.Eq("only", e.Handle(v2Payment.Headers, v2Payment.Body, 0).Label, "verified after the verifier was disposed");
                }
            });

            T.Case("endpoint misuse rule: values of the right type that the core refuses carry the core's code", () =>
            {
                using (Verifier a = V2("10000100"))
                using (Verifier b = V2("10000200"))
                using (Verifier noMch = V2(null))
                {
                    T.Code("invalid_config", () => new Endpoint());
                    T.Code("invalid_config", () => new Endpoint(new List<MerchantProfile>()));
                    T.Code("invalid_config", () => new Endpoint(new MerchantProfile("a")));
                    T.Code("invalid_config", () => new Endpoint(new MerchantProfile("a", noMch)));
                    T.Code("invalid_config", () => new Endpoint(new MerchantProfile("a", a), new MerchantProfile("a", b)));
                    T.Code("invalid_config", () => new Endpoint(new MerchantProfile("a", a), new MerchantProfile("b", a)));
                    // a and b share an API key: a refund names no merchant, so this is refused.
                    T.Code("invalid_config", () => new Endpoint(new MerchantProfile("a", a), new MerchantProfile("b", b)));
                    using (Verifier c = new Verifier("0123456789abcdef0123456789abcdef", SignType.Md5, mchId: "10000200"))
                    using (var ok = new Endpoint(new MerchantProfile("a", a), new MerchantProfile("c", c)))
                    {
                        T.Eq(2, ok.Labels.Count, "two profiles");
                    }
                }
            });

            T.Case("endpoint MerchantProfile mchId: it routes v2 for a verifier that expects none, and binds APIv3", () =>
            {
                using (Verifier noMch = V2(null))
                using (Verifier a = V2("10000100"))
                {
                    // v2: the profile's id is the routing key; it must agree with the verifier's.
                    using (var e = new Endpoint(new MerchantProfile("only", noMch, mchId: "10000100")))
                    {
                        EndpointResult r = e.Handle(new Dictionary<string, string>(), ApiTests.PaymentBody(SignType.Md5, "4200000088", "100"), 0);
                        T.Eq("only", r.Label, "routed by the profile's mch_id");
                    }
                    T.Code("invalid_config", () => new Endpoint(new MerchantProfile("only", a, mchId: "10000200")));
                    T.Code("invalid_config", () => new Endpoint(new MerchantProfile("only", a, mchId: "")));
                    T.Eq("10000100", new MerchantProfile("x", a, mchId: "10000100").MchId, "MchId");
                    T.True(new MerchantProfile("x", a).MchId == null, "no MchId");
                    T.Eq("mchId", T.Throws<ArgumentException>(() => new MerchantProfile("x", a, mchId: "1\udc00")).ParamName, "mchId without a UTF-8 form");
                }
                // APIv3: the kept notification's merchant, as its resource names it.
                JsonObject config = null;
                foreach (object o in firstProfiles)
                {
                    if ((string)((JsonObject)o)["label"] == v3.Label) config = (JsonObject)((JsonObject)o)["v3"];
                }
                T.True(config != null, "the kept v3 request's merchant has a v3 part");
                string mchid;
                using (V3Verifier any = V3Tests.Build(config))
                {
                    V3Notification n = any.Verify(v3.Headers, v3.Body, v3.Now);
                    mchid = n.Transaction != null ? n.Transaction.Mchid : n.Refund.Mchid;
                }
                T.True(mchid != null && mchid != "1900000999", "the resource names its merchant");
                var keys = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (object o in (List<object>)config["platformKeys"]) keys.Add((string)((List<object>)o)[0], (string)((List<object>)o)[1]);
                string apiV3Key = (string)config["apiV3Key"];
                using (var plain = new V3Verifier(apiV3Key, keys))
                using (var own = new V3Verifier(apiV3Key, keys, mchIds: new[] { mchid }))
                {
                    using (var e = new Endpoint(new MerchantProfile("only", null, plain, mchid)))
                    {
                        T.Eq("only", Handle(e, v3).Label, "the profile's own merchant");
                    }
                    using (var e = new Endpoint(new MerchantProfile("only", null, plain, "1900000999")))
                    {
                        var rejected = (EndpointRejectedException)T.Code("merchant_mismatch", () => Handle(e, v3));
                        T.Eq("only", rejected.Label, "decided merchant");
                        T.Eq(ApiVersion.V3, rejected.Version, "Version");
                        T.Eq(401, rejected.Reply.Status, "status");
                        T.Eq("{\"code\":\"FAIL\",\"message\":\"rejected\"}", rejected.Reply.Body, "the one constant body");
                    }
                    // A v3 verifier that names its own ids keeps them.
                    using (var e = new Endpoint(new MerchantProfile("only", null, own, "1900000999")))
                    {
                        T.Eq("only", Handle(e, v3).Label, "the verifier's ids win");
                    }
                }
            });

            T.Case("endpoint: an APIv3 body over its merchant's max_body_bytes is body_too_large (400) before anything is verified", () =>
            {
                using (Endpoint e = Build(firstProfiles))
                {
                    var big = new byte[65537];
                    for (int i = 0; i < big.Length; i++) big[i] = (byte)' ';
                    Array.Copy(v3.Body, big, v3.Body.Length);
                    var rejected = (EndpointRejectedException)T.Code("body_too_large", () => e.Handle(v3.Headers, big, v3.Now));
                    T.Eq(ApiVersion.V3, rejected.Version, "Version");
                    T.Eq(400, rejected.Reply.Status, "status");
                    var atLimit = new byte[65536];
                    Array.Copy(big, atLimit, atLimit.Length);
                    T.Code("signature_mismatch", () => e.Handle(v3.Headers, atLimit, v3.Now));
                }
            });

            T.Case("endpoint: an APIv3-only profile without any merchant id serves every merchant (its v3 part is kept)", () =>
            {
                JsonObject config = null;
                foreach (object o in firstProfiles)
                {
                    if ((string)((JsonObject)o)["label"] == v3.Label) config = (JsonObject)((JsonObject)o)["v3"];
                }
                using (V3Verifier any = V3Tests.Build(config))
                using (var e = new Endpoint(new MerchantProfile("only", null, any)))
                {
                    T.Eq("only", Handle(e, v3).Label, "verified for the only profile");
                }
            });

            T.Case("endpoint misuse rule: null arguments throw ArgumentNullException naming the parameter", () =>
            {
                using (Verifier a = V2("10000100"))
                using (Endpoint e = new Endpoint(new MerchantProfile("a", a)))
                {
                    T.Eq("label", T.Throws<ArgumentNullException>(() => new MerchantProfile(null, a)).ParamName, "label");
                    T.Eq("profiles", T.Throws<ArgumentNullException>(() => new Endpoint((IEnumerable<MerchantProfile>)null)).ParamName, "profiles");
                    T.Eq("profiles", T.Throws<ArgumentNullException>(() => new Endpoint((MerchantProfile[])null)).ParamName, "profiles array");
                    T.Eq("profiles", T.Throws<ArgumentNullException>(() => new Endpoint(new MerchantProfile("a", a), null)).ParamName, "a null profile");
                    T.Eq("headers", T.Throws<ArgumentNullException>(() => e.Handle((IDictionary<string, string>)null, v2Payment.Body)).ParamName, "headers");
                    T.Eq("headers", T.Throws<ArgumentNullException>(() => e.Handle((NameValueCollection)null, v2Payment.Body)).ParamName, "collection");
                    T.Eq("headers", T.Throws<ArgumentNullException>(() => e.Handle((IDictionary<string, string>)null, "<xml/>")).ParamName, "headers, string body");
                    T.Eq("body", T.Throws<ArgumentNullException>(() => e.Handle(v2Payment.Headers, (byte[])null)).ParamName, "body");
                    T.Eq("body", T.Throws<ArgumentNullException>(() => e.Handle(v2Payment.Headers, (string)null)).ParamName, "string body");
                    var nullValue = new Dictionary<string, string> { { "Wechatpay-Serial", null } };
                    T.Eq("headers", T.Throws<ArgumentNullException>(() => e.Handle(nullValue, v2Payment.Body)).ParamName, "a null header value");
                }
            });

            T.Case("endpoint misuse rule: no UTF-8 form is ArgumentException, a negative now invalid_argument", () =>
            {
                using (Verifier a = V2("10000100"))
                using (Endpoint e = new Endpoint(new MerchantProfile("a", a)))
                {
                    T.Eq("label", T.Throws<ArgumentException>(() => new MerchantProfile("shop-\ud800", a)).ParamName, "label");
                    var lone = new Dictionary<string, string> { { "X-Name", "\udc00" } };
                    T.Eq("headers", T.Throws<ArgumentException>(() => e.Handle(lone, v2Payment.Body)).ParamName, "a header");
                    T.Eq("body", T.Throws<ArgumentException>(() => e.Handle(v2Payment.Headers, "<xml>\ud800</xml>")).ParamName, "string body");
                    T.Eq("invalid_argument", T.Throws<WechatPayNotifyException>(() => e.Handle(v2Payment.Headers, v2Payment.Body, -1)).Code, "now");
                    T.Eq("invalid_argument", T.Throws<WechatPayNotifyException>(() => e.Handle(new NameValueCollection(), v2Payment.Body, long.MinValue)).Code, "now, collection");
                    T.Eq("invalid_argument", T.Throws<WechatPayNotifyException>(() => e.Handle(v2Payment.Headers, "<xml/>", -1)).Code, "now, string body");
                }
            });

            ProfilesFile();
            InternalErrorReply();

            T.Case("endpoint api: a disposed Endpoint or verifier throws ObjectDisposedException; Dispose is idempotent", () =>
            {
                Verifier a = V2("10000100");
                var profile = new MerchantProfile("a", a);
                var e = new Endpoint(profile);
                e.Dispose();
                e.Dispose();
                T.Throws<ObjectDisposedException>(() => e.Handle(v2Payment.Headers, v2Payment.Body, 0));
                T.Throws<ObjectDisposedException>(() => { var labels = e.Labels; });
                T.Eq("WechatPay.Notify.Endpoint(disposed)", e.ToString(), "ToString after Dispose");
                a.Dispose();
                T.Throws<ObjectDisposedException>(() => new Endpoint(profile));
                using (var s = V3Tests.Build((JsonObject)((JsonObject)firstProfiles[0])["v3"]))
                {
                    s.Dispose();
                    T.Throws<ObjectDisposedException>(() => new Endpoint(new MerchantProfile("b", null, s)));
                }
            });

            T.Case("endpoint concurrency: Labels read while another thread disposes: whole copies or ObjectDisposedException, never freed memory", () =>
            {
                // An 8 MiB label has an allocation of its own, unmapped when the endpoint is freed:
                // reading it after the free would crash rather than read stale bytes.
                string big = new string('L', 8 << 20);
                var random = new Random(7);
                int whole = 0, disposed = 0, torn = 0;
                for (int round = 0; round < 12; round++)
                {
                    Endpoint e;
                    using (Verifier v = V2("10000100")) e = new Endpoint(new MerchantProfile(big, v));
                    var reader = new Thread(() =>
                    {
                        try
                        {
                            for (;;)
                            {
                                IReadOnlyList<string> labels = e.Labels;
                                if (labels.Count == 1 && labels[0] == big) Interlocked.Increment(ref whole);
                                else Interlocked.Increment(ref torn);
                            }
                        }
                        catch (ObjectDisposedException)
                        {
                            Interlocked.Increment(ref disposed);
                        }
                    });
                    reader.Start();
                    Thread.Sleep(random.Next(1, 6));
                    e.Dispose();
                    reader.Join();
                }
                T.Eq(0, torn, "no torn label");
                T.Eq(12, disposed, "every reader ends with ObjectDisposedException");
            });

            T.Case("endpoint concurrency: one Endpoint shared by Parallel.For (v2 payment, v2 refund, v3, forgery)", () =>
            {
                int ok = 0, rejected = 0, wrong = 0;
                Case[] cases = { v2Payment, v2Refund, v3, forged };
                using (Endpoint e = Build(firstProfiles))
                {
                    Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
                    {
                        Case c = cases[i % cases.Length];
                        try
                        {
                            EndpointResult r = Handle(e, c);
                            if (c != forged && r.Label == c.Label && r.DedupeKey != null) Interlocked.Increment(ref ok);
                            else Interlocked.Increment(ref wrong);
                        }
                        catch (EndpointRejectedException ex)
                        {
                            if (c == forged && ex.Code == "signature_mismatch" && ex.Label == c.Label) Interlocked.Increment(ref rejected);
                            else Interlocked.Increment(ref wrong);
                        }
                    });
                }
                T.Eq(300, ok, "verified");
                T.Eq(100, rejected, "rejected");
                T.Eq(0, wrong, "wrong results");
            });
        }
    }
}
