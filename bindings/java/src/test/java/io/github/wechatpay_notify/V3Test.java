package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * APIv3 through the Java binding: every case of tests/vectors/v3_notify.json (exact verdicts, codes
 * and numbers, the message rule on every invalid case, every expected field, every key of
 * expected.typed against its accessor, the resource against plaintext() parsed), then the API: the
 * misuse rule, close, the header forms, the clock, the replies, the merchant ids, 8 threads.
 */
class V3Test {
    private static final String FILE = "v3_notify.json";

    /** A request kept from the vectors for the API tests. */
    static final class Case {
        final Map<String, Object> headers;
        final String body;
        final long now;

        Case(Map<String, Object> headers, String body, long now) {
            this.headers = headers;
            this.body = body;
            this.now = now;
        }

        byte[] bytes() {
            return body.getBytes(StandardCharsets.UTF_8);
        }
    }

    static JsonObject firstConfig;
    static Case payment;
    static Case partner;
    static Case refund;
    static Case forged;

    /** The first group's configuration and, from its cases, a payment, a partner's payment, a refund and a forgery. */
    @BeforeAll
    static void keep() {
        JsonObject group = T.load(FILE, "wechatpay-notify/v3-notify/1").getAsJsonArray("testGroups").get(0).getAsJsonObject();
        firstConfig = group.getAsJsonObject("config");
        for (JsonElement t : group.getAsJsonArray("tests")) {
            JsonObject test = t.getAsJsonObject();
            String body = T.str(test, "body");
            Map<String, Object> headers = T.headers(test.get("headers"));
            if (body == null || headers.values().stream().anyMatch(v -> !(v instanceof String))) {
                continue;
            }
            Case c = new Case(headers, body, test.get("now").getAsLong());
            if (!"valid".equals(T.str(test, "result"))) {
                if (forged == null && "signature_mismatch".equals(T.str(test, "error"))) {
                    forged = c;
                }
                continue;
            }
            JsonObject expected = test.getAsJsonObject("expected");
            JsonObject typed = expected.getAsJsonObject("typed");
            String event = T.str(expected, "event_type");
            if ("TRANSACTION.SUCCESS".equals(event) && typed.get("transaction").isJsonObject()) {
                JsonObject tx = typed.getAsJsonObject("transaction");
                if (payment == null && T.str(tx, "mchid") != null) {
                    payment = c;
                }
                if (partner == null && T.str(tx, "mchid") == null && T.str(tx, "sp_mchid") != null) {
                    partner = c;
                }
            }
            if ("REFUND.SUCCESS".equals(event) && refund == null) {
                refund = c;
            }
        }
        assertTrue(payment != null && partner != null && refund != null && forged != null,
                "the vectors gave a payment, a partner's payment, a refund and a forgery to reuse");
    }

    static V3Verifier verifier() {
        return T.v3Verifier(firstConfig);
    }

    static String apiV3Key() {
        return T.str(firstConfig, "apiV3Key");
    }

    @TestFactory
    List<DynamicTest> v3Notify() {
        JsonObject root = T.load(FILE, "wechatpay-notify/v3-notify/1");
        AtomicLong ran = new AtomicLong();
        List<DynamicTest> cases = new ArrayList<>();
        List<V3Verifier> built = new ArrayList<>();
        for (JsonElement g : root.getAsJsonArray("testGroups")) {
            JsonObject group = g.getAsJsonObject();
            V3Verifier verifier = null;
            NotifyException buildError = null;
            try {
                verifier = T.v3Verifier(group.getAsJsonObject("config"));
                built.add(verifier);
            } catch (NotifyException e) {
                buildError = e;
            }
            final V3Verifier v = verifier;
            final NotifyException refused = buildError;
            for (JsonElement t : group.getAsJsonArray("tests")) {
                JsonObject test = t.getAsJsonObject();
                cases.add(dynamicTest(T.name(FILE, test), () -> {
                    ran.incrementAndGet();
                    boolean valid = "valid".equals(T.str(test, "result"));
                    String code = T.str(test, "error");
                    assertTrue(valid || ("invalid".equals(T.str(test, "result")) && code != null), "result/error");
                    long now = test.get("now").getAsLong();
                    if (v == null) {
                        assertFalse(valid, "the group's configuration was refused, so every case is invalid");
                        T.checkError(code, refused);
                        return;
                    }
                    // Headers as a Map (a repeated name as a list of its values); text bodies alternate
                    // between the String and byte[] overloads.
                    Map<String, Object> headers = T.headers(test.get("headers"));
                    String text = T.str(test, "body");
                    byte[] raw = T.body(test);
                    boolean asText = text != null && test.get("tcId").getAsLong() % 2 == 0;
                    if (!valid) {
                        T.code(code, () -> {
                            if (asText) {
                                v.verify(headers, text, now);
                            } else {
                                v.verify(headers, raw, now);
                            }
                        });
                        return;
                    }
                    V3Notification n = asText ? v.verify(headers, text, now) : v.verify(headers, raw, now);
                    JsonObject expected = test.getAsJsonObject("expected");
                    for (String field : Arrays.asList("id", "create_time", "event_type", "resource_type", "summary", "plaintext")) {
                        assertEquals(T.str(expected, field), T.get(n, field), field);
                    }
                    assertEquals(expected.get("resource"), JsonParser.parseString(n.plaintext()),
                            "plaintext parses to the expected resource");
                    T.typed(n, expected.getAsJsonObject("typed"));
                }));
            }
        }
        return VectorTest.counted(FILE, root, cases, ran, () -> built.forEach(V3Verifier::close));
    }

    @Test
    void headerFormsAndCaseInsensitiveNames() {
        try (V3Verifier v = verifier()) {
            // Map<String, String>
            Map<String, String> plain = new LinkedHashMap<>();
            payment.headers.forEach((k, val) -> plain.put(k, (String) val));
            assertEquals("TRANSACTION.SUCCESS", v.verify(plain, payment.bytes(), payment.now).eventType());
            // Map<String, List<String>> (com.sun.net.httpserver.Headers, Spring's HttpHeaders), names in lower case
            Map<String, List<String>> lists = new LinkedHashMap<>();
            payment.headers.forEach((k, val) -> lists.put(k.toLowerCase(), Collections.singletonList((String) val)));
            assertEquals("TRANSACTION.SUCCESS", v.verify(lists, payment.bytes(), payment.now).eventType());
            // A Wechatpay-* header received twice: the core's invalid_argument.
            Map<String, List<String>> twice = new LinkedHashMap<>(lists);
            String signature = (String) payment.headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase("Wechatpay-Signature")).findFirst().get().getValue();
            twice.put("wechatpay-signature", Arrays.asList(signature, signature));
            T.code("invalid_argument", () -> v.verify(twice, payment.bytes(), payment.now));
            // Other headers are passed on and ignored.
            Map<String, Object> other = new LinkedHashMap<>(payment.headers);
            other.put("X-Other", "caf\u00e9");
            assertEquals("TRANSACTION.SUCCESS", v.verify(other, payment.bytes(), payment.now).eventType());
        }
    }

    @Test
    void misuseNullArgumentsAreNullPointerExceptionNamingTheParameter() {
        assertEquals("apiV3Key", assertThrows(NullPointerException.class, () -> V3Verifier.builder((String) null)).getMessage());
        assertEquals("apiV3Key", assertThrows(NullPointerException.class, () -> V3Verifier.builder((byte[]) null)).getMessage());
        assertEquals("platformKeys", assertThrows(NullPointerException.class, () -> V3Verifier.create(apiV3Key(), null)).getMessage());
        Map<String, String> nullPem = new LinkedHashMap<>();
        nullPem.put("X", null);
        assertTrue(assertThrows(NullPointerException.class, () -> V3Verifier.create(apiV3Key(), nullPem)).getMessage()
                .startsWith("platformKeys"));
        try (V3Verifier.Builder b = V3Verifier.builder(apiV3Key())) {
            assertEquals("id", assertThrows(NullPointerException.class, () -> b.trustedKey(null, "pem")).getMessage());
            assertEquals("pem", assertThrows(NullPointerException.class, () -> b.trustedKey("id", null)).getMessage());
            assertEquals("mchIds", assertThrows(NullPointerException.class, () -> b.mchIds((String[]) null)).getMessage());
            assertTrue(assertThrows(NullPointerException.class, () -> b.mchIds("1", null)).getMessage().startsWith("mchIds"));
        }
        try (V3Verifier v = verifier()) {
            byte[] body = payment.bytes();
            assertEquals("headers", assertThrows(NullPointerException.class, () -> v.verify(null, body, 1)).getMessage());
            assertEquals("headers", assertThrows(NullPointerException.class, () -> v.verify(null, "{}", 1)).getMessage());
            assertEquals("headers", assertThrows(NullPointerException.class, () -> v.verify(null, body)).getMessage());
            assertEquals("body", assertThrows(NullPointerException.class, () -> v.verify(payment.headers, (byte[]) null, 1)).getMessage());
            assertEquals("body", assertThrows(NullPointerException.class, () -> v.verify(payment.headers, (String) null, 1)).getMessage());
            Map<String, Object> nullValue = new LinkedHashMap<>(payment.headers);
            nullValue.put("X-Other", null);
            assertTrue(assertThrows(NullPointerException.class, () -> v.verify(nullValue, body, payment.now)).getMessage()
                    .startsWith("headers"));
            Map<String, Object> nullInList = new LinkedHashMap<>(payment.headers);
            nullInList.put("X-Other", Arrays.asList("a", null));
            assertTrue(assertThrows(NullPointerException.class, () -> v.verify(nullInList, body, payment.now)).getMessage()
                    .startsWith("headers"));
            Map<String, Object> nullName = new java.util.HashMap<>(payment.headers);
            nullName.put(null, "x");
            assertTrue(assertThrows(NullPointerException.class, () -> v.verify(nullName, body, payment.now)).getMessage()
                    .startsWith("headers"));
            assertEquals("serial", assertThrows(NullPointerException.class, () -> v.trusts(null)).getMessage());
        }
        assertEquals("error", assertThrows(NullPointerException.class, () -> Reply.v3Fail((NotifyException) null)).getMessage());
        assertEquals("code", assertThrows(NullPointerException.class, () -> Reply.v3Fail((String) null)).getMessage());
    }

    @Test
    void misuseWrongValuesAreIllegalArgumentException() {
        String lone = "\uD800";
        Map<String, String> none = new LinkedHashMap<>();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> V3Verifier.builder(lone + apiV3Key().substring(1)))
                .getMessage().startsWith("apiV3Key"));
        Map<String, String> badId = new LinkedHashMap<>();
        badId.put("PUB" + lone, "pem");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> V3Verifier.create(apiV3Key(), badId)).getMessage()
                .startsWith("platformKeys"));
        try (V3Verifier.Builder b = V3Verifier.builder(apiV3Key())) {
            // A negative number is refused as Python and Node refuse it, with the core's number for the code.
            NotifyException skew = assertThrows(NotifyException.class, () -> b.maxClockSkew(-1));
            assertEquals("invalid_config", skew.getCode());
            assertEquals("maxClockSkew must be a non-negative integer", skew.getMessage());
            assertEquals(assertThrows(NotifyException.class, () -> V3Verifier.builder("short")).getNumber(), skew.getNumber());
            NotifyException limit = assertThrows(NotifyException.class, () -> b.maxBodyBytes(-1));
            assertEquals("invalid_config", limit.getCode());
            assertEquals("maxBodyBytes must be a non-negative integer", limit.getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> b.mchIds("19" + lone)).getMessage().startsWith("mchIds"));
        }
        try (V3Verifier v = verifier()) {
            byte[] body = payment.bytes();
            Map<String, Object> bad = new LinkedHashMap<>(payment.headers);
            bad.put("X-Other", "x" + lone);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> v.verify(bad, body, payment.now)).getMessage()
                    .startsWith("headers"));
            Map<String, Object> notText = new LinkedHashMap<>(payment.headers);
            notText.put("X-Other", 42);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> v.verify(notText, body, payment.now)).getMessage()
                    .startsWith("headers"));
            Map<String, Object> notTextInList = new LinkedHashMap<>(payment.headers);
            notTextInList.put("X-Other", Arrays.asList("a", 1));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> v.verify(notTextInList, body, payment.now))
                    .getMessage().startsWith("headers"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> v.verify(payment.headers, payment.body + lone, payment.now))
                    .getMessage().startsWith("body"));
            NotifyException now = assertThrows(NotifyException.class, () -> v.verify(payment.headers, body, -1));
            assertEquals("invalid_argument", now.getCode());
            assertEquals("now must be a non-negative integer (Unix seconds)", now.getMessage());
            List<Map.Entry<String, String>> twice = Arrays.asList(
                    new AbstractMap.SimpleEntry<>("a", "1"), new AbstractMap.SimpleEntry<>("a", "2"));
            assertEquals(assertThrows(NotifyException.class, () -> Signer.sign(twice, apiV3Key(), "MD5")).getNumber(),
                    now.getNumber());
            assertEquals("invalid_argument",
                    assertThrows(NotifyException.class, () -> v.verify(payment.headers, body, Long.MIN_VALUE)).getCode());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> v.trusts(lone)).getMessage().startsWith("serial"));
        }
    }

    @Test
    void valuesTheCoreRefusesAreInvalidConfig() {
        Map<String, String> none = new LinkedHashMap<>();
        NotifyException e = T.code("invalid_config", () -> V3Verifier.create("short", none));
        assertFalse(e.getMessage().contains("short"), "no key material in the message");
        T.code("invalid_config", () -> V3Verifier.create(apiV3Key() + "x", none));
        T.code("invalid_config", () -> V3Verifier.builder(new byte[16]));
        Map<String, String> notPem = new LinkedHashMap<>();
        notPem.put("PUB_KEY_ID_X", "not a pem");
        T.code("invalid_config", () -> V3Verifier.create(apiV3Key(), notPem));
        try (V3Verifier.Builder b = V3Verifier.builder(apiV3Key())) {
            T.code("invalid_config", () -> b.mchIds(""));
            String id = T.platformKeys(firstConfig).keySet().iterator().next();
            String pem = T.platformKeys(firstConfig).get(id);
            b.trustedKey(id, pem);
            T.code("invalid_config", () -> b.trustedKey(id, pem)); // an id given twice
            // A refused value leaves the builder as it was: it still builds with the first key.
            try (V3Verifier v = b.build()) {
                assertEquals(Collections.singletonList(id), v.trustedKeyIds());
            }
            assertThrows(IllegalStateException.class, () -> b.maxClockSkew(1), "a built builder is released");
        }
        // The key as bytes (a 32-byte array): the same verifier.
        try (V3Verifier v = V3Verifier.builder(apiV3Key().getBytes(StandardCharsets.UTF_8))
                .trustedKeys(T.platformKeys(firstConfig)).build()) {
            assertEquals("TRANSACTION.SUCCESS", v.verify(payment.headers, payment.bytes(), payment.now).eventType());
        }
        NotifyException keyless = T.code("invalid_config", () -> V3Verifier.create(apiV3Key(), none));
        assertTrue(keyless.getMessage().contains("no WeChat Pay key is trusted"), keyless.getMessage());
        try (V3Verifier v = V3Verifier.create(apiV3Key(), T.platformKeys(firstConfig))) {
            T.code("missing_header", () -> v.verify(none, payment.bytes(), payment.now));
            T.code("missing_header", () -> v.verify(none, new byte[0], payment.now));
            assertEquals(V3Verifier.DEFAULT_MAX_CLOCK_SKEW, v.maxClockSkew(), "default skew");
            assertEquals(65536, v.maxBodyBytes(), "default limit");
            assertFalse(v.toString().contains(apiV3Key()), "toString redacts the key");
        }
    }

    @Test
    void closeTwiceAndUseAfterCloseAreExceptionsNeverCrashes() {
        V3Verifier v = verifier();
        v.close();
        v.close();
        assertThrows(IllegalStateException.class, () -> v.verify(payment.headers, payment.bytes(), payment.now));
        assertThrows(IllegalStateException.class, () -> v.verify(payment.headers, payment.body, payment.now));
        assertThrows(IllegalStateException.class, () -> v.verify(payment.headers, payment.bytes()));
        assertThrows(IllegalStateException.class, () -> v.trusts("X"));
        assertThrows(IllegalStateException.class, v::trustedKeyIds);
        assertThrows(IllegalStateException.class, v::expectedMchIds);
        assertThrows(IllegalStateException.class, v::maxClockSkew);
        assertThrows(IllegalStateException.class, v::maxBodyBytes);
        assertTrue(v.toString().contains("closed"));
        V3Verifier.Builder b = V3Verifier.builder(apiV3Key());
        b.close();
        b.close();
        assertThrows(IllegalStateException.class, b::build);
        assertThrows(IllegalStateException.class, () -> b.trustedKeys(T.platformKeys(firstConfig)));
    }

    @Test
    void theClockIsTheCallersOrTheSystems() {
        try (V3Verifier v = verifier()) {
            T.code("timestamp_out_of_window", () -> v.verify(payment.headers, payment.bytes(), payment.now + 301));
            assertEquals("TRANSACTION.SUCCESS", v.verify(payment.headers, payment.bytes(), payment.now + 300).eventType());
            assertTrue(Math.abs(System.currentTimeMillis() / 1000 - payment.now) > 300, "the vector's time is not today's");
            assertTrue(Math.abs(System.currentTimeMillis() / 1000 - Library.unixNow()) < 5, "Library.unixNow() is the clock");
            T.code("timestamp_out_of_window", () -> v.verify(payment.headers, payment.bytes()));
        }
    }

    @Test
    void repliesHaveTheCoresStatusAndOneConstantBody() {
        HttpReply ok = Reply.v3Success();
        assertEquals(204, ok.status());
        assertNull(ok.contentType());
        assertEquals("", ok.body());
        String rejected = "{\"code\":\"FAIL\",\"message\":\"rejected\"}";
        try (V3Verifier v = verifier()) {
            Object[][] checks = {
                {forged, 401},
                {new Case(payment.headers, payment.body, payment.now + 1000), 401},
                {new Case(new LinkedHashMap<>(), payment.body, payment.now), 401},
            };
            for (Object[] check : checks) {
                Case c = (Case) check[0];
                NotifyException e = assertThrows(NotifyException.class, () -> v.verify(c.headers, c.bytes(), c.now));
                HttpReply fail = Reply.v3Fail(e);
                assertEquals(check[1], fail.status(), e.getCode() + " status");
                assertEquals("application/json", fail.contentType());
                assertEquals(rejected, fail.body());
                assertFalse(fail.body().contains(e.getCode()), "the body never names the code");
            }
            Map<String, Object> sm2 = new LinkedHashMap<>(payment.headers);
            sm2.put("Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3");
            NotifyException e = T.code("unsupported_algorithm", () -> v.verify(sm2, payment.bytes(), payment.now));
            assertEquals(400, Reply.v3Fail(e).status(), "unsupported_algorithm status");
        }
        NotifyException config = assertThrows(NotifyException.class, () -> V3Verifier.create("short", new LinkedHashMap<>()));
        assertEquals(500, Reply.v3Fail(config).status(), "invalid_config is ours: 500");
        assertEquals(rejected, Reply.v3Fail(config).body());
        HttpReply internal = Reply.v3Fail("internal");
        assertEquals(500, internal.status());
        assertEquals("application/json", internal.contentType());
        assertEquals(rejected, internal.body());
        assertEquals(401, Reply.v3Fail("signature_mismatch").status());
        T.code("invalid_argument", () -> Reply.v3Fail("SIGNATURE_MISMATCH"));
        T.code("invalid_argument", () -> Reply.v3Fail(""));
    }

    @Test
    void expectedMerchantIds() {
        String mchid;
        String spMchid;
        try (V3Verifier any = verifier()) {
            assertEquals(0, any.expectedMchIds().size(), "no expected ids: any merchant");
            mchid = any.verify(payment.headers, payment.bytes(), payment.now).transaction().mchid();
            V3Notification p = any.verify(partner.headers, partner.bytes(), partner.now);
            assertNull(p.transaction().mchid(), "a partner notification has no mchid");
            spMchid = p.transaction().spMchid();
        }
        assertTrue(mchid != null && spMchid != null && !mchid.equals("1900000999") && !spMchid.equals("1900000999"));
        try (V3Verifier own = V3Verifier.builder(apiV3Key()).trustedKeys(T.platformKeys(firstConfig)).mchIds(mchid).build()) {
            assertEquals(Collections.singletonList(mchid), own.expectedMchIds());
            assertEquals("TRANSACTION.SUCCESS", own.verify(payment.headers, payment.bytes(), payment.now).eventType());
            assertEquals(mchid, own.verify(refund.headers, refund.bytes(), refund.now).refund().mchid());
            NotifyException e = T.code("merchant_mismatch", () -> own.verify(partner.headers, partner.bytes(), partner.now));
            assertTrue(e.getMessage().contains("sp_mchid"), "the message names the field: " + e.getMessage());
            assertEquals(401, Reply.v3Fail(e).status());
        }
        try (V3Verifier other = V3Verifier.builder(apiV3Key()).trustedKeys(T.platformKeys(firstConfig))
                .mchIds(Collections.singletonList("1900000999")).build()) {
            T.code("merchant_mismatch", () -> other.verify(payment.headers, payment.bytes(), payment.now));
            T.code("merchant_mismatch", () -> other.verify(refund.headers, refund.bytes(), refund.now));
            T.code("signature_mismatch", () -> other.verify(forged.headers, forged.bytes(), forged.now));
        }
        try (V3Verifier several = V3Verifier.builder(apiV3Key()).trustedKeys(T.platformKeys(firstConfig))
                .mchIds("1900000999", spMchid, mchid, mchid).build()) {
            assertEquals(Arrays.asList("1900000999", spMchid, mchid), several.expectedMchIds(), "in order, once each");
            several.verify(payment.headers, payment.bytes(), payment.now);
            several.verify(partner.headers, partner.bytes(), partner.now);
        }
    }

    @Test
    void trustedKeysAreReadBack() {
        try (V3Verifier v = verifier()) {
            List<String> ids = v.trustedKeyIds();
            assertEquals(new ArrayList<>(T.platformKeys(firstConfig).keySet()).size(), ids.size());
            for (String id : ids) {
                assertTrue(v.trusts(id), id);
            }
            assertFalse(v.trusts("PUB_KEY_ID_NOT_TRUSTED"));
            assertThrows(UnsupportedOperationException.class, () -> ids.add("x"), "unmodifiable");
        }
    }

    @Test
    void eightThreadsShareOneVerifier() throws Exception {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        byte[] body = payment.bytes();
        byte[] forgedBody = forged.bytes();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (V3Verifier v = verifier()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                final int n = i;
                futures.add(pool.submit(() -> {
                    try {
                        if (n % 2 == 0) {
                            V3Notification x = v.verify(payment.headers, body, payment.now);
                            if (x.transaction() != null && x.dedupeKey().equals(x.transaction().transactionId())) {
                                ok.incrementAndGet();
                            } else {
                                wrong.incrementAndGet();
                            }
                        } else {
                            v.verify(forged.headers, forgedBody, forged.now);
                            wrong.incrementAndGet();
                        }
                    } catch (NotifyException e) {
                        (e.getCode().equals("signature_mismatch") ? rejected : wrong).incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(200, ok.get(), "verified");
        assertEquals(200, rejected.get(), "rejected");
        assertEquals(0, wrong.get(), "wrong results");
        assertNotNull(pool);
    }
}
