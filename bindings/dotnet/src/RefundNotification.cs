using System;
using System.Collections.Generic;

namespace WechatPay.Notify
{
    /// <summary>
    /// A decrypted refund result notification. Immutable: everything is copied out of the native
    /// result when it is created. <see cref="Fields"/> is the outer document (with <c>req_info</c>
    /// still encrypted), <see cref="ReqInfo"/> the decrypted one, both in document order; the typed
    /// properties (generated from the core's declaration, Views.g.cs) are read from the core by name.
    /// </summary>
    /// <remarks>
    /// req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications of the
    /// same merchant can be cut and pasted into a third that passes every check. Treat a refund
    /// notification as a hint: confirm it with the refund query API before any irreversible action.
    /// A typed amount sent in another form than digits is not "absent": reading its property throws
    /// <see cref="WechatPayNotifyException"/> with <c>Code</c> <c>missing_field</c>.
    /// </remarks>
    public sealed partial class RefundNotification
    {
        private readonly Dictionary<string, string> byName;
        private readonly Dictionary<string, string> reqInfoByName;

        internal unsafe RefundNotification(Handle h)
        {
            using (h)
            {
                Fields = Native.Fields(NativeMethods.wechatpay_refund_field_count(h).ToUInt64(), i =>
                {
                    NativeField f;
                    return NativeMethods.wechatpay_refund_field(h, i, out f) ? f : (NativeField?)null;
                }).AsReadOnly();
                ReqInfo = Native.Fields(NativeMethods.wechatpay_refund_req_info_count(h).ToUInt64(), i =>
                {
                    NativeField f;
                    return NativeMethods.wechatpay_refund_req_info_field(h, i, out f) ? f : (NativeField?)null;
                }).AsReadOnly();
                byName = PaymentNotification.Lookup(Fields);
                reqInfoByName = PaymentNotification.Lookup(ReqInfo);
                ReadTypedProperties(new ViewReader(
                    (byte* n, UIntPtr l, out NativeStr v, out byte p) => NativeMethods.wechatpay_refund_text(h, n, l, out v, out p),
                    (byte* n, UIntPtr l, out ulong v, out byte p) => NativeMethods.wechatpay_refund_amount(h, n, l, out v, out p),
                    (byte* n, UIntPtr l, out byte v) => NativeMethods.wechatpay_refund_bool(h, n, l, out v)));
            }
        }

        /// <summary>The outer document's fields exactly as received, in document order.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

        /// <summary>The decrypted <c>req_info</c> document's fields, in document order.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> ReqInfo { get; }

        /// <summary>An outer field by name, or null when absent.</summary>
        public string Get(string name)
        {
            if (name == null) throw new ArgumentNullException("name");
            string value;
            return byName.TryGetValue(name, out value) ? value : null;
        }

        /// <summary>A decrypted <c>req_info</c> field by name, or null when absent.</summary>
        public string GetReqInfo(string name)
        {
            if (name == null) throw new ArgumentNullException("name");
            string value;
            return reqInfoByName.TryGetValue(name, out value) ? value : null;
        }

        /// <summary>The native refund, freed as soon as its contents are copied (or borrowed from an
        /// endpoint result: read while the result is alive, never freed).</summary>
        internal sealed class Handle : NativeHandle
        {
            public Handle(IntPtr ptr, bool borrowed = false)
                : base(ptr, borrowed ? null : (Action<IntPtr>)NativeMethods.wechatpay_refund_free)
            {
            }
        }
    }
}
