// Runs the v2 vector files (tests/vectors) through the .NET binding (V3Tests.cs runs
// v3_notify.json): identical verdicts and codes to every other surface, exactly numberOfTests cases per file, every key of each valid case's
// `expected.typed` checked against its PascalCase property, and for every invalid case the message
// rule (<= 200 characters, no Cc/Cf/Zl/Zp). typed_views.json (the core's declaration of each typed
// view) is compared with the public properties of PaymentNotification, RefundNotification,
// V3Transaction and V3Refund.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.ExceptionServices;
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
            TypedViews(dir);
        }

        internal static JsonObject Load(string dir, string file, string schema)
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

        internal static void Total(JsonObject root, string file, long ran)
        {
            T.Case(file + ": ran exactly numberOfTests cases", () => T.Eq((long)root["numberOfTests"], ran, "cases run"));
        }

        internal static IEnumerable<JsonObject> Objects(object list)
        {
            foreach (object o in (List<object>)list) yield return (JsonObject)o;
        }

        internal static string Name(string file, JsonObject test)
        {
            return file + " tcId " + test["tcId"] + ": " + test["comment"];
        }

        internal static List<KeyValuePair<string, string>> Pairs(object list)
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

        internal static byte[] Hex(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = byte.Parse(hex.Substring(2 * i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            return bytes;
        }

        internal static string Pascal(string snake)
        {
            var sb = new StringBuilder();
            foreach (string word in snake.Split('_'))
            {
                if (word.Length > 0) sb.Append(char.ToUpperInvariant(word[0])).Append(word.Substring(1));
            }
            return sb.ToString();
        }

        /// <summary>
        /// Every key of `typed` must be a PascalCase public property of the result (a key without one
        /// fails: a property the core added is missing here), with the value the vector expects. A
        /// value <c>{"error": CODE}</c> is a typed amount (or the coupon list) present in another
        /// form: reading the property must throw WechatPayNotifyException with that code.
        /// </summary>
        internal static void Typed(object result, JsonObject typed)
        {
            T.True(typed != null, "expected.typed is present");
            foreach (var pair in typed)
            {
                PropertyInfo prop = PropertyOf(result, pair.Key);
                Type type = prop.PropertyType;
                string error = ErrorForm(pair.Value);
                if (error != null)
                {
                    T.True(type == typeof(ulong?) || type == typeof(IReadOnlyList<Coupon>),
                        pair.Key + " (" + type.Name + ") is not a property that reading can refuse");
                    T.Code(error, () => Get(prop, result)); // also the number and the message rule
                    // Each read throws again: the error is the property's, not a one-off.
                    T.Code(error, () => Get(prop, result));
                    continue;
                }
                object actual = Get(prop, result);
                if (pair.Value is List<object>)
                {
                    T.True(type == typeof(IReadOnlyList<Coupon>), pair.Key + " is a list of coupons");
                    var coupons = (IReadOnlyList<Coupon>)actual;
                    var want = (List<object>)pair.Value;
                    T.Eq(want.Count, coupons.Count, pair.Key + " count");
                    for (int i = 0; i < want.Count; i++) Typed(coupons[i], (JsonObject)want[i]);
                }
                else if (pair.Value is JsonObject)
                {
                    // A nested typed view (APIv3: transaction, refund): an object whose own keys are
                    // checked the same way.
                    T.True(actual != null, pair.Key + " should be present");
                    Typed(actual, (JsonObject)pair.Value);
                }
                else if (pair.Value == null)
                {
                    T.True(actual == null, pair.Key + " should be absent, got " + actual);
                }
                else if (pair.Value is bool)
                {
                    T.True(type == typeof(bool), pair.Key + " is a bool property");
                    T.Eq((bool)pair.Value, (bool)actual, pair.Key);
                }
                else if (pair.Value is long)
                {
                    T.True(type == typeof(ulong?), pair.Key + " is an amount (ulong?) property");
                    T.Eq((ulong?)(ulong)(long)pair.Value, (ulong?)actual, pair.Key);
                }
                else
                {
                    T.True(pair.Value is string && type == typeof(string), pair.Key + " is a string property");
                    T.Eq((string)pair.Value, (string)actual, pair.Key);
                }
            }
        }

        /// <summary>The code of an expected value of the form <c>{"error": CODE}</c>; null otherwise.</summary>
        internal static string ErrorForm(object expected)
        {
            var o = expected as JsonObject;
            if (o == null || o.Count != 1 || !o.Has("error")) return null;
            return o["error"] as string;
        }

        /// <summary>The value of the PascalCase property for a snake_case key; fails when there is none.</summary>
        internal static object Property(object result, string key)
        {
            return Get(PropertyOf(result, key), result);
        }

        private static PropertyInfo PropertyOf(object result, string key)
        {
            PropertyInfo prop = result.GetType().GetProperty(Pascal(key), BindingFlags.Public | BindingFlags.Instance);
            if (prop == null)
            {
                throw new AssertionException(result.GetType().Name + " has no property " + Pascal(key) + " for typed key " + key);
            }
            return prop;
        }

        /// <summary>Reads a property as a caller would: what its getter throws is thrown as such, not
        /// wrapped by reflection.</summary>
        private static object Get(PropertyInfo prop, object result)
        {
            try
            {
                return prop.GetValue(result, null);
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        /// <summary>Public properties of each result type that are not typed views (the raw documents),
        /// listed explicitly so that any other property must appear in typed_views.json.</summary>
        private static readonly Dictionary<string, KeyValuePair<Type, string[]>> Views =
            new Dictionary<string, KeyValuePair<Type, string[]>>
            {
                { "payment", new KeyValuePair<Type, string[]>(typeof(PaymentNotification), new[] { "Fields" }) },
                { "refund", new KeyValuePair<Type, string[]>(typeof(RefundNotification), new[] { "Fields", "ReqInfo" }) },
                { "v3_transaction", new KeyValuePair<Type, string[]>(typeof(V3Transaction), new string[0]) },
                { "v3_refund", new KeyValuePair<Type, string[]>(typeof(V3Refund), new string[0]) },
                { "v3_profit_sharing", new KeyValuePair<Type, string[]>(typeof(V3ProfitSharing), new string[0]) },
                { "v3_transfer", new KeyValuePair<Type, string[]>(typeof(V3Transfer), new string[0]) },
                { "v3_complaint", new KeyValuePair<Type, string[]>(typeof(V3Complaint), new string[0]) },
                { "v3_notification", new KeyValuePair<Type, string[]>(typeof(V3Notification), new[] {
                    "Transaction", "Refund", "ProfitSharing", "Transfer", "Complaint" }) },
                { "endpoint_result", new KeyValuePair<Type, string[]>(typeof(EndpointResult), new[] {
                    "Label", "Kind", "Version", "Payment", "Refund", "V3", "Reply", "InternalErrorReply" }) },
            };

        /// <summary>The .NET type each kind of typed_views.json maps to.</summary>
        private static Type KindType(string kind)
        {
            switch (kind)
            {
                case "text":
                case "string":
                case "sign_type":
                    return typeof(string);
                case "amount":
                    return typeof(ulong?);
                case "bool":
                    return typeof(bool);
                case "coupons":
                    return typeof(IReadOnlyList<Coupon>);
                default:
                    throw new AssertionException("unknown kind " + kind + " in typed_views.json");
            }
        }

        /// <summary>
        /// The core declares each typed view once (tests/vectors/typed_views.json, written by xtask);
        /// each result type's typed properties must be exactly that list, both directions, with the
        /// .NET type of each kind.
        /// </summary>
        private static void TypedViews(string dir)
        {
            const string file = "typed_views.json";
            JsonObject views = null;
            T.Case(file + ": load", () =>
            {
                string path = Path.Combine(dir, file);
                T.True(File.Exists(path), path + " is missing: it is written by `cargo run -p xtask -- vectors` (make vectors)");
                var root = (JsonObject)MiniJson.Parse(File.ReadAllText(path, Encoding.UTF8));
                T.Eq("wechatpay-notify/typed-views/1", (string)root["schema"], "schema");
                views = (JsonObject)root["views"];
                T.True(views != null, "views");
                foreach (var view in views) T.True(Views.ContainsKey(view.Key), "a view this binding does not know: " + view.Key);
            });
            foreach (var entry in Views)
            {
                T.Case(file + ": " + entry.Key + " properties of " + entry.Value.Key.Name + " are the core's, both directions", () =>
                {
                    T.True(views != null && views.Has(entry.Key), file + " has the view " + entry.Key);
                    Type type = entry.Value.Key;
                    var raw = new HashSet<string>(entry.Value.Value);
                    var declared = new Dictionary<string, string>();
                    foreach (object o in (List<object>)views[entry.Key])
                    {
                        var prop = (JsonObject)o;
                        declared.Add(Pascal((string)prop["name"]), (string)prop["kind"]);
                    }
                    var problems = new List<string>();
                    foreach (string name in raw)
                    {
                        if (type.GetProperty(name) == null) problems.Add("the listed raw property " + name + " does not exist");
                    }
                    foreach (var d in declared)
                    {
                        PropertyInfo prop = type.GetProperty(d.Key, BindingFlags.Public | BindingFlags.Instance);
                        if (prop == null) problems.Add("missing property " + d.Key + " (" + d.Value + ")");
                        else if (prop.PropertyType != KindType(d.Value)) problems.Add(d.Key + " is " + prop.PropertyType + ", not " + d.Value);
                    }
                    foreach (PropertyInfo prop in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                    {
                        if (!raw.Contains(prop.Name) && !declared.ContainsKey(prop.Name))
                        {
                            problems.Add("property " + prop.Name + " is not in the core's " + entry.Key + " view");
                        }
                    }
                    T.True(problems.Count == 0, string.Join("; ", problems));
                });
            }
        }

        internal static Verifier Build(JsonObject config, out WechatPayNotifyException error)
        {
            error = null;
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
                error = e;
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
                WechatPayNotifyException buildError;
                using (Verifier verifier = Build((JsonObject)group["config"], out buildError))
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
                                T.CheckError(code, buildError);
                                T.True(!buildError.Message.Contains((string)((JsonObject)group["config"])["apiKey"]),
                                    "the message never repeats the API key");
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
                                    T.Code(code, () => run()); // also the message rule
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
                                    T.Code(code, () => run()); // also the message rule
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
                            T.Code((string)test["error"], () => Signer.Sign(fields, key, type)); // also the message rule
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
                    if ((string)group["type"] == "HttpReply")
                    {
                        T.Case(Name(file, test), () => HttpReplyCase(test));
                        continue;
                    }
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

        /// <summary>The reply over HTTP for success or an error code, v2 or v3; a code that is not one
        /// of ours is refused with the case's error.</summary>
        private static void HttpReplyCase(JsonObject test)
        {
            bool v2 = (string)test["version"] == "v2";
            string code = (string)test["code"];
            Func<HttpReply> made;
            if ((string)test["kind"] == "success") made = () => v2 ? Reply.V2Success() : Reply.V3Success();
            else made = () => v2 ? Reply.V2Fail(code) : Reply.V3Fail(code);
            if ((string)test["result"] == "valid") EndpointTests.CheckReply(made(), (JsonObject)test["expected"]);
            else T.Code((string)test["error"], () => made());
        }
    }
}
