package io.github.wechatpay_notify;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A decrypted refund result notification. Immutable: everything is copied out of the native result
 * when it is created. {@link #fields()} is the outer document (with {@code req_info} still
 * encrypted), {@link #reqInfo()} the decrypted one, both in document order; the typed properties
 * (generated from the core's declaration) are read from the core by name. Text properties are null
 * when absent; amounts are {@link OptionalLong} in fen, and one sent in another form than digits
 * throws {@link NotifyException} {@code missing_field} when read.
 *
 * <p><b>Caveat:</b> req_info is AES-256-ECB without integrity: blocks of two genuine refund
 * notifications of the same merchant can be cut and pasted into a third that passes every check.
 * Treat a refund notification as a hint: confirm it with the refund query API before any
 * irreversible action.
 */
public final class RefundNotification {
    private final List<Map.Entry<String, String>> fields;
    private final List<Map.Entry<String, String>> reqInfo;
    private final Map<String, String> byName;
    private final Map<String, String> reqInfoByName;
    private final TypedProperties typed;

    private RefundNotification(List<Map.Entry<String, String>> fields, List<Map.Entry<String, String>> reqInfo,
            TypedProperties typed) {
        this.fields = Collections.unmodifiableList(fields);
        this.reqInfo = Collections.unmodifiableList(reqInfo);
        this.byName = PaymentNotification.lookup(fields);
        this.reqInfoByName = PaymentNotification.lookup(reqInfo);
        this.typed = typed;
    }

    /** Copies a native refund out (an owned one, or one borrowed from an endpoint result). */
    static RefundNotification read(final long handle, Ffi.Scratch s) {
        List<Map.Entry<String, String>> fields = Ffi.readFields(s, NativeMethods.wechatpay_refund_field_count(handle),
                (i, out) -> NativeMethods.wechatpay_refund_field(handle, i, out));
        List<Map.Entry<String, String>> reqInfo = Ffi.readFields(s, NativeMethods.wechatpay_refund_req_info_count(handle),
                (i, out) -> NativeMethods.wechatpay_refund_req_info_field(handle, i, out));
        return new RefundNotification(fields, reqInfo, new TypedProperties(new ViewReader(ViewReader.REFUND, handle, s)));
    }

    /** The outer document's fields exactly as received, in document order (unmodifiable). */
    public List<Map.Entry<String, String>> fields() {
        return fields;
    }

    /** The decrypted {@code req_info} document's fields, in document order (unmodifiable). */
    public List<Map.Entry<String, String>> reqInfo() {
        return reqInfo;
    }

    /**
     * An outer field by name, or null when absent.
     *
     * @throws NullPointerException {@code name} is null
     */
    public String get(String name) {
        if (name == null) {
            throw new NullPointerException("name");
        }
        return byName.get(name);
    }

    /**
     * A decrypted {@code req_info} field by name, or null when absent.
     *
     * @throws NullPointerException {@code name} is null
     */
    public String getReqInfo(String name) {
        if (name == null) {
            throw new NullPointerException("name");
        }
        return reqInfoByName.get(name);
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's refund view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] APPID = ViewReader.name("appid");
        private static final byte[] MCH_ID = ViewReader.name("mch_id");
        private static final byte[] TRANSACTION_ID = ViewReader.name("transaction_id");
        private static final byte[] OUT_TRADE_NO = ViewReader.name("out_trade_no");
        private static final byte[] REFUND_ID = ViewReader.name("refund_id");
        private static final byte[] OUT_REFUND_NO = ViewReader.name("out_refund_no");
        private static final byte[] REFUND_STATUS = ViewReader.name("refund_status");
        private static final byte[] SUCCESS_TIME = ViewReader.name("success_time");
        private static final byte[] REFUND_RECV_ACCOUT = ViewReader.name("refund_recv_accout");
        private static final byte[] REFUND_ACCOUNT = ViewReader.name("refund_account");
        private static final byte[] REFUND_REQUEST_SOURCE = ViewReader.name("refund_request_source");
        private static final byte[] TOTAL_FEE = ViewReader.name("total_fee");
        private static final byte[] REFUND_FEE = ViewReader.name("refund_fee");
        private static final byte[] SETTLEMENT_TOTAL_FEE = ViewReader.name("settlement_total_fee");
        private static final byte[] SETTLEMENT_REFUND_FEE = ViewReader.name("settlement_refund_fee");
        private static final byte[] IS_SUCCESS = ViewReader.name("is_success");
        private static final byte[] DEDUPE_KEY = ViewReader.name("dedupe_key");

        final String appid;
        final String mchId;
        final String transactionId;
        final String outTradeNo;
        final String refundId;
        final String outRefundNo;
        final String refundStatus;
        final String successTime;
        final String refundRecvAccout;
        final String refundAccount;
        final String refundRequestSource;
        final Typed<OptionalLong> totalFee;
        final Typed<OptionalLong> refundFee;
        final Typed<OptionalLong> settlementTotalFee;
        final Typed<OptionalLong> settlementRefundFee;
        final boolean isSuccess;
        final String dedupeKey;

        TypedProperties(ViewReader r) {
            appid = r.text(APPID);
            mchId = r.text(MCH_ID);
            transactionId = r.text(TRANSACTION_ID);
            outTradeNo = r.text(OUT_TRADE_NO);
            refundId = r.text(REFUND_ID);
            outRefundNo = r.text(OUT_REFUND_NO);
            refundStatus = r.text(REFUND_STATUS);
            successTime = r.text(SUCCESS_TIME);
            refundRecvAccout = r.text(REFUND_RECV_ACCOUT);
            refundAccount = r.text(REFUND_ACCOUNT);
            refundRequestSource = r.text(REFUND_REQUEST_SOURCE);
            totalFee = r.amount(TOTAL_FEE);
            refundFee = r.amount(REFUND_FEE);
            settlementTotalFee = r.amount(SETTLEMENT_TOTAL_FEE);
            settlementRefundFee = r.amount(SETTLEMENT_REFUND_FEE);
            isSuccess = r.bool(IS_SUCCESS);
            dedupeKey = r.text(DEDUPE_KEY);
        }
    }

    /** {@code appid} of the outer document; null when absent. */
    public String appid() {
        return typed.appid;
    }

    /** {@code mch_id} of the outer document; null when absent. */
    public String mchId() {
        return typed.mchId;
    }

    /** {@code transaction_id} of the decrypted {@code req_info}; null when absent. */
    public String transactionId() {
        return typed.transactionId;
    }

    /** {@code out_trade_no} of the decrypted {@code req_info}; null when absent. */
    public String outTradeNo() {
        return typed.outTradeNo;
    }

    /** {@code refund_id} of the decrypted {@code req_info}; null when absent. */
    public String refundId() {
        return typed.refundId;
    }

    /** {@code out_refund_no} of the decrypted {@code req_info}; null when absent. */
    public String outRefundNo() {
        return typed.outRefundNo;
    }

    /**
     * {@code refund_status} of the decrypted {@code req_info} ({@code SUCCESS} / {@code CHANGE} /
     * {@code REFUNDCLOSE}); null when absent.
     */
    public String refundStatus() {
        return typed.refundStatus;
    }

    /**
     * {@code success_time} of the decrypted {@code req_info} ({@code yyyy-MM-dd HH:mm:ss}); null when absent.
     */
    public String successTime() {
        return typed.successTime;
    }

    /** {@code refund_recv_accout} of the decrypted {@code req_info} (WeChat's spelling); null when absent. */
    public String refundRecvAccout() {
        return typed.refundRecvAccout;
    }

    /** {@code refund_account} of the decrypted {@code req_info}; null when absent. */
    public String refundAccount() {
        return typed.refundAccount;
    }

    /** {@code refund_request_source} of the decrypted {@code req_info}; null when absent. */
    public String refundRequestSource() {
        return typed.refundRequestSource;
    }

    /**
     * {@code total_fee} of the decrypted {@code req_info}, in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong totalFee() {
        return typed.totalFee.get();
    }

    /**
     * {@code refund_fee} of the decrypted {@code req_info}, in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong refundFee() {
        return typed.refundFee.get();
    }

    /**
     * {@code settlement_total_fee} of the decrypted {@code req_info}, in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong settlementTotalFee() {
        return typed.settlementTotalFee.get();
    }

    /**
     * {@code settlement_refund_fee} of the decrypted {@code req_info}, in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong settlementRefundFee() {
        return typed.settlementRefundFee.get();
    }

    /** {@code refund_status} is {@code SUCCESS}. */
    public boolean isSuccess() {
        return typed.isSuccess;
    }

    /**
     * The idempotency key (record each notification once per key): {@code refund_id:STATUS} with the status
     * in APIv3's words ({@code CHANGE} → {@code ABNORMAL}, {@code REFUNDCLOSE} → {@code CLOSED}), so an
     * {@code ABNORMAL} delivery does not swallow the later {@code SUCCESS} and the v2 and APIv3 deliveries of
     * one state share a key. A refund's state only moves forward ({@code ABNORMAL} → {@code SUCCESS} or
     * {@code CLOSED}): never record it back. null without a {@code refund_id}.
     */
    public String dedupeKey() {
        return typed.dedupeKey;
    }

    /**
     * Every typed property as {@code name=value} ({@code null} when absent; an amount that cannot be read as
     * {@code <code>}); never throws.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RefundNotification(");
        s.append("appid=").append(typed.appid);
        s.append(", mch_id=").append(typed.mchId);
        s.append(", transaction_id=").append(typed.transactionId);
        s.append(", out_trade_no=").append(typed.outTradeNo);
        s.append(", refund_id=").append(typed.refundId);
        s.append(", out_refund_no=").append(typed.outRefundNo);
        s.append(", refund_status=").append(typed.refundStatus);
        s.append(", success_time=").append(typed.successTime);
        s.append(", refund_recv_accout=").append(typed.refundRecvAccout);
        s.append(", refund_account=").append(typed.refundAccount);
        s.append(", refund_request_source=").append(typed.refundRequestSource);
        s.append(", total_fee=").append(typed.totalFee.show());
        s.append(", refund_fee=").append(typed.refundFee.show());
        s.append(", settlement_total_fee=").append(typed.settlementTotalFee.show());
        s.append(", settlement_refund_fee=").append(typed.settlementRefundFee.show());
        s.append(", is_success=").append(typed.isSuccess);
        s.append(", dedupe_key=").append(typed.dedupeKey);
        return s.append(')').toString();
    }
    // END GENERATED typed properties
}
