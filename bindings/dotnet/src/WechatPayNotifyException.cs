using System;

namespace WechatPay.Notify
{
    /// <summary>
    /// A rejected notification or an unusable configuration. <see cref="Code"/> is the stable
    /// string code shared by every binding (<c>signature_mismatch</c>, <c>invalid_config</c>, ...),
    /// <see cref="Number"/> its stable number (7001..). The message never contains key material or
    /// the expected signature.
    /// </summary>
    public sealed class WechatPayNotifyException : Exception
    {
        internal WechatPayNotifyException(string code, int number, string message)
            : base(message)
        {
            Code = code;
            Number = number;
        }

        /// <summary>The stable code, e.g. <c>"signature_mismatch"</c>.</summary>
        public string Code { get; }

        /// <summary>The stable number of the code (7001..7020).</summary>
        public int Number { get; }

        /// <inheritdoc />
        public override string ToString()
        {
            return GetType().FullName + " (" + Code + "): " + Message;
        }
    }
}
