// The ASP.NET Core adapter (WechatPay.Notify.AspNetCore.cs) against fakes of ASP.NET Core's
// HttpContext and HttpResponse (shapes/AspNetCoreShapes.cs): every reply the library makes is sent
// with its exact status, content type and body bytes, by the minimal-API result, the MVC action
// result and WriteToAsync alike. Run by scripts/test-dotnet.sh under Mono; prints "N passed, N failed".
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using WechatPay.Notify;
using WechatPay.Notify.AspNetCore;

internal static class AspNetCoreAdapterTests
{
    private sealed class FakeResponse : HttpResponse
    {
        public bool ContentTypeSet;
        private string contentType;

        public override int StatusCode { get; set; } = 200;

        public override string ContentType
        {
            get { return contentType; }
            set { contentType = value; ContentTypeSet = true; }
        }

        public override long? ContentLength { get; set; }
        public override Stream Body { get; set; } = new MemoryStream();
    }

    private sealed class FakeContext : HttpContext
    {
        private readonly FakeResponse response = new FakeResponse();
        public override HttpResponse Response { get { return response; } }
    }

    private static int passed, failed;

    private static void Check(bool condition, string what)
    {
        if (condition) { passed++; return; }
        failed++;
        Console.WriteLine("FAIL " + what);
    }

    private static void Sent(string name, FakeResponse r, HttpReply want)
    {
        byte[] body = ((MemoryStream)r.Body).ToArray();
        Check(r.StatusCode == want.Status, name + ": status " + r.StatusCode + ", expected " + want.Status);
        Check(want.ContentType == null ? !r.ContentTypeSet : r.ContentType == want.ContentType,
            name + ": content type " + (r.ContentType ?? "(none)"));
        Check(r.ContentLength == body.Length, name + ": Content-Length " + r.ContentLength + " for " + body.Length + " bytes");
        Check(Encoding.UTF8.GetString(body) == want.Body, name + ": body");
    }

    private static int Main()
    {
        var replies = new Dictionary<string, HttpReply>
        {
            { "v2 success", Reply.V2Success() },
            { "v2 refusal", Reply.V2Fail("signature_mismatch") },
            { "v2 own failure", Reply.V2Fail("internal") },
            { "v3 success", Reply.V3Success() },
            { "v3 refusal", Reply.V3Fail("timestamp_out_of_window") },
            { "v3 malformed", Reply.V3Fail("malformed_json") },
            { "v3 own failure", Reply.V3Fail("internal") },
            { "non-ASCII body", new HttpReply(200, "text/plain", "已收到") },
        };
        foreach (KeyValuePair<string, HttpReply> pair in replies)
        {
            HttpReply reply = pair.Value;
            var context = new FakeContext();
            reply.ToResult().ExecuteAsync(context).GetAwaiter().GetResult();
            Sent(pair.Key + " (ToResult)", (FakeResponse)context.Response, reply);

            var response = new FakeResponse();
            reply.WriteToAsync(response).GetAwaiter().GetResult();
            Sent(pair.Key + " (WriteToAsync)", response, reply);

            IActionResult action = reply.ToActionResult();
            if (reply.ContentType == null)
            {
                var status = action as StatusCodeResult;
                Check(status != null && status.StatusCode == reply.Status, pair.Key + " (ToActionResult): a bare status");
            }
            else
            {
                var content = action as ContentResult;
                Check(content != null && content.StatusCode == reply.Status && content.ContentType == reply.ContentType
                    && content.Content == reply.Body, pair.Key + " (ToActionResult): status, content type, body");
            }
        }
        // A refusal is never a 2xx, whichever way it is sent.
        foreach (string code in new[] { "signature_mismatch", "unknown_serial", "decrypt_failed", "internal" })
        {
            var context = new FakeContext();
            Reply.V3Fail(code).ToResult().ExecuteAsync(context).GetAwaiter().GetResult();
            Check(context.Response.StatusCode >= 400, "v3 " + code + ": status " + context.Response.StatusCode);
        }
        bool threw = false;
        try { HttpReplyAspNetCore.ToResult(null); } catch (ArgumentNullException) { threw = true; }
        Check(threw, "ToResult(null) throws ArgumentNullException");
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
