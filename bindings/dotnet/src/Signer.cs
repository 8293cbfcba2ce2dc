using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

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
            byte[] key = Native.Encode(apiKey, "apiKey");
            byte[] type = Native.Encode(signType, "signType");
            try
            {
                IntPtr signature = IntPtr.Zero;
                WithFields(fields, (f, n) =>
                {
                    fixed (byte* k = key)
                    fixed (byte* t = type)
                    {
                        Native.Check(NativeMethods.wechatpay_sign(f, n, k, Native.Len(key), t, Native.Len(type), out signature));
                    }
                });
                return NativeString.Take(signature);
            }
            finally
            {
                Array.Clear(key, 0, key.Length);
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
            WithFields(fields, (f, n) => Native.Check(NativeMethods.wechatpay_string_to_sign(f, n, out str)));
            return NativeString.Take(str);
        }

        private unsafe delegate void FieldsAction(NativeField* fields, UIntPtr count);

        /// <summary>Pins the UTF-8 bytes of every name and value for the duration of <paramref name="action"/>.</summary>
        private static unsafe void WithFields(IEnumerable<KeyValuePair<string, string>> fields, FieldsAction action)
        {
            if (fields == null) throw new ArgumentNullException("fields");
            var bytes = new List<byte[]>();
            foreach (var pair in fields)
            {
                if (pair.Key == null || pair.Value == null) throw new ArgumentNullException("fields", "a field name or value is null");
                bytes.Add(Native.Encode(pair.Key, "fields"));
                bytes.Add(Native.Encode(pair.Value, "fields"));
            }
            var pins = new GCHandle[bytes.Count];
            var native = new NativeField[bytes.Count / 2];
            try
            {
                for (int i = 0; i < bytes.Count; i++)
                {
                    pins[i] = GCHandle.Alloc(bytes[i], GCHandleType.Pinned);
                }
                for (int i = 0; i < native.Length; i++)
                {
                    native[i].Name = Str(pins[2 * i], bytes[2 * i]);
                    native[i].Value = Str(pins[2 * i + 1], bytes[2 * i + 1]);
                }
                fixed (NativeField* f = native)
                {
                    action(f, new UIntPtr((uint)native.Length));
                }
            }
            finally
            {
                foreach (var pin in pins)
                {
                    if (pin.IsAllocated) pin.Free();
                }
            }
        }

        private static NativeStr Str(GCHandle pin, byte[] bytes)
        {
            return new NativeStr
            {
                Data = bytes.Length == 0 ? IntPtr.Zero : pin.AddrOfPinnedObject(),
                Len = new UIntPtr((uint)bytes.Length),
            };
        }
    }
}
