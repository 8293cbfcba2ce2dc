// A small test runner (NUnit 2.6's summary is not a line CI reads): each case is counted, failures
// are printed, and the last line is "N passed, M failed".
using System;
using System.Collections.Generic;
using System.Globalization;

namespace WechatPay.Notify.Tests
{
    internal sealed class AssertionException : Exception
    {
        public AssertionException(string message) : base(message)
        {
        }
    }

    internal static class T
    {
        public static int Passed;
        public static int Failed;

        public static void Case(string name, Action body)
        {
            try
            {
                body();
                Passed++;
            }
            catch (Exception e)
            {
                Failed++;
                Console.Error.WriteLine("FAIL " + name + ": " + e);
            }
        }

        public static void True(bool condition, string what)
        {
            if (!condition) throw new AssertionException(what);
        }

        public static void Eq<TValue>(TValue expected, TValue actual, string what)
        {
            if (!EqualityComparer<TValue>.Default.Equals(expected, actual))
            {
                throw new AssertionException(what + ": expected <" + expected + ">, got <" + actual + ">");
            }
        }

        /// <summary>The SPEC §3 codes in order: code i has the stable number 8201 + i.</summary>
        public static readonly string[] Codes =
        {
            "invalid_config", "invalid_argument", "body_too_large", "malformed_xml", "forbidden_doctype",
            "duplicate_field", "missing_field", "return_code_fail", "missing_signature", "sign_type_mismatch",
            "signature_mismatch", "merchant_mismatch", "decrypt_failed", "malformed_json", "missing_header",
            "unsupported_algorithm", "unknown_serial", "signature_probe", "timestamp_out_of_window", "internal",
        };

        /// <summary>
        /// Asserts that <paramref name="action"/> throws WechatPayNotifyException with exactly this code,
        /// the code's stable number, and a message that obeys the message rule (<see cref="CleanMessage"/>).
        /// </summary>
        public static WechatPayNotifyException Code(string code, Action action)
        {
            try
            {
                action();
            }
            catch (WechatPayNotifyException e)
            {
                CheckError(code, e);
                return e;
            }
            throw new AssertionException("expected " + code + ", nothing was thrown");
        }

        /// <summary>Asserts an exception's code, number and message rule.</summary>
        public static void CheckError(string code, WechatPayNotifyException e)
        {
            Eq(code, e.Code, "error code (message: " + e.Message + ")");
            Eq(8201 + Array.IndexOf(Codes, e.Code), e.Number, "the stable number of " + e.Code);
            CleanMessage(e.Message, e.Code + " message");
        }

        /// <summary>
        /// The message rule (issue 8.3): non-empty, at most 200 characters (code points), and no
        /// character of Unicode categories Cc, Cf, Zl or Zp (no newline, ANSI escape, U+2028, U+202E...).
        /// </summary>
        public static void CleanMessage(string message, string what)
        {
            True(!string.IsNullOrEmpty(message), what + ": present");
            int chars = 0;
            for (int i = 0; i < message.Length; i++)
            {
                if (char.IsLowSurrogate(message[i]) && i > 0 && char.IsHighSurrogate(message[i - 1])) continue;
                chars++;
                UnicodeCategory cat = CharUnicodeInfo.GetUnicodeCategory(message, i);
                if (cat == UnicodeCategory.Control || cat == UnicodeCategory.Format ||
                    cat == UnicodeCategory.LineSeparator || cat == UnicodeCategory.ParagraphSeparator)
                {
                    throw new AssertionException(what + ": U+" + ((int)message[i]).ToString("X4") + " (" + cat + ") at " + i + " in " + Escape(message));
                }
            }
            True(chars <= 200, what + ": " + chars + " characters, over 200");
        }

        private static string Escape(string s)
        {
            var sb = new System.Text.StringBuilder();
            foreach (char c in s)
            {
                if (c >= 0x20 && c < 0x7f) sb.Append(c);
                else sb.Append("\\u").Append(((int)c).ToString("X4"));
            }
            return sb.ToString();
        }

        public static TException Throws<TException>(Action action) where TException : Exception
        {
            try
            {
                action();
            }
            catch (TException e)
            {
                return e;
            }
            throw new AssertionException("expected " + typeof(TException).Name + ", nothing was thrown");
        }

        public static int Summary()
        {
            Console.WriteLine(Passed + " passed, " + Failed + " failed");
            return Failed == 0 && Passed > 0 ? 0 : 1;
        }
    }
}
