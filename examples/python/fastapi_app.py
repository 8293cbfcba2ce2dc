"""A FastAPI notify_url endpoint for WeChat Pay v2 payment and refund notifications.

    WECHATPAY_API_KEY=... WECHATPAY_MCH_ID=10000100 uvicorn fastapi_app:app_from_env --factory

Same behaviour as flask_app (both call notify_store): verify the raw body, apply the payment to its
order once by dedupe_key, answer with the exact reply. The SQLite transaction blocks, so it runs
in Starlette's thread pool rather than on the event loop.
"""

from __future__ import annotations

import wechatpay_notify as wn
from fastapi import FastAPI, Request, Response
from notify_store import (
    MAX_BODY_BYTES,
    XML,
    Store,
    handle_payment,
    handle_refund,
    store_from_env,
    verifier_from_env,
)
from starlette.concurrency import run_in_threadpool


async def raw_body(request: Request) -> bytes:
    """The body exactly as received, read until it is past MAX_BODY_BYTES (the verifier refuses a
    longer one as body_too_large): an oversized body is never buffered whole."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            break
    return bytes(body)


def create_app(verifier: wn.Verifier, store: Store) -> FastAPI:
    app = FastAPI()

    @app.post("/wechatpay/notify")
    async def payment_notify(request: Request) -> Response:
        body = await raw_body(request)
        status, reply = await run_in_threadpool(handle_payment, verifier, store, body)
        return Response(reply, status_code=status, media_type=XML)

    @app.post("/wechatpay/refund-notify")
    async def refund_notify(request: Request) -> Response:
        body = await raw_body(request)
        status, reply = await run_in_threadpool(handle_refund, verifier, store, body)
        return Response(reply, status_code=status, media_type=XML)

    return app


def app_from_env() -> FastAPI:
    return create_app(verifier_from_env(), store_from_env())
