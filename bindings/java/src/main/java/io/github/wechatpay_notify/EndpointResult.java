package io.github.wechatpay_notify;

import static io.github.wechatpay_notify.NativeMethods.Layout.STR_DATA;

/**
 * A verified notification and the merchant it is for. Immutable: everything is copied out of the
 * native result when it is created (it needs no closing and may be shared across threads).
 */
public final class EndpointResult {
    /** {@link #kind()} of a v2 payment result notification. */
    public static final String V2_PAYMENT = "v2_payment";

    /** {@link #kind()} of a v2 refund result notification. */
    public static final String V2_REFUND = "v2_refund";

    /** {@link #kind()} of an APIv3 notification. */
    public static final String V3 = "v3";

    private final String label;
    private final String kind;
    private final ApiVersion version;
    private final TypedProperties typed;
    private final HttpReply reply;
    private final HttpReply internalErrorReply;
    private final PaymentNotification payment;
    private final RefundNotification refund;
    private final V3Notification v3;

    private EndpointResult(long h, Ffi.Scratch s) {
        label = NativeMethods.wechatpay_endpoint_result_label(h, s.struct()) != 0 ? s.str(STR_DATA) : null;
        kind = NativeMethods.wechatpay_endpoint_result_kind(h, s.struct()) != 0 ? s.str(STR_DATA) : null;
        version = ApiVersion.fromNative(NativeMethods.wechatpay_endpoint_result_version(h));
        // isSuccess(), dedupeKey() (generated below): the core's rules over the notification, by name.
        typed = new TypedProperties(new ViewReader(ViewReader.ENDPOINT_RESULT, h, s));
        if (label == null || kind == null || version == null || NativeMethods.wechatpay_endpoint_result_reply(h, s.struct()) == 0) {
            throw Ffi.internal("an endpoint result lacks its label, kind, version or reply");
        }
        reply = s.reply();
        if (NativeMethods.wechatpay_endpoint_result_internal_error_reply(h, s.struct()) == 0) {
            throw Ffi.internal("an endpoint result lacks its internal-failure reply");
        }
        internalErrorReply = s.reply();
        // Borrowed from the result, which stays alive while they are copied out.
        long p = NativeMethods.wechatpay_endpoint_result_payment(h);
        payment = p == 0 ? null : PaymentNotification.read(p, s);
        long r = NativeMethods.wechatpay_endpoint_result_refund(h);
        refund = r == 0 ? null : RefundNotification.read(r, s);
        long n = NativeMethods.wechatpay_endpoint_result_v3(h);
        v3 = n == 0 ? null : V3Notification.read(n, s);
    }

    static EndpointResult read(long handle, Ffi.Scratch s) {
        return new EndpointResult(handle, s);
    }

    /** The merchant's label ({@link MerchantProfile#label()}). */
    public String label() {
        return label;
    }

    /**
     * The kind of notification: {@link #V2_PAYMENT} ({@link #payment()} is set), {@link #V2_REFUND}
     * ({@link #refund()}) or {@link #V3} ({@link #v3()}).
     */
    public String kind() {
        return kind;
    }

    /** The API version. */
    public ApiVersion version() {
        return version;
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's endpoint_result view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] IS_SUCCESS = ViewReader.name("is_success");
        private static final byte[] DEDUPE_KEY = ViewReader.name("dedupe_key");

        final boolean isSuccess;
        final String dedupeKey;

        TypedProperties(ViewReader r) {
            isSuccess = r.bool(IS_SUCCESS);
            dedupeKey = r.text(DEDUPE_KEY);
        }
    }

    /**
     * The notification's own {@code is_success}: the payment or refund succeeded (APIv3 also: the merchant
     * transfer succeeded, or a profit-sharing movement happened).
     */
    public boolean isSuccess() {
        return typed.isSuccess;
    }

    /**
     * The notification's own {@code dedupe_key}, the same for the v2 and APIv3 deliveries of one payment, or
     * of one state of a refund: a successful payment's {@code transaction_id}, a refund's
     * {@code refund_id:STATUS} (APIv3 also: a merchant transfer's {@code transfer_bill_no:STATE}, funds
     * shared {@code order_id:ACCOUNT:SUCCESS}, the event {@code id} for other events); null only for a v2
     * notification without its id.
     */
    public String dedupeKey() {
        return typed.dedupeKey;
    }
    // END GENERATED typed properties

    /** The v2 payment, or null for another kind. */
    public PaymentNotification payment() {
        return payment;
    }

    /**
     * The v2 refund, or null for another kind. Confirm it with the refund query API before any
     * irreversible action (req_info is AES-256-ECB without integrity).
     */
    public RefundNotification refund() {
        return refund;
    }

    /** The APIv3 notification, or null for another kind. */
    public V3Notification v3() {
        return v3;
    }

    /** The reply to send: v2: 200, {@code text/xml}, the exact XML SUCCESS reply; APIv3: 204 with no body. */
    public HttpReply reply() {
        return reply;
    }

    /**
     * The reply to send instead of {@link #reply()} when your application fails to record this verified
     * notification (its database is down): status 500 with the constant refusal of the result's
     * version, so that WeChat Pay retries (before verification: {@link Reply#internalError(java.util.Map)}).
     */
    public HttpReply internalErrorReply() {
        return internalErrorReply;
    }

    @Override
    public String toString() {
        return "EndpointResult(" + label + ", " + kind + ", " + (typed.dedupeKey == null ? "no dedupe key" : typed.dedupeKey) + ")";
    }
}
