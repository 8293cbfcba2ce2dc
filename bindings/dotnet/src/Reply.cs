using System;

namespace WechatPay.Notify
{
    /// <summary>The exact replies WeChat Pay expects from a v2 notify_url.</summary>
    public static class Reply
    {
        private static readonly Lazy<string> SuccessReply =
            new Lazy<string>(() => Native.DecodeCString(NativeMethods.wechatpay_reply_success()));

        /// <summary>
        /// The success reply, byte for byte as documented. Acknowledge every verified notification
        /// with it, also <c>result_code=FAIL</c> ones.
        /// </summary>
        public static string Success()
        {
            return SuccessReply.Value;
        }

        /// <summary>A FAIL reply carrying <paramref name="message"/> (WeChat Pay will retry). Safe for
        /// any text: it is carried in CDATA (a <c>]]&gt;</c> inside is split), characters XML cannot
        /// carry become <c>?</c>, and an unpaired surrogate becomes U+FFFD.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
        public static unsafe string Fail(string message)
        {
            if (message == null) throw new ArgumentNullException("message");
            byte[] bytes = Native.EncodeLossy(message);
            IntPtr reply;
            fixed (byte* p = bytes)
            {
                Native.Check(NativeMethods.wechatpay_reply_fail(p, Native.Len(bytes), out reply));
            }
            return NativeString.Take(reply);
        }
    }

    /// <summary>The two v2 signature algorithms, by their protocol names.</summary>
    public static class SignType
    {
        /// <summary><c>MD5</c>.</summary>
        public const string Md5 = "MD5";

        /// <summary><c>HMAC-SHA256</c>.</summary>
        public const string HmacSha256 = "HMAC-SHA256";
    }

    /// <summary>Facts about the native library.</summary>
    public static class Library
    {
        /// <summary>The native library's version (the workspace version).</summary>
        public static string Version
        {
            get { return Native.DecodeCString(NativeMethods.wechatpay_version()); }
        }
    }
}
