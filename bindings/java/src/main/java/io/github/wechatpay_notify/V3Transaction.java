package io.github.wechatpay_notify;

import java.util.OptionalLong;

/**
 * The typed view of a {@code TRANSACTION.*} resource, direct ({@code appid}/{@code mchid}) or
 * service-provider ({@code sp_appid}/{@code sp_mchid}/{@code sub_appid}/{@code sub_mchid}) shape;
 * its properties are generated from the core's declaration. Text properties are null when absent;
 * amounts are {@link OptionalLong} in fen, empty when absent (or JSON {@code null}); an amount present
 * in another form than a non-negative JSON integer ({@code 100.0}, {@code 1e2}, {@code -1}, beyond
 * 2^64-1, a string), or above {@link Long#MAX_VALUE}, throws {@link NotifyException}
 * {@code missing_field} when read. Immutable.
 */
public final class V3Transaction {
    private final TypedProperties typed;

    V3Transaction(ViewReader r) {
        typed = new TypedProperties(r);
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's v3_transaction view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] APPID = ViewReader.name("appid");
        private static final byte[] MCHID = ViewReader.name("mchid");
        private static final byte[] SP_APPID = ViewReader.name("sp_appid");
        private static final byte[] SP_MCHID = ViewReader.name("sp_mchid");
        private static final byte[] SUB_APPID = ViewReader.name("sub_appid");
        private static final byte[] SUB_MCHID = ViewReader.name("sub_mchid");
        private static final byte[] OUT_TRADE_NO = ViewReader.name("out_trade_no");
        private static final byte[] TRANSACTION_ID = ViewReader.name("transaction_id");
        private static final byte[] TRADE_TYPE = ViewReader.name("trade_type");
        private static final byte[] TRADE_STATE = ViewReader.name("trade_state");
        private static final byte[] TRADE_STATE_DESC = ViewReader.name("trade_state_desc");
        private static final byte[] BANK_TYPE = ViewReader.name("bank_type");
        private static final byte[] ATTACH = ViewReader.name("attach");
        private static final byte[] SUCCESS_TIME = ViewReader.name("success_time");
        private static final byte[] PAYER_OPENID = ViewReader.name("payer_openid");
        private static final byte[] PAYER_SP_OPENID = ViewReader.name("payer_sp_openid");
        private static final byte[] PAYER_SUB_OPENID = ViewReader.name("payer_sub_openid");
        private static final byte[] AMOUNT_TOTAL = ViewReader.name("amount_total");
        private static final byte[] AMOUNT_PAYER_TOTAL = ViewReader.name("amount_payer_total");
        private static final byte[] AMOUNT_CURRENCY = ViewReader.name("amount_currency");
        private static final byte[] AMOUNT_PAYER_CURRENCY = ViewReader.name("amount_payer_currency");

        final String appid;
        final String mchid;
        final String spAppid;
        final String spMchid;
        final String subAppid;
        final String subMchid;
        final String outTradeNo;
        final String transactionId;
        final String tradeType;
        final String tradeState;
        final String tradeStateDesc;
        final String bankType;
        final String attach;
        final String successTime;
        final String payerOpenid;
        final String payerSpOpenid;
        final String payerSubOpenid;
        final Typed<OptionalLong> amountTotal;
        final Typed<OptionalLong> amountPayerTotal;
        final String amountCurrency;
        final String amountPayerCurrency;

        TypedProperties(ViewReader r) {
            appid = r.text(APPID);
            mchid = r.text(MCHID);
            spAppid = r.text(SP_APPID);
            spMchid = r.text(SP_MCHID);
            subAppid = r.text(SUB_APPID);
            subMchid = r.text(SUB_MCHID);
            outTradeNo = r.text(OUT_TRADE_NO);
            transactionId = r.text(TRANSACTION_ID);
            tradeType = r.text(TRADE_TYPE);
            tradeState = r.text(TRADE_STATE);
            tradeStateDesc = r.text(TRADE_STATE_DESC);
            bankType = r.text(BANK_TYPE);
            attach = r.text(ATTACH);
            successTime = r.text(SUCCESS_TIME);
            payerOpenid = r.text(PAYER_OPENID);
            payerSpOpenid = r.text(PAYER_SP_OPENID);
            payerSubOpenid = r.text(PAYER_SUB_OPENID);
            amountTotal = r.amount(AMOUNT_TOTAL);
            amountPayerTotal = r.amount(AMOUNT_PAYER_TOTAL);
            amountCurrency = r.text(AMOUNT_CURRENCY);
            amountPayerCurrency = r.text(AMOUNT_PAYER_CURRENCY);
        }
    }

    /** {@code appid} (direct merchants); null when absent. */
    public String appid() {
        return typed.appid;
    }

    /** {@code mchid} (direct merchants); null when absent. */
    public String mchid() {
        return typed.mchid;
    }

    /** {@code sp_appid} (service provider); null when absent. */
    public String spAppid() {
        return typed.spAppid;
    }

    /** {@code sp_mchid} (service provider); null when absent. */
    public String spMchid() {
        return typed.spMchid;
    }

    /** {@code sub_appid} (sub-merchant); null when absent. */
    public String subAppid() {
        return typed.subAppid;
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

    /** {@code trade_type} ({@code JSAPI}, {@code NATIVE}, {@code APP}, …); null when absent. */
    public String tradeType() {
        return typed.tradeType;
    }

    /** {@code trade_state} ({@code SUCCESS}, …); null when absent. */
    public String tradeState() {
        return typed.tradeState;
    }

    /** {@code trade_state_desc}; null when absent. */
    public String tradeStateDesc() {
        return typed.tradeStateDesc;
    }

    /** {@code bank_type}; null when absent. */
    public String bankType() {
        return typed.bankType;
    }

    /** {@code attach}; null when absent. */
    public String attach() {
        return typed.attach;
    }

    /** {@code success_time} (RFC 3339 as sent); null when absent. */
    public String successTime() {
        return typed.successTime;
    }

    /** {@code payer.openid} (direct merchants); null when absent. */
    public String payerOpenid() {
        return typed.payerOpenid;
    }

    /** {@code payer.sp_openid} (service provider); null when absent. */
    public String payerSpOpenid() {
        return typed.payerSpOpenid;
    }

    /** {@code payer.sub_openid} (sub-merchant); null when absent. */
    public String payerSubOpenid() {
        return typed.payerSubOpenid;
    }

    /**
     * {@code amount.total} in fen: compare it with your order before fulfilling it; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong amountTotal() {
        return typed.amountTotal.get();
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

    /** {@code amount.currency}; null when absent. */
    public String amountCurrency() {
        return typed.amountCurrency;
    }

    /** {@code amount.payer_currency}; null when absent. */
    public String amountPayerCurrency() {
        return typed.amountPayerCurrency;
    }

    /**
     * Every typed property as {@code name=value} ({@code null} when absent; an amount that cannot be read as
     * {@code <code>}); never throws.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("V3Transaction(");
        s.append("appid=").append(typed.appid);
        s.append(", mchid=").append(typed.mchid);
        s.append(", sp_appid=").append(typed.spAppid);
        s.append(", sp_mchid=").append(typed.spMchid);
        s.append(", sub_appid=").append(typed.subAppid);
        s.append(", sub_mchid=").append(typed.subMchid);
        s.append(", out_trade_no=").append(typed.outTradeNo);
        s.append(", transaction_id=").append(typed.transactionId);
        s.append(", trade_type=").append(typed.tradeType);
        s.append(", trade_state=").append(typed.tradeState);
        s.append(", trade_state_desc=").append(typed.tradeStateDesc);
        s.append(", bank_type=").append(typed.bankType);
        s.append(", attach=").append(typed.attach);
        s.append(", success_time=").append(typed.successTime);
        s.append(", payer_openid=").append(typed.payerOpenid);
        s.append(", payer_sp_openid=").append(typed.payerSpOpenid);
        s.append(", payer_sub_openid=").append(typed.payerSubOpenid);
        s.append(", amount_total=").append(typed.amountTotal.show());
        s.append(", amount_payer_total=").append(typed.amountPayerTotal.show());
        s.append(", amount_currency=").append(typed.amountCurrency);
        s.append(", amount_payer_currency=").append(typed.amountPayerCurrency);
        return s.append(')').toString();
    }
    // END GENERATED typed properties
}
