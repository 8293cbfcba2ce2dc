package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Key rotation through the Java binding: every case of tests/vectors/v3_key_dirs.json
 * ({@link TrustedKeys#fromDirectory}), swapping the trusted keys of a live {@link V3Verifier} and of
 * an {@link Endpoint} merchant, the refusals that leave them as they were, the misuse rule, and 4
 * threads verifying while another swaps.
 *
 * <p>The notifications are two valid cases of v3_notify.json (same APIv3 key and time): tcId 2 is
 * signed with the platform certificate D7CE59D1F522D701 (the old key), tcId 1 with the public key
 * PUB_KEY_ID_0114232134912410000000000000 (the new one).
 */
class RotationTest {
    private static final String FILE = "v3_key_dirs.json";
    private static final String API_V3_KEY = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    private static final String PUB_ID = "PUB_KEY_ID_0114232134912410000000000000";
    private static final String CERT_SERIAL = "D7CE59D1F522D701";

    private static final class Request {
        final Map<String, Object> headers;
        final byte[] body;
        final long now;

        Request(JsonObject test) {
            headers = T.headers(test.get("headers"));
            body = T.body(test);
            now = test.get("now").getAsLong();
        }
    }

    private static final Request OLD = request(2);
    private static final Request NEW = request(1);

    private static Request request(long tcId) {
        JsonObject root = T.load("v3_notify.json", "wechatpay-notify/v3-notify/1");
        for (JsonElement g : root.getAsJsonArray("testGroups")) {
            for (JsonElement t : g.getAsJsonObject().getAsJsonArray("tests")) {
                JsonObject test = t.getAsJsonObject();
                if (test.get("tcId").getAsLong() == tcId) {
                    assertEquals("valid", test.get("result").getAsString());
                    return new Request(test);
                }
            }
        }
        throw new AssertionError("no tcId " + tcId);
    }

    private static String key(String name) {
        try {
            return new String(Files.readAllBytes(T.VECTORS.resolve("keys").resolve(name)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static final String CERT = key("wechatpay-go-certificate.pem");
    private static final String PUB_A = key("pubkey-a-public.pem");
    private static final String PUB_B = key("pubkey-b-public.pem");

    private static TrustedKeys oldKeys() {
        return TrustedKeys.of(Collections.singletonMap(CERT_SERIAL, CERT));
    }

    private static TrustedKeys newKeys() {
        return TrustedKeys.of(Collections.singletonMap(PUB_ID, PUB_A));
    }

    private static String outcome(V3Verifier v, Request r) {
        try {
            v.verify(r.headers, r.body, r.now);
            return "ok";
        } catch (NotifyException e) {
            return e.getCode();
        }
    }

    private static String routed(Endpoint e, Request r) {
        try {
            return e.handle(r.headers, r.body, r.now).label();
        } catch (NotifyException x) {
            return x.getCode();
        }
    }

    @TestFactory
    List<DynamicTest> keyDirVectors() {
        JsonObject root = T.load(FILE, "wechatpay-notify/v3-key-dirs/1");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement g : root.getAsJsonArray("testGroups")) {
            assertEquals("V3KeyDir", g.getAsJsonObject().get("type").getAsString());
            for (JsonElement t : g.getAsJsonObject().getAsJsonArray("tests")) {
                JsonObject test = t.getAsJsonObject();
                tests.add(dynamicTest(T.name(FILE, test), () -> {
                    Path dir = T.VECTORS.resolve(test.get("dir").getAsString());
                    if (test.get("result").getAsString().equals("valid")) {
                        List<String> want = new ArrayList<>();
                        for (JsonElement id : test.getAsJsonArray("ids")) {
                            want.add(id.getAsString());
                        }
                        try (TrustedKeys keys = TrustedKeys.fromDirectory(dir);
                                V3Verifier v = V3Verifier.builder(API_V3_KEY).trustedKeys(keys).build()) {
                            assertEquals(want, keys.ids());
                            assertEquals(want.size(), keys.size());
                            assertEquals(want, v.trustedKeyIds());
                        }
                    } else {
                        NotifyException e = T.code(test.get("error").getAsString(),
                                () -> TrustedKeys.fromDirectory(dir).close());
                        String part = test.get("messageIncludes").getAsString();
                        assertTrue(e.getMessage().contains(part), e.getMessage());
                    }
                }));
            }
        }
        assertEquals(root.get("numberOfTests").getAsInt(), tests.size(), FILE + ": numberOfTests");
        return tests;
    }

    @Test
    void aSwapChangesWhichNotificationsVerify() {
        try (V3Verifier v = V3Verifier.create(API_V3_KEY, Collections.singletonMap(CERT_SERIAL, CERT))) {
            assertEquals(Arrays.asList("ok", "unknown_serial"), Arrays.asList(outcome(v, OLD), outcome(v, NEW)));
            try (TrustedKeys keys = newKeys()) {
                v.replaceTrustedKeys(keys);
            }
            assertEquals(Arrays.asList("unknown_serial", "ok"), Arrays.asList(outcome(v, OLD), outcome(v, NEW)));
            assertEquals(Collections.singletonList(PUB_ID), v.trustedKeyIds());
            assertTrue(v.trusts(PUB_ID) && !v.trusts(CERT_SERIAL));
            Map<String, String> both = new LinkedHashMap<>();
            both.put(CERT_SERIAL, CERT);
            both.put(PUB_ID, PUB_A);
            v.replaceTrustedKeys(both);
            assertEquals(Arrays.asList("ok", "ok"), Arrays.asList(outcome(v, OLD), outcome(v, NEW)));
            try (TrustedKeys snapshot = v.trustedKeys(); TrustedKeys old = oldKeys()) {
                v.replaceTrustedKeys(old);
                assertEquals(Arrays.asList(CERT_SERIAL, PUB_ID), snapshot.ids());
            }
            assertEquals(Collections.singletonList(CERT_SERIAL), v.trustedKeyIds());
        }
    }

    @Test
    void refusalsLeaveTheVerifierAsItWas() {
        try (V3Verifier v = V3Verifier.create(API_V3_KEY, Collections.singletonMap(CERT_SERIAL, CERT));
                TrustedKeys empty = TrustedKeys.of(Collections.emptyMap())) {
            T.code("invalid_config", () -> v.replaceTrustedKeys(Collections.emptyMap()));
            T.code("invalid_config", () -> v.replaceTrustedKeys(empty));
            T.code("invalid_config", () -> v.replaceTrustedKeys(Collections.singletonMap("0A1B", CERT)));
            T.code("invalid_config", () -> v.replaceTrustedKeys(Collections.singletonMap(PUB_ID, key("rsa-1024-public.pem"))));
            T.code("invalid_config", () -> V3Verifier.builder(API_V3_KEY).trustedKeys(empty));
            assertThrows(NullPointerException.class, () -> v.replaceTrustedKeys((TrustedKeys) null));
            assertThrows(NullPointerException.class, () -> v.replaceTrustedKeys((Map<String, String>) null));
            assertThrows(NullPointerException.class, () -> TrustedKeys.fromDirectory(null));
            TrustedKeys closed = newKeys();
            closed.close();
            assertThrows(IllegalStateException.class, () -> v.replaceTrustedKeys(closed));
            assertThrows(IllegalStateException.class, closed::size);
            assertEquals(Collections.singletonList(CERT_SERIAL), v.trustedKeyIds());
            assertEquals("ok", outcome(v, OLD));
        }
    }

    @Test
    void directoryErrorsNameTheFile() throws IOException {
        Path dir = Files.createTempDirectory("wechatpay-notify-rotation-");
        try {
            assertTrue(T.code("invalid_config", () -> TrustedKeys.fromDirectory(dir.resolve("absent")))
                    .getMessage().contains("cannot read the key directory"));
            Path file = dir.resolve("PUB_KEY_ID_7.pem");
            StringBuilder big = new StringBuilder(PUB_A);
            for (int i = 0; i < 70000; i++) {
                big.append(' ');
            }
            Files.write(file, big.toString().getBytes(StandardCharsets.UTF_8));
            assertTrue(T.code("invalid_config", () -> TrustedKeys.fromDirectory(dir))
                    .getMessage().startsWith("PUB_KEY_ID_7.pem: larger than"));
            Files.write(file, PUB_B.getBytes(StandardCharsets.UTF_8));
            try (TrustedKeys keys = TrustedKeys.fromDirectory(dir)) {
                assertEquals(Collections.singletonList("PUB_KEY_ID_7"), keys.ids());
            }
        } finally {
            Files.deleteIfExists(dir.resolve("PUB_KEY_ID_7.pem"));
            Files.delete(dir);
        }
    }

    /** 4 threads run {@code work} until 2000 swaps are done: each outcome must be the old set's
     * verdict or the new set's ({@code ok} or {@code unknown_serial}), never another error. */
    private static void race(IntFunction<String> work, String ok, IntConsumer swap) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int i = t;
            Thread thread = new Thread(() -> {
                int mine = 0;
                while (!stop.get() || mine == 0) {
                    String got = work.apply(i);
                    if (!got.equals(ok) && !got.equals("unknown_serial")) {
                        wrong.incrementAndGet();
                        unexpected.add(got);
                    }
                    mine++;
                }
                runs.addAndGet(mine);
            });
            thread.start();
            threads.add(thread);
        }
        for (int n = 0; n < 2000; n++) {
            swap.accept(n);
        }
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(0, wrong.get(), "unexpected outcomes " + unexpected);
        assertTrue(runs.get() >= 4);
    }

    @Test
    void concurrentVerificationsSeeTheOldSetOrTheNewOne() throws InterruptedException {
        try (V3Verifier v = V3Verifier.create(API_V3_KEY, Collections.singletonMap(CERT_SERIAL, CERT));
                TrustedKeys a = oldKeys();
                TrustedKeys b = newKeys()) {
            race(i -> outcome(v, i % 2 == 0 ? OLD : NEW), "ok", n -> v.replaceTrustedKeys(n % 2 == 0 ? b : a));
        }
    }

    @Test
    void anEndpointSwapsOneMerchantsKeysAndRoutes() throws InterruptedException {
        try (V3Verifier shop = V3Verifier.create(API_V3_KEY, Collections.singletonMap(CERT_SERIAL, CERT));
                V3Verifier other = V3Verifier.create(API_V3_KEY, Collections.singletonMap("PUB_KEY_ID_2", PUB_B));
                Endpoint e = Endpoint.of(new MerchantProfile("shop", null, shop), new MerchantProfile("other", null, other));
                TrustedKeys a = oldKeys();
                TrustedKeys b = newKeys();
                TrustedKeys empty = TrustedKeys.of(Collections.emptyMap());
                TrustedKeys taken = TrustedKeys.of(Collections.singletonMap("PUB_KEY_ID_2", PUB_B))) {
            assertEquals(Arrays.asList("shop", "unknown_serial"), Arrays.asList(routed(e, OLD), routed(e, NEW)));
            shop.replaceTrustedKeys(b);
            assertEquals("unknown_serial", routed(e, NEW), "the endpoint took the verifier's keys when it was built");
            e.replaceTrustedKeys("shop", b);
            assertEquals(Arrays.asList("unknown_serial", "shop"), Arrays.asList(routed(e, OLD), routed(e, NEW)));
            try (TrustedKeys current = e.trustedKeys("shop")) {
                assertEquals(Collections.singletonList(PUB_ID), current.ids());
            }
            T.code("invalid_config", () -> e.trustedKeys("nobody"));
            T.code("invalid_config", () -> e.replaceTrustedKeys("nobody", a));
            T.code("invalid_config", () -> e.replaceTrustedKeys("shop", empty));
            T.code("invalid_config", () -> e.replaceTrustedKeys("shop", taken));
            assertThrows(NullPointerException.class, () -> e.replaceTrustedKeys(null, a));
            assertThrows(NullPointerException.class, () -> e.replaceTrustedKeys("shop", null));
            assertEquals("shop", routed(e, NEW));
            race(i -> routed(e, i % 2 == 0 ? OLD : NEW), "shop", n -> e.replaceTrustedKeys("shop", n % 2 == 0 ? a : b));
        }
    }
}
