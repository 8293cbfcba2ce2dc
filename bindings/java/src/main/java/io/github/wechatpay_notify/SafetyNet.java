package io.github.wechatpay_notify;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The safety net that frees a native handle whose owner was never closed, once the owner is
 * unreachable. Never {@code finalize}.
 *
 * <p>This is the Java 8 version, used only on a Java 8 runtime: a {@link PhantomReference} per owner
 * and one daemon thread draining their queue, which is what {@code java.lang.ref.Cleaner} does. The
 * jar is a multi-release jar: on Java 9 and later the JVM loads
 * {@code META-INF/versions/9/io/github/wechatpay_notify/SafetyNet.class} instead, which registers
 * with a {@code java.lang.ref.Cleaner} (src/main/java9).
 */
final class SafetyNet {
    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    /** Keeps the references themselves reachable until they are cleaned. */
    private static final Set<Ref> LIVE = Collections.newSetFromMap(new ConcurrentHashMap<Ref, Boolean>());

    static {
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                for (;;) {
                    try {
                        ((Ref) QUEUE.remove()).clean();
                    } catch (InterruptedException e) {
                        // keep draining: the thread lives as long as the JVM
                    } catch (Throwable e) {
                        // an action's failure must not stop the others
                    }
                }
            }
        }, "wechatpay-notify-safety-net");
        t.setDaemon(true);
        t.start();
    }

    private SafetyNet() {
    }

    /** Runs {@code action} (which must not refer to {@code owner}) once {@code owner} is unreachable. */
    static Cleanup register(Object owner, Runnable action) {
        Ref ref = new Ref(owner, action);
        LIVE.add(ref);
        return ref;
    }

    /** Which mechanism runs: {@code "PhantomReference"} here, {@code "java.lang.ref.Cleaner"} on Java 9+. */
    static String kind() {
        return "PhantomReference";
    }

    private static final class Ref extends PhantomReference<Object> implements Cleanup {
        private final Runnable action;
        private final AtomicBoolean done = new AtomicBoolean();

        Ref(Object owner, Runnable action) {
            super(owner, QUEUE);
            this.action = action;
        }

        @Override
        public void clean() {
            if (done.compareAndSet(false, true)) {
                LIVE.remove(this);
                clear();
                action.run();
            }
        }
    }
}
