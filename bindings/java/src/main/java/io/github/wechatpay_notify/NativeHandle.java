package io.github.wechatpay_notify;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The one owner of every native handle the binding keeps beyond a call (a verifier, an APIv3
 * verifier, an endpoint, a builder): freed exactly once with its {@code wechatpay_*_free}, never while
 * a call is using it.
 *
 * <p>Each call {@link #acquire}s the handle (an {@link IllegalStateException} once it is closed) and
 * {@link #release}s it in {@code finally}; {@link #close} marks it closed and frees it at once when no
 * call is running, otherwise the last running call frees it on release. So a {@code close()} racing
 * with verifications on other threads, or the safety net running while a call is still inside the
 * native code, never frees memory in use, and use after close is an exception, never a crash.
 */
final class NativeHandle {
    /** A {@code wechatpay_*_free} function. */
    interface Free {
        void free(long address);
    }

    /** Handles closed by the safety net rather than by {@code close()} (for the tests). */
    static final AtomicLong CLOSED_BY_SAFETY_NET = new AtomicLong();

    private static final long CLOSED = 1;
    private static final long USER = 2;

    private final String owner;
    private final long address;
    private final Free free;
    /** (number of running calls) * 2 | closed bit. */
    private final AtomicLong state = new AtomicLong();

    NativeHandle(String owner, long address, Free free) {
        if (address == 0) {
            throw Ffi.internal("the C ABI returned no " + owner);
        }
        this.owner = owner;
        this.address = address;
        this.free = free;
    }

    /** The address, for one call; pair with {@link #release()} in {@code finally}. */
    long acquire() {
        for (;;) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException(owner + " is closed");
            }
            if (state.compareAndSet(s, s + USER)) {
                return address;
            }
        }
    }

    void release() {
        if (state.addAndGet(-USER) == CLOSED) {
            free.free(address);
        }
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /** Closes the handle; idempotent. */
    void close() {
        closeOnce();
    }

    /** The safety net's action: the same as {@link #close()}, counted when it was not closed before. */
    void closeFromSafetyNet() {
        if (closeOnce()) {
            CLOSED_BY_SAFETY_NET.incrementAndGet();
        }
    }

    /** Sets the closed bit; frees now when no call is running. True when this call closed it. */
    private boolean closeOnce() {
        for (;;) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    free.free(address);
                }
                return true;
            }
        }
    }
}
