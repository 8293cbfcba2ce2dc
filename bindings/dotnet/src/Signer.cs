using System;
using System.Collections.Generic;

namespace WechatPay.Notify
{
    /// <summary>v2 signing, the way WeChat Pay does it (for tests and outgoing requests).</summary>
    public static class Signer
    {
        /// <summary>
        /// The uppercase hex signature of <paramref name="fields"/> (<c>sign</c> itself and empty
        /// values are skipped).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="fields"/>, a name, a value,
        /// <paramref name="apiKey"/> or <paramref name="signType"/> is null.</exception>
        /// <exception cref="ArgumentException">A string has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_argument</c> for a repeated name or a
        /// name that <see cref="Verifier.VerifyPayment(byte[])"/> would refuse; <c>invalid_config</c>
        /// for a bad key or algorithm name.</exception>
        public static unsafe string Sign(IEnumerable<KeyValuePair<string, string>> fields, string apiKey, string signType)
        {
            // The key: pinned before it is encoded, passed as a pointer, zeroed after the call.
            using (var key = new Secret(apiKey, "apiKey"))
            {
                byte[] type = Native.Encode(signType, "signType");
                IntPtr signature = IntPtr.Zero;
                Native.WithPairs(fields, "fields", (f, n) =>
                {
                    fixed (byte* t = type)
                    {
                        Native.Check(NativeMethods.wechatpay_sign(f, n, key.Pointer, key.Length, t, Native.Len(type), out signature));
                    }
                });
                return NativeString.Take(signature);
            }
        }

        /// <summary>
        /// The string to sign without the trailing <c>&amp;key=…</c> (for diagnostics).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="fields"/>, a name or a value is null.</exception>
        /// <exception cref="ArgumentException">A string has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><c>duplicate_field</c> for a repeated name.</exception>
        public static unsafe string StringToSign(IEnumerable<KeyValuePair<string, string>> fields)
        {
            IntPtr str = IntPtr.Zero;
            Native.WithPairs(fields, "fields", (f, n) => Native.Check(NativeMethods.wechatpay_string_to_sign(f, n, out str)));
            return NativeString.Take(str);
        }
    }
}
