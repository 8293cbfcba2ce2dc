package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The Java surface itself: the v2 API, the misuse rule, amounts, close and use after close (racing
 * with running calls too), key zeroisation, 8 threads, replies, signing.
 */
class ApiTest {
    static final String KEY = "192006250b4c09247ec02edce69f6a2d";

    static Map.Entry<String, String> f(String name, String value) {
        return new AbstractMap.SimpleImmutableEntry<>(name, value);
    }

    /** A signed v2 body of these elements, in order (signed with the binding's own signer). */
    static byte[] signedBody(List<Map.Entry<String, String>> fields, String signType) {
        StringBuilder b = new StringBuilder("<xml>");
        for (Map.Entry<String, String> e : fields) {
            b.append('<').append(e.getKey()).append("><![CDATA[").append(e.getValue()).append("]]></").append(e.getKey()).append('>');
        }
        b.append("<sign>").append(Signer.sign(fields, KEY, signType)).append("</sign></xml>");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] paymentBody(String signType, String transactionId, String totalFee) {
        return signedBody(Arrays.asList(f("return_code", "SUCCESS"), f("result_code", "SUCCESS"), f("appid", "wx2421b1c4370ec43b"),
                f("mch_id", "10000100"), f("attach", "支付 & <测试>"), f("out_trade_no", "20261127ORDER0001"),
                f("transaction_id", transactionId), f("total_fee", totalFee), f("coupon_count", "1"), f("coupon_id_0", "C1"),
                f("coupon_fee_0", "5")), signType);
    }

    @Test
    void aVerifiedPaymentHasOrderedFieldsLookupsAndTypedProperties() {
        byte[] body = paymentBody(SignType.MD5, "4200000001", "100");
        try (Verifier v = Verifier.builder(KEY, SignType.MD5).mchId("10000100").build()) {
            PaymentNotification p = v.verifyPayment(body);
            assertEquals(12, p.fields().size());
            assertEquals("return_code", p.fields().get(0).getKey());
            assertEquals("sign", p.fields().get(11).getKey());
            assertThrows(UnsupportedOperationException.class, () -> p.fields().add(f("x", "y")), "fields() is unmodifiable");
            assertThrows(UnsupportedOperationException.class, () -> p.fields().get(0).setValue("x"), "its entries too");
            assertEquals("20261127ORDER0001", p.outTradeNo());
            assertEquals("支付 & <测试>", p.attach());
            assertEquals("100", p.get("total_fee"));
            assertNull(p.get("nope"));
            assertEquals(OptionalLong.of(100), p.totalFee());
            assertEquals(OptionalLong.empty(), p.cashFee());
            assertEquals("4200000001", p.dedupeKey());
            assertEquals("MD5", p.signType());
            assertTrue(p.isSuccess());
            assertEquals(1, p.coupons().size());
            assertEquals("C1", p.coupons().get(0).id());
            assertNull(p.coupons().get(0).couponType());
            assertEquals(OptionalLong.of(5), p.coupons().get(0).fee());
            assertThrows(UnsupportedOperationException.class, () -> p.coupons().clear());
            assertEquals(p.fields().size(), v.verifyPayment(new String(body, StandardCharsets.UTF_8)).fields().size(), "String overload");
            // Verifier.create: the defaults.
            try (Verifier plain = Verifier.create(KEY, SignType.MD5)) {
                assertEquals("4200000001", plain.verifyPayment(body).transactionId());
            }
        }
    }

    @Test
    void aTypedAmountInAnotherFormIsMissingFieldWhenReadNeverAbsent() {
        byte[] odd = signedBody(Arrays.asList(f("return_code", "SUCCESS"), f("result_code", "SUCCESS"), f("mch_id", "10000100"),
                f("out_trade_no", "20261127ORDER0005"), f("transaction_id", "4200000005"), f("total_fee", "100"),
                f("cash_fee", "1.00"), f("settlement_total_fee", "-1"), f("coupon_fee", ""), f("coupon_count", "1"),
                f("coupon_id_0", "C0"), f("coupon_fee_0", "x5")), SignType.MD5);
        try (Verifier v = Verifier.create(KEY, SignType.MD5)) {
            PaymentNotification p = v.verifyPayment(odd);
            assertEquals(OptionalLong.of(100), p.totalFee());
            NotifyException e = T.code("missing_field", p::cashFee);
            assertEquals(8207, e.getNumber());
            assertTrue(e.getMessage().contains("cash_fee"), "the message names the field: " + e.getMessage());
            T.code("missing_field", p::cashFee);
            T.code("missing_field", p::settlementTotalFee);
            assertEquals(OptionalLong.empty(), p.couponFee(), "an empty element is absent");
            assertEquals(OptionalLong.of(1), p.couponCount());
            T.code("missing_field", p::coupons);
            assertEquals("1.00", p.get("cash_fee"), "the field as received");
            String shown = p.toString();
            assertTrue(shown.contains("cash_fee=<missing_field>") && shown.contains("total_fee=100")
                    && shown.contains("coupons=<missing_field>") && shown.contains("coupon_fee=null"), shown);
            assertEquals("4200000005", p.dedupeKey());
        }
        byte[] badCount = signedBody(Arrays.asList(f("return_code", "SUCCESS"), f("result_code", "SUCCESS"), f("mch_id", "10000100"),
                f("out_trade_no", "20261127ORDER0006"), f("transaction_id", "4200000006"), f("total_fee", "100"),
                f("coupon_count", "one"), f("coupon_id_0", "C0")), SignType.MD5);
        try (Verifier v = Verifier.create(KEY, SignType.MD5)) {
            PaymentNotification p = v.verifyPayment(badCount);
            T.code("missing_field", p::couponCount);
            T.code("missing_field", p::coupons);
        }
    }

    @Test
    void anAmountAboveLongMaxValueIsRefusedNeverWrapped() {
        String max = Long.toString(Long.MAX_VALUE);
        String above = Long.toUnsignedString(Long.MIN_VALUE); // 2^63
        String top = Long.toUnsignedString(-1L); // 2^64 - 1, the core's largest amount
        byte[] body = signedBody(Arrays.asList(f("return_code", "SUCCESS"), f("result_code", "SUCCESS"), f("mch_id", "10000100"),
                f("out_trade_no", "20261127ORDER0009"), f("transaction_id", "4200000009"), f("total_fee", max),
                f("cash_fee", above), f("settlement_total_fee", top), f("coupon_count", "1"), f("coupon_id_0", "C0"),
                f("coupon_fee_0", above)), SignType.MD5);
        try (Verifier v = Verifier.create(KEY, SignType.MD5)) {
            PaymentNotification p = v.verifyPayment(body);
            assertEquals(OptionalLong.of(Long.MAX_VALUE), p.totalFee(), "Long.MAX_VALUE itself is an amount");
            NotifyException e = T.code("missing_field", p::cashFee);
            assertTrue(e.getMessage().contains(above) && e.getMessage().contains("Long.MAX_VALUE"), e.getMessage());
            T.code("missing_field", p::settlementTotalFee);
            T.code("missing_field", p::coupons);
            assertEquals(above, p.get("cash_fee"), "the field as received");
            assertTrue(p.toString().contains("cash_fee=<missing_field>"));
        }
    }

    @Test
    void anUnsuccessfulPaymentsDedupeKeyNamesItsStateAndTheRefusalIsOneConstantReply() {
        byte[] failed = signedBody(Arrays.asList(f("return_code", "SUCCESS"), f("result_code", "FAIL"), f("err_code", "NOTENOUGH"),
                f("mch_id", "10000100"), f("out_trade_no", "20261127ORDER0007"), f("transaction_id", "4200000007")), SignType.MD5);
        try (Verifier v = Verifier.create(KEY, SignType.MD5)) {
            PaymentNotification p = v.verifyPayment(failed);
            assertFalse(p.isSuccess());
            assertEquals("4200000007:FAIL", p.dedupeKey());
            assertEquals("4200000007", p.transactionId());
        }
        assertEquals("<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>",
                Reply.refusal());
        assertEquals(Reply.fail("rejected"), Reply.refusal());
    }

    @Test
    void rejectionsCarryTheExactCodeNumberAndACleanMessage() {
        byte[] body = paymentBody(SignType.MD5, "4200000001", "100");
        try (Verifier v = Verifier.create(KEY, SignType.HMAC_SHA256)) {
            NotifyException e = T.code("signature_mismatch", () -> v.verifyPayment(body));
            assertEquals(8211, e.getNumber());
            assertTrue(e.toString().contains("signature_mismatch"));
            T.code("malformed_xml", () -> v.verifyPayment(new byte[0]));
            byte[] withNul = Arrays.copyOf(body, body.length + 1);
            T.code("malformed_xml", () -> v.verifyPayment(withNul));
            T.code("malformed_xml", () -> v.verifyPayment(new byte[] {0x3c, 0x78, 0x6d, 0x6c, 0x3e, (byte) 0xff}));
            T.code("missing_field", () -> v.decryptRefund("<xml><return_code>SUCCESS</return_code></xml>"));
        }
        try (Verifier v = Verifier.builder(KEY, SignType.MD5).appid("wx0000000000000000").build()) {
            T.code("merchant_mismatch", () -> v.verifyPayment(body));
        }
        try (Verifier v = Verifier.builder(KEY, SignType.MD5).maxBodyBytes(body.length - 1).build()) {
            T.code("body_too_large", () -> v.verifyPayment(body));
        }
        try (Verifier v = Verifier.builder(KEY, SignType.HMAC_SHA256).alsoAccept(SignType.MD5).build()) {
            assertEquals("MD5", v.verifyPayment(body).signType(), "also_accept");
        }
    }

    @Test
    void valuesOfTheRightTypeThatTheCoreRefusesCarryTheCoresCode() {
        NotifyException e = T.code("invalid_config", () -> Verifier.create(KEY.substring(1), SignType.MD5));
        assertFalse(e.getMessage().contains(KEY.substring(1, 12)), "no key material in the message");
        T.code("invalid_config", () -> Verifier.create("", SignType.MD5));
        T.code("invalid_config", () -> Verifier.create("é" + KEY.substring(1), SignType.MD5));
        T.code("invalid_config", () -> Verifier.create(KEY, "md5"));
        T.code("invalid_config", () -> Verifier.create(KEY, ""));
        T.code("invalid_config", () -> Verifier.builder(KEY.getBytes(StandardCharsets.UTF_8), "SHA1"));
        try (Verifier.Builder b = Verifier.builder(KEY, SignType.MD5)) {
            T.code("invalid_config", () -> b.alsoAccept("SHA1"));
            // A refused value leaves the builder as it was.
            try (Verifier v = b.mchId("10000100").build()) {
                assertEquals("4200000001", v.verifyPayment(paymentBody(SignType.MD5, "4200000001", "1")).dedupeKey());
            }
        }
        List<Map.Entry<String, String>> none = Collections.emptyList();
        T.code("invalid_config", () -> Signer.sign(none, "short", SignType.MD5));
        T.code("invalid_config", () -> Signer.sign(none, KEY, "SHA1"));
        List<Map.Entry<String, String>> dup = Arrays.asList(f("a", "1"), f("a", "2"));
        T.code("invalid_argument", () -> Signer.sign(dup, KEY, SignType.MD5));
        T.code("duplicate_field", () -> Signer.stringToSign(dup));
        try (Verifier v = Verifier.create(KEY, SignType.MD5)) {
            assertFalse(v.toString().contains(KEY), "toString redacts the key");
            T.code("malformed_xml", () -> v.verifyPayment(new byte[0]));
            T.code("malformed_xml", () -> v.decryptRefund(""));
        }
    }

    @Test
    void nullArgumentsAreNullPointerExceptionsNamingTheParameter() {
        List<Map.Entry<String, String>> none = Collections.emptyList();
        assertEquals("apiKey", assertThrows(NullPointerException.class, () -> Verifier.builder((String) null, SignType.MD5)).getMessage());
        assertEquals("apiKey", assertThrows(NullPointerException.class, () -> Verifier.builder((byte[]) null, SignType.MD5)).getMessage());
        assertEquals("signType", assertThrows(NullPointerException.class, () -> Verifier.create(KEY, null)).getMessage());
        try (Verifier.Builder b = Verifier.builder(KEY, SignType.MD5)) {
            assertEquals("appid", assertThrows(NullPointerException.class, () -> b.appid(null)).getMessage());
            assertEquals("mchId", assertThrows(NullPointerException.class, () -> b.mchId(null)).getMessage());
            assertEquals("alsoAccept", assertThrows(NullPointerException.class, () -> b.alsoAccept((String[]) null)).getMessage());
            assertTrue(assertThrows(NullPointerException.class, () -> b.alsoAccept(SignType.MD5, null)).getMessage().startsWith("alsoAccept"));
        }
        try (Verifier v = Verifier.create(KEY, SignType.MD5)) {
            assertEquals("body", assertThrows(NullPointerException.class, () -> v.verifyPayment((byte[]) null)).getMessage());
            assertEquals("body", assertThrows(NullPointerException.class, () -> v.verifyPayment((String) null)).getMessage());
            assertEquals("body", assertThrows(NullPointerException.class, () -> v.decryptRefund((byte[]) null)).getMessage());
            assertEquals("body", assertThrows(NullPointerException.class, () -> v.decryptRefund((String) null)).getMessage());
            PaymentNotification p = v.verifyPayment(paymentBody(SignType.MD5, "4200000001", "100"));
            assertEquals("name", assertThrows(NullPointerException.class, () -> p.get(null)).getMessage());
        }
        assertEquals("fields", assertThrows(NullPointerException.class,
                () -> Signer.sign((List<Map.Entry<String, String>>) null, KEY, SignType.MD5)).getMessage());
        assertEquals("fields", assertThrows(NullPointerException.class,
                () -> Signer.sign((Map<String, String>) null, KEY, SignType.MD5)).getMessage());
        assertEquals("apiKey", assertThrows(NullPointerException.class, () -> Signer.sign(none, (String) null, SignType.MD5)).getMessage());
        assertEquals("signType", assertThrows(NullPointerException.class, () -> Signer.sign(none, KEY, null)).getMessage());
        assertTrue(assertThrows(NullPointerException.class, () -> Signer.sign(Collections.singletonList(f("a", null)), KEY, SignType.MD5))
                .getMessage().startsWith("fields"));
        assertTrue(assertThrows(NullPointerException.class, () -> Signer.stringToSign(Collections.singletonList(f(null, "1"))))
                .getMessage().startsWith("fields"));
        assertTrue(assertThrows(NullPointerException.class, () -> Signer.stringToSign(Collections.singletonList(null)))
                .getMessage().startsWith("fields"));
        assertEquals("message", assertThrows(NullPointerException.class, () -> Reply.fail(null)).getMessage());
    }

    @Test
    void wrongValuesAreIllegalArgumentExceptions() {
        String lone = "\uD800";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Verifier.create(lone + KEY.substring(1), SignType.MD5)).getMessage()
                .startsWith("apiKey"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Verifier.create(KEY, lone)).getMessage().startsWith("signType"));
        try (Verifier.Builder b = Verifier.builder(KEY, SignType.MD5)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> b.mchId("1000" + lone)).getMessage().startsWith("mchId"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> b.appid(lone)).getMessage().startsWith("appid"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> b.alsoAccept(lone)).getMessage().startsWith("alsoAccept"));
            assertEquals("invalid_config", assertThrows(NotifyException.class, () -> b.maxBodyBytes(-1)).getCode());
        }
        try (Verifier v = Verifier.create(KEY, SignType.MD5)) {
            String body = new String(paymentBody(SignType.MD5, "4200000001", "100"), StandardCharsets.UTF_8);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> v.verifyPayment(body.replace("100", lone))).getMessage()
                    .startsWith("body"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> v.decryptRefund(lone)).getMessage().startsWith("body"));
        }
        List<Map.Entry<String, String>> bad = Collections.singletonList(f("attach", "x" + lone));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Signer.sign(bad, KEY, SignType.MD5)).getMessage().startsWith("fields"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Signer.stringToSign(bad)).getMessage().startsWith("fields"));
        // A surrogate pair is a character like any other; a FAIL reply's free text is repaired, never refused.
        assertTrue(Reply.fail("x" + lone).contains("x\uFFFD"));
        assertTrue(Reply.fail("\uD83D\uDE00").contains("\uD83D\uDE00"));
        assertEquals(Signer.sign(Collections.singletonList(f("attach", "\uD83D\uDE00")), KEY, SignType.MD5),
                Signer.sign(Collections.singletonMap("attach", "\uD83D\uDE00"), KEY, SignType.MD5), "Map overload");
    }

    @Test
    void theMessageRuleCheckItselfRefusesControlsAndLongMessages() {
        T.cleanMessage("malformed_xml: an unexpected closing tag </a\\n>", "clean");
        T.cleanMessage(new String(new char[200]).replace('\0', 'a'), "200 characters");
        for (String bad : Arrays.asList("", "line\nbreak", "\u001b[31mred", "tab\there", "del\u007f", "ls\u2028", "ps\u2029",
                "rlo\u202e", "bom\ufeff", new String(new char[201]).replace('\0', 'a'))) {
            assertThrows(AssertionError.class, () -> T.cleanMessage(bad, "bad"), T.escape(bad));
        }
    }

    @Test
    void closeTwiceAndUseAfterCloseAreExceptionsNeverCrashes() {
        Verifier v = Verifier.create(KEY, SignType.MD5);
        v.close();
        v.close();
        byte[] raw = paymentBody(SignType.MD5, "4200000001", "100");
        assertThrows(IllegalStateException.class, () -> v.verifyPayment(raw));
        assertThrows(IllegalStateException.class, () -> v.verifyPayment("<xml/>"));
        assertThrows(IllegalStateException.class, () -> v.decryptRefund(raw));
        assertThrows(IllegalStateException.class, () -> v.decryptRefund("<xml/>"));
        assertTrue(v.toString().contains("closed"));
        Verifier.Builder b = Verifier.builder(KEY, SignType.MD5);
        try (Verifier built = b.build()) {
            assertThrows(IllegalStateException.class, b::build, "build() releases the builder");
            assertThrows(IllegalStateException.class, () -> b.mchId("1"));
            assertEquals(OptionalLong.of(100), built.verifyPayment(raw).totalFee());
        }
        b.close();
        b.close();
    }

    @Test
    void closeRacingWithRunningVerificationsNeverFreesAVerifierInUse() throws Exception {
        byte[] body = paymentBody(SignType.HMAC_SHA256, "4200000099", "888");
        for (int round = 0; round < 20; round++) {
            Verifier v = Verifier.create(KEY, SignType.HMAC_SHA256);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger closed = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 50; i++) {
                        try {
                            (v.verifyPayment(body).totalFee().getAsLong() == 888 ? ok : wrong).incrementAndGet();
                        } catch (IllegalStateException e) {
                            closed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            Thread.sleep(round % 3);
            v.close();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(0, wrong.get(), "wrong results");
            assertEquals(400, ok.get() + closed.get(), "every call verified or saw the verifier closed");
        }
    }

    @Test
    void eightThreadsShareOneVerifier() throws Exception {
        byte[] good = paymentBody(SignType.HMAC_SHA256, "4200000099", "888");
        byte[] forged = new String(good, StandardCharsets.UTF_8).replace("888", "988").getBytes(StandardCharsets.UTF_8);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Verifier v = Verifier.create(KEY, SignType.HMAC_SHA256)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                final int n = i;
                futures.add(pool.submit(() -> {
                    try {
                        if (n % 2 == 0) {
                            PaymentNotification p = v.verifyPayment(good);
                            ("4200000099".equals(p.dedupeKey()) && p.totalFee().getAsLong() == 888 ? ok : wrong).incrementAndGet();
                        } else {
                            v.verifyPayment(forged);
                            wrong.incrementAndGet();
                        }
                    } catch (NotifyException e) {
                        ("signature_mismatch".equals(e.getCode()) ? rejected : wrong).incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1000, ok.get(), "verified");
        assertEquals(1000, rejected.get(), "rejected");
        assertEquals(0, wrong.get(), "wrong results");
    }

    /**
     * Builders are made for one thread, but one shared by several must not corrupt native memory:
     * their methods are synchronized (before, two threads calling setters at once crashed the JVM).
     * Each thread ends with the same settings, so the verifier built has them.
     */
    @Test
    void aBuilderSharedByTwoThreadsStaysWhole() throws Exception {
        byte[] body = paymentBody(SignType.MD5, "4200000001", "100");
        String pem = new String(java.nio.file.Files.readAllBytes(T.VECTORS.resolve("keys/pubkey-a-public.pem")),
                StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (int round = 0; round < 5 || System.nanoTime() < deadline; round++) {
            Verifier.Builder b = Verifier.builder(KEY, SignType.MD5);
            V3Verifier.Builder b3 = V3Verifier.builder("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb");
            Runnable settings = () -> {
                for (int i = 0; i < 500; i++) {
                    b.appid("wx" + i).mchId("1000" + i).alsoAccept(SignType.HMAC_SHA256).maxBodyBytes(1000 + i);
                    b3.maxClockSkew(i).maxBodyBytes(1000 + i);
                }
                b.appid("wx2421b1c4370ec43b").mchId("10000100").maxBodyBytes(65536);
                b3.maxClockSkew(300);
            };
            Thread t1 = new Thread(settings);
            Thread t2 = new Thread(settings);
            t1.start();
            t2.start();
            t1.join();
            t2.join();
            b3.trustedKey("PUB_KEY_ID_A", pem);
            try (Verifier v = b.build(); V3Verifier v3 = b3.build()) {
                assertEquals("4200000001", v.verifyPayment(body).transactionId());
                assertEquals(300, v3.maxClockSkew());
            }
        }
    }

    @Test
    void keysCrossInNativeMemoryThatIsZeroedAfterTheCall() {
        byte[] mine = KEY.getBytes(StandardCharsets.UTF_8);
        try (Secret s = Secret.of(mine, "apiKey")) {
            assertArrayEquals(mine, s.nativeBytes(), "a native copy of the key");
            assertEquals(KEY, new String(mine, StandardCharsets.UTF_8), "the caller's array is left to the caller");
            s.wipe();
            assertArrayEquals(new byte[mine.length], s.nativeBytes(), "zeroed");
        }
        byte[] encoded = KEY.getBytes(StandardCharsets.UTF_8);
        try (Secret s = new Secret(encoded)) {
            assertTrue(s.address() != 0 && s.length() == 32);
        }
        try (Secret empty = Secret.of("", "apiKey")) {
            assertEquals(0, empty.address(), "an empty key is NULL with length 0");
        }
        Secret closed = Secret.of(KEY, "apiKey");
        closed.close();
        closed.close();
        assertEquals(0, closed.nativeBytes().length, "freed");
    }

    @Test
    void repliesSigningAndTheLibrary() {
        assertEquals("<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>", Reply.success());
        assertEquals("<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名失败]]></return_msg></xml>",
                Reply.fail("签名失败"));
        List<Map.Entry<String, String>> doc = Arrays.asList(f("test1", "test1"), f("test2", "test2"));
        assertEquals("1E3A8D73B5A4AEE787C0F68B5DAB8520", Signer.sign(doc, KEY, SignType.MD5), "published MD5 vector");
        Map<String, String> map = new LinkedHashMap<>();
        map.put("test2", "test2");
        map.put("test1", "test1");
        assertEquals("1E3A8D73B5A4AEE787C0F68B5DAB8520", Signer.sign(map, KEY, SignType.MD5), "order does not matter");
        assertEquals("test1=test1&test2=test2", Signer.stringToSign(doc));
        assertEquals("test1=test1&test2=test2", Signer.stringToSign(map));
        assertTrue(Character.isDigit(Library.version().charAt(0)), Library.version());
        assertEquals(NativeLoader.bindingVersion(), Library.version(), "the jar's version is the native library's");
        assertTrue(Library.nativeLibraryFile() != null && !Library.nativeLibraryFile().isEmpty());
    }
}
