package io.github.wechatpay_notify;

import static io.github.wechatpay_notify.NativeMethods.Layout.FIELD_NAME;
import static io.github.wechatpay_notify.NativeMethods.Layout.FIELD_SIZE;
import static io.github.wechatpay_notify.NativeMethods.Layout.FIELD_VALUE;
import static io.github.wechatpay_notify.NativeMethods.Layout.HTTP_REPLY_BODY;
import static io.github.wechatpay_notify.NativeMethods.Layout.HTTP_REPLY_CONTENT_TYPE;
import static io.github.wechatpay_notify.NativeMethods.Layout.HTTP_REPLY_STATUS;
import static io.github.wechatpay_notify.NativeMethods.Layout.STR_DATA;
import static io.github.wechatpay_notify.NativeMethods.Layout.STR_LEN;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Conversions between Java and the C ABI: strict UTF-8 in, UTF-8 out, errors, name/value pair
 * arrays, and the per-thread scratch memory every output argument is written to.
 */
final class Ffi {
    private Ffi() {
    }

    /** The number of {@code internal} ({@code WECHATPAY_ERROR_KIND_INTERNAL}). */
    static final int INTERNAL = 8220;

    /** The number of {@code missing_field}. */
    static final int MISSING_FIELD = 8207;

    // ---- arguments ----

    /**
     * The UTF-8 bytes of the argument {@code param}. Null is a {@link NullPointerException} naming
     * it; a string with an unpaired surrogate has no UTF-8 form, so it is an
     * {@link IllegalArgumentException} (the misuse rule: a wrong argument is the language's own
     * exception, a value the core refuses a {@link NotifyException}).
     */
    static byte[] encode(String text, String param) {
        if (text == null) {
            throw new NullPointerException(param);
        }
        checkUtf8(text, param);
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Throws {@link IllegalArgumentException} when {@code text} has an unpaired surrogate. */
    static void checkUtf8(String text, String param) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            throw noUtf8(param);
        }
    }

    static IllegalArgumentException noUtf8(String param) {
        return new IllegalArgumentException(param + ": the string contains an unpaired surrogate, so it has no UTF-8 form");
    }

    /** The UTF-8 bytes of free text, unpaired surrogates becoming U+FFFD (only for a FAIL reply's message). */
    static byte[] encodeLossy(String text) {
        StringBuilder repaired = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean lone = false;
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    if (repaired != null) {
                        repaired.append(c).append(text.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
                lone = true;
            } else if (Character.isLowSurrogate(c)) {
                lone = true;
            }
            if (lone && repaired == null) {
                repaired = new StringBuilder(n).append(text, 0, i);
            }
            if (repaired != null) {
                repaired.append(lone ? '\uFFFD' : c);
            }
        }
        return (repaired == null ? text : repaired.toString()).getBytes(StandardCharsets.UTF_8);
    }

    /** A Unix time to verify at: 0 or more, else {@code invalid_argument} (as Python and Node refuse it). */
    static long unixTime(long now) {
        if (now < 0) {
            throw NotifyException.invalidArgument("now must be a non-negative integer (Unix seconds)");
        }
        return now;
    }

    // ---- errors ----

    /** Throws the exception for a native error (and frees it); does nothing for 0 (success). */
    static void check(long error) {
        if (error != 0) {
            throw error(error);
        }
    }

    /** Reads a native error's code, number and message, then frees it. */
    static NotifyException error(long error) {
        try {
            return new NotifyException(cString(NativeMethods.wechatpay_error_code(error)),
                    NativeMethods.wechatpay_error_number(error), cString(NativeMethods.wechatpay_error_message(error)));
        } finally {
            NativeMethods.wechatpay_error_free(error);
        }
    }

    static NotifyException internal(String message) {
        return new NotifyException("internal", INTERNAL, message);
    }

    // ---- reading native memory ----

    /** A NUL-terminated UTF-8 string owned by the native side ("" for NULL). */
    static String cString(long address) {
        return address == 0 ? "" : new Pointer(address).getString(0, "UTF-8");
    }

    /** {@code len} bytes of UTF-8 at {@code data} ("" when empty). */
    static String decode(long data, long len) {
        if (len == 0) {
            return "";
        }
        if (len < 0 || len > Integer.MAX_VALUE || data == 0) {
            throw internal("a string of " + Long.toUnsignedString(len) + " bytes cannot be read");
        }
        return new String(new Pointer(data).getByteArray(0, (int) len), StandardCharsets.UTF_8);
    }

    // ---- name/value pairs (fields to sign, request headers) ----

    /** Encoded name/value pairs: {@code bytes[2i]} the name, {@code bytes[2i+1]} the value. */
    static final class Pairs {
        final List<byte[]> bytes = new ArrayList<>();
        private int total;

        void add(byte[] name, byte[] value) {
            bytes.add(name);
            bytes.add(value);
            total += name.length + value.length;
        }

        int count() {
            return bytes.size() / 2;
        }

        /**
         * Writes them as an array of {@code struct wechatpay_field} followed by their bytes into
         * {@code s}'s input buffer; returns its address (0 for no pairs), valid until the thread's next
         * {@link Scratch#input}.
         */
        long write(Scratch s) {
            int n = count();
            if (n == 0) {
                return 0;
            }
            int size = n * FIELD_SIZE + total;
            long base = s.input(size);
            ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
            int at = n * FIELD_SIZE;
            for (int i = 0; i < n; i++) {
                byte[] name = bytes.get(2 * i);
                byte[] value = bytes.get(2 * i + 1);
                int f = i * FIELD_SIZE;
                buf.putLong(f + FIELD_NAME + STR_DATA, name.length == 0 ? 0 : base + at);
                buf.putLong(f + FIELD_NAME + STR_LEN, name.length);
                System.arraycopy(name, 0, buf.array(), at, name.length);
                at += name.length;
                buf.putLong(f + FIELD_VALUE + STR_DATA, value.length == 0 ? 0 : base + at);
                buf.putLong(f + FIELD_VALUE + STR_LEN, value.length);
                System.arraycopy(value, 0, buf.array(), at, value.length);
                at += value.length;
            }
            s.writeInput(buf.array(), size);
            return base;
        }
    }

    /** Fields to sign: ordered name/value entries; null entries, names or values are misuse. */
    static Pairs fields(Iterable<? extends Map.Entry<String, String>> fields, String param) {
        if (fields == null) {
            throw new NullPointerException(param);
        }
        Pairs pairs = new Pairs();
        for (Map.Entry<String, String> e : fields) {
            if (e == null || e.getKey() == null || e.getValue() == null) {
                throw new NullPointerException(param + ": a field, name or value is null");
            }
            pairs.add(encode(e.getKey(), param), encode(e.getValue(), param));
        }
        return pairs;
    }

    /** A native call that takes request headers laid out in the thread's scratch memory. */
    interface HeadersCall<T> {
        T call(long array, long count, Scratch s);
    }

    /**
     * {@code call} with {@code headers} (as {@link #headers(Map, String)} takes them, the parameter
     * named {@code headers}) laid out as name/value pairs in this thread's scratch memory, freed
     * after it when large.
     */
    static <T> T withHeaders(Map<String, ?> headers, HeadersCall<T> call) {
        Pairs pairs = headers(headers, "headers");
        Scratch s = Scratch.get();
        try {
            return call.call(pairs.write(s), pairs.count(), s);
        } finally {
            s.doneWithInput();
        }
    }

    /**
     * Request headers: each value a {@link String}, or a {@link Collection} / {@link Iterable} of
     * strings (every value of a header received more than once, as
     * {@code com.sun.net.httpserver.Headers} and Spring's {@code HttpHeaders} hold them), so a
     * {@code Wechatpay-*} header received twice is passed twice (and refused).
     */
    static Pairs headers(Map<String, ?> headers, String param) {
        if (headers == null) {
            throw new NullPointerException(param);
        }
        Pairs pairs = new Pairs();
        for (Map.Entry<String, ?> e : headers.entrySet()) {
            String name = e.getKey();
            Object value = e.getValue();
            if (name == null) {
                throw new NullPointerException(param + ": a header name is null");
            }
            byte[] nameBytes = encode(name, param);
            if (value instanceof String) {
                pairs.add(nameBytes, encode((String) value, param));
            } else if (value instanceof Iterable) {
                for (Object v : (Iterable<?>) value) {
                    if (!(v instanceof String)) {
                        throw v == null ? new NullPointerException(param + ": a value of the header " + name + " is null")
                                : new IllegalArgumentException(param + ": a value of the header " + name + " is a "
                                        + v.getClass().getName() + ", not a String");
                    }
                    pairs.add(nameBytes, encode((String) v, param));
                }
            } else if (value == null) {
                throw new NullPointerException(param + ": the value of the header " + name + " is null");
            } else {
                throw new IllegalArgumentException(param + ": the value of the header " + name + " is a "
                        + value.getClass().getName() + ", not a String or a collection of Strings");
            }
        }
        return pairs;
    }

    static Map.Entry<String, String> entry(String name, String value) {
        return new AbstractMap.SimpleImmutableEntry<>(name, value);
    }

    // ---- the per-thread scratch memory ----

    /**
     * Native memory owned by one thread, where the C ABI writes output arguments (a handle, a
     * borrowed string, a struct) and where inputs made of pointers (name/value arrays) are laid out.
     * Read through a direct {@link ByteBuffer} view (no JNI call per read). Each native call's
     * outputs are read before the next call on the same thread.
     */
    static final class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = new ThreadLocal<Scratch>() {
            @Override
            protected Scratch initialValue() {
                return new Scratch();
            }
        };

        /** Offsets in the output area: a struct (up to 64 bytes), a pointer, a uint64_t/size_t, a bool. */
        static final int STRUCT = 0;
        static final int PTR = 64;
        static final int U64 = 72;
        static final int BOOL = 80;
        private static final int SIZE = 96;

        /** Input buffers kept per thread up to this size; larger ones are freed after the call. */
        private static final int KEEP = 64 * 1024;

        private final Memory out = new Memory(SIZE);
        private final long base = Pointer.nativeValue(out);
        private final ByteBuffer view = out.getByteBuffer(0, SIZE).order(ByteOrder.nativeOrder());
        private Memory in;

        static Scratch get() {
            return LOCAL.get();
        }

        long struct() {
            return base + STRUCT;
        }

        long ptrOut() {
            return base + PTR;
        }

        long u64Out() {
            return base + U64;
        }

        long boolOut() {
            return base + BOOL;
        }

        long ptr() {
            return view.getLong(PTR);
        }

        long u64() {
            return view.getLong(U64);
        }

        boolean bool() {
            return view.get(BOOL) != 0;
        }

        long longAt(int offset) {
            return view.getLong(STRUCT + offset);
        }

        int intAt(int offset) {
            return view.getInt(STRUCT + offset);
        }

        boolean boolAt(int offset) {
            return view.get(STRUCT + offset) != 0;
        }

        /** The {@code wechatpay_str} at {@code offset} in the struct area. */
        String str(int offset) {
            return decode(view.getLong(STRUCT + offset + STR_DATA), view.getLong(STRUCT + offset + STR_LEN));
        }

        /** The {@code wechatpay_http_reply} in the struct area. */
        HttpReply reply() {
            long contentType = view.getLong(STRUCT + HTTP_REPLY_CONTENT_TYPE);
            return new HttpReply(view.getShort(STRUCT + HTTP_REPLY_STATUS) & 0xffff,
                    contentType == 0 ? null : cString(contentType), str(HTTP_REPLY_BODY));
        }

        /** An input buffer of at least {@code size} bytes (its address). */
        long input(int size) {
            if (in == null || in.size() < size) {
                if (in != null) {
                    in.close();
                }
                long capacity = 256;
                while (capacity < size) {
                    capacity *= 2;
                }
                in = new Memory(capacity);
            }
            return Pointer.nativeValue(in);
        }

        void writeInput(byte[] bytes, int size) {
            in.write(0, bytes, 0, size);
        }

        /** After a call that used the input buffer: a large one is not kept (nor its bytes). */
        void doneWithInput() {
            if (in != null && in.size() > KEEP) {
                in.close();
                in = null;
            }
        }
    }

    /** Copies out the pairs written by {@code at(i, out)} for i below {@code count}. */
    interface FieldGetter {
        byte get(long index, long fieldOut);
    }

    static List<Map.Entry<String, String>> readFields(Scratch s, long count, FieldGetter at) {
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw internal("a field count of " + Long.toUnsignedString(count));
        }
        List<Map.Entry<String, String>> fields = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            if (at.get(i, s.struct()) == 0) {
                throw internal("a field vanished while it was read");
            }
            fields.add(entry(s.str(FIELD_NAME), s.str(FIELD_VALUE)));
        }
        return fields;
    }
}
