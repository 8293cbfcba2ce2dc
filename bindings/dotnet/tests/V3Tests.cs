// APIv3 through the .NET binding: every case of tests/vectors/v3_notify.json (exact verdicts, codes
// and numbers, the message rule on every invalid case, every expected field, every key of
// expected.typed against its PascalCase property, the resource against Plaintext), then the API
// itself: the misuse rule, disposal, the header forms, the clock, the replies, concurrency.
using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WechatPay.Notify.Tests
{
    internal static class V3Tests
    {
        private const string File = "v3_notify.json";

        /// <summary>A case kept from the vectors for the API tests.</summary>
        private sealed class Case
        {
            public Dictionary<string, string> Headers;
            public string Body;
            public long Now;
        }

        private static JsonObject firstConfig;
        private static Case payment;
        private static Case partner;
        private static Case refund;
        private static Case forged;

        public static void Run(string dir)
        {
            Vectors(dir);
            T.Case("v3: the vectors gave a configuration, a payment, a partner's payment, a refund and a forgery to reuse", () =>
            {
                T.True(firstConfig != null && payment != null && partner != null && refund != null && forged != null, "kept cases");
            });
            if (firstConfig == null || payment == null || partner == null || refund == null || forged == null) return;
            Api();
        }

        internal static V3Verifier Build(JsonObject config)
        {
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (object o in (List<object>)config["platformKeys"])
            {
                var pair = (List<object>)o;
                keys.Add((string)pair[0], (string)pair[1]);
            }
            object skew = config["maxClockSkew"];
            object max = config["maxBodyBytes"];
            // Optional: the merchant ids the verifier serves (absent or null: any).
            List<string> mchIds = null;
            if (config["mchIds"] != null)
            {
                mchIds = new List<string>();
                foreach (object o in (List<object>)config["mchIds"]) mchIds.Add((string)o);
            }
            return new V3Verifier((string)config["apiV3Key"], keys,
                skew == null ? V3Verifier.DefaultMaxClockSkew : (long)skew,
                max == null ? (ulong?)null : (ulong)(long)max, mchIds);
        }

        /// <summary>The headers as a dictionary (names differing in case are distinct keys); null
        /// when a name repeats exactly, which only a NameValueCollection can carry.</summary>
        internal static Dictionary<string, string> Headers(object list)
        {
            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in VectorTests.Pairs(list))
            {
                if (headers.ContainsKey(pair.Key)) return null;
                headers.Add(pair.Key, pair.Value);
            }
            return headers;
        }

        internal static NameValueCollection Collection(object list)
        {
            var headers = new NameValueCollection();
            foreach (var pair in VectorTests.Pairs(list)) headers.Add(pair.Key, pair.Value);
            return headers;
        }

        private static void Vectors(string dir)
        {
            JsonObject root = VectorTests.Load(dir, File, "wechatpay-notify/v3-notify/1");
            if (root == null) return;
            long ran = 0;
            bool first = true;
            foreach (JsonObject group in VectorTests.Objects(root["testGroups"]))
            {
                var config = (JsonObject)group["config"];
                V3Verifier verifier = null;
                WechatPayNotifyException buildError = null;
                try
                {
                    verifier = Build(config);
                }
                catch (WechatPayNotifyException e)
                {
                    buildError = e;
                }
                bool keep = first;
                if (first) firstConfig = config;
                first = false;
                using (verifier)
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
                            if (verifier == null)
                            {
                                T.True(!valid, "the group's configuration was refused, so every case is invalid");
                                T.CheckError(code, buildError);
                                return;
                            }
                            // Text bodies go through the string overload, raw bytes through byte[]; the
                            // headers through IDictionary, or NameValueCollection when a name repeats.
                            string text = (string)test["body"];
                            byte[] raw = text == null ? VectorTests.Hex((string)test["bodyHex"]) : Encoding.UTF8.GetBytes(text);
                            Dictionary<string, string> headers = Headers(test["headers"]);
                            Func<V3Notification> run;
                            if (headers == null) run = () => verifier.Verify(Collection(test["headers"]), raw, now);
                            else if (text != null && test["tcId"] is long && (long)test["tcId"] % 2 == 0) run = () => verifier.Verify(headers, text, now);
                            else run = () => verifier.Verify(headers, raw, now);
                            if (!valid)
                            {
                                T.Code(code, () => run()); // also the number and the message rule
                                if (keep && code == "signature_mismatch" && forged == null && text != null && headers != null)
                                {
                                    forged = new Case { Headers = headers, Body = text, Now = now };
                                }
                                return;
                            }
                            V3Notification n = run();
                            var expected = (JsonObject)test["expected"];
                            foreach (string field in new[] { "id", "create_time", "event_type", "resource_type", "summary", "plaintext" })
                            {
                                T.True(expected[field] is string, "expected." + field);
                                T.Eq((string)expected[field], (string)VectorTests.Property(n, field), field);
                            }
                            T.True(JsonEqual(expected["resource"], MiniJson.Parse(n.Plaintext)), "Plaintext parses to the expected resource");
                            VectorTests.Typed(n, (JsonObject)expected["typed"]);
                            if (keep && text != null && headers != null)
                            {
                                if (n.EventType == "TRANSACTION.SUCCESS" && n.Transaction.Mchid != null && payment == null) payment = new Case { Headers = headers, Body = text, Now = now };
                                if (n.EventType == "TRANSACTION.SUCCESS" && n.Transaction.Mchid == null && n.Transaction.SpMchid != null && partner == null) partner = new Case { Headers = headers, Body = text, Now = now };
                                if (n.EventType == "REFUND.SUCCESS" && refund == null) refund = new Case { Headers = headers, Body = text, Now = now };
                            }
                        });
                    }
                }
            }
            VectorTests.Total(root, File, ran);
        }

        /// <summary>Structural equality of two MiniJson values (objects compared as key sets).</summary>
        private static bool JsonEqual(object a, object b)
        {
            if (a == null || b == null) return a == null && b == null;
            var oa = a as JsonObject;
            var ob = b as JsonObject;
            if (oa != null || ob != null)
            {
                if (oa == null || ob == null || oa.Count != ob.Count) return false;
                foreach (var pair in oa)
                {
                    if (!ob.Has(pair.Key) || !JsonEqual(pair.Value, ob[pair.Key])) return false;
                }
                return true;
            }
            var la = a as List<object>;
            var lb = b as List<object>;
            if (la != null || lb != null)
            {
                if (la == null || lb == null || la.Count != lb.Count) return false;
                for (int i = 0; i < la.Count; i++)
                {
                    if (!JsonEqual(la[i], lb[i])) return false;
                }
                return true;
            }
            return a.Equals(b);
        }

        private static Dictionary<string, string> PlatformKeys()
        {
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (object o in (List<object>)firstConfig["platformKeys"])
            {
                var pair = (List<object>)o;
                keys.Add((string)pair[0], (string)pair[1]);
            }
            return keys;
        }

        private static string ApiV3Key
        {
            get { return (string)firstConfig["apiV3Key"]; }
        }

        private static void Api()
        {
            byte[] body = Encoding.UTF8.GetBytes(payment.Body);

            T.Case("v3 api: a verified payment exposes the event, the exact plaintext and the typed views", () =>
            {
                using (var v = new V3Verifier(ApiV3Key, PlatformKeys()))
                {
                    V3Notification n = v.Verify(payment.Headers, body, payment.Now);
                    T.Eq("TRANSACTION.SUCCESS", n.EventType, "EventType");
                    T.True(n.IsSuccess, "IsSuccess");
                    T.True(n.Transaction != null && n.Refund == null, "a transaction view only");
                    T.Eq(n.Transaction.TransactionId, n.DedupeKey, "DedupeKey is transaction_id");
                    T.True(n.Transaction.AmountTotal.HasValue && n.Transaction.AmountTotal.Value > 0, "AmountTotal");
                    T.True(n.Plaintext.StartsWith("{") && n.Plaintext.Contains(n.Transaction.TransactionId), "Plaintext is the resource JSON");
                    T.True(n.ToString().Contains(n.DedupeKey), "ToString");
                    // The string overload and a NameValueCollection see the same request.
                    T.Eq(n.Id, v.Verify(payment.Headers, payment.Body, payment.Now).Id, "string body");
                    var collection = new NameValueCollection();
                    foreach (var h in payment.Headers) collection.Add(h.Key, h.Value);
                    collection.Add("User-Agent", "Mozilla/4.0");
                    T.Eq(n.Id, v.Verify(collection, body, payment.Now).Id, "NameValueCollection");
                    // A Wechatpay header received twice is refused, whatever the framework would keep.
                    foreach (var h in payment.Headers)
                    {
                        if (h.Key.Equals("Wechatpay-Nonce", StringComparison.OrdinalIgnoreCase)) collection.Add(h.Key, h.Value);
                    }
                    T.Code("invalid_argument", () => v.Verify(collection, body, payment.Now));

                    V3Notification r = v.Verify(refund.Headers, refund.Body, refund.Now);
                    T.True(r.Refund != null && r.Transaction == null, "a refund view only");
                    T.Eq(r.Refund.RefundId + ":SUCCESS", r.DedupeKey, "DedupeKey is refund_id:STATUS");
                    T.Eq("SUCCESS", r.Refund.RefundStatus, "RefundStatus");
                }
            });

            T.Case("v3 api: now is the caller's; null reads the system clock", () =>
            {
                using (var v = new V3Verifier(ApiV3Key, PlatformKeys()))
                {
                    T.Code("timestamp_out_of_window", () => v.Verify(payment.Headers, body, payment.Now + 301));
                    T.Code("timestamp_out_of_window", () => v.Verify(payment.Headers, body, payment.Now - 301));
                    v.Verify(payment.Headers, body, payment.Now + 300);
                    long clock = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                    // The vectors are signed at a fixed time far from today's clock.
                    T.True(Math.Abs(clock - payment.Now) > 300, "the vector's time is not today's");
                    T.Code("timestamp_out_of_window", () => v.Verify(payment.Headers, body));
                    T.Code("timestamp_out_of_window", () => v.Verify(payment.Headers, body, null));
                }
                using (var v = new V3Verifier(ApiV3Key, PlatformKeys(), maxClockSkew: long.MaxValue))
                {
                    // With an unbounded window the system clock is accepted: null really is "now".
                    T.Eq("TRANSACTION.SUCCESS", v.Verify(payment.Headers, body).EventType, "any clock within the window");
                }
            });

            T.Case("v3 api: configuration read back; trusted ids; the clock skew and body limit apply", () =>
            {
                Dictionary<string, string> keys = PlatformKeys();
                using (var v = new V3Verifier(ApiV3Key, keys, maxClockSkew: 60, maxBodyBytes: 100))
                {
                    T.Eq(60L, v.MaxClockSkew, "MaxClockSkew");
                    T.Eq(100UL, v.MaxBodyBytes, "MaxBodyBytes");
                    T.Eq(keys.Count, v.TrustedKeyIds.Count, "TrustedKeyIds");
                    foreach (string id in keys.Keys)
                    {
                        T.True(v.Trusts(id), "Trusts " + id);
                        // A hex serial matches numerically (case, leading zeros); any other id exactly.
                        bool hex = id.Length > 0 && id.TrimStart("0123456789ABCDEFabcdef".ToCharArray()).Length == 0;
                        T.Eq(hex, v.Trusts("00" + id.ToLowerInvariant()), "Trusts 00+lowercase " + id);
                    }
                    T.True(!v.Trusts("PUB_KEY_ID_0") && !v.Trusts(""), "unknown ids");
                    T.Code("body_too_large", () => v.Verify(payment.Headers, body, payment.Now));
                    T.True(!v.ToString().Contains(ApiV3Key), "ToString redacts the key");
                }
                T.Code("invalid_config", () => new V3Verifier(ApiV3Key, new Dictionary<string, string>()));
                using (var v = new V3Verifier(ApiV3Key, keys))
                {
                    T.Eq(V3Verifier.DefaultMaxClockSkew, v.MaxClockSkew, "default skew");
                    T.Eq(65536UL, v.MaxBodyBytes, "default limit");
                }
            });

            T.Case("v3 misuse rule: values of the right type that the core refuses carry the core's code", () =>
            {
                var none = new Dictionary<string, string>();
                T.Code("invalid_config", () => new V3Verifier(ApiV3Key.Substring(1), none));
                T.Code("invalid_config", () => new V3Verifier("", none));
                // The 16-byte key of the published wechatpay-go fixture: APIv3 keys are 32 bytes.
                T.Code("invalid_config", () => new V3Verifier("0123456789abcdef", none));
                // The key is the UTF-8 bytes: 16 two-byte characters are 32 bytes.
                var keys = PlatformKeys();
                new V3Verifier(new string('\u00e9', 16), keys).Dispose();
                T.Code("invalid_config", () => new V3Verifier(new string('\u00e9', 32), none));
                T.Code("invalid_config", () => new V3Verifier(ApiV3Key, new Dictionary<string, string> { { "PUB_KEY_ID_1", "not a PEM" } }));
                string certificateId = null;
                foreach (var k in keys)
                {
                    if (k.Value.Contains("CERTIFICATE")) certificateId = k.Key;
                }
                T.True(certificateId != null, "a certificate among the platform keys");
                // A certificate under an id that is not its serial.
                T.Code("invalid_config", () => new V3Verifier(ApiV3Key, new Dictionary<string, string> { { "0123", keys[certificateId] } }));
                // The same key under its serial in another spelling: configured twice.
                var twice = new Dictionary<string, string> { { certificateId, keys[certificateId] }, { "00" + certificateId.ToLowerInvariant(), keys[certificateId] } };
                T.Code("invalid_config", () => new V3Verifier(ApiV3Key, twice));
                using (var v = new V3Verifier(ApiV3Key, keys))
                {
                    T.Code("missing_header", () => v.Verify(new Dictionary<string, string>(), body, payment.Now));
                    T.Code("missing_header", () => v.Verify(new Dictionary<string, string>(), new byte[0], payment.Now));
                }
            });

            T.Case("v3 misuse rule: null arguments throw ArgumentNullException naming the parameter", () =>
            {
                var none = new Dictionary<string, string>();
                T.Eq("apiV3Key", T.Throws<ArgumentNullException>(() => new V3Verifier(null, none)).ParamName, "apiV3Key");
                T.Eq("platformKeys", T.Throws<ArgumentNullException>(() => new V3Verifier(ApiV3Key, null)).ParamName, "platformKeys");
                T.Eq("platformKeys", T.Throws<ArgumentNullException>(() => new V3Verifier(ApiV3Key, new Dictionary<string, string> { { "X", null } })).ParamName, "a null PEM");
                using (var v = new V3Verifier(ApiV3Key, PlatformKeys()))
                {
                    T.Eq("headers", T.Throws<ArgumentNullException>(() => v.Verify((IDictionary<string, string>)null, body, 1)).ParamName, "headers");
                    T.Eq("headers", T.Throws<ArgumentNullException>(() => v.Verify((IDictionary<string, string>)null, "{}", 1)).ParamName, "headers (string body)");
                    T.Eq("headers", T.Throws<ArgumentNullException>(() => v.Verify((NameValueCollection)null, body, 1)).ParamName, "headers (collection)");
                    T.Eq("body", T.Throws<ArgumentNullException>(() => v.Verify(payment.Headers, (byte[])null, 1)).ParamName, "body");
                    T.Eq("body", T.Throws<ArgumentNullException>(() => v.Verify(payment.Headers, (string)null, 1)).ParamName, "body (string)");
                    T.Eq("body", T.Throws<ArgumentNullException>(() => v.Verify(new NameValueCollection(), null, 1)).ParamName, "body (collection)");
                    var nullValue = new Dictionary<string, string>(payment.Headers);
                    nullValue["X-Other"] = null;
                    T.Eq("headers", T.Throws<ArgumentNullException>(() => v.Verify(nullValue, body, payment.Now)).ParamName, "a null header value");
                    T.Eq("serial", T.Throws<ArgumentNullException>(() => v.Trusts(null)).ParamName, "Trusts");
                }
                T.Eq("error", T.Throws<ArgumentNullException>(() => Reply.V3Fail((WechatPayNotifyException)null)).ParamName, "Reply.V3Fail");
                T.Eq("code", T.Throws<ArgumentNullException>(() => Reply.V3Fail((string)null)).ParamName, "Reply.V3Fail(code)");
            });

            T.Case("v3 misuse rule: no UTF-8 form is ArgumentException; a negative number is refused as in Python and Node", () =>
            {
                string lone = "\uD800";
                var none = new Dictionary<string, string>();
                ArgumentException e = T.Throws<ArgumentException>(() => new V3Verifier(lone + ApiV3Key.Substring(1), none));
                T.True(!(e is ArgumentNullException) && e.ParamName == "apiV3Key", "apiV3Key: " + e.ParamName);
                T.Eq("platformKeys", T.Throws<ArgumentException>(() => new V3Verifier(ApiV3Key, new Dictionary<string, string> { { "PUB" + lone, "pem" } })).ParamName, "platformKeys");
                WechatPayNotifyException skew = T.Throws<WechatPayNotifyException>(() => new V3Verifier(ApiV3Key, PlatformKeys(), maxClockSkew: -1));
                T.Eq("invalid_config", skew.Code, "maxClockSkew");
                T.Eq("maxClockSkew must be a non-negative integer", skew.Message, "maxClockSkew message");
                // The binding's own refusal carries the core's number for the code.
                T.Eq(T.Throws<WechatPayNotifyException>(() => new V3Verifier("short", PlatformKeys())).Number, skew.Number, "invalid_config number");
                using (var v = new V3Verifier(ApiV3Key, PlatformKeys()))
                {
                    var bad = new Dictionary<string, string>(payment.Headers);
                    bad["X-Other"] = "x" + lone;
                    T.Eq("headers", T.Throws<ArgumentException>(() => v.Verify(bad, body, payment.Now)).ParamName, "a header value");
                    T.Eq("body", T.Throws<ArgumentException>(() => v.Verify(payment.Headers, payment.Body + lone, payment.Now)).ParamName, "a string body");
                    WechatPayNotifyException now = T.Throws<WechatPayNotifyException>(() => v.Verify(payment.Headers, body, -1));
                    T.Eq("invalid_argument", now.Code, "now");
                    T.Eq("now must be a non-negative integer (Unix seconds)", now.Message, "now message");
                    T.Eq(T.Throws<WechatPayNotifyException>(() => Signer.Sign(new[] { new KeyValuePair<string, string>("a", "1"), new KeyValuePair<string, string>("a", "2") }, ApiV3Key, "MD5")).Number,
                        now.Number, "invalid_argument number");
                    T.Eq("serial", T.Throws<ArgumentException>(() => v.Trusts(lone)).ParamName, "Trusts");
                    // Other headers of the request are passed on and ignored.
                    var other = new Dictionary<string, string>(payment.Headers);
                    other["X-Other"] = "caf\u00e9";
                    T.Eq("TRANSACTION.SUCCESS", v.Verify(other, body, payment.Now).EventType, "an unrelated header");
                }
            });

            T.Case("v3 api: a disposed V3Verifier throws ObjectDisposedException; Dispose is idempotent", () =>
            {
                var v = new V3Verifier(ApiV3Key, PlatformKeys());
                v.Dispose();
                v.Dispose();
                T.Throws<ObjectDisposedException>(() => v.Verify(payment.Headers, body, payment.Now));
                T.Throws<ObjectDisposedException>(() => v.Verify(payment.Headers, payment.Body, payment.Now));
                T.Throws<ObjectDisposedException>(() => v.Verify(new NameValueCollection(), body, payment.Now));
                T.Throws<ObjectDisposedException>(() => v.Trusts("X"));
                T.Throws<ObjectDisposedException>(() => GC.KeepAlive(v.TrustedKeyIds));
                T.Throws<ObjectDisposedException>(() => GC.KeepAlive(v.MaxClockSkew));
                T.Throws<ObjectDisposedException>(() => GC.KeepAlive(v.MaxBodyBytes));
            });

            T.Case("v3 replies: success is 204 with no body; a failure carries the core's status and one constant JSON body", () =>
            {
                HttpReply ok = Reply.V3Success();
                T.Eq(204, ok.Status, "status");
                T.True(ok.ContentType == null, "no content type");
                T.Eq("", ok.Body, "no body");
                using (var v = new V3Verifier(ApiV3Key, PlatformKeys()))
                {
                    var checks = new[]
                    {
                        new KeyValuePair<Case, int>(forged, 401),
                        new KeyValuePair<Case, int>(new Case { Headers = payment.Headers, Body = payment.Body, Now = payment.Now + 1000 }, 401),
                        new KeyValuePair<Case, int>(new Case { Headers = new Dictionary<string, string>(), Body = payment.Body, Now = payment.Now }, 401),
                    };
                    foreach (var check in checks)
                    {
                        Case c = check.Key;
                        WechatPayNotifyException e = T.Throws<WechatPayNotifyException>(() => v.Verify(c.Headers, c.Body, c.Now));
                        HttpReply fail = Reply.V3Fail(e);
                        T.Eq(check.Value, fail.Status, e.Code + " status");
                        T.Eq("application/json", fail.ContentType, "content type");
                        T.Eq("{\"code\":\"FAIL\",\"message\":\"rejected\"}", fail.Body, "body");
                        T.True(!fail.Body.Contains(e.Code), "the body never names the code");
                    }
                }
                WechatPayNotifyException config = T.Throws<WechatPayNotifyException>(() => new V3Verifier("short", new Dictionary<string, string>()));
                T.Eq(500, Reply.V3Fail(config).Status, "invalid_config is ours: 500");
                T.Eq("{\"code\":\"FAIL\",\"message\":\"rejected\"}", Reply.V3Fail(config).Body, "constant body");
                // By code, for a failure of one's own.
                HttpReply internalReply = Reply.V3Fail("internal");
                T.Eq(500, internalReply.Status, "internal status");
                T.Eq("application/json", internalReply.ContentType, "internal content type");
                T.Eq("{\"code\":\"FAIL\",\"message\":\"rejected\"}", internalReply.Body, "internal body");
                T.Eq(401, Reply.V3Fail("signature_mismatch").Status, "by code");
                T.Code("invalid_argument", () => Reply.V3Fail("SIGNATURE_MISMATCH"));
                T.Code("invalid_argument", () => Reply.V3Fail(""));
                // unsupported_algorithm also arises after the signature verified: 400.
                using (var v = new V3Verifier(ApiV3Key, PlatformKeys()))
                {
                    var h = new Dictionary<string, string>(payment.Headers);
                    h["Wechatpay-Signature-Type"] = "WECHATPAY2-SM2-WITH-SM3";
                    WechatPayNotifyException e = T.Code("unsupported_algorithm", () => v.Verify(h, payment.Body, payment.Now));
                    T.Eq(400, Reply.V3Fail(e).Status, "unsupported_algorithm status");
                    WechatPayNotifyException m;
                    using (var other = new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new[] { "1900000999" }))
                    {
                        m = T.Throws<WechatPayNotifyException>(() => other.Verify(payment.Headers, payment.Body, payment.Now));
                    }
                    T.Eq("merchant_mismatch", m.Code, "merchant_mismatch");
                    T.Eq(401, Reply.V3Fail(m).Status, "merchant_mismatch status");
                }
            });

            T.Case("v3 mchIds: the expected merchant is accepted, another is merchant_mismatch", () =>
            {
                string mchid, spMchid;
                using (var any = new V3Verifier(ApiV3Key, PlatformKeys()))
                {
                    T.Eq(0, any.ExpectedMchIds.Count, "no expected ids: any merchant");
                    mchid = any.Verify(payment.Headers, payment.Body, payment.Now).Transaction.Mchid;
                    V3Notification p = any.Verify(partner.Headers, partner.Body, partner.Now);
                    T.True(p.Transaction.Mchid == null, "a partner notification has no mchid");
                    spMchid = p.Transaction.SpMchid;
                }
                T.True(mchid != null && spMchid != null && mchid != "1900000999" && spMchid != "1900000999", "the fixtures name their merchants");
                using (var own = new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new[] { mchid }))
                {
                    T.Eq(mchid, own.ExpectedMchIds[0], "ExpectedMchIds");
                    T.Eq("TRANSACTION.SUCCESS", own.Verify(payment.Headers, payment.Body, payment.Now).EventType, "the merchant's payment");
                    T.Eq(mchid, own.Verify(refund.Headers, refund.Body, refund.Now).Refund.Mchid, "the merchant's refund");
                    // A partner notification without mchid: its sp_mchid is not this merchant.
                    WechatPayNotifyException e = T.Code("merchant_mismatch", () => own.Verify(partner.Headers, partner.Body, partner.Now));
                    T.True(e.Message.Contains("sp_mchid"), "the message names the field: " + e.Message);
                }
                using (var other = new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new List<string> { "1900000999" }))
                {
                    T.Code("merchant_mismatch", () => other.Verify(payment.Headers, payment.Body, payment.Now));
                    T.Code("merchant_mismatch", () => other.Verify(refund.Headers, refund.Body, refund.Now));
                    // The signature comes first: a forgery is still signature_mismatch.
                    T.Code("signature_mismatch", () => other.Verify(forged.Headers, forged.Body, forged.Now));
                }
                // A service provider serves several ids; a repeated one is kept once.
                using (var several = new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new[] { "1900000999", spMchid, mchid, mchid }))
                {
                    T.Eq("1900000999," + spMchid + "," + mchid, string.Join(",", several.ExpectedMchIds), "ExpectedMchIds in order, once each");
                    several.Verify(payment.Headers, payment.Body, payment.Now);
                    several.Verify(partner.Headers, partner.Body, partner.Now);
                }
                // The misuse rule: a null id is ArgumentNullException, an empty one the core's invalid_config.
                T.Eq("mchIds", T.Throws<ArgumentNullException>(() => new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new string[] { null })).ParamName, "a null id");
                T.Eq("mchIds", T.Throws<ArgumentException>(() => new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new[] { "19\ud800" })).ParamName, "no UTF-8 form");
                T.Code("invalid_config", () => new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new[] { "" }));
                using (var none = new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new string[0]))
                {
                    T.Eq(0, none.ExpectedMchIds.Count, "an empty list: any merchant");
                    none.Verify(partner.Headers, partner.Body, partner.Now);
                }
                var disposed = new V3Verifier(ApiV3Key, PlatformKeys(), mchIds: new[] { mchid });
                disposed.Dispose();
                T.Throws<ObjectDisposedException>(() => GC.KeepAlive(disposed.ExpectedMchIds));
            });

            T.Case("v3 concurrency: one V3Verifier shared by Parallel.For", () =>
            {
                int ok = 0, rejected = 0, wrong = 0;
                byte[] forgedBody = Encoding.UTF8.GetBytes(forged.Body);
                using (var v = new V3Verifier(ApiV3Key, PlatformKeys()))
                {
                    Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
                    {
                        try
                        {
                            if (i % 2 == 0)
                            {
                                V3Notification n = v.Verify(payment.Headers, body, payment.Now);
                                if (n.Transaction != null && n.DedupeKey == n.Transaction.TransactionId) Interlocked.Increment(ref ok);
                                else Interlocked.Increment(ref wrong);
                            }
                            else
                            {
                                v.Verify(forged.Headers, forgedBody, forged.Now);
                                Interlocked.Increment(ref wrong);
                            }
                        }
                        catch (WechatPayNotifyException e)
                        {
                            if (e.Code == "signature_mismatch") Interlocked.Increment(ref rejected);
                            else Interlocked.Increment(ref wrong);
                        }
                    });
                }
                T.Eq(200, ok, "verified");
                T.Eq(200, rejected, "rejected");
                T.Eq(0, wrong, "wrong results");
            });
        }
    }
}
