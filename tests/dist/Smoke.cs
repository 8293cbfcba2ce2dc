// Smoke test for the WechatPay.Notify NuGet package (scripts/test-dist.sh): compiled with mcs against
// lib/netstandard2.0/WechatPay.Notify.dll from the unpacked .nupkg and run with the package's
// runtimes/linux-x64/native/libwechatpay_notify.so on LD_LIBRARY_PATH; nothing from the source tree.
//
//   Smoke.exe --version               prints the assembly's informational version
//   Smoke.exe API_KEY_FILE BODY_FILE  "ok out_trade_no=... total_fee=..." and exit 0, or
//                                     "refused CODE (NUMBER): MESSAGE" and exit 1
using System;
using System.IO;
using System.Reflection;
using WechatPay.Notify;

public static class Smoke
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--version")
        {
            var info = (AssemblyInformationalVersionAttribute)Attribute.GetCustomAttribute(
                typeof(Verifier).Assembly, typeof(AssemblyInformationalVersionAttribute));
            Console.WriteLine(info == null ? "(none)" : info.InformationalVersion);
            return 0;
        }
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: Smoke.exe --version | API_KEY_FILE BODY_FILE");
            return 2;
        }
        string key = File.ReadAllText(args[0]).Trim();
        byte[] body = File.ReadAllBytes(args[1]);
        using (var verifier = new Verifier(key, "MD5"))
        {
            try
            {
                PaymentNotification payment = verifier.VerifyPayment(body);
                Console.WriteLine("ok out_trade_no={0} total_fee={1} success={2}", payment.OutTradeNo,
                    payment.TotalFee, payment.IsSuccess ? "true" : "false");
                return 0;
            }
            catch (WechatPayNotifyException e)
            {
                Console.WriteLine("refused {0} ({1}): {2}", e.Code, e.Number, e.Message);
                return 1;
            }
        }
    }
}
