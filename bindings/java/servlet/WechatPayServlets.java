// The Jakarta Servlet adapter of wechatpay-notify: copy this file into a project that runs on
// Jakarta Servlet 5 or later (Tomcat 10+, Jetty 11+, Undertow, Spring Boot 3, Quarkus, Jakarta EE 9+).
// It references jakarta.servlet, which the library's jar does not, so that the jar serves every stack.
//
//   A servlet:   protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
//                    WechatPayServlets.serve(endpoint, req, resp, result -> store.record(result));
//                }
//   Spring MVC:  @PostMapping("/wechatpay/notify")
//                void notify(HttpServletRequest req, HttpServletResponse resp) throws IOException {
//                    WechatPayServlets.serve(endpoint, req, resp, result -> store.record(result));
//                }
//
// serve() does the whole exchange: reads the raw body (at most one byte over the limit: a longer one
// is refused without being read whole), hands every header and the exact bytes to the endpoint, calls your code
// only for a verified notification, and sends the exact reply: the success reply once your code
// returns, the endpoint's constant refusal when the request is refused, and the 500 internal-failure
// reply of the request's version when your code throws (so that WeChat Pay retries). Never bind the
// body to an object (@RequestBody of a class, a form, JSON): the signature covers the bytes received.
//
// Tested on Tomcat 10.1 (Debian's libtomcat10-embed-java) over loopback HTTP by scripts/test-java.sh,
// with the example's SQLite store (examples/java, NotifyServlet), and compiled against the Jakarta
// Servlet 5.0 API at the Java 8 level.
package io.github.wechatpay_notify.servlet;

import io.github.wechatpay_notify.Endpoint;
import io.github.wechatpay_notify.EndpointRejectedException;
import io.github.wechatpay_notify.EndpointResult;
import io.github.wechatpay_notify.HttpReply;
import io.github.wechatpay_notify.NotifyException;
import io.github.wechatpay_notify.Reply;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Serves WeChat Pay notifications through the Jakarta Servlet API. */
public final class WechatPayServlets {
    /** The verifiers' default body limit (their {@code max_body_bytes}): 64 KiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 65536;

    private WechatPayServlets() {
    }

    /** Your code for a verified notification: check the order and its amount, record it once. */
    @FunctionalInterface
    public interface Recorder {
        /**
         * Records {@code result}. Return normally to acknowledge it (also a failed payment, a repeat
         * delivery or an amount you will investigate: record those, WeChat Pay must stop sending
         * them); throw when your own system failed (the database), so that WeChat Pay retries.
         */
        void record(EndpointResult result) throws Exception;
    }

    /**
     * The whole exchange for one notify_url serving every merchant of {@code endpoint}, with the
     * default body limit ({@link #DEFAULT_MAX_BODY_BYTES}): see
     * {@link #serve(Endpoint, HttpServletRequest, HttpServletResponse, Recorder, int)}.
     */
    public static void serve(Endpoint endpoint, HttpServletRequest request, HttpServletResponse response,
            Recorder recorder) throws IOException {
        serve(endpoint, request, response, recorder, DEFAULT_MAX_BODY_BYTES);
    }

    /**
     * The whole exchange: reads the body (never more than {@code maxBodyBytes + 1} bytes, so that
     * a longer one is refused as {@code body_too_large}), verifies it with {@code endpoint} (every
     * header, the exact bytes, the system clock), calls {@code recorder}
     * for a verified notification, and sends the reply: {@link EndpointResult#reply()} when it
     * returns, {@link EndpointResult#internalErrorReply()} when it throws, the endpoint's refusal
     * when the request is refused, {@link Reply#internalError(Map)} when the endpoint itself fails
     * (closed). Refusals and your code's failures are logged through the servlet
     * context's log with their code (never a key, never the body).
     *
     * @param maxBodyBytes the {@code max_body_bytes} of the endpoint's profiles (when they differ,
     *     the largest: a profile with a smaller limit still refuses what is over its own)
     * @throws NullPointerException an argument is null
     * @throws IOException reading the request or writing the reply failed (the client went away)
     */
    public static void serve(Endpoint endpoint, HttpServletRequest request, HttpServletResponse response,
            Recorder recorder, int maxBodyBytes) throws IOException {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(recorder, "recorder");
        Map<String, List<String>> headers = headers(request);
        Objects.requireNonNull(response, "response");
        byte[] body = body(request, maxBodyBytes);
        EndpointResult result;
        try {
            result = endpoint.handle(headers, body);
        } catch (EndpointRejectedException e) {
            log(request, "wechatpay-notify: rejected " + (e.getVersion() == null ? "undecided" : e.getVersion().name().toLowerCase())
                    + " request" + (e.getLabel() == null ? "" : " for " + e.getLabel()) + ": " + e.getCode() + ": "
                    + e.getMessage(), null);
            send(e.getReply(), response);
            return;
        } catch (NotifyException | IllegalArgumentException e) {
            // A header the endpoint cannot take (no UTF-8 form): refused before it looked at the request.
            log(request, "wechatpay-notify: rejected: " + e.getMessage(), null);
            send(new HttpReply(400, "text/xml", Reply.refusal()), response);
            return;
        } catch (RuntimeException e) {
            // Our own failure before verification (a closed endpoint): 500 in the request's version.
            log(request, "wechatpay-notify: could not verify (answered 500, WeChat Pay retries)", e);
            send(Reply.internalError(headers), response);
            return;
        }
        try {
            recorder.record(result);
        } catch (Exception e) {
            log(request, "wechatpay-notify: could not record " + result.label() + " " + result.kind() + " notification "
                    + result.dedupeKey() + " (answered 500, WeChat Pay retries)", e);
            send(result.internalErrorReply(), response);
            return;
        }
        send(result.reply(), response);
    }

    /**
     * Every header of the request, every value of a repeated one, under its name as received: what
     * {@link Endpoint#handle} and the verifiers take.
     *
     * @throws NullPointerException {@code request} is null
     */
    public static Map<String, List<String>> headers(HttpServletRequest request) {
        Objects.requireNonNull(request, "request");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, Collections.list(request.getHeaders(name)));
        }
        return headers;
    }

    /**
     * The raw body, byte for byte, cut after {@code maxBytes + 1} bytes: a verifier whose limit is
     * {@code maxBytes} refuses a longer body as {@code body_too_large} (in the request's version,
     * as it refuses any), and no more than that is ever read into memory.
     *
     * @throws NullPointerException {@code request} is null
     * @throws IllegalArgumentException {@code maxBytes} is negative
     * @throws IOException reading failed
     */
    public static byte[] body(HttpServletRequest request, int maxBytes) throws IOException {
        Objects.requireNonNull(request, "request");
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        long limit = (long) maxBytes + 1;
        InputStream in = request.getInputStream();
        int n;
        while (out.size() < limit && (n = in.read(chunk, 0, (int) Math.min(chunk.length, limit - out.size()))) > 0) {
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Sends {@code reply}: its status, its {@code Content-Type} (none when null: the APIv3 success,
     * 204 without a body), its {@code Content-Length} and its body as UTF-8 bytes. Nothing else is
     * added (no character encoding parameter, no redirect, no error page).
     *
     * @throws NullPointerException an argument is null
     * @throws IllegalStateException the response is already committed
     * @throws IOException writing failed
     */
    public static void send(HttpReply reply, HttpServletResponse response) throws IOException {
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(response, "response");
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        response.resetBuffer();
        response.setStatus(reply.status());
        if (reply.contentType() != null) {
            response.setContentType(reply.contentType());
        }
        response.setContentLength(bytes.length);
        if (bytes.length > 0) {
            OutputStream out = response.getOutputStream();
            out.write(bytes);
            out.flush();
        }
    }

    private static void log(HttpServletRequest request, String message, Throwable error) {
        ServletContext context = request.getServletContext();
        if (context == null) {
            return;
        }
        if (error == null) {
            context.log(message);
        } else {
            context.log(message, error);
        }
    }
}
