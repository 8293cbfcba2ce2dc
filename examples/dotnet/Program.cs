// Runs the example endpoint:
//   WECHATPAY_API_KEY=... WECHATPAY_SIGN_TYPE=MD5 [WECHATPAY_MCH_ID=...] [WECHATPAY_DB=payments.sqlite3] \
//     mono notify-server.exe [http://127.0.0.1:8080/]
// Creates an order (a stand-in for your checkout, so that the samples have an order to pay):
//   WECHATPAY_DB=... mono notify-server.exe add-order OUT_TRADE_NO AMOUNT_FEN
using System;
using System.Globalization;
using System.Threading;

namespace WechatPay.Notify.Example
{
    internal static class Program
    {
        private static string DbPath()
        {
            string path = Environment.GetEnvironmentVariable("WECHATPAY_DB");
            return string.IsNullOrEmpty(path) ? "payments.sqlite3" : path;
        }

        private static int AddOrder(string[] args)
        {
            long amount;
            if (args.Length != 3 || args[2].Length == 0 || args[2][0] < '0' || args[2][0] > '9' ||
                !long.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out amount) || amount <= 0)
            {
                Console.Error.WriteLine("usage: mono notify-server.exe add-order OUT_TRADE_NO AMOUNT_FEN   (WECHATPAY_DB)");
                return 2;
            }
            new Store(DbPath()).CreateOrder(args[1], amount);
            Console.Error.WriteLine("order " + args[1] + " (" + amount + " fen) created in " + DbPath());
            return 0;
        }

        private static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "add-order") return AddOrder(args);
            string key = Environment.GetEnvironmentVariable("WECHATPAY_API_KEY");
            string signType = Environment.GetEnvironmentVariable("WECHATPAY_SIGN_TYPE") ?? SignType.Md5;
            if (key == null)
            {
                Console.Error.WriteLine("set WECHATPAY_API_KEY (and WECHATPAY_SIGN_TYPE, default MD5)");
                return 2;
            }
            string prefix = args.Length > 0 ? args[0] : "http://127.0.0.1:8080/";
            try
            {
                using (var verifier = new Verifier(key, signType, mchId: Environment.GetEnvironmentVariable("WECHATPAY_MCH_ID")))
                using (new NotifyServer(prefix, verifier, new Store(DbPath())))
                {
                    Console.Error.WriteLine("listening on " + prefix + "notify/pay and " + prefix + "notify/refund (recording into " +
                                            DbPath() + "); Ctrl-C stops");
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
            catch (WechatPayNotifyException e)
            {
                Console.Error.WriteLine("configuration: " + e.Code + ": " + e.Message);
                return 2;
            }
        }
    }
}
