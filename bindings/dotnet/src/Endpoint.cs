using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Runtime.InteropServices;

namespace WechatPay.Notify
{
    /// <summary>The API version of a request, as an <see cref="Endpoint"/> decided it.</summary>
    public enum ApiVersion
    {
        /// <summary>v2 (XML).</summary>
        V2 = 2,

        /// <summary>APIv3 (JSON).</summary>
        V3 = 3,
    }

    /// <summary>
    /// A merchant account served by an <see cref="Endpoint"/>: a label of your choice, given back with
    /// each of its notifications, its merchant id, and its v2 verifier, its APIv3 verifier, or both.
    /// </summary>
    /// <remarks>The profile only refers to the verifiers: the endpoint takes its own copies when it is
    /// built, so they may be disposed afterwards.</remarks>
    public sealed class MerchantProfile
    {
        /// <summary>A profile named <paramref name="label"/>.</summary>
        /// <param name="label">Your name for the merchant (e.g. <c>"shop-a"</c>).</param>
        /// <param name="v2">The merchant's v2 verifier, or null. v2 notifications find their merchant
        /// by its id: the verifier's expected <c>mch_id</c> (its <c>mchId</c>) or the profile's
        /// <paramref name="mchId"/> (without either, <c>invalid_config</c> when the endpoint is built).</param>
        /// <param name="v3">The merchant's APIv3 verifier (its APIv3 key and trusted WeChat Pay keys), or null.</param>
        /// <param name="mchId">The merchant's id, or null. It binds both versions: v2 notifications must
        /// carry it as <c>mch_id</c> (then the v2 verifier need not expect one; if it does, the two must
        /// agree, else <c>invalid_config</c>), and APIv3 resources as <c>mchid</c> (or
        /// <c>sp_mchid</c>), else <c>merchant_mismatch</c>, unless the APIv3 verifier names its own
        /// (<c>mchIds</c>). Empty is <c>invalid_config</c> when the endpoint is built.</param>
        /// <exception cref="ArgumentNullException"><paramref name="label"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="label"/> or <paramref name="mchId"/> has no
        /// UTF-8 form (an unpaired surrogate).</exception>
        public MerchantProfile(string label, Verifier v2 = null, V3Verifier v3 = null, string mchId = null)
        {
            LabelBytes = Native.Encode(label, "label");
            MchIdBytes = mchId == null ? null : Native.Encode(mchId, "mchId");
            Label = label;
            MchId = mchId;
            V2 = v2;
            V3 = v3;
        }

        /// <summary>The label.</summary>
        public string Label { get; }

        /// <summary>The v2 verifier, or null.</summary>
        public Verifier V2 { get; }

        /// <summary>The APIv3 verifier, or null.</summary>
        public V3Verifier V3 { get; }

        /// <summary>The merchant id, or null (then a v2 verifier's expected <c>mch_id</c> is the id).</summary>
        public string MchId { get; }

        internal byte[] LabelBytes { get; }

        internal byte[] MchIdBytes { get; }
    }

    /// <summary>
    /// One notify_url for many merchants and both API versions: for each request it decides the
    /// version and the merchant, then runs that merchant's own verifier unchanged.
    /// </summary>
    /// <remarks>
    /// <para>A <c>Wechatpay-Signature</c> header means APIv3: the required headers
    /// (<c>missing_header</c>), WeChat Pay's probe (<c>signature_probe</c>) and the signature type are
    /// checked first, then the merchant is the one whose <see cref="V3Verifier"/> trusts
    /// <c>Wechatpay-Serial</c> (<c>unknown_serial</c> when no merchant trusts it); its resource must
    /// name the profile's merchant id(s) when there are any (<c>merchant_mismatch</c>). Otherwise the
    /// body is v2 XML: a refund when it has <c>req_info</c>, else a payment, for the merchant whose id
    /// is its <c>mch_id</c> (<c>missing_field</c> without one, <c>merchant_mismatch</c> when no
    /// merchant has it). The merchant is chosen from unverified input, which is safe only because that merchant's
    /// own key must then verify the message: a body naming merchant A but signed with B's key fails
    /// A's verifier. A request neither version can read gets the v2 FAIL reply with status 400.</para>
    /// <para>Refusals are exceptions: <see cref="Handle(IDictionary{string, string}, byte[], long?)"/>
    /// throws <see cref="EndpointRejectedException"/> (a <see cref="WechatPayNotifyException"/> with
    /// <c>Code</c>), whose <see cref="EndpointRejectedException.Reply"/> is the reply to send and which
    /// tells the version and merchant when they were decided. A verified request returns an
    /// <see cref="EndpointResult"/>, whose <see cref="EndpointResult.Reply"/> is the reply to send.</para>
    /// <para>Refund caveat: req_info is AES-256-ECB without integrity: blocks of two genuine refund
    /// notifications of the same merchant can be cut and pasted into a third that passes every check.
    /// Treat a refund notification as a hint: confirm it with the refund query API before any
    /// irreversible action.</para>
    /// <para>Thread-safe: share one instance across requests. Dispose it when done.</para>
    /// </remarks>
    public sealed class Endpoint : IDisposable
    {
        private readonly EndpointHandle handle;

        /// <summary>An endpoint serving <paramref name="profiles"/>.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="profiles"/> or one of its elements is null.</exception>
        /// <exception cref="ObjectDisposedException">A profile's verifier was disposed.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>: no profile, a profile with
        /// neither verifier, a v2 verifier and no merchant id (neither the profile's nor an expected
        /// <c>mch_id</c>), a profile's id that is empty or differs from its v2 verifier's, a label used
        /// twice, two profiles with the same <c>mch_id</c>, two v2 verifiers with the same API key (a
        /// refund's req_info names no merchant, so one merchant's refund would pass as the other's), or
        /// two profiles trusting the same APIv3 key id (a request could then not be routed to one
        /// merchant).</exception>
        public Endpoint(params MerchantProfile[] profiles)
            : this((IEnumerable<MerchantProfile>)profiles)
        {
        }

        /// <summary>An endpoint serving <paramref name="profiles"/> (see the other constructor).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="profiles"/> or one of its elements is null.</exception>
        /// <exception cref="ObjectDisposedException">A profile's verifier was disposed.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>, as for the other constructor.</exception>
        public Endpoint(IEnumerable<MerchantProfile> profiles)
        {
            if (profiles == null) throw new ArgumentNullException("profiles");
            var list = new List<MerchantProfile>(profiles);
            foreach (MerchantProfile p in list)
            {
                if (p == null) throw new ArgumentNullException("profiles", "a profile is null");
            }
            IntPtr raw;
            Native.Check(NativeMethods.wechatpay_endpoint_builder_new(out raw));
            using (var builder = new BuilderHandle(raw))
            {
                foreach (MerchantProfile p in list) AddProfile(builder, p);
                Native.Check(NativeMethods.wechatpay_endpoint_builder_build(builder, out raw));
                handle = new EndpointHandle(raw);
            }
        }

        private Endpoint(EndpointHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>
        /// Reads an endpoint profiles file (the JSON of <c>wechatpay-notify verify-any --profiles</c>)
        /// with the core's loader, the one every surface uses. It names each merchant's key files
        /// (relative to the profiles file) or environment variables, never keys:
        /// <code>
        /// {"profiles": [
        ///   {"label": "shop-a", "mch_id": "10000100",
        ///    "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5"},
        ///    "v3": {"api_v3_key_env": "SHOP_A_V3_KEY",
        ///           "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "keys/a-pub.pem"}}}
        /// ]}
        /// </code>
        /// A profile has a <c>label</c>, a <c>mch_id</c> (binding both versions, as
        /// <see cref="MerchantProfile"/>'s <c>mchId</c>) and a <c>v2</c> and/or <c>v3</c> part. <c>v2</c>:
        /// exactly one of <c>api_key_file</c> / <c>api_key_env</c>, <c>sign_type</c> (required),
        /// <c>mch_id</c>, <c>appid</c>, <c>also_accept</c>, <c>max_body_bytes</c>. <c>v3</c>: exactly one
        /// of <c>api_v3_key_file</c> / <c>api_v3_key_env</c>, <c>platform_keys</c> (key id → PEM file)
        /// and/or <c>key_dir</c> (a directory of keys, as <see cref="TrustedKeys.FromDirectory"/> reads it),
        /// <c>mch_ids</c>, <c>max_clock_skew</c>, <c>max_body_bytes</c>. Keys never pass through managed
        /// memory: the core reads them and zeroises its copies.
        /// </summary>
        /// <param name="path">The profiles file (relative paths from the working directory).</param>
        /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="path"/> has no UTF-8 form.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>: a missing or unreadable file,
        /// a setting that is unknown or has the wrong type, a key written inline, a missing
        /// <c>sign_type</c>, an unset variable, on Unix a profiles or key file that group or others can
        /// read (<c>chmod 600</c>), and everything the constructors refuse; the message names the
        /// profile, the setting or the file, never a key.</exception>
        public static unsafe Endpoint FromProfilesFile(string path)
        {
            byte[] bytes = Native.Encode(path, "path");
            IntPtr raw;
            fixed (byte* p = bytes)
            {
                Native.Check(NativeMethods.wechatpay_endpoint_from_profiles_file(p, Native.Len(bytes), out raw));
            }
            return new Endpoint(new EndpointHandle(raw));
        }

        /// <summary>Adds one profile; the native builder copies the verifiers, which are kept alive
        /// (and not freed by a concurrent Dispose) for the duration of the call.</summary>
        private static unsafe void AddProfile(BuilderHandle builder, MerchantProfile p)
        {
            SafeHandle v2 = p.V2 == null ? null : (SafeHandle)p.V2.Live();
            SafeHandle v3 = p.V3 == null ? null : (SafeHandle)p.V3.Live();
            bool v2Ref = false, v3Ref = false;
            try
            {
                // Throws ObjectDisposedException for a verifier disposed meanwhile.
                if (v2 != null) v2.DangerousAddRef(ref v2Ref);
                if (v3 != null) v3.DangerousAddRef(ref v3Ref);
                byte[] label = p.LabelBytes;
                byte[] mchId = p.MchIdBytes;
                IntPtr v2Raw = v2Ref ? v2.DangerousGetHandle() : IntPtr.Zero;
                IntPtr v3Raw = v3Ref ? v3.DangerousGetHandle() : IntPtr.Zero;
                fixed (byte* l = label)
                fixed (byte* m = mchId)
                {
                    Native.Check(mchId == null
                        ? NativeMethods.wechatpay_endpoint_builder_add_profile(builder, l, Native.Len(label), v2Raw, v3Raw)
                        : NativeMethods.wechatpay_endpoint_builder_add_profile_with_mch_id(builder, l, Native.Len(label),
                            m, Native.Len(mchId), v2Raw, v3Raw));
                }
            }
            finally
            {
                if (v2Ref) v2.DangerousRelease();
                if (v3Ref) v3.DangerousRelease();
            }
        }

        /// <summary>
        /// Decides the version and the merchant of a request and verifies it (see the class remarks).
        /// </summary>
        /// <param name="headers">The request's headers (at least the <c>Wechatpay-*</c> ones; names
        /// are case-insensitive). Empty for a v2 notification.</param>
        /// <param name="body">The raw POST body, byte for byte as received.</param>
        /// <param name="now">The current time in Unix seconds (used by APIv3 only); null reads the
        /// system clock. Pass a fixed time in tests.</param>
        /// <returns>The verified notification, its merchant's label and the reply to send.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/>, a header name or value, or
        /// <paramref name="body"/> is null.</exception>
        /// <exception cref="ArgumentException">A header has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><paramref name="now"/> is negative (<c>invalid_argument</c>).</exception>
        /// <exception cref="EndpointRejectedException">The request is refused: <c>Code</c> says why,
        /// <c>Reply</c> is what to send.</exception>
        /// <exception cref="ObjectDisposedException">The endpoint was disposed.</exception>
        public EndpointResult Handle(IDictionary<string, string> headers, byte[] body, long? now = null)
        {
            return HandlePairs(headers, "headers", body, now);
        }

        /// <summary>Handles a request whose body is given as text (encoded as UTF-8). Prefer the
        /// <c>byte[]</c> overload with the raw body.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/>, a header name or value, or
        /// <paramref name="body"/> is null.</exception>
        /// <exception cref="ArgumentException">A header or the body has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><paramref name="now"/> is negative (<c>invalid_argument</c>).</exception>
        /// <exception cref="EndpointRejectedException">The request is refused.</exception>
        /// <exception cref="ObjectDisposedException">The endpoint was disposed.</exception>
        public EndpointResult Handle(IDictionary<string, string> headers, string body, long? now = null)
        {
            if (headers == null) throw new ArgumentNullException("headers");
            return HandlePairs(headers, "headers", Native.Encode(body, "body"), now);
        }

        /// <summary>
        /// Handles a request with the headers as <c>HttpListenerRequest.Headers</c> (or ASP.NET's
        /// <c>Request.Headers</c>) holds them: every value of every name is passed on, so a
        /// <c>Wechatpay-*</c> header received twice is refused (<c>invalid_argument</c>).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/> or <paramref name="body"/> is null.</exception>
        /// <exception cref="ArgumentException">A header has no UTF-8 form (an unpaired surrogate).</exception>
        /// <exception cref="WechatPayNotifyException"><paramref name="now"/> is negative (<c>invalid_argument</c>).</exception>
        /// <exception cref="EndpointRejectedException">The request is refused.</exception>
        /// <exception cref="ObjectDisposedException">The endpoint was disposed.</exception>
        public EndpointResult Handle(NameValueCollection headers, byte[] body, long? now = null)
        {
            return HandlePairs(Native.Headers(headers, "headers"), "headers", body, now);
        }

        private unsafe EndpointResult HandlePairs(IEnumerable<KeyValuePair<string, string>> headers, string paramName,
            byte[] body, long? now)
        {
            if (headers == null) throw new ArgumentNullException(paramName);
            if (body == null) throw new ArgumentNullException("body");
            ulong at = Native.UnixTime(now);
            EndpointHandle h = Live();
            IntPtr raw = IntPtr.Zero;
            IntPtr error = IntPtr.Zero;
            Native.WithPairs(headers, paramName, (pairs, count) =>
            {
                fixed (byte* p = body)
                {
                    error = NativeMethods.wechatpay_endpoint_handle(h, pairs, count, p, Native.Len(body), at, out raw);
                }
            });
            if (error != IntPtr.Zero) throw Refusal(error);
            using (var result = new EndpointResult.Handle(raw))
            {
                return new EndpointResult(result);
            }
        }

        /// <summary>The exception for an error of <c>wechatpay_endpoint_handle</c> (and frees it): an
        /// <see cref="EndpointRejectedException"/> with the endpoint's decision. An error without one
        /// (misuse the binding prevents) is a plain <see cref="WechatPayNotifyException"/>.</summary>
        private static WechatPayNotifyException Refusal(IntPtr error)
        {
            NativeHttpReply reply;
            if (!NativeMethods.wechatpay_error_endpoint_reply(error, out reply)) return Native.FromNative(error);
            try
            {
                NativeStr label;
                return new EndpointRejectedException(
                    Native.DecodeCString(NativeMethods.wechatpay_error_code(error)),
                    (int)NativeMethods.wechatpay_error_number(error),
                    Native.DecodeCString(NativeMethods.wechatpay_error_message(error)),
                    EndpointResult.ToVersion(NativeMethods.wechatpay_error_endpoint_version(error)),
                    NativeMethods.wechatpay_error_endpoint_label(error, out label) ? Native.Decode(label) : null,
                    new HttpReply(reply));
            }
            finally
            {
                NativeMethods.wechatpay_error_free(error);
            }
        }

        /// <summary>
        /// Swaps the trusted APIv3 keys of the merchant labelled <paramref name="label"/>, and the
        /// <c>Wechatpay-Serial</c> routes to it, in one step: a request handled meanwhile in another
        /// thread is routed and verified either with the old keys or with the new ones. The endpoint
        /// took its verifiers' keys when it was built: swapping a verifier's keys later does not
        /// change it.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="label"/> or <paramref name="keys"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="label"/> has no UTF-8 form.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>, the endpoint unchanged: no
        /// profile with that label, no v3 part, an empty set, or a key id another profile trusts.</exception>
        /// <exception cref="ObjectDisposedException">The endpoint or <paramref name="keys"/> was disposed.</exception>
        public unsafe void ReplaceTrustedKeys(string label, TrustedKeys keys)
        {
            byte[] bytes = Native.Encode(label, "label");
            if (keys == null) throw new ArgumentNullException("keys");
            fixed (byte* p = bytes)
            {
                Native.Check(NativeMethods.wechatpay_endpoint_replace_trusted_keys(Live(), p, Native.Len(bytes), keys.Live()));
            }
        }

        /// <summary>The trusted APIv3 keys in use now by the merchant labelled
        /// <paramref name="label"/>; dispose it when done.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="label"/> is null.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_config</c>: no profile with that label
        /// has a v3 part.</exception>
        /// <exception cref="ObjectDisposedException">The endpoint was disposed.</exception>
        public unsafe TrustedKeys GetTrustedKeys(string label)
        {
            byte[] bytes = Native.Encode(label, "label");
            IntPtr raw;
            fixed (byte* p = bytes)
            {
                Native.Check(NativeMethods.wechatpay_endpoint_trusted_keys(Live(), p, Native.Len(bytes), out raw));
            }
            return new TrustedKeys(new TrustedKeys.Handle(raw));
        }

        /// <summary>The profiles' labels, in the order given.</summary>
        /// <exception cref="ObjectDisposedException">The endpoint was disposed.</exception>
        public IReadOnlyList<string> Labels
        {
            get
            {
                // The labels are the endpoint's own strings: read while it cannot be freed.
                return handle.Borrowing(this, () => Native.Texts(handle,
                    NativeMethods.wechatpay_endpoint_profile_count(handle).ToUInt64(), NativeMethods.wechatpay_endpoint_label));
            }
        }

        /// <summary>Releases the native endpoint. Later calls throw ObjectDisposedException.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        /// <inheritdoc />
        public override string ToString()
        {
            try
            {
                return "WechatPay.Notify.Endpoint(" + string.Join(", ", Labels) + "; keys redacted)";
            }
            catch (ObjectDisposedException)
            {
                return "WechatPay.Notify.Endpoint(disposed)";
            }
        }

        private EndpointHandle Live()
        {
            handle.CheckOpen(this);
            return handle;
        }

        /// <summary>The native endpoint (a method is called Handle, hence the name). The marshaller
        /// keeps it alive for the duration of each call, so a concurrent Dispose frees it only after
        /// running calls finish; strings it lends are read under <see cref="NativeHandle.Borrowing{T}"/>,
        /// which keeps it alive until they are copied.</summary>
        internal sealed class EndpointHandle : NativeHandle
        {
            public EndpointHandle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_endpoint_free)
            {
            }
        }

        /// <summary>The native builder, used only inside the constructor.</summary>
        internal sealed class BuilderHandle : NativeHandle
        {
            public BuilderHandle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_endpoint_builder_free)
            {
            }
        }
    }

    /// <summary>
    /// A verified notification and the merchant it is for. Immutable: everything is copied out of the
    /// native result when it is created (it needs no disposal and may be shared across threads).
    /// </summary>
    public sealed partial class EndpointResult
    {
        /// <summary><see cref="Kind"/> of a v2 payment result notification.</summary>
        public const string V2PaymentKind = "v2_payment";

        /// <summary><see cref="Kind"/> of a v2 refund result notification.</summary>
        public const string V2RefundKind = "v2_refund";

        /// <summary><see cref="Kind"/> of an APIv3 notification.</summary>
        public const string V3Kind = "v3";

        internal unsafe EndpointResult(Handle h)
        {
            Label = Native.Text<Handle>(h, NativeMethods.wechatpay_endpoint_result_label);
            Kind = Native.Text<Handle>(h, NativeMethods.wechatpay_endpoint_result_kind);
            ApiVersion? version = ToVersion(NativeMethods.wechatpay_endpoint_result_version(h));
            // IsSuccess, DedupeKey (Views.g.cs): the core's rules over the notification, by name.
            ReadTypedProperties(new ViewReader(
                (byte* name, UIntPtr len, out NativeStr value, out byte present) =>
                    NativeMethods.wechatpay_endpoint_result_text(h, name, len, out value, out present),
                null,
                (byte* name, UIntPtr len, out byte value) => NativeMethods.wechatpay_endpoint_result_bool(h, name, len, out value)));
            NativeHttpReply reply;
            if (Label == null || Kind == null || !version.HasValue || !NativeMethods.wechatpay_endpoint_result_reply(h, out reply))
            {
                throw WechatPayNotifyException.Internal("an endpoint result lacks its label, kind, version or reply");
            }
            Version = version.Value;
            Reply = new HttpReply(reply);
            NativeHttpReply internalReply;
            if (!NativeMethods.wechatpay_endpoint_result_internal_error_reply(h, out internalReply))
            {
                throw WechatPayNotifyException.Internal("an endpoint result lacks its internal-failure reply");
            }
            InternalErrorReply = new HttpReply(internalReply);
            // Borrowed from the result, which `h` keeps alive while they are copied out.
            IntPtr p = NativeMethods.wechatpay_endpoint_result_payment(h);
            if (p != IntPtr.Zero) Payment = new PaymentNotification(new PaymentNotification.Handle(p, borrowed: true));
            IntPtr r = NativeMethods.wechatpay_endpoint_result_refund(h);
            if (r != IntPtr.Zero) Refund = new RefundNotification(new RefundNotification.Handle(r, borrowed: true));
            IntPtr n = NativeMethods.wechatpay_endpoint_result_v3(h);
            if (n != IntPtr.Zero) V3 = new V3Notification(new V3Notification.Handle(n, borrowed: true));
        }

        /// <summary>A <c>wechatpay_api_version</c>; null for <c>WECHATPAY_API_VERSION_NONE</c>.</summary>
        internal static ApiVersion? ToVersion(uint native)
        {
            switch (native)
            {
                case 2: return ApiVersion.V2;
                case 3: return ApiVersion.V3;
                default: return null;
            }
        }

        /// <summary>The merchant's label (<see cref="MerchantProfile.Label"/>).</summary>
        public string Label { get; }

        /// <summary>The kind of notification: <c>"v2_payment"</c> (<see cref="Payment"/> is set),
        /// <c>"v2_refund"</c> (<see cref="Refund"/>) or <c>"v3"</c> (<see cref="V3"/>).</summary>
        public string Kind { get; }

        /// <summary>The API version.</summary>
        public ApiVersion Version { get; }

        /// <summary>The v2 payment, or null for another kind.</summary>
        public PaymentNotification Payment { get; }

        /// <summary>The v2 refund, or null for another kind. Confirm it with the refund query API before
        /// any irreversible action (see the caveat on <see cref="Endpoint"/>).</summary>
        public RefundNotification Refund { get; }

        /// <summary>The APIv3 notification, or null for another kind.</summary>
        public V3Notification V3 { get; }

        /// <summary>The reply to send: v2 → 200, <c>text/xml</c>, the exact XML SUCCESS reply; APIv3 →
        /// 204 with no body.</summary>
        public HttpReply Reply { get; }

        /// <summary>The reply to send instead of <see cref="Reply"/> when your application fails to
        /// record this verified notification (its database is down): the core's reply for the
        /// application's own failure in the notification's version, status 500 with the constant
        /// refusal body, so that WeChat Pay retries (see <see cref="Notify.Reply.InternalError(IDictionary{string, string})"/>
        /// for a failure before verification).</summary>
        public HttpReply InternalErrorReply { get; }

        /// <inheritdoc />
        public override string ToString()
        {
            return "EndpointResult(" + Label + ", " + Kind + ", " + (DedupeKey ?? "no dedupe key") + ")";
        }

        /// <summary>The native result, released once everything is copied out.</summary>
        internal sealed class Handle : NativeHandle
        {
            public Handle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_endpoint_result_free)
            {
            }
        }
    }

    /// <summary>
    /// A request an <see cref="Endpoint"/> refused: <see cref="WechatPayNotifyException.Code"/> says
    /// why, <see cref="Reply"/> is what to send (v2 → 200 with the XML FAIL reply; APIv3 → 401 / 400 /
    /// 500 with the JSON FAIL body; a request neither version could read → the v2 FAIL reply with
    /// 400; every body carries the one constant message <c>rejected</c>, never the code, which is for
    /// your logs), and <see cref="Version"/> / <see cref="Label"/> tell what was decided before it failed.
    /// </summary>
    public sealed class EndpointRejectedException : WechatPayNotifyException
    {
        internal EndpointRejectedException(string code, int number, string message, ApiVersion? version, string label,
            HttpReply reply)
            : base(code, number, message)
        {
            Version = version;
            Label = label;
            Reply = reply;
        }

        /// <summary>The version, or null when the request could not be read as either.</summary>
        public ApiVersion? Version { get; }

        /// <summary>The label of the merchant the request was routed to, or null when none was chosen
        /// (no merchant matched, or the version was not decided).</summary>
        public string Label { get; }

        /// <summary>The failure reply to send. Its message is the error code only, never input.</summary>
        public HttpReply Reply { get; }
    }
}
