package io.github.wechatpay_notify;

/** The API version of a request, as an {@link Endpoint} decided it. */
public enum ApiVersion {
    /** v2 (XML). */
    V2,
    /** APIv3 (JSON). */
    V3;

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
