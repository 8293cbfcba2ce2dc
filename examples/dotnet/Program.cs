// Runs the example endpoint:
//   WECHATPAY_API_KEY=... WECHATPAY_SIGN_TYPE=MD5 [WECHATPAY_MCH_ID=...] [LEDGER=payments.tsv] \
//     mono notify-server.exe [http://127.0.0.1:8080/]
using System;
using System.Threading;

namespace WechatPay.Notify.Example
{
    internal static class Program
    {
        private static int Main(string[] args)
        {
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
                using (new NotifyServer(prefix, verifier, new Ledger(Environment.GetEnvironmentVariable("LEDGER"))))
                {
                    Console.Error.WriteLine("listening on " + prefix + "notify/pay and " + prefix + "notify/refund; Ctrl-C stops");
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
