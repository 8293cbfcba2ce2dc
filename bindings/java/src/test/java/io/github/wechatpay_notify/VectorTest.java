package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The v2 vector files (tests/vectors: v2_sign, v2_pay, v2_refund, reply) through the Java binding:
 * the same verdicts and codes as every other surface, exactly numberOfTests cases per file, every key
 * of each valid case's expected.typed against its accessor, and for every invalid case the code's
 * number and the message rule. typed_views.json is compared with the C ABI's property listing and
 * with the accessors of PaymentNotification, RefundNotification and the APIv3 views, both ways.
 */
class VectorTest {

    /** One DynamicTest per case, then one asserting that exactly numberOfTests of them ran. */
    static List<DynamicTest> counted(String file, JsonObject root, List<DynamicTest> cases, AtomicLong ran,
            Runnable after) {
        List<DynamicTest> all = new ArrayList<>(cases);
        all.add(dynamicTest(file + ": ran exactly numberOfTests cases", () -> {
            try {
                assertEquals(root.get("numberOfTests").getAsLong(), ran.get(), file + ": cases run");
                assertEquals(root.get("numberOfTests").getAsLong(), (long) cases.size(), file + ": cases listed");
            } finally {
                after.run();
            }
        }));
        return all;
    }

    @TestFactory
    List<DynamicTest> v2Sign() {
        String file = "v2_sign.json";
        JsonObject root = T.load(file, "wechatpay-notify/v2-sign/1");
        AtomicLong ran = new AtomicLong();
        List<DynamicTest> cases = new ArrayList<>();
        for (JsonElement g : root.getAsJsonArray("testGroups")) {
            for (JsonElement t : g.getAsJsonObject().getAsJsonArray("tests")) {
                JsonObject test = t.getAsJsonObject();
                cases.add(dynamicTest(T.name(file, test), () -> {
                    ran.incrementAndGet();
                    List<Map.Entry<String, String>> fields = T.pairs(test.get("fields"));
                    String key = T.str(test, "apiKey");
                    String type = T.str(test, "signType");
                    if ("valid".equals(T.str(test, "result"))) {
                        assertEquals(T.str(test, "signature"), Signer.sign(fields, key, type), "signature");
                        // The same with the key as bytes.
                        assertEquals(T.str(test, "signature"),
                                Signer.sign(fields, key.getBytes(StandardCharsets.UTF_8), type), "signature (byte[] key)");
                        if (test.has("stringToSign")) {
                            assertEquals(T.str(test, "stringToSign"), Signer.stringToSign(fields), "stringToSign");
                        }
                    } else {
                        assertEquals("invalid", T.str(test, "result"), "result");
                        T.code(T.str(test, "error"), () -> Signer.sign(fields, key, type));
                    }
                }));
            }
        }
        return counted(file, root, cases, ran, () -> { });
    }

    @TestFactory
    List<DynamicTest> v2Pay() {
        return notifications("v2_pay.json", "wechatpay-notify/v2-pay/1", false);
    }

    @TestFactory
    List<DynamicTest> v2Refund() {
        return notifications("v2_refund.json", "wechatpay-notify/v2-refund/1", true);
    }

    private List<DynamicTest> notifications(String file, String schema, boolean refund) {
        JsonObject root = T.load(file, schema);
        AtomicLong ran = new AtomicLong();
        List<DynamicTest> cases = new ArrayList<>();
        List<Verifier> built = new ArrayList<>();
        for (JsonElement g : root.getAsJsonArray("testGroups")) {
            JsonObject group = g.getAsJsonObject();
            Verifier verifier = null;
            NotifyException buildError = null;
            try {
                verifier = T.verifier(group.getAsJsonObject("config"));
                built.add(verifier);
            } catch (NotifyException e) {
                buildError = e;
            }
            final Verifier v = verifier;
            final NotifyException refused = buildError;
            for (JsonElement t : group.getAsJsonArray("tests")) {
                JsonObject test = t.getAsJsonObject();
                cases.add(dynamicTest(T.name(file, test), () -> {
                    ran.incrementAndGet();
                    boolean valid = "valid".equals(T.str(test, "result"));
                    String code = T.str(test, "error");
                    assertTrue(valid || ("invalid".equals(T.str(test, "result")) && code != null), "result/error");
                    if (v == null) {
                        assertTrue(!valid, "the group's configuration was refused, so every case is invalid");
                        T.checkError(code, refused);
                        String key = T.str(group.getAsJsonObject("config"), "apiKey");
                        assertTrue(!refused.getMessage().contains(key), "the message never repeats the API key");
                        return;
                    }
                    // Text bodies alternate between the String and byte[] overloads; raw bytes use byte[].
                    String text = T.str(test, "body");
                    byte[] raw = T.body(test);
                    boolean asText = text != null && test.get("tcId").getAsLong() % 2 == 0;
                    JsonObject expected = test.getAsJsonObject("expected");
                    if (refund) {
                        if (!valid) {
                            T.code(code, () -> {
                                if (asText) {
                                    v.decryptRefund(text);
                                } else {
                                    v.decryptRefund(raw);
                                }
                            });
                            return;
                        }
                        RefundNotification r = asText ? v.decryptRefund(text) : v.decryptRefund(raw);
                        T.samePairs(expected.get("fields"), r.fields(), "fields");
                        T.samePairs(expected.get("reqInfo"), r.reqInfo(), "reqInfo");
                        for (Map.Entry<String, String> f : r.fields()) {
                            assertEquals(f.getValue(), r.get(f.getKey()), "get(" + f.getKey() + ")");
                        }
                        for (Map.Entry<String, String> f : r.reqInfo()) {
                            assertEquals(f.getValue(), r.getReqInfo(f.getKey()), "getReqInfo(" + f.getKey() + ")");
                        }
                        T.typed(r, expected.getAsJsonObject("typed"));
                    } else {
                        if (!valid) {
                            T.code(code, () -> {
                                if (asText) {
                                    v.verifyPayment(text);
                                } else {
                                    v.verifyPayment(raw);
                                }
                            });
                            return;
                        }
                        PaymentNotification p = asText ? v.verifyPayment(text) : v.verifyPayment(raw);
                        T.samePairs(expected.get("fields"), p.fields(), "fields");
                        for (Map.Entry<String, String> f : p.fields()) {
                            assertEquals(f.getValue(), p.get(f.getKey()), "get(" + f.getKey() + ")");
                        }
                        T.typed(p, expected.getAsJsonObject("typed"));
                    }
                }));
            }
        }
        return counted(file, root, cases, ran, () -> built.forEach(Verifier::close));
    }

    @TestFactory
    List<DynamicTest> replies() {
        String file = "reply.json";
        JsonObject root = T.load(file, "wechatpay-notify/reply/1");
        AtomicLong ran = new AtomicLong();
        List<DynamicTest> cases = new ArrayList<>();
        for (JsonElement g : root.getAsJsonArray("testGroups")) {
            boolean http = "HttpReply".equals(T.str(g.getAsJsonObject(), "type"));
            for (JsonElement t : g.getAsJsonObject().getAsJsonArray("tests")) {
                JsonObject test = t.getAsJsonObject();
                cases.add(dynamicTest(T.name(file, test), () -> {
                    ran.incrementAndGet();
                    if (http) {
                        httpReplyCase(test);
                        return;
                    }
                    String kind = T.str(test, "kind");
                    String expected = T.str(test, "expected");
                    if ("success".equals(kind)) {
                        assertEquals(expected, Reply.success(), "success reply");
                    } else {
                        assertEquals("fail", kind, "reply kind");
                        assertEquals(expected, Reply.fail(T.str(test, "message")), "fail reply");
                    }
                }));
            }
        }
        return counted(file, root, cases, ran, () -> { });
    }

    /** The reply over HTTP for success or an error code, v2 or v3; a code that is not one of ours is
     *  refused with the case's error. */
    private static void httpReplyCase(JsonObject test) {
        boolean v2 = "v2".equals(T.str(test, "version"));
        boolean success = "success".equals(T.str(test, "kind"));
        String code = success ? null : T.str(test, "code");
        Supplier<HttpReply> made = () -> success
            ? (v2 ? Reply.v2Success() : Reply.v3Success())
            : (v2 ? Reply.v2Fail(code) : Reply.v3Fail(code));
        if ("valid".equals(T.str(test, "result"))) {
            EndpointTest.checkReply(made.get(), test.getAsJsonObject("expected"));
        } else {
            NotifyException e = assertThrows(NotifyException.class, made::get);
            assertEquals(T.str(test, "error"), e.getCode(), "error code");
        }
    }

    // ---- typed views: the core's declaration, both ways ----

    /** Public accessors of each result type that are not typed properties (the raw documents). */
    private static final Map<String, Object[]> VIEWS = new LinkedHashMap<>();

    static {
        VIEWS.put("payment", new Object[] {PaymentNotification.class, ViewReader.PAYMENT, new String[] {"fields"}});
        VIEWS.put("refund", new Object[] {RefundNotification.class, ViewReader.REFUND, new String[] {"fields", "reqInfo"}});
        VIEWS.put("v3_transaction", new Object[] {V3Transaction.class, ViewReader.V3_TRANSACTION, new String[0]});
        VIEWS.put("v3_refund", new Object[] {V3Refund.class, ViewReader.V3_REFUND, new String[0]});
        VIEWS.put("v3_profit_sharing", new Object[] {V3ProfitSharing.class, ViewReader.V3_PROFIT_SHARING, new String[0]});
        VIEWS.put("v3_transfer", new Object[] {V3Transfer.class, ViewReader.V3_TRANSFER, new String[0]});
        VIEWS.put("v3_complaint", new Object[] {V3Complaint.class, ViewReader.V3_COMPLAINT, new String[0]});
        VIEWS.put("v3_notification", new Object[] {V3Notification.class, ViewReader.V3_NOTIFICATION,
                new String[] {"transaction", "refund", "profitSharing", "transfer", "complaint"}});
        VIEWS.put("endpoint_result", new Object[] {EndpointResult.class, ViewReader.ENDPOINT_RESULT,
                new String[] {"label", "kind", "version", "payment", "refund", "v3", "reply", "internalErrorReply"}});
    }

    static Class<?> kindType(String kind) {
        switch (kind) {
            case "text":
            case "string":
            case "sign_type":
                return String.class;
            case "amount":
                return OptionalLong.class;
            case "bool":
                return boolean.class;
            case "coupons":
                return List.class;
            default:
                throw new AssertionError("unknown kind " + kind + " in typed_views.json");
        }
    }

    @TestFactory
    List<DynamicTest> typedViews() {
        String file = "typed_views.json";
        JsonObject root = T.document(file, "wechatpay-notify/typed-views/1");
        JsonObject views = root.getAsJsonObject("views");
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(dynamicTest(file + ": every view is one this binding maps", () ->
                assertEquals(new TreeSet<>(VIEWS.keySet()), new TreeSet<>(views.keySet()), "views")));
        for (Map.Entry<String, Object[]> entry : VIEWS.entrySet()) {
            String view = entry.getKey();
            Class<?> type = (Class<?>) entry.getValue()[0];
            int nativeView = (Integer) entry.getValue()[1];
            Set<String> raw = new HashSet<>(Arrays.asList((String[]) entry.getValue()[2]));
            tests.add(dynamicTest(file + ": " + view + " is the C ABI's property listing (names, kinds, order)", () -> {
                assertNotNull(views.get(view), file + " has the view " + view);
                List<String> json = new ArrayList<>();
                for (JsonElement p : views.getAsJsonArray(view)) {
                    json.add(p.getAsJsonObject().get("name").getAsString() + ":" + p.getAsJsonObject().get("kind").getAsString());
                }
                List<String> declared = new ArrayList<>();
                for (String[] p : ViewReader.declared(nativeView)) {
                    declared.add(p[0] + ":" + p[1]);
                }
                assertEquals(json, declared, "typed_views.json and wechatpay_*_property");
                assertEquals((long) declared.size(), ViewReader.declaredCount(nativeView), "wechatpay_*_property_count");
            }));
            tests.add(dynamicTest(file + ": " + view + " accessors of " + type.getSimpleName() + " are the core's, both ways", () -> {
                Map<String, String> declared = new LinkedHashMap<>();
                for (JsonElement p : views.getAsJsonArray(view)) {
                    declared.put(T.lowerCamel(p.getAsJsonObject().get("name").getAsString()),
                            p.getAsJsonObject().get("kind").getAsString());
                }
                List<String> problems = new ArrayList<>();
                for (String name : raw) {
                    try {
                        type.getMethod(name);
                    } catch (NoSuchMethodException e) {
                        problems.add("the listed raw accessor " + name + "() does not exist");
                    }
                }
                for (Map.Entry<String, String> d : declared.entrySet()) {
                    try {
                        Method m = type.getMethod(d.getKey());
                        if (m.getReturnType() != kindType(d.getValue())) {
                            problems.add(d.getKey() + "() returns " + m.getReturnType().getName() + ", not " + d.getValue());
                        }
                    } catch (NoSuchMethodException e) {
                        problems.add("missing accessor " + d.getKey() + "() (" + d.getValue() + ")");
                    }
                }
                for (Method m : type.getDeclaredMethods()) {
                    int mod = m.getModifiers();
                    if (!Modifier.isPublic(mod) || Modifier.isStatic(mod) || m.getParameterCount() != 0
                            || m.getName().equals("toString")) {
                        continue;
                    }
                    if (!raw.contains(m.getName()) && !declared.containsKey(m.getName())) {
                        problems.add("accessor " + m.getName() + "() is not in the core's " + view + " view");
                    }
                }
                assertTrue(problems.isEmpty(), String.join("; ", problems));
            }));
        }
        return tests;
    }
}
