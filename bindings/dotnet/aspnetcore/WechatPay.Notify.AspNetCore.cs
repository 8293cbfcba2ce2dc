// The ASP.NET Core adapter of WechatPay.Notify's HttpReply. Copy this file into an ASP.NET Core
// project: it references Microsoft.AspNetCore.Http and Microsoft.AspNetCore.Mvc, which the
// netstandard2.0 package does not (so that the package serves .NET Framework and Mono too).
//
//   Minimal APIs:  return endpoint.Handle(headers, body).Reply.ToResult();
//   MVC:           return reply.ToActionResult();
//   Middleware:    await reply.WriteToAsync(context.Response);
//
// Each sends the reply's exact status (a refusal is never a 2xx), its Content-Type (none for the
// APIv3 success: 204 without a body) and its body as UTF-8. Returning the HttpReply object itself
// would make ASP.NET Core serialise it as JSON with status 200, which WeChat Pay takes as an
// acknowledgement; HttpReply's guard property NotAResponseBody throws when a serialiser reads it, so
// that mistake ends in a 500 instead.
//
// Tested here: compiled under Mono (C# 7.2) against the shapes of the ASP.NET Core types it uses
// (bindings/dotnet/aspnetcore/shapes) and run against fakes of them
// (bindings/dotnet/aspnetcore/AspNetCoreAdapterTests.cs). Not run on ASP.NET Core itself: no .NET
// SDK on the development machines.
using System;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace WechatPay.Notify.AspNetCore
{
    /// <summary>Sends an <see cref="HttpReply"/> through ASP.NET Core.</summary>
    public static class HttpReplyAspNetCore
    {
        /// <summary>The reply as a minimal-API result: its status, content type and UTF-8 body.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="reply"/> is null.</exception>
        public static IResult ToResult(this HttpReply reply)
        {
            if (reply == null) throw new ArgumentNullException("reply");
            return new ReplyResult(reply);
        }

        /// <summary>The reply as an MVC action result: a <see cref="ContentResult"/> with its status,
        /// content type and body, or a bare <see cref="StatusCodeResult"/> for a reply without a body
        /// (the APIv3 success, 204).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="reply"/> is null.</exception>
        public static IActionResult ToActionResult(this HttpReply reply)
        {
            if (reply == null) throw new ArgumentNullException("reply");
            if (reply.ContentType == null) return new StatusCodeResult(reply.Status);
            return new ContentResult { StatusCode = reply.Status, ContentType = reply.ContentType, Content = reply.Body };
        }

        /// <summary>Writes the reply on <paramref name="response"/>: the status, the
        /// <c>Content-Type</c> (none when null), the <c>Content-Length</c> and the body's UTF-8 bytes.</summary>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public static async Task WriteToAsync(this HttpReply reply, HttpResponse response)
        {
            if (reply == null) throw new ArgumentNullException("reply");
            if (response == null) throw new ArgumentNullException("response");
            byte[] body = Encoding.UTF8.GetBytes(reply.Body);
            response.StatusCode = reply.Status;
            if (reply.ContentType != null) response.ContentType = reply.ContentType;
            response.ContentLength = body.Length;
            if (body.Length > 0) await response.Body.WriteAsync(body, 0, body.Length).ConfigureAwait(false);
        }

        private sealed class ReplyResult : IResult
        {
            private readonly HttpReply reply;

            internal ReplyResult(HttpReply reply)
            {
                this.reply = reply;
            }

            public Task ExecuteAsync(HttpContext httpContext)
            {
                if (httpContext == null) throw new ArgumentNullException("httpContext");
                return reply.WriteToAsync(httpContext.Response);
            }
        }
    }
}
