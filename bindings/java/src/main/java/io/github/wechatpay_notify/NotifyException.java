package io.github.wechatpay_notify;

/**
 * A value the core refuses: a rejected notification or an unusable configuration.
 * {@link #getCode()} is the stable string code shared by every binding ({@code signature_mismatch},
 * {@code invalid_config}, ...), {@link #getNumber()} its stable number in the C ABI (8201..8220,
 * {@code WECHATPAY_ERROR_KIND_*}, in the order of SPEC §3). The message is at most 200 printable
 * ASCII characters and never contains key material or the expected signature: safe to log.
 *
 * <p>Unchecked. Misuse of the API itself is not reported with this type: a null argument throws
 * {@link NullPointerException} (its message names the parameter), a wrong value of a parameter
 * ({@code now} below 0, a string with no UTF-8 form, a header value that is not a string)
 * {@link IllegalArgumentException}, and using a closed {@link Verifier}, {@link V3Verifier} or
 * {@link Endpoint} {@link IllegalStateException}. A value of the right type that the core refuses (a
 * key of the wrong length, an unknown algorithm name, a repeated field to sign) is a
 * {@code NotifyException} with the core's code ({@code invalid_config}, {@code invalid_argument}).
 *
 * <p>An {@link Endpoint} refuses a request with the subclass {@link EndpointRejectedException}, which
 * also carries the reply to send. Only this library makes instances.
 */
public class NotifyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int number;

    NotifyException(String code, int number, String message) {
        super(message);
        this.code = code;
        this.number = number;
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
