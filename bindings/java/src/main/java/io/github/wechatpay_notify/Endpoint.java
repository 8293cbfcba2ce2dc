package io.github.wechatpay_notify;

import static io.github.wechatpay_notify.NativeMethods.Layout.STR_DATA;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One notify_url for many merchants and both API versions: for each request it decides the version
 * and the merchant, then runs that merchant's own verifier unchanged.
 *
 * <p>A {@code Wechatpay-Signature} header means APIv3: the required headers
 * ({@code missing_header}), WeChat Pay's probe ({@code signature_probe}) and the signature type are
 * checked first, then the merchant is the one whose {@link V3Verifier} trusts {@code Wechatpay-Serial}
 * ({@code unknown_serial} when none does); its resource must name the profile's merchant id(s) when
 * there are any ({@code merchant_mismatch}). Otherwise the body is v2 XML: a refund when it has
 * {@code req_info}, else a payment, for the merchant whose id is its {@code mch_id}
 * ({@code missing_field} without one, {@code merchant_mismatch} when no merchant has it). The merchant
 * is chosen from unverified input, which is safe only because that merchant's own key must then
 * verify the message. A request neither version can read gets the v2 FAIL reply with status 400.
 *
 * <pre>{@code
 * Endpoint endpoint = Endpoint.fromProfilesFile(Paths.get("/etc/notify/profiles.json"));
 * try {
 *     EndpointResult r = endpoint.handle(exchange.getRequestHeaders(), rawBody);
 *     record(r.label(), r.dedupeKey(), ...);                  // once per (label, dedupe key)
 *     send(r.reply());                                        // v2: 200 + XML SUCCESS; v3: 204
 * } catch (EndpointRejectedException e) {
 *     log(e.getCode(), e.getVersion(), e.getLabel());
 *     send(e.getReply());                                     // the constant FAIL reply of its version
 * }
 * }</pre>
 *
 * <p>Refunds: req_info is AES-256-ECB without integrity; treat a refund notification as a hint and
 * confirm it with the refund query API before any irreversible action.
 *
 * <p>Immutable and thread-safe: share one instance across requests. {@link #close()} releases it once
 * no call is running; later calls throw {@link IllegalStateException}; one never closed is released by
 * a {@code Cleaner} once unreachable.
 */
public final class Endpoint implements AutoCloseable {
    private final NativeHandle handle;
    private final Cleanup cleanup;

    private Endpoint(long raw) {
        handle = new NativeHandle("Endpoint", raw, NativeMethods::wechatpay_endpoint_free);
        cleanup = SafetyNet.register(this, handle::closeFromSafetyNet);
    }

    /**
     * An endpoint serving {@code profiles}; it copies their verifiers (close yours whenever you like).
     *
     * @throws NullPointerException {@code profiles} or one of them is null
     * @throws IllegalStateException a profile's verifier is closed
     * @throws NotifyException {@code invalid_config}: no profile, a profile with neither verifier, a v2
     *     verifier and no merchant id, a profile's id that is empty or differs from its v2 verifier's,
     *     a label used twice, two profiles with the same {@code mch_id}, two v2 verifiers with the same
     *     API key (a refund's req_info names no merchant, so one merchant's refund would pass as the
     *     other's), or two profiles trusting the same APIv3 key id
     */
    public static Endpoint of(MerchantProfile... profiles) {
        if (profiles == null) {
            throw new NullPointerException("profiles");
        }
        return of(Arrays.asList(profiles));
    }

    /** {@link #of(MerchantProfile...)} for a collection. */
    public static Endpoint of(Collection<MerchantProfile> profiles) {
        if (profiles == null) {
            throw new NullPointerException("profiles");
        }
        List<MerchantProfile> list = new ArrayList<>(profiles);
        for (MerchantProfile p : list) {
            if (p == null) {
                throw new NullPointerException("profiles: a profile is null");
            }
        }
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_endpoint_builder_new(s.ptrOut()));
        long builder = s.ptr();
        try {
            for (MerchantProfile p : list) {
                add(builder, p);
            }
            Ffi.check(NativeMethods.wechatpay_endpoint_builder_build(builder, s.ptrOut()));
            return new Endpoint(s.ptr());
        } finally {
            NativeMethods.wechatpay_endpoint_builder_free(builder);
        }
    }

    /** Adds one profile; its verifiers are kept from being freed by a concurrent close while they are copied. */
    private static void add(long builder, MerchantProfile p) {
        NativeHandle v2 = p.v2() == null ? null : p.v2().handle();
        NativeHandle v3 = p.v3() == null ? null : p.v3().handle();
        long v2Raw = v2 == null ? 0 : v2.acquire();
        try {
            long v3Raw = v3 == null ? 0 : v3.acquire();
            try {
                byte[] label = p.labelBytes;
                byte[] mchId = p.mchIdBytes;
                Ffi.check(mchId == null
                        ? NativeMethods.wechatpay_endpoint_builder_add_profile(builder, label, label.length, v2Raw, v3Raw)
                        : NativeMethods.wechatpay_endpoint_builder_add_profile_with_mch_id(builder, label, label.length,
                                mchId, mchId.length, v2Raw, v3Raw));
            } finally {
                if (v3 != null) {
                    v3.release();
                }
            }
        } finally {
            if (v2 != null) {
                v2.release();
            }
        }
    }

    /**
     * Reads an endpoint profiles file (the JSON of {@code wechatpay-notify verify-any --profiles}) with
     * the core's loader, the one every surface uses. It names each merchant's key files (relative to
     * the profiles file) or environment variables, never keys:
     *
     * <pre>{@code
     * {"profiles": [
     *   {"label": "shop-a", "mch_id": "10000100",
     *    "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5"},
     *    "v3": {"api_v3_key_env": "SHOP_A_V3_KEY",
     *           "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "keys/a-pub.pem"}}}
     * ]}
     * }</pre>
     *
     * A profile has a {@code label}, a {@code mch_id} (binding both versions) and a {@code v2} and/or
     * {@code v3} part. {@code v2}: exactly one of {@code api_key_file} / {@code api_key_env},
     * {@code sign_type} (required), {@code mch_id}, {@code appid}, {@code also_accept},
     * {@code max_body_bytes}. {@code v3}: exactly one of {@code api_v3_key_file} /
     * {@code api_v3_key_env}, {@code platform_keys} (key id to PEM file) and/or {@code key_dir} (a
     * directory of keys, as {@link TrustedKeys#fromDirectory} reads it), {@code mch_ids},
     * {@code max_clock_skew}, {@code max_body_bytes}. Keys never pass through the JVM: the core reads
     * them and zeroises its copies.
     *
     * @param path the profiles file (a relative path is resolved from the working directory)
     * @throws NullPointerException {@code path} is null
     * @throws IllegalArgumentException the path has no UTF-8 form
     * @throws NotifyException {@code invalid_config}: a missing or unreadable file, an unknown setting or
     *     one of the wrong type, a key written inline, a missing {@code sign_type}, an unset variable, on
     *     Unix a profiles or key file that group or others can read ({@code chmod 600}), and everything
     *     {@link #of(MerchantProfile...)} refuses; the message names the profile, the setting or the
     *     file, never a key
     */
    public static Endpoint fromProfilesFile(Path path) {
        if (path == null) {
            throw new NullPointerException("path");
        }
        byte[] bytes = Ffi.encode(path.toString(), "path");
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_endpoint_from_profiles_file(bytes, bytes.length, s.ptrOut()));
        return new Endpoint(s.ptr());
    }

    /**
     * Decides the version and the merchant of a request and verifies it (see the class
     * documentation).
     *
     * @param headers the request's headers (at least the {@code Wechatpay-*} ones; names are
     *     case-insensitive; empty for a v2 notification): each value a {@code String}, or a collection
     *     of strings for a header with several values ({@code com.sun.net.httpserver.Headers}, Spring's
     *     {@code HttpHeaders})
     * @param body the raw POST body, byte for byte as received
     * @param now the current time in Unix seconds (used by APIv3 only); pass a fixed time in tests
     * @return the verified notification, its merchant's label and the reply to send
     * @throws NullPointerException {@code headers}, a header name or value, or {@code body} is null
     * @throws IllegalArgumentException a header value is neither a string nor a collection of
     *     strings; a header has no UTF-8 form
     * @throws NotifyException {@code now} is negative ({@code invalid_argument})
     * @throws EndpointRejectedException the request is refused: {@code getCode()} says why,
     *     {@code getReply()} is what to send
     * @throws IllegalStateException the endpoint is closed
     */
    public EndpointResult handle(Map<String, ?> headers, byte[] body, long now) {
        Ffi.Pairs pairs = Ffi.headers(headers, "headers");
        if (body == null) {
            throw new NullPointerException("body");
        }
        long at = Ffi.unixTime(now);
        Ffi.Scratch s = Ffi.Scratch.get();
        long error;
        long e = handle.acquire();
        try {
            long array = pairs.write(s);
            error = NativeMethods.wechatpay_endpoint_handle(e, array, pairs.count(), body, body.length, at, s.ptrOut());
        } finally {
            handle.release();
            s.doneWithInput();
        }
        if (error != 0) {
            throw refusal(error, s);
        }
        long result = s.ptr();
        try {
            return EndpointResult.read(result, s);
        } finally {
            NativeMethods.wechatpay_endpoint_result_free(result);
        }
    }

    /** {@link #handle(Map, byte[], long)} at the system clock ({@link Library#unixNow()}). */
    public EndpointResult handle(Map<String, ?> headers, byte[] body) {
        return handle(headers, body, NativeMethods.wechatpay_unix_now());
    }

    /**
     * {@link #handle(Map, byte[], long)} for a body given as text (encoded as UTF-8). Prefer the
     * {@code byte[]} overload with the raw body.
     *
     * @throws IllegalArgumentException also when {@code body} has no UTF-8 form
     */
    public EndpointResult handle(Map<String, ?> headers, String body, long now) {
        if (headers == null) {
            throw new NullPointerException("headers");
        }
        return handle(headers, Ffi.encode(body, "body"), now);
    }

    /**
     * The exception for an error of {@code wechatpay_endpoint_handle} (and frees it): an
     * {@link EndpointRejectedException} with the endpoint's decision; an error without one (misuse
     * the binding prevents) is a plain {@link NotifyException}.
     */
    private static NotifyException refusal(long error, Ffi.Scratch s) {
        if (NativeMethods.wechatpay_error_endpoint_reply(error, s.struct()) == 0) {
            return Ffi.error(error);
        }
        try {
            HttpReply reply = s.reply();
            String label = NativeMethods.wechatpay_error_endpoint_label(error, s.struct()) != 0 ? s.str(STR_DATA) : null;
            return new EndpointRejectedException(Ffi.cString(NativeMethods.wechatpay_error_code(error)),
                    NativeMethods.wechatpay_error_number(error), Ffi.cString(NativeMethods.wechatpay_error_message(error)),
                    ApiVersion.fromNative(NativeMethods.wechatpay_error_endpoint_version(error)), label, reply);
        } finally {
            NativeMethods.wechatpay_error_free(error);
        }
    }

    /**
     * Swaps the trusted APIv3 keys of the merchant labelled {@code label}, and the
     * {@code Wechatpay-Serial} routes to it, in one step: a request handled meanwhile in another
     * thread is routed and verified either with the old keys or with the new ones. The endpoint
     * took its verifiers' keys when it was built: swapping a verifier's keys later does not change
     * it.
     *
     * @param label the merchant's label
     * @param keys the new set (shared; may be closed afterwards)
     * @throws NullPointerException {@code label} or {@code keys} is null
     * @throws IllegalArgumentException {@code label} has no UTF-8 form
     * @throws NotifyException {@code invalid_config}, the endpoint unchanged: no profile with that
     *     label, no v3 part, an empty set, or a key id another profile trusts
     * @throws IllegalStateException the endpoint or {@code keys} is closed
     */
    public void replaceTrustedKeys(String label, TrustedKeys keys) {
        byte[] l = Ffi.encode(label, "label");
        if (keys == null) {
            throw new NullPointerException("keys");
        }
        long e = handle.acquire();
        try {
            long k = keys.handle().acquire();
            try {
                Ffi.check(NativeMethods.wechatpay_endpoint_replace_trusted_keys(e, l, l.length, k));
            } finally {
                keys.handle().release();
            }
        } finally {
            handle.release();
        }
    }

    /**
     * The trusted APIv3 keys in use now by the merchant labelled {@code label}; close it when done.
     *
     * @param label the merchant's label
     * @return a new handle on the set
     * @throws NullPointerException {@code label} is null
     * @throws NotifyException {@code invalid_config}: no profile with that label has a v3 part
     * @throws IllegalStateException the endpoint is closed
     */
    public TrustedKeys trustedKeys(String label) {
        byte[] l = Ffi.encode(label, "label");
        Ffi.Scratch s = Ffi.Scratch.get();
        long e = handle.acquire();
        try {
            Ffi.check(NativeMethods.wechatpay_endpoint_trusted_keys(e, l, l.length, s.ptrOut()));
        } finally {
            handle.release();
        }
        return new TrustedKeys(s.ptr());
    }

    /**
     * The profiles' labels, in the order given.
     *
     * @throws IllegalStateException the endpoint is closed
     */
    public List<String> labels() {
        Ffi.Scratch s = Ffi.Scratch.get();
        long e = handle.acquire();
        try {
            long count = NativeMethods.wechatpay_endpoint_profile_count(e);
            List<String> labels = new ArrayList<>();
            for (long i = 0; i < count && NativeMethods.wechatpay_endpoint_label(e, i, s.struct()) != 0; i++) {
                labels.add(s.str(STR_DATA));
            }
            return Collections.unmodifiableList(labels);
        } finally {
            handle.release();
        }
    }

    /** Releases the native endpoint once no call is running. Idempotent. */
    @Override
    public void close() {
        handle.close();
        cleanup.clean();
    }

    @Override
    public String toString() {
        if (handle.isClosed()) {
            return "Endpoint(closed)";
        }
        try {
            return "Endpoint(" + String.join(", ", labels()) + "; keys redacted)";
        } catch (IllegalStateException e) {
            return "Endpoint(closed)";
        }
    }
}
