package io.github.wechatpay_notify;

import static io.github.wechatpay_notify.NativeMethods.Layout.STR_DATA;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A set of trusted WeChat Pay keys (platform certificates and/or WeChat Pay public keys), each
 * parsed once when the set is built: from id → PEM ({@link #of(Map)}) or from a directory
 * ({@link #fromDirectory(Path)}). Swap it into a live verifier with
 * {@link V3Verifier#replaceTrustedKeys(TrustedKeys)} or into an endpoint merchant with
 * {@link Endpoint#replaceTrustedKeys(String, TrustedKeys)} when WeChat Pay rotates its keys; they
 * share it (no copy), so this object may be closed afterwards.
 *
 * <p>Immutable and thread-safe. Close it when done (a safety net frees it if it becomes unreachable).
 */
public final class TrustedKeys implements AutoCloseable {
    private final NativeHandle handle;
    private final Cleanup cleanup;

    TrustedKeys(long raw) {
        handle = new NativeHandle("TrustedKeys", raw, NativeMethods::wechatpay_trusted_keys_free);
        cleanup = SafetyNet.register(this, handle::closeFromSafetyNet);
    }

    /**
     * A set of {@code platformKeys}, id → PEM, as {@link V3Verifier.Builder#trustedKeys(Map)} takes
     * them (an empty map makes an empty set, which a verifier refuses).
     *
     * @param platformKeys id → PEM: a platform certificate (PEM {@code CERTIFICATE}, whose serial
     *     must equal the id) or a WeChat Pay public key (PEM {@code PUBLIC KEY}, id
     *     {@code PUB_KEY_ID_…})
     * @return the set
     * @throws NullPointerException {@code platformKeys}, an id or a PEM is null
     * @throws IllegalArgumentException a string has no UTF-8 form
     * @throws NotifyException {@code invalid_config}: a key the core refuses (not a usable RSA PEM,
     *     a certificate whose serial is not its id, an id given twice)
     */
    public static TrustedKeys of(Map<String, String> platformKeys) {
        if (platformKeys == null) {
            throw new NullPointerException("platformKeys");
        }
        List<byte[]> encoded = new ArrayList<>();
        for (Map.Entry<String, String> e : platformKeys.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new NullPointerException("platformKeys: a key id or PEM is null");
            }
            encoded.add(Ffi.encode(e.getKey(), "platformKeys"));
            encoded.add(Ffi.encode(e.getValue(), "platformKeys"));
        }
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_trusted_keys_new(s.ptrOut()));
        TrustedKeys keys = new TrustedKeys(s.ptr());
        long h = keys.handle.acquire();
        try {
            for (int k = 0; k < encoded.size(); k += 2) {
                byte[] i = encoded.get(k);
                byte[] p = encoded.get(k + 1);
                Ffi.check(NativeMethods.wechatpay_trusted_keys_add_trusted_key(h, i, i.length, p, p.length));
            }
        } catch (RuntimeException e) {
            keys.handle.release();
            keys.close();
            throw e;
        }
        keys.handle.release();
        return keys;
    }

    /**
     * Every key of a directory, as WeChat Pay's certificate download writes them: each {@code *.pem}
     * file directly in it (other names are ignored, symbolic links followed), in name order, read
     * whole (at most 64 KiB), holding one PEM block. A {@code CERTIFICATE} is trusted under its own
     * serial (a file named like a serial, hex digits only, must be named after that serial; a
     * {@code PUB_KEY_ID_…} name is refused); a {@code PUBLIC KEY} under its file name without
     * {@code .pem}, which must be a {@code PUB_KEY_ID_…} id.
     *
     * @param directory the directory
     * @return the set
     * @throws NullPointerException {@code directory} is null
     * @throws NotifyException {@code invalid_config}, naming the file: a file that cannot be read,
     *     is mislabelled, holds anything else or a refused key, a repeated id; a directory that
     *     cannot be read or holds no key
     */
    public static TrustedKeys fromDirectory(Path directory) {
        if (directory == null) {
            throw new NullPointerException("directory");
        }
        byte[] bytes = Ffi.encode(directory.toString(), "directory");
        Ffi.Scratch s = Ffi.Scratch.get();
        Ffi.check(NativeMethods.wechatpay_trusted_keys_load_dir(bytes, bytes.length, s.ptrOut()));
        return new TrustedKeys(s.ptr());
    }

    /**
     * The key ids, in order (a certificate by its uppercase hex serial).
     *
     * @return an unmodifiable list
     * @throws IllegalStateException the set is closed
     */
    public List<String> ids() {
        Ffi.Scratch s = Ffi.Scratch.get();
        long h = handle.acquire();
        try {
            long count = NativeMethods.wechatpay_trusted_keys_count(h);
            List<String> ids = new ArrayList<>();
            for (long i = 0; i < count && NativeMethods.wechatpay_trusted_keys_id(h, i, s.struct()) != 0; i++) {
                ids.add(s.str(STR_DATA));
            }
            return Collections.unmodifiableList(ids);
        } finally {
            handle.release();
        }
    }

    /**
     * The number of keys.
     *
     * @return the count
     * @throws IllegalStateException the set is closed
     */
    public int size() {
        long h = handle.acquire();
        try {
            return (int) NativeMethods.wechatpay_trusted_keys_count(h);
        } finally {
            handle.release();
        }
    }

    /** Releases the native set (verifiers and endpoints it was swapped into keep their share). Idempotent. */
    @Override
    public void close() {
        handle.close();
        cleanup.clean();
    }

    @Override
    public String toString() {
        return handle.isClosed() ? "TrustedKeys(closed)" : "TrustedKeys" + ids();
    }

    NativeHandle handle() {
        return handle;
    }
}
