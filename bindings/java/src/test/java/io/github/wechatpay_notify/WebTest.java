package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * One reply type for both versions and its adapter for the JDK's HTTP server
 * ({@link HttpReply#writeTo}), over loopback HTTP: every reply the library makes arrives with its exact
 * status, content type and body.
 */
class WebTest {
    private static final String SUCCESS_XML =
            "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";
    private static final String REFUSAL_XML =
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>";
    private static final String V3_REFUSAL = "{\"code\":\"FAIL\",\"message\":\"rejected\"}";

    private static final Map<String, Supplier<HttpReply>> MAKE = new LinkedHashMap<>();
    private static final Map<String, HttpReply> WANT = new LinkedHashMap<>();

    static {
        add("v2-success", Reply::v2Success, 200, "text/xml", SUCCESS_XML);
        add("v2-refusal", () -> Reply.v2Fail("signature_mismatch"), 200, "text/xml", REFUSAL_XML);
        add("v2-own-failure", () -> Reply.v2Fail("internal"), 500, "text/xml", REFUSAL_XML);
        add("v3-success", Reply::v3Success, 204, null, "");
        add("v3-refusal", () -> Reply.v3Fail("signature_mismatch"), 401, "application/json", V3_REFUSAL);
        add("v3-own-failure", () -> Reply.v3Fail("internal"), 500, "application/json", V3_REFUSAL);
    }

    private static void add(String name, Supplier<HttpReply> make, int status, String contentType, String body) {
        MAKE.put(name, make);
        WANT.put(name, new HttpReply(status, contentType, body));
    }

    /**
     * A reply returned from a handler as it is would be written by the framework's JSON mapper with
     * status 200. Mappers that read bean properties (Jackson, JSON-B; modelled here by the JDK's own
     * bean introspection) find a getter that always throws, so the request fails with a 500 instead.
     */
    @Test
    void aReplyMappedAsABeanFails() throws Exception {
        HttpReply refusal = Reply.v3Fail("signature_mismatch");
        UnsupportedOperationException thrown = null;
        for (java.beans.PropertyDescriptor p : java.beans.Introspector.getBeanInfo(HttpReply.class, Object.class)
                .getPropertyDescriptors()) {
            if (p.getReadMethod() == null) {
                continue;
            }
            try {
                p.getReadMethod().invoke(refusal);
            } catch (java.lang.reflect.InvocationTargetException e) {
                if (e.getCause() instanceof UnsupportedOperationException) {
                    thrown = (UnsupportedOperationException) e.getCause();
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertNotNull(thrown, "a bean getter refuses");
        org.junit.jupiter.api.Assertions.assertTrue(thrown.getMessage().contains("writeTo(HttpExchange)"), thrown.getMessage());
        assertEquals(401, refusal.status());
    }

    @Test
    void oneReplyTypeWithOneStatusRule() {
        for (Map.Entry<String, Supplier<HttpReply>> e : MAKE.entrySet()) {
            assertEquals(WANT.get(e.getKey()), e.getValue().get(), e.getKey());
        }
        for (String code : new String[] {"malformed_xml", "missing_field", "decrypt_failed", "signature_mismatch"}) {
            assertEquals(200, Reply.v2Fail(code).status(), code);
        }
        for (String code : new String[] {"invalid_config", "internal"}) {
            assertEquals(500, Reply.v2Fail(code).status(), code);
            assertEquals(500, Reply.v3Fail(code).status(), code);
        }
        assertEquals(Reply.internalError(Collections.<String, Object>emptyMap()), Reply.v2Fail("internal"));
        assertEquals(Reply.success(), Reply.v2Success().body());
        assertEquals("invalid_argument", assertThrows(NotifyException.class, () -> Reply.v2Fail("no_such_code")).getCode());
        assertThrows(NullPointerException.class, () -> Reply.v2Fail((NotifyException) null));
        HttpReply mine = new HttpReply(200, "text/xml", "x");
        assertEquals(new HttpReply(200, "text/xml", "x").hashCode(), mine.hashCode());
        assertNotEquals(new HttpReply(500, "text/xml", "x"), mine);
        assertThrows(IllegalArgumentException.class, () -> new HttpReply(99, null, ""));
        assertThrows(NullPointerException.class, () -> new HttpReply(200, null, null));
        assertThrows(NullPointerException.class, () -> mine.writeTo(null));
    }

    @Test
    void httpServerSendsEveryReplyExactly() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> MAKE.get(exchange.getRequestURI().getPath().substring(1)).get().writeTo(exchange));
        server.start();
        try {
            for (Map.Entry<String, HttpReply> e : WANT.entrySet()) {
                URL url = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/" + e.getKey());
                HttpURLConnection c = (HttpURLConnection) url.openConnection();
                c.setRequestMethod("POST");
                c.setDoOutput(true);
                c.getOutputStream().close();
                int status = c.getResponseCode();
                InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                if (in != null) {
                    byte[] chunk = new byte[4096];
                    int n;
                    while ((n = in.read(chunk)) > 0) {
                        body.write(chunk, 0, n);
                    }
                    in.close();
                }
                HttpReply got = new HttpReply(status, c.getHeaderField("Content-Type"), new String(body.toByteArray(), StandardCharsets.UTF_8));
                assertEquals(e.getValue(), got, e.getKey());
                c.disconnect();
            }
        } finally {
            server.stop(0);
        }
    }
}
