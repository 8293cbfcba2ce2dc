// Key rotation: every case of tests/vectors/v3_key_dirs.json (TrustedKeys.FromDirectory), swapping
// the trusted keys of a live V3Verifier and of an Endpoint merchant, the refusals that leave them as
// they were, misuse, and 4 threads verifying while another swaps.
//
// The notifications are two valid cases of v3_notify.json (same APIv3 key and time): tcId 2 is
// signed with the platform certificate D7CE59D1F522D701 (the old key), tcId 1 with the public key
// PUB_KEY_ID_0114232134912410000000000000 (the new one).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;

namespace WechatPay.Notify.Tests
{
    internal static class RotationTests
    {
        private const string ApiV3Key = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
        private const string PubId = "PUB_KEY_ID_0114232134912410000000000000";
        private const string CertSerial = "D7CE59D1F522D701";

        private sealed class Request
        {
            public Dictionary<string, string> Headers;
            public byte[] Body;
            public long Now;
        }

        public static void Run(string dir)
        {
            KeyDirs(dir);
            Request oldReq = null, newReq = null;
            string cert = null, pubA = null, pubB = null;
            T.Case("rotation: fixtures (v3_notify.json tcId 1 and 2, the certificate and public keys)", () =>
            {
                JsonObject root = (JsonObject)MiniJson.Parse(File.ReadAllText(Path.Combine(dir, "v3_notify.json"), Encoding.UTF8));
                oldReq = Find(root, 2);
                newReq = Find(root, 1);
                cert = File.ReadAllText(Path.Combine(dir, "keys", "wechatpay-go-certificate.pem"));
                pubA = File.ReadAllText(Path.Combine(dir, "keys", "pubkey-a-public.pem"));
                pubB = File.ReadAllText(Path.Combine(dir, "keys", "pubkey-b-public.pem"));
            });
            if (oldReq == null || newReq == null) return;
            Func<TrustedKeys> oldKeys = () => new TrustedKeys(new Dictionary<string, string> { { CertSerial, cert } });
            Func<TrustedKeys> newKeys = () => new TrustedKeys(new Dictionary<string, string> { { PubId, pubA } });

            T.Case("rotation: a swap changes which notifications verify", () =>
            {
                using (var v = new V3Verifier(ApiV3Key, new Dictionary<string, string> { { CertSerial, cert } }))
                {
                    T.Eq("ok unknown_serial", Outcome(v, oldReq) + " " + Outcome(v, newReq), "before");
                    using (var keys = newKeys()) v.ReplaceTrustedKeys(keys);
                    T.Eq("unknown_serial ok", Outcome(v, oldReq) + " " + Outcome(v, newReq), "after");
                    T.Eq(PubId, string.Join(",", v.TrustedKeyIds), "ids");
                    T.True(v.Trusts(PubId) && !v.Trusts(CertSerial), "trusts");
                    v.ReplaceTrustedKeys(new Dictionary<string, string> { { CertSerial, cert }, { PubId, pubA } });
                    T.Eq("ok ok", Outcome(v, oldReq) + " " + Outcome(v, newReq), "both");
                    using (var snapshot = v.GetTrustedKeys())
                    {
                        using (var keys = oldKeys()) v.ReplaceTrustedKeys(keys);
                        T.Eq(CertSerial + "," + PubId, string.Join(",", snapshot.Ids), "a snapshot stays");
                    }
                    T.Eq(CertSerial, string.Join(",", v.TrustedKeyIds), "ids");
                }
                TrustedKeys closed = newKeys();
                T.Eq("WechatPay.Notify.TrustedKeys(" + PubId + ")", closed.ToString(), "ToString");
                closed.Dispose();
                T.Eq("WechatPay.Notify.TrustedKeys(disposed)", closed.ToString(), "ToString after Dispose");
            });

            T.Case("rotation: a verifier can start from a directory", () =>
            {
                using (var keys = TrustedKeys.FromDirectory(Path.Combine(dir, "key-dirs", "good")))
                using (var v = V3Verifier.WithTrustedKeys(ApiV3Key, keys, 60))
                {
                    T.Eq(2, keys.Count, "count");
                    T.Eq(CertSerial + "," + PubId, string.Join(",", v.TrustedKeyIds), "ids");
                    T.Eq("ok ok", Outcome(v, oldReq) + " " + Outcome(v, newReq), "both");
                    T.Eq(60L, v.MaxClockSkew, "skew");
                }
            });

            T.Case("rotation: refusals leave the verifier as it was; misuse", () =>
            {
                using (var v = new V3Verifier(ApiV3Key, new Dictionary<string, string> { { CertSerial, cert } }))
                {
                    T.Code("invalid_config", () => v.ReplaceTrustedKeys(new Dictionary<string, string>()));
                    T.Code("invalid_config", () => v.ReplaceTrustedKeys(new Dictionary<string, string> { { "0A1B", cert } }));
                    T.Code("invalid_config", () => v.ReplaceTrustedKeys(new Dictionary<string, string> { { PubId, pubB }, { "pub_key_id_x", "x" } }));
                    using (var empty = new TrustedKeys(new Dictionary<string, string>()))
                    {
                        T.Code("invalid_config", () => v.ReplaceTrustedKeys(empty));
                        T.Code("invalid_config", () => V3Verifier.WithTrustedKeys(ApiV3Key, empty));
                    }
                    T.Eq("keys", T.Throws<ArgumentNullException>(() => v.ReplaceTrustedKeys((TrustedKeys)null)).ParamName, "null set");
                    T.Eq("platformKeys", T.Throws<ArgumentNullException>(() => v.ReplaceTrustedKeys((IDictionary<string, string>)null)).ParamName, "null dictionary");
                    T.Eq("trustedKeys", T.Throws<ArgumentNullException>(() => V3Verifier.WithTrustedKeys(ApiV3Key, null)).ParamName, "null set");
                    T.Eq("path", T.Throws<ArgumentNullException>(() => TrustedKeys.FromDirectory(null)).ParamName, "null path");
                    var disposed = newKeys();
                    disposed.Dispose();
                    T.Throws<ObjectDisposedException>(() => v.ReplaceTrustedKeys(disposed));
                    T.Throws<ObjectDisposedException>(() => GC.KeepAlive(disposed.Count));
                    T.Eq(CertSerial, string.Join(",", v.TrustedKeyIds), "unchanged");
                    T.Eq("ok", Outcome(v, oldReq), "still verifies");
                }
            });

            T.Case("rotation: directory errors name the file", () =>
            {
                string tmp = Path.Combine(Path.GetTempPath(), "wechatpay-notify-rotation-" + Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(tmp);
                try
                {
                    T.True(T.Code("invalid_config", () => TrustedKeys.FromDirectory(Path.Combine(tmp, "absent"))).Message.Contains("cannot read the key directory"), "absent");
                    File.WriteAllText(Path.Combine(tmp, "PUB_KEY_ID_7.pem"), pubA + new string(' ', 70000));
                    T.True(T.Code("invalid_config", () => TrustedKeys.FromDirectory(tmp)).Message.StartsWith("PUB_KEY_ID_7.pem: larger than", StringComparison.Ordinal), "too large");
                    File.WriteAllText(Path.Combine(tmp, "PUB_KEY_ID_7.pem"), pubB);
                    using (var keys = TrustedKeys.FromDirectory(tmp)) T.Eq("PUB_KEY_ID_7", string.Join(",", keys.Ids), "ids");
                }
                finally
                {
                    Directory.Delete(tmp, true);
                }
            });

            T.Case("rotation: 4 threads verify old and new notifications while 2000 swaps run", () =>
            {
                using (var v = new V3Verifier(ApiV3Key, new Dictionary<string, string> { { CertSerial, cert } }))
                using (var a = oldKeys())
                using (var b = newKeys())
                {
                    Race(i => Outcome(v, i % 2 == 0 ? oldReq : newReq), "ok", n => v.ReplaceTrustedKeys(n % 2 == 0 ? b : a));
                }
            });

            T.Case("rotation: an endpoint swaps one merchant's keys and its routes", () =>
            {
                using (var shop = new V3Verifier(ApiV3Key, new Dictionary<string, string> { { CertSerial, cert } }))
                using (var other = new V3Verifier(ApiV3Key, new Dictionary<string, string> { { "PUB_KEY_ID_2", pubB } }))
                using (var e = new Endpoint(new[] { new MerchantProfile("shop", null, shop), new MerchantProfile("other", null, other) }))
                using (var a = oldKeys())
                using (var b = newKeys())
                {
                    T.Eq("shop unknown_serial", Routed(e, oldReq) + " " + Routed(e, newReq), "before");
                    shop.ReplaceTrustedKeys(b);
                    T.Eq("unknown_serial", Routed(e, newReq), "the endpoint took the verifier's keys when it was built");
                    e.ReplaceTrustedKeys("shop", b);
                    T.Eq("unknown_serial shop", Routed(e, oldReq) + " " + Routed(e, newReq), "after");
                    using (var current = e.GetTrustedKeys("shop")) T.Eq(PubId, string.Join(",", current.Ids), "ids");
                    T.Code("invalid_config", () => e.GetTrustedKeys("nobody"));
                    T.Code("invalid_config", () => e.ReplaceTrustedKeys("nobody", a));
                    using (var empty = new TrustedKeys(new Dictionary<string, string>()))
                        T.Code("invalid_config", () => e.ReplaceTrustedKeys("shop", empty));
                    using (var taken = new TrustedKeys(new Dictionary<string, string> { { "PUB_KEY_ID_2", pubB } }))
                        T.Code("invalid_config", () => e.ReplaceTrustedKeys("shop", taken));
                    T.Eq("label", T.Throws<ArgumentNullException>(() => e.ReplaceTrustedKeys(null, a)).ParamName, "null label");
                    T.Eq("shop", Routed(e, newReq), "unchanged");
                    Race(i => Routed(e, i % 2 == 0 ? oldReq : newReq), "shop", n => e.ReplaceTrustedKeys("shop", n % 2 == 0 ? a : b));
                }
            });
        }

        private static void KeyDirs(string dir)
        {
            const string file = "v3_key_dirs.json";
            JsonObject root = VectorTests.Load(dir, file, "wechatpay-notify/v3-key-dirs/1");
            if (root == null) return;
            long ran = 0;
            foreach (JsonObject g in VectorTests.Objects(root["testGroups"]))
            {
                foreach (JsonObject test in VectorTests.Objects(g["tests"]))
                {
                    ran++;
                    T.Case(VectorTests.Name(file, test), () =>
                    {
                        string path = Path.Combine(dir, (string)test["dir"]);
                        if ((string)test["result"] == "valid")
                        {
                            var want = new List<string>();
                            foreach (object id in (List<object>)test["ids"]) want.Add((string)id);
                            using (var keys = TrustedKeys.FromDirectory(path))
                            {
                                T.Eq(string.Join(",", want), string.Join(",", keys.Ids), "ids");
                                T.Eq(want.Count, keys.Count, "count");
                                using (V3Verifier.WithTrustedKeys(ApiV3Key, keys)) { }
                            }
                        }
                        else
                        {
                            var e = T.Code((string)test["error"], () => TrustedKeys.FromDirectory(path).Dispose());
                            T.True(e.Message.Contains((string)test["messageIncludes"]), "the message names the file: " + e.Message);
                        }
                    });
                }
            }
            VectorTests.Total(root, file, ran);
        }

        private static Request Find(JsonObject root, long tcId)
        {
            foreach (JsonObject g in VectorTests.Objects(root["testGroups"]))
            {
                foreach (JsonObject test in VectorTests.Objects(g["tests"]))
                {
                    if ((long)test["tcId"] != tcId) continue;
                    T.Eq("valid", (string)test["result"], "tcId " + tcId);
                    return new Request
                    {
                        Headers = V3Tests.Headers(test["headers"]),
                        Body = Encoding.UTF8.GetBytes((string)test["body"]),
                        Now = (long)test["now"],
                    };
                }
            }
            throw new AssertionException("no tcId " + tcId);
        }

        private static string Outcome(V3Verifier v, Request r)
        {
            try
            {
                v.Verify(r.Headers, r.Body, r.Now);
                return "ok";
            }
            catch (WechatPayNotifyException e)
            {
                return e.Code;
            }
        }

        private static string Routed(Endpoint e, Request r)
        {
            try
            {
                return e.Handle(r.Headers, r.Body, r.Now).Label;
            }
            catch (WechatPayNotifyException x)
            {
                return x.Code;
            }
        }

        /// <summary>4 threads run <paramref name="work"/> (thread i gets i) until 2000 swaps are done;
        /// every outcome must be <paramref name="ok"/> or <c>unknown_serial</c>: the old set's verdict
        /// or the new set's, never another error.</summary>
        private static void Race(Func<int, string> work, string ok, Action<int> swap)
        {
            int stop = 0, wrong = 0, runs = 0;
            string unexpected = null;
            var threads = new List<Thread>();
            for (int t = 0; t < 4; t++)
            {
                int i = t;
                var thread = new Thread(() =>
                {
                    int mine = 0;
                    while (Volatile.Read(ref stop) == 0 || mine == 0)
                    {
                        string got = work(i);
                        if (got != ok && got != "unknown_serial")
                        {
                            Interlocked.Increment(ref wrong);
                            unexpected = got;
                        }
                        mine++;
                    }
                    Interlocked.Add(ref runs, mine);
                });
                thread.Start();
                threads.Add(thread);
            }
            for (int n = 0; n < 2000; n++) swap(n);
            Volatile.Write(ref stop, 1);
            foreach (var thread in threads) thread.Join();
            T.Eq(0, wrong, "unexpected outcomes (" + unexpected + ")");
            T.True(runs >= 4, "every thread ran");
        }
    }
}
