package io.github.wechatpay_notify;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A verified payment result notification. Immutable: everything is copied out of the native result
 * when it is created (it needs no closing and may be shared across threads). {@link #fields()} holds
 * every element exactly as received, in document order; the typed properties (generated from the
 * core's declaration, tests/vectors/typed_views.json) are read from the core by name.
 *
 * <p>Text properties are null when absent. Amounts are {@link OptionalLong} in fen, empty when absent
 * (or empty); <b>an amount sent in another form than ASCII digits ({@code 1.00}, {@code -1},
 * {@code  1}) is not "absent": reading its property throws {@link NotifyException} with code
 * {@code missing_field}</b> (the notification verified, its other properties stay readable, and
 * {@link #fields()} holds the value as sent); so does an amount above {@link Long#MAX_VALUE}, which a
 * {@code long} cannot hold. Compare the paid amount with your order before fulfilling it.
 */
public final class PaymentNotification {
    private final List<Map.Entry<String, String>> fields;
    private final Map<String, String> byName;
    private final TypedProperties typed;

    private PaymentNotification(List<Map.Entry<String, String>> fields, TypedProperties typed) {
        this.fields = Collections.unmodifiableList(fields);
        this.byName = lookup(fields);
        this.typed = typed;
    }

    /** Copies a native payment out (an owned one, or one borrowed from an endpoint result). */
    static PaymentNotification read(final long handle, Ffi.Scratch s) {
        List<Map.Entry<String, String>> fields = Ffi.readFields(s, NativeMethods.wechatpay_payment_field_count(handle),
                (i, out) -> NativeMethods.wechatpay_payment_field(handle, i, out));
        return new PaymentNotification(fields, new TypedProperties(new ViewReader(ViewReader.PAYMENT, handle, s)));
    }

    static Map<String, String> lookup(List<Map.Entry<String, String>> fields) {
        // Names are unique: the core refuses a repeated element (duplicate_field).
        Map<String, String> map = new HashMap<>(fields.size() * 2);
        for (Map.Entry<String, String> f : fields) {
            map.put(f.getKey(), f.getValue());
        }
        return map;
    }

    /**
     * Every child element exactly as received, in document order ({@code sign} and empty ones
     * included): an unmodifiable list of immutable name/value entries.
     */
    public List<Map.Entry<String, String>> fields() {
        return fields;
    }

    /**
     * The value of the field {@code name} exactly as received, or null when absent (an empty element
     * is {@code ""}).
     *
     * @throws NullPointerException {@code name} is null
     */
    public String get(String name) {
        if (name == null) {
            throw new NullPointerException("name");
        }
        return byName.get(name);
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's payment view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] APPID = ViewReader.name("appid");
        private static final byte[] MCH_ID = ViewReader.name("mch_id");
        private static final byte[] SUB_APPID = ViewReader.name("sub_appid");
        private static final byte[] SUB_MCH_ID = ViewReader.name("sub_mch_id");
        private static final byte[] DEVICE_INFO = ViewReader.name("device_info");
        private static final byte[] NONCE_STR = ViewReader.name("nonce_str");
        private static final byte[] RESULT_CODE = ViewReader.name("result_code");
        private static final byte[] ERR_CODE = ViewReader.name("err_code");
        private static final byte[] ERR_CODE_DES = ViewReader.name("err_code_des");
        private static final byte[] OPENID = ViewReader.name("openid");
        private static final byte[] IS_SUBSCRIBE = ViewReader.name("is_subscribe");
        private static final byte[] TRADE_TYPE = ViewReader.name("trade_type");
        private static final byte[] BANK_TYPE = ViewReader.name("bank_type");
        private static final byte[] FEE_TYPE = ViewReader.name("fee_type");
        private static final byte[] CASH_FEE_TYPE = ViewReader.name("cash_fee_type");
        private static final byte[] TRANSACTION_ID = ViewReader.name("transaction_id");
        private static final byte[] OUT_TRADE_NO = ViewReader.name("out_trade_no");
        private static final byte[] ATTACH = ViewReader.name("attach");
        private static final byte[] TIME_END = ViewReader.name("time_end");
        private static final byte[] TOTAL_FEE = ViewReader.name("total_fee");
        private static final byte[] SETTLEMENT_TOTAL_FEE = ViewReader.name("settlement_total_fee");
        private static final byte[] CASH_FEE = ViewReader.name("cash_fee");
        private static final byte[] COUPON_FEE = ViewReader.name("coupon_fee");
        private static final byte[] COUPON_COUNT = ViewReader.name("coupon_count");
        private static final byte[] SIGN_TYPE = ViewReader.name("sign_type");
        private static final byte[] IS_SUCCESS = ViewReader.name("is_success");
        private static final byte[] DEDUPE_KEY = ViewReader.name("dedupe_key");
        private static final byte[] COUPONS = ViewReader.name("coupons");

        final String appid;
        final String mchId;
        final String subAppid;
        final String subMchId;
        final String deviceInfo;
        final String nonceStr;
        final String resultCode;
        final String errCode;
        final String errCodeDes;
        final String openid;
        final String isSubscribe;
        final String tradeType;
        final String bankType;
        final String feeType;
        final String cashFeeType;
        final String transactionId;
        final String outTradeNo;
        final String attach;
        final String timeEnd;
        final Typed<OptionalLong> totalFee;
        final Typed<OptionalLong> settlementTotalFee;
        final Typed<OptionalLong> cashFee;
        final Typed<OptionalLong> couponFee;
        final Typed<OptionalLong> couponCount;
        final String signType;
        final boolean isSuccess;
        final String dedupeKey;
        final Typed<List<Coupon>> coupons;

        TypedProperties(ViewReader r) {
            appid = r.text(APPID);
            mchId = r.text(MCH_ID);
            subAppid = r.text(SUB_APPID);
            subMchId = r.text(SUB_MCH_ID);
            deviceInfo = r.text(DEVICE_INFO);
            nonceStr = r.text(NONCE_STR);
            resultCode = r.text(RESULT_CODE);
            errCode = r.text(ERR_CODE);
            errCodeDes = r.text(ERR_CODE_DES);
            openid = r.text(OPENID);
            isSubscribe = r.text(IS_SUBSCRIBE);
            tradeType = r.text(TRADE_TYPE);
            bankType = r.text(BANK_TYPE);
            feeType = r.text(FEE_TYPE);
            cashFeeType = r.text(CASH_FEE_TYPE);
            transactionId = r.text(TRANSACTION_ID);
            outTradeNo = r.text(OUT_TRADE_NO);
            attach = r.text(ATTACH);
            timeEnd = r.text(TIME_END);
            totalFee = r.amount(TOTAL_FEE);
            settlementTotalFee = r.amount(SETTLEMENT_TOTAL_FEE);
            cashFee = r.amount(CASH_FEE);
            couponFee = r.amount(COUPON_FEE);
            couponCount = r.amount(COUPON_COUNT);
            signType = r.text(SIGN_TYPE);
            isSuccess = r.bool(IS_SUCCESS);
            dedupeKey = r.text(DEDUPE_KEY);
            coupons = r.coupons(COUPONS);
        }
    }

    /** {@code appid}; null when absent. */
    public String appid() {
        return typed.appid;
    }

    /** {@code mch_id}; null when absent. */
    public String mchId() {
        return typed.mchId;
    }

    /** {@code sub_appid} (service-provider mode); null when absent. */
    public String subAppid() {
        return typed.subAppid;
    }

    /** {@code sub_mch_id} (service-provider mode); null when absent. */
    public String subMchId() {
        return typed.subMchId;
    }

    /** {@code device_info}; null when absent. */
    public String deviceInfo() {
        return typed.deviceInfo;
    }

    /** {@code nonce_str}; null when absent. */
    public String nonceStr() {
        return typed.nonceStr;
    }

    /** {@code result_code} ({@code SUCCESS} / {@code FAIL}); null when absent. */
    public String resultCode() {
        return typed.resultCode;
    }

    /** {@code err_code}; null when absent. */
    public String errCode() {
        return typed.errCode;
    }

    /** {@code err_code_des}; null when absent. */
    public String errCodeDes() {
        return typed.errCodeDes;
    }

    /** {@code openid}; null when absent. */
    public String openid() {
        return typed.openid;
    }

    /** {@code is_subscribe}; null when absent. */
    public String isSubscribe() {
        return typed.isSubscribe;
    }

    /** {@code trade_type}; null when absent. */
    public String tradeType() {
        return typed.tradeType;
    }

    /** {@code bank_type}; null when absent. */
    public String bankType() {
        return typed.bankType;
    }

    /** {@code fee_type}; null when absent. */
    public String feeType() {
        return typed.feeType;
    }

    /** {@code cash_fee_type}; null when absent. */
    public String cashFeeType() {
        return typed.cashFeeType;
    }

    /** {@code transaction_id}; null when absent. */
    public String transactionId() {
        return typed.transactionId;
    }

    /** {@code out_trade_no}; null when absent. */
    public String outTradeNo() {
        return typed.outTradeNo;
    }

    /** {@code attach}; null when absent. */
    public String attach() {
        return typed.attach;
    }

    /** {@code time_end} ({@code yyyyMMddHHmmss}, Beijing time); null when absent. */
    public String timeEnd() {
        return typed.timeEnd;
    }

    /**
     * {@code total_fee} in fen: compare it with your order before fulfilling it; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong totalFee() {
        return typed.totalFee.get();
    }

    /**
     * {@code settlement_total_fee} in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong settlementTotalFee() {
        return typed.settlementTotalFee.get();
    }

    /**
     * {@code cash_fee} in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong cashFee() {
        return typed.cashFee.get();
    }

    /**
     * {@code coupon_fee} in fen; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong couponFee() {
        return typed.couponFee.get();
    }

    /**
     * {@code coupon_count}: how many coupons the payment used; empty when absent.
     *
     * @throws NotifyException {@code missing_field}: present in another form than a non-negative integer
     *     (never read as absent), or above {@link Long#MAX_VALUE}
     */
    public OptionalLong couponCount() {
        return typed.couponCount.get();
    }

    /** The algorithm the signature verified with ({@code MD5} / {@code HMAC-SHA256}). */
    public String signType() {
        return typed.signType;
    }

    /**
     * {@code return_code} and {@code result_code} are both {@code SUCCESS}: the payment succeeded.
     * Acknowledge a verified notification with the success reply even when this is false.
     */
    public boolean isSuccess() {
        return typed.isSuccess;
    }

    /**
     * The idempotency key (record each notification once per key): {@code transaction_id} when the payment
     * succeeded (the same as its APIv3 delivery's), else {@code transaction_id:RESULT_CODE} (e.g.
     * {@code 4200000001:FAIL}), so a later success is not swallowed by an earlier failure; null without a
     * {@code transaction_id}.
     */
    public String dedupeKey() {
        return typed.dedupeKey;
    }

    /**
     * The coupons {@code 0..coupon_count} from {@code coupon_{type,id,fee}_$n}: an index without a
     * {@code coupon_id_$n} is skipped, indices at or past {@code coupon_count} are ignored. A count or fee
     * present in another form than digits is an error ({@code missing_field}). The list is unmodifiable.
     *
     * @throws NotifyException {@code missing_field}: the coupons cannot be listed
     */
    public List<Coupon> coupons() {
        return typed.coupons.get();
    }

    /**
     * Every typed property as {@code name=value} ({@code null} when absent; an amount that cannot be read as
     * {@code <code>}); never throws.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("PaymentNotification(");
        s.append("appid=").append(typed.appid);
        s.append(", mch_id=").append(typed.mchId);
        s.append(", sub_appid=").append(typed.subAppid);
        s.append(", sub_mch_id=").append(typed.subMchId);
        s.append(", device_info=").append(typed.deviceInfo);
        s.append(", nonce_str=").append(typed.nonceStr);
        s.append(", result_code=").append(typed.resultCode);
        s.append(", err_code=").append(typed.errCode);
        s.append(", err_code_des=").append(typed.errCodeDes);
        s.append(", openid=").append(typed.openid);
        s.append(", is_subscribe=").append(typed.isSubscribe);
        s.append(", trade_type=").append(typed.tradeType);
        s.append(", bank_type=").append(typed.bankType);
        s.append(", fee_type=").append(typed.feeType);
        s.append(", cash_fee_type=").append(typed.cashFeeType);
        s.append(", transaction_id=").append(typed.transactionId);
        s.append(", out_trade_no=").append(typed.outTradeNo);
        s.append(", attach=").append(typed.attach);
        s.append(", time_end=").append(typed.timeEnd);
        s.append(", total_fee=").append(typed.totalFee.show());
        s.append(", settlement_total_fee=").append(typed.settlementTotalFee.show());
        s.append(", cash_fee=").append(typed.cashFee.show());
        s.append(", coupon_fee=").append(typed.couponFee.show());
        s.append(", coupon_count=").append(typed.couponCount.show());
        s.append(", sign_type=").append(typed.signType);
        s.append(", is_success=").append(typed.isSuccess);
        s.append(", dedupe_key=").append(typed.dedupeKey);
        s.append(", coupons=").append(typed.coupons.show());
        return s.append(')').toString();
    }
    // END GENERATED typed properties
}
