package io.github.wechatpay_notify;

/**
 * A request an {@link Endpoint} refused: {@link #getCode()} says why, {@link #getReply()} is what to
 * send (v2: 200 with the XML FAIL reply; APIv3: 401 / 400 / 500 with the JSON FAIL body; a request
 * neither version could read: the v2 FAIL reply with 400; every body carries the one constant
 * message {@code rejected}, never the code, which is for your logs), and {@link #getVersion()} /
 * {@link #getLabel()} tell what was decided before it failed.
 */
public final class EndpointRejectedException extends NotifyException {
    private static final long serialVersionUID = 1L;

    private final ApiVersion version;
    private final String label;
    private final transient HttpReply reply;

    EndpointRejectedException(String code, int number, String message, ApiVersion version, String label,
            HttpReply reply) {
        super(code, number, message);
        this.version = version;
        this.label = label;
        this.reply = reply;
    }

    /** The API version the endpoint decided, or null when the request could be read as neither. */
    public ApiVersion getVersion() {
        return version;
    }

    /**
     * The label of the merchant the request was routed to, or null when none was chosen (no merchant
     * matched, or the version was not decided).
     */
    public String getLabel() {
        return label;
    }

    /** The failure reply to send: a constant body for its version, never the code or input. */
    public HttpReply getReply() {
        return reply;
    }
}
