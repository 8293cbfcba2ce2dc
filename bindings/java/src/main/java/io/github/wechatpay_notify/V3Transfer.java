package io.github.wechatpay_notify;

import java.util.OptionalLong;

/**
 * The typed view of a {@code MCHTRANSFER.BILL.*} resource ({@code MCHTRANSFER.BILL.FINISHED}); its
 * properties are generated from the core's declaration. Text properties are null when absent;
 * {@code transferAmount()} is an {@link OptionalLong} in fen, empty when absent, and throws
 * {@link NotifyException} {@code missing_field} when read if present in another form (or above
 * {@link Long#MAX_VALUE}). Immutable.
 */
public final class V3Transfer {
    private final TypedProperties typed;

    V3Transfer(ViewReader r) {
        typed = new TypedProperties(r);
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's v3_transfer view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] MCH_ID = ViewReader.name("mch_id");
        private static final byte[] MCHID = ViewReader.name("mchid");
        private static final byte[] OUT_BILL_NO = ViewReader.name("out_bill_no");
        private static final byte[] TRANSFER_BILL_NO = ViewReader.name("transfer_bill_no");
        private static final byte[] STATE = ViewReader.name("state");
        private static final byte[] TRANSFER_AMOUNT = ViewReader.name("transfer_amount");
        private static final byte[] OPENID = ViewReader.name("openid");
        private static final byte[] FAIL_REASON = ViewReader.name("fail_reason");
        private static final byte[] CREATE_TIME = ViewReader.name("create_time");
        private static final byte[] UPDATE_TIME = ViewReader.name("update_time");

        final String mchId;
        final String mchid;
        final String outBillNo;
        final String transferBillNo;
        final String state;
        final Typed<OptionalLong> transferAmount;
        final String openid;
        final String failReason;
        final String createTime;
        final String updateTime;

        TypedProperties(ViewReader r) {
            mchId = r.text(MCH_ID);
            mchid = r.text(MCHID);
            outBillNo = r.text(OUT_BILL_NO);
            transferBillNo = r.text(TRANSFER_BILL_NO);
            state = r.text(STATE);
            transferAmount = r.amount(TRANSFER_AMOUNT);
            openid = r.text(OPENID);
            failReason = r.text(FAIL_REASON);
            createTime = r.text(CREATE_TIME);
            updateTime = r.text(UPDATE_TIME);
        }
    }

    /** {@code mch_id}, the merchant id as WeChat Pay's reference names it; null when absent. */
    public String mchId() {
        return typed.mchId;
    }

    /** {@code mchid}, the merchant id as some published samples name it; null when absent. */
    public String mchid() {
        return typed.mchid;
    }

    /** {@code out_bill_no}, the merchant's bill number; null when absent. */
    public String outBillNo() {
        return typed.outBillNo;
    }

    /** {@code transfer_bill_no}, WeChat Pay's transfer bill number; null when absent. */
    public String transferBillNo() {
        return typed.transferBillNo;
    }

    /** {@code state} ({@code SUCCESS}, {@code FAIL}, {@code CANCELLED}); null when absent. */
    public String state() {
        return typed.state;
    }

    /**
     * {@code transfer_amount} in fen: compare it with your bill before recording it; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong transferAmount() {
        return typed.transferAmount.get();
    }

    /** {@code openid} of the payee; null when absent. */
    public String openid() {
        return typed.openid;
    }

    /** {@code fail_reason}, when the transfer failed; null when absent. */
    public String failReason() {
        return typed.failReason;
    }

    /** {@code create_time} of the bill; null when absent. */
    public String createTime() {
        return typed.createTime;
    }

    /** {@code update_time} of the bill's last state change; null when absent. */
    public String updateTime() {
        return typed.updateTime;
    }

    /**
     * Every typed property as {@code name=value} ({@code null} when absent; an amount that cannot be read as
     * {@code <code>}); never throws.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("V3Transfer(");
        s.append("mch_id=").append(typed.mchId);
        s.append(", mchid=").append(typed.mchid);
        s.append(", out_bill_no=").append(typed.outBillNo);
        s.append(", transfer_bill_no=").append(typed.transferBillNo);
        s.append(", state=").append(typed.state);
        s.append(", transfer_amount=").append(typed.transferAmount.show());
        s.append(", openid=").append(typed.openid);
        s.append(", fail_reason=").append(typed.failReason);
        s.append(", create_time=").append(typed.createTime);
        s.append(", update_time=").append(typed.updateTime);
        return s.append(')').toString();
    }
    // END GENERATED typed properties
}
