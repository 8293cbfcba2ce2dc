package io.github.wechatpay_notify;

import java.util.OptionalLong;

/**
 * The typed view of a {@code PROFITSHARING.*} resource ({@code PROFITSHARING.SUCCESS},
 * {@code PROFITSHARING.RETURN}), direct or service-provider shape; its properties are generated from
 * the core's declaration. Text properties are null when absent; {@code receiverAmount()} is an
 * {@link OptionalLong} in fen, empty when absent, and throws {@link NotifyException}
 * {@code missing_field} when read if present in another form (or above {@link Long#MAX_VALUE}).
 * Immutable.
 */
public final class V3ProfitSharing {
    private final TypedProperties typed;

    V3ProfitSharing(ViewReader r) {
        typed = new TypedProperties(r);
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's v3_profit_sharing view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] MCHID = ViewReader.name("mchid");
        private static final byte[] SP_MCHID = ViewReader.name("sp_mchid");
        private static final byte[] SUB_MCHID = ViewReader.name("sub_mchid");
        private static final byte[] TRANSACTION_ID = ViewReader.name("transaction_id");
        private static final byte[] ORDER_ID = ViewReader.name("order_id");
        private static final byte[] OUT_ORDER_NO = ViewReader.name("out_order_no");
        private static final byte[] RECEIVER_TYPE = ViewReader.name("receiver_type");
        private static final byte[] RECEIVER_ACCOUNT = ViewReader.name("receiver_account");
        private static final byte[] RECEIVER_AMOUNT = ViewReader.name("receiver_amount");
        private static final byte[] RECEIVER_DESCRIPTION = ViewReader.name("receiver_description");
        private static final byte[] SUCCESS_TIME = ViewReader.name("success_time");

        final String mchid;
        final String spMchid;
        final String subMchid;
        final String transactionId;
        final String orderId;
        final String outOrderNo;
        final String receiverType;
        final String receiverAccount;
        final Typed<OptionalLong> receiverAmount;
        final String receiverDescription;
        final String successTime;

        TypedProperties(ViewReader r) {
            mchid = r.text(MCHID);
            spMchid = r.text(SP_MCHID);
            subMchid = r.text(SUB_MCHID);
            transactionId = r.text(TRANSACTION_ID);
            orderId = r.text(ORDER_ID);
            outOrderNo = r.text(OUT_ORDER_NO);
            receiverType = r.text(RECEIVER_TYPE);
            receiverAccount = r.text(RECEIVER_ACCOUNT);
            receiverAmount = r.amount(RECEIVER_AMOUNT);
            receiverDescription = r.text(RECEIVER_DESCRIPTION);
            successTime = r.text(SUCCESS_TIME);
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

    /** {@code transaction_id} of the payment whose funds were shared; null when absent. */
    public String transactionId() {
        return typed.transactionId;
    }

    /** {@code order_id}, WeChat Pay's profit-sharing order number; null when absent. */
    public String orderId() {
        return typed.orderId;
    }

    /** {@code out_order_no}, the merchant's profit-sharing order number; null when absent. */
    public String outOrderNo() {
        return typed.outOrderNo;
    }

    /** {@code receiver.type} ({@code MERCHANT_ID}, {@code PERSONAL_OPENID}, …); null when absent. */
    public String receiverType() {
        return typed.receiverType;
    }

    /** {@code receiver.account} (a merchant id or an openid); null when absent. */
    public String receiverAccount() {
        return typed.receiverAccount;
    }

    /**
     * {@code receiver.amount} in fen: the amount moved to (or returned from) the receiver; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong receiverAmount() {
        return typed.receiverAmount.get();
    }

    /** {@code receiver.description}; null when absent. */
    public String receiverDescription() {
        return typed.receiverDescription;
    }

    /** {@code success_time}; null when absent. */
    public String successTime() {
        return typed.successTime;
    }

    /**
     * Every typed property as {@code name=value} ({@code null} when absent; an amount that cannot be read as
     * {@code <code>}); never throws.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("V3ProfitSharing(");
        s.append("mchid=").append(typed.mchid);
        s.append(", sp_mchid=").append(typed.spMchid);
        s.append(", sub_mchid=").append(typed.subMchid);
        s.append(", transaction_id=").append(typed.transactionId);
        s.append(", order_id=").append(typed.orderId);
        s.append(", out_order_no=").append(typed.outOrderNo);
        s.append(", receiver_type=").append(typed.receiverType);
        s.append(", receiver_account=").append(typed.receiverAccount);
        s.append(", receiver_amount=").append(typed.receiverAmount.show());
        s.append(", receiver_description=").append(typed.receiverDescription);
        s.append(", success_time=").append(typed.successTime);
        return s.append(')').toString();
    }
    // END GENERATED typed properties
}
