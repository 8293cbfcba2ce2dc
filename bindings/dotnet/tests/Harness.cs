// A small test runner (NUnit 2.6's summary is not a line CI reads): each case is counted, failures
// are printed, and the last line is "N passed, M failed".
using System;
using System.Collections.Generic;

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

        /// <summary>Asserts that <paramref name="action"/> throws WechatPayNotifyException with exactly this code.</summary>
        public static WechatPayNotifyException Code(string code, Action action)
        {
            try
            {
                action();
            }
            catch (WechatPayNotifyException e)
            {
                Eq(code, e.Code, "error code (message: " + e.Message + ")");
                True(e.Number >= 7001 && e.Number <= 7020, "error number in range");
                True(e.Message.Length > 0, "error message present");
                return e;
            }
            throw new AssertionException("expected " + code + ", nothing was thrown");
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
