package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The safety net: verifiers, endpoints and builders never closed are freed once unreachable, by
 * java.lang.ref.Cleaner on Java 9+ (the multi-release jar's META-INF/versions/9 class) or by the Java
 * 8 PhantomReference version (scripts/test-java.sh runs this class a second time with
 * -Djdk.util.jar.enableMultiRelease=false, which makes the JVM load the base class, and
 * -Dwechatpay.notify.expectSafetyNet=PhantomReference).
 */
class SafetyNetTest {
    static final int N = 40;

    @Test
    void theExpectedMechanismRuns() {
        String expected = System.getProperty("wechatpay.notify.expectSafetyNet");
        if (expected != null) {
            assertEquals(expected, SafetyNet.kind(), "the safety net of this runtime and jar");
        }
        assertTrue(SafetyNet.kind().equals("java.lang.ref.Cleaner") || SafetyNet.kind().equals("PhantomReference"));
    }

    /** Waits (collecting garbage) until the safety net has closed {@code n} more handles than {@code before}. */
    static long awaitClosed(long before, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long closed;
        while ((closed = NativeHandle.CLOSED_BY_SAFETY_NET.get() - before) < n && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        return closed;
    }

    @Test
    void unclosedHandlesAreFreedOnceUnreachable() throws InterruptedException {
        long before = NativeHandle.CLOSED_BY_SAFETY_NET.get();
        for (int i = 0; i < N; i++) {
            Verifier.create(ApiTest.KEY, SignType.MD5);                  // a verifier never closed
            Verifier.builder(ApiTest.KEY, SignType.MD5).mchId("1");      // a builder never built nor closed
            V3Verifier.builder("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb");      // a v3 builder never built nor closed
        }
        long closed = awaitClosed(before, 3 * N);
        assertTrue(closed >= 3 * N, "the safety net (" + SafetyNet.kind() + ") closed " + closed + " of " + 3 * N);
    }

    @Test
    void closedHandlesAreNotClosedAgainByTheSafetyNet() throws InterruptedException {
        // Close N verifiers explicitly, then leave N unclosed: only the unclosed ones are the safety net's.
        for (int i = 0; i < N; i++) {
            Verifier.create(ApiTest.KEY, SignType.MD5).close();
        }
        long before = NativeHandle.CLOSED_BY_SAFETY_NET.get();
        for (int i = 0; i < N; i++) {
            Verifier.create(ApiTest.KEY, SignType.MD5);
        }
        long closed = awaitClosed(before, N);
        System.gc();
        Thread.sleep(100);
        closed = NativeHandle.CLOSED_BY_SAFETY_NET.get() - before;
        assertTrue(closed >= N, "the unclosed ones: " + closed);
        assertTrue(closed < 2 * N, "the closed ones are not counted again: " + closed);
    }
}
