package io.github.wechatpay_notify.example;

import io.github.wechatpay_notify.Endpoint;
import io.github.wechatpay_notify.EndpointResult;
import io.github.wechatpay_notify.HttpReply;
import io.github.wechatpay_notify.Reply;
import io.github.wechatpay_notify.servlet.WechatPayServlets;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The example's notify_url as a Jakarta servlet (Tomcat 10+, Jetty 11+, Spring Boot 3 through a
 * {@code ServletRegistrationBean}): the same job as {@link NotifyServer}, through the copy-in adapter
 * {@code bindings/java/servlet/WechatPayServlets.java}. Every merchant of the endpoint on one URL;
 * {@link Store#record} checks the order and its amount and records each payment or refund state once.
 * scripts/test-java.sh runs the example's whole test suite against it on Tomcat 10.1 as well.
 */
public final class NotifyServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient Endpoint endpoint;
    private final transient Store store;

    /** Serves {@code endpoint} (closed by its owner, not here), recording into {@code store}. */
    public NotifyServlet(Endpoint endpoint, Store store) {
        this.endpoint = endpoint;
        this.store = store;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"POST".equals(request.getMethod())) {
            WechatPayServlets.send(new HttpReply(405, "text/xml", Reply.refusal()), response);
            return;
        }
        WechatPayServlets.serve(endpoint, request, response, this::record);
    }

    /** A verified notification: recorded once (Store), acknowledged whatever it says; a failure of ours is a 500. */
    private void record(EndpointResult result) throws Exception {
        String outcome = store.record(result);
        log("verified " + result.label() + " " + result.kind() + " notification "
                + (result.dedupeKey() != null ? result.dedupeKey() : "(no dedupe key)") + ": " + outcome);
    }
}
