package io.github.wechatpay_notify;

/** A {@code struct wechatpay_string} (a signature, a FAIL reply): copied out, then freed. */
final class OwnedString {
    private OwnedString() {
    }

    static String take(long string) {
        if (string == 0) {
            throw Ffi.internal("the C ABI returned no string");
        }
        try {
            return Ffi.decode(NativeMethods.wechatpay_string_data(string), NativeMethods.wechatpay_string_len(string));
        } finally {
            NativeMethods.wechatpay_string_free(string);
        }
    }
}
