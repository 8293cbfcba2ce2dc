"""A Flask notify_url endpoint for WeChat Pay v2 payment and refund notifications.

    WECHATPAY_API_KEY=... WECHATPAY_MCH_ID=10000100 flask --app flask_app:app_from_env run

The raw body is verified before anything is read from it. A verified payment is applied to its
order once (keyed by its dedupe_key; see notify_store) and always answered with the exact SUCCESS
reply, also on a retry or when it pays no order (then it is recorded as a discrepancy for review);
a rejected one records nothing and gets a FAIL reply.
"""

from __future__ import annotations

import os

import wechatpay_notify as wn
from flask import Flask, Response, request
from notify_store import (
    MAX_BODY_BYTES,
    XML,
    Store,
    handle_payment,
    handle_refund,
    store_from_env,
    verifier_from_env,
)


def raw_body() -> bytes:
    """The body exactly as received, read up to one byte past MAX_BODY_BYTES (the verifier refuses
    a longer one as body_too_large); with or without Content-Length."""
    body = bytearray()
    while len(body) <= MAX_BODY_BYTES:
        chunk = request.stream.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def create_app(verifier: wn.Verifier, store: Store) -> Flask:
    app = Flask(__name__)

    @app.post("/wechatpay/notify")
    def payment_notify() -> Response:
        status, reply = handle_payment(verifier, store, raw_body())
        return Response(reply, status=status, content_type=XML)

    @app.post("/wechatpay/refund-notify")
    def refund_notify() -> Response:
        status, reply = handle_refund(verifier, store, raw_body())
        return Response(reply, status=status, content_type=XML)

    return app


def app_from_env() -> Flask:
    return create_app(verifier_from_env(), store_from_env())


if __name__ == "__main__":
    app_from_env().run(port=int(os.environ.get("PORT", "8000")))
