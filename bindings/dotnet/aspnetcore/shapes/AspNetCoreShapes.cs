// The shapes of the ASP.NET Core types the adapter (../WechatPay.Notify.AspNetCore.cs) uses: the same
// namespaces, names and member signatures as in ASP.NET Core (Microsoft.AspNetCore.Http.Abstractions,
// Microsoft.AspNetCore.Mvc.Core), reduced to the members it touches. TEST ONLY: they let the adapter
// compile and run under Mono, where ASP.NET Core does not exist; they are never shipped.
using System.IO;
using System.Threading.Tasks;

namespace Microsoft.AspNetCore.Http
{
    public interface IResult
    {
        Task ExecuteAsync(HttpContext httpContext);
    }

    public abstract class HttpContext
    {
        public abstract HttpResponse Response { get; }
    }

    public abstract class HttpResponse
    {
        public abstract int StatusCode { get; set; }
        public abstract string ContentType { get; set; }
        public abstract long? ContentLength { get; set; }
        public abstract Stream Body { get; set; }
    }
}

namespace Microsoft.AspNetCore.Mvc
{
    public class ActionContext
    {
    }

    public interface IActionResult
    {
        Task ExecuteResultAsync(ActionContext context);
    }

    public abstract class ActionResult : IActionResult
    {
        public virtual Task ExecuteResultAsync(ActionContext context)
        {
            return Task.FromResult(0);
        }
    }

    public class ContentResult : ActionResult
    {
        public string Content { get; set; }
        public string ContentType { get; set; }
        public int? StatusCode { get; set; }
    }

    public class StatusCodeResult : ActionResult
    {
        public StatusCodeResult(int statusCode)
        {
            StatusCode = statusCode;
        }

        public int StatusCode { get; }
    }
}
