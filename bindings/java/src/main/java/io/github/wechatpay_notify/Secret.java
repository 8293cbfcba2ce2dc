package io.github.wechatpay_notify;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.Arrays;

/**
 * A key's bytes for the one native call that takes it: copied into native memory (malloc'd, never
 * moved by the garbage collector), the Java bytes encoded from a {@code String} zeroed as soon as they
 * are copied, passed to the C ABI as an address (JNA makes no copy of its own), and the native copy
 * zeroed and freed by {@link #close()} right after the call. The native side copies what it keeps
 * into memory it zeroises when freed.
 *
 * <p>What cannot be wiped: a caller's {@code String} (immutable), and copies a moving garbage
 * collector may have made of the short-lived encoded array before it was zeroed. Callers holding
 * the key as {@code byte[]} pass it as such (the binding copies it straight into native memory and
 * leaves the caller's array to the caller), or keep keys out of the JVM with
 * {@link Endpoint#fromProfilesFile}.
 */
final class Secret implements AutoCloseable {
    private Memory memory;
    private final long length;

    /** The UTF-8 bytes of {@code text} (misuse: null, an unpaired surrogate). */
    static Secret of(String text, String param) {
        byte[] bytes = Ffi.encode(text, param);
        try {
            return new Secret(bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** A copy of the caller's bytes (the caller's array is left as it is). */
    static Secret of(byte[] bytes, String param) {
        if (bytes == null) {
            throw new NullPointerException(param);
        }
        return new Secret(bytes);
    }

    /** Copies {@code bytes} into native memory; the caller wipes its array. */
    Secret(byte[] bytes) {
        length = bytes.length;
        if (length > 0) {
            memory = new Memory(length);
            memory.write(0, bytes, 0, bytes.length);
        }
    }

    /** The first byte's address (0 for an empty key), valid until {@link #close()}. */
    long address() {
        return memory == null ? 0 : Pointer.nativeValue(memory);
    }

    long length() {
        return length;
    }

    /** Zeroes the native copy (kept allocated: for the tests, which read it back). */
    void wipe() {
        if (memory != null) {
            memory.clear();
        }
    }

    /** The native copy's bytes (for the tests); empty once closed. */
    byte[] nativeBytes() {
        return memory == null ? new byte[0] : memory.getByteArray(0, (int) length);
    }

    /** Zeroes and frees the native copy; idempotent. */
    @Override
    public void close() {
        if (memory != null) {
            memory.clear();
            memory.close();
            memory = null;
        }
    }
}
