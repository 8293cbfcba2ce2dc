using System;
using System.Collections.Generic;

namespace WechatPay.Notify
{
    /// <summary>One coupon applied to a payment (<c>coupon_id_$n</c>, <c>coupon_type_$n</c>, <c>coupon_fee_$n</c>).</summary>
    public sealed class Coupon
    {
        internal Coupon(string id, string couponType, ulong? fee)
        {
            Id = id;
            CouponType = couponType;
            Fee = fee;
        }

        /// <summary><c>coupon_id_$n</c>.</summary>
        public string Id { get; }

        /// <summary><c>coupon_type_$n</c> (<c>CASH</c> / <c>NO_CASH</c>); null when not sent.</summary>
        public string CouponType { get; }

        /// <summary><c>coupon_fee_$n</c> in fen; null when not sent. (A fee sent in another form than
        /// digits makes <see cref="PaymentNotification.Coupons"/> throw <c>missing_field</c>.)</summary>
        public ulong? Fee { get; }
    }

    /// <summary>
    /// A verified payment result notification. Immutable: everything is copied out of the native
    /// result when it is created. <see cref="Fields"/> holds every element exactly as received, in
    /// document order; the typed properties come from the core's accessors.
    /// </summary>
    /// <remarks>A typed amount sent in another form than digits (<c>1.00</c>, <c>-1</c>) is not
    /// "absent": reading its property throws <see cref="WechatPayNotifyException"/> with
    /// <c>Code</c> <c>missing_field</c> (the notification and its other properties stay readable;
    /// <see cref="Fields"/> has the value exactly as sent).</remarks>
    public sealed class PaymentNotification
    {
        private readonly Dictionary<string, string> byName;
        private readonly Typed<ulong?> totalFee;
        private readonly Typed<ulong?> settlementTotalFee;
        private readonly Typed<ulong?> cashFee;
        private readonly Typed<ulong?> couponFee;
        private readonly Typed<ulong?> couponCount;
        private readonly Typed<IReadOnlyList<Coupon>> coupons;

        internal PaymentNotification(Handle h)
        {
            using (h)
            {
                ulong count = NativeMethods.wechatpay_payment_field_count(h).ToUInt64();
                Fields = Native.Fields(count, i =>
                {
                    NativeField f;
                    return NativeMethods.wechatpay_payment_field(h, i, out f) ? f : (NativeField?)null;
                }).AsReadOnly();
                byName = Lookup(Fields);
                IsSuccess = NativeMethods.wechatpay_payment_is_success(h);
                SignType = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_sign_type);
                DedupeKey = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_dedupe_key);
                Appid = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_appid);
                MchId = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_mch_id);
                SubAppid = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_sub_appid);
                SubMchId = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_sub_mch_id);
                DeviceInfo = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_device_info);
                NonceStr = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_nonce_str);
                ResultCode = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_result_code);
                ErrCode = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_err_code);
                ErrCodeDes = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_err_code_des);
                Openid = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_openid);
                IsSubscribe = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_is_subscribe);
                TradeType = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_trade_type);
                BankType = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_bank_type);
                FeeType = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_fee_type);
                CashFeeType = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_cash_fee_type);
                TransactionId = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_transaction_id);
                OutTradeNo = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_out_trade_no);
                Attach = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_attach);
                TimeEnd = Native.Text<Handle>(h, NativeMethods.wechatpay_payment_time_end);
                totalFee = Native.Amount<Handle>(h, NativeMethods.wechatpay_payment_total_fee);
                settlementTotalFee = Native.Amount<Handle>(h, NativeMethods.wechatpay_payment_settlement_total_fee);
                cashFee = Native.Amount<Handle>(h, NativeMethods.wechatpay_payment_cash_fee);
                couponFee = Native.Amount<Handle>(h, NativeMethods.wechatpay_payment_coupon_fee);
                couponCount = Native.Amount<Handle>(h, NativeMethods.wechatpay_payment_coupon_count);
                coupons = ReadCoupons(h);
            }
        }

        /// <summary>The coupons, or the error listing them gave (a count or fee that is not an amount).</summary>
        private static Typed<IReadOnlyList<Coupon>> ReadCoupons(Handle h)
        {
            UIntPtr len;
            IntPtr error = NativeMethods.wechatpay_payment_coupons_len(h, out len);
            if (error != IntPtr.Zero) return Typed<IReadOnlyList<Coupon>>.Failed(Native.FromNative(error));
            var list = new List<Coupon>();
            for (ulong i = 0; i < len.ToUInt64(); i++)
            {
                NativeCoupon c;
                Native.Check(NativeMethods.wechatpay_payment_coupon(h, new UIntPtr(i), out c));
                list.Add(new Coupon(
                    Native.Decode(c.Id),
                    c.HasCouponType != 0 ? Native.Decode(c.CouponType) : null,
                    c.HasFee != 0 ? c.Fee : (ulong?)null));
            }
            return Typed<IReadOnlyList<Coupon>>.Of(list.AsReadOnly());
        }

        internal static Dictionary<string, string> Lookup(IReadOnlyList<KeyValuePair<string, string>> fields)
        {
            // Names are unique: the core refuses a repeated element (duplicate_field).
            var map = new Dictionary<string, string>(fields.Count, StringComparer.Ordinal);
            foreach (var pair in fields) map[pair.Key] = pair.Value;
            return map;
        }

        /// <summary>Every child element exactly as received, in document order (<c>sign</c> and empty ones included).</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

        /// <summary>The value of the field <paramref name="name"/>, or null when absent (an empty element is "").</summary>
        public string Get(string name)
        {
            string value;
            return TryGetField(name, out value) ? value : null;
        }

        /// <summary>Looks a field up by name.</summary>
        public bool TryGetField(string name, out string value)
        {
            if (name == null) throw new ArgumentNullException("name");
            return byName.TryGetValue(name, out value);
        }

        /// <summary><c>return_code</c> and <c>result_code</c> are both SUCCESS. Acknowledge a verified
        /// notification with <see cref="Reply.Success"/> even when this is false.</summary>
        public bool IsSuccess { get; }

        /// <summary>The algorithm the signature verified with (<c>MD5</c> / <c>HMAC-SHA256</c>).</summary>
        public string SignType { get; }

        /// <summary>The idempotency key: record each notification once per key. A successful
        /// payment's <c>transaction_id</c> (the same as its APIv3 delivery's); for a payment that did
        /// not succeed, <c>transaction_id:RESULT_CODE</c> (e.g. <c>4200000001:FAIL</c>), so a later
        /// success is not swallowed by the earlier failure. Null without a <c>transaction_id</c>.</summary>
        public string DedupeKey { get; }

        /// <summary>The coupons from <c>coupon_{type,id,fee}_$n</c> (indices below <c>coupon_count</c>
        /// with a <c>coupon_id_$n</c>).</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: <c>coupon_count</c> or a
        /// <c>coupon_fee_$n</c> was sent in another form than digits.</exception>
        public IReadOnlyList<Coupon> Coupons
        {
            get { return coupons.Value; }
        }

        /// <summary><c>appid</c>. Null when absent.</summary>
        public string Appid { get; }

        /// <summary><c>mch_id</c>. Null when absent.</summary>
        public string MchId { get; }

        /// <summary><c>sub_appid</c> (service-provider mode). Null when absent.</summary>
        public string SubAppid { get; }

        /// <summary><c>sub_mch_id</c> (service-provider mode). Null when absent.</summary>
        public string SubMchId { get; }

        /// <summary><c>device_info</c>. Null when absent.</summary>
        public string DeviceInfo { get; }

        /// <summary><c>nonce_str</c>. Null when absent.</summary>
        public string NonceStr { get; }

        /// <summary><c>result_code</c> (<c>SUCCESS</c> / <c>FAIL</c>). Null when absent.</summary>
        public string ResultCode { get; }

        /// <summary><c>err_code</c>. Null when absent.</summary>
        public string ErrCode { get; }

        /// <summary><c>err_code_des</c>. Null when absent.</summary>
        public string ErrCodeDes { get; }

        /// <summary><c>openid</c>. Null when absent.</summary>
        public string Openid { get; }

        /// <summary><c>is_subscribe</c>. Null when absent.</summary>
        public string IsSubscribe { get; }

        /// <summary><c>trade_type</c>. Null when absent.</summary>
        public string TradeType { get; }

        /// <summary><c>bank_type</c>. Null when absent.</summary>
        public string BankType { get; }

        /// <summary><c>fee_type</c>. Null when absent.</summary>
        public string FeeType { get; }

        /// <summary><c>cash_fee_type</c>. Null when absent.</summary>
        public string CashFeeType { get; }

        /// <summary><c>transaction_id</c>. Null when absent.</summary>
        public string TransactionId { get; }

        /// <summary><c>out_trade_no</c>. Null when absent.</summary>
        public string OutTradeNo { get; }

        /// <summary><c>attach</c>. Null when absent.</summary>
        public string Attach { get; }

        /// <summary><c>time_end</c> (yyyyMMddHHmmss, Beijing time). Null when absent.</summary>
        public string TimeEnd { get; }

        /// <summary><c>total_fee</c> in fen; null when absent (or empty). Compare it with your order
        /// before fulfilling it.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than
        /// ASCII digits within 2^64-1.</exception>
        public ulong? TotalFee
        {
            get { return totalFee.Value; }
        }

        /// <summary><c>settlement_total_fee</c> in fen; null when absent.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than digits.</exception>
        public ulong? SettlementTotalFee
        {
            get { return settlementTotalFee.Value; }
        }

        /// <summary><c>cash_fee</c> in fen; null when absent.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than digits.</exception>
        public ulong? CashFee
        {
            get { return cashFee.Value; }
        }

        /// <summary><c>coupon_fee</c> in fen; null when absent.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than digits.</exception>
        public ulong? CouponFee
        {
            get { return couponFee.Value; }
        }

        /// <summary><c>coupon_count</c>; null when absent.</summary>
        /// <exception cref="WechatPayNotifyException"><c>missing_field</c>: sent in another form than digits.</exception>
        public ulong? CouponCount
        {
            get { return couponCount.Value; }
        }

        /// <inheritdoc />
        public override string ToString()
        {
            return "PaymentNotification(transaction_id=" + TransactionId + ", total_fee=" + totalFee + ", dedupe_key=" + DedupeKey + ")";
        }

        /// <summary>The native payment, freed as soon as its contents are copied.</summary>
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
                NativeMethods.wechatpay_payment_free(handle);
                return true;
            }
        }
    }
}
