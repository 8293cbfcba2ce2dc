package io.github.wechatpay_notify;

import java.nio.charset.StandardCharsets;

/**
 * Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant API key.
 * Secure by default: the algorithm is pinned here, never chosen by the message; signatures are
 * compared in constant time; bodies are size-limited before parsing.
 *
 * <pre>{@code
 * Verifier verifier = Verifier.builder(apiKey, SignType.HMAC_SHA256).mchId("10000100").build();
 * try {
 *     PaymentNotification n = verifier.verifyPayment(rawBody);      // the POST body, byte for byte
 *     recordOnce(n.dedupeKey(), n.outTradeNo(), n.totalFee(), n.isSuccess());
 *     return Reply.success();                                       // also for result_code=FAIL
 * } catch (NotifyException e) {
 *     log(e.getCode(), e.getMessage());                              // the code is for your log
 *     return Reply.refusal();                                       // FAIL "rejected": WeChat Pay retries
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe: share one instance across requests. {@link #close()} releases the
 * native verifier (its key is zeroised) once no call is running; later calls throw
 * {@link IllegalStateException}. A verifier never closed is released by a {@code Cleaner} once it is
 * unreachable.
 */
public final class Verifier implements AutoCloseable {
    private final NativeHandle handle;
    private final Cleanup cleanup;

    private Verifier(long raw) {
        handle = new NativeHandle("Verifier", raw, NativeMethods::wechatpay_verifier_free);
        cleanup = SafetyNet.register(this, handle::closeFromSafetyNet);
    }

    /**
     * Starts a verifier for {@code apiKey} (32 printable ASCII characters) using {@code signType}
     * ({@link SignType#MD5} or {@link SignType#HMAC_SHA256}). The key crosses into native memory at
     * once and the bytes encoded from it are zeroed.
     *
     * @throws NullPointerException {@code apiKey} or {@code signType} is null
     * @throws IllegalArgumentException a string has no UTF-8 form (an unpaired surrogate)
     * @throws NotifyException {@code invalid_config}: the core refuses the key or the algorithm name
     */
    public static Builder builder(String apiKey, String signType) {
        byte[] type = Ffi.encode(signType, "signType");
        try (Secret key = Secret.of(apiKey, "apiKey")) {
            return new Builder(key, type);
        }
    }

    /**
     * {@link #builder(String, String)} with the key as bytes, copied straight into native memory that
     * is zeroed after the call (your array is left as it is: wipe it yourself).
     */
    public static Builder builder(byte[] apiKey, String signType) {
        byte[] type = Ffi.encode(signType, "signType");
        try (Secret key = Secret.of(apiKey, "apiKey")) {
            return new Builder(key, type);
        }
    }

    /** A verifier with the default options: {@code builder(apiKey, signType).build()}. */
    public static Verifier create(String apiKey, String signType) {
        return builder(apiKey, signType).build();
    }

    /**
     * Verifies a payment result notification: the raw POST body, byte for byte.
     *
     * @throws NullPointerException {@code body} is null
     * @throws NotifyException the notification is rejected; {@link NotifyException#getCode()} says why
     * @throws IllegalStateException the verifier is closed
     */
    public PaymentNotification verifyPayment(byte[] body) {
        if (body == null) {
            throw new NullPointerException("body");
        }
        Ffi.Scratch s = Ffi.Scratch.get();
        long v = handle.acquire();
        try {
            Ffi.check(NativeMethods.wechatpay_verifier_verify_payment(v, body, body.length, s.ptrOut()));
        } finally {
            handle.release();
        }
        long payment = s.ptr();
        try {
            return PaymentNotification.read(payment, s);
        } finally {
            NativeMethods.wechatpay_payment_free(payment);
        }
    }

    /**
     * Verifies a payment result notification given as text (encoded as UTF-8). Prefer
     * {@link #verifyPayment(byte[])} with the raw body.
     *
     * @throws NullPointerException {@code body} is null
     * @throws IllegalArgumentException {@code body} has no UTF-8 form (an unpaired surrogate)
     * @throws NotifyException the notification is rejected
     * @throws IllegalStateException the verifier is closed
     */
    public PaymentNotification verifyPayment(String body) {
        return verifyPayment(Ffi.encode(body, "body"));
    }

    /**
     * Decrypts and checks a refund result notification (the raw POST body).
     *
     * <p>Caveat: req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications
     * of the same merchant can be cut and pasted into a third that passes every check. Treat a refund
     * notification as a hint: confirm it with the refund query API before any irreversible action.
     *
     * @throws NullPointerException {@code body} is null
     * @throws NotifyException the notification is rejected
     * @throws IllegalStateException the verifier is closed
     */
    public RefundNotification decryptRefund(byte[] body) {
        if (body == null) {
            throw new NullPointerException("body");
        }
        Ffi.Scratch s = Ffi.Scratch.get();
        long v = handle.acquire();
        try {
            Ffi.check(NativeMethods.wechatpay_verifier_decrypt_refund(v, body, body.length, s.ptrOut()));
        } finally {
            handle.release();
        }
        long refund = s.ptr();
        try {
            return RefundNotification.read(refund, s);
        } finally {
            NativeMethods.wechatpay_refund_free(refund);
        }
    }

    /**
     * {@link #decryptRefund(byte[])} for a body given as text (encoded as UTF-8).
     *
     * @throws NullPointerException {@code body} is null
     * @throws IllegalArgumentException {@code body} has no UTF-8 form
     * @throws NotifyException the notification is rejected
     * @throws IllegalStateException the verifier is closed
     */
    public RefundNotification decryptRefund(String body) {
        return decryptRefund(Ffi.encode(body, "body"));
    }

    /** Releases the native verifier (its key is zeroised) once no call is running. Idempotent. */
    @Override
    public void close() {
        handle.close();
        cleanup.clean();
    }

    @Override
    public String toString() {
        return "Verifier(<key redacted>" + (handle.isClosed() ? ", closed" : "") + ")";
    }

    /** For the endpoint: keeps the native verifier from being freed while a profile is added. */
    NativeHandle handle() {
        return handle;
    }

    /**
     * A verifier's options: made by {@link Verifier#builder(String, String)}, which hands the key to
     * the native side at once; each setter is checked by the core at once (a refused value leaves
     * the builder as it was). {@link #build()} makes the verifier and releases the builder (with its
     * copy of the key); {@link #close()} releases an unused one (a builder never built nor closed is
     * released once unreachable). Made for one thread; its methods are synchronized, so a builder
     * shared by several threads applies their settings one at a time and never corrupts native memory.
     */
    public static final class Builder implements AutoCloseable {
        private final NativeHandle handle;
        private final Cleanup cleanup;

        private Builder(Secret key, byte[] type) {
            Ffi.Scratch s = Ffi.Scratch.get();
            Ffi.check(NativeMethods.wechatpay_verifier_builder_new(key.address(), key.length(), type, type.length,
                    s.ptrOut()));
            handle = new NativeHandle("Verifier.Builder", s.ptr(), NativeMethods::wechatpay_verifier_builder_free);
            cleanup = SafetyNet.register(this, handle::closeFromSafetyNet);
        }

        /**
         * Requires the notification's {@code appid} to equal this value (else
         * {@code merchant_mismatch}).
         *
         * @throws NullPointerException {@code appid} is null
         * @throws IllegalArgumentException {@code appid} has no UTF-8 form
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized Builder appid(String appid) {
            byte[] b = Ffi.encode(appid, "appid");
            long h = handle.acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_verifier_builder_expect_appid(h, b, b.length));
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * Requires the notification's {@code mch_id} to equal this value (else
         * {@code merchant_mismatch}); an {@link Endpoint} routes v2 notifications by it.
         *
         * @throws NullPointerException {@code mchId} is null
         * @throws IllegalArgumentException {@code mchId} has no UTF-8 form
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized Builder mchId(String mchId) {
            byte[] b = Ffi.encode(mchId, "mchId");
            long h = handle.acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_verifier_builder_expect_mch_id(h, b, b.length));
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * Explicit opt-in for a migration between algorithms: also accept signatures made with these
         * ({@code "MD5"} or {@code "HMAC-SHA256"}).
         *
         * @throws NullPointerException {@code signTypes} or one of them is null
         * @throws IllegalArgumentException a name has no UTF-8 form
         * @throws NotifyException {@code invalid_config}: the core refuses a name (the builder keeps
         *     the ones before it)
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized Builder alsoAccept(String... signTypes) {
            if (signTypes == null) {
                throw new NullPointerException("alsoAccept");
            }
            for (String t : signTypes) {
                if (t == null) {
                    throw new NullPointerException("alsoAccept: a sign type is null");
                }
                Ffi.checkUtf8(t, "alsoAccept");
            }
            long h = handle.acquire();
            try {
                for (String t : signTypes) {
                    byte[] b = t.getBytes(StandardCharsets.UTF_8);
                    Ffi.check(NativeMethods.wechatpay_verifier_builder_also_accept(h, b, b.length));
                }
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * Bodies longer than this are {@code body_too_large} before parsing (default 65536).
         *
         * @throws NotifyException {@code maxBodyBytes} is negative ({@code invalid_config})
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized Builder maxBodyBytes(long maxBodyBytes) {
            if (maxBodyBytes < 0) {
                throw NotifyException.invalidConfig("maxBodyBytes must be a non-negative integer");
            }
            long h = handle.acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_verifier_builder_max_body_bytes(h, maxBodyBytes));
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * Makes the verifier and releases this builder.
         *
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized Verifier build() {
            Ffi.Scratch s = Ffi.Scratch.get();
            long h = handle.acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_verifier_builder_build(h, s.ptrOut()));
            } finally {
                handle.release();
            }
            Verifier v = new Verifier(s.ptr());
            close();
            return v;
        }

        /** Releases the builder and its copy of the key (zeroised). Idempotent. */
        @Override
        public synchronized void close() {
            handle.close();
            cleanup.clean();
        }
    }
}
