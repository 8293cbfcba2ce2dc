package io.github.wechatpay_notify;

/** Facts about the native library this binding runs on. */
public final class Library {
    private Library() {
    }

    /** The native library's version (the workspace version, e.g. {@code "0.1.0"}). */
    public static String version() {
        return Ffi.cString(NativeMethods.wechatpay_version());
    }

    /**
     * The file the native library was loaded from: the {@code wechatpay.notify.library} file, one found
     * through {@code jna.library.path} or the system's library path, or the temporary copy JNA
     * extracted from this jar's {@code <os>-<arch>/} resources.
     */
    public static String nativeLibraryFile() {
        NativeMethods.wechatpay_unix_now(); // loads the library
        return NativeLoader.file();
    }

    /** The system clock in Unix seconds, as the core reads it (what the overloads without {@code now} use). */
    public static long unixNow() {
        return NativeMethods.wechatpay_unix_now();
    }
}
