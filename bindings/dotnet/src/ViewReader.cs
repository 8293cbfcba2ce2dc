// Reads the typed views through the core's declaration: every typed property by its snake_case name
// with the C ABI's by-name getter of its kind. Views.g.cs (generated from typed_views.json) names the
// properties; nothing here does.
using System;
using System.Collections.Generic;
using System.Text;

namespace WechatPay.Notify
{
    /// <summary>
    /// One view of one native result (a payment, a refund, an APIv3 transaction or refund, an APIv3
    /// notification's or an endpoint result's own rules),
    /// read by property name: the core decides where each value comes from and what counts as present.
    /// </summary>
    internal sealed unsafe class ViewReader
    {
        /// <summary>A <c>..._text</c> getter bound to its handle.</summary>
        internal delegate IntPtr TextGetter(byte* name, UIntPtr nameLen, out NativeStr value, out byte present);

        /// <summary>An <c>..._amount</c> getter bound to its handle.</summary>
        internal delegate IntPtr AmountGetter(byte* name, UIntPtr nameLen, out ulong value, out byte present);

        /// <summary>A <c>..._bool</c> getter bound to its handle.</summary>
        internal delegate IntPtr BoolGetter(byte* name, UIntPtr nameLen, out byte value);

        private readonly TextGetter text;
        private readonly AmountGetter amount;
        private readonly BoolGetter flag;
        private readonly Func<Typed<IReadOnlyList<Coupon>>> coupons;

        /// <summary>A view with these getters; <paramref name="amount"/>, <paramref name="flag"/> and
        /// <paramref name="coupons"/> are null for a view without amount, bool or coupon properties.</summary>
        internal ViewReader(TextGetter text, AmountGetter amount, BoolGetter flag = null,
            Func<Typed<IReadOnlyList<Coupon>>> coupons = null)
        {
            this.text = text;
            this.amount = amount;
            this.flag = flag;
            this.coupons = coupons;
        }

        /// <summary>A text (or sign_type) property; null when absent.</summary>
        internal string Text(string name)
        {
            byte[] bytes = Native.Encode(name, "name");
            NativeStr value;
            byte present;
            fixed (byte* p = bytes)
            {
                Native.Check(text(p, Native.Len(bytes), out value, out present));
            }
            return present != 0 ? Native.Decode(value) : null;
        }

        /// <summary>A string property: the core always gives one, so an absent value is
        /// <c>internal</c>.</summary>
        internal string RequiredText(string name)
        {
            string value = Text(name);
            if (value == null) throw WechatPayNotifyException.Internal("the core gave no value for the string property " + name);
            return value;
        }

        /// <summary>An amount in fen, null when absent, or the error reading it gave
        /// (<c>missing_field</c>: present in another form than a non-negative integer), which the
        /// property throws.</summary>
        internal Typed<ulong?> Amount(string name)
        {
            if (amount == null) throw WechatPayNotifyException.Internal("this view has no amount property: " + name);
            byte[] bytes = Native.Encode(name, "name");
            ulong value;
            byte present;
            IntPtr error;
            fixed (byte* p = bytes)
            {
                error = amount(p, Native.Len(bytes), out value, out present);
            }
            if (error != IntPtr.Zero) return Typed<ulong?>.Failed(Native.FromNative(error));
            return Typed<ulong?>.Of(present != 0 ? value : (ulong?)null);
        }

        /// <summary>A bool property.</summary>
        internal bool Bool(string name)
        {
            if (flag == null) throw WechatPayNotifyException.Internal("this view has no bool property: " + name);
            byte[] bytes = Native.Encode(name, "name");
            byte value;
            fixed (byte* p = bytes)
            {
                Native.Check(flag(p, Native.Len(bytes), out value));
            }
            return value != 0;
        }

        /// <summary>The coupons, or the error listing them gave.</summary>
        internal Typed<IReadOnlyList<Coupon>> Coupons(string name)
        {
            if (coupons == null) throw WechatPayNotifyException.Internal("this view has no coupons property: " + name);
            return coupons();
        }

        // For the generated ToString: every value, never throwing.
        internal static void Show(StringBuilder s, string label, string value)
        {
            s.Append(label).Append(value ?? "null");
        }

        internal static void Show(StringBuilder s, string label, bool value)
        {
            s.Append(label).Append(value ? "true" : "false");
        }

        internal static void Show(StringBuilder s, string label, Typed<ulong?> value)
        {
            s.Append(label);
            if (value.ErrorCode != null) s.Append('<').Append(value.ErrorCode).Append('>');
            else s.Append(value.ValueOrDefault.HasValue ? value.ValueOrDefault.Value.ToString() : "null");
        }

        internal static void Show(StringBuilder s, string label, Typed<IReadOnlyList<Coupon>> value)
        {
            s.Append(label);
            if (value.ErrorCode != null) s.Append('<').Append(value.ErrorCode).Append('>');
            else s.Append('[').Append(string.Join(", ", value.ValueOrDefault)).Append(']');
        }
    }
}
