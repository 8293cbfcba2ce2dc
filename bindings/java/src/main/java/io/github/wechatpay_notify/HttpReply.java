package io.github.wechatpay_notify;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An HTTP reply for WeChat Pay, one type for both versions: the status, the {@code Content-Type}
 * (null when there is no body: send none) and the body (UTF-8). Immutable. Send it with
 * {@link #writeTo(HttpExchange)} (the JDK's HTTP server) or, in a servlet or Spring handler, set the
 * status, the content type and the body's bytes from its accessors.
 *
 * <p>The status rule, the same on every surface: v2 answers 200 with the XML SUCCESS or FAIL; APIv3
 * 204, or 401 when the request is not proven authentic and 400 when it is malformed; your own failure
 * ({@code invalid_config}, {@code internal}) is 500 in both; an undecided version 400.
 */
public final class HttpReply {
    private final int status;
    private final String contentType;
    private final String body;

    /**
     * A reply of your own (a test double, say); the library's come from {@link Reply} and
     * {@link Endpoint}.
     *
     * @throws IllegalArgumentException {@code status} is not 100..599
     * @throws NullPointerException {@code body} is null
     */
    public HttpReply(int status, String contentType, String body) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: an HTTP status code (got " + status + ")");
        }
        this.status = status;
        this.contentType = contentType;
        this.body = Objects.requireNonNull(body, "body");
    }

    /**
     * Sends the reply on an {@link HttpExchange} of the JDK's {@code com.sun.net.httpserver} and
     * closes it: the status, the {@code Content-Type} (none when null), the body's UTF-8 bytes (no
     * body for an empty one).
     *
     * @throws NullPointerException {@code exchange} is null
     * @throws IOException writing the response failed
     */
    public void writeTo(HttpExchange exchange) throws IOException {
        Objects.requireNonNull(exchange, "exchange");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
        }
        // -1: no body (a 204 must have none); otherwise its exact length.
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        exchange.close();
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof HttpReply)) {
            return false;
        }
        HttpReply r = (HttpReply) other;
        return status == r.status && Objects.equals(contentType, r.contentType) && body.equals(r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, contentType, body);
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

    /**
     * Always throws {@link UnsupportedOperationException}: a guard, not data. A reply returned from a
     * handler as it is (a Spring or JAX-RS method returning it as the response entity) would be
     * written as a JSON object with status 200, which WeChat Pay takes as an acknowledgement even of
     * a refusal. JSON mappers that read bean getters (Jackson, JSON-B) read this one and fail, so the
     * request ends with a 500 and WeChat Pay retries. (Gson reads fields, not getters: it is not
     * stopped.) Send a reply with {@link #writeTo(HttpExchange)}, or set the status, the content type
     * and the body from {@link #status()}, {@link #contentType()} and {@link #body()}.
     *
     * @return never
     * @throws UnsupportedOperationException always
     */
    public Object getNotAResponseBody() {
        throw new UnsupportedOperationException("an HttpReply is not a response body: send its status(), contentType() "
                + "and body(), or use writeTo(HttpExchange)");
    }

    @Override
    public String toString() {
        return "HttpReply(" + status + ", " + (contentType == null ? "no content type" : contentType) + ", " + body + ")";
    }
}
