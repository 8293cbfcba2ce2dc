package io.github.wechatpay_notify;

import java.util.Map;

/**
 * The exact replies WeChat Pay expects from a notify_url: v2 (XML bodies, status 200,
 * {@code text/xml}) and APIv3 (a status, and a JSON body on failure), and the reply to your own
 * failure. Every refusal carries one constant message, never the error code (a reply naming it would
 * let anyone enumerate your merchants and probe your checks): log {@link NotifyException#getCode()}.
 */
public final class Reply {
    private static volatile String success;
    private static volatile String refusal;

    private Reply() {
    }

    /**
     * The v2 success reply, byte for byte as documented. Acknowledge every verified notification with
     * it, also {@code result_code=FAIL} ones.
     */
    public static String success() {
        String s = success;
        if (s == null) {
            s = success = Ffi.cString(NativeMethods.wechatpay_reply_success());
        }
        return s;
    }

    /**
     * The v2 refusal reply: the XML FAIL reply with the constant message {@code rejected} (send it with
     * status 200 and {@code text/xml}; WeChat Pay retries). An {@link Endpoint}'s v2 refusals carry this
     * body.
     */
    public static String refusal() {
        String s = refusal;
        if (s == null) {
            s = refusal = Ffi.cString(NativeMethods.wechatpay_reply_refusal());
        }
        return s;
    }

    /**
     * A FAIL reply carrying {@code message} (WeChat Pay retries after it). Safe for any text: it is
     * carried in CDATA (a {@code ]]>} inside is split), characters XML cannot carry become {@code ?},
     * an unpaired surrogate becomes U+FFFD. To refuse a notification prefer {@link #refusal()}.
     *
     * @throws NullPointerException {@code message} is null
     */
    public static String fail(String message) {
        if (message == null) {
            throw new NullPointerException("message");
        }
        byte[] bytes = Ffi.encodeLossy(message);
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_reply_fail(bytes, bytes.length, s.ptrOut()));
        return OwnedString.take(s.ptr());
    }

    /**
     * The v2 success reply as an {@link HttpReply}: 200, {@code text/xml}, the exact XML SUCCESS
     * ({@link #success()}). Send it for every verified notification.
     */
    public static HttpReply v2Success() {
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_v2_reply_success(s.struct()));
        return s.reply();
    }

    /**
     * The v2 failure reply for {@code error} as an {@link HttpReply}, by the one status rule of every
     * refusal: 200 with the XML FAIL and the constant message {@code rejected} when the request was
     * refused (WeChat Pay retries), 500 with the same body for {@code invalid_config} /
     * {@code internal} (your own failure).
     *
     * @throws NullPointerException {@code error} is null
     */
    public static HttpReply v2Fail(NotifyException error) {
        if (error == null) {
            throw new NullPointerException("error");
        }
        return v2Fail(error.getCode());
    }

    /**
     * The v2 failure reply for an error code (e.g. {@code "internal"} for a failure of your own: 500),
     * as {@link #v2Fail(NotifyException)}.
     *
     * @throws NullPointerException {@code code} is null
     * @throws NotifyException {@code invalid_argument}: not an error code of this library
     */
    public static HttpReply v2Fail(String code) {
        byte[] bytes = Ffi.encode(code, "code");
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_v2_reply_fail_code(bytes, bytes.length, s.struct()));
        return s.reply();
    }

    /**
     * The APIv3 success reply: status 204, no {@code Content-Type}, an empty body (WeChat Pay also
     * accepts 200). Send it for every verified notification.
     */
    public static HttpReply v3Success() {
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_v3_reply_success(s.struct()));
        return s.reply();
    }

    /**
     * The APIv3 failure reply for {@code error}: 401 when the request was not proven authentic
     * ({@code signature_mismatch}, {@code unknown_serial}, {@code timestamp_out_of_window},
     * {@code missing_header}, {@code signature_probe}, {@code merchant_mismatch}), 500 for a
     * configuration error or a bug ({@code invalid_config}, {@code internal}), 400 for everything else
     * (malformed input, {@code unsupported_algorithm}); {@code application/json} and the one constant
     * body {@code {"code":"FAIL","message":"rejected"}}.
     *
     * @throws NullPointerException {@code error} is null
     */
    public static HttpReply v3Fail(NotifyException error) {
        if (error == null) {
            throw new NullPointerException("error");
        }
        return v3Fail(error.getCode());
    }

    /**
     * The APIv3 failure reply for an error code (e.g. {@code "internal"} for a failure of your own:
     * 500), as {@link #v3Fail(NotifyException)}.
     *
     * @throws NullPointerException {@code code} is null
     * @throws NotifyException {@code invalid_argument}: not an error code of this library
     */
    public static HttpReply v3Fail(String code) {
        byte[] bytes = Ffi.encode(code, "code");
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_v3_reply_fail_code(bytes, bytes.length, s.struct()));
        return s.reply();
    }

    /**
     * The reply for a request your application could not finish before a notification was verified
     * (its configuration or its database failed), so that WeChat Pay retries later: the core's reply
     * for the request's version (APIv3 when a {@code Wechatpay-Signature} header is present, any
     * case, else v2), status 500 with that version's constant refusal body. After verification
     * {@link EndpointResult#internalErrorReply()} gives it from the result.
     *
     * @param headers the request's headers: each value a {@code String} or a collection of them
     *     ({@code com.sun.net.httpserver.Headers}, Spring's {@code HttpHeaders})
     * @throws NullPointerException {@code headers}, a name or a value is null
     * @throws IllegalArgumentException a value is neither a string nor a collection of strings, or a
     *     string has no UTF-8 form
     */
    public static HttpReply internalError(Map<String, ?> headers) {
        return Ffi.withHeaders(headers, (array, count, s) -> {
            Ffi.check(NativeMethods.wechatpay_internal_error_reply(array, count, s.struct()));
            return s.reply();
        });
    }
}
