package io.github.wechatpay_notify;

/**
 * Every function of {@code include/wechatpay_notify.h}, bound with JNA's direct mapping
 * ({@code Native.register}: no proxy, no reflection per call). Checked against the header by
 * {@code tools/bindgen/bindgen.py native --lang java} (run by {@code scripts/test-java.sh}): every
 * exported function declared and nothing else, the same arity, and Java types that pass as the C
 * types do on a 64-bit platform (the binding refuses to load on any other):
 *
 * <ul>
 *   <li>every pointer (a handle, an output, a borrowed or static string) is a {@code long} address;
 *       an input of bytes ({@code const char *}, {@code const uint8_t *}) may also be a
 *       {@code byte[]}, which JNA passes as a pointer to a copy of the array for the call;</li>
 *   <li>{@code size_t} and {@code uint64_t} are {@code long}; {@code uint32_t} and the enums
 *       ({@code #[repr(u32)]}) {@code int}; {@code uint16_t} {@code short};</li>
 *   <li>C's one-byte {@code bool} is {@code byte}, as a parameter and as a return value (JNA's
 *       {@code boolean} is a four-byte int: reading a C {@code bool} return as one would look at
 *       bits the callee never set).</li>
 * </ul>
 *
 * <p>The structs the C ABI writes ({@code wechatpay_str}, {@code wechatpay_field},
 * {@code wechatpay_coupon}, {@code wechatpay_property}, {@code wechatpay_http_reply}) are read at
 * the offsets of {@link Layout}, which the same check compares with the header's declarations.
 */
final class NativeMethods {
    private NativeMethods() {
    }

    static {
        NativeLoader.register(NativeMethods.class);
        NativeLoader.checkVersion(wechatpay_version());
    }

    /** Offsets and sizes of the header's structs on a 64-bit platform (checked against the header). */
    static final class Layout {
        private Layout() {
        }

        /** {@code struct wechatpay_str}: {@code const char *data; size_t len;}. */
        static final int STR_DATA = 0;
        static final int STR_LEN = 8;
        static final int STR_SIZE = 16;

        /** {@code struct wechatpay_field}: two {@code wechatpay_str}. */
        static final int FIELD_NAME = 0;
        static final int FIELD_VALUE = 16;
        static final int FIELD_SIZE = 32;

        /** {@code struct wechatpay_property}. */
        static final int PROPERTY_NAME = 0;
        static final int PROPERTY_KIND = 16;
        static final int PROPERTY_KIND_NAME = 24;
        static final int PROPERTY_SIZE = 40;

        /** {@code struct wechatpay_coupon}. */
        static final int COUPON_ID = 0;
        static final int COUPON_COUPON_TYPE = 16;
        static final int COUPON_HAS_COUPON_TYPE = 32;
        static final int COUPON_FEE = 40;
        static final int COUPON_HAS_FEE = 48;
        static final int COUPON_SIZE = 56;

        /** {@code struct wechatpay_http_reply}. */
        static final int HTTP_REPLY_STATUS = 0;
        static final int HTTP_REPLY_CONTENT_TYPE = 8;
        static final int HTTP_REPLY_BODY = 16;
        static final int HTTP_REPLY_SIZE = 32;
    }

    // ---- library, errors ----

    static native long wechatpay_version();

    static native long wechatpay_error_code(long error);

    static native int wechatpay_error_number(long error);

    static native long wechatpay_error_message(long error);

    static native void wechatpay_error_free(long error);

    // ---- v2 payment ----

    static native long wechatpay_payment_field_count(long payment);

    static native byte wechatpay_payment_field(long payment, long index, long fieldOut);

    static native byte wechatpay_payment_get(long payment, byte[] name, long nameLen, long valueOut);

    static native long wechatpay_payment_property_count();

    static native byte wechatpay_payment_property(long index, long propertyOut);

    static native long wechatpay_payment_text(long payment, byte[] name, long nameLen, long valueOut, long presentOut);

    static native long wechatpay_payment_amount(long payment, byte[] name, long nameLen, long valueOut, long presentOut);

    static native long wechatpay_payment_bool(long payment, byte[] name, long nameLen, long valueOut);

    static native byte wechatpay_payment_is_success(long payment);

    static native byte wechatpay_payment_dedupe_key(long payment, long valueOut);

    static native long wechatpay_payment_coupons_len(long payment, long lenOut);

    static native long wechatpay_payment_coupon(long payment, long index, long couponOut);

    static native void wechatpay_payment_free(long payment);

    // ---- v2 refund ----

    static native long wechatpay_refund_field_count(long refund);

    static native byte wechatpay_refund_field(long refund, long index, long fieldOut);

    static native byte wechatpay_refund_get(long refund, byte[] name, long nameLen, long valueOut);

    static native long wechatpay_refund_req_info_count(long refund);

    static native byte wechatpay_refund_req_info_field(long refund, long index, long fieldOut);

    static native byte wechatpay_refund_req_info_get(long refund, byte[] name, long nameLen, long valueOut);

    static native long wechatpay_refund_property_count();

    static native byte wechatpay_refund_property(long index, long propertyOut);

    static native long wechatpay_refund_text(long refund, byte[] name, long nameLen, long valueOut, long presentOut);

    static native long wechatpay_refund_amount(long refund, byte[] name, long nameLen, long valueOut, long presentOut);

    static native long wechatpay_refund_bool(long refund, byte[] name, long nameLen, long valueOut);

    static native byte wechatpay_refund_is_success(long refund);

    static native byte wechatpay_refund_dedupe_key(long refund, long valueOut);

    static native void wechatpay_refund_free(long refund);

    // ---- signing, replies, owned strings ----

    static native long wechatpay_sign(long fields, long fieldsLen, long apiKey, long apiKeyLen, byte[] signType,
            long signTypeLen, long signatureOut);

    static native long wechatpay_string_to_sign(long fields, long fieldsLen, long stringOut);

    static native long wechatpay_reply_success();

    static native long wechatpay_reply_refusal();

    static native long wechatpay_reply_fail(byte[] message, long messageLen, long replyOut);

    static native long wechatpay_string_data(long string);

    static native long wechatpay_string_len(long string);

    static native void wechatpay_string_free(long string);

    // ---- APIv3 notification ----

    static native byte wechatpay_v3_notification_id(long notification, long valueOut);

    static native byte wechatpay_v3_notification_create_time(long notification, long valueOut);

    static native byte wechatpay_v3_notification_event_type(long notification, long valueOut);

    static native byte wechatpay_v3_notification_resource_type(long notification, long valueOut);

    static native byte wechatpay_v3_notification_summary(long notification, long valueOut);

    static native byte wechatpay_v3_notification_plaintext(long notification, long valueOut);

    static native byte wechatpay_v3_notification_dedupe_key(long notification, long valueOut);

    static native byte wechatpay_v3_notification_is_success(long notification);

    static native byte wechatpay_v3_notification_has_transaction(long notification);

    static native byte wechatpay_v3_notification_has_refund(long notification);

    static native byte wechatpay_v3_notification_has_profit_sharing(long notification);

    static native byte wechatpay_v3_notification_has_transfer(long notification);

    static native byte wechatpay_v3_notification_has_complaint(long notification);

    static native void wechatpay_v3_notification_free(long notification);

    static native long wechatpay_v3_transaction_text(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_transaction_amount(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_transaction_property_count();

    static native byte wechatpay_v3_transaction_property(long index, long propertyOut);

    static native long wechatpay_v3_refund_text(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_refund_amount(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_notification_text(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_notification_bool(long notification, byte[] name, long nameLen, long valueOut);

    static native long wechatpay_v3_notification_property_count();

    static native byte wechatpay_v3_notification_property(long index, long propertyOut);

    static native long wechatpay_v3_refund_property_count();

    static native byte wechatpay_v3_refund_property(long index, long propertyOut);

    static native long wechatpay_v3_profit_sharing_text(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_profit_sharing_amount(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_profit_sharing_property_count();

    static native byte wechatpay_v3_profit_sharing_property(long index, long propertyOut);

    static native long wechatpay_v3_transfer_text(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_transfer_amount(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_transfer_property_count();

    static native byte wechatpay_v3_transfer_property(long index, long propertyOut);

    static native long wechatpay_v3_complaint_text(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_complaint_amount(long notification, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_v3_complaint_property_count();

    static native byte wechatpay_v3_complaint_property(long index, long propertyOut);

    static native long wechatpay_v3_reply_success(long replyOut);

    static native long wechatpay_http_reply_cgi(long reply, long cgiOut);

    static native long wechatpay_v2_reply_success(long replyOut);

    static native long wechatpay_v2_reply_fail_code(byte[] code, long codeLen, long replyOut);

    static native long wechatpay_v3_reply_fail(long error, long replyOut);

    static native long wechatpay_v3_reply_fail_code(byte[] code, long codeLen, long replyOut);

    // ---- trusted keys (rotation) ----

    static native long wechatpay_trusted_keys_new(long keysOut);

    static native long wechatpay_trusted_keys_add_trusted_key(long keys, byte[] id, long idLen, byte[] pem, long pemLen);

    static native long wechatpay_trusted_keys_add_platform_certificate(long keys, byte[] pem, long pemLen);

    static native long wechatpay_trusted_keys_add_public_key(long keys, byte[] id, long idLen, byte[] pem, long pemLen);

    static native long wechatpay_trusted_keys_load_dir(byte[] path, long pathLen, long keysOut);

    static native long wechatpay_trusted_keys_count(long keys);

    static native byte wechatpay_trusted_keys_id(long keys, long index, long idOut);

    static native void wechatpay_trusted_keys_free(long keys);

    // ---- APIv3 verifier ----

    static native long wechatpay_v3_verifier_builder_new(long apiV3Key, long apiV3KeyLen, long builderOut);

    static native long wechatpay_v3_verifier_builder_add_trusted_key(long builder, byte[] id, long idLen, byte[] pem,
            long pemLen);

    static native long wechatpay_v3_verifier_builder_add_platform_certificate(long builder, byte[] pem, long pemLen);

    static native long wechatpay_v3_verifier_builder_add_public_key(long builder, byte[] id, long idLen, byte[] pem,
            long pemLen);

    static native long wechatpay_v3_verifier_builder_replace_trusted_keys(long builder, long keys);

    static native long wechatpay_v3_verifier_builder_expect_mch_id(long builder, byte[] mchId, long mchIdLen);

    static native long wechatpay_v3_verifier_builder_max_clock_skew(long builder, long seconds);

    static native long wechatpay_v3_verifier_builder_max_body_bytes(long builder, long maxBodyBytes);

    static native long wechatpay_v3_verifier_builder_build(long builder, long verifierOut);

    static native void wechatpay_v3_verifier_builder_free(long builder);

    static native void wechatpay_v3_verifier_free(long verifier);

    static native long wechatpay_v3_verifier_verify(long verifier, long headers, long headersLen, byte[] body,
            long bodyLen, long now, long notificationOut);

    static native byte wechatpay_v3_verifier_trusts(long verifier, byte[] serial, long serialLen);

    static native long wechatpay_v3_verifier_replace_trusted_keys(long verifier, long keys);

    static native long wechatpay_v3_verifier_trusted_keys(long verifier, long keysOut);

    static native long wechatpay_v3_verifier_trusted_key_count(long verifier);

    static native byte wechatpay_v3_verifier_trusted_key_id(long verifier, long index, long idOut);

    static native long wechatpay_v3_verifier_expected_mch_id_count(long verifier);

    static native byte wechatpay_v3_verifier_expected_mch_id(long verifier, long index, long mchIdOut);

    static native long wechatpay_v3_verifier_max_clock_skew(long verifier);

    static native long wechatpay_v3_verifier_max_body_bytes(long verifier);

    static native long wechatpay_unix_now();

    // ---- v2 verifier ----

    static native long wechatpay_verifier_builder_new(long apiKey, long apiKeyLen, byte[] signType, long signTypeLen,
            long builderOut);

    static native long wechatpay_verifier_builder_expect_appid(long builder, byte[] appid, long appidLen);

    static native long wechatpay_verifier_builder_expect_mch_id(long builder, byte[] mchId, long mchIdLen);

    static native long wechatpay_verifier_builder_also_accept(long builder, byte[] signType, long signTypeLen);

    static native long wechatpay_verifier_builder_max_body_bytes(long builder, long maxBodyBytes);

    static native long wechatpay_verifier_builder_build(long builder, long verifierOut);

    static native void wechatpay_verifier_builder_free(long builder);

    static native long wechatpay_verifier_new(long apiKey, long apiKeyLen, byte[] signType, long signTypeLen,
            long verifierOut);

    static native void wechatpay_verifier_free(long verifier);

    static native long wechatpay_verifier_verify_payment(long verifier, byte[] body, long bodyLen, long paymentOut);

    static native long wechatpay_verifier_decrypt_refund(long verifier, byte[] body, long bodyLen, long refundOut);

    // ---- endpoint ----

    static native long wechatpay_endpoint_builder_new(long builderOut);

    static native long wechatpay_endpoint_builder_add_profile(long builder, byte[] label, long labelLen, long v2,
            long v3);

    static native long wechatpay_endpoint_builder_add_profile_with_mch_id(long builder, byte[] label, long labelLen,
            byte[] mchId, long mchIdLen, long v2, long v3);

    static native long wechatpay_endpoint_builder_build(long builder, long endpointOut);

    static native void wechatpay_endpoint_builder_free(long builder);

    static native long wechatpay_endpoint_from_profiles_file(byte[] path, long pathLen, long endpointOut);

    static native long wechatpay_endpoint_replace_trusted_keys(long endpoint, byte[] label, long labelLen, long keys);

    static native long wechatpay_endpoint_trusted_keys(long endpoint, byte[] label, long labelLen, long keysOut);

    static native void wechatpay_endpoint_free(long endpoint);

    static native long wechatpay_endpoint_profile_count(long endpoint);

    static native byte wechatpay_endpoint_label(long endpoint, long index, long labelOut);

    static native long wechatpay_endpoint_handle(long endpoint, long headers, long headersLen, byte[] body,
            long bodyLen, long now, long resultOut);

    static native long wechatpay_request_version(long headers, long headersLen, long versionOut);

    static native long wechatpay_internal_error_reply(long headers, long headersLen, long replyOut);

    static native void wechatpay_endpoint_result_free(long result);

    static native byte wechatpay_endpoint_result_label(long result, long labelOut);

    static native byte wechatpay_endpoint_result_kind(long result, long kindOut);

    static native int wechatpay_endpoint_result_version(long result);

    static native long wechatpay_endpoint_result_text(long result, byte[] name, long nameLen, long valueOut,
            long presentOut);

    static native long wechatpay_endpoint_result_bool(long result, byte[] name, long nameLen, long valueOut);

    static native long wechatpay_endpoint_result_property_count();

    static native byte wechatpay_endpoint_result_property(long index, long propertyOut);

    static native byte wechatpay_endpoint_result_is_success(long result);

    static native byte wechatpay_endpoint_result_dedupe_key(long result, long valueOut);

    static native byte wechatpay_endpoint_result_reply(long result, long replyOut);

    static native byte wechatpay_endpoint_result_internal_error_reply(long result, long replyOut);

    static native long wechatpay_endpoint_result_payment(long result);

    static native long wechatpay_endpoint_result_refund(long result);

    static native long wechatpay_endpoint_result_v3(long result);

    static native byte wechatpay_error_endpoint_reply(long error, long replyOut);

    static native int wechatpay_error_endpoint_version(long error);

    static native byte wechatpay_error_endpoint_label(long error, long labelOut);
}
