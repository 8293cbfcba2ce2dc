package io.github.wechatpay_notify;

import java.util.Map;

/** v2 signing, the way WeChat Pay does it (for tests and outgoing requests). */
public final class Signer {
    private Signer() {
    }

    /**
     * The uppercase hex signature of {@code fields} ({@code sign} itself and empty values are
     * skipped), in the given order (order does not change the signature; a repeated name is refused).
     *
     * @param fields name/value pairs, e.g. a {@code List<Map.Entry<String, String>>}
     * @param apiKey the v2 API key: 32 printable ASCII characters
     * @param signType {@link SignType#MD5} or {@link SignType#HMAC_SHA256}
     * @throws NullPointerException {@code fields}, a field, a name, a value, {@code apiKey} or
     *     {@code signType} is null
     * @throws IllegalArgumentException a string has no UTF-8 form (an unpaired surrogate)
     * @throws NotifyException {@code invalid_argument} for a repeated name or a name that
     *     {@link Verifier#verifyPayment(byte[])} would refuse; {@code invalid_config} for a bad key or
     *     algorithm name
     */
    public static String sign(Iterable<? extends Map.Entry<String, String>> fields, String apiKey, String signType) {
        Ffi.Pairs pairs = Ffi.fields(fields, "fields");
        byte[] type = Ffi.encode(signType, "signType");
        try (Secret key = Secret.of(apiKey, "apiKey")) {
            return sign(pairs, key, type);
        }
    }

    /** {@link #sign(Iterable, String, String)} for the fields of a map (names are unique). */
    public static String sign(Map<String, String> fields, String apiKey, String signType) {
        return sign(fields == null ? null : fields.entrySet(), apiKey, signType);
    }

    /**
     * {@link #sign(Iterable, String, String)} with the key as bytes, copied straight into native
     * memory that is zeroed after the call (your array is left as it is: wipe it yourself).
     */
    public static String sign(Iterable<? extends Map.Entry<String, String>> fields, byte[] apiKey, String signType) {
        Ffi.Pairs pairs = Ffi.fields(fields, "fields");
        byte[] type = Ffi.encode(signType, "signType");
        try (Secret key = Secret.of(apiKey, "apiKey")) {
            return sign(pairs, key, type);
        }
    }

    private static String sign(Ffi.Pairs pairs, Secret key, byte[] type) {
        Ffi.Scratch s = Ffi.Scratch.get();
        try {
            long array = pairs.write(s);
            Ffi.check(NativeMethods.wechatpay_sign(array, pairs.count(), key.address(), key.length(), type, type.length,
                    s.ptrOut()));
            return OwnedString.take(s.ptr());
        } finally {
            s.doneWithInput();
        }
    }

    /**
     * The string to sign without the trailing {@code &key=...} (for diagnostics; it contains no key):
     * every field except {@code sign}, empty values dropped, names in byte order, joined with {@code &}.
     *
     * @throws NullPointerException {@code fields}, a field, a name or a value is null
     * @throws IllegalArgumentException a string has no UTF-8 form
     * @throws NotifyException {@code duplicate_field} for a repeated name
     */
    public static String stringToSign(Iterable<? extends Map.Entry<String, String>> fields) {
        Ffi.Pairs pairs = Ffi.fields(fields, "fields");
        Ffi.Scratch s = Ffi.Scratch.get();
        try {
            long array = pairs.write(s);
            Ffi.check(NativeMethods.wechatpay_string_to_sign(array, pairs.count(), s.ptrOut()));
            return OwnedString.take(s.ptr());
        } finally {
            s.doneWithInput();
        }
    }

    /** {@link #stringToSign(Iterable)} for the fields of a map. */
    public static String stringToSign(Map<String, String> fields) {
        return stringToSign(fields == null ? null : fields.entrySet());
    }
}
