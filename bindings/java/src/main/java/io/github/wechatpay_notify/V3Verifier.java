package io.github.wechatpay_notify;

import static io.github.wechatpay_notify.NativeMethods.Layout.STR_DATA;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Verifies APIv3 notifications (JSON, RSA-SHA256 signatures, AES-256-GCM resources) for one
 * merchant: its APIv3 key and the WeChat Pay keys it trusts.
 *
 * <p>{@link #verify(Map, byte[], long)} checks, in this order: the body size
 * ({@code body_too_large}); the {@code Wechatpay-Timestamp/-Nonce/-Signature/-Serial} headers
 * ({@code missing_header}); WeChat Pay's {@code WECHATPAY/SIGNTEST/} probes
 * ({@code signature_probe}); {@code Wechatpay-Signature-Type}, absent or
 * {@code WECHATPAY2-SHA256-RSA2048} ({@code unsupported_algorithm}); the key named by
 * {@code Wechatpay-Serial}, and a certificate's validity at {@code now} ({@code unknown_serial});
 * |now - timestamp| within the clock skew, both directions ({@code timestamp_out_of_window}); the
 * RSA PKCS#1 v1.5 SHA-256 signature over the raw bytes {@code timestamp\nnonce\nbody\n}
 * ({@code signature_mismatch}). Only then is the body read: JSON ({@code malformed_json}), the
 * required fields ({@code missing_field}), {@code AEAD_AES_256_GCM} ({@code unsupported_algorithm}),
 * AES-256-GCM and a UTF-8 JSON plaintext ({@code decrypt_failed}); with expected merchant ids, the
 * resource's {@code mchid} (or, for a partner notification, {@code sp_mchid}) is one of them
 * ({@code merchant_mismatch}).
 *
 * <pre>{@code
 * Map<String, String> platformKeys = new LinkedHashMap<>();   // id -> PEM
 * platformKeys.put("PUB_KEY_ID_0114232134912410000000000000", publicKeyPem);       // PUBLIC KEY
 * platformKeys.put("5157F09EFDC096DE15EBE81A47057A7232F1B8E1", certificatePem);    // CERTIFICATE
 * V3Verifier v3 = V3Verifier.builder(apiV3Key).trustedKeys(platformKeys).mchIds("1900000100").build();
 * try {
 *     V3Notification n = v3.verify(exchange.getRequestHeaders(), rawBody);   // the system clock
 *     if (n.transaction() != null) recordOnce(n.dedupeKey(), n.transaction().amountTotal());
 *     reply = Reply.v3Success();                                            // 204
 * } catch (NotifyException e) {
 *     reply = Reply.v3Fail(e);                       // 401/400/500, {"code":"FAIL","message":"rejected"}
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe: share one instance across requests. {@link #close()} releases it
 * once no call is running; later calls throw {@link IllegalStateException}; one never closed is
 * released by a {@code Cleaner} once unreachable.
 */
public final class V3Verifier implements AutoCloseable {
    /** The default allowed clock skew, in seconds, in either direction. */
    public static final long DEFAULT_MAX_CLOCK_SKEW = 300;

    private final NativeHandle handle;
    private final Cleanup cleanup;

    private V3Verifier(long raw) {
        handle = new NativeHandle("V3Verifier", raw, NativeMethods::wechatpay_v3_verifier_free);
        cleanup = SafetyNet.register(this, handle::closeFromSafetyNet);
    }

    /**
     * Starts a verifier for the merchant's APIv3 key (its UTF-8 form must be exactly 32 bytes). The
     * key crosses into native memory at once and the bytes encoded from it are zeroed.
     *
     * @throws NullPointerException {@code apiV3Key} is null
     * @throws IllegalArgumentException it has no UTF-8 form (an unpaired surrogate)
     * @throws NotifyException {@code invalid_config}: not 32 bytes
     */
    public static Builder builder(String apiV3Key) {
        try (Secret key = Secret.of(apiV3Key, "apiV3Key")) {
            return new Builder(key);
        }
    }

    /** {@link #builder(String)} with the key as bytes (your array is left as it is: wipe it yourself). */
    public static Builder builder(byte[] apiV3Key) {
        try (Secret key = Secret.of(apiV3Key, "apiV3Key")) {
            return new Builder(key);
        }
    }

    /** A verifier trusting {@code platformKeys} (id to PEM) with the defaults. */
    public static V3Verifier create(String apiV3Key, Map<String, String> platformKeys) {
        Builder b = builder(apiV3Key);
        try {
            return b.trustedKeys(platformKeys).build();
        } finally {
            b.close();
        }
    }

    /**
     * Verifies a notification and decrypts its resource (see the class documentation for the order
     * of the checks).
     *
     * @param headers the request's headers (at least the {@code Wechatpay-*} ones; names are
     *     case-insensitive): each value a {@code String}, or a collection of strings for a header with
     *     several values ({@code com.sun.net.httpserver.Headers}, Spring's {@code HttpHeaders}), so a
     *     {@code Wechatpay-*} header received twice is refused ({@code invalid_argument})
     * @param body the raw POST body, byte for byte as received (never re-serialised)
     * @param now the current time in Unix seconds; pass a fixed time in tests
     * @throws NullPointerException {@code headers}, a header name or value, or {@code body} is null
     * @throws IllegalArgumentException a header value is neither a string nor a collection of
     *     strings; a header has no UTF-8 form
     * @throws NotifyException {@code now} is negative ({@code invalid_argument})
     * @throws NotifyException the notification is rejected; {@link NotifyException#getCode()} says why
     * @throws IllegalStateException the verifier is closed
     */
    public V3Notification verify(Map<String, ?> headers, byte[] body, long now) {
        Ffi.Pairs pairs = Ffi.headers(headers, "headers");
        if (body == null) {
            throw new NullPointerException("body");
        }
        long at = Ffi.unixTime(now);
        Ffi.Scratch s = Ffi.Scratch.get();
        long v = handle.acquire();
        try {
            long array = pairs.write(s);
            Ffi.check(NativeMethods.wechatpay_v3_verifier_verify(v, array, pairs.count(), body, body.length, at,
                    s.ptrOut()));
        } finally {
            handle.release();
            s.doneWithInput();
        }
        long notification = s.ptr();
        try {
            return V3Notification.read(notification, s);
        } finally {
            NativeMethods.wechatpay_v3_notification_free(notification);
        }
    }

    /** {@link #verify(Map, byte[], long)} at the system clock ({@link Library#unixNow()}). */
    public V3Notification verify(Map<String, ?> headers, byte[] body) {
        return verify(headers, body, NativeMethods.wechatpay_unix_now());
    }

    /**
     * {@link #verify(Map, byte[], long)} for a body given as text (encoded as UTF-8). Prefer the
     * {@code byte[]} overload with the raw body.
     *
     * @throws IllegalArgumentException also when {@code body} has no UTF-8 form
     */
    public V3Notification verify(Map<String, ?> headers, String body, long now) {
        if (headers == null) {
            throw new NullPointerException("headers");
        }
        return verify(headers, Ffi.encode(body, "body"), now);
    }

    /**
     * True when a trusted key has this id as {@code Wechatpay-Serial} would name it (hex serials
     * compared numerically): picks the merchant of a notification.
     *
     * @throws NullPointerException {@code serial} is null
     * @throws IllegalArgumentException {@code serial} has no UTF-8 form
     * @throws IllegalStateException the verifier is closed
     */
    public boolean trusts(String serial) {
        byte[] b = Ffi.encode(serial, "serial");
        long v = handle.acquire();
        try {
            return NativeMethods.wechatpay_v3_verifier_trusts(v, b, b.length) != 0;
        } finally {
            handle.release();
        }
    }

    /**
     * The trusted key ids in the order given (a certificate by its uppercase hex serial).
     *
     * @throws IllegalStateException the verifier is closed
     */
    /**
     * Swaps in a new set of trusted keys, atomically (key rotation without a restart): a
     * verification running meanwhile in another thread uses either the old set or the new one,
     * never a mix. The verifier shares {@code keys} (which may be closed afterwards).
     *
     * @param keys the new set, e.g. {@link TrustedKeys#fromDirectory(java.nio.file.Path)}
     * @throws NullPointerException {@code keys} is null
     * @throws NotifyException {@code invalid_config} for an empty set; the verifier keeps its keys
     * @throws IllegalStateException the verifier or {@code keys} is closed
     */
    public void replaceTrustedKeys(TrustedKeys keys) {
        if (keys == null) {
            throw new NullPointerException("keys");
        }
        long v = handle.acquire();
        try {
            long k = keys.handle().acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_v3_verifier_replace_trusted_keys(v, k));
            } finally {
                keys.handle().release();
            }
        } finally {
            handle.release();
        }
    }

    /**
     * Swaps in a new set of trusted keys given as id → PEM (see {@link #replaceTrustedKeys(TrustedKeys)}).
     *
     * @param platformKeys id → PEM
     * @throws NullPointerException {@code platformKeys}, an id or a PEM is null
     * @throws NotifyException {@code invalid_config} for a refused key or an empty set; the verifier
     *     keeps its keys
     * @throws IllegalStateException the verifier is closed
     */
    public void replaceTrustedKeys(Map<String, String> platformKeys) {
        try (TrustedKeys keys = TrustedKeys.of(platformKeys)) {
            replaceTrustedKeys(keys);
        }
    }

    /**
     * The set of trusted keys in use now (a later swap does not change it); close it when done.
     *
     * @return a new handle on the set
     * @throws IllegalStateException the verifier is closed
     */
    public TrustedKeys trustedKeys() {
        Ffi.Scratch s = Ffi.Scratch.get();
        long v = handle.acquire();
        try {
            Ffi.check(NativeMethods.wechatpay_v3_verifier_trusted_keys(v, s.ptrOut()));
        } finally {
            handle.release();
        }
        return new TrustedKeys(s.ptr());
    }

    public List<String> trustedKeyIds() {
        Ffi.Scratch s = Ffi.Scratch.get();
        long v = handle.acquire();
        try {
            long count = NativeMethods.wechatpay_v3_verifier_trusted_key_count(v);
            List<String> ids = new ArrayList<>();
            for (long i = 0; i < count && NativeMethods.wechatpay_v3_verifier_trusted_key_id(v, i, s.struct()) != 0; i++) {
                ids.add(s.str(STR_DATA));
            }
            return Collections.unmodifiableList(ids);
        } finally {
            handle.release();
        }
    }

    /**
     * The merchant ids the verifier serves, in order (each once); empty when every merchant passes.
     *
     * @throws IllegalStateException the verifier is closed
     */
    public List<String> expectedMchIds() {
        Ffi.Scratch s = Ffi.Scratch.get();
        long v = handle.acquire();
        try {
            long count = NativeMethods.wechatpay_v3_verifier_expected_mch_id_count(v);
            List<String> ids = new ArrayList<>();
            for (long i = 0; i < count && NativeMethods.wechatpay_v3_verifier_expected_mch_id(v, i, s.struct()) != 0; i++) {
                ids.add(s.str(STR_DATA));
            }
            return Collections.unmodifiableList(ids);
        } finally {
            handle.release();
        }
    }

    /**
     * The configured clock skew in seconds.
     *
     * @throws IllegalStateException the verifier is closed
     */
    public long maxClockSkew() {
        long v = handle.acquire();
        try {
            long skew = NativeMethods.wechatpay_v3_verifier_max_clock_skew(v);
            return skew < 0 ? Long.MAX_VALUE : skew;
        } finally {
            handle.release();
        }
    }

    /**
     * The configured body size limit in bytes.
     *
     * @throws IllegalStateException the verifier is closed
     */
    public long maxBodyBytes() {
        long v = handle.acquire();
        try {
            long max = NativeMethods.wechatpay_v3_verifier_max_body_bytes(v);
            return max < 0 ? Long.MAX_VALUE : max;
        } finally {
            handle.release();
        }
    }

    /** Releases the native verifier once no call is running. Idempotent. */
    @Override
    public void close() {
        handle.close();
        cleanup.clean();
    }

    @Override
    public String toString() {
        return "V3Verifier(<key redacted>" + (handle.isClosed() ? ", closed" : "") + ")";
    }

    NativeHandle handle() {
        return handle;
    }

    /**
     * An APIv3 verifier's configuration: made by {@link V3Verifier#builder(String)}, which hands the
     * key to the native side at once; each setter is checked by the core at once (a refused key or
     * value leaves the builder as it was). {@link #build()} makes the verifier and releases the
     * builder (with its copy of the key); {@link #close()} releases an unused one. Made for one thread;
     * its methods are synchronized, so a builder shared by several threads applies their settings one
     * at a time and never corrupts native memory.
     */
    public static final class Builder implements AutoCloseable {
        private final NativeHandle handle;
        private final Cleanup cleanup;

        private Builder(Secret key) {
            Ffi.Scratch s = Ffi.Scratch.get();
            Ffi.check(NativeMethods.wechatpay_v3_verifier_builder_new(key.address(), key.length(), s.ptrOut()));
            handle = new NativeHandle("V3Verifier.Builder", s.ptr(), NativeMethods::wechatpay_v3_verifier_builder_free);
            cleanup = SafetyNet.register(this, handle::closeFromSafetyNet);
        }

        /**
         * Trusts {@code pem} under {@code id}: a platform certificate (PEM {@code CERTIFICATE}; the id
         * must be its serial) or a WeChat Pay public key (PEM {@code PUBLIC KEY}; the id is opaque,
         * usually {@code PUB_KEY_ID_...}). Both kinds may be trusted at once during a migration. An id
         * of hex digits matches {@code Wechatpay-Serial} numerically (leading zeros and case do not
         * matter), any other id exactly. RSA keys of 2048 to 8192 bits; a certificate is used only
         * within its validity period.
         *
         * @throws NullPointerException {@code id} or {@code pem} is null
         * @throws IllegalArgumentException a string has no UTF-8 form
         * @throws NotifyException {@code invalid_config}: a PEM the core refuses, an id given twice
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized Builder trustedKey(String id, String pem) {
            byte[] i = Ffi.encode(id, "id");
            byte[] p = Ffi.encode(pem, "pem");
            long h = handle.acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_v3_verifier_builder_add_trusted_key(h, i, i.length, p, p.length));
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * {@link #trustedKey(String, String)} for every entry of {@code platformKeys} (id to PEM), in
         * its iteration order.
         *
         * @throws NullPointerException {@code platformKeys}, an id or a PEM is null
         */
        public synchronized Builder trustedKeys(Map<String, String> platformKeys) {
            if (platformKeys == null) {
                throw new NullPointerException("platformKeys");
            }
            List<byte[]> encoded = new ArrayList<>();
            for (Map.Entry<String, String> e : platformKeys.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new NullPointerException("platformKeys: a key id or PEM is null");
                }
                encoded.add(Ffi.encode(e.getKey(), "platformKeys"));
                encoded.add(Ffi.encode(e.getValue(), "platformKeys"));
            }
            long h = handle.acquire();
            try {
                for (int k = 0; k < encoded.size(); k += 2) {
                    byte[] i = encoded.get(k);
                    byte[] p = encoded.get(k + 1);
                    Ffi.check(NativeMethods.wechatpay_v3_verifier_builder_add_trusted_key(h, i, i.length, p, p.length));
                }
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * Trusts the set {@code keys} (e.g. {@link TrustedKeys#fromDirectory(java.nio.file.Path)})
         * instead of the keys given so far; shared, not copied ({@code keys} may be closed
         * afterwards).
         *
         * @param keys the set
         * @return this builder
         * @throws NullPointerException {@code keys} is null
         * @throws NotifyException {@code invalid_config}: an empty set (the builder is unchanged)
         * @throws IllegalStateException the builder was built or closed, or {@code keys} is closed
         */
        public synchronized Builder trustedKeys(TrustedKeys keys) {
            if (keys == null) {
                throw new NullPointerException("keys");
            }
            long h = handle.acquire();
            try {
                long k = keys.handle().acquire();
                try {
                    Ffi.check(NativeMethods.wechatpay_v3_verifier_builder_replace_trusted_keys(h, k));
                } finally {
                    keys.handle().release();
                }
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * Serves these merchant ids (several for a service provider): after decryption the resource's
         * {@code mchid} (or, for a partner notification without one, {@code sp_mchid}) must be one of
         * them, else {@code merchant_mismatch}. Without any, every merchant passes. A repeated id is
         * kept once.
         *
         * @throws NullPointerException {@code mchIds} or one of them is null
         * @throws IllegalArgumentException an id has no UTF-8 form
         * @throws NotifyException {@code invalid_config}: an empty id
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized Builder mchIds(String... mchIds) {
            if (mchIds == null) {
                throw new NullPointerException("mchIds");
            }
            List<byte[]> encoded = new ArrayList<>();
            for (String id : mchIds) {
                if (id == null) {
                    throw new NullPointerException("mchIds: a merchant id is null");
                }
                encoded.add(Ffi.encode(id, "mchIds"));
            }
            long h = handle.acquire();
            try {
                for (byte[] b : encoded) {
                    Ffi.check(NativeMethods.wechatpay_v3_verifier_builder_expect_mch_id(h, b, b.length));
                }
            } finally {
                handle.release();
            }
            return this;
        }

        /** {@link #mchIds(String...)} for a collection. */
        public synchronized Builder mchIds(Iterable<String> mchIds) {
            if (mchIds == null) {
                throw new NullPointerException("mchIds");
            }
            List<String> list = new ArrayList<>();
            for (String id : mchIds) {
                list.add(id);
            }
            return mchIds(list.toArray(new String[0]));
        }

        /**
         * The allowed difference between {@code now} and {@code Wechatpay-Timestamp}, in seconds,
         * either way (default {@value V3Verifier#DEFAULT_MAX_CLOCK_SKEW}).
         *
         * @throws NotifyException {@code seconds} is negative ({@code invalid_config})
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized Builder maxClockSkew(long seconds) {
            if (seconds < 0) {
                throw NotifyException.invalidConfig("maxClockSkew must be a non-negative integer");
            }
            long h = handle.acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_v3_verifier_builder_max_clock_skew(h, seconds));
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * Bodies longer than this are {@code body_too_large} before anything else (default 65536).
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
                Ffi.check(NativeMethods.wechatpay_v3_verifier_builder_max_body_bytes(h, maxBodyBytes));
            } finally {
                handle.release();
            }
            return this;
        }

        /**
         * Makes the verifier and releases this builder.
         *
         * @throws NotifyException {@code invalid_config} when no WeChat Pay key is trusted
         * @throws IllegalStateException the builder was built or closed
         */
        public synchronized V3Verifier build() {
            Ffi.Scratch s = Ffi.Scratch.get();
            long h = handle.acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_v3_verifier_builder_build(h, s.ptrOut()));
            } finally {
                handle.release();
            }
            V3Verifier v = new V3Verifier(s.ptr());
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
