package io.github.wechatpay_notify;

/**
 * A verified, decrypted APIv3 notification. Immutable: everything is copied out of the native result
 * when it is created (it needs no closing and may be shared across threads).
 *
 * <p>The decrypted resource is {@link #plaintext()}, the exact JSON text: this package takes no JSON
 * dependency, so parse it with the library of your choice (Jackson, Gson) for any field the typed
 * views ({@link #transaction()}, {@link #refund()}) do not cover.
 */
public final class V3Notification {
    private final TypedProperties typed;
    private final V3Transaction transaction;
    private final V3Refund refund;
    private final V3ProfitSharing profitSharing;
    private final V3Transfer transfer;
    private final V3Complaint complaint;

    private V3Notification(long h, Ffi.Scratch s) {
        // The event's strings, isSuccess(), dedupeKey() (generated below), read by name.
        typed = new TypedProperties(new ViewReader(ViewReader.V3_NOTIFICATION, h, s));
        transaction = NativeMethods.wechatpay_v3_notification_has_transaction(h) != 0
                ? new V3Transaction(new ViewReader(ViewReader.V3_TRANSACTION, h, s)) : null;
        refund = NativeMethods.wechatpay_v3_notification_has_refund(h) != 0
                ? new V3Refund(new ViewReader(ViewReader.V3_REFUND, h, s)) : null;
        profitSharing = NativeMethods.wechatpay_v3_notification_has_profit_sharing(h) != 0
                ? new V3ProfitSharing(new ViewReader(ViewReader.V3_PROFIT_SHARING, h, s)) : null;
        transfer = NativeMethods.wechatpay_v3_notification_has_transfer(h) != 0
                ? new V3Transfer(new ViewReader(ViewReader.V3_TRANSFER, h, s)) : null;
        complaint = NativeMethods.wechatpay_v3_notification_has_complaint(h) != 0
                ? new V3Complaint(new ViewReader(ViewReader.V3_COMPLAINT, h, s)) : null;
    }

    /** Copies a native notification out (an owned one, or one borrowed from an endpoint result). */
    static V3Notification read(long handle, Ffi.Scratch s) {
        return new V3Notification(handle, s);
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's v3_notification view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] ID = ViewReader.name("id");
        private static final byte[] CREATE_TIME = ViewReader.name("create_time");
        private static final byte[] EVENT_TYPE = ViewReader.name("event_type");
        private static final byte[] RESOURCE_TYPE = ViewReader.name("resource_type");
        private static final byte[] SUMMARY = ViewReader.name("summary");
        private static final byte[] PLAINTEXT = ViewReader.name("plaintext");
        private static final byte[] IS_SUCCESS = ViewReader.name("is_success");
        private static final byte[] DEDUPE_KEY = ViewReader.name("dedupe_key");

        final String id;
        final String createTime;
        final String eventType;
        final String resourceType;
        final String summary;
        final String plaintext;
        final boolean isSuccess;
        final String dedupeKey;

        TypedProperties(ViewReader r) {
            id = r.requiredText(ID);
            createTime = r.requiredText(CREATE_TIME);
            eventType = r.requiredText(EVENT_TYPE);
            resourceType = r.requiredText(RESOURCE_TYPE);
            summary = r.requiredText(SUMMARY);
            plaintext = r.requiredText(PLAINTEXT);
            isSuccess = r.bool(IS_SUCCESS);
            dedupeKey = r.requiredText(DEDUPE_KEY);
        }
    }

    /** The event {@code id} (a UUID). */
    public String id() {
        return typed.id;
    }

    /** {@code create_time}, exactly as received (not always RFC 3339). */
    public String createTime() {
        return typed.createTime;
    }

    /** {@code event_type}, e.g. {@code TRANSACTION.SUCCESS}, {@code REFUND.SUCCESS}. */
    public String eventType() {
        return typed.eventType;
    }

    /** {@code resource_type} ({@code encrypt-resource}). */
    public String resourceType() {
        return typed.resourceType;
    }

    /** {@code summary}, WeChat Pay's short description of the event. */
    public String summary() {
        return typed.summary;
    }

    /** The decrypted resource: the exact JSON text (a JSON object) as decrypted. */
    public String plaintext() {
        return typed.plaintext;
    }

    /**
     * The event reports a success: a transaction whose {@code trade_state}, a refund whose
     * {@code refund_status}, or a merchant transfer whose {@code state} is {@code SUCCESS}; a profit-sharing
     * movement ({@code PROFITSHARING.SUCCESS} or {@code PROFITSHARING.RETURN}: WeChat Pay sends them once the
     * funds moved; a return moves them back, so tell the two apart by {@code event_type}). False for
     * complaints (they report no outcome) and every other event.
     */
    public boolean isSuccess() {
        return typed.isSuccess;
    }

    /**
     * The idempotency key (record each notification once per key): a successful transaction's
     * {@code transaction_id} (as its v2 delivery), {@code transaction_id:TRADE_STATE} for one that did not
     * succeed, {@code refund_id:REFUND_STATUS} for refunds (so {@code ABNORMAL} does not swallow a later
     * {@code SUCCESS}), {@code transfer_bill_no:STATE} for merchant transfers,
     * {@code order_id:ACCOUNT:SUCCESS} for funds shared to the receiver {@code ACCOUNT}, the event {@code id}
     * otherwise: profit-sharing returns (one order can be returned from one receiver several times),
     * complaints (one complaint repeats an {@code action_type}), other events, and a resource that lacks its
     * id.
     */
    public String dedupeKey() {
        return typed.dedupeKey;
    }

    /**
     * The properties that identify it as {@code name=value} ({@code null} when absent; an amount that cannot
     * be read as {@code <code>}); never throws.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("V3Notification(");
        s.append("id=").append(typed.id);
        s.append(", event_type=").append(typed.eventType);
        s.append(", dedupe_key=").append(typed.dedupeKey);
        return s.append(')').toString();
    }
    // END GENERATED typed properties

    /** The typed view of a {@code TRANSACTION.*} event; null for other events. */
    public V3Transaction transaction() {
        return transaction;
    }

    /** The typed view of a {@code REFUND.*} event; null for other events. */
    public V3Refund refund() {
        return refund;
    }

    /** The typed view of a {@code PROFITSHARING.*} event; null for other events. */
    public V3ProfitSharing profitSharing() {
        return profitSharing;
    }

    /** The typed view of a {@code MCHTRANSFER.BILL.*} event; null for other events. */
    public V3Transfer transfer() {
        return transfer;
    }

    /** The typed view of a {@code COMPLAINT.*} event; null for other events. */
    public V3Complaint complaint() {
        return complaint;
    }
}
