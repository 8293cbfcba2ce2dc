// The .NET surface of the soak (scripts/soak.sh): ROUNDS rounds of the five cases written by
// soak/extract.py (valid payment, forged payment, malformed payment, valid refund, valid APIv3
// notification) through WechatPay.Notify.dll, each verdict checked every round. Memory is sampled
// after WARMUP rounds and at the end: GC.GetTotalMemory(true) (the managed heap, after a full
// collection; finalizers run, so SafeHandles of dropped results are released), then VmRSS from
// /proc/self/status.
//
// Usage: mono Soak.exe CASES_DIR ROUNDS WARMUP
// Prints "RESULT dotnet <verifications> <seconds> <rss_start_kb> <rss_end_kb> managed_heap_bytes
// <start> <end>" for scripts/soak.sh to judge; exits 1 on a wrong verdict.
// Reads cases.json with the test suite's MiniJson (bindings/dotnet/tests/MiniJson.cs).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using WechatPay.Notify;
using WechatPay.Notify.Tests;

internal static class Soak
{
    private sealed class Case
    {
        public string Name;
        public Func<string> Run; // one verification; returns the dedupe key or throws
        public bool Ok;
        public string Want;
    }

    private static long RssKb()
    {
        foreach (string line in File.ReadAllLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kb = line.Substring(6).Trim();
                return long.Parse(kb.Substring(0, kb.IndexOf(' ')), CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }

    private static long ManagedHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(true);
    }

    private static Verifier BuildV2(JsonObject cfg)
    {
        var also = new List<string>();
        foreach (object t in (List<object>)cfg["alsoAccept"]) also.Add((string)t);
        ulong? max = cfg["maxBodyBytes"] == null ? (ulong?)null : (ulong)(long)cfg["maxBodyBytes"];
        return new Verifier((string)cfg["apiKey"], (string)cfg["signType"], (string)cfg["appid"],
            (string)cfg["mchId"], also, max);
    }

    private static V3Verifier BuildV3(JsonObject cfg)
    {
        var keys = new Dictionary<string, string>();
        foreach (object p in (List<object>)cfg["platformKeys"])
        {
            var pair = (List<object>)p;
            keys.Add((string)pair[0], (string)pair[1]);
        }
        long skew = cfg["maxClockSkew"] == null ? V3Verifier.DefaultMaxClockSkew : (long)cfg["maxClockSkew"];
        ulong? max = cfg["maxBodyBytes"] == null ? (ulong?)null : (ulong)(long)cfg["maxBodyBytes"];
        return new V3Verifier((string)cfg["apiV3Key"], keys, skew, max);
    }

    private static List<Case> Load(string dir)
    {
        var doc = (JsonObject)MiniJson.Parse(File.ReadAllText(Path.Combine(dir, "cases.json"), Encoding.UTF8));
        var cases = new List<Case>();
        foreach (object o in (List<object>)doc["cases"])
        {
            var c = (JsonObject)o;
            var cfg = (JsonObject)c["config"];
            byte[] body = File.ReadAllBytes(Path.Combine(dir, (string)c["bodyFile"]));
            Func<string> run;
            switch ((string)c["kind"])
            {
                case "pay":
                {
                    Verifier v = BuildV2(cfg);
                    run = () => v.VerifyPayment(body).DedupeKey;
                    break;
                }
                case "refund":
                {
                    Verifier v = BuildV2(cfg);
                    run = () => v.DecryptRefund(body).DedupeKey;
                    break;
                }
                case "v3":
                {
                    V3Verifier v = BuildV3(cfg);
                    var headers = new Dictionary<string, string>();
                    foreach (object h in (List<object>)c["headers"])
                    {
                        var pair = (List<object>)h;
                        headers.Add((string)pair[0], (string)pair[1]);
                    }
                    long now = (long)c["now"];
                    run = () => v.Verify(headers, body, now).DedupeKey;
                    break;
                }
                default:
                    throw new InvalidDataException("unknown case kind " + c["kind"]);
            }
            var expect = (JsonObject)c["expect"];
            bool ok = (bool)expect["ok"];
            cases.Add(new Case
            {
                Name = (string)c["name"],
                Run = run,
                Ok = ok,
                Want = (string)expect[ok ? "dedupeKey" : "error"],
            });
        }
        return cases;
    }

    private static int Main(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: mono Soak.exe CASES_DIR ROUNDS WARMUP");
            return 2;
        }
        List<Case> cases = Load(args[0]);
        long rounds = long.Parse(args[1], CultureInfo.InvariantCulture);
        long warmup = long.Parse(args[2], CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        long rssStart = 0, heapStart = 0;
        for (long round = 0; round < rounds; round++)
        {
            if (round == warmup)
            {
                heapStart = ManagedHeap();
                rssStart = RssKb();
            }
            foreach (Case c in cases)
            {
                string got;
                try
                {
                    got = c.Run();
                }
                catch (WechatPayNotifyException e)
                {
                    if (c.Ok || e.Code != c.Want)
                    {
                        Console.Error.WriteLine("soak dotnet: round {0}: {1}: got {2} ({3}), want {4}", round, c.Name, e.Code, e.Message, c.Want);
                        return 1;
                    }
                    continue;
                }
                if (!c.Ok || got != c.Want)
                {
                    Console.Error.WriteLine("soak dotnet: round {0}: {1}: got dedupe key {2}, want {3}", round, c.Name, got, c.Want);
                    return 1;
                }
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        long heapEnd = ManagedHeap();
        long rssEnd = RssKb();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "RESULT dotnet {0} {1:F1} {2} {3} managed_heap_bytes {4} {5}",
            rounds * cases.Count, seconds, rssStart, rssEnd, heapStart, heapEnd));
        return 0;
    }
}
