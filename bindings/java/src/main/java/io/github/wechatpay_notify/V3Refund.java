package io.github.wechatpay_notify;

import java.util.OptionalLong;

/**
 * The typed view of a {@code REFUND.*} resource ({@code REFUND.SUCCESS}, {@code REFUND.ABNORMAL},
 * {@code REFUND.CLOSED}); its properties are generated from the core's declaration. Text properties
 * are null when absent; amounts are {@link OptionalLong} in fen, empty when absent; an amount present
 * in another form, or above {@link Long#MAX_VALUE}, throws {@link NotifyException}
 * {@code missing_field} when read. Immutable.
 */
public final class V3Refund {
    private final TypedProperties typed;

    V3Refund(ViewReader r) {
        typed = new TypedProperties(r);
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's v3_refund view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] MCHID = ViewReader.name("mchid");
        private static final byte[] SP_MCHID = ViewReader.name("sp_mchid");
        private static final byte[] SUB_MCHID = ViewReader.name("sub_mchid");
        private static final byte[] OUT_TRADE_NO = ViewReader.name("out_trade_no");
        private static final byte[] TRANSACTION_ID = ViewReader.name("transaction_id");
        private static final byte[] OUT_REFUND_NO = ViewReader.name("out_refund_no");
        private static final byte[] REFUND_ID = ViewReader.name("refund_id");
        private static final byte[] REFUND_STATUS = ViewReader.name("refund_status");
        private static final byte[] SUCCESS_TIME = ViewReader.name("success_time");
        private static final byte[] USER_RECEIVED_ACCOUNT = ViewReader.name("user_received_account");
        private static final byte[] AMOUNT_TOTAL = ViewReader.name("amount_total");
        private static final byte[] AMOUNT_REFUND = ViewReader.name("amount_refund");
        private static final byte[] AMOUNT_PAYER_TOTAL = ViewReader.name("amount_payer_total");
        private static final byte[] AMOUNT_PAYER_REFUND = ViewReader.name("amount_payer_refund");

        final String mchid;
        final String spMchid;
        final String subMchid;
        final String outTradeNo;
        final String transactionId;
        final String outRefundNo;
        final String refundId;
        final String refundStatus;
        final String successTime;
        final String userReceivedAccount;
        final Typed<OptionalLong> amountTotal;
        final Typed<OptionalLong> amountRefund;
        final Typed<OptionalLong> amountPayerTotal;
        final Typed<OptionalLong> amountPayerRefund;

        TypedProperties(ViewReader r) {
            mchid = r.text(MCHID);
            spMchid = r.text(SP_MCHID);
            subMchid = r.text(SUB_MCHID);
            outTradeNo = r.text(OUT_TRADE_NO);
            transactionId = r.text(TRANSACTION_ID);
            outRefundNo = r.text(OUT_REFUND_NO);
            refundId = r.text(REFUND_ID);
            refundStatus = r.text(REFUND_STATUS);
            successTime = r.text(SUCCESS_TIME);
            userReceivedAccount = r.text(USER_RECEIVED_ACCOUNT);
            amountTotal = r.amount(AMOUNT_TOTAL);
            amountRefund = r.amount(AMOUNT_REFUND);
            amountPayerTotal = r.amount(AMOUNT_PAYER_TOTAL);
            amountPayerRefund = r.amount(AMOUNT_PAYER_REFUND);
        }
    }

    /** {@code mchid} (direct merchants); null when absent. */
    public String mchid() {
        return typed.mchid;
    }

    /** {@code sp_mchid} (service provider); null when absent. */
    public String spMchid() {
        return typed.spMchid;
    }

    /** {@code sub_mchid} (sub-merchant); null when absent. */
    public String subMchid() {
        return typed.subMchid;
    }

    /** {@code out_trade_no}; null when absent. */
    public String outTradeNo() {
        return typed.outTradeNo;
    }

    /** {@code transaction_id}; null when absent. */
    public String transactionId() {
        return typed.transactionId;
    }

    /** {@code out_refund_no}; null when absent. */
    public String outRefundNo() {
        return typed.outRefundNo;
    }

    /** {@code refund_id}; null when absent. */
    public String refundId() {
        return typed.refundId;
    }

    /** {@code refund_status} ({@code SUCCESS}, {@code CLOSED}, {@code ABNORMAL}); null when absent. */
    public String refundStatus() {
        return typed.refundStatus;
    }

    /** {@code success_time}; null when absent. */
    public String successTime() {
        return typed.successTime;
    }

    /** {@code user_received_account}; null when absent. */
    public String userReceivedAccount() {
        return typed.userReceivedAccount;
    }

    /**
     * {@code amount.total} in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong amountTotal() {
        return typed.amountTotal.get();
    }

    /**
     * {@code amount.refund} in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong amountRefund() {
        return typed.amountRefund.get();
    }

    /**
     * {@code amount.payer_total} in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong amountPayerTotal() {
        return typed.amountPayerTotal.get();
    }

    /**
     * {@code amount.payer_refund} in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong amountPayerRefund() {
        return typed.amountPayerRefund.get();
    }

    /**
     * Every typed property as {@code name=value} ({@code null} when absent; an amount that cannot be read as
     * {@code <code>}); never throws.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("V3Refund(");
        s.append("mchid=").append(typed.mchid);
        s.append(", sp_mchid=").append(typed.spMchid);
        s.append(", sub_mchid=").append(typed.subMchid);
        s.append(", out_trade_no=").append(typed.outTradeNo);
        s.append(", transaction_id=").append(typed.transactionId);
        s.append(", out_refund_no=").append(typed.outRefundNo);
        s.append(", refund_id=").append(typed.refundId);
        s.append(", refund_status=").append(typed.refundStatus);
        s.append(", success_time=").append(typed.successTime);
        s.append(", user_received_account=").append(typed.userReceivedAccount);
        s.append(", amount_total=").append(typed.amountTotal.show());
        s.append(", amount_refund=").append(typed.amountRefund.show());
        s.append(", amount_payer_total=").append(typed.amountPayerTotal.show());
        s.append(", amount_payer_refund=").append(typed.amountPayerRefund.show());
        return s.append(')').toString();
    }
    // END GENERATED typed properties
}
