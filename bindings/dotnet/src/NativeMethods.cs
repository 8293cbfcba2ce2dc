// P/Invoke declarations for the C ABI (include/wechatpay_notify.h): every exported function, with
// the same parameters, each bool marshalled as one byte. `tools/bindgen/bindgen.py native --lang
// dotnet` (run by scripts/test-dotnet.sh) compares this file with the header. Every fallible function
// returns a wechatpay_error* (IntPtr.Zero on success) that Native.Check turns into a
// WechatPayNotifyException and frees.
using System;
using System.Runtime.InteropServices;

namespace WechatPay.Notify
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeStr
    {
        public IntPtr Data;
        public UIntPtr Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeField
    {
        public NativeStr Name;
        public NativeStr Value;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeCoupon
    {
        public NativeStr Id;
        public NativeStr CouponType;
        public byte HasCouponType;
        public ulong Fee;
        public byte HasFee;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeProperty
    {
        public NativeStr Name;
        public uint Kind;
        public NativeStr KindName;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeHttpReply
    {
        public ushort Status;
        public IntPtr ContentType;
        public NativeStr Body;
    }

    internal static unsafe class NativeMethods
    {
        private const string Lib = "wechatpay_notify";
        private const CallingConvention Cdecl = CallingConvention.Cdecl;

        // ---- library, errors, strings ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_version();

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_error_code(IntPtr error);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern uint wechatpay_error_number(IntPtr error);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_error_message(IntPtr error);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_error_free(IntPtr error);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_string_data(NativeString.Handle str);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_string_len(NativeString.Handle str);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_string_free(IntPtr str);

        // ---- sign and replies ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_sign(NativeField* fields, UIntPtr fieldsLen,
            byte* apiKey, UIntPtr apiKeyLen, byte* signType, UIntPtr signTypeLen, out IntPtr signature);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_string_to_sign(NativeField* fields, UIntPtr fieldsLen,
            out IntPtr str);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_reply_success();

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_reply_refusal();

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_reply_fail(byte* message, UIntPtr messageLen, out IntPtr reply);

        // ---- verifier ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_builder_new(byte* apiKey, UIntPtr apiKeyLen,
            byte* signType, UIntPtr signTypeLen, out IntPtr builder);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_builder_expect_appid(Verifier.BuilderHandle builder,
            byte* appid, UIntPtr appidLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_builder_expect_mch_id(Verifier.BuilderHandle builder,
            byte* mchId, UIntPtr mchIdLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_builder_also_accept(Verifier.BuilderHandle builder,
            byte* signType, UIntPtr signTypeLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_builder_max_body_bytes(Verifier.BuilderHandle builder,
            UIntPtr maxBodyBytes);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_builder_build(Verifier.BuilderHandle builder,
            out IntPtr verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_verifier_builder_free(IntPtr builder);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_new(byte* apiKey, UIntPtr apiKeyLen, byte* signType,
            UIntPtr signTypeLen, out IntPtr verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_verifier_free(IntPtr verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_verify_payment(Verifier.Handle verifier,
            byte* body, UIntPtr bodyLen, out IntPtr payment);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_verifier_decrypt_refund(Verifier.Handle verifier,
            byte* body, UIntPtr bodyLen, out IntPtr refund);

        // ---- payment ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_payment_field_count(PaymentNotification.Handle payment);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_payment_field(PaymentNotification.Handle payment, UIntPtr index,
            out NativeField field);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_payment_get(PaymentNotification.Handle payment, byte* name, UIntPtr nameLen,
            out NativeStr value);

        // The typed view, read by property name (the core's declaration); a bool output is one byte.
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_payment_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_payment_property(UIntPtr index, out NativeProperty property);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_payment_text(PaymentNotification.Handle payment, byte* name, UIntPtr nameLen,
            out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_payment_amount(PaymentNotification.Handle payment, byte* name, UIntPtr nameLen,
            out ulong value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_payment_bool(PaymentNotification.Handle payment, byte* name, UIntPtr nameLen,
            out byte value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_payment_is_success(PaymentNotification.Handle payment);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_payment_dedupe_key(PaymentNotification.Handle payment, out NativeStr value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_payment_coupons_len(PaymentNotification.Handle payment, out UIntPtr len);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_payment_coupon(PaymentNotification.Handle payment, UIntPtr index,
            out NativeCoupon coupon);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_payment_free(IntPtr payment);

        // ---- refund ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_refund_field_count(RefundNotification.Handle refund);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_refund_field(RefundNotification.Handle refund, UIntPtr index,
            out NativeField field);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_refund_get(RefundNotification.Handle refund, byte* name, UIntPtr nameLen,
            out NativeStr value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_refund_req_info_count(RefundNotification.Handle refund);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_refund_req_info_field(RefundNotification.Handle refund, UIntPtr index,
            out NativeField field);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_refund_req_info_get(RefundNotification.Handle refund, byte* name,
            UIntPtr nameLen, out NativeStr value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_refund_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_refund_property(UIntPtr index, out NativeProperty property);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_refund_text(RefundNotification.Handle refund, byte* name, UIntPtr nameLen,
            out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_refund_amount(RefundNotification.Handle refund, byte* name, UIntPtr nameLen,
            out ulong value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_refund_bool(RefundNotification.Handle refund, byte* name, UIntPtr nameLen,
            out byte value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_refund_is_success(RefundNotification.Handle refund);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_refund_dedupe_key(RefundNotification.Handle refund, out NativeStr value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_refund_free(IntPtr refund);

        // ---- trusted keys (rotation) ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_trusted_keys_new(out IntPtr keys);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_trusted_keys_add_trusted_key(TrustedKeys.Handle keys,
            byte* id, UIntPtr idLen, byte* pem, UIntPtr pemLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_trusted_keys_add_platform_certificate(TrustedKeys.Handle keys,
            byte* pem, UIntPtr pemLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_trusted_keys_add_public_key(TrustedKeys.Handle keys,
            byte* id, UIntPtr idLen, byte* pem, UIntPtr pemLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_trusted_keys_load_dir(byte* path, UIntPtr pathLen, out IntPtr keys);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_trusted_keys_count(TrustedKeys.Handle keys);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_trusted_keys_id(TrustedKeys.Handle keys, UIntPtr index, out NativeStr id);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_trusted_keys_free(IntPtr keys);

        // ---- APIv3 verifier ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_new(byte* apiV3Key, UIntPtr apiV3KeyLen, out IntPtr builder);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_add_trusted_key(V3Verifier.BuilderHandle builder,
            byte* id, UIntPtr idLen, byte* pem, UIntPtr pemLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_add_platform_certificate(V3Verifier.BuilderHandle builder,
            byte* pem, UIntPtr pemLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_add_public_key(V3Verifier.BuilderHandle builder,
            byte* id, UIntPtr idLen, byte* pem, UIntPtr pemLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_replace_trusted_keys(V3Verifier.BuilderHandle builder,
            TrustedKeys.Handle keys);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_expect_mch_id(V3Verifier.BuilderHandle builder,
            byte* mchId, UIntPtr mchIdLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_max_clock_skew(V3Verifier.BuilderHandle builder,
            ulong seconds);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_max_body_bytes(V3Verifier.BuilderHandle builder,
            UIntPtr maxBodyBytes);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_builder_build(V3Verifier.BuilderHandle builder,
            out IntPtr verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_v3_verifier_builder_free(IntPtr builder);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_v3_verifier_free(IntPtr verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_verify(V3Verifier.Handle verifier,
            NativeField* headers, UIntPtr headersLen, byte* body, UIntPtr bodyLen, ulong now, out IntPtr notification);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_verifier_trusts(V3Verifier.Handle verifier, byte* serial, UIntPtr serialLen);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_replace_trusted_keys(V3Verifier.Handle verifier,
            TrustedKeys.Handle keys);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_verifier_trusted_keys(V3Verifier.Handle verifier, out IntPtr keys);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_verifier_trusted_key_count(V3Verifier.Handle verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_verifier_trusted_key_id(V3Verifier.Handle verifier, UIntPtr index,
            out NativeStr id);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_verifier_expected_mch_id_count(V3Verifier.Handle verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_verifier_expected_mch_id(V3Verifier.Handle verifier, UIntPtr index,
            out NativeStr mchId);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern ulong wechatpay_v3_verifier_max_clock_skew(V3Verifier.Handle verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_verifier_max_body_bytes(V3Verifier.Handle verifier);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern ulong wechatpay_unix_now();

        // ---- APIv3 notification ----
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_id(V3Notification.Handle n, out NativeStr value);
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_create_time(V3Notification.Handle n, out NativeStr value);
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_event_type(V3Notification.Handle n, out NativeStr value);
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_resource_type(V3Notification.Handle n, out NativeStr value);
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_summary(V3Notification.Handle n, out NativeStr value);
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_plaintext(V3Notification.Handle n, out NativeStr value);
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_dedupe_key(V3Notification.Handle n, out NativeStr value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_is_success(V3Notification.Handle n);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_has_transaction(V3Notification.Handle n);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_has_refund(V3Notification.Handle n);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_has_profit_sharing(V3Notification.Handle n);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_has_transfer(V3Notification.Handle n);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_has_complaint(V3Notification.Handle n);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_v3_notification_free(IntPtr notification);

        // The typed views, read by property name (the core's declaration); the bool is written as one byte.
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_transaction_text(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_transaction_amount(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out ulong value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_refund_text(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_refund_amount(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out ulong value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_transaction_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_transaction_property(UIntPtr index, out NativeProperty property);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_notification_text(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_notification_bool(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out byte value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_notification_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_notification_property(UIntPtr index, out NativeProperty property);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_refund_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_refund_property(UIntPtr index, out NativeProperty property);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_profit_sharing_text(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_profit_sharing_amount(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out ulong value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_profit_sharing_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_profit_sharing_property(UIntPtr index, out NativeProperty property);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_transfer_text(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_transfer_amount(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out ulong value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_transfer_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_transfer_property(UIntPtr index, out NativeProperty property);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_complaint_text(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_complaint_amount(V3Notification.Handle n, byte* name, UIntPtr nameLen,
            out ulong value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_v3_complaint_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_v3_complaint_property(UIntPtr index, out NativeProperty property);

        // ---- APIv3 replies ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_reply_success(out NativeHttpReply reply);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_http_reply_cgi(ref NativeHttpReply reply, out IntPtr cgi);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v2_reply_success(out NativeHttpReply reply);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v2_reply_fail_code(byte* code, UIntPtr codeLen, out NativeHttpReply reply);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_reply_fail(IntPtr error, out NativeHttpReply reply);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_v3_reply_fail_code(byte* code, UIntPtr codeLen, out NativeHttpReply reply);

        // ---- endpoint (many merchants, both versions) ----
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_builder_new(out IntPtr builder);

        // v2 and v3 are verifier handles or IntPtr.Zero (none): the caller holds a reference on each
        // SafeHandle for the duration of the call (Endpoint.AddProfile).
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_builder_add_profile(Endpoint.BuilderHandle builder,
            byte* label, UIntPtr labelLen, IntPtr v2, IntPtr v3);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_builder_add_profile_with_mch_id(Endpoint.BuilderHandle builder,
            byte* label, UIntPtr labelLen, byte* mchId, UIntPtr mchIdLen, IntPtr v2, IntPtr v3);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_builder_build(Endpoint.BuilderHandle builder, out IntPtr endpoint);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_endpoint_builder_free(IntPtr builder);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_from_profiles_file(byte* path, UIntPtr pathLen, out IntPtr endpoint);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_replace_trusted_keys(Endpoint.EndpointHandle endpoint,
            byte* label, UIntPtr labelLen, TrustedKeys.Handle keys);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_trusted_keys(Endpoint.EndpointHandle endpoint,
            byte* label, UIntPtr labelLen, out IntPtr keys);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_endpoint_free(IntPtr endpoint);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_endpoint_profile_count(Endpoint.EndpointHandle endpoint);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_endpoint_label(Endpoint.EndpointHandle endpoint, UIntPtr index, out NativeStr label);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_handle(Endpoint.EndpointHandle endpoint, NativeField* headers,
            UIntPtr headersLen, byte* body, UIntPtr bodyLen, ulong now, out IntPtr result);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_request_version(NativeField* headers, UIntPtr headersLen, out uint version);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_internal_error_reply(NativeField* headers, UIntPtr headersLen,
            out NativeHttpReply reply);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern void wechatpay_endpoint_result_free(IntPtr result);

        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_endpoint_result_label(EndpointResult.Handle result, out NativeStr value);
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_endpoint_result_kind(EndpointResult.Handle result, out NativeStr value);
        [DllImport(Lib, CallingConvention = Cdecl)] [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_endpoint_result_dedupe_key(EndpointResult.Handle result, out NativeStr value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern uint wechatpay_endpoint_result_version(EndpointResult.Handle result);

        // The result's typed view, read by property name (the core's declaration).
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_result_text(EndpointResult.Handle result, byte* name,
            UIntPtr nameLen, out NativeStr value, out byte present);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_result_bool(EndpointResult.Handle result, byte* name,
            UIntPtr nameLen, out byte value);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern UIntPtr wechatpay_endpoint_result_property_count();

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_endpoint_result_property(UIntPtr index, out NativeProperty property);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_endpoint_result_is_success(EndpointResult.Handle result);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_endpoint_result_reply(EndpointResult.Handle result, out NativeHttpReply reply);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_endpoint_result_internal_error_reply(EndpointResult.Handle result,
            out NativeHttpReply reply);

        // Borrowed from the result (never freed): IntPtr.Zero when the result is another kind.
        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_result_payment(EndpointResult.Handle result);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_result_refund(EndpointResult.Handle result);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern IntPtr wechatpay_endpoint_result_v3(EndpointResult.Handle result);

        // What an endpoint decided before refusing a request, read from its error.
        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_error_endpoint_reply(IntPtr error, out NativeHttpReply reply);

        [DllImport(Lib, CallingConvention = Cdecl)]
        public static extern uint wechatpay_error_endpoint_version(IntPtr error);

        [DllImport(Lib, CallingConvention = Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool wechatpay_error_endpoint_label(IntPtr error, out NativeStr label);
    }
}
