package io.github.wechatpay_notify;

import java.lang.ref.Cleaner;

/**
 * The safety net that frees a native handle whose owner was never closed, once the owner is
 * unreachable: a {@link Cleaner} (Java 9 and later). Never {@code finalize}.
 *
 * <p>This class is compiled with {@code --release 9} into
 * {@code META-INF/versions/9/io/github/wechatpay_notify/SafetyNet.class} of the multi-release jar;
 * a Java 8 runtime ignores it and uses the {@code PhantomReference} version in src/main/java.
 */
final class SafetyNet {
    private static final Cleaner CLEANER = Cleaner.create();

    private SafetyNet() {
    }

    /** Runs {@code action} (which must not refer to {@code owner}) once {@code owner} is unreachable. */
    static Cleanup register(Object owner, Runnable action) {
        Cleaner.Cleanable cleanable = CLEANER.register(owner, action);
        return cleanable::clean;
    }

    /** Which mechanism runs: {@code "java.lang.ref.Cleaner"}. */
    static String kind() {
        return "java.lang.ref.Cleaner";
    }
}
