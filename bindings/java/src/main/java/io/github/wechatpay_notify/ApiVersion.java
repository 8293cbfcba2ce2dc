package io.github.wechatpay_notify;

import java.util.Map;

/** The API version of a request, as an {@link Endpoint} decided it. */
public enum ApiVersion {
    /** v2 (XML). */
    V2,
    /** APIv3 (JSON). */
    V3;

    /**
     * The API version of a request, as an {@link Endpoint} decides it: {@code V3} when a
     * {@code Wechatpay-Signature} header is present (any case), else {@code V2}. Nothing is verified:
     * it is for a reply sent before verification, such as a body over the size limit answered in the
     * request's version ({@link Reply#v2Fail(String)} or {@link Reply#v3Fail(String)} with
     * {@code body_too_large}) without reading it whole.
     *
     * @param headers the request's headers: each value a {@code String} or a collection of them
     *     ({@code com.sun.net.httpserver.Headers}, Spring's {@code HttpHeaders})
     * @return {@code V2} or {@code V3}, never null
     * @throws NullPointerException {@code headers}, a name or a value is null
     * @throws IllegalArgumentException a value is neither a string nor a collection of strings, or a
     *     string has no UTF-8 form
     */
    public static ApiVersion ofRequest(Map<String, ?> headers) {
        return Ffi.withHeaders(headers, (array, count, s) -> {
            Ffi.check(NativeMethods.wechatpay_request_version(array, count, s.struct()));
            return fromNative(s.intAt(0));
        });
    }

    /** A {@code wechatpay_api_version}: 2, 3, or null for {@code WECHATPAY_API_VERSION_NONE}. */
    static ApiVersion fromNative(int value) {
        switch (value) {
            case 2:
                return V2;
            case 3:
                return V3;
            default:
                return null;
        }
    }
}
