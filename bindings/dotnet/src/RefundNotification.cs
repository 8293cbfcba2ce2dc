using System;
using System.Collections.Generic;

namespace WechatPay.Notify
{
    /// <summary>
    /// A decrypted refund result notification. Immutable: everything is copied out of the native
    /// result when it is created. <see cref="Fields"/> is the outer document (with <c>req_info</c>
    /// still encrypted), <see cref="ReqInfo"/> the decrypted one, both in document order.
    /// </summary>
    /// <remarks>
    /// req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications of the
    /// same merchant can be cut and pasted into a third that passes every check. Treat a refund
    /// notification as a hint: confirm it with the refund query API before any irreversible action.
    /// A typed amount sent in another form than digits is not "absent": reading its property throws
    /// <see cref="WechatPayNotifyException"/> with <c>Code</c> <c>missing_field</c>.
    /// </remarks>
    public sealed class RefundNotification
    {
        private readonly Dictionary<string, string> byName;
        private readonly Dictionary<string, string> reqInfoByName;
        private readonly Typed<ulong?> totalFee;
        private readonly Typed<ulong?> refundFee;
        private readonly Typed<ulong?> settlementTotalFee;
        private readonly Typed<ulong?> settlementRefundFee;

        internal RefundNotification(Handle h)
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
                IsSuccess = NativeMethods.wechatpay_refund_is_success(h);
                DedupeKey = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_dedupe_key);
                Appid = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_appid);
                MchId = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_mch_id);
                TransactionId = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_transaction_id);
                OutTradeNo = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_out_trade_no);
                RefundId = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_refund_id);
                OutRefundNo = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_out_refund_no);
                RefundStatus = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_refund_status);
                SuccessTime = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_success_time);
                RefundRecvAccout = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_refund_recv_accout);
                RefundAccount = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_refund_account);
                RefundRequestSource = Native.Text<Handle>(h, NativeMethods.wechatpay_refund_refund_request_source);
                totalFee = Native.Amount<Handle>(h, NativeMethods.wechatpay_refund_total_fee);
                refundFee = Native.Amount<Handle>(h, NativeMethods.wechatpay_refund_refund_fee);
                settlementTotalFee = Native.Amount<Handle>(h, NativeMethods.wechatpay_refund_settlement_total_fee);
                settlementRefundFee = Native.Amount<Handle>(h, NativeMethods.wechatpay_refund_settlement_refund_fee);
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

        /// <summary><c>refund_status</c> is SUCCESS.</summary>
        public bool IsSuccess { get; }

        /// <summary>The idempotency key: record each notification once per key.
        /// <c>refund_id:STATUS</c> with the status in APIv3's words (<c>SUCCESS</c>; <c>CHANGE</c> reads
        /// as <c>ABNORMAL</c>, <c>REFUNDCLOSE</c> as <c>CLOSED</c>), so an <c>ABNORMAL</c> delivery does
        /// not swallow the later <c>SUCCESS</c> and the v2 and v3 deliveries of one state share a key.
        /// A refund's state only moves forward (<c>ABNORMAL</c> → <c>SUCCESS</c> or <c>CLOSED</c>):
        /// never record it back. Null without a <c>refund_id</c>.</summary>
        public string DedupeKey { get; }

        /// <summary>The outer <c>appid</c>. Null when absent.</summary>
        public string Appid { get; }

        /// <summary>The outer <c>mch_id</c>. Null when absent.</summary>
        public string MchId { get; }

        /// <summary><c>transaction_id</c> (decrypted). Null when absent.</summary>
        public string TransactionId { get; }

        /// <summary><c>out_trade_no</c> (decrypted). Null when absent.</summary>
        public string OutTradeNo { get; }

        /// <summary><c>refund_id</c> (decrypted). Null when absent.</summary>
        public string RefundId { get; }

        /// <summary><c>out_refund_no</c> (decrypted). Null when absent.</summary>
        public string OutRefundNo { get; }

        /// <summary><c>refund_status</c> (<c>SUCCESS</c> / <c>CHANGE</c> / <c>REFUNDCLOSE</c>). Null when absent.</summary>
        public string RefundStatus { get; }

        /// <summary><c>success_time</c> (yyyy-MM-dd HH:mm:ss). Null when absent.</summary>
        public string SuccessTime { get; }

        /// <summary><c>refund_recv_accout</c> (WeChat's spelling). Null when absent.</summary>
        public string RefundRecvAccout { get; }

        /// <summary><c>refund_account</c>. Null when absent.</summary>
        public string RefundAccount { get; }

        /// <summary><c>refund_request_source</c>. Null when absent.</summary>
        public string RefundRequestSource { get; }

        /// <summary><c>total_fee</c> in fen (decrypted); null when absent.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than digits.</exception>
        public ulong? TotalFee
        {
            get { return totalFee.Value; }
        }

        /// <summary><c>refund_fee</c> in fen; null when absent.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than digits.</exception>
        public ulong? RefundFee
        {
            get { return refundFee.Value; }
        }

        /// <summary><c>settlement_total_fee</c> in fen; null when absent.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than digits.</exception>
        public ulong? SettlementTotalFee
        {
            get { return settlementTotalFee.Value; }
        }

        /// <summary><c>settlement_refund_fee</c> in fen; null when absent.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than digits.</exception>
        public ulong? SettlementRefundFee
        {
            get { return settlementRefundFee.Value; }
        }

        /// <inheritdoc />
        public override string ToString()
        {
            return "RefundNotification(refund_id=" + RefundId + ", refund_fee=" + refundFee + ", dedupe_key=" + DedupeKey + ")";
        }

        /// <summary>The native refund, freed as soon as its contents are copied.</summary>
        internal sealed class Handle : NativeHandle
        {
            public Handle(IntPtr ptr) : base(ptr)
            {
            }

            private Handle(IntPtr ptr, bool ownsHandle) : base(ptr, ownsHandle)
            {
            }

            /// <summary>A notification borrowed from an endpoint result: read while the result is
            /// alive, never freed.</summary>
            public static Handle Borrowed(IntPtr ptr)
            {
                return new Handle(ptr, false);
            }

            protected override bool ReleaseHandle()
            {
                NativeMethods.wechatpay_refund_free(handle);
                return true;
            }
        }
    }
}
