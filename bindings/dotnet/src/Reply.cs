using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace WechatPay.Notify
{
    /// <summary>The exact replies WeChat Pay expects from a notify_url: v2 (XML bodies) and APIv3
    /// (an HTTP status, and a JSON body on failure).</summary>
    public static class Reply
    {
        private static readonly Lazy<string> SuccessReply =
            new Lazy<string>(() => Native.DecodeCString(NativeMethods.wechatpay_reply_success()));

        /// <summary>
        /// The success reply, byte for byte as documented. Acknowledge every verified notification
        /// with it, also <c>result_code=FAIL</c> ones.
        /// </summary>
        public static string Success()
        {
            return SuccessReply.Value;
        }

        private static readonly Lazy<string> RefusalReply =
            new Lazy<string>(() => Native.DecodeCString(NativeMethods.wechatpay_reply_refusal()));

        /// <summary>
        /// The v2 refusal reply: the XML FAIL reply with the one constant message <c>rejected</c> (send
        /// it with status 200, <c>text/xml</c>; WeChat Pay retries). Refuse every notification with it:
        /// the error's <c>Code</c> belongs in your logs, never in the reply (a reply naming it would
        /// let anyone enumerate your merchants and probe your checks). An <see cref="Endpoint"/>'s v2
        /// refusals carry this body.
        /// </summary>
        public static string Refusal()
        {
            return RefusalReply.Value;
        }

        /// <summary>A FAIL reply carrying <paramref name="message"/> (WeChat Pay will retry). Safe for
        /// any text: it is carried in CDATA (a <c>]]&gt;</c> inside is split), characters XML cannot
        /// carry become <c>?</c>, and an unpaired surrogate becomes U+FFFD. To refuse a notification
        /// prefer <see cref="Refusal"/>: never put an error code or input in a reply.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
        public static unsafe string Fail(string message)
        {
            if (message == null) throw new ArgumentNullException("message");
            byte[] bytes = Native.EncodeLossy(message);
            IntPtr reply;
            fixed (byte* p = bytes)
            {
                Native.Check(NativeMethods.wechatpay_reply_fail(p, Native.Len(bytes), out reply));
            }
            return NativeString.Take(reply);
        }

        /// <summary>
        /// The v2 success reply as an <see cref="HttpReply"/>: 200, <c>text/xml</c>, the exact XML
        /// SUCCESS (<see cref="Success"/>). Send it for every verified notification.
        /// </summary>
        public static HttpReply V2Success()
        {
            NativeHttpReply reply;
            Native.Check(NativeMethods.wechatpay_v2_reply_success(out reply));
            return new HttpReply(reply);
        }

        /// <summary>
        /// The v2 failure reply for <paramref name="error"/> as an <see cref="HttpReply"/>, by the one
        /// status rule of every refusal: 200 with the XML FAIL and the constant message
        /// <c>rejected</c> when the request was refused (WeChat Pay retries), 500 with the same body
        /// for <c>invalid_config</c> / <c>internal</c> (your own failure).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
        public static HttpReply V2Fail(WechatPayNotifyException error)
        {
            if (error == null) throw new ArgumentNullException("error");
            return V2FailCode(error.Code, "error");
        }

        /// <summary>The v2 failure reply for the error code <paramref name="code"/> (e.g.
        /// <c>internal</c> for a failure of your own: 500).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="code"/> is null.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_argument</c>: not an error code of this library.</exception>
        public static HttpReply V2Fail(string code)
        {
            return V2FailCode(code, "code");
        }

        private static unsafe HttpReply V2FailCode(string code, string paramName)
        {
            byte[] bytes = Native.Encode(code, paramName);
            NativeHttpReply reply;
            fixed (byte* p = bytes)
            {
                Native.Check(NativeMethods.wechatpay_v2_reply_fail_code(p, Native.Len(bytes), out reply));
            }
            return new HttpReply(reply);
        }

        /// <summary>
        /// The APIv3 success reply: status 204, no <c>Content-Type</c>, an empty body (WeChat Pay also
        /// accepts 200). Send it for every verified notification.
        /// </summary>
        public static HttpReply V3Success()
        {
            NativeHttpReply reply;
            Native.Check(NativeMethods.wechatpay_v3_reply_success(out reply));
            return new HttpReply(reply);
        }

        /// <summary>
        /// The APIv3 failure reply for <paramref name="error"/>: 401 when the request was not proven
        /// authentic (<c>signature_mismatch</c>, <c>unknown_serial</c>, <c>timestamp_out_of_window</c>,
        /// <c>missing_header</c>, <c>signature_probe</c>, <c>merchant_mismatch</c>), 500 for a
        /// configuration error or a bug (<c>invalid_config</c>, <c>internal</c>), 400 for everything
        /// else (malformed input, <c>unsupported_algorithm</c>), with
        /// <c>Content-Type: application/json</c> and the one constant body
        /// <c>{"code":"FAIL","message":"rejected"}</c>: the code is for your logs, never the reply.
        /// WeChat Pay retries after a failure reply.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
        public static HttpReply V3Fail(WechatPayNotifyException error)
        {
            if (error == null) throw new ArgumentNullException("error");
            return V3FailCode(error.Code, "error");
        }

        /// <summary>
        /// The APIv3 failure reply for the error code <paramref name="code"/> (one of our error codes, such as
        /// <c>internal</c>, e.g. for a failure of your own: 500): the status of
        /// <see cref="V3Fail(WechatPayNotifyException)"/> and the same constant body.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="code"/> is null.</exception>
        /// <exception cref="WechatPayNotifyException"><c>invalid_argument</c>: not an error code of this library.</exception>
        public static HttpReply V3Fail(string code)
        {
            return V3FailCode(code, "code");
        }

        /// <summary>
        /// The reply for a request your application could not finish (its configuration or its
        /// database failed) before a notification was verified, so that WeChat Pay retries later: the
        /// core's reply for the request's version (APIv3 when a <c>Wechatpay-Signature</c> header is
        /// present, else v2), status 500 with that version's constant refusal body. After
        /// verification <see cref="EndpointResult.InternalErrorReply"/> gives it from the result.
        /// </summary>
        /// <param name="headers">The request's headers (names are case-insensitive).</param>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/>, a header name or value is null.</exception>
        /// <exception cref="ArgumentException">A header has no UTF-8 form (an unpaired surrogate).</exception>
        public static HttpReply InternalError(IDictionary<string, string> headers)
        {
            return InternalErrorPairs(headers, "headers");
        }

        /// <summary>The reply for your application's own failure, with the headers as
        /// <c>HttpListenerRequest.Headers</c> (or ASP.NET's <c>Request.Headers</c>) holds them (see the
        /// other overload).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/> is null.</exception>
        /// <exception cref="ArgumentException">A header has no UTF-8 form (an unpaired surrogate).</exception>
        public static HttpReply InternalError(NameValueCollection headers)
        {
            return InternalErrorPairs(Native.Headers(headers, "headers"), "headers");
        }

        /// <summary>
        /// The API version of a request, as <see cref="Endpoint"/> decides it: <see cref="ApiVersion.V3"/>
        /// when a <c>Wechatpay-Signature</c> header is present (any case), else <see cref="ApiVersion.V2"/>.
        /// Nothing is verified: it is for a reply sent before verification, such as a body over the size
        /// limit answered in the request's version (<see cref="V2Fail(string)"/> or
        /// <see cref="V3Fail(string)"/> with <c>body_too_large</c>) without reading it whole.
        /// </summary>
        /// <param name="headers">The request's headers (names are case-insensitive).</param>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/>, a header name or value is null.</exception>
        /// <exception cref="ArgumentException">A header has no UTF-8 form (an unpaired surrogate).</exception>
        public static ApiVersion RequestVersion(IDictionary<string, string> headers)
        {
            return RequestVersionPairs(headers, "headers");
        }

        /// <summary>The API version of a request, with the headers as <c>HttpListenerRequest.Headers</c>
        /// (or ASP.NET's <c>Request.Headers</c>) holds them (see the other overload).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/> is null.</exception>
        /// <exception cref="ArgumentException">A header has no UTF-8 form (an unpaired surrogate).</exception>
        public static ApiVersion RequestVersion(NameValueCollection headers)
        {
            return RequestVersionPairs(Native.Headers(headers, "headers"), "headers");
        }

        private static unsafe ApiVersion RequestVersionPairs(IEnumerable<KeyValuePair<string, string>> headers, string paramName)
        {
            uint version = 0;
            Native.WithPairs(headers, paramName, (pairs, count) =>
                Native.Check(NativeMethods.wechatpay_request_version(pairs, count, out version)));
            return (ApiVersion)version;
        }

        private static unsafe HttpReply InternalErrorPairs(IEnumerable<KeyValuePair<string, string>> headers, string paramName)
        {
            NativeHttpReply reply = default(NativeHttpReply);
            Native.WithPairs(headers, paramName, (pairs, count) =>
                Native.Check(NativeMethods.wechatpay_internal_error_reply(pairs, count, out reply)));
            return new HttpReply(reply);
        }

        private static unsafe HttpReply V3FailCode(string code, string paramName)
        {
            byte[] bytes = Native.Encode(code, paramName);
            NativeHttpReply reply;
            fixed (byte* p = bytes)
            {
                Native.Check(NativeMethods.wechatpay_v3_reply_fail_code(p, Native.Len(bytes), out reply));
            }
            return new HttpReply(reply);
        }
    }

    /// <summary>
    /// An HTTP reply for WeChat Pay, one type for both versions: send <see cref="Status"/>, a
    /// <c>Content-Type</c> of <see cref="ContentType"/> when it is not null, and <see cref="Body"/>
    /// exactly (UTF-8), e.g. with <see cref="WriteTo(HttpListenerResponse)"/>. The status rule, the
    /// same on every surface: v2 answers 200 with the XML SUCCESS or FAIL; APIv3 204, or 401 when the
    /// request is not proven authentic and 400 when it is malformed; your own failure
    /// (<c>invalid_config</c>, <c>internal</c>) is 500 in both; an undecided version 400.
    /// </summary>
    public sealed class HttpReply : IEquatable<HttpReply>
    {
        internal HttpReply(NativeHttpReply reply)
        {
            Status = reply.Status;
            ContentType = reply.ContentType == IntPtr.Zero ? null : Native.DecodeCString(reply.ContentType);
            Body = Native.Decode(reply.Body);
        }

        /// <summary>A reply of your own (a test double, say); the library's come from <see cref="Reply"/>
        /// and <see cref="Endpoint"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not 100..599.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
        public HttpReply(int status, string contentType, string body)
        {
            if (status < 100 || status > 599) throw new ArgumentOutOfRangeException("status", status, "an HTTP status code");
            if (body == null) throw new ArgumentNullException("body");
            Status = status;
            ContentType = contentType;
            Body = body;
        }

        /// <summary>
        /// Sends the reply on an <see cref="HttpListenerResponse"/> and closes it: the status, the
        /// <c>Content-Type</c> (none when null), the body's UTF-8 bytes.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="response"/> is null.</exception>
        public void WriteTo(HttpListenerResponse response)
        {
            if (response == null) throw new ArgumentNullException("response");
            byte[] body = Encoding.UTF8.GetBytes(Body);
            response.StatusCode = Status;
            if (ContentType != null) response.ContentType = ContentType;
            response.ContentLength64 = body.Length;
            if (body.Length > 0) response.OutputStream.Write(body, 0, body.Length);
            response.Close();
        }

        /// <inheritdoc />
        public bool Equals(HttpReply other)
        {
            return other != null && Status == other.Status && ContentType == other.ContentType && Body == other.Body;
        }

        /// <inheritdoc />
        public override bool Equals(object obj)
        {
            return Equals(obj as HttpReply);
        }

        /// <inheritdoc />
        public override int GetHashCode()
        {
            return Status * 31 + (ContentType ?? "").GetHashCode() * 17 + Body.GetHashCode();
        }

        /// <summary>The HTTP status code.</summary>
        public int Status { get; }

        /// <summary>The <c>Content-Type</c> header value; null when there is no body (send none).</summary>
        public string ContentType { get; }

        /// <summary>The body, exactly ("" for none).</summary>
        public string Body { get; }

        /// <summary>
        /// Always throws <see cref="NotSupportedException"/>: a guard, not data. A reply handed to a
        /// framework unadapted (an ASP.NET Core endpoint or MVC action returning it) would be
        /// serialised as a JSON object with status 200, which WeChat Pay takes as an acknowledgement
        /// of a refused notification. Serialisers that read public properties (System.Text.Json,
        /// Newtonsoft.Json) read this one too and fail, so the request ends with a 500 and WeChat Pay
        /// retries. Send a reply with <c>ToResult()</c>, <c>ToActionResult()</c> or
        /// <c>WriteToAsync()</c> (WechatPay.Notify.AspNetCore) or <see cref="WriteTo(HttpListenerResponse)"/>.
        /// </summary>
        /// <exception cref="NotSupportedException">Always.</exception>
        [EditorBrowsable(EditorBrowsableState.Never)]
        [DebuggerBrowsable(DebuggerBrowsableState.Never)]
        public object NotAResponseBody
        {
            get
            {
                throw new NotSupportedException(
                    "an HttpReply is not a response body: send it with ToResult(), ToActionResult() or WriteToAsync() (WechatPay.Notify.AspNetCore) or WriteTo(HttpListenerResponse)");
            }
        }

        /// <inheritdoc />
        public override string ToString()
        {
            return "HttpReply(" + Status + ", " + (ContentType ?? "no content type") + ", " + Body + ")";
        }
    }

    /// <summary>The two v2 signature algorithms, by their protocol names.</summary>
    public static class SignType
    {
        /// <summary><c>MD5</c>.</summary>
        public const string Md5 = "MD5";

        /// <summary><c>HMAC-SHA256</c>.</summary>
        public const string HmacSha256 = "HMAC-SHA256";
    }

    /// <summary>Facts about the native library.</summary>
    public static class Library
    {
        /// <summary>The native library's version (the workspace version).</summary>
        public static string Version
        {
            get { return Native.DecodeCString(NativeMethods.wechatpay_version()); }
        }
    }
}
