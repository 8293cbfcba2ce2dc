using System;

namespace WechatPay.Notify
{
    /// <summary>
    /// A verified, decrypted APIv3 notification. Immutable: everything is copied out of the native
    /// result when it is created (it needs no disposal and may be shared across threads).
    /// </summary>
    /// <remarks>
    /// netstandard2.0 has no JSON parser, so the decrypted resource is given as
    /// <see cref="Plaintext"/>, the exact JSON text: parse it with the JSON library of your choice
    /// (System.Text.Json, Json.NET) for any field the typed views do not cover. The common fields
    /// are typed in <see cref="Transaction"/>, <see cref="Refund"/>, <see cref="ProfitSharing"/>,
    /// <see cref="Transfer"/> and <see cref="Complaint"/>.
    /// </remarks>
    public sealed partial class V3Notification
    {
        internal unsafe V3Notification(Handle h)
        {
            using (h)
            {
                // The event's strings, IsSuccess, DedupeKey (Views.g.cs), read by name.
                ReadTypedProperties(new ViewReader(
                    (byte* n, UIntPtr l, out NativeStr v, out byte p) => NativeMethods.wechatpay_v3_notification_text(h, n, l, out v, out p),
                    null,
                    (byte* n, UIntPtr l, out byte v) => NativeMethods.wechatpay_v3_notification_bool(h, n, l, out v)));
                if (NativeMethods.wechatpay_v3_notification_has_transaction(h))
                {
                    Transaction = new V3Transaction(new ViewReader(
                        (byte* n, UIntPtr l, out NativeStr v, out byte p) => NativeMethods.wechatpay_v3_transaction_text(h, n, l, out v, out p),
                        (byte* n, UIntPtr l, out ulong v, out byte p) => NativeMethods.wechatpay_v3_transaction_amount(h, n, l, out v, out p)));
                }
                if (NativeMethods.wechatpay_v3_notification_has_refund(h))
                {
                    Refund = new V3Refund(new ViewReader(
                        (byte* n, UIntPtr l, out NativeStr v, out byte p) => NativeMethods.wechatpay_v3_refund_text(h, n, l, out v, out p),
                        (byte* n, UIntPtr l, out ulong v, out byte p) => NativeMethods.wechatpay_v3_refund_amount(h, n, l, out v, out p)));
                }
                if (NativeMethods.wechatpay_v3_notification_has_profit_sharing(h))
                {
                    ProfitSharing = new V3ProfitSharing(new ViewReader(
                        (byte* n, UIntPtr l, out NativeStr v, out byte p) => NativeMethods.wechatpay_v3_profit_sharing_text(h, n, l, out v, out p),
                        (byte* n, UIntPtr l, out ulong v, out byte p) => NativeMethods.wechatpay_v3_profit_sharing_amount(h, n, l, out v, out p)));
                }
                if (NativeMethods.wechatpay_v3_notification_has_transfer(h))
                {
                    Transfer = new V3Transfer(new ViewReader(
                        (byte* n, UIntPtr l, out NativeStr v, out byte p) => NativeMethods.wechatpay_v3_transfer_text(h, n, l, out v, out p),
                        (byte* n, UIntPtr l, out ulong v, out byte p) => NativeMethods.wechatpay_v3_transfer_amount(h, n, l, out v, out p)));
                }
                if (NativeMethods.wechatpay_v3_notification_has_complaint(h))
                {
                    Complaint = new V3Complaint(new ViewReader(
                        (byte* n, UIntPtr l, out NativeStr v, out byte p) => NativeMethods.wechatpay_v3_complaint_text(h, n, l, out v, out p),
                        (byte* n, UIntPtr l, out ulong v, out byte p) => NativeMethods.wechatpay_v3_complaint_amount(h, n, l, out v, out p)));
                }
            }
        }

        /// <summary>The typed view of a <c>TRANSACTION.*</c> event; null for other events.</summary>
        public V3Transaction Transaction { get; }

        /// <summary>The typed view of a <c>REFUND.*</c> event; null for other events.</summary>
        public V3Refund Refund { get; }

        /// <summary>The typed view of a <c>PROFITSHARING.*</c> event; null for other events.</summary>
        public V3ProfitSharing ProfitSharing { get; }

        /// <summary>The typed view of a <c>MCHTRANSFER.BILL.*</c> event; null for other events.</summary>
        public V3Transfer Transfer { get; }

        /// <summary>The typed view of a <c>COMPLAINT.*</c> event; null for other events.</summary>
        public V3Complaint Complaint { get; }

        /// <summary>The native notification, freed as soon as its contents are copied (or borrowed
        /// from an endpoint result: read while the result is alive, never freed).</summary>
        internal sealed class Handle : NativeHandle
        {
            public Handle(IntPtr ptr, bool borrowed = false)
                : base(ptr, borrowed ? null : (Action<IntPtr>)NativeMethods.wechatpay_v3_notification_free)
            {
            }
        }
    }

    /// <summary>
    /// The typed view of a <c>TRANSACTION.*</c> resource, direct (<c>Appid</c>/<c>Mchid</c>) or
    /// service-provider (<c>SpAppid</c>/<c>SpMchid</c>/<c>SubAppid</c>/<c>SubMchid</c>) shape; its
    /// properties are generated from the core's declaration (Views.g.cs). Text properties are null
    /// when absent; amounts are in fen, null when absent (or <c>null</c>); an amount present in another
    /// form than a non-negative JSON integer (<c>100.0</c>, <c>1e2</c>, <c>-1</c>, beyond 2^64-1)
    /// throws <see cref="WechatPayNotifyException"/> <c>missing_field</c> when read.
    /// </summary>
    public sealed partial class V3Transaction
    {
        internal V3Transaction(ViewReader r)
        {
            ReadTypedProperties(r);
        }
    }

    /// <summary>
    /// The typed view of a <c>REFUND.*</c> resource (<c>REFUND.SUCCESS</c>, <c>REFUND.ABNORMAL</c>,
    /// <c>REFUND.CLOSED</c>); its properties are generated from the core's declaration (Views.g.cs).
    /// Text properties are null when absent; amounts are in fen, null when absent; an amount present
    /// in another form throws <see cref="WechatPayNotifyException"/> <c>missing_field</c> when read.
    /// </summary>
    public sealed partial class V3Refund
    {
        internal V3Refund(ViewReader r)
        {
            ReadTypedProperties(r);
        }
    }

    /// <summary>
    /// The typed view of a <c>PROFITSHARING.*</c> resource (<c>PROFITSHARING.SUCCESS</c>,
    /// <c>PROFITSHARING.RETURN</c>), direct or service-provider shape; its properties are generated
    /// from the core's declaration (Views.g.cs). Text properties are null when absent;
    /// <c>ReceiverAmount</c> is in fen, null when absent, and throws
    /// <see cref="WechatPayNotifyException"/> <c>missing_field</c> when read if present in another form.
    /// </summary>
    public sealed partial class V3ProfitSharing
    {
        internal V3ProfitSharing(ViewReader r)
        {
            ReadTypedProperties(r);
        }
    }

    /// <summary>
    /// The typed view of a <c>MCHTRANSFER.BILL.*</c> resource (<c>MCHTRANSFER.BILL.FINISHED</c>); its
    /// properties are generated from the core's declaration (Views.g.cs). Text properties are null
    /// when absent; <c>TransferAmount</c> is in fen, null when absent, and throws
    /// <see cref="WechatPayNotifyException"/> <c>missing_field</c> when read if present in another form.
    /// </summary>
    public sealed partial class V3Transfer
    {
        internal V3Transfer(ViewReader r)
        {
            ReadTypedProperties(r);
        }
    }

    /// <summary>
    /// The typed view of a <c>COMPLAINT.*</c> resource (<c>COMPLAINT.CREATE</c>,
    /// <c>COMPLAINT.STATE_CHANGE</c>); its properties are generated from the core's declaration
    /// (Views.g.cs). Text properties are null when absent.
    /// </summary>
    public sealed partial class V3Complaint
    {
        internal V3Complaint(ViewReader r)
        {
            ReadTypedProperties(r);
        }
    }
}
