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

        /// <inheritdoc />
        public override string ToString()
        {
            return "Coupon(" + Id + ", " + (CouponType ?? "null") + ", " + (Fee.HasValue ? Fee.Value.ToString() : "null") + ")";
        }
    }

    /// <summary>
    /// A verified payment result notification. Immutable: everything is copied out of the native
    /// result when it is created. <see cref="Fields"/> holds every element exactly as received, in
    /// document order; the typed properties (generated from the core's declaration, Views.g.cs) are
    /// read from the core by name.
    /// </summary>
    /// <remarks>A typed amount sent in another form than digits (<c>1.00</c>, <c>-1</c>) is not
    /// "absent": reading its property throws <see cref="WechatPayNotifyException"/> with
    /// <c>Code</c> <c>missing_field</c> (the notification and its other properties stay readable;
    /// <see cref="Fields"/> has the value exactly as sent).</remarks>
    public sealed partial class PaymentNotification
    {
        private readonly Dictionary<string, string> byName;

        internal unsafe PaymentNotification(Handle h)
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
                ReadTypedProperties(new ViewReader(
                    (byte* n, UIntPtr l, out NativeStr v, out byte p) => NativeMethods.wechatpay_payment_text(h, n, l, out v, out p),
                    (byte* n, UIntPtr l, out ulong v, out byte p) => NativeMethods.wechatpay_payment_amount(h, n, l, out v, out p),
                    (byte* n, UIntPtr l, out byte v) => NativeMethods.wechatpay_payment_bool(h, n, l, out v),
                    () => ReadCoupons(h)));
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

        /// <summary>The native payment, freed as soon as its contents are copied (or borrowed from an
        /// endpoint result: read while the result is alive, never freed).</summary>
        internal sealed class Handle : NativeHandle
        {
            public Handle(IntPtr ptr, bool borrowed = false)
                : base(ptr, borrowed ? null : (Action<IntPtr>)NativeMethods.wechatpay_payment_free)
            {
            }
        }
    }
}
