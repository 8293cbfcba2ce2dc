package io.github.wechatpay_notify;

import java.util.OptionalLong;

/** One coupon applied to a payment ({@code coupon_id_$n}, {@code coupon_type_$n}, {@code coupon_fee_$n}). */
public final class Coupon {
    private final String id;
    private final String couponType;
    private final OptionalLong fee;

    Coupon(String id, String couponType, OptionalLong fee) {
        this.id = id;
        this.couponType = couponType;
        this.fee = fee;
    }

    /** {@code coupon_id_$n}. */
    public String id() {
        return id;
    }

    /** {@code coupon_type_$n} ({@code CASH} / {@code NO_CASH}); null when not sent. */
    public String couponType() {
        return couponType;
    }

    /**
     * {@code coupon_fee_$n} in fen; empty when not sent. (A fee sent in another form than digits makes
     * {@link PaymentNotification#coupons()} throw {@code missing_field}.)
     */
    public OptionalLong fee() {
        return fee;
    }

    @Override
    public String toString() {
        return "Coupon(" + id + ", " + couponType + ", " + (fee.isPresent() ? Long.toString(fee.getAsLong()) : "null") + ")";
    }
}
