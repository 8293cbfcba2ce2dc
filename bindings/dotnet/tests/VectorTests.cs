// Runs every shared vector file (tests/vectors) through the .NET binding: identical verdicts and
// codes to every other surface, exactly numberOfTests cases per file.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;

namespace WechatPay.Notify.Tests
{
    internal static class VectorTests
    {
        public static void Run(string dir)
        {
            Sign(dir);
            Notifications(dir, "v2_pay.json", "wechatpay-notify/v2-pay/1", false);
            Notifications(dir, "v2_refund.json", "wechatpay-notify/v2-refund/1", true);
            Replies(dir);
        }

        private static JsonObject Load(string dir, string file, string schema)
        {
            JsonObject root = null;
            T.Case(file + ": load", () =>
            {
                root = (JsonObject)MiniJson.Parse(File.ReadAllText(Path.Combine(dir, file), Encoding.UTF8));
                T.Eq(schema, (string)root["schema"], "schema");
                T.True(root["numberOfTests"] is long, "numberOfTests");
            });
            return root;
        }

        private static void Total(JsonObject root, string file, long ran)
        {
            T.Case(file + ": ran exactly numberOfTests cases", () => T.Eq((long)root["numberOfTests"], ran, "cases run"));
        }

        private static IEnumerable<JsonObject> Objects(object list)
        {
            foreach (object o in (List<object>)list) yield return (JsonObject)o;
        }

        private static string Name(string file, JsonObject test)
        {
            return file + " tcId " + test["tcId"] + ": " + test["comment"];
        }

        private static List<KeyValuePair<string, string>> Pairs(object list)
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (object o in (List<object>)list)
            {
                var pair = (List<object>)o;
                pairs.Add(new KeyValuePair<string, string>((string)pair[0], (string)pair[1]));
            }
            return pairs;
        }

        private static void SamePairs(object expected, IReadOnlyList<KeyValuePair<string, string>> actual, string what)
        {
            var want = Pairs(expected);
            T.Eq(want.Count, actual.Count, what + " count");
            for (int i = 0; i < want.Count; i++)
            {
                T.Eq(want[i].Key, actual[i].Key, what + "[" + i + "] name");
                T.Eq(want[i].Value, actual[i].Value, what + "[" + i + "] value");
            }
        }

        private static byte[] Hex(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = byte.Parse(hex.Substring(2 * i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            return bytes;
        }

        private static string Pascal(string snake)
        {
            var sb = new StringBuilder();
            foreach (string word in snake.Split('_'))
            {
                if (word.Length > 0) sb.Append(char.ToUpperInvariant(word[0])).Append(word.Substring(1));
            }
            return sb.ToString();
        }

        /// <summary>Every key of `typed` must match the PascalCase property of the result.</summary>
        private static void Typed(object result, JsonObject typed)
        {
            foreach (var pair in typed)
            {
                PropertyInfo prop = result.GetType().GetProperty(Pascal(pair.Key));
                T.True(prop != null, "no property " + Pascal(pair.Key) + " for typed key " + pair.Key);
                object actual = prop.GetValue(result, null);
                if (pair.Key == "coupons")
                {
                    var coupons = (IReadOnlyList<Coupon>)actual;
                    var want = (List<object>)pair.Value;
                    T.Eq(want.Count, coupons.Count, "coupon count");
                    for (int i = 0; i < want.Count; i++)
                    {
                        var c = (JsonObject)want[i];
                        T.Eq((string)c["id"], coupons[i].Id, "coupon id");
                        T.Eq((string)c["coupon_type"], coupons[i].CouponType, "coupon type");
                        T.Eq(c["fee"] == null ? (ulong?)null : (ulong)(long)c["fee"], coupons[i].Fee, "coupon fee");
                    }
                }
                else if (pair.Value == null)
                {
                    T.True(actual == null, pair.Key + " should be absent, got " + actual);
                }
                else if (pair.Value is bool)
                {
                    T.Eq((bool)pair.Value, (bool)actual, pair.Key);
                }
                else if (pair.Value is long)
                {
                    T.Eq((ulong?)(ulong)(long)pair.Value, (ulong?)actual, pair.Key);
                }
                else
                {
                    T.Eq((string)pair.Value, (string)actual, pair.Key);
                }
            }
        }

        private static Verifier Build(JsonObject config, out string code)
        {
            code = null;
            try
            {
                var also = new List<string>();
                foreach (object o in (List<object>)config["alsoAccept"]) also.Add((string)o);
                object max = config["maxBodyBytes"];
                return new Verifier((string)config["apiKey"], (string)config["signType"],
                    appid: (string)config["appid"], mchId: (string)config["mchId"], alsoAccept: also,
                    maxBodyBytes: max == null ? (ulong?)null : (ulong)(long)max);
            }
            catch (WechatPayNotifyException e)
            {
                code = e.Code;
                return null;
            }
        }

        private static void Notifications(string dir, string file, string schema, bool refund)
        {
            JsonObject root = Load(dir, file, schema);
            if (root == null) return;
            long ran = 0;
            foreach (JsonObject group in Objects(root["testGroups"]))
            {
                string buildCode;
                using (Verifier verifier = Build((JsonObject)group["config"], out buildCode))
                {
                    foreach (JsonObject test in Objects(group["tests"]))
                    {
                        ran++;
                        T.Case(Name(file, test), () =>
                        {
                            bool valid = (string)test["result"] == "valid";
                            string code = (string)test["error"];
                            T.True(valid || ((string)test["result"] == "invalid" && code != null), "result/error");
                            if (verifier == null)
                            {
                                T.True(!valid, "the group's configuration was refused, so every case is invalid");
                                T.Eq(code, buildCode, "construction error code");
                                return;
                            }
                            // String bodies go through the string overload, raw bytes through byte[].
                            string text = (string)test["body"];
                            byte[] raw = text == null ? Hex((string)test["bodyHex"]) : null;
                            JsonObject expected = (JsonObject)test["expected"];
                            if (refund)
                            {
                                Func<RefundNotification> run = () => text != null ? verifier.DecryptRefund(text) : verifier.DecryptRefund(raw);
                                if (!valid)
                                {
                                    T.Code(code, () => run());
                                    return;
                                }
                                RefundNotification r = run();
                                SamePairs(expected["fields"], r.Fields, "fields");
                                SamePairs(expected["reqInfo"], r.ReqInfo, "reqInfo");
                                foreach (var f in r.Fields) T.Eq(f.Value, r.Get(f.Key), "Get(" + f.Key + ")");
                                foreach (var f in r.ReqInfo) T.Eq(f.Value, r.GetReqInfo(f.Key), "GetReqInfo(" + f.Key + ")");
                                Typed(r, (JsonObject)expected["typed"]);
                            }
                            else
                            {
                                Func<PaymentNotification> run = () => text != null ? verifier.VerifyPayment(text) : verifier.VerifyPayment(raw);
                                if (!valid)
                                {
                                    T.Code(code, () => run());
                                    return;
                                }
                                PaymentNotification p = run();
                                SamePairs(expected["fields"], p.Fields, "fields");
                                foreach (var f in p.Fields) T.Eq(f.Value, p.Get(f.Key), "Get(" + f.Key + ")");
                                Typed(p, (JsonObject)expected["typed"]);
                            }
                        });
                    }
                }
            }
            Total(root, file, ran);
        }

        private static void Sign(string dir)
        {
            const string file = "v2_sign.json";
            JsonObject root = Load(dir, file, "wechatpay-notify/v2-sign/1");
            if (root == null) return;
            long ran = 0;
            foreach (JsonObject group in Objects(root["testGroups"]))
            {
                foreach (JsonObject test in Objects(group["tests"]))
                {
                    ran++;
                    T.Case(Name(file, test), () =>
                    {
                        var fields = Pairs(test["fields"]);
                        string key = (string)test["apiKey"], type = (string)test["signType"];
                        if ((string)test["result"] == "valid")
                        {
                            T.Eq((string)test["signature"], Signer.Sign(fields, key, type), "signature");
                            if (test.Has("stringToSign"))
                            {
                                T.Eq((string)test["stringToSign"], Signer.StringToSign(fields), "stringToSign");
                            }
                        }
                        else
                        {
                            T.Code((string)test["error"], () => Signer.Sign(fields, key, type));
                        }
                    });
                }
            }
            Total(root, file, ran);
        }

        private static void Replies(string dir)
        {
            const string file = "reply.json";
            JsonObject root = Load(dir, file, "wechatpay-notify/reply/1");
            if (root == null) return;
            long ran = 0;
            foreach (JsonObject group in Objects(root["testGroups"]))
            {
                foreach (JsonObject test in Objects(group["tests"]))
                {
                    ran++;
                    T.Case(Name(file, test), () =>
                    {
                        string kind = (string)test["kind"];
                        string expected = (string)test["expected"];
                        if (kind == "success") T.Eq(expected, Reply.Success(), "success reply");
                        else if (kind == "fail") T.Eq(expected, Reply.Fail((string)test["message"]), "fail reply");
                        else throw new AssertionException("unknown reply kind " + kind);
                    });
                }
            }
            Total(root, file, ran);
        }
    }
}
