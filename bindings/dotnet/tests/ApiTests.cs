// The .NET surface itself: disposal, nulls, exceptions, lookups, byte-exact bodies, concurrency.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using System.Threading;
using System.Threading.Tasks;

namespace WechatPay.Notify.Tests
{
    internal static class ApiTests
    {
        private const string Key = "192006250b4c09247ec02edce69f6a2d";

        /// <summary>A signed payment body built with the binding's own signer.</summary>
        internal static string PaymentBody(string signType, string transactionId, string totalFee)
        {
            var fields = new List<KeyValuePair<string, string>>
            {
                new KeyValuePair<string, string>("return_code", "SUCCESS"),
                new KeyValuePair<string, string>("result_code", "SUCCESS"),
                new KeyValuePair<string, string>("appid", "wx2421b1c4370ec43b"),
                new KeyValuePair<string, string>("mch_id", "10000100"),
                new KeyValuePair<string, string>("attach", "支付 & <测试>"),
                new KeyValuePair<string, string>("out_trade_no", "20261127ORDER0001"),
                new KeyValuePair<string, string>("transaction_id", transactionId),
                new KeyValuePair<string, string>("total_fee", totalFee),
                new KeyValuePair<string, string>("coupon_count", "1"),
                new KeyValuePair<string, string>("coupon_id_0", "C1"),
                new KeyValuePair<string, string>("coupon_fee_0", "5"),
            };
            return SignedBody(fields, signType);
        }

        /// <summary>A signed v2 body of these elements, in order.</summary>
        internal static string SignedBody(IList<KeyValuePair<string, string>> fields, string signType)
        {
            var sb = new StringBuilder("<xml>");
            foreach (var f in fields) sb.Append("<").Append(f.Key).Append("><![CDATA[").Append(f.Value).Append("]]></").Append(f.Key).Append(">");
            sb.Append("<sign>").Append(Signer.Sign(fields, Key, signType)).Append("</sign></xml>");
            return sb.ToString();
        }

        private static KeyValuePair<string, string> F(string name, string value)
        {
            return new KeyValuePair<string, string>(name, value);
        }

        public static void Run()
        {
            string body = PaymentBody(SignType.Md5, "4200000001", "100");

            T.Case("api: a verified payment exposes ordered fields, lookups and typed properties", () =>
            {
                using (var v = new Verifier(Key, SignType.Md5, mchId: "10000100"))
                {
                    PaymentNotification p = v.VerifyPayment(body);
                    T.Eq(12, p.Fields.Count, "field count");
                    T.Eq("return_code", p.Fields[0].Key, "first field");
                    T.Eq("sign", p.Fields[11].Key, "last field");
                    T.Eq("20261127ORDER0001", p.OutTradeNo, "OutTradeNo");
                    T.Eq("支付 & <测试>", p.Attach, "attach decoded");
                    T.Eq("100", p.Get("total_fee"), "Get");
                    T.True(p.Get("nope") == null, "absent field is null");
                    string value;
                    T.True(p.TryGetField("appid", out value) && value == "wx2421b1c4370ec43b", "TryGetField");
                    T.Eq((ulong?)100, p.TotalFee, "TotalFee");
                    T.True(p.CashFee == null, "CashFee absent");
                    T.Eq("4200000001", p.DedupeKey, "DedupeKey");
                    T.Eq("MD5", p.SignType, "SignType");
                    T.True(p.IsSuccess, "IsSuccess");
                    T.Eq(1, p.Coupons.Count, "one coupon");
                    T.Eq("C1", p.Coupons[0].Id, "coupon id");
                    T.True(p.Coupons[0].CouponType == null, "coupon type absent");
                    T.Eq((ulong?)5, p.Coupons[0].Fee, "coupon fee");
                    // The byte[] overload sees exactly the same bytes.
                    T.Eq(p.Fields.Count, v.VerifyPayment(Encoding.UTF8.GetBytes(body)).Fields.Count, "byte[] overload");
                }
            });

            T.Case("api: a typed amount sent in another form is missing_field when read, never null", () =>
            {
                string odd = SignedBody(new[]
                {
                    F("return_code", "SUCCESS"), F("result_code", "SUCCESS"), F("mch_id", "10000100"),
                    F("out_trade_no", "20261127ORDER0005"), F("transaction_id", "4200000005"), F("total_fee", "100"),
                    F("cash_fee", "1.00"), F("settlement_total_fee", "-1"), F("coupon_fee", ""), F("coupon_count", "1"),
                    F("coupon_id_0", "C0"), F("coupon_fee_0", "x5"),
                }, SignType.Md5);
                using (var v = new Verifier(Key, SignType.Md5))
                {
                    // The notification verifies: only reading the odd properties throws.
                    PaymentNotification p = v.VerifyPayment(odd);
                    T.Eq((ulong?)100, p.TotalFee, "TotalFee");
                    WechatPayNotifyException e = T.Code("missing_field", () => GC.KeepAlive(p.CashFee));
                    T.Eq(8207, e.Number, "number");
                    T.True(e.Message.Contains("cash_fee"), "the message names the field: " + e.Message);
                    T.Code("missing_field", () => GC.KeepAlive(p.CashFee)); // every read
                    T.Code("missing_field", () => GC.KeepAlive(p.SettlementTotalFee));
                    T.True(p.CouponFee == null, "an empty element is absent");
                    T.Eq((ulong?)1, p.CouponCount, "CouponCount");
                    T.Code("missing_field", () => GC.KeepAlive(p.Coupons));
                    T.Eq("1.00", p.Get("cash_fee"), "the field as received");
                    T.True(p.ToString().Contains("4200000005"), "ToString does not throw");
                    T.True(p.ToString().Contains("cash_fee=<missing_field>") && p.ToString().Contains("total_fee=100") &&
                        p.ToString().Contains("coupons=<missing_field>"), "ToString shows every typed value: " + p);
                    T.Eq("4200000005", p.DedupeKey, "DedupeKey");
                }
                string badCount = SignedBody(new[]
                {
                    F("return_code", "SUCCESS"), F("result_code", "SUCCESS"), F("mch_id", "10000100"),
                    F("out_trade_no", "20261127ORDER0006"), F("transaction_id", "4200000006"), F("total_fee", "100"),
                    F("coupon_count", "one"), F("coupon_id_0", "C0"),
                }, SignType.Md5);
                using (var v = new Verifier(Key, SignType.Md5))
                {
                    PaymentNotification p = v.VerifyPayment(badCount);
                    T.Code("missing_field", () => GC.KeepAlive(p.CouponCount));
                    T.Code("missing_field", () => GC.KeepAlive(p.Coupons));
                }
            });

            T.Case("zeroisation: a key passed to the C ABI is pinned before it is encoded and zeroed after the call", () =>
            {
                Type secret = typeof(Verifier).Assembly.GetType("WechatPay.Notify.Secret", true);
                var flags = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public |
                            System.Reflection.BindingFlags.NonPublic;
                var key = (IDisposable)Activator.CreateInstance(secret, flags, null, new object[] { Key, "apiKey" }, null);
                System.Reflection.PropertyInfo wiped = secret.GetProperty("IsWiped", flags);
                T.True(!(bool)wiped.GetValue(key), "the key's bytes before Dispose");
                key.Dispose();
                T.True((bool)wiped.GetValue(key), "zeroed and unpinned by Dispose");
                key.Dispose(); // idempotent
                T.Eq("apiKey", T.Throws<ArgumentException>(() => new Verifier("\ud800" + Key.Substring(1), SignType.Md5)).ParamName,
                    "a key with no UTF-8 form");
            });

            T.Case("api: an unsuccessful payment's DedupeKey names its state; the v2 refusal is one constant reply", () =>
            {
                string failed = SignedBody(new[]
                {
                    F("return_code", "SUCCESS"), F("result_code", "FAIL"), F("err_code", "NOTENOUGH"),
                    F("mch_id", "10000100"), F("out_trade_no", "20261127ORDER0007"), F("transaction_id", "4200000007"),
                }, SignType.Md5);
                using (var v = new Verifier(Key, SignType.Md5))
                {
                    PaymentNotification p = v.VerifyPayment(failed);
                    T.True(!p.IsSuccess, "IsSuccess");
                    T.Eq("4200000007:FAIL", p.DedupeKey, "DedupeKey");
                    T.Eq("4200000007", p.TransactionId, "TransactionId");
                }
                T.Eq("<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>",
                    Reply.Refusal(), "Refusal");
                T.Eq(Reply.Fail("rejected"), Reply.Refusal(), "Refusal is Fail(\"rejected\")");
            });

            T.Case("api: rejections carry the exact code, number and a message", () =>
            {
                using (var v = new Verifier(Key, SignType.HmacSha256))
                {
                    WechatPayNotifyException e = T.Code("signature_mismatch", () => v.VerifyPayment(body));
                    T.Eq(8211, e.Number, "number");
                    T.True(e.ToString().Contains("signature_mismatch"), "ToString names the code");
                    T.Code("malformed_xml", () => v.VerifyPayment(new byte[0]));
                    T.Code("malformed_xml", () => v.VerifyPayment(Encoding.UTF8.GetBytes(body + "\0")));
                    T.Code("malformed_xml", () => v.VerifyPayment(new byte[] { 0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff }));
                    T.Code("missing_field", () => v.DecryptRefund("<xml><return_code>SUCCESS</return_code></xml>"));
                }
                using (var v = new Verifier(Key, SignType.Md5, appid: "wx0000000000000000"))
                {
                    T.Code("merchant_mismatch", () => v.VerifyPayment(body));
                }
                int len = Encoding.UTF8.GetByteCount(body);
                using (var v = new Verifier(Key, SignType.Md5, maxBodyBytes: (ulong)len - 1))
                {
                    T.Code("body_too_large", () => v.VerifyPayment(body));
                }
                using (var v = new Verifier(Key, SignType.HmacSha256, alsoAccept: new[] { SignType.Md5 }))
                {
                    T.Eq("MD5", v.VerifyPayment(body).SignType, "also_accept");
                }
            });

            T.Case("misuse rule: values of the right type that the core refuses carry the core's code", () =>
            {
                WechatPayNotifyException e = T.Code("invalid_config", () => new Verifier(Key.Substring(1), SignType.Md5));
                T.True(!e.Message.Contains(Key.Substring(1, 12)), "message has no key material");
                T.Code("invalid_config", () => new Verifier("", SignType.Md5));
                T.Code("invalid_config", () => new Verifier("é" + Key.Substring(1), SignType.Md5));
                T.Code("invalid_config", () => new Verifier(Key, "md5"));
                T.Code("invalid_config", () => new Verifier(Key, ""));
                T.Code("invalid_config", () => new Verifier(Key, SignType.Md5, alsoAccept: new[] { "SHA1" }));
                T.Code("invalid_config", () => Signer.Sign(new KeyValuePair<string, string>[0], "short", SignType.Md5));
                T.Code("invalid_config", () => Signer.Sign(new KeyValuePair<string, string>[0], Key, "SHA1"));
                var dup = new[] { new KeyValuePair<string, string>("a", "1"), new KeyValuePair<string, string>("a", "2") };
                T.Code("invalid_argument", () => Signer.Sign(dup, Key, SignType.Md5));
                T.Code("duplicate_field", () => Signer.StringToSign(dup));
                using (var v = new Verifier(Key, SignType.Md5))
                {
                    T.True(!v.ToString().Contains(Key), "ToString redacts the key");
                    // An empty body is a byte array like any other: the core refuses it.
                    T.Code("malformed_xml", () => v.VerifyPayment(new byte[0]));
                    T.Code("malformed_xml", () => v.DecryptRefund(""));
                }
            });

            T.Case("misuse rule: null arguments throw ArgumentNullException naming the parameter", () =>
            {
                var none = new KeyValuePair<string, string>[0];
                T.Eq("apiKey", T.Throws<ArgumentNullException>(() => new Verifier(null, SignType.Md5)).ParamName, "apiKey");
                T.Eq("signType", T.Throws<ArgumentNullException>(() => new Verifier(Key, null)).ParamName, "signType");
                T.Eq("alsoAccept", T.Throws<ArgumentNullException>(() => new Verifier(Key, SignType.Md5, alsoAccept: new string[] { null })).ParamName, "alsoAccept");
                using (var v = new Verifier(Key, SignType.Md5))
                {
                    T.Eq("body", T.Throws<ArgumentNullException>(() => v.VerifyPayment((byte[])null)).ParamName, "VerifyPayment(byte[])");
                    T.Eq("body", T.Throws<ArgumentNullException>(() => v.VerifyPayment((string)null)).ParamName, "VerifyPayment(string)");
                    T.Eq("body", T.Throws<ArgumentNullException>(() => v.DecryptRefund((byte[])null)).ParamName, "DecryptRefund(byte[])");
                    T.Eq("body", T.Throws<ArgumentNullException>(() => v.DecryptRefund((string)null)).ParamName, "DecryptRefund(string)");
                    PaymentNotification p = v.VerifyPayment(body);
                    string value;
                    T.Eq("name", T.Throws<ArgumentNullException>(() => p.Get(null)).ParamName, "Get");
                    T.Eq("name", T.Throws<ArgumentNullException>(() => p.TryGetField(null, out value)).ParamName, "TryGetField");
                }
                T.Eq("fields", T.Throws<ArgumentNullException>(() => Signer.Sign(null, Key, SignType.Md5)).ParamName, "Sign fields");
                T.Eq("apiKey", T.Throws<ArgumentNullException>(() => Signer.Sign(none, null, SignType.Md5)).ParamName, "Sign apiKey");
                T.Eq("signType", T.Throws<ArgumentNullException>(() => Signer.Sign(none, Key, null)).ParamName, "Sign signType");
                var nullValue = new[] { new KeyValuePair<string, string>("a", null) };
                var nullName = new[] { new KeyValuePair<string, string>(null, "1") };
                T.Eq("fields", T.Throws<ArgumentNullException>(() => Signer.Sign(nullValue, Key, SignType.Md5)).ParamName, "a null value");
                T.Eq("fields", T.Throws<ArgumentNullException>(() => Signer.StringToSign(nullName)).ParamName, "a null name");
                T.Eq("fields", T.Throws<ArgumentNullException>(() => Signer.StringToSign(null)).ParamName, "StringToSign");
                T.Eq("message", T.Throws<ArgumentNullException>(() => Reply.Fail(null)).ParamName, "Reply.Fail");
            });

            T.Case("misuse rule: a string with no UTF-8 form (an unpaired surrogate) is ArgumentException", () =>
            {
                string lone = "\uD800";
                ArgumentException e = T.Throws<ArgumentException>(() => new Verifier(lone + Key.Substring(1), SignType.Md5));
                T.True(!(e is ArgumentNullException) && e.ParamName == "apiKey", "apiKey: " + e.ParamName);
                T.Eq("signType", T.Throws<ArgumentException>(() => new Verifier(Key, lone)).ParamName, "signType");
                T.Eq("mchId", T.Throws<ArgumentException>(() => new Verifier(Key, SignType.Md5, mchId: "1000" + lone)).ParamName, "mchId");
                using (var v = new Verifier(Key, SignType.Md5))
                {
                    T.Eq("body", T.Throws<ArgumentException>(() => v.VerifyPayment(body.Replace("100", lone))).ParamName, "VerifyPayment(string)");
                    T.Eq("body", T.Throws<ArgumentException>(() => v.DecryptRefund(lone)).ParamName, "DecryptRefund(string)");
                }
                var bad = new[] { new KeyValuePair<string, string>("attach", "x" + lone) };
                T.Eq("fields", T.Throws<ArgumentException>(() => Signer.Sign(bad, Key, SignType.Md5)).ParamName, "Sign");
                T.Eq("fields", T.Throws<ArgumentException>(() => Signer.StringToSign(bad)).ParamName, "StringToSign");
                // A FAIL reply is free text: it is repaired, never refused.
                T.True(Reply.Fail("x" + lone).Contains("x\uFFFD"), "FAIL reply repairs the surrogate");
            });

            T.Case("harness: the message rule check refuses controls, U+2028, U+202E, ANSI escapes, 201 chars", () =>
            {
                T.CleanMessage("malformed_xml: an unexpected closing tag </a\\n>", "clean");
                T.CleanMessage(new string('a', 200), "200 characters");
                foreach (string bad in new[] { "", "line\nbreak", "\u001b[31mred", "tab\there", "del\u007f", "ls\u2028", "ps\u2029", "rlo\u202e", "bom\ufeff", new string('a', 201) })
                {
                    T.Throws<AssertionException>(() => T.CleanMessage(bad, "bad"));
                }
            });

            T.Case("api: a disposed verifier throws ObjectDisposedException; Dispose is idempotent", () =>
            {
                var v = new Verifier(Key, SignType.Md5);
                v.Dispose();
                v.Dispose();
                byte[] raw = Encoding.UTF8.GetBytes(body);
                T.Throws<ObjectDisposedException>(() => v.VerifyPayment(body));
                T.Throws<ObjectDisposedException>(() => v.VerifyPayment(raw));
                T.Throws<ObjectDisposedException>(() => v.DecryptRefund(body));
                T.Throws<ObjectDisposedException>(() => v.DecryptRefund(raw));
            });

            T.Case("api: every native handle is a SafeHandleZeroOrMinusOneIsInvalid through one base", () =>
            {
                var handles = new List<string>();
                Type nativeHandle = null;
                foreach (Type type in typeof(Verifier).Assembly.GetTypes())
                {
                    if (!typeof(SafeHandle).IsAssignableFrom(type)) continue;
                    T.True(typeof(SafeHandleZeroOrMinusOneIsInvalid).IsAssignableFrom(type), type.FullName + " derives from SafeHandleZeroOrMinusOneIsInvalid");
                    if (type.IsAbstract)
                    {
                        T.True(nativeHandle == null, "one abstract base");
                        nativeHandle = type;
                    }
                    else
                    {
                        handles.Add(type.FullName);
                    }
                }
                T.True(nativeHandle != null, "the base exists");
                foreach (Type type in typeof(Verifier).Assembly.GetTypes())
                {
                    if (typeof(SafeHandle).IsAssignableFrom(type) && !type.IsAbstract)
                    {
                        T.True(type.BaseType == nativeHandle && type.IsSealed, type.FullName + " is a sealed subclass of " + nativeHandle.Name);
                    }
                }
                // Verifier, its builder, payment, refund, owned string; V3Verifier, its builder,
                // V3Notification, TrustedKeys; Endpoint, its builder, EndpointResult.
                T.Eq(12, handles.Count, "handle types: " + string.Join(", ", handles));
            });

            T.Case("api: an HttpReply serialised as it is (an ASP.NET Core endpoint returning it) fails instead of becoming a 200 JSON body", () =>
            {
                // What System.Text.Json and Newtonsoft.Json do with an object: read each public
                // instance property that has a getter. One of HttpReply's always throws.
                HttpReply refusal = Reply.V3Fail("signature_mismatch");
                T.Eq(401, refusal.Status, "a refusal");
                NotSupportedException thrown = null;
                foreach (System.Reflection.PropertyInfo p in typeof(HttpReply).GetProperties())
                {
                    if (p.GetIndexParameters().Length > 0 || p.GetGetMethod() == null) continue;
                    try
                    {
                        p.GetValue(refusal, null);
                    }
                    catch (System.Reflection.TargetInvocationException e)
                    {
                        thrown = e.InnerException as NotSupportedException ?? thrown;
                    }
                }
                T.True(thrown != null && thrown.Message.Contains("ToResult()"), "a public getter refuses, naming the adapter");
                T.Eq("HttpReply(401, application/json, {\"code\":\"FAIL\",\"message\":\"rejected\"})", refusal.ToString(), "ToString still works");
            });

            T.Case("api: replies, signing and the library version", () =>
            {
                T.Eq("<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>",
                    Reply.Success(), "success");
                T.Eq("<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名失败]]></return_msg></xml>",
                    Reply.Fail("签名失败"), "fail");
                var doc = new[]
                {
                    new KeyValuePair<string, string>("test1", "test1"),
                    new KeyValuePair<string, string>("test2", "test2"),
                };
                T.Eq("1E3A8D73B5A4AEE787C0F68B5DAB8520", Signer.Sign(doc, Key, SignType.Md5), "published MD5 vector");
                T.Eq("test1=test1&test2=test2", Signer.StringToSign(doc), "string to sign");
                T.True(Library.Version.Length > 0 && char.IsDigit(Library.Version[0]), "version");
            });

            T.Case("concurrency: Parallel.For shares one verifier", () =>
            {
                string good = PaymentBody(SignType.HmacSha256, "4200000099", "888");
                string forged = good.Replace("888", "988");
                int ok = 0, rejected = 0, wrong = 0;
                using (var v = new Verifier(Key, SignType.HmacSha256))
                {
                    Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
                    {
                        try
                        {
                            if (i % 2 == 0)
                            {
                                PaymentNotification p = v.VerifyPayment(good);
                                if (p.DedupeKey == "4200000099" && p.TotalFee == 888) Interlocked.Increment(ref ok);
                                else Interlocked.Increment(ref wrong);
                            }
                            else
                            {
                                v.VerifyPayment(forged);
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
                T.Eq(1000, ok, "verified");
                T.Eq(1000, rejected, "rejected");
                T.Eq(0, wrong, "wrong results");
            });
        }
    }

    internal static class Program
    {
        private static int Main(string[] args)
        {
            string dir = args.Length > 0 ? args[0] : "tests/vectors";
            Console.WriteLine("WechatPay.Notify .NET tests, native library " + Library.Version);
            VectorTests.Run(dir);
            ApiTests.Run();
            V3Tests.Run(dir);
            EndpointTests.Run(dir);
            RotationTests.Run(dir);
            WebTests.Run();
            return T.Summary();
        }
    }
}
