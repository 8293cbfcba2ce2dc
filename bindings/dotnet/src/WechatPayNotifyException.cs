using System;

namespace WechatPay.Notify
{
    /// <summary>
    /// A value the core refuses: a rejected notification or an unusable configuration.
    /// <see cref="Code"/> is the stable string code shared by every binding (<c>signature_mismatch</c>,
    /// <c>invalid_config</c>, ...), <see cref="Number"/> its stable number in the C ABI
    /// (8201..8220, <c>WECHATPAY_ERROR_KIND_*</c>). The message is at most 200 printable ASCII
    /// characters and never contains key material or the expected signature.
    /// </summary>
    /// <remarks>
    /// <para>Misuse of the API itself is not reported with this type: a null argument throws
    /// <see cref="ArgumentNullException"/>, a string with no UTF-8 form (an unpaired surrogate)
    /// <see cref="ArgumentException"/>, a disposed <see cref="Verifier"/> <see cref="ObjectDisposedException"/>.</para>
    /// <para>An <see cref="Endpoint"/> refuses a request with the subclass
    /// <see cref="EndpointRejectedException"/>, which also carries the reply to send. Only this
    /// library makes instances (the constructors are internal).</para>
    /// </remarks>
    public class WechatPayNotifyException : Exception
    {
        /// <summary>The number of <c>invalid_config</c> (<c>WECHATPAY_ERROR_KIND_INVALID_CONFIG</c>).</summary>
        private const int InvalidConfigNumber = 8201;
        /// <summary>The number of <c>invalid_argument</c> (<c>WECHATPAY_ERROR_KIND_INVALID_ARGUMENT</c>).</summary>
        private const int InvalidArgumentNumber = 8202;
        /// <summary>The number of <c>internal</c> (<c>WECHATPAY_ERROR_KIND_INTERNAL</c>).</summary>
        private const int InternalNumber = 8220;

        internal WechatPayNotifyException(string code, int number, string message)
            : base(message)
        {
            Code = code;
            Number = number;
        }

        /// <summary>An <c>invalid_config</c> refusal of a setting the C ABI cannot take (a negative
        /// number), as Python and Node refuse it.</summary>
        internal static WechatPayNotifyException InvalidConfig(string message)
        {
            return new WechatPayNotifyException("invalid_config", InvalidConfigNumber, message);
        }

        /// <summary>An <c>invalid_argument</c> refusal of an argument the C ABI cannot take (a negative
        /// time), as Python and Node refuse it.</summary>
        internal static WechatPayNotifyException InvalidArgument(string message)
        {
            return new WechatPayNotifyException("invalid_argument", InvalidArgumentNumber, message);
        }

        /// <summary>An <c>internal</c> error raised by the binding itself (a broken invariant).</summary>
        internal static WechatPayNotifyException Internal(string message)
        {
            return new WechatPayNotifyException("internal", InternalNumber, message);
        }

        /// <summary>The stable code, e.g. <c>"signature_mismatch"</c>.</summary>
        public string Code { get; }

        /// <summary>The stable number of the code (8201..8220, in the codes' order).</summary>
        public int Number { get; }

        /// <inheritdoc />
        public override string ToString()
        {
            return GetType().FullName + " (" + Code + "): " + Message;
        }
    }
}
