using System;
using System.Collections.Generic;

namespace WechatPay.Notify
{
    /// <summary>
    /// A set of trusted WeChat Pay keys (platform certificates and/or WeChat Pay public keys), each
    /// parsed once when the set is built: from id → PEM, or from a directory with
    /// <see cref="FromDirectory"/>. Swap it into a live verifier with
    /// <see cref="V3Verifier.ReplaceTrustedKeys(TrustedKeys)"/> or into an endpoint merchant with
    /// <see cref="Endpoint.ReplaceTrustedKeys(string, TrustedKeys)"/> when WeChat Pay rotates its
    /// keys; they share it (no copy), so this object may be disposed afterwards.
    /// </summary>
    /// <remarks>Immutable and thread-safe. Dispose it when done.</remarks>
    public sealed class TrustedKeys : IDisposable
    {
        private readonly Handle handle;

        internal TrustedKeys(Handle handle)
        {
            this.handle = handle;
        }

        /// <summary>A set of <paramref name="platformKeys"/>, id → PEM, as <see cref="V3Verifier"/>
        /// takes them (an empty dictionary makes an empty set, which a verifier refuses).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="platformKeys"/>, an id or a PEM is null.</exception>
        /// <exception cref="ArgumentException">A string has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>: a key the core refuses (not a
        /// usable RSA PEM, a certificate whose serial is not its id, an id given twice).</exception>
        public unsafe TrustedKeys(IDictionary<string, string> platformKeys)
        {
            if (platformKeys == null) throw new ArgumentNullException("platformKeys");
            var keys = new List<KeyValuePair<byte[], byte[]>>();
            foreach (var pair in platformKeys)
            {
                if (pair.Key == null || pair.Value == null) throw new ArgumentNullException("platformKeys", "a key id or PEM is null");
                keys.Add(new KeyValuePair<byte[], byte[]>(Native.Encode(pair.Key, "platformKeys"), Native.Encode(pair.Value, "platformKeys")));
            }
            IntPtr raw;
            Native.Check(NativeMethods.wechatpay_trusted_keys_new(out raw));
            var h = new Handle(raw);
            try
            {
                foreach (var pair in keys)
                {
                    fixed (byte* id = pair.Key)
                    fixed (byte* pem = pair.Value)
                    {
                        Native.Check(NativeMethods.wechatpay_trusted_keys_add_trusted_key(h, id, Native.Len(pair.Key),
                            pem, Native.Len(pair.Value)));
                    }
                }
            }
            catch
            {
                h.Dispose();
                throw;
            }
            handle = h;
        }

        /// <summary>
        /// Every key of a directory, as WeChat Pay's certificate download writes them: each
        /// <c>*.pem</c> file directly in it (other names are ignored, symbolic links followed), in
        /// name order, read whole (at most 64 KiB), holding one PEM block. A <c>CERTIFICATE</c> is
        /// trusted under its own serial (a file named like a serial, hex digits only, must be named
        /// after that serial; a <c>PUB_KEY_ID_…</c> name is refused); a <c>PUBLIC KEY</c> under its
        /// file name without <c>.pem</c>, which must be a <c>PUB_KEY_ID_…</c> id.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="path"/> has no UTF-8 form.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>, naming the file: a file that
        /// cannot be read, is mislabelled, holds anything else or a refused key, a repeated id; a
        /// directory that cannot be read or holds no key.</exception>
        public static unsafe TrustedKeys FromDirectory(string path)
        {
            byte[] bytes = Native.Encode(path, "path");
            IntPtr raw;
            fixed (byte* p = bytes)
            {
                Native.Check(NativeMethods.wechatpay_trusted_keys_load_dir(p, Native.Len(bytes), out raw));
            }
            return new TrustedKeys(new Handle(raw));
        }

        /// <summary>The key ids, in order (a certificate by its uppercase hex serial).</summary>
        /// <exception cref="ObjectDisposedException">The set was disposed.</exception>
        public IReadOnlyList<string> Ids
        {
            get
            {
                // The ids live for the whole process (the header): no reference is needed.
                Handle h = Live();
                return Native.Texts(h, NativeMethods.wechatpay_trusted_keys_count(h).ToUInt64(),
                    NativeMethods.wechatpay_trusted_keys_id);
            }
        }

        /// <summary>The number of keys.</summary>
        /// <exception cref="ObjectDisposedException">The set was disposed.</exception>
        public int Count
        {
            get { return (int)NativeMethods.wechatpay_trusted_keys_count(Live()).ToUInt64(); }
        }

        /// <summary>Releases the native set (verifiers and endpoints it was swapped into keep their share).</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        /// <inheritdoc />
        public override string ToString()
        {
            try
            {
                return "WechatPay.Notify.TrustedKeys(" + string.Join(", ", Ids) + ")";
            }
            catch (ObjectDisposedException)
            {
                return "WechatPay.Notify.TrustedKeys(disposed)";
            }
        }

        internal Handle Live()
        {
            handle.CheckOpen(this);
            return handle;
        }

        /// <summary>The native set.</summary>
        internal sealed class Handle : NativeHandle
        {
            public Handle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_trusted_keys_free)
            {
            }
        }
    }
}
