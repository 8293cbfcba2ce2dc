"""A Flask notify_url endpoint for WeChat Pay v2 payment and refund notifications.

    WECHATPAY_API_KEY=... WECHATPAY_MCH_ID=10000100 flask --app flask_app run

The raw body is verified before anything is read from it; a verified notification is recorded once
(keyed by its dedupe_key) and always answered with the exact SUCCESS reply, also on a retry; a
rejected one records nothing and gets a FAIL reply (WeChat Pay will retry it).
"""

from __future__ import annotations

import logging
import os

import wechatpay_notify as wn
from flask import Flask, Response, request
from notify_store import Store, verifier_from_env

log = logging.getLogger(__name__)
XML = "text/xml; charset=utf-8"


def create_app(verifier: wn.Verifier, store: Store) -> Flask:
    app = Flask(__name__)

    @app.post("/wechatpay/notify")
    def payment_notify() -> Response:
        try:
            n = verifier.verify_payment(request.get_data(cache=False))
        except wn.NotifyError as e:
            log.warning("rejected payment notification: %s", e)
            return Response(wn.reply_fail(e.code), status=400, content_type=XML)
        if store.record_payment(n):
            log.info("recorded %r", n)
        return Response(wn.reply_success(), status=200, content_type=XML)

    @app.post("/wechatpay/refund-notify")
    def refund_notify() -> Response:
        try:
            n = verifier.decrypt_refund(request.get_data(cache=False))
        except wn.NotifyError as e:
            log.warning("rejected refund notification: %s", e)
            return Response(wn.reply_fail(e.code), status=400, content_type=XML)
        store.record_refund(n)
        return Response(wn.reply_success(), status=200, content_type=XML)

    return app


def app_from_env() -> Flask:
    return create_app(verifier_from_env(), Store(os.environ.get("WECHATPAY_DB", "payments.sqlite3")))


if __name__ == "__main__":
    app_from_env().run(port=int(os.environ.get("PORT", "8000")))
