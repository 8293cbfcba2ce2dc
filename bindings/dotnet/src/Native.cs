// Conversions between .NET and the C ABI: UTF-8 in and out, errors, owned native strings, and the
// one SafeHandle base of every native handle.
using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace WechatPay.Notify
{
    internal static unsafe class Native
    {
        /// <summary>Decodes what the library hands back (always valid UTF-8).</summary>
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);

        /// <summary>Encodes arguments: throws on an unpaired surrogate instead of replacing it.</summary>
        internal static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>
        /// The UTF-8 bytes of the argument <paramref name="paramName"/>. Null is
        /// <see cref="ArgumentNullException"/>; a string with an unpaired surrogate has no UTF-8 form,
        /// so it is <see cref="ArgumentException"/> (the misuse rule: a wrong argument is the
        /// language's own error, a value the core refuses is a <see cref="WechatPayNotifyException"/>).
        /// </summary>
        public static byte[] Encode(string text, string paramName)
        {
            if (text == null) throw new ArgumentNullException(paramName);
            try
            {
                return StrictUtf8.GetBytes(text);
            }
            catch (EncoderFallbackException e)
            {
                throw NoUtf8(paramName, e);
            }
        }

        internal static ArgumentException NoUtf8(string paramName, Exception inner)
        {
            return new ArgumentException("the string contains an unpaired surrogate, so it has no UTF-8 form", paramName, inner);
        }

        /// <summary>UTF-8 bytes of <paramref name="text"/> with unpaired surrogates replaced by U+FFFD
        /// (only for a FAIL reply's free text, which the C ABI also repairs).</summary>
        public static byte[] EncodeLossy(string text)
        {
            return Utf8.GetBytes(text);
        }

        public static string Decode(IntPtr data, UIntPtr len)
        {
            int n = checked((int)len.ToUInt64());
            return n == 0 ? string.Empty : Utf8.GetString((byte*)data, n);
        }

        public static string Decode(NativeStr s)
        {
            return Decode(s.Data, s.Len);
        }

        /// <summary>A NUL-terminated UTF-8 string owned by the native side (Marshal.PtrToStringUTF8
        /// is not in netstandard2.0).</summary>
        public static string DecodeCString(IntPtr data)
        {
            if (data == IntPtr.Zero) return string.Empty;
            byte* p = (byte*)data;
            int n = 0;
            while (p[n] != 0) n++;
            return n == 0 ? string.Empty : Utf8.GetString(p, n);
        }

        public static UIntPtr Len(byte[] bytes)
        {
            return new UIntPtr((uint)bytes.Length);
        }

        /// <summary>Throws the exception for a native error (and frees it); does nothing for NULL.</summary>
        public static void Check(IntPtr error)
        {
            if (error != IntPtr.Zero) throw FromNative(error);
        }

        public static WechatPayNotifyException FromNative(IntPtr error)
        {
            try
            {
                return new WechatPayNotifyException(
                    DecodeCString(NativeMethods.wechatpay_error_code(error)),
                    (int)NativeMethods.wechatpay_error_number(error),
                    DecodeCString(NativeMethods.wechatpay_error_message(error)));
            }
            finally
            {
                NativeMethods.wechatpay_error_free(error);
            }
        }

        /// <summary>Reads the fields at 0..count through a native getter that writes a borrowed pair.</summary>
        public static List<KeyValuePair<string, string>> Fields(ulong count, Func<UIntPtr, NativeField?> at)
        {
            var fields = new List<KeyValuePair<string, string>>((int)Math.Min(count, 1024UL));
            for (ulong i = 0; i < count; i++)
            {
                NativeField? f = at(new UIntPtr(i));
                if (!f.HasValue) throw WechatPayNotifyException.Internal("a field vanished while it was read");
                fields.Add(new KeyValuePair<string, string>(Decode(f.Value.Name), Decode(f.Value.Value)));
            }
            return fields;
        }

        public delegate void PairsAction(NativeField* pairs, UIntPtr count);

        /// <summary>
        /// Request headers as <c>HttpListenerRequest.Headers</c> (or ASP.NET's <c>Request.Headers</c>)
        /// holds them, as the name/value pairs every header-taking function passes: every value of every
        /// name, so a <c>Wechatpay-*</c> header received twice is seen twice (and refused).
        /// </summary>
        public static List<KeyValuePair<string, string>> Headers(NameValueCollection headers, string paramName)
        {
            if (headers == null) throw new ArgumentNullException(paramName);
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (string name in headers.AllKeys)
            {
                if (name == null) throw new ArgumentNullException(paramName, "a header name is null");
                string[] values = headers.GetValues(name);
                if (values == null) continue;
                foreach (string value in values) pairs.Add(new KeyValuePair<string, string>(name, value));
            }
            return pairs;
        }

        /// <summary>
        /// Passes name/value pairs (fields to sign, request headers) as a pinned array of UTF-8
        /// pairs for the duration of <paramref name="action"/>. A null collection, name or value is
        /// <see cref="ArgumentNullException"/>, a string with no UTF-8 form
        /// <see cref="ArgumentException"/>, both naming <paramref name="paramName"/>.
        /// </summary>
        public static void WithPairs(IEnumerable<KeyValuePair<string, string>> pairs, string paramName, PairsAction action)
        {
            if (pairs == null) throw new ArgumentNullException(paramName);
            var bytes = new List<byte[]>();
            foreach (var pair in pairs)
            {
                if (pair.Key == null || pair.Value == null) throw new ArgumentNullException(paramName, "a name or value is null");
                bytes.Add(Encode(pair.Key, paramName));
                bytes.Add(Encode(pair.Value, paramName));
            }
            var pins = new GCHandle[bytes.Count];
            var native = new NativeField[bytes.Count / 2];
            try
            {
                for (int i = 0; i < bytes.Count; i++)
                {
                    pins[i] = GCHandle.Alloc(bytes[i], GCHandleType.Pinned);
                }
                for (int i = 0; i < native.Length; i++)
                {
                    native[i].Name = Pinned(pins[2 * i], bytes[2 * i]);
                    native[i].Value = Pinned(pins[2 * i + 1], bytes[2 * i + 1]);
                }
                fixed (NativeField* f = native)
                {
                    action(f, new UIntPtr((uint)native.Length));
                }
            }
            finally
            {
                foreach (var pin in pins)
                {
                    if (pin.IsAllocated) pin.Free();
                }
            }
        }

        private static NativeStr Pinned(GCHandle pin, byte[] bytes)
        {
            return new NativeStr
            {
                Data = bytes.Length == 0 ? IntPtr.Zero : pin.AddrOfPinnedObject(),
                Len = new UIntPtr((uint)bytes.Length),
            };
        }

        public delegate bool TextGetter<THandle>(THandle handle, out NativeStr value);

        public delegate bool IndexedTextGetter<THandle>(THandle handle, UIntPtr index, out NativeStr value);

        /// <summary>The <paramref name="count"/> strings a native object lists by index (labels,
        /// ids), copied in order; stops at the first index it does not have.</summary>
        public static IReadOnlyList<string> Texts<THandle>(THandle handle, ulong count, IndexedTextGetter<THandle> get)
        {
            var texts = new List<string>();
            for (ulong i = 0; i < count; i++)
            {
                NativeStr text;
                if (!get(handle, new UIntPtr(i), out text)) break;
                texts.Add(Decode(text));
            }
            return texts.AsReadOnly();
        }

        public static string Text<THandle>(THandle handle, TextGetter<THandle> get)
        {
            NativeStr s;
            return get(handle, out s) ? Decode(s) : null;
        }

        /// <summary>
        /// The Unix time to verify at: <paramref name="now"/>, or the system clock when null. A negative
        /// time is a value of the right type that the core refuses (the misuse rule):
        /// <c>invalid_argument</c>, with Python's and Node's message.
        /// </summary>
        public static ulong UnixTime(long? now)
        {
            if (now.HasValue && now.Value < 0)
            {
                throw WechatPayNotifyException.InvalidArgument("now must be a non-negative integer (Unix seconds)");
            }
            return now.HasValue ? (ulong)now.Value : NativeMethods.wechatpay_unix_now();
        }
    }

    /// <summary>
    /// A typed value copied out of a verified notification, or the error reading it gave (a typed
    /// amount present in another form than a non-negative integer is <c>missing_field</c>, never
    /// "absent"). The public property returns <see cref="Value"/>, which throws a fresh
    /// <see cref="WechatPayNotifyException"/> for an error: the notification itself stays usable.
    /// </summary>
    internal readonly struct Typed<TValue>
    {
        private readonly TValue value;
        private readonly string code;
        private readonly int number;
        private readonly string message;

        private Typed(TValue value, string code, int number, string message)
        {
            this.value = value;
            this.code = code;
            this.number = number;
            this.message = message;
        }

        public static Typed<TValue> Of(TValue value)
        {
            return new Typed<TValue>(value, null, 0, null);
        }

        public static Typed<TValue> Failed(WechatPayNotifyException error)
        {
            return new Typed<TValue>(default(TValue), error.Code, error.Number, error.Message);
        }

        /// <summary>The value; throws the error when reading it failed.</summary>
        public TValue Value
        {
            get
            {
                if (code != null) throw new WechatPayNotifyException(code, number, message);
                return value;
            }
        }

        /// <summary>The code of the error reading it gave, or null when it has a value.</summary>
        public string ErrorCode
        {
            get { return code; }
        }

        /// <summary>The value without throwing (the default when reading it failed).</summary>
        public TValue ValueOrDefault
        {
            get { return value; }
        }
    }

    /// <summary>
    /// The one base of every native handle (verifier, builder, endpoint, result, notification,
    /// string): owned by exactly one managed object and released once, by the runtime's SafeHandle
    /// machinery, with the matching <c>wechatpay_*_free</c> (the only thing a subclass supplies: the
    /// subclasses exist so that each P/Invoke takes the handle type it expects). NULL (and -1) is
    /// invalid: nothing to free. Passing a closed handle to a P/Invoke throws
    /// <see cref="ObjectDisposedException"/>; a handle in use by a call is freed only after it returns.
    /// A string the native object lends outlives the call that returned it: read it under
    /// <see cref="Borrowing{T}"/>.
    /// </summary>
    internal abstract class NativeHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        private readonly Action<IntPtr> free;

        /// <param name="ptr">The native handle.</param>
        /// <param name="free">Its <c>wechatpay_*_free</c>; null for a handle borrowed from another native
        /// object (a notification inside an endpoint result): never freed, used only while its owner is
        /// alive.</param>
        protected NativeHandle(IntPtr ptr, Action<IntPtr> free) : base(free != null)
        {
            this.free = free;
            SetHandle(ptr);
        }

        protected override bool ReleaseHandle()
        {
            free(handle);
            return true;
        }

        /// <summary>Throws <see cref="ObjectDisposedException"/> naming <paramref name="owner"/> once the
        /// handle is closed (its owner was disposed).</summary>
        public void CheckOpen(object owner)
        {
            if (IsClosed) throw new ObjectDisposedException(owner.GetType().FullName);
        }

        /// <summary>Runs <paramref name="read"/> holding a reference on the handle, for reads of the
        /// strings the native object lends (valid only while it lives, and read after each call
        /// returns): a concurrent Dispose frees the object only after <paramref name="read"/> is done.
        /// Throws <see cref="ObjectDisposedException"/> naming <paramref name="owner"/> once the
        /// handle is closed.</summary>
        public T Borrowing<T>(object owner, Func<T> read)
        {
            bool added = false;
            try
            {
                try
                {
                    DangerousAddRef(ref added);
                }
                catch (ObjectDisposedException)
                {
                    throw new ObjectDisposedException(owner.GetType().FullName);
                }
                return read();
            }
            finally
            {
                if (added) DangerousRelease();
            }
        }
    }

    /// <summary>
    /// A key's UTF-8 bytes for the native calls that take it: written into a buffer that is pinned
    /// before the key is encoded into it (so the garbage collector never moves it, which would leave
    /// a copy behind), passed to the C ABI as a pointer (no marshalling copy: the native side copies
    /// what it keeps into memory it zeroises when freed), and zeroed and unpinned by
    /// <see cref="Dispose"/>. The caller's own string cannot be wiped (.NET strings are immutable).
    /// </summary>
    internal sealed unsafe class Secret : IDisposable
    {
        private readonly byte[] bytes;
        private GCHandle pin;

        /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="text"/> has no UTF-8 form.</exception>
        public Secret(string text, string paramName)
        {
            if (text == null) throw new ArgumentNullException(paramName);
            int count;
            try
            {
                count = Native.StrictUtf8.GetByteCount(text);
            }
            catch (EncoderFallbackException e)
            {
                throw Native.NoUtf8(paramName, e);
            }
            bytes = new byte[count];
            pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            Native.StrictUtf8.GetBytes(text, 0, text.Length, bytes, 0);
        }

        /// <summary>The first byte (null for an empty key), valid until <see cref="Dispose"/>.</summary>
        public byte* Pointer
        {
            get { return bytes.Length == 0 || !pin.IsAllocated ? null : (byte*)pin.AddrOfPinnedObject(); }
        }

        public UIntPtr Length
        {
            get { return new UIntPtr((uint)bytes.Length); }
        }

        /// <summary>True once <see cref="Dispose"/> zeroed the bytes (for the tests).</summary>
        internal bool IsWiped
        {
            get { return !pin.IsAllocated && Array.TrueForAll(bytes, b => b == 0); }
        }

        /// <summary>Zeroes the bytes, then unpins them.</summary>
        public void Dispose()
        {
            if (!pin.IsAllocated) return;
            Array.Clear(bytes, 0, bytes.Length);
            pin.Free();
        }
    }

    /// <summary>An owned native string (a signature, a FAIL reply).</summary>
    internal static class NativeString
    {
        internal sealed class Handle : NativeHandle
        {
            public Handle(IntPtr ptr) : base(ptr, NativeMethods.wechatpay_string_free)
            {
            }
        }

        /// <summary>Copies an owned native string out and frees it.</summary>
        public static string Take(IntPtr ptr)
        {
            using (var h = new Handle(ptr))
            {
                return Native.Decode(NativeMethods.wechatpay_string_data(h), NativeMethods.wechatpay_string_len(h));
            }
        }
    }
}
