using System;
using System.Collections.Generic;

namespace WechatPay.Notify
{
    /// <summary>
    /// Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant API
    /// key. Secure by default: the algorithm is pinned here, never chosen by the message; signatures
    /// are compared in constant time; bodies are size-limited before parsing.
    /// Thread-safe: share one instance across requests. Dispose it when done (the key is zeroised).
    /// </summary>
    public sealed class Verifier : IDisposable
    {
        private readonly Handle handle;

        /// <summary>
        /// A verifier for <paramref name="apiKey"/> (32 printable ASCII characters) using
        /// <paramref name="signType"/> (<see cref="SignType.Md5"/> or <see cref="SignType.HmacSha256"/>).
        /// </summary>
        /// <param name="apiKey">The merchant's v2 API key.</param>
        /// <param name="signType">The configured algorithm.</param>
        /// <param name="appid">When set, the notification's <c>appid</c> must equal it (else <c>merchant_mismatch</c>).</param>
        /// <param name="mchId">When set, the notification's <c>mch_id</c> must equal it.</param>
        /// <param name="alsoAccept">Explicit opt-in to other algorithms (for a migration).</param>
        /// <param name="maxBodyBytes">Larger bodies are <c>body_too_large</c> (default 65536).</param>
        /// <exception cref="ArgumentNullException"><paramref name="apiKey"/>, <paramref name="signType"/> or an
        /// element of <paramref name="alsoAccept"/> is null.</exception>
        /// <exception cref="ArgumentException">A string has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>: the core refuses the key, an
        /// algorithm name or a merchant id.</exception>
        public unsafe Verifier(string apiKey, string signType, string appid = null, string mchId = null,
            IEnumerable<string> alsoAccept = null, ulong? maxBodyBytes = null)
        {
            // The key: pinned before it is encoded, passed as a pointer, zeroed when the builder is made.
            using (var key = new Secret(apiKey, "apiKey"))
            {
                byte[] type = Native.Encode(signType, "signType");
                IntPtr raw;
                fixed (byte* t = type)
                {
                    Native.Check(NativeMethods.wechatpay_verifier_builder_new(key.Pointer, key.Length, t, Native.Len(type), out raw));
                }
                using (var builder = new BuilderHandle(raw))
                {
                    if (appid != null)
                    {
                        byte[] b = Native.Encode(appid, "appid");
                        fixed (byte* p = b)
                        {
                            Native.Check(NativeMethods.wechatpay_verifier_builder_expect_appid(builder, p, Native.Len(b)));
                        }
                    }
                    if (mchId != null)
                    {
                        byte[] b = Native.Encode(mchId, "mchId");
                        fixed (byte* p = b)
                        {
                            Native.Check(NativeMethods.wechatpay_verifier_builder_expect_mch_id(builder, p, Native.Len(b)));
                        }
                    }
                    if (alsoAccept != null)
                    {
                        foreach (string other in alsoAccept)
                        {
                            if (other == null) throw new ArgumentNullException("alsoAccept", "a sign type is null");
                            byte[] b = Native.Encode(other, "alsoAccept");
                            fixed (byte* p = b)
                            {
                                Native.Check(NativeMethods.wechatpay_verifier_builder_also_accept(builder, p, Native.Len(b)));
                            }
                        }
                    }
                    if (maxBodyBytes.HasValue)
                    {
                        ulong limit = UIntPtr.Size == 4 ? Math.Min(maxBodyBytes.Value, uint.MaxValue) : maxBodyBytes.Value;
                        Native.Check(NativeMethods.wechatpay_verifier_builder_max_body_bytes(builder, new UIntPtr(limit)));
                    }
                    Native.Check(NativeMethods.wechatpay_verifier_builder_build(builder, out raw));
                    handle = new Handle(raw);
                }
            }
        }

        /// <summary>Verifies a payment result notification (the raw POST body, byte for byte).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
        /// <exception cref="WechatPayNotifyException">The notification is rejected; <c>Code</c> says why.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public unsafe PaymentNotification VerifyPayment(byte[] body)
        {
            if (body == null) throw new ArgumentNullException("body");
            Handle h = Live();
            IntPtr raw;
            fixed (byte* p = body)
            {
                Native.Check(NativeMethods.wechatpay_verifier_verify_payment(h, p, Native.Len(body), out raw));
            }
            return new PaymentNotification(new PaymentNotification.Handle(raw));
        }

        /// <summary>Verifies a payment result notification given as text (encoded as UTF-8). Prefer the
        /// <c>byte[]</c> overload with the raw body.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="body"/> has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException">The notification is rejected; <c>Code</c> says why.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public PaymentNotification VerifyPayment(string body)
        {
            return VerifyPayment(Native.Encode(body, "body"));
        }

        /// <summary>Decrypts and checks a refund result notification (the raw POST body).</summary>
        /// <remarks>
        /// req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications of the
        /// same merchant can be cut and pasted into a third that passes every check. Treat a refund
        /// notification as a hint: confirm it with the refund query API before any irreversible action.
        /// </remarks>
        /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
        /// <exception cref="WechatPayNotifyException">The notification is rejected; <c>Code</c> says why.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public unsafe RefundNotification DecryptRefund(byte[] body)
        {
            if (body == null) throw new ArgumentNullException("body");
            Handle h = Live();
            IntPtr raw;
            fixed (byte* p = body)
            {
                Native.Check(NativeMethods.wechatpay_verifier_decrypt_refund(h, p, Native.Len(body), out raw));
            }
            return new RefundNotification(new RefundNotification.Handle(raw));
        }

        /// <summary>Decrypts a refund result notification given as text (encoded as UTF-8); see the
        /// <c>byte[]</c> overload for the caveat that applies to every refund notification.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="body"/> has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException">The notification is rejected; <c>Code</c> says why.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public RefundNotification DecryptRefund(string body)
        {
            return DecryptRefund(Native.Encode(body, "body"));
        }

        /// <summary>Releases the native verifier (its key is zeroised). Later calls throw ObjectDisposedException.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        /// <inheritdoc />
        public override string ToString()
        {
            return "WechatPay.Notify.Verifier(<key redacted>)";
        }

        internal Handle Live()
        {
            handle.CheckOpen(this);
            return handle;
        }

        /// <summary>The native verifier. The marshaller keeps it alive for the duration of each call,
        /// so a concurrent Dispose frees it only after running verifications finish.</summary>
        internal sealed class Handle : NativeHandle
        {
            public Handle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_verifier_free)
            {
            }
        }

        /// <summary>The native builder, used only inside the constructor.</summary>
        internal sealed class BuilderHandle : NativeHandle
        {
            public BuilderHandle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_verifier_builder_free)
            {
            }
        }
    }
}
