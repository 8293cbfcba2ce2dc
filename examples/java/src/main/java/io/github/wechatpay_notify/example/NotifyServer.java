package io.github.wechatpay_notify.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.wechatpay_notify.Endpoint;
import io.github.wechatpay_notify.EndpointRejectedException;
import io.github.wechatpay_notify.EndpointResult;
import io.github.wechatpay_notify.HttpReply;
import io.github.wechatpay_notify.NotifyException;
import io.github.wechatpay_notify.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One WeChat Pay notify_url on the JDK's built-in {@code com.sun.net.httpserver.HttpServer} for several
 * merchants, v2 and APIv3: every request goes to an {@link Endpoint}, which decides the version and the
 * merchant and verifies the raw request with that merchant's own keys; a verified payment is applied to
 * that merchant's order in SQLite (once per dedupe key, however often WeChat Pay retries, whichever
 * version delivers it), a refund is recorded once per dedupe key (refund_id:STATUS) with its latest
 * state moved forward only, and the reply is the endpoint's own (status, content type and body; a
 * refusal never names its code). The reply to our own failures (the database) is the library's too
 * ({@link Reply#internalError}, {@link EndpointResult#internalErrorReply()}).
 *
 * <pre>  POST /wechatpay/notify   every notification of every merchant of the endpoint</pre>
 */
public final class NotifyServer implements AutoCloseable {
    /** The one path WeChat Pay posts every notification to (your notify_url). */
    public static final String NOTIFY_PATH = "/wechatpay/notify";

    /** The verifiers' default limit (the profiles use it), plus one byte so the endpoint sees a longer body as one. */
    private static final int MAX_READ = 65536 + 1;

    private final HttpServer server;
    private final ExecutorService pool;
    private final Endpoint endpoint;
    private final Store store;
    private final AtomicInteger failFirst;

    /**
     * Serves {@code endpoint} (not closed here) on {@code address} (port 0: a free one), recording into
     * {@code store}.
     *
     * @param failFirstForTests TEST ONLY: the first N requests get 500 with the internal-failure reply
     *     before anything is read, as if the database were down (to exercise WeChat Pay's retries, e.g.
     *     {@code wechatpay-notify simulate --until-success}). Never set it in production.
     */
    public NotifyServer(InetSocketAddress address, Endpoint endpoint, Store store, int failFirstForTests) throws IOException {
        this.endpoint = endpoint;
        this.store = store;
        this.failFirst = new AtomicInteger(failFirstForTests);
        server = HttpServer.create(address, 64);
        server.createContext("/", this::handle);
        pool = Executors.newFixedThreadPool(16);
        server.setExecutor(pool);
        server.start();
    }

    /** The address served (with the port chosen for port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    public Store store() {
        return store;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            dispatch(exchange);
        } catch (IOException e) {
            System.err.println("notify: could not answer: " + e.getMessage()); // the client went away
        } catch (RuntimeException e) {
            // Our own failure (a closed endpoint, a bug): 500 in the request's version, so that WeChat Pay retries.
            System.err.println("notify: error: " + e);
            try {
                internalError(exchange);
            } catch (IOException | RuntimeException again) {
                System.err.println("notify: could not answer: " + again);
            }
        } finally {
            exchange.close();
        }
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        if (!NOTIFY_PATH.equals(exchange.getRequestURI().getPath())) {
            new HttpReply(404, "text/xml", Reply.refusal()).writeTo(exchange);
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            new HttpReply(405, "text/xml", Reply.refusal()).writeTo(exchange);
            return;
        }
        if (failFirst.getAndDecrement() > 0) {
            System.err.println("notify: TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500");
            internalError(exchange);
            return;
        }
        EndpointResult result;
        try {
            byte[] body = readBody(exchange.getRequestBody());
            // Every header as received (the endpoint reads the Wechatpay-* ones; HttpServer's Headers is a
            // Map<String, List<String>>, so a header received twice is seen twice); now: the clock.
            result = endpoint.handle(exchange.getRequestHeaders(), body);
        } catch (EndpointRejectedException e) {
            // Refused: nothing is recorded; the reply is the endpoint's constant refusal, the code and
            // message go to the log (the core's messages are bounded and carry no control characters).
            System.err.println("notify: rejected " + (e.getVersion() == null ? "undecided" : e.getVersion().name().toLowerCase())
                    + " notification" + (e.getLabel() != null ? " for " + e.getLabel() : "") + ": " + e.getCode() + ": " + e.getMessage());
            e.getReply().writeTo(exchange);
            return;
        } catch (NotifyException e) {
            // Refused before the endpoint looked at the request (a header it cannot take).
            System.err.println("notify: rejected: " + e.getCode() + ": " + e.getMessage());
            new HttpReply(400, "text/xml", Reply.refusal()).writeTo(exchange);
            return;
        } catch (IllegalArgumentException e) {
            // A header with no UTF-8 form (HttpServer decodes header bytes as ISO-8859-1: never happens).
            System.err.println("notify: rejected: " + e.getMessage());
            new HttpReply(400, "text/xml", Reply.refusal()).writeTo(exchange);
            return;
        }
        // Verified: from here on the reply is the success reply whatever the notification says (a failed
        // payment, a retry, an order that does not match), unless we fail to record it.
        String outcome;
        try {
            outcome = store.record(result);
        } catch (Exception e) {
            // Our own failure (the database): not acknowledged, so that WeChat Pay retries later (the
            // transaction was rolled back); the library's reply for it, in the result's version.
            System.err.println("notify: error: " + e);
            result.internalErrorReply().writeTo(exchange);
            return;
        }
        System.err.println("notify: verified " + result.label() + " " + result.kind() + " notification "
                + (result.dedupeKey() != null ? result.dedupeKey() : "(no dedupe key)") + ": " + outcome);
        result.reply().writeTo(exchange);
    }

    /** Our own failure before a notification was verified: 500 and the constant refusal of the request's version. */
    private static void internalError(HttpExchange exchange) throws IOException {
        HttpReply reply;
        try {
            reply = Reply.internalError(exchange.getRequestHeaders());
        } catch (IllegalArgumentException e) {
            reply = Reply.internalError(Collections.<String, Object>emptyMap()); // v2
        }
        reply.writeTo(exchange);
    }

    private static byte[] readBody(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int n;
        while (out.size() < MAX_READ && (n = in.read(chunk, 0, Math.min(chunk.length, MAX_READ - out.size()))) > 0) {
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
