package io.github.wechatpay_notify;

/**
 * The two v2 signature algorithms, by their protocol names. The verifier's algorithm is yours, never
 * the message's: another name (e.g. {@code "md5"}) is refused by the core with {@code invalid_config}.
 */
public final class SignType {
    /** {@code MD5}. */
    public static final String MD5 = "MD5";

    /** {@code HMAC-SHA256}. */
    public static final String HMAC_SHA256 = "HMAC-SHA256";

    private SignType() {
    }
}
