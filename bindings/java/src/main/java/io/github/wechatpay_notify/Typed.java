package io.github.wechatpay_notify;

/**
 * A typed value copied out of a verified notification, or the error reading it gave (a typed amount
 * present in another form than a non-negative integer is {@code missing_field}, never "absent").
 * The public accessor returns {@link #get()}, which throws a fresh {@link NotifyException} for an
 * error: the notification itself stays usable.
 */
final class Typed<T> {
    private final T value;
    private final String code;
    private final int number;
    private final String message;

    private Typed(T value, String code, int number, String message) {
        this.value = value;
        this.code = code;
        this.number = number;
        this.message = message;
    }

    static <T> Typed<T> of(T value) {
        return new Typed<>(value, null, 0, null);
    }

    static <T> Typed<T> failed(NotifyException error) {
        return new Typed<>(null, error.getCode(), error.getNumber(), error.getMessage());
    }

    /** The value; throws the error when reading it failed. */
    T get() {
        if (code != null) {
            throw new NotifyException(code, number, message);
        }
        return value;
    }

    /** The code of the error reading it gave, or null. */
    String errorCode() {
        return code;
    }

    /** For the generated toString: the value ({@code null} when absent), or {@code <code>}; never throws. */
    String show() {
        if (code != null) {
            return "<" + code + ">";
        }
        if (value instanceof java.util.OptionalLong) {
            java.util.OptionalLong v = (java.util.OptionalLong) value;
            return v.isPresent() ? Long.toString(v.getAsLong()) : "null";
        }
        return String.valueOf(value);
    }
}
