package io.github.wechatpay_notify;

/**
 * An HTTP reply for WeChat Pay: the status, the {@code Content-Type} (null when there is no body: send
 * none) and the body. Immutable.
 */
public final class HttpReply {
    private final int status;
    private final String contentType;
    private final String body;

    HttpReply(int status, String contentType, String body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    /** The HTTP status code (APIv3: 204 for success; v2: 200). */
    public int status() {
        return status;
    }

    /** The {@code Content-Type} header value; null when there is no body (send none). */
    public String contentType() {
        return contentType;
    }

    /** The body, exactly ({@code ""} for none); send it as UTF-8. */
    public String body() {
        return body;
    }

    @Override
    public String toString() {
        return "HttpReply(" + status + ", " + (contentType == null ? "no content type" : contentType) + ", " + body + ")";
    }
}
