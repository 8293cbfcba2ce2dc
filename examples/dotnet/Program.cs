// Runs the example endpoint: one route for every merchant of the profiles file, v2 and APIv3.
//   WECHATPAY_PROFILES=profiles.json [WECHATPAY_DB=payments.sqlite3] mono notify-server.exe [http://127.0.0.1:8080/]
// The profiles file (the JSON of `wechatpay-notify verify-any --profiles`, read by the library's
// loader, Endpoint.FromProfilesFile) names each merchant's key files or environment variables, never
// keys; chmod 600 it and the key files. TEST ONLY: WECHATPAY_EXAMPLE_FAIL_FIRST=N makes the first N requests
// get 500 (as if the database were down), to exercise WeChat Pay's retries with
// `wechatpay-notify simulate --until-success`; never set it in production.
// Creates an order (a stand-in for your checkout, so that simulated notifications have an order to pay):
//   WECHATPAY_DB=... mono notify-server.exe add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN
using System;
using System.Globalization;
using System.Threading;

namespace WechatPay.Notify.Example
{
    internal static class Program
    {
        private static string Env(string name, string fallback)
        {
            string value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value) ? fallback : value;
        }

        private static string DbPath()
        {
            return Env("WECHATPAY_DB", "payments.sqlite3");
        }

        private static int AddOrder(string[] args)
        {
            long amount;
            if (args.Length != 4 || args[3].Length == 0 || args[3][0] < '0' || args[3][0] > '9' ||
                !long.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out amount) || amount <= 0)
            {
                Console.Error.WriteLine("usage: mono notify-server.exe add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN   (WECHATPAY_DB)");
                return 2;
            }
            new Store(DbPath()).CreateOrder(args[1], args[2], amount);
            Console.Error.WriteLine("order " + args[1] + "/" + args[2] + " (" + amount + " fen) created in " + DbPath());
            return 0;
        }

        private static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "add-order") return AddOrder(args);
            string prefix = args.Length > 0 ? args[0] : "http://127.0.0.1:8080/";
            string profiles = Env("WECHATPAY_PROFILES", "profiles.json");
            int failFirst = 0;
            string setting = Environment.GetEnvironmentVariable("WECHATPAY_EXAMPLE_FAIL_FIRST");
            if (!string.IsNullOrEmpty(setting) &&
                (!int.TryParse(setting, NumberStyles.None, CultureInfo.InvariantCulture, out failFirst)))
            {
                Console.Error.WriteLine("configuration error: WECHATPAY_EXAMPLE_FAIL_FIRST: not a number");
                return 2;
            }
            Endpoint endpoint;
            try
            {
                endpoint = Endpoint.FromProfilesFile(profiles);
            }
            catch (WechatPayNotifyException e)
            {
                // invalid_config: the message names the profile, the setting or the file, never a key.
                Console.Error.WriteLine("configuration error: " + e.Code + ": " + e.Message);
                return 2;
            }
            using (endpoint)
            using (new NotifyServer(prefix, endpoint, new Store(DbPath()), failFirst))
            {
                if (failFirst > 0) Console.Error.WriteLine("TEST ONLY: the first " + failFirst + " requests will get 500 (WECHATPAY_EXAMPLE_FAIL_FIRST)");
                Console.Error.WriteLine("listening on " + prefix.TrimEnd('/') + NotifyServer.NotifyPath + " (merchants " +
                                        string.Join(", ", endpoint.Labels) + "; recording into " + DbPath() + "); Ctrl-C stops");
                var stop = new ManualResetEvent(false);
                Console.CancelKeyPress += (s, e) =>
                {
                    e.Cancel = true;
                    stop.Set();
                };
                stop.WaitOne();
            }
            return 0;
        }
    }
}
