package io.github.wechatpay_notify;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Finds {@code libwechatpay_notify} the way JNA does and binds {@link NativeMethods} to it.
 *
 * <p>In this order: the file named by the system property {@value #LIBRARY_PROPERTY} (an explicit
 * path); otherwise JNA's own search for {@code wechatpay_notify}: the directories of
 * {@code jna.library.path}, the system's library path ({@code LD_LIBRARY_PATH}, the linker's cache),
 * then this jar's resource {@code <os>-<arch>/libwechatpay_notify.so} (JNA's
 * {@code Platform.RESOURCE_PREFIX}, e.g. {@code linux-x86-64}), which JNA extracts to a temporary
 * file. The library must be the one this binding was built for: its {@code wechatpay_version()} must
 * equal the binding's version, else loading fails (a C ABI of another version may differ).
 */
final class NativeLoader {
    /** The system property naming the native library file explicitly. */
    static final String LIBRARY_PROPERTY = "wechatpay.notify.library";

    private static volatile NativeLibrary library;

    private NativeLoader() {
    }

    static synchronized void register(Class<?> natives) {
        if (Native.POINTER_SIZE != 8) {
            throw new UnsatisfiedLinkError("wechatpay-notify: the Java binding needs a 64-bit JVM (pointer size "
                    + Native.POINTER_SIZE + " on " + Platform.RESOURCE_PREFIX + ")");
        }
        NativeLibrary lib = load();
        Native.register(natives, lib);
        library = lib;
    }

    /** Called once the functions are bound: the library's version must be this binding's. */
    static void checkVersion(long versionAddress) {
        String nativeVersion = versionAddress == 0 ? "" : new Pointer(versionAddress).getString(0, "UTF-8");
        String expected = bindingVersion();
        if (expected != null && !expected.equals(nativeVersion)) {
            throw new UnsatisfiedLinkError("wechatpay-notify: the Java binding " + expected + " loaded "
                    + describe(library) + ", which is version " + nativeVersion
                    + "; use the native library of the same release (the jar carries it)");
        }
    }

    private static NativeLibrary load() {
        String explicit = System.getProperty(LIBRARY_PROPERTY);
        try {
            if (explicit != null && !explicit.isEmpty()) {
                return NativeLibrary.getInstance(new File(explicit).getAbsolutePath());
            }
            return NativeLibrary.getInstance("wechatpay_notify", NativeLoader.class.getClassLoader());
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError wrapped = new UnsatisfiedLinkError("wechatpay-notify: cannot load the native library "
                    + (explicit != null && !explicit.isEmpty() ? explicit + " (-D" + LIBRARY_PROPERTY + ")"
                            : "wechatpay_notify for " + Platform.RESOURCE_PREFIX
                                    + " (from -Djna.library.path, the system library path, or this jar's "
                                    + Platform.RESOURCE_PREFIX + "/ resources; -D" + LIBRARY_PROPERTY
                                    + "=FILE names it explicitly)")
                    + ": " + e.getMessage());
            wrapped.initCause(e);
            throw wrapped;
        }
    }

    /** The binding's own version (Maven writes it into version.properties); null when unknown. */
    static String bindingVersion() {
        try (InputStream in = NativeLoader.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            return v == null || v.isEmpty() || v.startsWith("$") ? null : v;
        } catch (IOException e) {
            return null;
        }
    }

    /** The file the native library was loaded from. */
    static String file() {
        NativeLibrary lib = library;
        if (lib == null) {
            return null;
        }
        File f = lib.getFile();
        return f == null ? lib.getName() : f.getAbsolutePath();
    }

    private static String describe(NativeLibrary lib) {
        File f = lib == null ? null : lib.getFile();
        return f == null ? "libwechatpay_notify" : f.getAbsolutePath();
    }
}
