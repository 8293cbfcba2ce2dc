"""Send an :class:`~wechatpay_notify.HttpReply` through a web framework, exactly.

Every reply of this package (``Endpoint.handle``'s ``reply`` and ``internal_error_reply()``, a
refusal's ``EndpointRejected.reply``, ``reply_v2_success()``, ``reply_v2_fail(e)``,
``reply_v3_success()``, ``reply_v3_fail(e)``) is an ``HttpReply``: one status rule for both
versions. Return ``flask_response(reply)`` from a Flask view, ``django_response(reply)`` from a
Django view, ``starlette_response(reply)`` from a Starlette or FastAPI endpoint. Each sets the
status, the ``Content-Type`` (none when the reply has no body) and the body byte for byte (UTF-8).

Each function imports its framework when called: this package depends on none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._reply import HttpReply

if TYPE_CHECKING:
    from flask import Response as FlaskResponse
    from starlette.responses import Response as StarletteResponse

__all__ = ["django_response", "flask_response", "starlette_response"]


def _checked(reply: object) -> HttpReply:
    if not isinstance(reply, HttpReply):
        raise TypeError(f"expected a wechatpay_notify.HttpReply, got {type(reply).__name__}")
    return reply


def flask_response(reply: HttpReply) -> FlaskResponse:
    """The reply as a ``flask.Response`` (any Werkzeug-based framework)."""
    from flask import Response

    r = _checked(reply)
    response = Response(r.body.encode("utf-8"), status=r.status)
    if r.content_type is None:
        del response.headers["Content-Type"]
    else:
        response.headers["Content-Type"] = r.content_type
    return response


def django_response(reply: HttpReply) -> Any:
    """The reply as a ``django.http.HttpResponse``."""
    from django.http import HttpResponse  # type: ignore[import-untyped]

    r = _checked(reply)
    response = HttpResponse(r.body.encode("utf-8"), status=r.status)
    if r.content_type is None:
        del response["Content-Type"]
    else:
        response["Content-Type"] = r.content_type
    return response


def starlette_response(reply: HttpReply) -> StarletteResponse:
    """The reply as a ``starlette.responses.Response`` (what a FastAPI endpoint returns)."""
    from starlette.responses import Response

    r = _checked(reply)
    response = Response(r.body.encode("utf-8"), status_code=r.status)
    if r.content_type is not None:
        response.headers["Content-Type"] = r.content_type
    return response
