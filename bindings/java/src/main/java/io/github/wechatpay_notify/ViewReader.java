package io.github.wechatpay_notify;

import static io.github.wechatpay_notify.NativeMethods.Layout.COUPON_COUPON_TYPE;
import static io.github.wechatpay_notify.NativeMethods.Layout.COUPON_FEE;
import static io.github.wechatpay_notify.NativeMethods.Layout.COUPON_HAS_COUPON_TYPE;
import static io.github.wechatpay_notify.NativeMethods.Layout.COUPON_HAS_FEE;
import static io.github.wechatpay_notify.NativeMethods.Layout.COUPON_ID;
import static io.github.wechatpay_notify.NativeMethods.Layout.PROPERTY_KIND;
import static io.github.wechatpay_notify.NativeMethods.Layout.PROPERTY_KIND_NAME;
import static io.github.wechatpay_notify.NativeMethods.Layout.PROPERTY_NAME;
import static io.github.wechatpay_notify.NativeMethods.Layout.STR_DATA;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;

/**
 * One view of one native result (a v2 payment or refund, an APIv3 transaction, refund, profit-sharing
 * movement, merchant transfer or complaint, the rules of
 * an APIv3 notification or of an endpoint result), read
 * by property name with the C ABI's by-name getter of each kind: the core decides where each value
 * comes from and what counts as present. The generated part of each result class (from
 * tests/vectors/typed_views.json) names the properties; nothing here does.
 */
final class ViewReader {
    static final int PAYMENT = 0;
    static final int REFUND = 1;
    static final int V3_TRANSACTION = 2;
    static final int V3_REFUND = 3;
    static final int V3_NOTIFICATION = 4;
    static final int ENDPOINT_RESULT = 5;
    static final int V3_PROFIT_SHARING = 6;
    static final int V3_TRANSFER = 7;
    static final int V3_COMPLAINT = 8;

    private final int view;
    private final long handle;
    private final Ffi.Scratch s;

    ViewReader(int view, long handle, Ffi.Scratch s) {
        this.view = view;
        this.handle = handle;
        this.s = s;
    }

    /** A property name as the getters take it. */
    static byte[] name(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /** A text (or sign_type) property; null when absent. */
    String text(byte[] name) {
        long error;
        switch (view) {
            case PAYMENT:
                error = NativeMethods.wechatpay_payment_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
            case REFUND:
                error = NativeMethods.wechatpay_refund_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
            case V3_TRANSACTION:
                error = NativeMethods.wechatpay_v3_transaction_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
            case V3_REFUND:
                error = NativeMethods.wechatpay_v3_refund_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
            case V3_PROFIT_SHARING:
                error = NativeMethods.wechatpay_v3_profit_sharing_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
            case V3_TRANSFER:
                error = NativeMethods.wechatpay_v3_transfer_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
            case V3_COMPLAINT:
                error = NativeMethods.wechatpay_v3_complaint_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
            case V3_NOTIFICATION:
                error = NativeMethods.wechatpay_v3_notification_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
            default:
                error = NativeMethods.wechatpay_endpoint_result_text(handle, name, name.length, s.struct(), s.boolOut());
                break;
        }
        Ffi.check(error);
        return s.bool() ? s.str(STR_DATA) : null;
    }

    /** A string property: the core always gives one, so an absent value is {@code internal}. */
    String requiredText(byte[] name) {
        String value = text(name);
        if (value == null) {
            throw Ffi.internal("the core gave no value for the string property "
                    + new String(name, StandardCharsets.US_ASCII));
        }
        return value;
    }

    /**
     * An amount in fen (empty when absent), or the error reading it gave, which the accessor throws:
     * the core's {@code missing_field} for an amount present in another form than a non-negative
     * integer, and the same code for one above {@link Long#MAX_VALUE}, which a {@code long} cannot
     * hold (refused, never wrapped to a negative number).
     */
    Typed<OptionalLong> amount(byte[] name) {
        long error;
        switch (view) {
            case PAYMENT:
                error = NativeMethods.wechatpay_payment_amount(handle, name, name.length, s.u64Out(), s.boolOut());
                break;
            case REFUND:
                error = NativeMethods.wechatpay_refund_amount(handle, name, name.length, s.u64Out(), s.boolOut());
                break;
            case V3_TRANSACTION:
                error = NativeMethods.wechatpay_v3_transaction_amount(handle, name, name.length, s.u64Out(), s.boolOut());
                break;
            case V3_REFUND:
                error = NativeMethods.wechatpay_v3_refund_amount(handle, name, name.length, s.u64Out(), s.boolOut());
                break;
            case V3_PROFIT_SHARING:
                error = NativeMethods.wechatpay_v3_profit_sharing_amount(handle, name, name.length, s.u64Out(), s.boolOut());
                break;
            case V3_TRANSFER:
                error = NativeMethods.wechatpay_v3_transfer_amount(handle, name, name.length, s.u64Out(), s.boolOut());
                break;
            case V3_COMPLAINT:
                error = NativeMethods.wechatpay_v3_complaint_amount(handle, name, name.length, s.u64Out(), s.boolOut());
                break;
            default:
                throw Ffi.internal("this view has no amount property: " + new String(name, StandardCharsets.US_ASCII));
        }
        if (error != 0) {
            return Typed.failed(Ffi.error(error));
        }
        if (!s.bool()) {
            return Typed.of(OptionalLong.empty());
        }
        long value = s.u64();
        if (value < 0) {
            return Typed.failed(beyondLong(new String(name, StandardCharsets.US_ASCII), value));
        }
        return Typed.of(OptionalLong.of(value));
    }

    /** The error for an amount a Java {@code long} cannot hold. */
    static NotifyException beyondLong(String what, long unsigned) {
        return new NotifyException("missing_field", Ffi.MISSING_FIELD, what + ": the amount "
                + Long.toUnsignedString(unsigned) + " is above Long.MAX_VALUE, which a Java long cannot hold");
    }

    /** A bool property. */
    boolean bool(byte[] name) {
        long error;
        switch (view) {
            case PAYMENT:
                error = NativeMethods.wechatpay_payment_bool(handle, name, name.length, s.boolOut());
                break;
            case REFUND:
                error = NativeMethods.wechatpay_refund_bool(handle, name, name.length, s.boolOut());
                break;
            case V3_NOTIFICATION:
                error = NativeMethods.wechatpay_v3_notification_bool(handle, name, name.length, s.boolOut());
                break;
            case ENDPOINT_RESULT:
                error = NativeMethods.wechatpay_endpoint_result_bool(handle, name, name.length, s.boolOut());
                break;
            default:
                throw Ffi.internal("this view has no bool property: " + new String(name, StandardCharsets.US_ASCII));
        }
        Ffi.check(error);
        return s.bool();
    }

    /** The coupons (payments only), or the error listing them gave. */
    Typed<List<Coupon>> coupons(byte[] name) {
        if (view != PAYMENT) {
            throw Ffi.internal("this view has no coupons property: " + new String(name, StandardCharsets.US_ASCII));
        }
        long error = NativeMethods.wechatpay_payment_coupons_len(handle, s.u64Out());
        if (error != 0) {
            return Typed.failed(Ffi.error(error));
        }
        long len = s.u64();
        List<Coupon> list = new ArrayList<>((int) Math.min(len, 64));
        for (long i = 0; i < len; i++) {
            error = NativeMethods.wechatpay_payment_coupon(handle, i, s.struct());
            if (error != 0) {
                return Typed.failed(Ffi.error(error));
            }
            OptionalLong fee = OptionalLong.empty();
            if (s.boolAt(COUPON_HAS_FEE)) {
                long value = s.longAt(COUPON_FEE);
                if (value < 0) {
                    return Typed.failed(beyondLong("coupon_fee_" + i, value));
                }
                fee = OptionalLong.of(value);
            }
            list.add(new Coupon(s.str(COUPON_ID), s.boolAt(COUPON_HAS_COUPON_TYPE) ? s.str(COUPON_COUPON_TYPE) : null, fee));
        }
        return Typed.of(Collections.unmodifiableList(list));
    }

    /**
     * The core's declaration of a view, as the C ABI lists it ({@code wechatpay_*_property}): each
     * property's name and kind name ({@code text}, {@code amount}, ...), in declaration order. The tests
     * compare it with typed_views.json and with the result classes.
     */
    static List<String[]> declared(int view) {
        Ffi.Scratch s = Ffi.Scratch.get();
        List<String[]> props = new ArrayList<>();
        for (long i = 0;; i++) {
            byte found;
            switch (view) {
                case PAYMENT:
                    found = NativeMethods.wechatpay_payment_property(i, s.struct());
                    break;
                case REFUND:
                    found = NativeMethods.wechatpay_refund_property(i, s.struct());
                    break;
                case V3_TRANSACTION:
                    found = NativeMethods.wechatpay_v3_transaction_property(i, s.struct());
                    break;
                case V3_REFUND:
                    found = NativeMethods.wechatpay_v3_refund_property(i, s.struct());
                    break;
                case V3_PROFIT_SHARING:
                    found = NativeMethods.wechatpay_v3_profit_sharing_property(i, s.struct());
                    break;
                case V3_TRANSFER:
                    found = NativeMethods.wechatpay_v3_transfer_property(i, s.struct());
                    break;
                case V3_COMPLAINT:
                    found = NativeMethods.wechatpay_v3_complaint_property(i, s.struct());
                    break;
                case V3_NOTIFICATION:
                    found = NativeMethods.wechatpay_v3_notification_property(i, s.struct());
                    break;
                default:
                    found = NativeMethods.wechatpay_endpoint_result_property(i, s.struct());
                    break;
            }
            if (found == 0) {
                return props;
            }
            props.add(new String[] {s.str(PROPERTY_NAME), s.str(PROPERTY_KIND_NAME), Integer.toString(s.intAt(PROPERTY_KIND))});
        }
    }

    /** The number of properties the C ABI declares for a view. */
    static long declaredCount(int view) {
        switch (view) {
            case PAYMENT:
                return NativeMethods.wechatpay_payment_property_count();
            case REFUND:
                return NativeMethods.wechatpay_refund_property_count();
            case V3_TRANSACTION:
                return NativeMethods.wechatpay_v3_transaction_property_count();
            case V3_REFUND:
                return NativeMethods.wechatpay_v3_refund_property_count();
            case V3_PROFIT_SHARING:
                return NativeMethods.wechatpay_v3_profit_sharing_property_count();
            case V3_TRANSFER:
                return NativeMethods.wechatpay_v3_transfer_property_count();
            case V3_COMPLAINT:
                return NativeMethods.wechatpay_v3_complaint_property_count();
            case V3_NOTIFICATION:
                return NativeMethods.wechatpay_v3_notification_property_count();
            default:
                return NativeMethods.wechatpay_endpoint_result_property_count();
        }
    }
}
