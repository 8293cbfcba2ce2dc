package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.function.Executable;

/**
 * Shared helpers of the Java suite: the vectors (read with Gson), the error-code table, the message
 * rule, and the reflective check of every typed property a vector expects.
 */
final class T {
    private T() {
    }

    /** tests/vectors (system property wechatpay.notify.vectors; the repository's by default). */
    static final Path VECTORS = Paths.get(System.getProperty("wechatpay.notify.vectors", "tests/vectors"));

    /** The SPEC §3 codes in order: code i has the stable number 8201 + i. */
    static final List<String> CODES = Arrays.asList("invalid_config", "invalid_argument", "body_too_large",
            "malformed_xml", "forbidden_doctype", "duplicate_field", "missing_field", "return_code_fail",
            "missing_signature", "sign_type_mismatch", "signature_mismatch", "merchant_mismatch", "decrypt_failed",
            "malformed_json", "missing_header", "unsupported_algorithm", "unknown_serial", "signature_probe",
            "timestamp_out_of_window", "internal");

    /** A vector file with its {@code numberOfTests}. */
    static JsonObject load(String file, String schema) {
        JsonObject root = document(file, schema);
        assertTrue(root.has("numberOfTests") && root.get("numberOfTests").isJsonPrimitive(), file + ": numberOfTests");
        return root;
    }

    /** A JSON document of tests/vectors with its schema. */
    static JsonObject document(String file, String schema) {
        Path path = VECTORS.resolve(file);
        String text;
        try {
            text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(path + " cannot be read (it is written by `cargo run -p xtask -- vectors`)", e);
        }
        JsonObject root = JsonParser.parseString(text).getAsJsonObject();
        assertEquals(schema, root.get("schema").getAsString(), file + ": schema");
        return root;
    }

    static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    static String name(String file, JsonObject test) {
        return file + " tcId " + test.get("tcId").getAsLong() + ": " + str(test, "comment");
    }

    static List<Map.Entry<String, String>> pairs(JsonElement list) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        for (JsonElement e : list.getAsJsonArray()) {
            JsonArray pair = e.getAsJsonArray();
            pairs.add(new AbstractMap.SimpleImmutableEntry<>(pair.get(0).getAsString(), pair.get(1).getAsString()));
        }
        return pairs;
    }

    /**
     * Request headers in the form the binding takes: names in order, a name given more than once
     * (exactly) carrying the list of its values, as {@code com.sun.net.httpserver.Headers} holds them.
     */
    static Map<String, Object> headers(JsonElement list) {
        Map<String, Object> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : pairs(list)) {
            Object had = headers.get(p.getKey());
            if (had == null) {
                headers.put(p.getKey(), p.getValue());
            } else if (had instanceof String) {
                headers.put(p.getKey(), new ArrayList<>(Arrays.asList((String) had, p.getValue())));
            } else {
                @SuppressWarnings("unchecked")
                List<String> values = (List<String>) had;
                values.add(p.getValue());
            }
        }
        return headers;
    }

    /** The body of a case: {@code body} (UTF-8 text, byte for byte) or {@code bodyHex}. */
    static byte[] body(JsonObject test) {
        String text = str(test, "body");
        return text != null ? text.getBytes(StandardCharsets.UTF_8) : hex(str(test, "bodyHex"));
    }

    static byte[] hex(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    static String lowerCamel(String snake) {
        StringBuilder s = new StringBuilder();
        for (String word : snake.split("_")) {
            if (word.isEmpty()) {
                continue;
            }
            s.append(s.length() == 0 ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
        return s.toString();
    }

    // ---- errors and the message rule ----

    /** Asserts that {@code action} throws NotifyException with this code, its number and a clean message. */
    static NotifyException code(String code, Executable action) {
        try {
            action.execute();
        } catch (NotifyException e) {
            checkError(code, e);
            return e;
        } catch (Throwable e) {
            throw new AssertionError("expected NotifyException " + code + ", got " + e, e);
        }
        throw new AssertionError("expected NotifyException " + code + ", nothing was thrown");
    }

    /** The code, its stable number (8201 + its place in SPEC §3), and the message rule. */
    static void checkError(String code, NotifyException e) {
        assertNotNull(e, "an error for " + code);
        assertEquals(code, e.getCode(), "error code (message: " + e.getMessage() + ")");
        assertTrue(CODES.contains(e.getCode()), "a known code: " + e.getCode());
        assertEquals(8201 + CODES.indexOf(e.getCode()), e.getNumber(), "the stable number of " + e.getCode());
        cleanMessage(e.getMessage(), e.getCode() + " message");
        noBadCharacters(e.toString(), e.getCode() + " toString");
    }

    /**
     * The message rule: non-empty, at most 200 characters (code points), and no character of the
     * Unicode categories Cc, Cf, Zl or Zp (no newline, ANSI escape, U+2028, U+202E, ...).
     */
    static void cleanMessage(String message, String what) {
        assertTrue(message != null && !message.isEmpty(), what + ": present");
        noBadCharacters(message, what);
        int chars = message.codePointCount(0, message.length());
        assertTrue(chars <= 200, what + ": " + chars + " characters, over 200");
    }

    static void noBadCharacters(String text, String what) {
        text.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                fail(what + ": U+" + String.format("%04X", c) + " (category " + type + ") in " + escape(text));
            }
        });
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04X", (int) c));
            }
        }
        return b.toString();
    }

    // ---- typed properties ----

    /** The public no-argument accessor of a typed property; fails when there is none. */
    static Method accessor(Object result, String key) {
        String name = lowerCamel(key);
        try {
            Method m = result.getClass().getMethod(name);
            assertTrue(Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()), name + " is public");
            return m;
        } catch (NoSuchMethodException e) {
            throw new AssertionError(result.getClass().getSimpleName() + " has no accessor " + name + "() for the typed key "
                    + key + " (a property the core added is missing here)");
        }
    }

    /** Calls an accessor as a caller would: what it throws is thrown as such, not wrapped by reflection. */
    static Object call(Method m, Object target) throws Throwable {
        try {
            return m.invoke(target);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    static Object get(Object result, String key) {
        try {
            return call(accessor(result, key), result);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /** The code of an expected value of the form {"error": CODE}; null otherwise. */
    static String errorForm(JsonElement expected) {
        if (!expected.isJsonObject()) {
            return null;
        }
        JsonObject o = expected.getAsJsonObject();
        return o.size() == 1 && o.has("error") ? o.get("error").getAsString() : null;
    }

    /**
     * Every key of {@code typed} must be a lowerCamelCase accessor of the result (a key without one
     * fails), returning the value the vector expects: text as String (null when absent), amounts as
     * OptionalLong (empty when absent), bool, coupons as a list, nested views as objects. A value
     * {"error": CODE} is a typed amount (or the coupon list) present in another form: reading it must
     * throw NotifyException with that code, every time.
     */
    static void typed(Object result, JsonObject typed) {
        assertNotNull(typed, "expected.typed is present");
        for (Map.Entry<String, JsonElement> e : typed.entrySet()) {
            String key = e.getKey();
            JsonElement want = e.getValue();
            Method m = accessor(result, key);
            Class<?> type = m.getReturnType();
            String error = errorForm(want);
            if (error != null) {
                assertTrue(type == OptionalLong.class || type == List.class, key + " (" + type + ") cannot refuse a read");
                code(error, () -> call(m, result));
                code(error, () -> call(m, result)); // the property's error, not a one-off
                continue;
            }
            Object actual = get(result, key);
            if (want.isJsonArray()) {
                assertEquals(List.class, type, key + " is a list of coupons");
                List<?> list = (List<?>) actual;
                JsonArray items = want.getAsJsonArray();
                assertEquals(items.size(), list.size(), key + " count");
                for (int i = 0; i < items.size(); i++) {
                    typed(list.get(i), items.get(i).getAsJsonObject());
                }
            } else if (want.isJsonObject()) {
                assertNotNull(actual, key + " should be present");
                typed(actual, want.getAsJsonObject());
            } else if (want.isJsonNull()) {
                if (type == OptionalLong.class) {
                    assertFalse(((OptionalLong) actual).isPresent(), key + " should be absent, got " + actual);
                } else {
                    assertNull(actual, key + " should be absent");
                }
            } else if (want.getAsJsonPrimitive().isBoolean()) {
                assertEquals(boolean.class, type, key + " is a boolean accessor");
                assertEquals(want.getAsBoolean(), actual, key);
            } else if (want.getAsJsonPrimitive().isNumber()) {
                assertEquals(OptionalLong.class, type, key + " is an amount (OptionalLong) accessor");
                assertEquals(OptionalLong.of(want.getAsLong()), actual, key);
            } else {
                assertEquals(String.class, type, key + " is a String accessor");
                assertEquals(want.getAsString(), actual, key);
            }
        }
    }

    static void samePairs(JsonElement expected, List<Map.Entry<String, String>> actual, String what) {
        List<Map.Entry<String, String>> want = pairs(expected);
        assertEquals(want.size(), actual.size(), what + " count");
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i).getKey(), actual.get(i).getKey(), what + "[" + i + "] name");
            assertEquals(want.get(i).getValue(), actual.get(i).getValue(), what + "[" + i + "] value");
        }
    }

    // ---- building from a vector's configuration ----

    /** A v2 verifier from a v2_pay / v2_refund config (the builder's setters for each option). */
    static Verifier verifier(JsonObject config) {
        Verifier.Builder b = Verifier.builder(str(config, "apiKey"), str(config, "signType"));
        try {
            List<String> also = new ArrayList<>();
            for (JsonElement t : config.getAsJsonArray("alsoAccept")) {
                also.add(t.getAsString());
            }
            if (!also.isEmpty()) {
                b.alsoAccept(also.toArray(new String[0]));
            }
            if (str(config, "appid") != null) {
                b.appid(str(config, "appid"));
            }
            if (str(config, "mchId") != null) {
                b.mchId(str(config, "mchId"));
            }
            JsonElement max = config.get("maxBodyBytes");
            if (max != null && !max.isJsonNull()) {
                b.maxBodyBytes(max.getAsLong());
            }
            return b.build();
        } finally {
            b.close();
        }
    }

    static Map<String, String> platformKeys(JsonObject config) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : pairs(config.get("platformKeys"))) {
            keys.put(p.getKey(), p.getValue());
        }
        return keys;
    }

    /** An APIv3 verifier from a v3_notify config. */
    static V3Verifier v3Verifier(JsonObject config) {
        V3Verifier.Builder b = V3Verifier.builder(str(config, "apiV3Key"));
        try {
            b.trustedKeys(platformKeys(config));
            JsonElement skew = config.get("maxClockSkew");
            if (skew != null && !skew.isJsonNull()) {
                b.maxClockSkew(skew.getAsLong());
            }
            JsonElement max = config.get("maxBodyBytes");
            if (max != null && !max.isJsonNull()) {
                b.maxBodyBytes(max.getAsLong());
            }
            JsonElement ids = config.get("mchIds");
            if (ids != null && !ids.isJsonNull()) {
                List<String> list = new ArrayList<>();
                for (JsonElement id : ids.getAsJsonArray()) {
                    list.add(id.getAsString());
                }
                b.mchIds(list);
            }
            return b.build();
        } finally {
            b.close();
        }
    }
}
