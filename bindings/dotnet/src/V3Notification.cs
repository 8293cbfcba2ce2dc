using System;
using System.Text;

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
    /// are typed in <see cref="Transaction"/> and <see cref="Refund"/>.
    /// </remarks>
    public sealed class V3Notification
    {
        internal V3Notification(Handle h)
        {
            using (h)
            {
                Id = Native.Text<Handle>(h, NativeMethods.wechatpay_v3_notification_id);
                CreateTime = Native.Text<Handle>(h, NativeMethods.wechatpay_v3_notification_create_time);
                EventType = Native.Text<Handle>(h, NativeMethods.wechatpay_v3_notification_event_type);
                ResourceType = Native.Text<Handle>(h, NativeMethods.wechatpay_v3_notification_resource_type);
                Summary = Native.Text<Handle>(h, NativeMethods.wechatpay_v3_notification_summary);
                Plaintext = Native.Text<Handle>(h, NativeMethods.wechatpay_v3_notification_plaintext);
                DedupeKey = Native.Text<Handle>(h, NativeMethods.wechatpay_v3_notification_dedupe_key);
                IsSuccess = NativeMethods.wechatpay_v3_notification_is_success(h);
                if (Id == null || CreateTime == null || EventType == null || ResourceType == null || Summary == null ||
                    Plaintext == null || DedupeKey == null)
                {
                    throw WechatPayNotifyException.Internal("a verified notification lacks a required field");
                }
                if (NativeMethods.wechatpay_v3_notification_has_transaction(h))
                {
                    Transaction = new V3Transaction(new ViewReader(h, ViewReader.Kind.Transaction));
                }
                if (NativeMethods.wechatpay_v3_notification_has_refund(h))
                {
                    Refund = new V3Refund(new ViewReader(h, ViewReader.Kind.Refund));
                }
            }
        }

        /// <summary>The event <c>id</c> (a UUID).</summary>
        public string Id { get; }

        /// <summary><c>create_time</c>, exactly as received (not always RFC 3339).</summary>
        public string CreateTime { get; }

        /// <summary><c>event_type</c>, e.g. <c>TRANSACTION.SUCCESS</c>, <c>REFUND.SUCCESS</c>.</summary>
        public string EventType { get; }

        /// <summary><c>resource_type</c> (<c>encrypt-resource</c>).</summary>
        public string ResourceType { get; }

        /// <summary><c>summary</c>.</summary>
        public string Summary { get; }

        /// <summary>
        /// The decrypted resource: the exact JSON text (a JSON object) as decrypted. netstandard2.0 has
        /// no JSON parser; parse it with your own for fields the typed views do not cover.
        /// </summary>
        public string Plaintext { get; }

        /// <summary>The transaction's <c>trade_state</c> or the refund's <c>refund_status</c> is <c>SUCCESS</c>.</summary>
        public bool IsSuccess { get; }

        /// <summary>The idempotency key: record each notification once per key. A successful
        /// transaction's <c>transaction_id</c> (the same as its v2 delivery's);
        /// <c>transaction_id:TRADE_STATE</c> for one that did not succeed; <c>refund_id:STATUS</c> for
        /// refunds (e.g. <c>…:ABNORMAL</c>, then <c>…:SUCCESS</c>: a later state is not swallowed, and
        /// the v2 delivery of a state has the same key); the event <c>id</c> otherwise (and when the
        /// resource lacks its id). A refund's state only moves forward: never record it back from
        /// <c>SUCCESS</c> or <c>CLOSED</c>.</summary>
        public string DedupeKey { get; }

        /// <summary>The typed view of a <c>TRANSACTION.*</c> event; null for other events.</summary>
        public V3Transaction Transaction { get; }

        /// <summary>The typed view of a <c>REFUND.*</c> event; null for other events.</summary>
        public V3Refund Refund { get; }

        /// <inheritdoc />
        public override string ToString()
        {
            return "V3Notification(id=" + Id + ", event_type=" + EventType + ", dedupe_key=" + DedupeKey + ")";
        }

        /// <summary>The native notification, freed as soon as its contents are copied.</summary>
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
                NativeMethods.wechatpay_v3_notification_free(handle);
                return true;
            }
        }
    }

    /// <summary>
    /// Reads a typed view's properties by their snake_case names through the core's declaration
    /// (the C ABI's generic getters): the core decides where each one is in the resource and what
    /// counts as present.
    /// </summary>
    internal sealed unsafe class ViewReader
    {
        internal enum Kind
        {
            Transaction,
            Refund,
        }

        private readonly V3Notification.Handle handle;
        private readonly Kind kind;

        internal ViewReader(V3Notification.Handle handle, Kind kind)
        {
            this.handle = handle;
            this.kind = kind;
        }

        /// <summary>A text property; null when absent.</summary>
        internal string Text(string name)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(name);
            NativeStr value;
            byte present;
            fixed (byte* p = bytes)
            {
                Native.Check(kind == Kind.Transaction
                    ? NativeMethods.wechatpay_v3_transaction_text(handle, p, Native.Len(bytes), out value, out present)
                    : NativeMethods.wechatpay_v3_refund_text(handle, p, Native.Len(bytes), out value, out present));
            }
            return present != 0 ? Native.Decode(value) : null;
        }

        /// <summary>An amount in fen, null when absent, or the error reading it gave
        /// (<c>missing_field</c>: present in another form than a non-negative JSON integer), which
        /// the property throws.</summary>
        internal Typed<ulong?> Amount(string name)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(name);
            ulong value;
            byte present;
            IntPtr error;
            fixed (byte* p = bytes)
            {
                error = kind == Kind.Transaction
                    ? NativeMethods.wechatpay_v3_transaction_amount(handle, p, Native.Len(bytes), out value, out present)
                    : NativeMethods.wechatpay_v3_refund_amount(handle, p, Native.Len(bytes), out value, out present);
            }
            if (error != IntPtr.Zero) return Typed<ulong?>.Failed(Native.FromNative(error));
            return Typed<ulong?>.Of(present != 0 ? value : (ulong?)null);
        }
    }

    /// <summary>
    /// The typed view of a <c>TRANSACTION.*</c> resource, direct (<c>Appid</c>/<c>Mchid</c>) or
    /// service-provider (<c>SpAppid</c>/<c>SpMchid</c>/<c>SubAppid</c>/<c>SubMchid</c>) shape. Text
    /// properties are null when absent; amounts are in fen, null when absent (or <c>null</c>); an
    /// amount present in another form than a non-negative JSON integer (<c>100.0</c>, <c>1e2</c>,
    /// <c>-1</c>, beyond 2^64-1) throws <see cref="WechatPayNotifyException"/> <c>missing_field</c>
    /// when read.
    /// </summary>
    public sealed class V3Transaction
    {
        private readonly Typed<ulong?> amountTotal;
        private readonly Typed<ulong?> amountPayerTotal;

        internal V3Transaction(ViewReader r)
        {
            Appid = r.Text("appid");
            Mchid = r.Text("mchid");
            SpAppid = r.Text("sp_appid");
            SpMchid = r.Text("sp_mchid");
            SubAppid = r.Text("sub_appid");
            SubMchid = r.Text("sub_mchid");
            OutTradeNo = r.Text("out_trade_no");
            TransactionId = r.Text("transaction_id");
            TradeType = r.Text("trade_type");
            TradeState = r.Text("trade_state");
            TradeStateDesc = r.Text("trade_state_desc");
            BankType = r.Text("bank_type");
            Attach = r.Text("attach");
            SuccessTime = r.Text("success_time");
            PayerOpenid = r.Text("payer_openid");
            PayerSpOpenid = r.Text("payer_sp_openid");
            PayerSubOpenid = r.Text("payer_sub_openid");
            amountTotal = r.Amount("amount_total");
            amountPayerTotal = r.Amount("amount_payer_total");
            AmountCurrency = r.Text("amount_currency");
            AmountPayerCurrency = r.Text("amount_payer_currency");
        }

        /// <summary><c>appid</c> (direct merchants).</summary>
        public string Appid { get; }

        /// <summary><c>mchid</c> (direct merchants).</summary>
        public string Mchid { get; }

        /// <summary><c>sp_appid</c> (service provider).</summary>
        public string SpAppid { get; }

        /// <summary><c>sp_mchid</c> (service provider).</summary>
        public string SpMchid { get; }

        /// <summary><c>sub_appid</c> (sub-merchant).</summary>
        public string SubAppid { get; }

        /// <summary><c>sub_mchid</c> (sub-merchant).</summary>
        public string SubMchid { get; }

        /// <summary><c>out_trade_no</c>.</summary>
        public string OutTradeNo { get; }

        /// <summary><c>transaction_id</c>.</summary>
        public string TransactionId { get; }

        /// <summary><c>trade_type</c> (<c>JSAPI</c>, <c>NATIVE</c>, <c>APP</c>, …).</summary>
        public string TradeType { get; }

        /// <summary><c>trade_state</c> (<c>SUCCESS</c>, …).</summary>
        public string TradeState { get; }

        /// <summary><c>trade_state_desc</c>.</summary>
        public string TradeStateDesc { get; }

        /// <summary><c>bank_type</c>.</summary>
        public string BankType { get; }

        /// <summary><c>attach</c>.</summary>
        public string Attach { get; }

        /// <summary><c>success_time</c> (RFC 3339 as sent).</summary>
        public string SuccessTime { get; }

        /// <summary><c>payer.openid</c> (direct merchants).</summary>
        public string PayerOpenid { get; }

        /// <summary><c>payer.sp_openid</c> (service provider).</summary>
        public string PayerSpOpenid { get; }

        /// <summary><c>payer.sub_openid</c> (sub-merchant).</summary>
        public string PayerSubOpenid { get; }

        /// <summary><c>amount.total</c> in fen. Compare it with your order before fulfilling it.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: present in another form than a non-negative integer.</exception>
        public ulong? AmountTotal
        {
            get { return amountTotal.Value; }
        }

        /// <summary><c>amount.payer_total</c> in fen.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: present in another form than a non-negative integer.</exception>
        public ulong? AmountPayerTotal
        {
            get { return amountPayerTotal.Value; }
        }

        /// <summary><c>amount.currency</c>.</summary>
        public string AmountCurrency { get; }

        /// <summary><c>amount.payer_currency</c>.</summary>
        public string AmountPayerCurrency { get; }

        /// <inheritdoc />
        public override string ToString()
        {
            return "V3Transaction(transaction_id=" + TransactionId + ", amount_total=" + amountTotal + ")";
        }
    }

    /// <summary>
    /// The typed view of a <c>REFUND.*</c> resource (<c>REFUND.SUCCESS</c>, <c>REFUND.ABNORMAL</c>,
    /// <c>REFUND.CLOSED</c>). Text properties are null when absent; amounts are in fen, null when
    /// absent; an amount present in another form throws <see cref="WechatPayNotifyException"/>
    /// <c>missing_field</c> when read.
    /// </summary>
    public sealed class V3Refund
    {
        private readonly Typed<ulong?> amountTotal;
        private readonly Typed<ulong?> amountRefund;
        private readonly Typed<ulong?> amountPayerTotal;
        private readonly Typed<ulong?> amountPayerRefund;

        internal V3Refund(ViewReader r)
        {
            Mchid = r.Text("mchid");
            SpMchid = r.Text("sp_mchid");
            SubMchid = r.Text("sub_mchid");
            OutTradeNo = r.Text("out_trade_no");
            TransactionId = r.Text("transaction_id");
            OutRefundNo = r.Text("out_refund_no");
            RefundId = r.Text("refund_id");
            RefundStatus = r.Text("refund_status");
            SuccessTime = r.Text("success_time");
            UserReceivedAccount = r.Text("user_received_account");
            amountTotal = r.Amount("amount_total");
            amountRefund = r.Amount("amount_refund");
            amountPayerTotal = r.Amount("amount_payer_total");
            amountPayerRefund = r.Amount("amount_payer_refund");
        }

        /// <summary><c>mchid</c> (direct merchants).</summary>
        public string Mchid { get; }

        /// <summary><c>sp_mchid</c> (service provider).</summary>
        public string SpMchid { get; }

        /// <summary><c>sub_mchid</c> (sub-merchant).</summary>
        public string SubMchid { get; }

        /// <summary><c>out_trade_no</c>.</summary>
        public string OutTradeNo { get; }

        /// <summary><c>transaction_id</c>.</summary>
        public string TransactionId { get; }

        /// <summary><c>out_refund_no</c>.</summary>
        public string OutRefundNo { get; }

        /// <summary><c>refund_id</c>.</summary>
        public string RefundId { get; }

        /// <summary><c>refund_status</c> (<c>SUCCESS</c>, <c>CLOSED</c>, <c>ABNORMAL</c>).</summary>
        public string RefundStatus { get; }

        /// <summary><c>success_time</c>.</summary>
        public string SuccessTime { get; }

        /// <summary><c>user_received_account</c>.</summary>
        public string UserReceivedAccount { get; }

        /// <summary><c>amount.total</c> in fen.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: present in another form than a non-negative integer.</exception>
        public ulong? AmountTotal
        {
            get { return amountTotal.Value; }
        }

        /// <summary><c>amount.refund</c> in fen.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: present in another form than a non-negative integer.</exception>
        public ulong? AmountRefund
        {
            get { return amountRefund.Value; }
        }

        /// <summary><c>amount.payer_total</c> in fen.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: present in another form than a non-negative integer.</exception>
        public ulong? AmountPayerTotal
        {
            get { return amountPayerTotal.Value; }
        }

        /// <summary><c>amount.payer_refund</c> in fen.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: present in another form than a non-negative integer.</exception>
        public ulong? AmountPayerRefund
        {
            get { return amountPayerRefund.Value; }
        }

        /// <inheritdoc />
        public override string ToString()
        {
            return "V3Refund(refund_id=" + RefundId + ", amount_refund=" + amountRefund + ")";
        }
    }
}
