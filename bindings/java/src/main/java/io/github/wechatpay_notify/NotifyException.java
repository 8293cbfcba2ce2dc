package io.github.wechatpay_notify;

/**
 * A value the core refuses: a rejected notification or an unusable configuration.
 * {@link #getCode()} is the stable string code shared by every binding ({@code signature_mismatch},
 * {@code invalid_config}, ...), {@link #getNumber()} its stable number in the C ABI (8201..8220,
 * {@code WECHATPAY_ERROR_KIND_*}, in the codes' order). The message is at most 200 printable
 * ASCII characters and never contains key material or the expected signature: safe to log.
 *
 * <p>Unchecked. Misuse of the API itself is not reported with this type: a null argument throws
 * {@link NullPointerException} (its message names the parameter), a wrong value of a parameter
 * (a string with no UTF-8 form, a header value that is not a string) {@link IllegalArgumentException},
 * and using a closed {@link Verifier}, {@link V3Verifier} or {@link Endpoint}
 * {@link IllegalStateException}. A value of the right type that the core refuses (a key of the wrong
 * length, an unknown algorithm name, a negative {@code maxClockSkew} or {@code maxBodyBytes}: {@code
 * invalid_config}; a repeated field to sign, a negative {@code now}: {@code invalid_argument}) is a
 * {@code NotifyException} with the core's code, as in Python and Node.
 *
 * <p>An {@link Endpoint} refuses a request with the subclass {@link EndpointRejectedException}, which
 * also carries the reply to send. Only this library makes instances.
 */
public class NotifyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int number;

    /** The number of {@code invalid_config} ({@code WECHATPAY_ERROR_KIND_INVALID_CONFIG}). */
    private static final int INVALID_CONFIG = 8201;
    /** The number of {@code invalid_argument} ({@code WECHATPAY_ERROR_KIND_INVALID_ARGUMENT}). */
    private static final int INVALID_ARGUMENT = 8202;

    NotifyException(String code, int number, String message) {
        super(message);
        this.code = code;
        this.number = number;
    }

    /** {@code invalid_config} for a setting the C ABI cannot take (a negative number), as Python and Node refuse it. */
    static NotifyException invalidConfig(String message) {
        return new NotifyException("invalid_config", INVALID_CONFIG, message);
    }

    /** {@code invalid_argument} for an argument the C ABI cannot take (a negative time), as Python and Node refuse it. */
    static NotifyException invalidArgument(String message) {
        return new NotifyException("invalid_argument", INVALID_ARGUMENT, message);
    }

    /** The stable code, e.g. {@code "signature_mismatch"}. */
    public String getCode() {
        return code;
    }

    /** The stable number of the code (8201..8220, {@code WECHATPAY_ERROR_KIND_*}). */
    public int getNumber() {
        return number;
    }

    @Override
    public String toString() {
        return getClass().getName() + " (" + code + "): " + getMessage();
    }
}
