"""One reply type for both versions, sent exactly by each framework's adapter (wechatpay_notify.web),
and the unadapted mistake failing loudly (a 500, so WeChat Pay retries) in every framework: tested
with Flask, Django and Starlette/FastAPI themselves."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any, Callable

import pytest

import wechatpay_notify as wn
from wechatpay_notify.web import django_response, flask_response, starlette_response

SUCCESS_XML = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
REFUSAL_XML = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>"
V3_REFUSAL = '{"code":"FAIL","message":"rejected"}'

# Every kind of reply the package makes, with what must go on the wire.
REPLIES: dict[str, tuple[Callable[[], wn.HttpReply], int, str | None, str]] = {
    "v2 success": (wn.reply_v2_success, 200, "text/xml", SUCCESS_XML),
    "v2 refusal": (lambda: wn.reply_v2_fail("signature_mismatch"), 200, "text/xml", REFUSAL_XML),
    "v2 own failure": (lambda: wn.reply_v2_fail(RuntimeError("database down")), 500, "text/xml", REFUSAL_XML),
    "v3 success": (wn.reply_v3_success, 204, None, ""),
    "v3 refusal": (lambda: wn.reply_v3_fail("signature_mismatch"), 401, "application/json", V3_REFUSAL),
    "v3 own failure": (lambda: wn.reply_v3_fail(RuntimeError("database down")), 500, "application/json", V3_REFUSAL),
}


def test_one_reply_type_with_one_status_rule() -> None:
    for name, (make, status, content_type, body) in REPLIES.items():
        reply = make()
        assert type(reply) is wn.HttpReply, name
        assert (reply.status, reply.content_type, reply.body) == (status, content_type, body), name
    # The library's refusals are 200 in v2 (the FAIL is in the XML), your own faults 500 in both.
    for code in ("malformed_xml", "missing_field", "decrypt_failed", "signature_mismatch"):
        assert wn.reply_v2_fail(code).status == 200, code
    for code in ("invalid_config", "internal"):
        assert wn.reply_v2_fail(code).status == 500 == wn.reply_v3_fail(code).status, code
    # The same reply as the endpoint's for the same situation.
    assert wn.reply_v2_success() == wn.HttpReply(200, "text/xml", wn.reply_success())
    assert wn.reply_v2_fail(RuntimeError()) == wn.internal_error_reply([])
    with pytest.raises(TypeError):
        wn.reply_v2_fail(42)  # type: ignore[arg-type]
    with pytest.raises(wn.InvalidArgumentError):
        wn.reply_v2_fail("no_such_code")


def test_the_reply_is_no_tuple_list_dict_or_dataclass() -> None:
    reply = wn.reply_v3_fail("signature_mismatch")
    for kind in (tuple, list, dict):
        assert not isinstance(reply, kind)
    assert not dataclasses.is_dataclass(reply)
    assert not hasattr(reply, "__dict__")  # nothing for vars() to turn into a JSON object
    with pytest.raises(TypeError):
        dict(reply)
    status, content_type, body = reply
    assert (status, content_type, body) == (401, "application/json", V3_REFUSAL)
    with pytest.raises(AttributeError):
        reply.status = 200  # type: ignore[misc]
    assert reply == wn.HttpReply(401, "application/json", V3_REFUSAL)
    assert hash(reply) == hash(wn.HttpReply(401, "application/json", V3_REFUSAL))
    assert pickle.loads(pickle.dumps(reply)) == reply
    assert repr(reply) == f"HttpReply(status=401, content_type='application/json', body='{V3_REFUSAL}')"
    for bad in ((True, None, ""), (99, None, ""), (200, b"text/xml", ""), (200, None, b"")):
        with pytest.raises(TypeError):
            wn.HttpReply(*bad)
    for adapt in (flask_response, django_response, starlette_response):
        with pytest.raises(TypeError, match="HttpReply"):
            adapt((204, None, ""))  # type: ignore[arg-type]


# ---- Flask ----


def flask_app(adapt: bool) -> Any:
    from flask import Flask

    app = Flask(__name__)
    for name, (make, *_rest) in REPLIES.items():
        path = "/" + name.replace(" ", "-")
        app.add_url_rule(path, path, (lambda make=make: flask_response(make())) if adapt else (lambda make=make: make()))
    return app


def test_flask_sends_every_reply_exactly() -> None:
    client = flask_app(adapt=True).test_client()
    for name, (_make, status, content_type, body) in REPLIES.items():
        r = client.get("/" + name.replace(" ", "-"))
        assert r.status_code == status, name
        assert r.headers.get("Content-Type") == content_type, name
        assert r.get_data(as_text=True) == body, name


def test_flask_refuses_the_unadapted_reply_loudly() -> None:
    app = flask_app(adapt=False)
    app.testing = True
    with pytest.raises(TypeError):
        app.test_client().get("/v3-refusal")
    app.testing = False
    for name in REPLIES:
        assert app.test_client().get("/" + name.replace(" ", "-")).status_code == 500, name


# ---- Starlette / FastAPI ----


def fastapi_app(adapt: bool) -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    for name, (make, *_rest) in REPLIES.items():
        path = "/" + name.replace(" ", "-")
        if adapt:
            app.add_api_route(path, lambda make=make: starlette_response(make()), methods=["POST"])
        else:
            app.add_api_route(path, lambda make=make: make(), methods=["POST"])
    return app


def test_fastapi_sends_every_reply_exactly() -> None:
    from fastapi.testclient import TestClient

    client = TestClient(fastapi_app(adapt=True))
    for name, (_make, status, content_type, body) in REPLIES.items():
        r = client.post("/" + name.replace(" ", "-"))
        assert r.status_code == status, name
        assert r.headers.get("content-type") == content_type, name
        assert r.text == body, name


def test_fastapi_refuses_the_unadapted_reply_loudly() -> None:
    """Returned as it is, a reply must never become a 2xx JSON body (the NamedTuple it once was
    became `[401, ...]` with status 200: WeChat Pay took the refusal as an acknowledgement)."""
    from fastapi.testclient import TestClient

    client = TestClient(fastapi_app(adapt=False), raise_server_exceptions=False)
    for name in REPLIES:
        r = client.post("/" + name.replace(" ", "-"))
        assert r.status_code == 500, (name, r.status_code, r.text)


# ---- Django ----


def django_client(adapt: bool) -> Any:
    import django  # type: ignore[import-untyped]
    from django.conf import settings  # type: ignore[import-untyped]

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="test only",
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
            LOGGING_CONFIG=None,
        )
        django.setup()
    from django.test import Client  # type: ignore[import-untyped]

    global urlpatterns
    urlpatterns = django_urls(adapt)
    from django.urls import clear_url_caches  # type: ignore[import-untyped]

    clear_url_caches()
    return Client(raise_request_exception=False)


def django_urls(adapt: bool) -> list[Any]:
    from django.urls import path

    urls = []
    for name, (make, *_rest) in REPLIES.items():
        view = (lambda request, make=make: django_response(make())) if adapt else (lambda request, make=make: make())
        urls.append(path(name.replace(" ", "-"), view))
    return urls


urlpatterns: list[Any] = []


def test_django_sends_every_reply_exactly() -> None:
    client = django_client(adapt=True)
    for name, (_make, status, content_type, body) in REPLIES.items():
        r = client.post("/" + name.replace(" ", "-"))
        assert r.status_code == status, name
        assert r.headers.get("Content-Type") == content_type, name
        assert r.content.decode("utf-8") == body, name


def test_django_refuses_the_unadapted_reply_loudly() -> None:
    """Django takes any object a view returns and fails on it (no `_resource_closers`) after the
    view: the exception reaches the WSGI/ASGI server, which answers 500."""
    client = django_client(adapt=False)
    for name in REPLIES:
        with pytest.raises(AttributeError):
            client.post("/" + name.replace(" ", "-"))
