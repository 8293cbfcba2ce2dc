using System;
using System.Collections.Generic;
using System.Collections.Specialized;

namespace WechatPay.Notify
{
    /// <summary>
    /// Verifies APIv3 notifications (JSON, RSA-SHA256 signatures, AES-256-GCM resources) for one
    /// merchant: its APIv3 key and the WeChat Pay keys it trusts.
    /// </summary>
    /// <remarks>
    /// <para>Secure by default. <see cref="Verify(IDictionary{string, string}, byte[], long?)"/>
    /// checks, in this order: the body size (<c>body_too_large</c>); the
    /// <c>Wechatpay-Timestamp/-Nonce/-Signature/-Serial</c> headers (<c>missing_header</c>); WeChat
    /// Pay's <c>WECHATPAY/SIGNTEST/</c> probes (<c>signature_probe</c>);
    /// <c>Wechatpay-Signature-Type</c>, absent or <c>WECHATPAY2-SHA256-RSA2048</c>
    /// (<c>unsupported_algorithm</c>); the key named by <c>Wechatpay-Serial</c>, and a certificate's
    /// validity at <c>now</c> (<c>unknown_serial</c>); |now − timestamp| within
    /// <c>maxClockSkew</c>, both directions (<c>timestamp_out_of_window</c>); the RSA PKCS#1 v1.5
    /// SHA-256 signature over the raw bytes <c>timestamp\nnonce\nbody\n</c>
    /// (<c>signature_mismatch</c>). Only then is the body read: JSON (<c>malformed_json</c>), the
    /// required fields (<c>missing_field</c>), <c>AEAD_AES_256_GCM</c>
    /// (<c>unsupported_algorithm</c>), AES-256-GCM and a UTF-8 JSON plaintext
    /// (<c>decrypt_failed</c>); with <c>mchIds</c>, the resource's <c>mchid</c> (or, for a partner
    /// notification, <c>sp_mchid</c>) is one of them (<c>merchant_mismatch</c>).</para>
    /// <para>Thread-safe: share one instance across requests. Dispose it when done.</para>
    /// </remarks>
    public sealed class V3Verifier : IDisposable
    {
        /// <summary>The default allowed clock skew, in seconds, in either direction.</summary>
        public const long DefaultMaxClockSkew = 300;

        private readonly Handle handle;

        /// <summary>
        /// A verifier for <paramref name="apiV3Key"/> trusting <paramref name="platformKeys"/>.
        /// </summary>
        /// <param name="apiV3Key">The merchant's APIv3 key: its UTF-8 form must be exactly 32 bytes.</param>
        /// <param name="platformKeys">The trusted WeChat Pay keys, id → PEM; both kinds may be given at
        /// once (a migration): a platform certificate (PEM <c>CERTIFICATE</c>, whose serial must
        /// equal the id) or a WeChat Pay public key (PEM <c>PUBLIC KEY</c>, id <c>PUB_KEY_ID_…</c>).
        /// An id of hex digits matches <c>Wechatpay-Serial</c> numerically (leading zeros and case do
        /// not matter); any other id exactly. RSA keys of 2048 bits or more.</param>
        /// <param name="maxClockSkew">The allowed difference between <c>now</c> and
        /// <c>Wechatpay-Timestamp</c>, in seconds, either way (default 300).</param>
        /// <param name="maxBodyBytes">Larger bodies are <c>body_too_large</c> (default 65536).</param>
        /// <param name="mchIds">The merchant ids this verifier serves (several for a service
        /// provider): after decryption the resource's <c>mchid</c> (or, for a partner notification
        /// without one, <c>sp_mchid</c>) must be one of them, else <c>merchant_mismatch</c>. Null or
        /// empty: every merchant passes.</param>
        /// <exception cref="ArgumentNullException"><paramref name="apiV3Key"/>,
        /// <paramref name="platformKeys"/>, an id, a PEM or an element of <paramref name="mchIds"/> is null.</exception>
        /// <exception cref="ArgumentException">A string has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><paramref name="maxClockSkew"/> is negative (<c>invalid_config</c>).</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>: the core refuses the key
        /// (not 32 bytes), a trusted key (not a usable RSA PEM, a certificate whose serial is not
        /// its id, an id given twice) or a merchant id (empty).</exception>
        public V3Verifier(string apiV3Key, IDictionary<string, string> platformKeys,
            long maxClockSkew = DefaultMaxClockSkew, ulong? maxBodyBytes = null, IEnumerable<string> mchIds = null)
            : this(apiV3Key, platformKeys, null, maxClockSkew, maxBodyBytes, mchIds)
        {
        }

        /// <summary>
        /// A verifier for <paramref name="apiV3Key"/> trusting the set <paramref name="trustedKeys"/>
        /// (e.g. <see cref="TrustedKeys.FromDirectory"/>), shared, not copied. The other parameters
        /// are the constructor's.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="apiV3Key"/>,
        /// <paramref name="trustedKeys"/> or an element of <paramref name="mchIds"/> is null.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>: an empty set, or what the
        /// constructor refuses.</exception>
        /// <exception cref="ObjectDisposedException"><paramref name="trustedKeys"/> was disposed.</exception>
        public static V3Verifier WithTrustedKeys(string apiV3Key, TrustedKeys trustedKeys,
            long maxClockSkew = DefaultMaxClockSkew, ulong? maxBodyBytes = null, IEnumerable<string> mchIds = null)
        {
            if (trustedKeys == null) throw new ArgumentNullException("trustedKeys");
            return new V3Verifier(apiV3Key, null, trustedKeys, maxClockSkew, maxBodyBytes, mchIds);
        }

        private unsafe V3Verifier(string apiV3Key, IDictionary<string, string> platformKeys, TrustedKeys trustedKeys,
            long maxClockSkew, ulong? maxBodyBytes, IEnumerable<string> mchIds)
        {
            if (platformKeys == null && trustedKeys == null) throw new ArgumentNullException("platformKeys");
            var merchants = new List<byte[]>();
            if (mchIds != null)
            {
                foreach (string id in mchIds)
                {
                    if (id == null) throw new ArgumentNullException("mchIds", "a merchant id is null");
                    merchants.Add(Native.Encode(id, "mchIds"));
                }
            }
            if (maxClockSkew < 0) throw WechatPayNotifyException.InvalidConfig("maxClockSkew must be a non-negative integer");
            // The key: pinned before it is encoded, passed as a pointer, zeroed when the builder is made.
            using (var key = new Secret(apiV3Key, "apiV3Key"))
            {
                var keys = new List<KeyValuePair<byte[], byte[]>>();
                foreach (var pair in platformKeys ?? new Dictionary<string, string>())
                {
                    if (pair.Key == null || pair.Value == null) throw new ArgumentNullException("platformKeys", "a key id or PEM is null");
                    keys.Add(new KeyValuePair<byte[], byte[]>(Native.Encode(pair.Key, "platformKeys"), Native.Encode(pair.Value, "platformKeys")));
                }
                IntPtr raw;
                Native.Check(NativeMethods.wechatpay_v3_verifier_builder_new(key.Pointer, key.Length, out raw));
                using (var builder = new BuilderHandle(raw))
                {
                    foreach (var pair in keys)
                    {
                        fixed (byte* id = pair.Key)
                        fixed (byte* pem = pair.Value)
                        {
                            Native.Check(NativeMethods.wechatpay_v3_verifier_builder_add_trusted_key(builder,
                                id, Native.Len(pair.Key), pem, Native.Len(pair.Value)));
                        }
                    }
                    if (trustedKeys != null)
                    {
                        Native.Check(NativeMethods.wechatpay_v3_verifier_builder_replace_trusted_keys(builder, trustedKeys.Live()));
                    }
                    foreach (byte[] id in merchants)
                    {
                        fixed (byte* p = id)
                        {
                            Native.Check(NativeMethods.wechatpay_v3_verifier_builder_expect_mch_id(builder, p, Native.Len(id)));
                        }
                    }
                    Native.Check(NativeMethods.wechatpay_v3_verifier_builder_max_clock_skew(builder, (ulong)maxClockSkew));
                    if (maxBodyBytes.HasValue)
                    {
                        ulong limit = UIntPtr.Size == 4 ? Math.Min(maxBodyBytes.Value, uint.MaxValue) : maxBodyBytes.Value;
                        Native.Check(NativeMethods.wechatpay_v3_verifier_builder_max_body_bytes(builder, new UIntPtr(limit)));
                    }
                    Native.Check(NativeMethods.wechatpay_v3_verifier_builder_build(builder, out raw));
                    handle = new Handle(raw);
                }
            }
        }

        /// <summary>
        /// Verifies a notification and decrypts its resource (see the class remarks for the order of
        /// the checks).
        /// </summary>
        /// <param name="headers">The request's headers (at least the <c>Wechatpay-*</c> ones); names are
        /// case-insensitive.</param>
        /// <param name="body">The raw POST body, byte for byte as received (never re-serialised).</param>
        /// <param name="now">The current time in Unix seconds; null reads the system clock. Pass a fixed
        /// time in tests.</param>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/>, a header name or value, or
        /// <paramref name="body"/> is null.</exception>
        /// <exception cref="ArgumentException">A header has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><paramref name="now"/> is negative (<c>invalid_argument</c>).</exception>
        /// <exception cref="WechatPayNotifyException">The notification is rejected; <c>Code</c> says why.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public V3Notification Verify(IDictionary<string, string> headers, byte[] body, long? now = null)
        {
            return VerifyPairs(headers, "headers", body, now);
        }

        /// <summary>Verifies a notification whose body is given as text (encoded as UTF-8). Prefer the
        /// <c>byte[]</c> overload with the raw body.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/>, a header name or value, or
        /// <paramref name="body"/> is null.</exception>
        /// <exception cref="ArgumentException">A header or the body has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><paramref name="now"/> is negative (<c>invalid_argument</c>).</exception>
        /// <exception cref="WechatPayNotifyException">The notification is rejected; <c>Code</c> says why.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public V3Notification Verify(IDictionary<string, string> headers, string body, long? now = null)
        {
            if (headers == null) throw new ArgumentNullException("headers");
            return VerifyPairs(headers, "headers", Native.Encode(body, "body"), now);
        }

        /// <summary>
        /// Verifies a notification with the headers as <c>HttpListenerRequest.Headers</c> (or ASP.NET's
        /// <c>Request.Headers</c>) holds them: every value of every name is passed on, so a
        /// <c>Wechatpay-*</c> header received twice is refused (<c>invalid_argument</c>).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/> or <paramref name="body"/> is null.</exception>
        /// <exception cref="ArgumentException">A header has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><paramref name="now"/> is negative (<c>invalid_argument</c>).</exception>
        /// <exception cref="WechatPayNotifyException">The notification is rejected; <c>Code</c> says why.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public V3Notification Verify(NameValueCollection headers, byte[] body, long? now = null)
        {
            return VerifyPairs(Native.Headers(headers, "headers"), "headers", body, now);
        }

        private unsafe V3Notification VerifyPairs(IEnumerable<KeyValuePair<string, string>> headers, string paramName,
            byte[] body, long? now)
        {
            if (headers == null) throw new ArgumentNullException(paramName);
            if (body == null) throw new ArgumentNullException("body");
            ulong at = Native.UnixTime(now);
            Handle h = Live();
            IntPtr raw = IntPtr.Zero;
            Native.WithPairs(headers, paramName, (pairs, count) =>
            {
                fixed (byte* p = body)
                {
                    Native.Check(NativeMethods.wechatpay_v3_verifier_verify(h, pairs, count, p, Native.Len(body), at, out raw));
                }
            });
            return new V3Notification(new V3Notification.Handle(raw));
        }

        /// <summary>True when a trusted key has this id as <c>Wechatpay-Serial</c> would name it (hex
        /// serials compared numerically): picks the merchant of a notification.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="serial"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="serial"/> has no UTF-8 form.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public unsafe bool Trusts(string serial)
        {
            byte[] bytes = Native.Encode(serial, "serial");
            Handle h = Live();
            fixed (byte* p = bytes)
            {
                return NativeMethods.wechatpay_v3_verifier_trusts(h, p, Native.Len(bytes));
            }
        }

        /// <summary>
        /// Swaps in a new set of trusted keys, atomically (key rotation without a restart): a
        /// verification running meanwhile in another thread uses either the old set or the new one,
        /// never a mix. The verifier shares <paramref name="keys"/> (which may be disposed afterwards).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="keys"/> is null.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c> for an empty set; the
        /// verifier keeps its keys.</exception>
        /// <exception cref="ObjectDisposedException">The verifier or <paramref name="keys"/> was disposed.</exception>
        public void ReplaceTrustedKeys(TrustedKeys keys)
        {
            if (keys == null) throw new ArgumentNullException("keys");
            Native.Check(NativeMethods.wechatpay_v3_verifier_replace_trusted_keys(Live(), keys.Live()));
        }

        /// <summary>Swaps in a new set of trusted keys given as id → PEM (see
        /// <see cref="ReplaceTrustedKeys(TrustedKeys)"/>).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="platformKeys"/>, an id or a PEM is null.</exception>
        /// <exception cref="ArgumentException">A string has no UTF-8 form.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c> for a refused key or an empty
        /// set; the verifier keeps its keys.</exception>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public void ReplaceTrustedKeys(IDictionary<string, string> platformKeys)
        {
            using (var keys = new TrustedKeys(platformKeys))
            {
                ReplaceTrustedKeys(keys);
            }
        }

        /// <summary>The set of trusted keys in use now (a later swap does not change it); dispose it
        /// when done.</summary>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public TrustedKeys GetTrustedKeys()
        {
            IntPtr raw;
            Native.Check(NativeMethods.wechatpay_v3_verifier_trusted_keys(Live(), out raw));
            return new TrustedKeys(new TrustedKeys.Handle(raw));
        }

        /// <summary>The trusted key ids in the order given (a certificate by its uppercase hex serial),
        /// of the set in use now.</summary>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public IReadOnlyList<string> TrustedKeyIds
        {
            get
            {
                // The ids live for the whole process (the header): no reference is needed.
                Handle h = Live();
                return Native.Texts(h, NativeMethods.wechatpay_v3_verifier_trusted_key_count(h).ToUInt64(),
                    NativeMethods.wechatpay_v3_verifier_trusted_key_id);
            }
        }

        /// <summary>The merchant ids given as <c>mchIds</c>, in order (each once); empty when every
        /// merchant passes.</summary>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public IReadOnlyList<string> ExpectedMchIds
        {
            get
            {
                // The ids are the verifier's own strings: read while it cannot be freed.
                return handle.Borrowing(this, () => Native.Texts(handle,
                    NativeMethods.wechatpay_v3_verifier_expected_mch_id_count(handle).ToUInt64(),
                    NativeMethods.wechatpay_v3_verifier_expected_mch_id));
            }
        }

        /// <summary>The configured clock skew in seconds.</summary>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public long MaxClockSkew
        {
            get { return (long)Math.Min(NativeMethods.wechatpay_v3_verifier_max_clock_skew(Live()), (ulong)long.MaxValue); }
        }

        /// <summary>The configured body size limit in bytes.</summary>
        /// <exception cref="ObjectDisposedException">The verifier was disposed.</exception>
        public ulong MaxBodyBytes
        {
            get { return NativeMethods.wechatpay_v3_verifier_max_body_bytes(Live()).ToUInt64(); }
        }

        /// <summary>Releases the native verifier. Later calls throw ObjectDisposedException.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        /// <inheritdoc />
        public override string ToString()
        {
            return "WechatPay.Notify.V3Verifier(<key redacted>)";
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
            public Handle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_v3_verifier_free)
            {
            }
        }

        /// <summary>The native builder, used only inside the constructor.</summary>
        internal sealed class BuilderHandle : NativeHandle
        {
            public BuilderHandle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_v3_verifier_builder_free)
            {
            }
        }
    }
}
