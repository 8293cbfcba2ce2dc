package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoint (one notify_url for many merchants, v2 and v3) through the Java binding: every case of
 * tests/vectors/endpoint.json (exact verdicts, codes and numbers, the message rule, label / kind /
 * isSuccess / dedupeKey / reply of valid cases, version / label / reply of refusals, refused profiles,
 * the internal-failure reply of every request and result), then the API: the profiles file (the
 * core's loader), the misuse rule, close, verifier copies, 8 threads.
 */
class EndpointTest {
    private static final String FILE = "endpoint.json";

    /** A request kept from the vectors, with its expected label. */
    static final class Case {
        final Map<String, Object> headers;
        final byte[] body;
        final long now;
        final String label;

        Case(Map<String, Object> headers, byte[] body, long now, String label) {
            this.headers = headers;
            this.body = body;
            this.now = now;
            this.label = label;
        }
    }

    static JsonArray firstProfiles;
    static Case v2Payment;
    static Case v2Refund;
    static Case v3;
    static Case forged;

    @BeforeAll
    static void keep() {
        JsonObject group = T.load(FILE, "wechatpay-notify/endpoint/1").getAsJsonArray("testGroups").get(0).getAsJsonObject();
        firstProfiles = group.getAsJsonObject("config").getAsJsonArray("profiles");
        for (JsonElement t : group.getAsJsonArray("tests")) {
            JsonObject test = t.getAsJsonObject();
            Map<String, Object> headers = T.headers(test.get("headers"));
            JsonObject expected = test.getAsJsonObject("expected");
            Case c = new Case(headers, T.body(test), test.get("now").getAsLong(), T.str(expected, "label"));
            if ("valid".equals(T.str(test, "result"))) {
                String kind = T.str(expected, "kind");
                if ("v2_payment".equals(kind) && v2Payment == null) {
                    v2Payment = c;
                } else if ("v2_refund".equals(kind) && v2Refund == null) {
                    v2Refund = c;
                } else if ("v3".equals(kind) && v3 == null) {
                    v3 = c;
                }
            } else if ("signature_mismatch".equals(T.str(test, "error")) && headers.isEmpty() && forged == null) {
                forged = c;
            }
        }
        assertTrue(v2Payment != null && v2Refund != null && v3 != null && forged != null,
                "the vectors gave a v2 payment, a v2 refund, a v3 event and a forgery to reuse");
    }

    /**
     * An endpoint from {@code config.profiles}: each profile's verifiers built as the v2_pay and
     * v3_notify runners build theirs, its optional mchId given to MerchantProfile, and the verifiers
     * closed as soon as the endpoint is built (it keeps its own copies).
     */
    static Endpoint build(JsonArray profiles) {
        List<AutoCloseable> verifiers = new ArrayList<>();
        try {
            List<MerchantProfile> list = new ArrayList<>();
            for (JsonElement o : profiles) {
                JsonObject p = o.getAsJsonObject();
                Verifier v2 = null;
                V3Verifier v3 = null;
                if (p.get("v2") != null && !p.get("v2").isJsonNull()) {
                    v2 = T.verifier(p.getAsJsonObject("v2"));
                    verifiers.add(v2);
                }
                if (p.get("v3") != null && !p.get("v3").isJsonNull()) {
                    v3 = T.v3Verifier(p.getAsJsonObject("v3"));
                    verifiers.add(v3);
                }
                list.add(new MerchantProfile(T.str(p, "label"), v2, v3, T.str(p, "mchId")));
            }
            // Alternately through the array and the collection factories.
            return profiles.size() % 2 == 0 ? Endpoint.of(list.toArray(new MerchantProfile[0])) : Endpoint.of(list);
        } finally {
            for (AutoCloseable v : verifiers) {
                try {
                    v.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    @TestFactory
    List<DynamicTest> endpointVectors() {
        JsonObject root = T.load(FILE, "wechatpay-notify/endpoint/1");
        AtomicLong ran = new AtomicLong();
        List<DynamicTest> cases = new ArrayList<>();
        List<Endpoint> built = new ArrayList<>();
        for (JsonElement g : root.getAsJsonArray("testGroups")) {
            JsonObject group = g.getAsJsonObject();
            Endpoint endpoint = null;
            NotifyException buildError = null;
            try {
                endpoint = build(group.getAsJsonObject("config").getAsJsonArray("profiles"));
                built.add(endpoint);
            } catch (NotifyException e) {
                buildError = e;
            }
            final Endpoint e = endpoint;
            final NotifyException refused = buildError;
            for (JsonElement t : group.getAsJsonArray("tests")) {
                JsonObject test = t.getAsJsonObject();
                cases.add(dynamicTest(T.name(FILE, test), () -> {
                    ran.incrementAndGet();
                    boolean valid = "valid".equals(T.str(test, "result"));
                    String code = T.str(test, "error");
                    assertTrue(valid || ("invalid".equals(T.str(test, "result")) && code != null), "result/error");
                    long now = test.get("now").getAsLong();
                    if (e == null) {
                        assertFalse(valid, "the group's profiles were refused, so every case is invalid");
                        T.checkError(code, refused);
                        assertFalse(refused instanceof EndpointRejectedException, "a refused configuration is not a refused request");
                        return;
                    }
                    Map<String, Object> headers = T.headers(test.get("headers"));
                    String text = T.str(test, "body");
                    byte[] raw = T.body(test);
                    boolean asText = text != null && test.get("tcId").getAsLong() % 2 == 0;
                    JsonObject expected = test.getAsJsonObject("expected");
                    if (!valid) {
                        NotifyException x = T.code(code, () -> {
                            if (asText) {
                                e.handle(headers, text, now);
                            } else {
                                e.handle(headers, raw, now);
                            }
                        });
                        assertTrue(x instanceof EndpointRejectedException, "a refused request is an EndpointRejectedException");
                        EndpointRejectedException rejected = (EndpointRejectedException) x;
                        checkRejection(rejected, expected);
                        checkInternal(Reply.internalError(headers), rejected.getVersion() == ApiVersion.V3);
                        // The version the request is refused in, as the application sees it before verification.
                        assertEquals(rejected.getVersion() == ApiVersion.V3 ? ApiVersion.V3 : ApiVersion.V2, ApiVersion.ofRequest(headers));
                        return;
                    }
                    EndpointResult r = asText ? e.handle(headers, text, now) : e.handle(headers, raw, now);
                    checkResult(r, expected);
                    checkInternal(Reply.internalError(headers), r.version() == ApiVersion.V3);
                    assertEquals(r.version(), ApiVersion.ofRequest(headers));
                }));
            }
        }
        return VectorTest.counted(FILE, root, cases, ran, () -> built.forEach(Endpoint::close));
    }

    /** Every key of {@code expected} is one this runner checks. */
    static void knownKeys(JsonObject expected, String... keys) {
        assertNotNull(expected, "expected is present");
        for (String key : expected.keySet()) {
            assertTrue(Arrays.asList(keys).contains(key), "expected key " + key + " is not checked by the Java runner");
        }
    }

    static void checkReply(HttpReply reply, JsonObject want) {
        knownKeys(want, "status", "contentType", "body");
        assertEquals(want.get("status").getAsInt(), reply.status(), "reply status");
        assertEquals(T.str(want, "contentType"), reply.contentType(), "reply content type");
        assertEquals(T.str(want, "body"), reply.body(), "reply body");
    }

    static void checkResult(EndpointResult r, JsonObject want) {
        knownKeys(want, "label", "kind", "isSuccess", "dedupeKey", "reply");
        assertEquals(T.str(want, "label"), r.label(), "label");
        assertEquals(T.str(want, "kind"), r.kind(), "kind");
        assertEquals(want.get("isSuccess").getAsBoolean(), r.isSuccess(), "isSuccess");
        assertEquals(T.str(want, "dedupeKey"), r.dedupeKey(), "dedupeKey");
        checkReply(r.reply(), want.getAsJsonObject("reply"));
        checkInternal(r.internalErrorReply(), r.version() == ApiVersion.V3);
        switch (r.kind()) {
            case EndpointResult.V2_PAYMENT:
                assertTrue(r.payment() != null && r.refund() == null && r.v3() == null, "a payment only");
                assertEquals(ApiVersion.V2, r.version());
                assertEquals(r.dedupeKey(), r.payment().dedupeKey());
                assertEquals(r.isSuccess(), r.payment().isSuccess());
                break;
            case EndpointResult.V2_REFUND:
                assertTrue(r.payment() == null && r.refund() != null && r.v3() == null, "a refund only");
                assertEquals(ApiVersion.V2, r.version());
                assertEquals(r.dedupeKey(), r.refund().dedupeKey());
                assertEquals(r.isSuccess(), r.refund().isSuccess());
                break;
            default:
                assertEquals(EndpointResult.V3, r.kind());
                assertTrue(r.payment() == null && r.refund() == null && r.v3() != null, "an APIv3 notification only");
                assertEquals(ApiVersion.V3, r.version());
                assertEquals(r.dedupeKey(), r.v3().dedupeKey());
                assertEquals(r.isSuccess(), r.v3().isSuccess());
        }
    }

    /** The reply to the application's own failure: 500 and the version's constant refusal. */
    static void checkInternal(HttpReply reply, boolean v3) {
        assertEquals(500, reply.status(), "internal reply status");
        assertEquals(v3 ? "application/json" : "text/xml", reply.contentType(), "internal reply content type");
        assertEquals(v3 ? Reply.v3Fail("internal").body() : Reply.refusal(), reply.body(), "internal reply body");
    }

    static void checkRejection(EndpointRejectedException e, JsonObject want) {
        knownKeys(want, "version", "label", "reply");
        String version = T.str(want, "version");
        assertTrue(version == null || version.equals("v2") || version.equals("v3"), "expected.version");
        assertEquals(version == null ? null : version.equals("v2") ? ApiVersion.V2 : ApiVersion.V3, e.getVersion(), "version");
        assertEquals(T.str(want, "label"), e.getLabel(), "label");
        checkReply(e.getReply(), want.getAsJsonObject("reply"));
    }

    static EndpointResult handle(Endpoint e, Case c) {
        return e.handle(c.headers, c.body, c.now);
    }

    static final String KEY = "192006250b4c09247ec02edce69f6a2d";

    static Verifier v2(String mchId) {
        Verifier.Builder b = Verifier.builder(KEY, SignType.MD5);
        if (mchId != null) {
            b.mchId(mchId);
        }
        return b.build();
    }

    static JsonObject profile(String label) {
        for (JsonElement o : firstProfiles) {
            if (label.equals(T.str(o.getAsJsonObject(), "label"))) {
                return o.getAsJsonObject();
            }
        }
        throw new AssertionError("no profile " + label);
    }

    @Test
    void oneEndpointTwoMerchantsBothVersions() {
        try (Endpoint e = build(firstProfiles)) {
            assertEquals(Arrays.asList("shop-a", "shop-b"), e.labels());
            assertTrue(e.toString().contains("shop-a") && !e.toString().contains(KEY), "toString names labels, not keys");
            EndpointResult p = handle(e, v2Payment);
            assertTrue(p.payment().totalFee().getAsLong() > 0, "totalFee");
            assertEquals(p.payment().transactionId(), p.dedupeKey(), "a successful payment's key is transaction_id");
            assertEquals(200, p.reply().status());
            assertEquals(Reply.success(), p.reply().body());
            EndpointResult r = handle(e, v2Refund);
            String status = r.refund().refundStatus();
            assertEquals(r.refund().refundId() + ":" + ("CHANGE".equals(status) ? "ABNORMAL" : "REFUNDCLOSE".equals(status) ? "CLOSED" : status),
                    r.dedupeKey(), "a refund's key is refund_id:STATUS");
            assertFalse(r.refund().reqInfo().isEmpty());
            EndpointResult n = handle(e, v3);
            assertTrue(n.v3().transaction() != null || n.v3().refund() != null, "a typed APIv3 view");
            assertEquals(204, n.reply().status());
            assertNull(n.reply().contentType());
            assertEquals("", n.reply().body());
            assertTrue(n.toString().contains(n.label()));
        }
    }

    @Test
    void refusalsAreEndpointRejectedExceptionsCatchableAsNotifyException() {
        try (Endpoint e = build(firstProfiles)) {
            try {
                handle(e, forged);
                throw new AssertionError("the forgery was accepted");
            } catch (NotifyException x) {
                EndpointRejectedException rejected = (EndpointRejectedException) x;
                assertEquals("signature_mismatch", rejected.getCode());
                assertEquals(ApiVersion.V2, rejected.getVersion());
                assertEquals(forged.label, rejected.getLabel());
                assertEquals(Reply.refusal(), rejected.getReply().body(), "the one constant v2 refusal");
                assertFalse(rejected.getReply().body().contains("signature_mismatch"));
                assertTrue(rejected.toString().contains("signature_mismatch"));
            }
            // A Wechatpay header received twice: the core's invalid_argument, with the v3 reply.
            Map<String, Object> dup = new LinkedHashMap<>(v3.headers);
            for (Map.Entry<String, Object> h : v3.headers.entrySet()) {
                if (h.getKey().equalsIgnoreCase("Wechatpay-Signature")) {
                    dup.put(h.getKey(), Arrays.asList((String) h.getValue(), (String) h.getValue()));
                }
            }
            EndpointRejectedException twice = (EndpointRejectedException) T.code("invalid_argument", () -> e.handle(dup, v3.body, v3.now));
            assertEquals(ApiVersion.V3, twice.getVersion());
            assertEquals(400, twice.getReply().status());
            assertEquals(Reply.v3Fail(twice).body(), twice.getReply().body());
            // Undecidable: no version, no label, the v2 FAIL reply with 400.
            EndpointRejectedException empty = (EndpointRejectedException) T.code("malformed_xml",
                    () -> e.handle(Collections.emptyMap(), new byte[0], 0));
            assertNull(empty.getVersion());
            assertNull(empty.getLabel());
            assertEquals(400, empty.getReply().status());
            assertEquals("text/xml", empty.getReply().contentType());
            assertEquals(Reply.refusal(), empty.getReply().body());
        }
    }

    @Test
    void theClockIsTheCallersOrTheSystems() {
        try (Endpoint e = build(firstProfiles)) {
            T.code("timestamp_out_of_window", () -> e.handle(v3.headers, v3.body, v3.now + 301));
            T.code("timestamp_out_of_window", () -> e.handle(v3.headers, v3.body));
            assertEquals(v2Payment.label, e.handle(v2Payment.headers, v2Payment.body).label(), "v2 with the system clock");
        }
    }

    @Test
    void theEndpointKeepsItsOwnCopiesOfTheVerifiers() {
        Verifier v = T.verifier(profile(v2Payment.label).getAsJsonObject("v2"));
        Endpoint e = Endpoint.of(new MerchantProfile("only", v, null));
        v.close();
        try {
            assertEquals("only", e.handle(v2Payment.headers, v2Payment.body, 0).label(), "verified after the verifier was closed");
        } finally {
            e.close();
        }
    }

    @Test
    void valuesTheCoreRefusesAreInvalidConfig() {
        try (Verifier a = v2("10000100"); Verifier b = v2("10000200"); Verifier noMch = v2(null)) {
            T.code("invalid_config", () -> Endpoint.of());
            T.code("invalid_config", () -> Endpoint.of(new ArrayList<>()));
            T.code("invalid_config", () -> Endpoint.of(new MerchantProfile("a", null, null)));
            T.code("invalid_config", () -> Endpoint.of(new MerchantProfile("a", noMch, null)));
            T.code("invalid_config", () -> Endpoint.of(new MerchantProfile("a", a, null), new MerchantProfile("a", b, null)));
            T.code("invalid_config", () -> Endpoint.of(new MerchantProfile("a", a, null), new MerchantProfile("b", a, null)));
            // a and b share an API key: a refund names no merchant, so this is refused.
            T.code("invalid_config", () -> Endpoint.of(new MerchantProfile("a", a, null), new MerchantProfile("b", b, null)));
            try (Verifier c = Verifier.builder("0123456789abcdef0123456789abcdef", SignType.MD5).mchId("10000200").build();
                    Endpoint ok = Endpoint.of(new MerchantProfile("a", a, null), new MerchantProfile("c", c, null))) {
                assertEquals(2, ok.labels().size());
            }
        }
    }

    @Test
    void theProfilesMerchantIdRoutesV2AndBindsApiV3() {
        try (Verifier noMch = v2(null); Verifier a = v2("10000100")) {
            try (Endpoint e = Endpoint.of(new MerchantProfile("only", noMch, null, "10000100"))) {
                EndpointResult r = e.handle(Collections.emptyMap(), ApiTest.paymentBody(SignType.MD5, "4200000088", "100"), 0);
                assertEquals("only", r.label(), "routed by the profile's mch_id");
            }
            T.code("invalid_config", () -> Endpoint.of(new MerchantProfile("only", a, null, "10000200")));
            T.code("invalid_config", () -> Endpoint.of(new MerchantProfile("only", a, null, "")));
            assertEquals("10000100", new MerchantProfile("x", a, null, "10000100").mchId());
            assertNull(new MerchantProfile("x", a, null).mchId());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new MerchantProfile("x", a, null, "1\udc00")).getMessage()
                    .startsWith("mchId"));
        }
        JsonObject config = profile(v3.label).getAsJsonObject("v3");
        String mchid;
        try (V3Verifier any = T.v3Verifier(config)) {
            V3Notification n = any.verify(v3.headers, v3.body, v3.now);
            mchid = n.transaction() != null ? n.transaction().mchid() : n.refund().mchid();
        }
        assertTrue(mchid != null && !mchid.equals("1900000999"));
        String key = T.str(config, "apiV3Key");
        try (V3Verifier plain = V3Verifier.create(key, T.platformKeys(config));
                V3Verifier own = V3Verifier.builder(key).trustedKeys(T.platformKeys(config)).mchIds(mchid).build()) {
            try (Endpoint e = Endpoint.of(new MerchantProfile("only", null, plain, mchid))) {
                assertEquals("only", handle(e, v3).label());
            }
            try (Endpoint e = Endpoint.of(new MerchantProfile("only", null, plain, "1900000999"))) {
                EndpointRejectedException rejected = (EndpointRejectedException) T.code("merchant_mismatch", () -> handle(e, v3));
                assertEquals("only", rejected.getLabel());
                assertEquals(ApiVersion.V3, rejected.getVersion());
                assertEquals(401, rejected.getReply().status());
                assertEquals("{\"code\":\"FAIL\",\"message\":\"rejected\"}", rejected.getReply().body());
            }
            try (Endpoint e = Endpoint.of(new MerchantProfile("only", null, own, "1900000999"))) {
                assertEquals("only", handle(e, v3).label(), "the verifier's ids win");
            }
            try (Endpoint e = Endpoint.of(new MerchantProfile("only", null, plain))) {
                assertEquals("only", handle(e, v3).label(), "an APIv3-only profile without any id serves every merchant");
            }
        }
    }

    @Test
    void anApiV3BodyOverTheLimitIsBodyTooLarge() {
        try (Endpoint e = build(firstProfiles)) {
            byte[] big = new byte[65537];
            Arrays.fill(big, (byte) ' ');
            System.arraycopy(v3.body, 0, big, 0, v3.body.length);
            EndpointRejectedException rejected = (EndpointRejectedException) T.code("body_too_large", () -> e.handle(v3.headers, big, v3.now));
            assertEquals(ApiVersion.V3, rejected.getVersion());
            assertEquals(400, rejected.getReply().status());
            T.code("signature_mismatch", () -> e.handle(v3.headers, Arrays.copyOf(big, 65536), v3.now));
        }
    }

    @Test
    void misuseNullArguments() {
        try (Verifier a = v2("10000100"); Endpoint e = Endpoint.of(new MerchantProfile("a", a, null))) {
            assertEquals("label", assertThrows(NullPointerException.class, () -> new MerchantProfile(null, a, null)).getMessage());
            assertEquals("profiles", assertThrows(NullPointerException.class, () -> Endpoint.of((List<MerchantProfile>) null)).getMessage());
            assertEquals("profiles", assertThrows(NullPointerException.class, () -> Endpoint.of((MerchantProfile[]) null)).getMessage());
            assertTrue(assertThrows(NullPointerException.class, () -> Endpoint.of(new MerchantProfile("a", a, null), null)).getMessage()
                    .startsWith("profiles"));
            assertEquals("headers", assertThrows(NullPointerException.class, () -> e.handle(null, v2Payment.body)).getMessage());
            assertEquals("headers", assertThrows(NullPointerException.class, () -> e.handle(null, v2Payment.body, 0)).getMessage());
            assertEquals("headers", assertThrows(NullPointerException.class, () -> e.handle(null, "<xml/>", 0)).getMessage());
            assertEquals("body", assertThrows(NullPointerException.class, () -> e.handle(v2Payment.headers, (byte[]) null, 0)).getMessage());
            assertEquals("body", assertThrows(NullPointerException.class, () -> e.handle(v2Payment.headers, (String) null, 0)).getMessage());
            Map<String, Object> nullValue = new LinkedHashMap<>();
            nullValue.put("Wechatpay-Serial", null);
            assertTrue(assertThrows(NullPointerException.class, () -> e.handle(nullValue, v2Payment.body, 0)).getMessage().startsWith("headers"));
            assertEquals("path", assertThrows(NullPointerException.class, () -> Endpoint.fromProfilesFile(null)).getMessage());
            assertEquals("headers", assertThrows(NullPointerException.class, () -> Reply.internalError(null)).getMessage());
            assertEquals("headers", assertThrows(NullPointerException.class, () -> ApiVersion.ofRequest(null)).getMessage());
            assertTrue(assertThrows(NullPointerException.class, () -> ApiVersion.ofRequest(nullValue)).getMessage().startsWith("headers"));
        }
    }

    @Test
    void misuseWrongValues() {
        try (Verifier a = v2("10000100"); Endpoint e = Endpoint.of(new MerchantProfile("a", a, null))) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new MerchantProfile("shop-\ud800", a, null)).getMessage().startsWith("label"));
            Map<String, Object> lone = new LinkedHashMap<>();
            lone.put("X-Name", "\udc00");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> e.handle(lone, v2Payment.body, 0)).getMessage().startsWith("headers"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Reply.internalError(lone)).getMessage().startsWith("headers"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> ApiVersion.ofRequest(lone)).getMessage().startsWith("headers"));
            Map<String, Object> number = new LinkedHashMap<>();
            number.put("X-Name", 1);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> e.handle(number, v2Payment.body, 0)).getMessage().startsWith("headers"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> e.handle(v2Payment.headers, "<xml>\ud800</xml>", 0)).getMessage().startsWith("body"));
            assertEquals("invalid_argument", assertThrows(NotifyException.class, () -> e.handle(v2Payment.headers, v2Payment.body, -1)).getCode());
            assertEquals("invalid_argument", assertThrows(NotifyException.class, () -> e.handle(v2Payment.headers, "<xml/>", Long.MIN_VALUE)).getCode());
        }
    }

    @Test
    void closeTwiceAndUseAfterClose() {
        Verifier a = v2("10000100");
        MerchantProfile profile = new MerchantProfile("a", a, null);
        Endpoint e = Endpoint.of(profile);
        e.close();
        e.close();
        assertThrows(IllegalStateException.class, () -> e.handle(v2Payment.headers, v2Payment.body, 0));
        assertThrows(IllegalStateException.class, e::labels);
        assertEquals("Endpoint(closed)", e.toString());
        a.close();
        assertThrows(IllegalStateException.class, () -> Endpoint.of(profile), "a closed verifier");
        V3Verifier s = T.v3Verifier(firstProfiles.get(0).getAsJsonObject().getAsJsonObject("v3"));
        s.close();
        assertThrows(IllegalStateException.class, () -> Endpoint.of(new MerchantProfile("b", null, s)));
    }

    @Test
    void internalErrorReplyFollowsTheRequestsVersion() {
        checkInternal(Reply.internalError(Collections.emptyMap()), false);
        checkInternal(Reply.internalError(Collections.singletonMap("wechatpay-SIGNATURE", "")), true);
        checkInternal(Reply.internalError(v3.headers), true);
        checkInternal(Reply.internalError(v2Payment.headers), false);
        checkInternal(Reply.internalError(Collections.singletonMap("Wechatpay-Signature", Arrays.asList("a", "b"))), true);
    }

    // ---- the profiles file: the core's loader ----

    static void write(Path path, String text, String mode) throws IOException {
        Files.write(path, text.getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    /** The vectors' profiles as a profiles file in {@code dir}: every key in a file of its own (0600), every PEM in a file. */
    static Path writeProfiles(Path dir, JsonArray profiles) throws IOException {
        JsonArray out = new JsonArray();
        int i = 0;
        for (JsonElement o : profiles) {
            JsonObject p = o.getAsJsonObject();
            JsonObject q = new JsonObject();
            q.addProperty("label", T.str(p, "label"));
            if (T.str(p, "mchId") != null) {
                q.addProperty("mch_id", T.str(p, "mchId"));
            }
            if (p.get("v2") != null && p.get("v2").isJsonObject()) {
                JsonObject v2 = p.getAsJsonObject("v2");
                JsonObject w = new JsonObject();
                String key = "p" + i + "-v2.key";
                write(dir.resolve(key), T.str(v2, "apiKey"), "rw-------");
                w.addProperty("api_key_file", key);
                w.addProperty("sign_type", T.str(v2, "signType"));
                if (T.str(v2, "mchId") != null) {
                    w.addProperty("mch_id", T.str(v2, "mchId"));
                }
                if (T.str(v2, "appid") != null) {
                    w.addProperty("appid", T.str(v2, "appid"));
                }
                if (v2.getAsJsonArray("alsoAccept").size() > 0) {
                    w.add("also_accept", v2.getAsJsonArray("alsoAccept"));
                }
                if (v2.get("maxBodyBytes") != null && !v2.get("maxBodyBytes").isJsonNull()) {
                    w.add("max_body_bytes", v2.get("maxBodyBytes"));
                }
                q.add("v2", w);
            }
            if (p.get("v3") != null && p.get("v3").isJsonObject()) {
                JsonObject v3c = p.getAsJsonObject("v3");
                JsonObject w = new JsonObject();
                String key = "p" + i + "-v3.key";
                write(dir.resolve(key), T.str(v3c, "apiV3Key"), "rw-------");
                w.addProperty("api_v3_key_file", key);
                JsonObject keys = new JsonObject();
                int k = 0;
                for (Map.Entry<String, String> pk : T.platformKeys(v3c).entrySet()) {
                    String pem = "p" + i + "-k" + k++ + ".pem";
                    write(dir.resolve(pem), pk.getValue(), "rw-r--r--");
                    keys.addProperty(pk.getKey(), pem);
                }
                w.add("platform_keys", keys);
                if (v3c.get("mchIds") != null && v3c.get("mchIds").isJsonArray() && v3c.getAsJsonArray("mchIds").size() > 0) {
                    w.add("mch_ids", v3c.get("mchIds"));
                }
                for (String[] s : new String[][] {{"maxClockSkew", "max_clock_skew"}, {"maxBodyBytes", "max_body_bytes"}}) {
                    if (v3c.get(s[0]) != null && !v3c.get(s[0]).isJsonNull()) {
                        w.add(s[1], v3c.get(s[0]));
                    }
                }
                q.add("v3", w);
            }
            out.add(q);
            i++;
        }
        JsonObject doc = new JsonObject();
        doc.add("profiles", out);
        Path path = dir.resolve("profiles.json");
        write(path, new Gson().toJson(doc), "rw-------");
        return path;
    }

    static String outcome(Endpoint e, Case c) {
        try {
            EndpointResult r = handle(e, c);
            return r.label() + "|" + r.kind() + "|" + r.dedupeKey();
        } catch (EndpointRejectedException x) {
            return x.getCode() + "|" + x.getLabel();
        }
    }

    @Test
    void fromProfilesFileBuildsWhatTheBuilderBuilds(@TempDir Path dir) throws IOException {
        Path path = writeProfiles(dir, firstProfiles);
        try (Endpoint built = build(firstProfiles); Endpoint loaded = Endpoint.fromProfilesFile(path)) {
            assertEquals(built.labels(), loaded.labels());
            for (Case c : Arrays.asList(v2Payment, v2Refund, v3, forged)) {
                assertEquals(outcome(built, c), outcome(loaded, c), "the same outcome from the profiles file");
            }
            assertEquals(v2Payment.label, handle(loaded, v2Payment).label());
        }
        // A relative path is resolved from the working directory.
        Path relative = Paths.get("").toAbsolutePath().relativize(path);
        try (Endpoint loaded = Endpoint.fromProfilesFile(relative)) {
            assertEquals(2, loaded.labels().size());
        }
    }

    @Test
    void refusedProfilesFilesAreInvalidConfigNamingNoKey(@TempDir Path dir) throws IOException {
        Path path = writeProfiles(dir, firstProfiles);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
        NotifyException e = T.code("invalid_config", () -> Endpoint.fromProfilesFile(path));
        assertTrue(e.getMessage().contains("chmod 600"), "the message says chmod 600: " + e.getMessage());
        Path inline = dir.resolve("inline.json");
        write(inline, "{\"profiles\": [{\"label\": \"x\", \"v2\": {\"api_key\": \"" + KEY
                + "\", \"sign_type\": \"MD5\", \"mch_id\": \"1\"}}]}", "rw-------");
        e = T.code("invalid_config", () -> Endpoint.fromProfilesFile(inline));
        assertFalse(e.getMessage().contains(KEY), "no key in the message");
        Path misspelt = dir.resolve("misspelt.json");
        write(misspelt, "{\"profiles\": [{\"label\": \"shop-a\", \"v2\": {\"api_key_env\": \"X\", \"signType\": \"MD5\"}}]}", "rw-------");
        e = T.code("invalid_config", () -> Endpoint.fromProfilesFile(misspelt));
        assertTrue(e.getMessage().contains("signType"), "names the setting: " + e.getMessage());
        T.code("invalid_config", () -> Endpoint.fromProfilesFile(dir.resolve("missing.json")));
        T.code("invalid_config", () -> Endpoint.fromProfilesFile(Paths.get("")));
    }

    @Test
    void eightThreadsShareOneEndpoint() throws Exception {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        Case[] cases = {v2Payment, v2Refund, v3, forged};
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Endpoint e = build(firstProfiles)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                Case c = cases[i % cases.length];
                futures.add(pool.submit(() -> {
                    try {
                        EndpointResult r = handle(e, c);
                        (c != forged && r.label().equals(c.label) && r.dedupeKey() != null ? ok : wrong).incrementAndGet();
                    } catch (EndpointRejectedException x) {
                        (c == forged && x.getCode().equals("signature_mismatch") && x.getLabel().equals(c.label) ? rejected : wrong)
                                .incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(300, ok.get(), "verified");
        assertEquals(100, rejected.get(), "rejected");
        assertEquals(0, wrong.get(), "wrong results");
    }
}
