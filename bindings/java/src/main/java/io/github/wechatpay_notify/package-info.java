/**
 * Verify WeChat Pay callback ({@code notify_url}) notifications with the project's one audited Rust
 * core, called through its C ABI with JNA: v2 XML payments and refunds ({@link
 * io.github.wechatpay_notify.Verifier}), APIv3 JSON notifications ({@link
 * io.github.wechatpay_notify.V3Verifier}), one endpoint for many merchants on both versions ({@link
 * io.github.wechatpay_notify.Endpoint}), and the exact replies ({@link io.github.wechatpay_notify.Reply}).
 *
 * <p>Errors: a rejected notification or a value the core refuses is a {@link
 * io.github.wechatpay_notify.NotifyException} (unchecked) with the stable code and number; misuse of
 * the API is the language's own exception ({@link NullPointerException}, {@link
 * IllegalArgumentException}, {@link IllegalStateException} after {@code close()}).
 */
package io.github.wechatpay_notify;
